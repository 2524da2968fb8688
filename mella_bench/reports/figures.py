"""Every figure mella-bench draws (report bars and scatter, ablation deltas, judge agreement), drawn and
saved one way.

Paper-ready means here: a value that does not exist is drawn as missing (a hatched, empty box with
"n/a" and a legend entry), never as a zero bar; a macro bar says over which languages it averages;
a failure rate above zero is written on its bar; axes carry the registry's metric titles
(`METEOR (0–100)`, not `meteor`); each figure is written as PNG at print resolution beside vector
PDF and SVG (text kept as text, TrueType in the PDF), with no timestamps, so regenerated files only
change when the figure does. Every artist that carries meaning has a `gid` (kept as `id` in the SVG),
so tests can check what a figure says without comparing pixels.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, Sequence

from mella_bench.langs import LANG_CODES, LANGUAGES
from mella_bench.metrics.registry import get_metric, primary_metric
from mella_bench.reports.render import AXIS_TITLES
from mella_bench.stats import Estimate

DPI = 300
"""Resolution of the PNGs (print); the PDF and SVG are vector."""
FORMATS = ("png", "pdf", "svg")
MISSING_HATCH = "///"
MISSING_LABEL = "n/a: no value (not evaluated, or no scored item)"
FAILED_COLOR = "#b2182b"


class CellLike(Protocol):
    """What a bar needs of a leaderboard cell (`report.Cell`)."""

    run: str
    axis: str
    metric: str
    lang: str
    est: Estimate


@dataclass(frozen=True)
class FigureFiles:
    """One figure as written: the PNG (what reports embed) and its vector twins."""

    png: Path
    pdf: Path
    svg: Path

    @property
    def all(self) -> tuple[Path, ...]:
        return (self.png, self.pdf, self.svg)


def metric_title(metric: str) -> str:
    """The registry's display name (`Keyword Accuracy`), never the identifier (`keyword_acc`)."""
    return get_metric(metric).title or metric


def axis_label(metric: str) -> str:
    """`METEOR (0–100)`: title and scale."""
    return f"{metric_title(metric)} ({get_metric(metric).unit})"


def lang_label(code: str) -> str:
    """Tick label: ISO code and English name. Native names would need Thai/Hangul/Arabic fonts that a
    plain machine lacks (DejaVu has no Thai or Hangul glyphs), so figures never use them."""
    return f"{code}\n{LANGUAGES[code].name}" if code in LANGUAGES else code


def macro_label(langs: Sequence[str]) -> str:
    """The macro tick: how many languages it averages (`macro_note` names them)."""
    return f"macro\n(mean of {len(langs)})"


def macro_note(sets: dict[str, list[str]]) -> str:
    """Which languages the macro averages: `macro = mean over all 8 languages`, `... over ar, cs`, or per run."""
    values = list(sets.values())
    if all(v == values[0] for v in values):
        langs = values[0] if values else []
        return ("macro = mean over all {} languages".format(len(langs)) if len(langs) == len(LANG_CODES) else
                f"macro = mean over {', '.join(langs) or 'no language'}")
    return "macro† = mean over each run's languages: " + "; ".join(f"{run}: {', '.join(v) or 'none'}"
                                                                   for run, v in sets.items())


