"""Paper-layout tables regenerated from stored runs, and the CI check that they are up to date.

`results/tables.yaml` says which run directory fills which cell (backbone × {baseline, +MELLA} ×
language) of the paper's two tables (Keyword Accuracy on know; METEOR / BLEU / ROUGE-L on ling).
`mella-bench tables` writes them as Markdown, LaTeX and CSV; `mella-bench tables --check` rebuilds
them in memory and fails with a diff naming every changed cell (table, row, column).

By default the values are re-derived from each run's predictions (`mella_bench.metrics.score.rescored`,
predictions.jsonl → score rows), not read from scores.jsonl, so an edited prediction changes the
table and a stale scores.jsonl cannot hide it; the signatures then come from the registry's metric
that recomputed the values, not from summary.json. Numbers published in the paper (as far as they are
known: `results/published.yaml`, second-hand) are shown in their own rows, with their provenance.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Collection, Iterable, Literal, Sequence

from mella_bench.langs import LANG_CODES
from mella_bench.metrics.registry import metric_aggregate
from mella_bench.metrics.score import rescored
from mella_bench.protocols.mella2024 import ItemCache
from mella_bench.reports.render import AXIS_TITLES, Table, latex_table, markdown_table
from mella_bench.reports.runs import RunData, load_run
from mella_bench.stats import RESAMPLES, Estimate, language_estimates
from mella_bench.data.yamlio import ConfigError, load_yaml

SETTINGS = (("baseline", "baseline"), ("mella", "+MELLA"))
"""(config key, row label) of the two settings of every backbone."""
Source = Literal["predictions", "scores"]
RowsFor = Callable[[Path], Iterable[dict]]
MISSING = "—"


# --------------------------------------------------------------------------------------------
# config


@dataclass(frozen=True)
class Backbone:
    name: str
    runs: dict[str, Path]
    """Setting key ('baseline', 'mella') → run directory."""
    protocol_settings: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    """Per protocol, per setting key, per language: that protocol's settings (e.g. the mella-2024
    blocks the authors printed without the 1,300-character cuts)."""
    notes: tuple["CellNote", ...] = ()


@dataclass(frozen=True)
class CellNote:
    """A footnote on the cells of one setting and language (e.g. values whose printed block the authors
    deleted): the mark goes on the cell, on its row's macro and on the paired Δ of that language."""

    setting: str
    """'baseline' or 'mella'."""
    lang: str
    mark: str
    text: str
    protocol: str | None = None
    """Only in tables of this protocol; every table when None."""


@dataclass(frozen=True)
class TableSpec:
    id: str
    title: str
    axis: str
    metrics: tuple[str, ...]
    protocol: str = "mella-bench"
    """`mella-bench` (the metrics package) or a named protocol of `mella_bench.protocols`."""
    backbones: tuple[str, ...] | None = None
    """Only these backbones (by name); all when None."""
    paired: bool = False
    """Add a paired-bootstrap row (+MELLA − baseline) per metric; cells of languages whose two runs
    were scored against different references say so instead of a difference."""


@dataclass(frozen=True)
class Published:
    """A number reported in the paper, with where it comes from."""

    backbone: str
    axis: str
    metric: str
    lang: str
    values: dict[str, float]
    """Setting key → value."""
    provenance: str
    protocol: str = "mella-bench"
    """The scoring the number was made with; shown only in tables of that protocol."""


@dataclass(frozen=True)
class TablesConfig:
    path: Path
    output: Path
    backbones: tuple[Backbone, ...]
    tables: tuple[TableSpec, ...]
    published: tuple[Published, ...]
    digits: int = 2
    resamples: int = RESAMPLES


def _need(d: dict, key: str, where: str, kind: type = str) -> Any:
    if key not in d:
        raise ConfigError(f"{where}: missing field '{key}'")
    if not isinstance(d[key], kind):
        raise ConfigError(f"{where}.{key}: expected {kind.__name__}, got {type(d[key]).__name__}")
    return d[key]


