"""Serbian: how text in it is handled (each field is documented on `Language`)."""

from __future__ import annotations

from mella_bench.langs.profile import KeywordRules, Language

PROFILE = Language("sr", "Serbian", "српски / srpski", ("Cyrillic", "Latin"), "fold-cyrillic-to-latin",
                   keywords=KeywordRules(lemmatizer="simplemma", lemma_lang="hbs", stemmer="serbian",
                                         keyword_form_stem=True,
                                         endings=("a", "e", "i", "o", "u", "om", "em", "ama", "ima", "ovi",
                                                  "ova", "ove", "ovima", "evi", "eva", "eve", "evima", "ja",
                                                  "ju", "je", "ji", "jem"),
                                         stem_vowels="aoe", fleeting_vowel="a",
                                         alternations=(("k", "c"), ("k", "č"), ("g", "z"), ("g", "ž"), ("h", "s"), ("h", "š"))),
                   accepted_as=("hr", "bs", "sh"), neighbours=("mk", "sl", "bg"),
                   neighbour_endings=r"(?:ите|ата|ото|ът|ят)$",
                   neighbour_letters="ѓќѕъщюяыэёйіїєґўäöüßłąęśźżńřěůýáéíóúôľĺŕ",
                   wordlist="wordfreq:sh", wordlist_fold="serbian-latin", neighbour_forms=("mk", "sl", "bg"),
                   token_fold="lat")