def new_figure(width: float, height: float) -> Any:
    """A figure with its own Agg canvas (thread-safe, nothing registered with pyplot)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save(fig: Any, png: Path) -> FigureFiles:
    """PNG at DPI plus PDF and SVG beside it. A glyph missing from the font is an error (it would
    draw empty boxes); metadata without dates keeps regenerated files byte-identical."""
    from matplotlib import rc_context

    files = FigureFiles(png, png.with_suffix(".pdf"), png.with_suffix(".svg"))
    metadata = {"png": {"Software": None}, "pdf": {"CreationDate": None, "ModDate": None, "Producer": None,
                                                    "Creator": None}, "svg": {"Date": None, "Creator": None}}
    with warnings.catch_warnings(), rc_context({"svg.fonttype": "none", "pdf.fonttype": 42,
                                                "svg.hashsalt": "mella-bench"}):
        warnings.filterwarnings("error", message=r".*Glyph .* missing from font")
        for path, fmt in zip(files.all, FORMATS):
            fig.savefig(path, format=fmt, dpi=DPI, metadata=metadata[fmt])
    return files


def _yerr(ests: Sequence[Estimate]) -> list[list[float]]:
    lo = [max(0.0, e.value - e.ci.low) if e.value is not None and e.ci else 0.0 for e in ests]
    hi = [max(0.0, e.ci.high - e.value) if e.value is not None and e.ci else 0.0 for e in ests]
    return [lo, hi]


def _failed_text(est: Estimate) -> str:
    return f"{100 * est.failure_rate:.0f}% failed" if est.n_failed else ""


def _missing_box(ax: Any, x: float, width: float, top: float, gid: str) -> None:
    ax.bar([x], [top], width, fill=False, hatch=MISSING_HATCH, edgecolor="#9a9a9a", linewidth=0.6, gid=gid)
    ax.text(x, top * 0.02, "n/a", ha="center", va="bottom", fontsize=6, color="#555555", rotation=90,
            gid=f"{gid}:text")


def _legend_below(fig: Any, ax: Any, any_missing: bool) -> None:
    """One legend under the plot (it never squeezes the axes), with the n/a entry when a box is drawn."""
    from matplotlib.patches import Patch

    handles, labels = ax.get_legend_handles_labels()
    if any_missing:
        handles.append(Patch(fill=False, hatch=MISSING_HATCH, edgecolor="#9a9a9a", label=MISSING_LABEL))
        labels.append(MISSING_LABEL)
    fig.legend(handles, labels, fontsize=8, loc="outside lower center", ncol=min(len(labels), 3), frameon=False)


def _failure_label(ax: Any, x: float, est: Estimate, top: float, gid: str) -> None:
    """`17% failed` above the bar's whisker, or inside the bar's top when there is no room above it."""
    if est.value is None:
        ax.text(x, top * 0.3, _failed_text(est), ha="center", va="bottom", fontsize=6, color=FAILED_COLOR,
                rotation=90, gid=gid)
        return
    above = (est.ci.high if est.ci else est.value) + top * 0.01
    if above + top * 0.16 <= top * 1.12:
        ax.text(x, above, _failed_text(est), ha="center", va="bottom", fontsize=6, color=FAILED_COLOR,
                rotation=90, gid=gid)
    else:
        ax.text(x, est.value - top * 0.01, _failed_text(est), ha="center", va="top", fontsize=6, color="white",
                fontweight="bold", rotation=90, gid=gid)


def _langs_text(langs: Sequence[str]) -> str:
    return f"all {len(langs)}" if len(langs) == len(LANG_CODES) else ", ".join(langs)


def run_languages(cells: Sequence[CellLike], run: str, axis: str, metric: str) -> list[str]:
    """The languages a run's macro of one metric averages: those it has a value for, in registry order."""
    have = {c.lang for c in cells if c.run == run and c.axis == axis and c.metric == metric
            and c.lang != "macro" and c.est.value is not None}
    return [lang for lang in LANG_CODES if lang in have]


