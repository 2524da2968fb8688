"""Leaderboards (Markdown, CSV, LaTeX), plots and paired comparisons across run directories.

Reads run directories only (run.json, scores.jsonl, summary.json) and never calls a model or a
scorer: every value and CI is recomputed from the per-item sufficient statistics in scores.jsonl
(`mella_bench.stats`), so the leaderboard, the comparisons and the paper tables agree by
construction. Signatures come from summary.json. Run loading lives in `mella_bench.reports.runs`, table
rendering in `mella_bench.reports.render`, figures in `mella_bench.reports.figures`; which metrics exist, their order and profiles in the
metric registry.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from mella_bench.judge.agreement_report import AGREEMENT_JSON, agreement_markdown, load_agreement, stale_judge_note
from mella_bench.langs import AXES, LANG_CODES
from mella_bench.metrics.registry import PROFILES, get_metric, metric_aggregate, paper_metrics, sort_metrics
from mella_bench.reports.plotlabels import alias_note, plot_aliases
from mella_bench.reports.figures import FigureFiles, agreement_plot, bar_plot, scatter_plot
from mella_bench.reports.render import AXIS_TITLES, Table, decimals, fmt_n, fmt_value, latex_table, markdown_table
from mella_bench.reports.runs import RunData, load_run, load_runs, model_label  # noqa: F401  (public here too)
from mella_bench.reports.pairing import Pairing, pair_runs, unknown
from mella_bench.stats import (ALPHA, MIN_PAIRED_N, PERMUTATIONS, RESAMPLES, Aggregate, Contrast, Estimate,
                               MetricScores, compare_macro, compare_task, format_p, language_estimates, with_holm)

AggregateFor = Callable[[str], Aggregate]


# --------------------------------------------------------------------------------------------
# leaderboard cells


@dataclass(frozen=True)
class Cell:
    """One leaderboard entry: a run's value of one metric on one language (or the macro average)."""

    run: str
    run_dir: str
    axis: str
    metric: str
    lang: str
    """Language code or 'macro'."""
    est: Estimate
    signature: str
    profiles: tuple[str, ...]
    vs_first: str = ""
    """Against the report's first run (paired test, `VS_FIRST_MARKS`); '' for the first run and untested cells."""


VS_FIRST_MARKS = {"higher": "▲", "lower": "▼", "not comparable": "≠"}
"""Leaderboard marks of a later run's cell against the first run: significantly higher or lower (paired
sign-flip test, Holm-corrected), or not comparable (not the same items: `mella_bench.reports.pairing`)."""


def vs_first(c: Contrast | None, skipped: Skipped | None) -> str:
    """How a cell compares with the first run: 'higher', 'lower', 'not significant', 'too few items',
    'not comparable', 'not compared' or ''."""
    if skipped is not None:
        return "not comparable" if skipped.not_comparable else "not compared"
    if c is None:
        return ""
    if c.significant:
        return "higher" if c.delta > 0 else "lower"
    return "too few items" if c.too_few else "not significant"


def with_marks(cells: Sequence[Cell], comps: Sequence[Comparison]) -> list[Cell]:
    """The cells with `vs_first` set from the comparisons of each later run with the first."""
    at: dict[tuple[str, str, str, str], str] = {}
    for comp in comps:
        for c in list(comp.per_lang) + ([comp.macro] if comp.macro else []):
            at[(comp.label_b, comp.axis, comp.metric, c.label)] = vs_first(c, None)
        for s in comp.skipped:
            at[(comp.label_b, comp.axis, comp.metric, s.label)] = vs_first(None, s)
    return [replace(c, vs_first=at.get((c.run, c.axis, c.metric, c.lang), "")) for c in cells]