def load_config(path: Path) -> TablesConfig:
    """Read and validate tables.yaml (and the published-numbers file it names); paths are relative to it."""
    path = Path(path)
    raw = load_yaml(path)
    root = path.parent
    backbones = []
    for i, b in enumerate(_need(raw, "backbones", str(path), list)):
        where = f"{path}: backbones[{i}]"
        if not isinstance(b, dict):
            raise ConfigError(f"{where}: expected a mapping")
        runs = {key: root / _need(b, key, where) for key, _ in SETTINGS if key in b}
        if not runs:
            raise ConfigError(f"{where}: give at least one of {', '.join(k for k, _ in SETTINGS)} (a run directory)")
        psets = b.get("protocol_settings") or {}
        if not isinstance(psets, dict):
            raise ConfigError(f"{where}.protocol_settings: expected a mapping protocol → setting → language → settings")
        backbones.append(Backbone(_need(b, "name", where), runs, psets, _cell_notes(b.get("notes") or [], where)))
    tables = []
    for i, t in enumerate(_need(raw, "tables", str(path), list)):
        where = f"{path}: tables[{i}]"
        axis = _need(t, "axis", where)
        if axis not in AXIS_TITLES:
            raise ConfigError(f"{where}.axis: expected one of {', '.join(AXIS_TITLES)}, got '{axis}'")
        protocol = str(t.get("protocol", "mella-bench"))
        if protocol not in ("mella-bench", *_protocols()):
            raise ConfigError(f"{where}.protocol: unknown protocol '{protocol}'")
        only = t.get("backbones")
        tables.append(TableSpec(_table_id(_need(t, "id", where), where), _need(t, "title", where), axis,
                                tuple(_need(t, "metrics", where, list)), protocol,
                                tuple(only) if only else None, bool(t.get("paired", False))))
    published: tuple[Published, ...] = ()
    if raw.get("published"):
        published = load_published(root / str(raw["published"]))
    return TablesConfig(path, root / str(raw.get("output", "tables")), tuple(backbones), tuple(tables), published,
                        int(raw.get("digits", 2)), int(raw.get("resamples", RESAMPLES)))


def _cell_notes(raw: list, where: str) -> tuple[CellNote, ...]:
    if not isinstance(raw, list):
        raise ConfigError(f"{where}.notes: expected a list of {{setting, lang, mark, text[, protocol]}}")
    out = []
    for i, n in enumerate(raw):
        w = f"{where}.notes[{i}]"
        if not isinstance(n, dict):
            raise ConfigError(f"{w}: expected a mapping")
        setting, lang = _need(n, "setting", w), _need(n, "lang", w)
        if setting not in dict(SETTINGS):
            raise ConfigError(f"{w}.setting: expected one of {', '.join(dict(SETTINGS))}, got '{setting}'")
        if lang not in LANG_CODES:
            raise ConfigError(f"{w}.lang: unknown language '{lang}'")
        mark = _need(n, "mark", w)
        if mark in (NOT_COMPARABLE_MARK, "†", "*") or not 0 < len(mark) <= 2:
            raise ConfigError(f"{w}.mark: '{mark}' is reserved or too long (one or two characters, not ‡ † *)")
        out.append(CellNote(setting, lang, mark, _need(n, "text", w), n.get("protocol")))
    return tuple(out)


_TABLE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


def _table_id(value: str, where: str) -> str:
    """A table id names files in the output folder: a plain name, never a path (`../../x` escaped it)."""
    if not _TABLE_ID.fullmatch(value):
        raise ConfigError(f"{where}.id: '{value}' must be a plain name of letters, digits, '_' and '-' "
                          "(it names <output>/<id>.md/.tex/.csv; no '/', '.' or '..')")
    return value


def load_published(path: Path) -> tuple[Published, ...]:
    raw = load_yaml(path)
    out = []
    for i, e in enumerate(_need(raw, "entries", str(path), list)):
        where = f"{path}: entries[{i}]"
        values = {key: float(e[key]) for key, _ in SETTINGS if key in e}
        if not values:
            raise ConfigError(f"{where}: give a 'baseline' and/or 'mella' value")
        lang = _need(e, "lang", where)
        if lang not in LANG_CODES:
            raise ConfigError(f"{where}.lang: unknown language '{lang}'")
        out.append(Published(_need(e, "backbone", where), _need(e, "axis", where), _need(e, "metric", where), lang,
                             values, _need(e, "provenance", where), str(e.get("protocol", "mella-bench"))))
    return tuple(out)


