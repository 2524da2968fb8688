"""Languages are data: no module outside the language registry names a language code.

Every per-language behaviour is a field of the language's entry (`mella_bench.langs`), looked up by
code; a module that compares or keys on `"sr"` would have to be edited for a new language. Read from
the source with `ast`, so only real string constants count (not words in docstrings or longer text).
"""

from __future__ import annotations

import ast
from pathlib import Path

from mella_bench import langs

PACKAGE = Path(__file__).resolve().parents[1] / "mella_bench"
LANGS_HOME = {Path(langs.__file__).resolve()} | (
    set(Path(langs.__file__).parent.rglob("*.py")) if Path(langs.__file__).name == "__init__.py" else set())


def language_codes() -> set[str]:
    """Every code the registry uses: the languages, their lemmatiser and METEOR codes, the languages each
    is told apart from (where the entry has them), and English."""
    codes = {"en"}
    for lang in langs.LANGUAGES.values():
        codes |= {lang.code, lang.keywords.lemma_lang, lang.meteor.jar_lang}
        for name in ("neighbours", "accepted_as", "neighbour_forms"):
            codes |= set(getattr(lang, name, ()))
    return codes - {"", "other"}


def literals_outside_langs(root: Path = PACKAGE) -> list[str]:
    codes = language_codes()
    found = []
    for path in sorted(root.rglob("*.py")):
        if path.resolve() in LANGS_HOME:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in codes:
                found.append(f"{path.relative_to(root.parent)}:{node.lineno}: {node.value!r}")
    return found


def test_the_scan_finds_a_language_code_literal(tmp_path):
    pkg = tmp_path / "mella_bench"
    pkg.mkdir()
    (pkg / "tok.py").write_text('FOLDS = {"sr": 1}\nNOTE = "sr is Serbian"\n\ndef f(lang):\n    return lang == "ko"\n')
    assert literals_outside_langs(pkg) == ["mella_bench/tok.py:1: 'sr'", "mella_bench/tok.py:5: 'ko'"]


def test_no_language_code_literal_outside_langs():
    found = literals_outside_langs()
    assert not found, ("language codes outside mella_bench.langs (make the behaviour a field of the "
                       "language's entry):\n" + "\n".join(found))
