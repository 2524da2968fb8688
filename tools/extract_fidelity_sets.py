"""Write tests/metrics/data/fidelity_real.jsonl: real text for the language-fidelity evaluation sets.

Nobody on the project wrote these texts: they are the translations shipped in Debian's gettext
catalogues (LGPL-2.1+ like the programs they belong to):
- `neighbour-sentence`: messages of GLib (`libglib2.0-data`, glib20.mo) and GTK 2 (`libgtk2.0-common`,
  gtk20.mo) in Belarusian, Kazakh, Ukrainian, Macedonian, Slovene and Bulgarian, with format
  placeholders removed, at least 5 words;
- `neighbour-short`: country names of `iso-codes` (iso_3166-1.mo) in those languages that are not also
  a country name in the language they neighbour (a name spelt alike in both, such as Канада, is in
  both languages and is left out); a name that is, letter for letter, a country name in a language the
  target accepts as itself (`Language.accepted_as`: Serbian accepts Croatian and Bosnian, which iso-codes
  also translates) keeps its place in the set but carries `also_in` (sl "Sierra Leone" is the Bosnian
  name too): it is a correct answer under that policy, so `tests/metrics/fidelity_sets.py` lists it
  instead of counting it (the field was added without changing which names are picked);
- `country`: country names of `iso-codes` in the eight evaluation languages (real short answers to
  "which country is this?").

A neighbour's text every word of which the target language's Debian spelling dictionary also accepts
(`hunspell-ru`: ru_RU; `hunspell-sr`: sr_RS, sr_Latn_RS) is as much Russian or Serbian as it is the
neighbour's (uk "Держава Катар", mk "Португалија") and is left out; the counts left out are printed
to stderr. Each language's texts are ordered by CRC-32 (deterministic, unrelated to content) and the first `PER`
taken; alternate ones go to `dev` and `test`. Regenerate (after `apt-get install -y iso-codes
libglib2.0-data libgtk2.0-common hunspell hunspell-ru hunspell-sr`) with:

    python tools/extract_fidelity_sets.py > tests/metrics/data/fidelity_real.jsonl
"""

from __future__ import annotations

import gettext
import json
import re
import subprocess
import sys
import unicodedata
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mella_bench.langs import LANGUAGES  # noqa: E402

LOCALE = Path("/usr/share/locale")
PER = 40
# neighbour → (its Debian locale, the evaluation language(s) it is confused with, their locale(s))
NEIGHBOURS = {
    "be": ("ru", ("ru",)), "kk": ("ru", ("ru",)), "uk": ("ru", ("ru",)),
    "mk": ("sr", ("sr", "sr@latin")), "sl": ("sr", ("sr", "sr@latin")), "bg": ("sr", ("sr", "sr@latin")),
}
SPELLING = {"ru": "ru_RU", "sr": "sr_RS,sr_Latn_RS"}
EVALUATION = {"ar": ("ar",), "cs": ("cs",), "hu": ("hu",), "ko": ("ko",), "ru": ("ru",),
              "sr": ("sr", "sr@latin"), "th": ("th",), "vi": ("vi",)}
PLACEHOLDER = re.compile(r"%(\d+\$)?[-+ #0-9.]*(l{0,2}|z|h)?[a-zA-Z]|\{\w*\}|<[^>]*>|\\.")
EMPTY_QUOTES = re.compile(r"[„“”\"'«»‘’‚]\s*[„“”\"'«»‘’‚]")


def catalogue(locale: str, domain: str) -> dict[str, str]:
    path = LOCALE / locale / "LC_MESSAGES" / f"{domain}.mo"
    with path.open("rb") as fh:
        cat = gettext.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
    return {k: v for k, v in cat.items() if isinstance(k, str) and k and isinstance(v, str) and v}


def package_of(locale: str, domain: str) -> str:
    path = LOCALE / locale / "LC_MESSAGES" / f"{domain}.mo"
    pkg = subprocess.run(["dpkg", "-S", str(path)], capture_output=True, text=True, check=True).stdout.split(":")[0]
    version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True,
                             check=True).stdout
    return f"{pkg} {version} {domain}.mo"


def clean(text: str) -> str:
    text = PLACEHOLDER.sub(" ", text.replace("_", ""))
    text = EMPTY_QUOTES.sub(" ", text)
    return " ".join(text.split())


def words(text: str) -> list[str]:
    return [w for w in re.findall(r"\w+", text) if any(ch.isalpha() for ch in w)]