def bar_figure(cells: Sequence[CellLike], axis: str, metric: str, runs: Sequence[str]) -> Any:
    """Grouped bars per language and the macro, one bar per run, whiskers = 95% bootstrap CI.

    A language a run has no value for is a hatched `n/a` box; the macro tick says which languages it
    averages (per run, in the note under the axis, when runs differ); failure rates are on the bars.
    """
    import numpy as np

    mine = [c for c in cells if c.axis == axis and c.metric == metric]
    langs = [lang for lang in LANG_CODES if any(c.lang == lang for c in mine)]
    cols = langs + ["macro"]
    at = {(c.run, c.lang): c.est for c in mine}
    m = get_metric(metric)
    top = m.scale[1]
    fig = new_figure(min(12.0, 3.6 + 0.3 * len(cols) * max(2, len(runs))), 5.0)
    ax = fig.add_subplot()
    width = 0.8 / max(1, len(runs))
    x = np.arange(len(cols))
    missing = False
    macro_sets = {run: run_languages(mine, run, axis, metric) for run in runs}
    for i, run in enumerate(runs):
        ests = [at.get((run, col), Estimate(None, None, 0, 0)) for col in cols]
        xs = x + (i - (len(runs) - 1) / 2) * width
        have = [k for k, e in enumerate(ests) if e.value is not None]
        bars = ax.bar(xs[have], [ests[k].value for k in have], width, label=run,
                      yerr=_yerr([ests[k] for k in have]), capsize=3, error_kw={"elinewidth": 1, "ecolor": "#333333"})
        for k, patch in zip(have, bars.patches):
            patch.set_gid(f"bar:{run}:{cols[k]}")
        for k, e in enumerate(ests):
            if e.value is None:
                missing = True
                _missing_box(ax, xs[k], width, top, f"missing:{run}:{cols[k]}")
            if e.n_failed:
                _failure_label(ax, xs[k], e, top, f"failed:{run}:{cols[k]}")
    same = len({tuple(v) for v in macro_sets.values()}) <= 1
    first = next(iter(macro_sets.values()), [])
    ax.set_xticks(x, [lang_label(c) for c in langs] + [macro_label(first) if same else "macro†\n(see below)"],
                  fontsize=8)
    ax.get_xticklabels()[-1].set_gid("macro-tick")
    ax.set_xlabel(macro_note(macro_sets), fontsize=7, gid="macro-note")
    ax.axvline(len(langs) - 0.5, color="#999999", linewidth=0.8, linestyle=":")
    ax.set_ylabel(axis_label(metric))
    ax.set_ylim(0, top * 1.12)
    ax.set_title(f"{AXIS_TITLES[axis]}: {metric_title(metric)}\n95% bootstrap CI", fontsize=10)
    _legend_below(fig, ax, missing)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    return fig


def bar_plot(cells: Sequence[CellLike], axis: str, metric: str, runs: Sequence[str], png: Path) -> FigureFiles:
    return save(bar_figure(cells, axis, metric, runs), png)


SCATTER_AXES = tuple((axis, primary_metric(axis)) for axis in ("know", "ling"))
"""The two-axis scatter: cultural (x) vs linguistic (y), the paper's primary metric of each axis."""


