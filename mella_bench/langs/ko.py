"""Korean: how text in it is handled (each field is documented on `Language`)."""

from __future__ import annotations

from mella_bench.langs.profile import KeywordRules, Language

PROFILE = Language("ko", "Korean", "한국어", ("Hangul",), "whitespace-eojeol",
                   keywords=KeywordRules(units="korean-morphemes"),
                   script_unique=True, wordlist="wordfreq:ko", short_keyword_chars=1)