def run_cells(run: RunData, aggregates: AggregateFor = metric_aggregate, resamples: int = RESAMPLES,
              alpha: float = ALPHA) -> list[Cell]:
    """Every (axis, metric, language) of one run plus the macro average, with CIs (the run's seed)."""
    cells = []
    for axis in AXES:
        for metric in run.metrics(axis):
            per_lang = run.by_lang(axis, metric)
            ests, macro = language_estimates(list(per_lang.values()), aggregates(metric), resamples, run.seed, alpha)
            sigs = {run.signatures.get((ms.task, metric), "") for ms in per_lang.values()}
            for (lang, ms), est in zip(per_lang.items(), ests):
                cells.append(Cell(run.label, str(run.path), axis, metric, lang, est,
                                  run.signatures.get((ms.task, metric), ""), get_metric(metric).profiles(axis)))
            cells.append(Cell(run.label, str(run.path), axis, metric, "macro", macro,
                              sigs.pop() if len(sigs) == 1 else "", get_metric(metric).profiles(axis)))
    return cells


# --------------------------------------------------------------------------------------------
# tables (Markdown, LaTeX, CSV)


def metric_table(cells: Sequence[Cell], axis: str, metric: str, runs: Sequence[str]) -> Table:
    """Rows: each run's values with CIs, then each run's n (and failures); columns: languages + macro."""
    langs = [lang for lang in LANG_CODES if any(c.lang == lang and c.axis == axis and c.metric == metric for c in cells)]
    cols = langs + ["macro"]
    at = {(c.run, c.lang): c for c in cells if c.axis == axis and c.metric == metric}
    value_rows = [tuple([run] + [_marked(at[(run, l)], metric) if (run, l) in at else "—" for l in cols])
                  for run in runs]
    n_rows = [tuple([f"n: {run}"] + [fmt_n(at[(run, l)].est) if (run, l) in at else "—" for l in cols])
              for run in runs]
    caption = f"{AXIS_TITLES[axis]}: {metric}"
    return Table(caption, tuple(["model"] + cols), tuple(value_rows + n_rows), sections=(len(value_rows),))


def _marked(cell: Cell, metric: str) -> str:
    """'62.5 [48.1, 75.0] ▲': the value with its mark against the first run, if any."""
    mark = VS_FIRST_MARKS.get(cell.vs_first, "")
    return f"{fmt_value(cell.est, metric)} {mark}" if mark and cell.est.value is not None else fmt_value(cell.est, metric)


def signature_notes(cells: Sequence[Cell], axis: str, metrics: Sequence[str]) -> list[str]:
    """One line per distinct signature, naming the languages (and runs, when they differ) it covers."""
    notes = []
    for metric in metrics:
        mine = [c for c in cells if c.axis == axis and c.metric == metric and c.lang != "macro"]
        all_runs = {c.run for c in mine}
        groups: dict[str, list[Cell]] = {}
        for c in mine:
            groups.setdefault(c.signature, []).append(c)
        for sig, members in groups.items():
            langs = ",".join(l for l in LANG_CODES if any(c.lang == l for c in members))
            runs = {c.run for c in members}
            who = "" if runs == all_runs else f"; runs: {', '.join(sorted(runs))}"
            notes.append(f"- `{metric}` [{langs}{who}]: `{sig or 'no signature (summary.json missing)'}`")
    return notes


def leaderboard_tables(cells: Sequence[Cell], runs: Sequence[str], profile: str) -> list[tuple[str, list[Table], list[str]]]:
    """(axis, tables, signature notes) for one profile."""
    out = []
    for axis in AXES:
        metrics = sort_metrics(c.metric for c in cells if c.axis == axis and profile in c.profiles)
        paper = paper_metrics(axis)
        metrics = [m for m in paper if m in metrics] + [m for m in metrics if m not in paper]
        if metrics:
            out.append((axis, [metric_table(cells, axis, m, runs) for m in metrics], signature_notes(cells, axis, metrics)))
    return out


CSV_FIELDS = ("model", "run_dir", "axis", "metric", "lang", "value", "ci_low", "ci_high", "n", "n_failed",
              "failure_rate", "ci_resamples", "ci_seed", "profiles", "signature", "vs_first_run")