def scatter_figure(cells: Sequence[CellLike], runs: Sequence[str]) -> Any | None:
    """Macro cultural (x) vs linguistic (y) per run with CI crosses; None if no run has both. A point's
    label names the languages its macros average when they differ between runs, and its failure rate."""
    (ax_x, m_x), (ax_y, m_y) = SCATTER_AXES
    at = {(c.run, c.axis, c.metric): c.est for c in cells if c.lang == "macro"}
    points = [(r, at[(r, ax_x, m_x)], at[(r, ax_y, m_y)]) for r in runs
              if (r, ax_x, m_x) in at and (r, ax_y, m_y) in at
              and at[(r, ax_x, m_x)].value is not None and at[(r, ax_y, m_y)].value is not None]
    if not points:
        return None
    sets = {r: (run_languages(cells, r, ax_x, m_x), run_languages(cells, r, ax_y, m_y)) for r, _, _ in points}
    same = len(set(map(lambda v: (tuple(v[0]), tuple(v[1])), sets.values()))) == 1
    fig = new_figure(6.4, 4.8)
    ax = fig.add_subplot()
    for run, ex, ey in points:
        ax.errorbar([ex.value], [ey.value], xerr=_yerr([ex]), yerr=_yerr([ey]), fmt="o", capsize=4, label=run,
                    gid=f"point:{run}")
        text = run
        if not same:
            text += "\n" + "; ".join(f"{a}: {_langs_text(ls)}" for a, ls in zip((ax_x, ax_y), sets[run]))
        failed = [f"{a} {_failed_text(e)}" for a, e in ((ax_x, ex), (ax_y, ey)) if e.n_failed]
        if failed:
            text += "\n" + ", ".join(failed)
        right = ex.value > 55  # labels of points on the right go to their left, inside the plot
        label = ax.annotate(text, (ex.value, ey.value), textcoords="offset points", xytext=(-6 if right else 6, 6),
                            ha="right" if right else "left", va="bottom" if ey.value < 85 else "top", fontsize=7,
                            color=FAILED_COLOR if failed else "black", gid=f"label:{run}")
        label.set_in_layout(False)  # a long label must not squeeze the axes
    over_x = (macro_note({r: v[0] for r, v in sets.items()}) if same
              else "macro = mean over each run's languages (named at each point)")
    over_y = macro_note({r: v[1] for r, v in sets.items()}) if same else "macro = mean over each run's languages"
    ax.set_xlabel(f"cultural: {axis_label(m_x)} on {ax_x}\n{over_x}")
    ax.set_ylabel(f"linguistic: {axis_label(m_y)} on {ax_y}\n{over_y}")
    ax.set_title("Cultural vs linguistic axis (95% bootstrap CI crosses)", fontsize=10)
    ax.grid(alpha=0.3)
    ax.set_xlim(-3, 103)  # both axes on the 0–100 scale: distances are comparable between plots
    ax.set_ylim(-3, 103)
    return fig


def scatter_plot(cells: Sequence[CellLike], runs: Sequence[str], png: Path) -> FigureFiles | None:
    fig = scatter_figure(cells, runs)
    return save(fig, png) if fig is not None else None


ABLATION_SERIES = ("Δ culture", "Δ linguistic", "Δ full", "interaction")


def ablation_figure(rows_by_axis: dict[str, Sequence[Any]], arms: Sequence[str]) -> Any | None:
    """Deltas vs base (and the interaction) per language, one panel per axis, CI whiskers. Rows are
    `ablation.AblationRow`s (typed loosely: ablation imports this module). Only languages all four arms
    scored have rows; the macro note names them, and arms' failure rates are written above."""
    import numpy as np

    panels = [(axis, rows) for axis, rows in rows_by_axis.items() if rows]
    if not panels:
        return None
    fig = new_figure(11.0, 3.8 * len(panels))
    for k, (axis, rows) in enumerate(panels, 1):
        ax = fig.add_subplot(len(panels), 1, k)
        x = np.arange(len(rows))
        width = 0.2
        for j, label in enumerate(ABLATION_SERIES):
            cs = [r.deltas[j] if j < 3 else r.interaction for r in rows]
            bars = ax.bar(x + (j - 1.5) * width, [c.delta for c in cs], width, label=label,
                          yerr=[[max(0.0, c.delta - c.ci.low) for c in cs], [max(0.0, c.ci.high - c.delta) for c in cs]],
                          capsize=2, error_kw={"elinewidth": 0.8, "ecolor": "#333333"})
            for r, patch in zip(rows, bars.patches):
                patch.set_gid(f"bar:{axis}:{label}:{r.lang}")
        langs = [r.lang for r in rows if r.lang != "macro"]
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_xticks(x, [lang_label(r.lang) if r.lang != "macro" else macro_label(langs) for r in rows], fontsize=8)
        if any(r.lang == "macro" for r in rows):
            ax.set_xlabel(macro_note({"arms": langs}) + " (the languages all four arms scored)", fontsize=7,
                          gid=f"macro-note:{axis}")
        for r, xi in zip(rows, x):
            failed = [f"{arm} {_failed_text(e)}" for arm, e in zip(arms, r.arms) if e.n_failed]
            if failed:
                ax.annotate("\n".join(failed), (xi, 0), xycoords=("data", "axes fraction"), xytext=(0, 2),
                            textcoords="offset points", ha="center", va="bottom", fontsize=6, color=FAILED_COLOR,
                            gid=f"failed:{axis}:{r.lang}")
        ax.set_ylabel(f"Δ {metric_title(rows[0].metric)}\n({get_metric(rows[0].metric).unit} scale)")
        ax.set_title(f"{AXIS_TITLES[axis]}: {metric_title(rows[0].metric)} — change vs base arm "
                     "(95% bootstrap CI)", fontsize=10)
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return fig


