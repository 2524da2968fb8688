"""The eight MELLA languages as data: every per-language behaviour is looked up here, never coded per language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Axis = Literal["know", "ling"]
AXES: tuple[Axis, ...] = ("know", "ling")


@dataclass(frozen=True)
class Language:
    """One evaluation language and how text in it is handled."""

    code: str
    """ISO 639-1 code used in task names, item ids and tables."""
    name: str
    """English name (plot labels use this or the code: fonts for every script are not guaranteed)."""
    native: str
    """The language's own name for itself."""
    scripts: tuple[str, ...]
    """Unicode scripts the language is written in (fidelity's script rule reads them)."""
    segmentation: str
    """How n-gram metrics split words (see docs/metrics.md)."""
    rtl: bool = False
    """Written right to left (the HTML viewer sets `dir` from it)."""


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("ar", "Arabic", "العربية", ("Arabic",), "unicode-words", rtl=True),
        Language("cs", "Czech", "čeština", ("Latin",), "unicode-words"),
        Language("hu", "Hungarian", "magyar", ("Latin",), "unicode-words"),
        Language("ko", "Korean", "한국어", ("Hangul",), "whitespace-eojeol"),
        Language("ru", "Russian", "русский", ("Cyrillic",), "unicode-words"),
        Language("sr", "Serbian", "српски / srpski", ("Cyrillic", "Latin"), "fold-cyrillic-to-latin"),
        Language("th", "Thai", "ไทย", ("Thai",), "pythainlp-newmm"),
        Language("vi", "Vietnamese", "Tiếng Việt", ("Latin",), "whitespace-syllables"),
    )
}
LANG_CODES: tuple[str, ...] = tuple(LANGUAGES)


def parse_langs(spec: str) -> tuple[str, ...]:
    """Turn `all` or a comma list (`th,ko`) into validated codes, in the canonical order."""
    if spec.strip().lower() == "all":
        return LANG_CODES
    wanted = [s.strip().lower() for s in spec.split(",") if s.strip()]
    unknown = [c for c in wanted if c not in LANGUAGES]
    if unknown:
        raise ValueError(
            f"unknown language code(s) {', '.join(unknown)}; choose from {', '.join(LANG_CODES)} or 'all'"
        )
    if not wanted:
        raise ValueError("no language given; use 'all' or a comma list such as 'th,ko'")
    return tuple(c for c in LANG_CODES if c in wanted)
