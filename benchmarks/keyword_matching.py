"""CPU time of Keyword Accuracy's matcher (the scoring hot path) on real captions, per language.

    PYTHONPATH=. python benchmarks/keyword_matching.py [--repeats 3]

Each language's 100 GPT-4o reference captions of the MELLA authors' files (shared data) are the
answers; the keywords are test_keyword_realtext.KEYWORDS (six per language). Per language: the first
pass (library loading: kiwipiepy, underthesea, simplemma dictionaries ...) and the best of
`--repeats` passes over fresh answers (the per-answer caches are cleared; the per-word caches are
kept, as in a scored run). CPU time is `time.process_time()`. Run it under another checkout's
PYTHONPATH to compare versions; nothing asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mella_bench.langs import LANG_CODES  # noqa: E402
from mella_bench.metrics.text import wordmatch  # noqa: E402
from mella_bench.metrics.keywords import match_keywords  # noqa: E402
from tests.metrics.test_keyword_realtext import KEYWORDS  # noqa: E402
from tests.support.shared_data import author_data  # noqa: E402


def one_pass(lang: str, texts: list[str]) -> float:
    for fn in ("answer_words", "answer_index"):
        getattr(wordmatch, fn).cache_clear()
    start = time.process_time()
    for text in texts:
        for tolerant in (True, False):
            match_keywords(lang, text, list(KEYWORDS[lang]), tolerant=tolerant)
    return time.process_time() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    root = author_data()
    if root is None:
        print("shared/data/mella-author-2024 not found", file=sys.stderr)
        return 2
    print(f"load average {os.getloadavg()[0]:.1f}")
    total_first = total_best = 0.0
    for lang in LANG_CODES:
        path = sorted((root / "predictions").glob(f"gpt4o_caption_{lang}_*.json"))[0]
        texts = [r["annotation"] for r in json.loads(path.read_text(encoding="utf-8"))]
        first = one_pass(lang, texts)
        best = min(one_pass(lang, texts) for _ in range(args.repeats))
        total_first, total_best = total_first + first, total_best + best
        print(f"{lang}: first pass {first:.2f} s, then {best:.3f} s per {len(texts)} answers "
              f"({1000 * best / len(texts):.2f} ms/answer, both variants)")
    print(f"all: first passes {total_first:.1f} s, then {total_best:.2f} s; load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
