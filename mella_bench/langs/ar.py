"""Arabic: how text in it is handled (each field is documented on `Language`)."""

from __future__ import annotations

from mella_bench.langs.profile import KeywordRules, Language

PROFILE = Language("ar", "Arabic", "العربية", ("Arabic",), "unicode-words", rtl=True,
                   keywords=KeywordRules(lemmatizer="simplemma", lemma_lang="ar", stemmer="arabic",
                                         stem_rule="arabic-light", proclitics=True,
                                         keep_final_alef_maqsura=True, noun_suffixes=True),
                   neighbours=("fa", "ur"), neighbour_letters="پچژگکیٹڈڑںےھۀ",
                   wordlist="wordfreq:ar", wordlist_fold="arabic-marks", spelling_fold="arnorm")
