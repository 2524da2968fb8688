"""Thai: how text in it is handled (each field is documented on `Language`)."""

from __future__ import annotations

from mella_bench.langs.profile import KeywordRules, Language

PROFILE = Language("th", "Thai", "ไทย", ("Thai",), "pythainlp-newmm",
                   keywords=KeywordRules(units="thai-newmm", kinds="thai-wordnet", compound_split_min_freq=200,
                                         verb_objects=True, compound_kinds="th_compound_kinds.tsv"),
                   script_unique=True, wordlist="pythainlp-tnc")