def cells_csv(cells: Sequence[Cell]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_FIELDS)
    for c in cells:
        e = c.est
        w.writerow([c.run, c.run_dir, c.axis, c.metric, c.lang, _num(e.value), _num(e.ci.low if e.ci else None),
                    _num(e.ci.high if e.ci else None), e.n, e.n_failed, f"{e.failure_rate:.4f}",
                    e.ci.resamples if e.ci else "", e.ci.seed if e.ci else "", ";".join(c.profiles), c.signature,
                    c.vs_first])
    return buf.getvalue()


def _num(x: float | None) -> str:
    return "" if x is None else f"{x:.4f}"


# --------------------------------------------------------------------------------------------
# comparisons


@dataclass(frozen=True)
class Skipped:
    """A language (or the macro) of a comparison that was not tested, and why."""

    label: str
    """Language code or 'macro'."""
    reason: str
    not_comparable: bool = False
    """The runs' items there are not the same items (`mella_bench.reports.pairing`), as opposed to nothing scored."""


@dataclass(frozen=True)
class Comparison:
    """B vs A on one metric: per-language paired tests (Holm across languages) and the macro, on the
    items that are the same item in both runs; the languages that could not be compared, with why."""

    axis: str
    metric: str
    label_a: str
    label_b: str
    per_lang: tuple[Contrast, ...]
    macro: Contrast | None
    skipped: tuple[Skipped, ...] = ()

    def skipped_at(self, label: str) -> Skipped | None:
        return next((s for s in self.skipped if s.label == label), None)


def _pair_language(la: MetricScores, lb: MetricScores, pairing: Pairing) -> tuple[MetricScores, MetricScores] | Skipped:
    """The two runs' scores on the items that are the same item in both, or why there are none."""
    if not pairing.comparable:
        return Skipped(la.lang, f"not comparable: {pairing.reason}", not_comparable=True)
    a, b = la.without(pairing.differ), lb.without(pairing.differ)
    if not set(a.item_ids) & set(b.item_ids):
        return Skipped(la.lang, "no item was scored in both runs")
    return a, b


def compare_runs(a: RunData, b: RunData, metrics: dict[str, Sequence[str]] | None = None,
                 aggregates: AggregateFor = metric_aggregate, resamples: int = RESAMPLES, seed: int | None = None,
                 alpha: float = ALPHA, permutations: int = PERMUTATIONS) -> list[Comparison]:
    """Paired comparison of B − A per language and for the macro average, for each metric both runs
    scored (default: the paper profile): bootstrap CIs, sign-flip permutation p-values, Holm across the
    languages of one metric. Items are paired by content (`mella_bench.reports.pairing`): a language whose
    items are not the same items in both runs, or where no item was scored in both, is skipped with
    the reason, and then the macro is too (a mean over fewer languages is another quantity)."""
    seed = a.seed if seed is None else seed
    pairings = pair_runs(a.path, b.path)
    out = []
    for axis in AXES:
        wanted = metrics.get(axis, ()) if metrics is not None else paper_metrics(axis)
        for metric in wanted:
            la, lb = a.by_lang(axis, metric), b.by_lang(axis, metric)
            langs = [l for l in la if l in lb]
            if not langs:
                continue
            agg = aggregates(metric)
            tested, skipped = [], []
            for l in langs:
                paired = _pair_language(la[l], lb[l], pairings.get((l, axis)) or unknown(l, axis, a.path, b.path))
                if isinstance(paired, Skipped):
                    skipped.append(paired)
                    continue
                n_differ = len(pairings[(l, axis)].differ)
                tested.append((paired, replace(compare_task(*paired, agg, resamples, seed, alpha, permutations),
                                               n_not_comparable=n_differ)))
            per = with_holm([c for _, c in tested])
            macro = None
            if skipped and len(langs) > 1:
                groups = {"not comparable": [s.label for s in skipped if s.not_comparable],
                          "not compared": [s.label for s in skipped if not s.not_comparable]}
                why = "; ".join(f"{', '.join(labels)} {what}" for what, labels in groups.items() if labels)
                skipped.append(Skipped("macro", f"not computed: {why}", any(s.not_comparable for s in skipped)))
            elif len(tested) > 1:
                macro = compare_macro([p for p, _ in tested], agg, resamples, seed, alpha, permutations)
                macro = replace(macro, n_not_comparable=sum(c.n_not_comparable for _, c in tested))
            out.append(Comparison(axis, metric, a.label, b.label, tuple(per), macro, tuple(skipped)))
    return out


