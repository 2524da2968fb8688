"""The culture-vs-linguistics ablation table: four training arms on both axes.

Arms: `base` (no MELLA data), `culture` (D_know only), `linguistic` (D_ling only), `full` (both).
Per language and for the macro average, each arm's value with its CI, each arm's delta vs base
(paired bootstrap, Holm-corrected across languages), and the interaction
`full − culture − linguistic + base` (how far the two data halves are more, or less, than additive),
with a bootstrap that resamples the items common to all four runs jointly.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence


from mella_bench.langs import AXES, LANG_CODES
from mella_bench.metrics.registry import metric_aggregate, primary_metric, sort_metrics
from mella_bench.reports.figures import ablation_plot
from mella_bench.reports.render import AXIS_TITLES, Table, decimals, fmt_value, latex_table, markdown_table
from mella_bench.reports.runs import RunData, load_runs
from mella_bench.stats import (ALPHA, INTERACTION_WEIGHTS, MIN_PAIRED_N, PAIR_WEIGHTS, RESAMPLES, Aggregate, Contrast,
                               Estimate, contrast_macro, contrast_task, language_estimates, with_holm)

ARMS = ("base", "culture", "linguistic", "full")
ARM_TITLES = {"base": "base", "culture": "culture only (D_know)", "linguistic": "linguistic only (D_ling)",
              "full": "full (both)"}
PRIMARY = {axis: primary_metric(axis) for axis in AXES}
"""The paper's headline metric of each axis: the ablation's main table."""
SIG = "*"
AggregateFor = Callable[[str], Aggregate]


@dataclass(frozen=True)
class AblationRow:
    """One language (or 'macro') of one metric: the four arms, three deltas vs base, the interaction."""

    axis: str
    metric: str
    lang: str
    arms: tuple[Estimate, ...]
    """In ARMS order."""
    deltas: tuple[Contrast, ...]
    """culture − base, linguistic − base, full − base."""
    interaction: Contrast


def ablation_rows(runs: dict[str, RunData], axis: str, metric: str, aggregates: AggregateFor = metric_aggregate,
                  resamples: int = RESAMPLES, seed: int | None = None, alpha: float = ALPHA) -> list[AblationRow]:
    """Rows for every language all four arms scored, then the macro row."""
    arms = [runs[a] for a in ARMS]
    seed = arms[0].seed if seed is None else seed
    per = [r.by_lang(axis, metric) for r in arms]
    langs = [l for l in LANG_CODES if all(l in p and p[l].n for p in per)]
    if not langs:
        return []
    agg = aggregates(metric)
    arm_ests = [language_estimates([p[l] for l in langs], agg, resamples, seed, alpha) for p in per]
    deltas = [with_holm([contrast_task([per[0][l], per[k][l]], PAIR_WEIGHTS, agg, resamples, seed, alpha) for l in langs])
              for k in (1, 2, 3)]
    inter = with_holm([contrast_task([p[l] for p in per], INTERACTION_WEIGHTS, agg, resamples, seed, alpha)
                       for l in langs])
    rows = [AblationRow(axis, metric, l, tuple(e[0][i] for e in arm_ests), tuple(d[i] for d in deltas), inter[i])
            for i, l in enumerate(langs)]
    if len(langs) > 1:
        macro_deltas = tuple(contrast_macro([[per[0][l], per[k][l]] for l in langs], PAIR_WEIGHTS, agg, resamples, seed,
                                            alpha) for k in (1, 2, 3))
        macro_inter = contrast_macro([[p[l] for p in per] for l in langs], INTERACTION_WEIGHTS, agg, resamples, seed, alpha)
        rows.append(AblationRow(axis, metric, "macro", tuple(e[1] for e in arm_ests), macro_deltas, macro_inter))
    return rows


def fmt_delta(c: Contrast) -> str:
    d = decimals(c.metric)
    return f"{c.delta:+.{d}f} [{c.ci.low:+.{d}f}, {c.ci.high:+.{d}f}]{SIG if c.significant else ''}"


def ablation_table(rows: Sequence[AblationRow]) -> Table:
    r0 = rows[0]
    header = ("lang",) + ARMS + ("Δ culture", "Δ linguistic", "Δ full", "interaction")
    body = tuple((r.lang,) + tuple(fmt_value(e, r.metric) for e in r.arms) + tuple(fmt_delta(c) for c in r.deltas)
                 + (fmt_delta(r.interaction),) for r in rows)
    n_rows = tuple((f"n: {r.lang}",) + tuple(str(e.n) + (f" ({100 * e.failure_rate:.0f}% failed)" if e.n_failed else "")
                                             for e in r.arms) + ("", "", "", str(r.interaction.n)) for r in rows)
    return Table(f"{AXIS_TITLES[r0.axis]}: {r0.metric} — ablation arms, deltas vs base, interaction",
                 header, body + n_rows, sections=(len(body),))


NOTE = (f"Values: value [95% CI]. Δ = arm − base on the items both scored (paired bootstrap CI); interaction = "
        f"full − culture − linguistic + base on the items all four scored (joint bootstrap CI). {SIG} = significant at "
        "α=0.05 by a sign-flip permutation test (per-language p-values Holm-corrected across languages, separately "
        f"for each column; the macro row is one test of its own); never on fewer than {MIN_PAIRED_N} common items.")


def ablation_csv(rows: Sequence[AblationRow]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["axis", "metric", "lang", "kind", "arm", "value", "ci_low", "ci_high", "p", "p_holm", "significant",
                "n", "n_excluded", "resamples", "seed"])
    for r in rows:
        for arm, e in zip(ARMS, r.arms):
            w.writerow([r.axis, r.metric, r.lang, "arm", arm, _f(e.value), _f(e.ci.low if e.ci else None),
                        _f(e.ci.high if e.ci else None), "", "", "", e.n, e.n_failed,
                        e.ci.resamples if e.ci else "", e.ci.seed if e.ci else ""])
        for kind, arm, c in [("delta", a, c) for a, c in zip(ARMS[1:], r.deltas)] + [("interaction", "", r.interaction)]:
            w.writerow([r.axis, r.metric, r.lang, kind, arm, _f(c.delta), _f(c.ci.low), _f(c.ci.high), f"{c.p:.4f}",
                        "" if c.p_holm is None else f"{c.p_holm:.4f}", int(c.significant), c.n, c.n_excluded,
                        c.ci.resamples, c.ci.seed])
    return buf.getvalue()


def _f(x: float | None) -> str:
    return "" if x is None else f"{x:.4f}"


@dataclass(frozen=True)
class AblationFiles:
    markdown: Path
    csv: Path
    latex: Path
    plot: Path | None


def render_ablation(runs: dict[str, RunData], out_dir: Path, resamples: int = RESAMPLES, seed: int | None = None,
                    aggregates: AggregateFor = metric_aggregate) -> tuple[dict[str, str], dict[str, list[AblationRow]]]:
    """ablation.md/.csv/.tex as text (file name → content) and the primary rows (for the plot).

    Run directories are shown relative to `out_dir`, so the files do not depend on where they were made."""
    loaded = [runs[a] for a in ARMS]
    primary = {axis: ablation_rows(runs, axis, PRIMARY[axis], aggregates, resamples, seed) for axis in AXES}
    others = [ablation_rows(runs, axis, m, aggregates, resamples, seed) for axis in AXES
              for m in sort_metrics(set.intersection(*(set(r.metrics(axis)) for r in loaded))) if m != PRIMARY[axis]]
    md = ["# mella-bench ablation: culture-only vs linguistic-only training", "",
          "| arm | model | run directory |", "|---|---|---|"]
    md += [f"| {ARM_TITLES[a]} | {r.label} | `{_relative(r.path, out_dir)}` |" for a, r in runs.items()]
    md += ["", NOTE, "", "## Paper metrics", ""]
    tex = ["% mella-bench ablation (needs \\usepackage{booktabs,graphicx})", ""]
    for rows in list(primary.values()) + [None] + others:
        if rows is None:
            md += ["## Full profile (every other metric)", ""]
            continue
        if not rows:
            continue
        t = ablation_table(rows)
        md.append(markdown_table(t).replace(f"]{SIG} |", f"]\\{SIG} |"))
        tex.append(latex_table(Table(t.caption, t.header, t.rows, t.sections, (NOTE,))))
    all_rows = [r for rows in list(primary.values()) + others for r in rows]
    return ({"ablation.md": "\n".join(md), "ablation.csv": ablation_csv(all_rows), "ablation.tex": "\n".join(tex)},
            primary)


def plot_section(name: str) -> str:
    """The markdown tail that links the plot (the check re-adds it when the committed plot exists)."""
    stem = name.rsplit(".", 1)[0]
    return "\n" + "\n".join(["## Plot", "", f"![ablation]({name}) ([PDF]({stem}.pdf), [SVG]({stem}.svg))", ""])


def _relative(path: Path, root: Path) -> str:
    import os

    return Path(os.path.relpath(Path(path).resolve(), Path(root).resolve())).as_posix()


def write_ablation(base: Path, culture: Path, linguistic: Path, full: Path, out_dir: Path,
                   resamples: int = RESAMPLES, seed: int | None = None,
                   aggregates: AggregateFor = metric_aggregate) -> AblationFiles:
    """`mella-bench ablate`: ablation.{md,csv,tex} and the figure (ablation.png/.pdf/.svg) in out_dir."""
    loaded = load_runs([Path(base), Path(culture), Path(linguistic), Path(full)])
    return write_ablation_runs(dict(zip(ARMS, loaded)), Path(out_dir), resamples, seed, aggregates)


def write_ablation_runs(runs: dict[str, RunData], out_dir: Path, resamples: int = RESAMPLES, seed: int | None = None,
                        aggregates: AggregateFor = metric_aggregate) -> AblationFiles:
    """Write the ablation files of already loaded runs (the markdown links the plot when there is one)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    texts, primary = render_ablation(runs, out_dir, resamples, seed, aggregates)
    figure = ablation_plot(primary, ARMS, out_dir / "ablation.png")  # fails on a glyph missing from the font
    plot = figure.png if figure else None
    if plot:
        texts["ablation.md"] += plot_section(plot.name)
    files = AblationFiles(out_dir / "ablation.md", out_dir / "ablation.csv", out_dir / "ablation.tex", plot)
    for name, text in texts.items():
        (out_dir / name).write_text(text, encoding="utf-8")
    return files


__all__ = ["ARMS", "AblationFiles", "AblationRow", "ablation_rows", "render_ablation", "write_ablation",
           "write_ablation_runs"]
