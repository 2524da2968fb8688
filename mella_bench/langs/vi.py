"""Vietnamese: how text in it is handled (each field is documented on `Language`)."""

from __future__ import annotations

from mella_bench.langs.profile import KeywordRules, Language

PROFILE = Language("vi", "Vietnamese", "Tiếng Việt", ("Latin",), "whitespace-syllables",
                   keywords=KeywordRules(units="vietnamese-words", word_start_min=0.1,
                                         capitals=True, unlisted_joins=True,
                                         compound_kinds="vi_compound_kinds.tsv"),
                   wordlist="wordfreq:vi", spelling_fold="vinorm")