def _test_text(comps: Sequence[Comparison]) -> str:
    """How the p-values were obtained (the first tested contrast's permutation test)."""
    c = next((c for comp in comps for c in comp.per_lang), None)
    if c is None or c.test is None:
        return "sign-flip permutation test"
    return ("two-sided paired sign-flip permutation test (all 2^n flips when 2^n ≤ "
            f"{PERMUTATIONS:,}, else {PERMUTATIONS:,} random flips; seed {c.test.seed})")


def verdict(c: Contrast, label_a: str, label_b: str) -> str:
    """'th: B > A on metric, Δ=+62.5 [48.1, 75.0], p_holm<0.001 (n=24)' — Δ is always B − A."""
    d = decimals(c.metric)
    sign = ">" if c.delta > 0 else "<"
    if c.significant:
        rel = f"{label_b} {sign} {label_a}"
    elif c.too_few:
        rel = f"{label_b} ≈ {label_a} (too few items to call: n={c.n} < {MIN_PAIRED_N})"
    else:
        rel = f"{label_b} ≈ {label_a} (not significant)"
    p_name, p = ("p_holm", c.p_holm) if c.p_holm is not None else ("p", c.p)
    pstr = format_p(p)
    pstr = pstr if pstr.startswith("<") else f"={pstr}"
    excl = f", {c.n_excluded} item(s) excluded (failed or missing in one run)" if c.n_excluded else ""
    differ = f", {c.n_not_comparable} item(s) with the same id left out (not the same item)" if c.n_not_comparable else ""
    return (f"{c.label}: {rel} on {c.metric}, Δ={c.delta:+.{d}f} [{c.ci.low:+.{d}f}, {c.ci.high:+.{d}f}], "
            f"{p_name}{pstr} (n={c.n}{excl}{differ})")


def skipped_text(s: Skipped, metric: str) -> str:
    """'hu: not comparable on meteor: 0 of 100 common items are the same item (...)'."""
    head, _, rest = s.reason.partition(": ")
    return f"{s.label}: {head} on {metric}" + (f": {rest}" if rest else "")


