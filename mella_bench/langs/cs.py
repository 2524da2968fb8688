"""Czech: how text in it is handled (each field is documented on `Language`)."""

from __future__ import annotations

from mella_bench.langs.profile import KeywordRules, Language, MeteorRules

PROFILE = Language("cs", "Czech", "čeština", ("Latin",), "unicode-words",
                   keywords=KeywordRules(lemmatizer="simplemma", lemma_lang="cs", stemmer="czech",
                                         endings=("a", "e", "ě", "i", "u", "y", "o", "ou", "em", "ům", "ech",
                                                  "ách", "ám", "ami", "ovi", "ové", "ů", "ích", "ím", "mi", "ho", "mu", "m"),
                                         stem_vowels="aoe", fleeting_vowel="e",
                                         alternations=(("k", "c"), ("h", "z"), ("g", "z"), ("r", "ř"), ("ch", "š")), keyword_letters_not_suffix=("ov", "in"),
                                         other_word_tails=(("o", ("ou", "ý", "á", "é", "ého", "ému", "ém", "ým", "ých", "ými", "ýma")),
                                                          ("a", ("ý", "á", "é", "ého", "ému", "ém", "ým", "ých", "ými", "ýma")),
                                                          ("", ("ou", "ý", "á", "ého", "ému", "ém", "ým", "ých", "ými", "ýma")),
                                                          ("á", ("ům", "ech", "ách", "ami", "em", "ovi", "u", "y", "a", "o", "e", "ě")),
                                                          ("í", ("ě", "ý", "á", "é", "ého", "ému", "ém", "ým", "ých", "ými", "ou", "a", "u", "y", "o"))),
                                         derivations=r"(?:ov|in)(?:ý|á|ého|ému|ém|ým|ých|ými|ou|ýma|a|o|y|u|ě)?$"
                                                     r"|[sc]?k(?:ý|á|é|ého|ému|ém|ým|ých|ými|ou|ýma)$"),
                   neighbours=("sk", "pl"), neighbour_letters="äľĺŕôłąęśźżćńöüőűß",
                   wordlist="wordfreq:cs", meteor=MeteorRules("cz", params=(0.95, 0.2, 0.6, 0.8), function_words="czech"))
