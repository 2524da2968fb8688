"""CPU cost of the Thai and Vietnamese Keyword Accuracy rules that read a lexicon.

    PYTHONPATH=. python benchmarks/keyword_rules.py [--lang th|vi] [--th-rule all|compound_kinds]
        [--vi-rule compound_kinds|unlisted_joins] [--passes 5]

Thai: all the compound rules (the project's table, WordNet kinds, the head split, verb objects), or
the table alone (`--th-rule compound_kinds`); Vietnamese: one rule, the
compounds its table lists as kinds (`compound_kinds`, the default) or joins the dictionary does not
list (`unlisted_joins`). The MELLA authors' 100 GPT-4o reference captions of the
language (shared data) with six keywords each (test_keyword_realtext.KEYWORDS), matched with those
rules switched off and on, interleaved; the per-answer caches are emptied before every pass, the
per-word caches (kinds among them) are kept, as in a scored run. Prints the first use of the
lexicons, the median and minimum CPU time per answer of each state, and the load average. Nothing
asserts.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mella_bench.metrics.text import kinds, wordmatch  # noqa: E402
from tests.metrics.test_keyword_realtext import KEYWORDS, captions  # noqa: E402
from tests.support.shared_data import author_data  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=("th", "vi"), default="th")
    parser.add_argument("--th-rule", choices=("all", "compound_kinds"), default="all")
    parser.add_argument("--vi-rule", choices=("compound_kinds", "unlisted_joins"), default="compound_kinds")
    parser.add_argument("--passes", type=int, default=5)
    args = parser.parse_args()
    if author_data() is None:
        sys.exit("needs the MELLA authors' files (shared/data/mella-author-2024) beside the checkout")
    lang = args.lang
    texts, keywords = captions(lang), list(KEYWORDS[lang])
    on = wordmatch.rules(lang)
    real_rules = wordmatch.rules
    start = time.process_time()
    if lang == "th":
        off = (dataclasses.replace(on, compound_kinds="") if args.th_rule == "compound_kinds" else
               dataclasses.replace(on, kinds="", compound_split_min_freq=0, verb_objects=False, compound_kinds=""))
        kinds.kind_of("thai-wordnet", "ปลาทู", "ปลา")
        kinds.only_a_verb("thai-wordnet", "ขี่")
        print(f"first use of both wordnets: {time.process_time() - start:.2f} s CPU")
    else:
        off = dataclasses.replace(on, **{args.vi_rule: "" if args.vi_rule == "compound_kinds" else False})
        wordmatch.dictionary_status("vi", "đình")
        print(f"first use of Viet74K: {time.process_time() - start:.2f} s CPU")
        if on.compound_kinds:
            wordmatch.rules = lambda code: off if code == "vi" else real_rules(code)  # type: ignore[assignment]
            wordmatch.match_keywords("vi", "chiếc đèn lồng", ["đèn"])  # segmenter loaded
            wordmatch.rules = real_rules  # type: ignore[assignment]
            start = time.process_time()
            wordmatch.match_keywords("vi", "chiếc đèn lồng", ["đèn"])
            print(f"first use of the kinds table: {time.process_time() - start:.2f} s CPU")
    wordmatch.match_keywords(lang, texts[0], keywords)  # segmenter loaded
    cpu: dict[str, list[float]] = {"off": [], "on": []}
    try:
        for _ in range(args.passes):
            for name, rules in (("off", off), ("on", on)):
                wordmatch.rules = lambda code, r=rules: r if code == lang else real_rules(code)  # type: ignore[assignment]
                wordmatch.answer_words.cache_clear()
                wordmatch.answer_index.cache_clear()
                start = time.process_time()
                for text in texts:
                    wordmatch.match_keywords(lang, text, keywords)
                cpu[name].append(time.process_time() - start)
    finally:
        wordmatch.rules = real_rules  # type: ignore[assignment]
    for name, times in cpu.items():
        times.sort()
        print(f"rules {name}: {1000 * times[len(times) // 2] / len(texts):.2f} ms CPU per answer "
              f"(median of {len(times)}; min {1000 * times[0] / len(texts):.2f})")
    print("load average", ", ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