def comparison_markdown(comps: Sequence[Comparison], level: int = 2) -> str:
    if not comps:
        return "No metric was scored on a common language in both runs.\n"
    a, b = comps[0].label_a, comps[0].label_b
    first = next((c for comp in comps for c in comp.per_lang), None)
    intro = (f"Paired comparison on the items that are the same item in both runs (same id, references, keywords "
             f"and prompt; Δ = {b} − {a}): 95% CI by a paired percentile bootstrap ({first.ci.resamples} resamples, "
             f"seed {first.ci.seed}); p from a {_test_text(comps)}; p-values Holm-corrected across the languages of "
             f"each metric; the macro average is one test of its own. Nothing on fewer than {MIN_PAIRED_N} common "
             "items is called significant." if first is not None else
             "Nothing could be compared: every language is listed below with the reason.")
    out = [f"{'#' * (level)} {b} vs {a}", "", intro, ""]
    for comp in comps:
        d = decimals(comp.metric)
        out += [f"{'#' * (level + 1)} {AXIS_TITLES[comp.axis]}: {comp.metric}", "",
                f"| lang | {a} | {b} | Δ [95% CI] | p | p_holm | n | excluded | not the same item |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        rows = list(comp.per_lang) + ([comp.macro] if comp.macro else [])
        order = {l: i for i, l in enumerate(list(LANG_CODES) + ["macro"])}
        lines = []
        for c in rows:
            lines.append((order.get(c.label, 99),
                          f"| {c.label} | {c.value_a:.{d}f} | {c.value_b:.{d}f} | {c.delta:+.{d}f} [{c.ci.low:+.{d}f}, "
                          f"{c.ci.high:+.{d}f}] | {format_p(c.p)} | "
                          f"{format_p(c.p_holm) if c.p_holm is not None else '—'} | {c.n} | {c.n_excluded} | "
                          f"{c.n_not_comparable} |"))
        for s in comp.skipped:
            what = "not computed" if s.label == "macro" else "not comparable" if s.not_comparable else "not compared"
            lines.append((order.get(s.label, 99), f"| {s.label} | — | — | {what} | — | — | 0 | — | — |"))
        out += [line for _, line in sorted(lines, key=lambda x: x[0])]
        notes = [(order.get(c.label, 99), verdict(c, a, b)) for c in rows]
        notes += [(order.get(s.label, 99), skipped_text(s, comp.metric)) for s in comp.skipped]
        out += [""] + [f"- {text}" for _, text in sorted(notes, key=lambda x: x[0])]
        out += [""]
    return "\n".join(out)


def comparison_csv(comps: Sequence[Comparison]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["model_a", "model_b", "axis", "metric", "lang", "status", "value_a", "value_b", "delta", "ci_low",
                "ci_high", "p", "p_holm", "significant", "n", "n_excluded", "n_not_same_item", "resamples", "seed",
                "test", "reason"])
    for comp in comps:
        for c in list(comp.per_lang) + ([comp.macro] if comp.macro else []):
            w.writerow([comp.label_a, comp.label_b, comp.axis, comp.metric, c.label, "compared", _num(c.value_a),
                        _num(c.value_b), _num(c.delta), _num(c.ci.low), _num(c.ci.high), f"{c.p:.4f}",
                        "" if c.p_holm is None else f"{c.p_holm:.4f}", int(c.significant), c.n, c.n_excluded,
                        c.n_not_comparable, c.ci.resamples, c.ci.seed, c.test.describe() if c.test else "",
                        f"too few items (n < {MIN_PAIRED_N}): never significant" if c.too_few else ""])
        for s in comp.skipped:
            w.writerow([comp.label_a, comp.label_b, comp.axis, comp.metric, s.label,
                        "not comparable" if s.not_comparable else "not compared", "", "", "", "", "", "", "", 0, 0,
                        "", "", "", "", "", s.reason])
    return buf.getvalue()


def compare(run_a: Path, run_b: Path, out_dir: Path | None = None, resamples: int = RESAMPLES,
            seed: int | None = None, full: bool = False, aggregates: AggregateFor = metric_aggregate) -> str:
    """`mella-bench compare`: Markdown text (and compare.md / compare.csv under out_dir when given)."""
    a, b = load_runs([Path(run_a), Path(run_b)])
    metrics = ({axis: sorted(set(a.metrics(axis)) & set(b.metrics(axis))) for axis in AXES} if full else None)
    comps = compare_runs(a, b, metrics, aggregates, resamples, seed)
    text = comparison_markdown(comps)
    if out_dir is not None:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "compare.md").write_text(text, encoding="utf-8")
        (out_dir / "compare.csv").write_text(comparison_csv(comps), encoding="utf-8")
    return text


# --------------------------------------------------------------------------------------------
# the report


@dataclass(frozen=True)
class ReportFiles:
    markdown: Path
    csv: Path
    latex: Path
    plots: tuple[Path, ...]
    """The PNG of each figure (what the HTML report embeds)."""
    extra: tuple[Path, ...] = ()
    """Files written by the `writers` passed to `write_report` (the CLI's index.html)."""
    vector: tuple[Path, ...] = ()
    """The PDF and SVG of each figure, beside its PNG."""


@dataclass(frozen=True)
class ReportData:
    """Everything a report is made of, for writers of further formats (the HTML report)."""

    runs: tuple[RunData, ...]
    cells: tuple[Cell, ...]
    comparisons: tuple[Comparison, ...]
    plots: tuple[Path, ...]
    out_dir: Path
    resamples: int
    agreements: tuple[tuple[str, Mapping[str, Any], str | None], ...] = ()
    """(run label, its agreement.json, a note when the run was judged differently since) per run that has one."""


