"""Every figure kind, rendered and read back: what it says (matplotlib artists, SVG text and ids, PNG dpi),
not how its pixels look."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image

from mella_bench.reports import figures as F
from mella_bench.langs import LANG_CODES
from mella_bench.metrics.registry import get_metric
from mella_bench.reports.leaderboard import Cell
from mella_bench.stats import CI, Contrast, Estimate

LANGS = LANG_CODES[:3]
FULL, PART = "model-a", "model-b"


def _est(value: float | None, n: int = 10, failed: int = 0) -> Estimate:
    ci = CI(value - 5, value + 5, resamples=100, seed=0) if value is not None else None
    return Estimate(value, ci, n, failed)


def _cells(metric: str = "keyword_acc", axis: str = "know") -> list[Cell]:
    """model-a: all three languages, 2 of 12 failed on the second (17%; macro 2 of 32, 6%); model-b: the first only."""
    cells = []
    for k, lang in enumerate(LANGS):
        cells.append(Cell(FULL, "/a", axis, metric, lang, _est(40.0 + 10 * k, 10, 2 if k == 1 else 0), "", ("paper",)))
    cells.append(Cell(FULL, "/a", axis, metric, "macro", _est(50.0, 30, 2), "", ("paper",)))
    cells.append(Cell(PART, "/b", axis, metric, LANGS[0], _est(20.0), "", ("paper",)))
    cells.append(Cell(PART, "/b", axis, metric, "macro", _est(20.0), "", ("paper",)))
    return cells


def _gids(fig) -> dict[str, object]:
    return {a.get_gid(): a for a in fig.findobj() if a.get_gid()}


def _svg(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _check_files(files: F.FigureFiles) -> str:
    """PNG at print resolution, PDF and SVG beside it; the SVG's text is text. Returns the SVG."""
    assert [p.suffix for p in files.all] == [".png", ".pdf", ".svg"] and all(p.stat().st_size > 1000 for p in files.all)
    with Image.open(files.png) as im:
        assert min(im.info["dpi"]) >= F.DPI - 0.5
    assert files.pdf.read_bytes()[:5] == b"%PDF-" and b"/CreationDate" not in files.pdf.read_bytes()
    return _svg(files.svg)


def test_bars_draw_missing_cells_as_missing_name_the_macro_languages_and_show_failures(tmp_path: Path):
    cells = _cells()
    fig = F.bar_figure(cells, "know", "keyword_acc", [FULL, PART])
    g = _gids(fig)
    # model-b has no value for two languages: hatched n/a boxes, no bar (a zero bar would read as a real 0)
    for lang in LANGS[1:]:
        assert f"bar:{PART}:{lang}" not in g
        box = g[f"missing:{PART}:{lang}"]
        assert box.get_hatch() == F.MISSING_HATCH and not box.get_fill()
        assert g[f"missing:{PART}:{lang}:text"].get_text() == "n/a"
    assert g[f"bar:{PART}:{LANGS[0]}"].get_height() == 20.0 and f"missing:{FULL}:{LANGS[1]}" not in g
    ax = fig.axes[0]
    assert F.MISSING_LABEL in [t.get_text() for t in fig.legends[0].get_texts()]
    # the two macros average different languages: the tick says so and the note names them
    assert ax.get_xticklabels()[-1].get_text().startswith("macro†")
    note = ax.get_xlabel()
    assert f"{FULL}: {', '.join(LANGS)}" in note and f"{PART}: {LANGS[0]}" in note
    # the failure rate where it is not zero, and nowhere else
    assert g[f"failed:{FULL}:{LANGS[1]}"].get_text() == "17% failed" and g[f"failed:{FULL}:macro"].get_text() == "6% failed"
    assert not [k for k in g if k.startswith(("failed:" + PART, f"failed:{FULL}:{LANGS[0]}"))]
    # registry titles, not identifiers
    assert ax.get_ylabel() == "Keyword Accuracy (0–100)" and "keyword_acc" not in ax.get_title()
    svg = _check_files(F.bar_plot(cells, "know", "keyword_acc", [FULL, PART], tmp_path / "bars.png"))
    assert ">Keyword Accuracy (0–100)</text>" in svg and ">n/a</text>" in svg and ">17% failed</text>" in svg
    assert f'id="missing:{PART}:{LANGS[1]}"' in svg and "keyword_acc" not in svg


