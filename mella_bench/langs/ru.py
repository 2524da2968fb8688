"""Russian: how text in it is handled (each field is documented on `Language`)."""

from __future__ import annotations

from mella_bench.langs.profile import KeywordRules, Language, MeteorRules

PROFILE = Language("ru", "Russian", "русский", ("Cyrillic",), "unicode-words",
                   keywords=KeywordRules(lemmatizer="pymorphy3", lemma_lang="ru", proper_noun_parses=True),
                   neighbours=("uk", "be", "kk", "bg"), neighbour_letters="ўіїєґәғқңөұүһѓќѕјљњћђџ",
                   neighbour_endings=r"(?:сы|сі|[лдт]ары|[лдт]ері)$",
                   wordlist="wordfreq:ru", token_fold="yo",
                   meteor=MeteorRules("ru", ("exact", "stem"), (1.0, 0.5), function_words="russian"))