def run_agreements(runs: Sequence[RunData]) -> list[tuple[str, Mapping[str, Any], str | None]]:
    """The judge agreement `mella-bench judge agreement` stored in each run (RUN/agreement.json)."""
    from mella_bench.store import RUN_JSON, read_versioned

    out = []
    for r in runs:
        doc = load_agreement(r.path) if (r.path / AGREEMENT_JSON).is_file() else None
        if doc is not None:
            header = read_versioned(r.path / RUN_JSON, RUN_JSON) if (r.path / RUN_JSON).is_file() else {}
            out.append((r.label, doc, stale_judge_note(doc, header)))
    return out


ReportWriter = Callable[[ReportData], Path]


def render_markdown(runs: Sequence[RunData], cells: Sequence[Cell], comps: Sequence[Comparison],
                    plots: Sequence[Path], resamples: int,
                    agreements: Sequence[tuple[str, Mapping[str, Any], str | None]] = ()) -> str:
    labels = [r.label for r in runs]
    out = ["# mella-bench leaderboard", "",
           "| model | run directory | seed | tasks |", "|---|---|---:|---:|"]
    out += [f"| {r.label} | `{r.path}` | {r.seed} | {len({ms.task for ms in r.scores.values()})} |" for r in runs]
    marks = (f" Paper metrics of later runs against the first ({runs[0].label}): ▲/▼ significantly higher/lower "
             f"(paired sign-flip test, Holm-corrected across languages; never below {MIN_PAIRED_N} common items), "
             "≠ not comparable (not the same items: references, keywords or prompt differ); the comparisons, and "
             "what was skipped and why, are under \"Significance\"." if len(runs) > 1 and resamples else "")
    out += ["", f"Cells: value [95% CI] — percentile bootstrap over items, {resamples} resamples, each run's seed, "
            "corpus metrics recomputed on every resample from per-item sufficient statistics. `macro` is the mean over "
            "the languages of the row (its CI resamples every language jointly). `n` = items scored; failed items are "
            f"excluded from values and shown as a failure rate. Signatures are listed under each axis.{marks}", ""]
    for profile in PROFILES:
        title = "Paper profile (MELLA's metrics)" if profile == "paper" else "Full profile (every metric)"
        out += [f"## {title}", ""]
        for axis, tables, notes in leaderboard_tables(cells, labels, profile):
            out += [markdown_table(t) for t in tables]
            out += [f"Signatures — {AXIS_TITLES[axis]}, {profile} profile:", ""] + notes + [""]
    groups = {(g[0].label_a, g[0].label_b): g for g in _group_by_pair(comps)}
    for r in runs[1:] if resamples else []:
        group = groups.get((runs[0].label, r.label))
        if group:
            out += [comparison_markdown(group).replace("## ", "## Significance: ", 1)]
        else:
            out += [f"## Significance: {r.label} vs {runs[0].label}", "",
                    "Not compared: the two runs have no language and axis with a paper metric in common.", ""]
    out += [agreement_markdown(doc, f"Judge-human agreement: {label}", extra_note=note) for label, doc, note in agreements]
    if plots:
        out += ["## Plots", "", "Each figure is also written as vector PDF and SVG beside its PNG (300 dpi). Hatched "
                "`n/a` boxes: no value (language not evaluated, or no scored item); a macro bar says which languages "
                "it averages; failure rates above zero are written on the bars.", ""]
        out += [f"![{p.stem}]({p.name}) ([PDF]({p.with_suffix('.pdf').name}), [SVG]({p.with_suffix('.svg').name}))"
                for p in plots] + [""]
    return "\n".join(out)


