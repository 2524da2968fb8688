"""The language-fidelity evaluation sets and their per-language acceptance table.

Sets (tests/metrics/data):
- `fidelity_short.jsonl`: `short` — realistic short correct answers (1–4 words) written for the project,
  32 per language; `half-english` — answers mixing the language and English, labelled `accept` (mostly
  the language, an English term inside) or `reject` (mostly English, a word of the language inside).
- `fidelity_real.jsonl` (tools/extract_fidelity_sets.py; Debian gettext catalogues, LGPL-2.1+):
  `neighbour-sentence` and `neighbour-short` — Belarusian, Kazakh, Ukrainian (judged as Russian) and
  Macedonian, Slovene, Bulgarian (judged as Serbian) messages and country names; `country` — country
  names in the eight languages.
Every record has a `split`: the rule was tuned on `dev` only; `test` is looked at to report.
A neighbour's country name that is also, letter for letter, the name in a language the target accepts
as itself (field `also_in`: Slovene "Sierra Leone" is the Bosnian name, and Serbian accepts Bosnian and
Croatian) is a correct answer under that policy: `records` leaves it out and `homographs` lists it.

    python -m tests.metrics.fidelity_sets dev      # prints the table for one split (or `all`)
    python -m tests.metrics.fidelity_sets doc      # the block of docs/metrics.md (reads the test split)
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

DATA = Path(__file__).parent / "data"
SETS = ("short", "country", "half-english", "neighbour-sentence", "neighbour-short")


def records(split: str | None = None, *, homograph: bool = False) -> list[dict[str, str]]:
    """The records of `split` (None or "all": both); `homograph`: the left-out ones (`also_in`) instead."""
    recs = []
    for name in ("fidelity_short.jsonl", "fidelity_real.jsonl"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            rec.setdefault("target", rec["lang"])
            rec.setdefault("expect", "reject" if rec["set"].startswith("neighbour") else "accept")
            if (split in (None, "all") or rec["split"] == split) and ("also_in" in rec) == homograph:
                recs.append(rec)
    return recs


def outcomes(split: str | None = None) -> dict[tuple[str, str], list[tuple[dict[str, str], bool, str]]]:
    """(set, language of the text) → [(record, accepted as its target, note)]."""
    from mella_bench.metrics.fidelity import judge, prefetch

    out: dict[tuple[str, str], list[tuple[dict[str, str], bool, str]]] = defaultdict(list)
    recs = records(split)
    for target in {rec["target"] for rec in recs}:
        prefetch([rec["text"] for rec in recs if rec["target"] == target], target)
    for rec in recs:
        ok, note = judge(rec["text"], rec["target"])
        out[(rec["set"], rec["lang"])].append((rec, ok, note))
    return out


def table(split: str | None = None) -> str:
    """Markdown: per set and language, how many texts got the verdict they should."""
    res = outcomes(split)
    rows = ["| set | text language → judged as | right verdict | accepted |", "|---|---|---:|---:|"]
    for name in SETS:
        for (s, lang), items in sorted(res.items()):
            if s != name:
                continue
            right = sum(ok == (rec["expect"] == "accept") for rec, ok, _ in items)
            accepted = sum(ok for _, ok, _ in items)
            target = items[0][0]["target"]
            rows.append(f"| {s} | {lang} → {target} | {right}/{len(items)} | {accepted}/{len(items)} |")
    return "\n".join(rows)


def doc_table() -> str:
    """Markdown for docs/metrics.md (the `fidelity-sets` block): accepted / texts per set, language and
    split; half-English answers apart by label."""
    cells: dict[tuple[str, str, str], dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    for split in ("dev", "test"):
        for (name, lang), items in outcomes(split).items():
            for rec, ok, _ in items:
                label = f"{name}:{rec['expect']}" if name == "half-english" else name
                cells[(label, lang, rec["target"])][split].append(ok)
    rows = ["| set | text language → judged as | dev accepted | test accepted |", "|---|---|---:|---:|"]
    order = {name: i for i, name in enumerate(SETS)}
    for label, lang, target in sorted(cells, key=lambda k: (order[k[0].split(":")[0]], k[0], k[1])):
        got = cells[(label, lang, target)]
        shown = [f"{sum(got[s])}/{len(got[s])}" if got[s] else "–" for s in ("dev", "test")]
        rows.append(f"| {label} | {lang} → {target} | {shown[0]} | {shown[1]} |")
    listed = {s: homographs(s) for s in ("dev", "test")}
    left = "; ".join(f"{s}: {', '.join(names)}" for s, names in listed.items() if names)
    rows += ["", f"Left out as names of a language the target accepts (`also_in`): {left or 'none'}."]
    return "\n".join(rows)


def homographs(split: str | None = None) -> list[str]:
    """The left-out neighbour names, each with the accepted language that spells it alike."""
    return [f"{r['lang']} {r['text']!r} (also {r['also_in']})" for r in records(split, homograph=True)]


def wrong(split: str | None = None) -> list[str]:
    return [f"{s} {lang}: {rec['text']!r} -> {note}" for (s, lang), items in sorted(outcomes(split).items())
            for rec, ok, note in items if ok != (rec["expect"] == "accept")]


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "dev"
    if which == "doc":  # the docs/metrics.md block (reads the test split: count it as a look)
        print(doc_table())
        raise SystemExit(0)
    print(table(which))
    print("left out (a name of an accepted language too):", "; ".join(homographs(which)) or "none")
    if "-v" in sys.argv:
        print("\n".join(wrong(which)))
