"""Model labels the plot font can draw.

A run label in Hangul or Thai (say, a Korean fine-tune's directory name) has no glyphs in
matplotlib's default font; rendering it would draw empty boxes. Such a label is shown in plots
under a short ASCII alias (`M1`, `M2`, ...) and the report lists what each alias stands for.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence


@lru_cache(maxsize=1)
def _charmap() -> frozenset[int]:
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    path = font_manager.findfont(font_manager.FontProperties())
    return frozenset(FT2Font(path).get_charmap())


def drawable(text: str) -> bool:
    """True when the default plot font has a glyph for every visible character of `text`."""
    cmap = _charmap()
    return all(ord(ch) in cmap for ch in text if not ch.isspace())


def plot_aliases(labels: Sequence[str]) -> dict[str, str]:
    """label → what plots show: the label itself, or `M<i>` (its 1-based position) when not drawable."""
    return {label: label if drawable(label) else f"M{i}" for i, label in enumerate(labels, start=1)}


def alias_note(aliases: dict[str, str]) -> str:
    """Markdown lines naming each alias, or '' when no label needed one."""
    pairs = [(a, label) for label, a in aliases.items() if a != label]
    if not pairs:
        return ""
    lines = ["Plot legend aliases (the plot font has no glyphs for these labels):", ""]
    lines += [f"- `{a}` = {label}" for a, label in pairs]
    return "\n".join(lines) + "\n"