# --------------------------------------------------------------------------------------------
# building the tables


def rescored_rows(run_dir: Path, metrics: Collection[str] | None = None) -> list[dict]:
    """Score rows re-derived from predictions.jsonl by the metrics package (nothing is written)."""
    return list(rescored(Path(run_dir), metrics=sorted(metrics) if metrics else None).rows)


def _load(run_dir: Path, source: Source, rows_for: RowsFor | None, metrics: Collection[str],
          progress: bool = False) -> RunData:
    if not run_dir.is_dir():
        raise FileNotFoundError(f"run directory {run_dir} (named in the tables config) does not exist; "
                                "create it with `mella-bench run` or fix the path")
    if rows_for is not None:
        return load_run(run_dir, rows_for(run_dir))
    if source == "predictions":  # values and signatures both come from the registry's metrics, now
        fresh = rescored(run_dir, metrics=sorted(metrics) if metrics else None, progress=progress)
        return load_run(run_dir, fresh.rows, fresh.signatures)
    return load_run(run_dir)


def _protocols() -> tuple[str, ...]:
    from mella_bench.protocols import PROTOCOLS

    return PROTOCOLS


def protocol_task_settings(run_dir: Path, by_lang: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """task → its mella-2024 `Settings` for the run's tasks of the languages `by_lang` names."""
    from mella_bench.protocols import mella2024
    from mella_bench.store import load_header

    header = load_header(run_dir)
    return {name: mella2024.Settings(**by_lang[info["lang"]]) for name, info in header["tasks"].items()
            if info["lang"] in by_lang}


ItemCaches = dict[Path, ItemCache]
"""Run directory → its mella-2024 item cache: what a build read and what it scored, for `tables` to write."""


def _load_protocol(run_dir: Path, protocol: str, by_lang: dict[str, dict[str, Any]],
                   caches: ItemCaches | None = None, progress: bool = False) -> RunData:
    """A run scored by a named protocol (per-language settings apply to that language's tasks), with
    that protocol's signatures (not the ones of the run's own summary.json). With `caches`, items
    found in the run's item cache (`cache.mella-2024.json`, keyed by prediction, references, settings
    and the protocol's code) are not scored again."""
    from dataclasses import replace

    from mella_bench.protocols import mella2024

    assert protocol == mella2024.NAME
    if not run_dir.is_dir():
        raise FileNotFoundError(f"run directory {run_dir} (named in the tables config) does not exist")
    per_task = protocol_task_settings(run_dir, by_lang)
    cache = None
    if caches is not None:
        cache = caches.setdefault(run_dir, mella2024.load_item_cache(run_dir))
    rows = mella2024.protocol_rows(run_dir, per_task=per_task, meteor_workers=2,  # a batch job: both cores
                                   cache=cache, progress=progress)
    summary = mella2024.summarize(run_dir, rows, mella2024.Settings(), per_task, resamples=0)
    sigs = {(task, metric): e["signature"] for task, t in summary["tasks"].items() for metric, e in t["metrics"].items()}
    return replace(load_run(run_dir, rows), signatures=sigs)


def _aggregates_for(spec: TableSpec, aggregates: Callable[[str], Any]) -> Callable[[str], Any]:
    """A named protocol's metrics are plain means over items (its rows store `[value]`)."""
    if spec.protocol == "mella-bench":
        return aggregates
    from mella_bench.stats import mean_aggregate

    return lambda metric: mean_aggregate


@dataclass(frozen=True)
class TableCell:
    table: str
    row: str
    column: str
    text: str
    est: Estimate | None = None
    source: str = ""
    signature: str = ""
    metric: str = ""
    setting: str = ""
    """Row label of the setting ('baseline', '+MELLA', ...): signature notes say which row used which."""
    notes: tuple[str, ...] = ()
    """Footnotes whose mark ends `text` (e.g. '‡ hu: ...')."""


def _fmt(est: Estimate, digits: int) -> str:
    if est.value is None:
        return MISSING
    if est.ci is None:
        return f"{est.value:.{digits}f}"
    return f"{est.value:.{digits}f} [{est.ci.low:.{digits}f}, {est.ci.high:.{digits}f}]"


def _row_name(backbone: str, setting: str, metric: str, spec: TableSpec, published: bool = False) -> str:
    name = f"{backbone} / {setting}" + (" (published†)" if published else "")
    return f"{name} / {metric}" if len(spec.metrics) > 1 else name


PAIRED_LABEL = "Δ +MELLA − baseline (paired)"
AS_MELLA_LABEL = "baseline, +MELLA's settings"
"""Row of the baseline scored with the +MELLA row's protocol settings: what the Δ subtracts, when the
printed baseline was scored otherwise (the authors' baselines without the 1,300-character cuts)."""
NOT_COMPARABLE_MARK = "‡"
NOT_COMPARABLE = f"not comparable {NOT_COMPARABLE_MARK}"


class _Runs:
    """Runs loaded once per (directory, protocol, settings)."""

    def __init__(self, cfg: TablesConfig, source: Source, rows_for: RowsFor | None,
                 caches: ItemCaches | None = None, progress: bool = False) -> None:
        self.cfg, self.source, self.rows_for = cfg, source, rows_for
        self.caches, self.progress = caches, progress
        self.loaded: dict[tuple[Path, str, str], RunData] = {}

    def get(self, run_dir: Path, protocol: str, settings: dict[str, dict[str, Any]] | None = None) -> RunData:
        key = (run_dir, protocol, json.dumps(settings or {}, sort_keys=True))
        if key not in self.loaded:
            if protocol == "mella-bench":
                self.loaded[key] = _load(run_dir, self.source, self.rows_for,
                                         {m for t in self.cfg.tables if t.protocol == "mella-bench" for m in t.metrics},
                                         self.progress)
            else:
                self.loaded[key] = _load_protocol(run_dir, protocol, settings or {}, self.caches, self.progress)
        return self.loaded[key]


def _settings(b: Backbone, protocol: str, key: str) -> dict[str, dict[str, Any]]:
    return b.protocol_settings.get(protocol, {}).get(key, {}) if protocol != "mella-bench" else {}


def _run_cells(spec: TableSpec, b: Backbone, run: RunData, run_dir: Path, label: str, cfg: TablesConfig,
               aggregates: Callable[[str], Any]) -> list[TableCell]:
    """One row per metric of one run: value [CI] per language and the macro over all 8."""
    out = []
    for metric in spec.metrics:
        per = run.by_lang(spec.axis, metric)
        ests, macro = language_estimates(list(per.values()), aggregates(metric), cfg.resamples, run.seed)
        by = dict(zip(per, ests))
        by["macro"] = macro if len(per) == len(LANG_CODES) else Estimate(None, None, macro.n, macro.n_failed)
        row = _row_name(b.name, label, metric, spec)
        for col in list(LANG_CODES) + ["macro"]:
            est = by.get(col)
            sig = run.signatures.get((per[col].task, metric), "") if col in per else ""
            out.append(TableCell(spec.id, row, col, _fmt(est, cfg.digits) if est else MISSING, est,
                                 _rel(run_dir, cfg.path.parent), sig, metric, label))
    return out


def build_cells(cfg: TablesConfig, source: Source = "predictions", rows_for: RowsFor | None = None,
                aggregates: Callable[[str], Any] = metric_aggregate, caches: ItemCaches | None = None,
                progress: bool = False) -> list[TableCell]:
    """Every cell of every table, ours first (value [95% CI]), then the published rows."""
    runs = _Runs(cfg, source, rows_for, caches, progress)
    cells: list[TableCell] = []
    columns = list(LANG_CODES) + ["macro"]
    base_aggregates = aggregates
    for spec in cfg.tables:
        aggregates = _aggregates_for(spec, base_aggregates)
        for b in cfg.backbones:
            if spec.backbones is not None and b.name not in spec.backbones:
                continue
            mine: list[TableCell] = []
            for key, label in SETTINGS:
                if key in b.runs:
                    run = runs.get(b.runs[key], spec.protocol, _settings(b, spec.protocol, key))
                    mine += _run_cells(spec, b, run, b.runs[key], label, cfg, aggregates)
            if spec.paired and all(k in b.runs for k, _ in SETTINGS):
                mine += _paired_rows(spec, b, runs, cfg, aggregates)
            cells += _with_notes(spec, b, mine)
        for pub_backbone in dict.fromkeys(p.backbone for p in cfg.published
                                          if p.axis == spec.axis and p.protocol == spec.protocol):
            for key, label in SETTINGS:
                for metric in spec.metrics:
                    entries = {p.lang: p for p in cfg.published if p.backbone == pub_backbone and p.axis == spec.axis
                               and p.metric == metric and key in p.values and p.protocol == spec.protocol}
                    if not entries:
                        continue
                    row = _row_name(pub_backbone, label, metric, spec, published=True)
                    for col in columns:
                        p = entries.get(col)
                        cells.append(TableCell(spec.id, row, col, f"{p.values[key]:.{cfg.digits}f}" if p else MISSING,
                                               None, p.provenance if p else "", "", metric))
    return cells


def _paired_rows(spec: TableSpec, b: Backbone, runs: _Runs, cfg: TablesConfig,
                 aggregates: Callable[[str], Any]) -> list[TableCell]:
    """The Δ row, both runs under the +MELLA row's settings: where the printed baseline was scored with
    other settings (e.g. without the cuts), the baseline is scored again with the +MELLA settings and
    shown in its own row, so that the Δ is the difference of two rows of the table."""
    base_dir, mella_dir = b.runs["baseline"], b.runs["mella"]
    mella_settings = _settings(b, spec.protocol, "mella")
    base_settings = _settings(b, spec.protocol, "baseline")
    out = []
    if any(mella_settings.get(l, {}) != base_settings.get(l, {}) for l in LANG_CODES):
        base = runs.get(base_dir, spec.protocol, mella_settings)
        out += _run_cells(spec, b, base, base_dir, AS_MELLA_LABEL, cfg, aggregates)
    else:
        base = runs.get(base_dir, spec.protocol, base_settings)
    mella = runs.get(mella_dir, spec.protocol, mella_settings)
    return out + _paired_cells(spec, b, base, mella, cfg, aggregates)


def _paired_cells(spec: TableSpec, b: Backbone, base: RunData, mella: RunData, cfg: TablesConfig,
                  aggregates: Callable[[str], Any]) -> list[TableCell]:
    """Per language (and macro over all 8): +MELLA − baseline on the items that are the same item in both
    runs (`mella_bench.reports.pairing`), with its paired-bootstrap 95% CI and sign-flip p; a language whose runs
    do not share their items is marked not comparable, with the reason in a footnote."""
    from mella_bench.reports.pairing import pair_runs, unknown
    from mella_bench.stats import compare_macro, compare_task

    pairings = pair_runs(b.runs["baseline"], b.runs["mella"])
    out = []
    for metric in spec.metrics:
        row = _row_name(b.name, PAIRED_LABEL, metric, spec)
        pa, pb = base.by_lang(spec.axis, metric), mella.by_lang(spec.axis, metric)
        valid, invalid = [], []
        for col in LANG_CODES:
            if col not in pa or col not in pb:
                out.append(TableCell(spec.id, row, col, MISSING, metric=metric, setting=PAIRED_LABEL))
                continue
            pairing = pairings.get((col, spec.axis)) or unknown(col, spec.axis, b.runs["baseline"], b.runs["mella"])
            if not pairing.comparable:
                invalid.append(col)
                out.append(TableCell(spec.id, row, col, NOT_COMPARABLE, metric=metric, source="pairing",
                                     setting=PAIRED_LABEL, notes=(_not_comparable_note(col, pairing.reason),)))
                continue
            pair = (pa[col].without(pairing.differ), pb[col].without(pairing.differ))
            c = compare_task(*pair, aggregates(metric), cfg.resamples, base.seed)
            valid.append(pair)
            out.append(TableCell(spec.id, row, col, _fmt_delta(c, cfg.digits), metric=metric,
                                 source="paired test", setting=PAIRED_LABEL))
        if valid and not invalid and len(valid) == len(LANG_CODES):
            c = compare_macro(valid, aggregates(metric), cfg.resamples, base.seed)
            out.append(TableCell(spec.id, row, "macro", _fmt_delta(c, cfg.digits), metric=metric,
                                 source="paired test", setting=PAIRED_LABEL))
        else:
            out.append(TableCell(spec.id, row, "macro", f"{MISSING} {NOT_COMPARABLE_MARK}" if invalid else MISSING,
                                 metric=metric, source="paired test", setting=PAIRED_LABEL))
    return out


def _not_comparable_note(lang: str, reason: str | None) -> str:
    return (f"{NOT_COMPARABLE_MARK} {lang}: the baseline and +MELLA runs do not score the same items — {reason}; "
            f"their {lang} cells, the {lang} Δ and every macro that includes {lang} compare different test sets: "
            "separate numbers, not a gain.")


def _marked(cell: TableCell, mark: str, note: str) -> TableCell:
    """The cell with `mark` after its text and `note` among its footnotes (once)."""
    if cell.text == MISSING or note in cell.notes:
        return cell
    text = cell.text if cell.text.endswith(f" {mark}") else f"{cell.text} {mark}"
    return replace(cell, text=text, notes=cell.notes + (note,))


def _with_notes(spec: TableSpec, b: Backbone, cells: list[TableCell]) -> list[TableCell]:
    """Marks of one backbone's cells: every cell (and macro) of a language the paired test found not
    comparable, and the backbone's own cell notes (the cell, its row's macro, its Δ)."""
    invalid = {c.column: c.notes[0] for c in cells if c.text == NOT_COMPARABLE and c.notes}
    setting_label = dict(SETTINGS)
    out = []
    for c in cells:
        for lang, note in invalid.items():
            if c.column in (lang, "macro") and c.setting != PAIRED_LABEL:
                c = _marked(c, NOT_COMPARABLE_MARK, note)
        for n in b.notes:
            if n.protocol not in (None, spec.protocol) or c.column not in (n.lang, "macro"):
                continue
            own_row = c.setting == setting_label[n.setting] or (n.setting == "baseline" and c.setting == AS_MELLA_LABEL)
            if own_row or (c.setting == PAIRED_LABEL and c.column == n.lang):
                c = _marked(c, n.mark, f"{n.mark} {n.lang}, {setting_label[n.setting]}: {n.text}")
        out.append(c)
    return out


def _fmt_delta(c: Any, digits: int) -> str:
    from mella_bench.stats import format_p

    p = format_p(c.p)
    return f"{c.delta:+.{digits}f} [{c.ci.low:+.{digits}f}, {c.ci.high:+.{digits}f}] p{p if p.startswith('<') else '=' + p}"


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _columns_header(spec: TableSpec) -> tuple[str, ...]:
    return ("row",) + tuple(c.upper() for c in LANG_CODES) + ("macro",)


def _table(spec: TableSpec, cells: Sequence[TableCell], cfg: TablesConfig) -> Table:
    mine = [c for c in cells if c.table == spec.id]
    rows = list(dict.fromkeys(c.row for c in mine))
    at = {(c.row, c.column): c.text for c in mine}
    body = tuple((r,) + tuple(at.get((r, col), MISSING) for col in list(LANG_CODES) + ["macro"]) for r in rows)
    first_pub = next((i for i, r in enumerate(rows) if "(published†)" in r), None)
    return Table(spec.title, _columns_header(spec), body, sections=(first_pub,) if first_pub else (),
                 notes=tuple(f"- {n}" for n in _notes(spec, mine, cfg)))


def _notes(spec: TableSpec, cells: Sequence[TableCell], cfg: TablesConfig) -> list[str]:
    ours = [c for c in cells if c.est is not None]
    notes = ["Ours: value [95% percentile-bootstrap CI over items, "
             f"{cfg.resamples} resamples, each run's seed]; macro = mean over the 8 languages (— unless all 8 are scored)."]
    ns = {(c.row, c.column): c.est for c in ours if c.column != "macro" and c.est and c.est.value is not None}
    if ns:
        n_vals = sorted({e.n for e in ns.values()})
        failed = sorted({f"{r} {col}: {e.n_failed}" for (r, col), e in ns.items() if e.n_failed})
        notes.append(f"n per cell (items scored): {', '.join(map(str, n_vals))}; "
                     + (f"failed items: {'; '.join(failed)}." if failed else "no failed items."))
    runs = dict.fromkeys((" / ".join(c.row.split(" / ")[:2]), c.source) for c in ours)
    notes.append("Runs: " + "; ".join(f"{row} ← `{src}`" for row, src in runs) + ".")
    sigs: dict[tuple[str, str], dict[str, list[str]]] = {}
    for c in ours:
        if c.column != "macro" and c.signature:
            langs = sigs.setdefault((c.metric, c.signature), {}).setdefault(c.setting, [])
            if c.column not in langs:
                langs.append(c.column)
    settings = {c.setting for c in ours}
    notes += [f"Signature of {metric} {_covers(rows, settings)}: `{sig}`" for (metric, sig), rows in sigs.items()]
    provs = dict.fromkeys(c.source for c in cells if c.est is None and c.source and "(published†)" in c.row)
    if any(PAIRED_LABEL in c.row for c in cells):
        from mella_bench.stats import MIN_PAIRED_N, PERMUTATIONS

        as_mella = any(c.setting == AS_MELLA_LABEL for c in cells)
        notes.append(f"{PAIRED_LABEL}: difference on the items that are the same item in both runs (same id, "
                     "references, keywords and prompt) [95% paired-bootstrap CI] and the two-sided p of a paired "
                     f"sign-flip permutation test (all 2^n flips when 2^n ≤ {PERMUTATIONS:,}, else {PERMUTATIONS:,} "
                     f"random flips); macro only when all 8 languages are comparable. Both runs are scored with the "
                     "+MELLA row's settings"
                     + (f", so the Δ subtracts the row '{AS_MELLA_LABEL}', not the printed baseline row, where their "
                        "settings differ" if as_mella else "")
                     + f". A difference on fewer than {MIN_PAIRED_N} items is never called significant.")
    notes += list(dict.fromkeys(n for c in cells for n in c.notes))
    notes += [f"† Published number, not ours: {p}" for p in provs]
    return notes


def _lang_order(langs: Sequence[str]) -> list[str]:
    return [l for l in LANG_CODES if l in langs]


def _covers(rows: dict[str, list[str]], settings: set[str]) -> str:
    """'[ar,cs]' when a signature covers these languages in every row, else which row used it where:
    '— baseline [ar,cs,hu]; +MELLA [ar]' (rows of one table may be scored with different settings)."""
    langs = {tuple(_lang_order(v)) for v in rows.values()}
    if set(rows) == settings and len(langs) == 1:
        return f"[{','.join(langs.pop())}]"
    return "— " + "; ".join(f"{setting} [{','.join(_lang_order(v))}]" for setting, v in rows.items())


def cells_csv(cells: Sequence[TableCell]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["table", "row", "column", "text", "value", "ci_low", "ci_high", "n", "n_failed", "source", "signature"])
    for c in cells:
        e = c.est
        w.writerow([c.table, c.row, c.column, c.text,
                    "" if not e or e.value is None else f"{e.value:.4f}",
                    "" if not e or not e.ci else f"{e.ci.low:.4f}", "" if not e or not e.ci else f"{e.ci.high:.4f}",
                    "" if not e else e.n, "" if not e else e.n_failed, c.source, c.signature])
    return buf.getvalue()


def render(cfg: TablesConfig, cells: Sequence[TableCell]) -> dict[Path, str]:
    """File path → content for every table: <output>/<id>.md, .tex, .csv."""
    files: dict[Path, str] = {}
    for spec in cfg.tables:
        t = _table(spec, cells, cfg)
        head = (f"<!-- generated by `mella-bench tables` from {cfg.path.name}; do not edit: "
                "`mella-bench tables --check` fails when this file and the runs disagree -->\n\n")
        files[cfg.output / f"{spec.id}.md"] = head + markdown_table(t, level=2)
        files[cfg.output / f"{spec.id}.tex"] = ("% generated by `mella-bench tables`; do not edit\n"
                                                + latex_table(t))
        files[cfg.output / f"{spec.id}.csv"] = cells_csv([c for c in cells if c.table == spec.id])
    return files


def build(config: Path, source: Source = "predictions", rows_for: RowsFor | None = None,
          aggregates: Callable[[str], Any] = metric_aggregate, caches: ItemCaches | None = None,
          progress: bool = False) -> tuple[TablesConfig, dict[Path, str]]:
    cfg = load_config(Path(config))
    return cfg, render(cfg, build_cells(cfg, source, rows_for, aggregates, caches, progress))


def write_tables(config: Path, source: Source = "predictions", rows_for: RowsFor | None = None,
                 aggregates: Callable[[str], Any] = metric_aggregate, cache: bool = True,
                 progress: bool = False) -> list[Path]:
    """`mella-bench tables`: (re)write every table file, and the protocol item cache of each run a
    named-protocol table read (only the entries this build used); returns the table paths written."""
    from mella_bench.protocols import mella2024

    caches: ItemCaches = {}
    cfg, files = build(config, source, rows_for, aggregates, caches if cache else None, progress)
    cfg.output.mkdir(parents=True, exist_ok=True)
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    for run_dir, item_cache in caches.items():
        mella2024.save_item_cache(run_dir, item_cache)
    return list(files)


# --------------------------------------------------------------------------------------------
# the check


def _csv_cells(text: str) -> dict[tuple[str, str, str], str]:
    return {(r["table"], r["row"], r["column"]): r["text"] for r in csv.DictReader(io.StringIO(text))}


def cell_differences(committed_csv: str, regenerated_csv: str) -> list[str]:
    """One line per cell that differs, naming table, row and column."""
    old, new = _csv_cells(committed_csv), _csv_cells(regenerated_csv)
    out = []
    for key in list(dict.fromkeys(list(old) + list(new))):
        a, b = old.get(key), new.get(key)
        if a != b:
            table, row, col = key
            out.append(f"table {table}, row '{row}', column '{col}': committed {a!r} → regenerated {b!r}")
    return out


def check_tables(config: Path, source: Source = "predictions", rows_for: RowsFor | None = None,
                 aggregates: Callable[[str], Any] = metric_aggregate, cache: bool = True,
                 progress: bool = False) -> tuple[bool, str]:
    """Regenerate in memory and compare with the committed files: (ok, human-readable report).

    Writes nothing. Named-protocol items are taken from each run's item cache where their key (inputs,
    settings, protocol code) is there, and scored otherwise (`cache=False`: all of them); the report
    says how many were scored. The cached values themselves are checked against a full recomputation
    by tests/protocols/test_mella2024_exact.py."""
    caches: ItemCaches = {}
    cfg, files = build(config, source, rows_for, aggregates, caches if cache else None, progress)
    scored = sum(c.computed for c in caches.values())
    note = (f"\n{scored} mella-2024 item(s) were not in the runs' item caches and were scored; "
            "`mella-bench tables` writes them" if scored else "")
    problems: list[str] = []
    for path, text in files.items():
        if not path.is_file():
            problems.append(f"{path}: missing (run `mella-bench tables` and commit the result)")
            continue
        committed = path.read_text(encoding="utf-8")
        if committed == text:
            continue
        if path.suffix == ".csv":
            problems += [f"{path}: {d}" for d in cell_differences(committed, text)] or [f"{path}: differs"]
        diff = difflib.unified_diff(committed.splitlines(), text.splitlines(), f"{path} (committed)",
                                    f"{path} (regenerated from the runs)", lineterm="", n=0)
        problems.append("\n".join(diff))
    if not problems:
        return True, f"tables up to date: {len(files)} files under {cfg.output}" + note
    return False, ("the committed tables differ from what the runs produce "
                   "(run `mella-bench tables` and commit, or revert the runs):\n" + "\n".join(problems) + note)


__all__ = ["TablesConfig", "build", "build_cells", "cell_differences", "check_tables", "load_config",
           "protocol_task_settings", "rescored_rows", "write_tables"]