def render_latex(runs: Sequence[RunData], cells: Sequence[Cell], resamples: int) -> str:
    labels = [r.label for r in runs]
    out = ["% mella-bench leaderboard (needs \\usepackage{booktabs,graphicx})",
           f"% value [95% percentile-bootstrap CI, {resamples} resamples]; n = items scored",
           *(["% later runs against the first: $^{\\uparrow}$/$^{\\downarrow}$ significantly higher/lower (paired "
              "sign-flip test, Holm), $^{\\neq}$ not comparable (not the same items)"] if len(runs) > 1 else []), ""]
    for profile in PROFILES:
        out.append(f"% ---- {profile} profile")
        for axis, tables, notes in leaderboard_tables(cells, labels, profile):
            for t in tables:
                sig = [n for n in notes if n.startswith(f"- `{t.caption.split(': ', 1)[1]}`")]
                caption = f"{t.caption} ({profile} profile); value [95% bootstrap CI]"
                out.append(latex_table(Table(caption, t.header, t.rows, t.sections,
                                             tuple(n.lstrip("- ").replace("`", "") for n in sig))))
    return "\n".join(out)


def write_report(run_dirs: Sequence[Path], out_dir: Path, resamples: int = RESAMPLES, plots: bool = True,
                 aggregates: AggregateFor = metric_aggregate, writers: Sequence[ReportWriter] = ()) -> ReportFiles:
    """`mella-bench report`: leaderboard.{md,csv,tex} and figures (PNG, PDF, SVG) in out_dir, then whatever `writers`
    make of the same data (the CLI adds index.html). With two or more runs, every later run is
    compared with the first (the baseline) on the paper metrics."""
    runs = load_runs(run_dirs)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    comps = [c for r in runs[1:] for c in compare_runs(runs[0], r, None, aggregates, resamples)] if resamples else []
    cells = with_marks([c for r in runs for c in run_cells(r, aggregates, resamples)], comps)
    labels = [r.label for r in runs]
    agreements = run_agreements(runs)
    figures: list[FigureFiles] = []
    aliases = plot_aliases(labels)  # a Hangul/Thai label is drawn as M<i>, listed in leaderboard.md
    if plots:  # figures.save fails loudly on a glyph missing from the font instead of drawing empty boxes
        shown = [replace(c, run=aliases.get(c.run, c.run)) for c in cells]
        shown_labels = [aliases[label] for label in labels]
        for axis in AXES:
            for metric in paper_metrics(axis):
                if any(c.axis == axis and c.metric == metric for c in cells):
                    figures.append(bar_plot(shown, axis, metric, shown_labels,
                                            out_dir / f"bars_{axis}_{_slug(metric)}.png"))
        sc = scatter_plot(shown, shown_labels, out_dir / "scatter_know_ling.png")
        if sc:
            figures.append(sc)
        for i, (_, doc, _) in enumerate(agreements):
            agreement = agreement_plot(doc, out_dir / f"agreement_{i + 1}.png")
            if agreement:
                figures.append(agreement)
    made = [f.png for f in figures]
    md, csv_path, tex = out_dir / "leaderboard.md", out_dir / "leaderboard.csv", out_dir / "leaderboard.tex"
    md.write_text(render_markdown(runs, cells, comps, made, resamples, agreements) + alias_note(aliases if plots else {}),
                  encoding="utf-8")
    csv_path.write_text(cells_csv(cells), encoding="utf-8")
    tex.write_text(render_latex(runs, cells, resamples), encoding="utf-8")
    if comps:
        (out_dir / "compare.csv").write_text(comparison_csv(comps), encoding="utf-8")
    data = ReportData(tuple(runs), tuple(cells), tuple(comps), tuple(made), out_dir, resamples, tuple(agreements))
    return ReportFiles(md, csv_path, tex, tuple(made), tuple(write(data) for write in writers),
                       tuple(p for f in figures for p in (f.pdf, f.svg)))


def _group_by_pair(comps: Sequence[Comparison]) -> list[list[Comparison]]:
    groups: dict[tuple[str, str], list[Comparison]] = {}
    for c in comps:
        groups.setdefault((c.label_a, c.label_b), []).append(c)
    return list(groups.values())


def _slug(metric: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in metric.replace("++", "pp"))