def ablation_plot(rows_by_axis: dict[str, Sequence[Any]], arms: Sequence[str],
                  png: Path) -> FigureFiles | None:
    fig = ablation_figure(rows_by_axis, arms)
    return save(fig, png) if fig is not None else None


AGREEMENT_STYLE = {"judge-human": ("o", "#1f5fbf", "#1f5fbf", -0.12), "human-human": ("s", "#b35900", "white", 0.12)}
"""Marker, colour, face and vertical offset of each comparison in the agreement figure."""


def agreement_figure(doc: Any) -> Any | None:
    """`judge agreement`'s agreement.json as one panel per rubric and question: κ_w (1–5 scales) or
    pairwise accuracy (preferences) per language and pooled, judge–human filled and human–human open,
    lines = bootstrap CI. A row without a value is left out of its panel (the table says why)."""
    rows = doc.get("rows") or []
    if not rows:
        return None
    panels = sorted({(r["rubric"], r["question"]) for r in rows}, key=lambda p: (p[0], p[1] != "scale"))
    langs = [c for c in LANG_CODES + ("all",) if any(r["lang"] == c for r in rows)]
    at = {(r["lang"], r["rubric"], r["question"], r["comparison"]): r for r in rows}
    fig = new_figure(3.6 * len(panels), 1.6 + 0.45 * len(langs))
    for k, (rubric, question) in enumerate(panels):
        ax = fig.add_subplot(1, len(panels), k + 1)
        metric = "kappa_qw" if question == "scale" else "pairwise_accuracy"
        low = -0.25 if question == "scale" else 0.0
        for comparison, (marker, color, face, off) in AGREEMENT_STYLE.items():
            points = []
            for y, lang in enumerate(langs):
                row = at.get((lang, rubric, question, comparison))
                m = row["metrics"].get(metric) if row else None
                if not m or m.get("value") is None:
                    continue
                lo, hi = m["ci"] if m.get("ci") else (m["value"], m["value"])
                ax.hlines(y + off, lo, hi, color=color, linewidth=1.2,
                          gid=f"agreement-ci:{rubric}:{question}:{comparison}:{lang}")
                points.append((m["value"], y + off))
                low = min(low, lo - 0.05)
            if points:
                ax.plot(*zip(*points), marker, color=color, mfc=face, linestyle="none", label=comparison,
                        gid=f"agreement:{rubric}:{question}:{comparison}")
        ax.set_yticks(range(len(langs)), [lang_label(l).replace("\n", " ") if l in LANGUAGES else "all (pooled)"
                                          for l in langs], fontsize=8)
        ax.set_ylim(len(langs) - 0.5, -0.5)
        ax.axvline(0, color="#999999", linewidth=0.8)
        ax.set_xlim(max(-1.02, low), 1.02)
        ax.set_xlabel("quadratic-weighted kappa" if question == "scale" else "pairwise accuracy (ties count)",
                      fontsize=8)
        ax.set_title(f"{rubric}\n({'1-5 scale' if question == 'scale' else 'preference'})", fontsize=9)
        ax.grid(axis="x", alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7, loc="lower left")
    fig.suptitle(f"Judge-human (filled) and human-human (open) agreement, "
                 f"{100 * doc['bootstrap']['level']:.0f}% bootstrap CI over items", fontsize=9)
    return fig


def agreement_plot(doc: Any, png: Path) -> FigureFiles | None:
    fig = agreement_figure(doc)
    return save(fig, png) if fig is not None else None