def test_bars_of_runs_on_the_same_languages_say_how_many_the_macro_averages():
    cells = [c for c in _cells("meteor", "ling") if c.run == FULL]
    fig = F.bar_figure(cells, "ling", "meteor", [FULL])
    tick = fig.axes[0].get_xticklabels()[-1].get_text()
    assert tick == f"macro\n(mean of {len(LANGS)})" and fig.axes[0].get_xlabel() == f"macro = mean over {', '.join(LANGS)}"
    assert F.macro_note({"x": list(LANG_CODES)}) == f"macro = mean over all {len(LANG_CODES)} languages"
    assert F.MISSING_LABEL not in [t.get_text() for t in fig.legends[0].get_texts()]
    assert fig.axes[0].get_ylabel() == f"{get_metric('meteor').title} (0–100)"


def test_scatter_names_axes_by_title_and_shows_failures(tmp_path: Path):
    cells = _cells("keyword_acc", "know") + _cells("meteor", "ling")
    fig = F.scatter_figure(cells, [FULL, PART])
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith("cultural: Keyword Accuracy (0–100) on know\nmacro = mean over each run's")
    assert ax.get_ylabel().startswith("linguistic: METEOR (0–100) on ling\nmacro")
    label = _gids(fig)[f"label:{FULL}"].get_text()
    assert "know 6% failed" in label and "ling 6% failed" in label
    assert f"know: {LANGS[0]}; ling: {LANGS[0]}" in _gids(fig)[f"label:{PART}"].get_text()  # macros over one language
    svg = _check_files(F.scatter_plot(cells, [FULL, PART], tmp_path / "scatter.png"))
    assert "Keyword Accuracy" in svg and "keyword_acc" not in svg
    assert F.scatter_figure([c for c in cells if c.axis == "know"], [FULL]) is None


def _contrast(delta: float, lang: str) -> Contrast:
    return Contrast(lang, "meteor", (10.0, 10.0 + delta), (-1.0, 1.0), delta, CI(delta - 1, delta + 1, resamples=100,
                                                                                    seed=0), 0.01, 10, 0)


def test_ablation_figure_titles_macro_languages_and_failures(tmp_path: Path):
    from mella_bench.curation.ablation import ARMS, AblationRow

    rows = [AblationRow("ling", "meteor", lang, tuple(_est(10.0, 10, 1 if (lang == LANGS[0] and a == "full") else 0)
                                                      for a in ARMS),
                        tuple(_contrast(d, lang) for d in (1.0, 2.0, 3.0)), _contrast(0.5, lang))
            for lang in [*LANGS, "macro"]]
    fig = F.ablation_figure({"know": [], "ling": rows}, ARMS)
    ax = fig.axes[0]
    assert len(fig.axes) == 1 and ax.get_ylabel().startswith("Δ METEOR")
    assert ax.get_xticklabels()[-1].get_text() == f"macro\n(mean of {len(LANGS)})"
    assert ax.get_xlabel().startswith(f"macro = mean over {', '.join(LANGS)}")
    g = _gids(fig)
    assert g[f"failed:ling:{LANGS[0]}"].get_text() == "full 9% failed"
    assert not [k for k in g if k.startswith("failed:") and not k.endswith((LANGS[0], "macro"))]
    svg = _check_files(F.ablation_plot({"ling": rows}, ARMS, tmp_path / "ablation.png"))
    assert "METEOR" in svg and not re.search(r">[^<]*\bmeteor\b", svg)


def test_a_glyph_missing_from_the_font_fails_instead_of_drawing_boxes(tmp_path: Path):
    fig = F.new_figure(2, 2)
    fig.add_subplot().set_title("ไทย 한국어")
    with pytest.raises(UserWarning, match="Glyph"):
        F.save(fig, tmp_path / "x.png")


def test_saving_twice_gives_the_same_bytes(tmp_path: Path):
    cells = _cells()
    a = F.bar_plot(cells, "know", "keyword_acc", [FULL, PART], tmp_path / "a.png")
    b = F.bar_plot(cells, "know", "keyword_acc", [FULL, PART], tmp_path / "b.png")
    for x, y in zip(a.all, b.all):
        assert x.read_bytes().replace(b"a.png", b"").replace(b"b.png", b"") == \
               y.read_bytes().replace(b"a.png", b"").replace(b"b.png", b""), x.suffix
