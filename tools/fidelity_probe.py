"""Language fidelity on text from outside the evaluation sets: a probe for docs/metrics.md ("A fresh probe").

The evaluation sets (`tools/extract_fidelity_sets.py`) take their neighbour sentences from the GLib
and GTK 2 catalogues. This probe takes them from every *other* gettext catalogue installed under
/usr/share/locale (coreutils, apt, PackageKit, GTK 3, Linux-PAM, ...; iso-codes left out), with the
same cleaning and the same filters (at least 5 words, 90 % in the neighbour's script, texts that the
target's Hunspell dictionary accepts word for word left out), orders them by CRC-32 and judges the
first `PER` per language: Belarusian, Kazakh and Ukrainian as Russian; Macedonian, Slovene and
Bulgarian as Serbian; and Russian and Serbian (both scripts) messages as themselves. What it prints
depends on which Debian packages are installed; nothing from it is committed.

    python tools/fidelity_probe.py              # needs what tools/install-hunspell.sh installs
    python tools/fidelity_probe.py --skip 300   # the next 300 per language (a second, unused sample)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import extract_fidelity_sets as sets  # noqa: E402

from mella_bench.metrics.fidelity import judge, prefetch  # noqa: E402

PER = 300
USED_BY_THE_SETS = ("glib20", "gtk20")


def messages(locale: str) -> set[str]:
    """Cleaned messages of every catalogue of `locale` the evaluation sets do not use."""
    out: set[str] = set()
    for mo in sorted((sets.LOCALE / locale / "LC_MESSAGES").glob("*.mo")):
        if mo.stem in USED_BY_THE_SETS or mo.stem.startswith("iso_"):
            continue
        try:
            catalogue = sets.catalogue(locale, mo.stem)
        except (OSError, UnicodeDecodeError):
            continue
        out |= {sets.clean(m) for m in catalogue.values() if "Project-Id" not in m}
    return out


def sentences(locale: str, script: str) -> set[str]:
    return {t for t in messages(locale) if sets.is_sentence(t, script)}


def first(texts: set[str], skip: int = 0) -> list[str]:
    """`PER` texts in CRC-32 order, after the first `skip`: a fixed sample that no rule chose."""
    return sets.crc_order(texts)[skip:skip + PER]


def report(label: str, texts: list[str], lang: str, show: bool) -> None:
    """Print how many of `texts` are accepted as `lang`, then those whose verdict is `show` (each judged once)."""
    prefetch(texts, lang)
    verdicts = [(t, *judge(t, lang)) for t in texts]
    print(f"{label} judged as {lang}: {sum(ok for _, ok, _ in verdicts)}/{len(texts)} accepted")
    for t, ok, note in verdicts:
        if ok == show:
            print(f"    {t!r}: {note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip", type=int, default=0, metavar="N",
                        help="judge the texts after the first N of each language (default 0)")
    skip = parser.parse_args(argv).skip
    for lang, (target, _) in sets.NEIGHBOURS.items():
        pool = sentences(lang, sets.neighbour_script(lang))
        report(lang, first(pool - sets.also_valid_in(target, pool), skip), target, show=True)
    for locale, lang, script in (("ru", "ru", "CYRILLIC"), ("sr", "sr", "CYRILLIC"), ("sr@latin", "sr", "LATIN")):
        report(locale, first(sentences(locale, script), skip), lang, show=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