def script_share(text: str, script: str) -> float:
    letters = [ch for ch in text if ch.isalpha()]
    return sum(unicodedata.name(ch, "").startswith(script) for ch in letters) / max(1, len(letters))


def also_valid_in(target: str, texts: set[str]) -> set[str]:
    """The texts all of whose words the target language's hunspell dictionary accepts."""
    vocab = sorted({w for t in texts for w in words(t)})
    unknown = set(subprocess.run(["hunspell", "-d", SPELLING[target], "-l"], input="\n".join(vocab),
                                 capture_output=True, text=True, check=True).stdout.split())
    return {t for t in texts if not any(w in unknown for w in words(t))}


def neighbour_script(lang: str) -> str:
    """The script a neighbour's catalogues are written in (Slovene: Latin; be kk uk mk bg: Cyrillic)."""
    return "LATIN" if lang == "sl" else "CYRILLIC"


def is_sentence(text: str, script: str) -> bool:
    """A message long enough for the detector (at least 5 words), at least 90 % in `script`."""
    return len(words(text)) >= 5 and script_share(text, script) >= 0.9


def crc_order(texts: set[str]) -> list[str]:
    """`texts` in CRC-32 order: a fixed order that no rule chose."""
    return sorted(texts, key=lambda t: (zlib.crc32(t.encode()), t))


def pick(texts: set[str]) -> list[tuple[str, str]]:
    chosen = crc_order(texts)[:PER]
    return [(t, "dev" if i % 2 == 0 else "test") for i, t in enumerate(chosen)]


def accepted_locales(target: str) -> tuple[str, ...]:
    """The languages `target` accepts as itself (`Language.accepted_as`) that iso-codes translates."""
    return tuple(c for c in LANGUAGES[target].accepted_as if (LOCALE / c / "LC_MESSAGES" / "iso_3166-1.mo").is_file())


def names_in(locales: tuple[str, ...]) -> dict[str, list[str]]:
    """casefolded country name → the locales among `locales` that use it."""
    out: dict[str, list[str]] = {}
    for loc in locales:
        for v in catalogue(loc, "iso_3166-1").values():
            out.setdefault(clean(v).casefold(), []).append(loc)
    return out


def records() -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for lang, (target, target_locales) in NEIGHBOURS.items():
        script = neighbour_script(lang)
        sentences: dict[str, str] = {}
        for domain in ("glib20", "gtk20"):
            source = package_of(lang, domain)
            for msg in catalogue(lang, domain).values():
                text = clean(msg)
                if is_sentence(text, script) and "Project-Id" not in msg:
                    sentences.setdefault(text, source)
        ambiguous = also_valid_in(target, set(sentences))
        print(f"{lang} sentences: {len(ambiguous)} of {len(sentences)} also valid {target}, left out", file=sys.stderr)
        for text, split in pick(set(sentences) - ambiguous):
            out.append({"set": "neighbour-sentence", "lang": lang, "target": target, "text": text,
                        "split": split, "source": sentences[text]})
        theirs = names_in(target_locales)
        names = {clean(v) for v in catalogue(lang, "iso_3166-1").values() if clean(v).casefold() not in theirs}
        names = {n for n in names if 1 <= len(words(n)) <= 4 and script_share(n, script) >= 0.9}
        ambiguous = also_valid_in(target, names)
        print(f"{lang} names: {len(ambiguous)} of {len(names)} also valid {target}, left out", file=sys.stderr)
        source = package_of(lang, "iso_3166-1")
        also = names_in(accepted_locales(target))
        for text, split in pick(names - ambiguous):
            rec: dict[str, object] = {"set": "neighbour-short", "lang": lang, "target": target, "text": text,
                                      "split": split, "source": source}
            if text.casefold() in also:
                rec["also_in"] = ",".join(sorted(set(also[text.casefold()])))
            out.append(rec)
    for lang, locales in EVALUATION.items():
        names_src: dict[str, str] = {}
        for loc in locales:
            source = package_of(loc, "iso_3166-1")
            for v in catalogue(loc, "iso_3166-1").values():
                n = clean(v)
                if 1 <= len(words(n)) <= 4:
                    names_src.setdefault(n, source)
        for text, split in pick(set(names_src)):
            out.append({"set": "country", "lang": lang, "target": lang, "text": text, "split": split,
                        "source": names_src[text]})
    return out


def main() -> int:
    for rec in records():
        sys.stdout.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
