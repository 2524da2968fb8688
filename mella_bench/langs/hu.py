"""Hungarian: how text in it is handled (each field is documented on `Language`)."""

from __future__ import annotations

from mella_bench.langs.profile import KeywordRules, Language, MeteorRules

PROFILE = Language("hu", "Hungarian", "magyar", ("Latin",), "unicode-words",
                   keywords=KeywordRules(lemmatizer="simplemma", lemma_lang="hu", stemmer="hungarian",
                                         stem_rule="hungarian-vowels", keyword_form_stem=True,
                                         endings=("n", "t", "re", "ra", "ről", "ról", "ben", "ban", "ből", "ból",
                                                  "be", "ba", "hez", "höz", "hoz", "nél", "nál", "től", "tól",
                                                  "vel", "val", "ért", "ig", "ként", "nak", "nek", "ul", "ül"),
                                         alternations=(("a", "á"), ("e", "é")),
                                         derivations=r"(?:s[áé]g|t[ae]l[ae]n|tlan|tlen|i(?:[ae]k(?:[ae]t)?|t)?$)",
                                         stem_dictionary="hu_HU"),
                   neighbour_letters="čšžřěůňťďłąęćśźżäâăîșțß", wordlist="wordfreq:hu",
                   meteor=MeteorRules("hu", ("exact", "stem"), (1.0, 0.5)))
