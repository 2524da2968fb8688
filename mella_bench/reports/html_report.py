"""The HTML report: one self-contained static file (index.html) per report folder.

Leaderboard (language × axis with CIs and significance marks against the first run), the plots,
every signature, and a per-sample viewer: for each item its image, prompt, references and keywords
and every run's answer side by side, with keywords found/missed highlighted (the metric's own
matcher, via `keyword_hits`), per-item metric values, language fidelity and the judge's verdict.

No server and no network: CSS and JavaScript are inline, plots are embedded as data URIs, images
are embedded or linked relative to the report (`images`), and the samples travel as one JSON block
that the page renders on demand, a page of items at a time (fast for 16 tasks × 1,000 items ×
several runs: only the visible page is in the DOM). Every string from a run or dataset reaches
the page as JSON data and is inserted with `textContent`, never as markup.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import mimetypes
import os
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Mapping, Sequence

from mella_bench import __version__
from mella_bench.judge.agreement_report import agreement_html
from mella_bench.langs import LANG_CODES, LANGUAGES
from mella_bench.langs import AXES
from mella_bench.metrics.registry import get_metric, paper_metrics, sort_metrics
from mella_bench.reports.render import AXIS_TITLES, decimals
from mella_bench.reports.leaderboard import (VS_FIRST_MARKS, Cell, Comparison, ReportData, ReportWriter, skipped_text, verdict,
                                vs_first)
from mella_bench.reports.runs import RunData
from mella_bench.store import atomic_write, load_header, task_data_source
from mella_bench.reports.samples import Sample, iter_samples
from mella_bench.stats import MIN_PAIRED_N

INDEX_HTML = "index.html"
ImageMode = Literal["auto", "embed", "link", "none"]
IMAGE_MODES: tuple[str, ...] = ("auto", "embed", "link", "none")
EMBED_BUDGET_BYTES = 25 * 2**20
"""`auto` embeds images while their total stays under this; above it they are linked (relative paths)."""


def metric_title(metric: str) -> str:
    """The registry's display name of a metric (judge dimensions included)."""
    try:
        return get_metric(metric).title or metric
    except ValueError:  # a metric this version does not know (an older run's summary)
        return metric


# --------------------------------------------------------------------------------------------
# leaderboard


def _sig_marks(comps: Sequence[Comparison], runs: Sequence[RunData]) -> dict[tuple[int, str, str, str], tuple[str, str]]:
    """(run index, axis, metric, lang) → (mark, explanation) for every later run vs the first."""
    index = {r.label: i for i, r in enumerate(runs)}
    marks = {}
    for comp in comps:
        i = index.get(comp.label_b)
        if i is None:
            continue
        for c in list(comp.per_lang) + ([comp.macro] if comp.macro else []):
            mark = VS_FIRST_MARKS.get(vs_first(c, None), "")
            marks[(i, comp.axis, comp.metric, c.label)] = (mark, verdict(c, comp.label_a, comp.label_b))
        for sk in comp.skipped:
            marks[(i, comp.axis, comp.metric, sk.label)] = (VS_FIRST_MARKS.get(vs_first(None, sk), ""),
                                                            skipped_text(sk, comp.metric))
    return marks


def _cell_html(cell: Cell | None, run_index: int, axis: str, metric: str, lang: str,
               mark: tuple[str, str] | None) -> str:
    attrs = f'data-run="{run_index}" data-axis="{axis}" data-metric="{html.escape(metric)}" data-lang="{lang}"'
    if cell is None or cell.est.value is None:
        return f'<td class="cell empty" {attrs}><span class="v">—</span></td>'
    e, d = cell.est, decimals(metric)
    ci = f'<span class="ci">[{e.ci.low:.{d}f}, {e.ci.high:.{d}f}]</span>' if e.ci else ""
    failed = f", {e.n_failed} failed ({100 * e.failure_rate:.0f}%)" if e.n_failed else ""
    title = f"n={e.n}{failed}"
    sig = ""
    if mark and mark[0]:
        kind = {"▲": "up", "▼": "down"}.get(mark[0], "nc")
        sig = f'<span class="sig {kind}" title="{html.escape(mark[1])}">{mark[0]}</span>'
    elif mark:
        title += f"; {mark[1]}"
    return (f'<td class="cell" {attrs} data-value="{e.value!r}" title="{html.escape(title)}">'
            f'<span class="v">{e.value:.{d}f}</span>{sig}{ci}</td>')


def leaderboard_html(runs: Sequence[RunData], cells: Sequence[Cell], comps: Sequence[Comparison]) -> str:
    """One table per (axis, metric): rows = runs, columns = languages + macro. Paper metrics first,
    then language fidelity and judge dimensions; the other metrics in a collapsed block."""
    at = {(c.run, c.axis, c.metric, c.lang): c for c in cells}
    marks = _sig_marks(comps, runs)
    main, more = [], []
    for axis in AXES:
        metrics = sort_metrics(c.metric for c in cells if c.axis == axis)
        ordered = [m for m in paper_metrics(axis) if m in metrics] + [m for m in metrics if m not in paper_metrics(axis)]
        for metric in ordered:
            langs = [l for l in LANG_CODES if any(c.axis == axis and c.metric == metric and c.lang == l for c in cells)]
            cols = langs + ["macro"]
            head = "".join(f'<th scope="col" title="{html.escape(LANGUAGES[l].name) if l in LANGUAGES else "mean over languages"}">{l}</th>'
                           for l in cols)
            rows = []
            for i, r in enumerate(runs):
                tds = "".join(_cell_html(at.get((r.label, axis, metric, l)), i, axis, metric, l,
                                         marks.get((i, axis, metric, l))) for l in cols)
                rows.append(f'<tr><th scope="row">{html.escape(r.label)}</th>{tds}</tr>')
            paper = metric in paper_metrics(axis)
            table = (f'<table class="lb" data-axis="{axis}" data-metric="{html.escape(metric)}">'
                     f'<caption>{html.escape(AXIS_TITLES[axis])}: <b>{html.escape(metric_title(metric))}</b>'
                     f'{" (paper)" if paper else ""}</caption><thead><tr><th>run</th>{head}</tr></thead>'
                     f'<tbody>{"".join(rows)}</tbody></table>')
            (main if paper or metric == "fidelity" or metric.startswith("judge:") else more).append(table)
    out = "".join(main)
    if more:
        out += f'<details class="more"><summary>Every other metric ({len(more)})</summary>{"".join(more)}</details>'
    return out


def signatures_html(runs: Sequence[RunData], cells: Sequence[Cell]) -> str:
    """Every distinct signature of every (axis, metric), with the languages and runs it covers."""
    parts = []
    for axis in AXES:
        for metric in sort_metrics(c.metric for c in cells if c.axis == axis):
            groups: dict[str, list[Cell]] = {}
            for c in cells:
                if c.axis == axis and c.metric == metric and c.lang != "macro":
                    groups.setdefault(c.signature, []).append(c)
            items = []
            for sig, members in groups.items():
                langs = ",".join(l for l in LANG_CODES if any(c.lang == l for c in members))
                who = ", ".join(r.label for r in runs if any(c.run == r.label for c in members))
                items.append(f'<li><code>{html.escape(sig or "no signature (summary.json missing)")}</code>'
                             f' <span class="who">[{langs}; {html.escape(who)}]</span></li>')
            parts.append(f'<h4>{axis}: {html.escape(metric)}</h4><ul class="sigs">{"".join(items)}</ul>')
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# samples as JSON


@dataclass
class _Images:
    """Image table of the page: each distinct image once, embedded (data URI) or linked (relative URL)."""

    out_dir: Path
    mode: str
    urls: list[str]
    index: dict[str, int]

    def add(self, sample: Sample, path: Path | None) -> tuple[int, str | None]:
        """(index into the table or -1, why there is no image)."""
        if sample.item is None:
            return -1, sample.item_problem
        if self.mode == "none":
            return -1, "images left out of this report (--images none)"
        data = sample.item.image_bytes
        if data is None and path is None:
            return -1, "the item has no image"
        if self.mode == "link":
            if path is None:
                return -1, ("image stored inside the dataset: not copied into a report over the embedding budget "
                            "(--images embed forces it)")
            url = Path(os.path.relpath(path.resolve(), self.out_dir.resolve())).as_posix()
            return self._put(str(path), url), None
        if data is None:
            try:
                data = path.read_bytes()  # type: ignore[union-attr]
            except OSError as exc:
                return -1, f"image not readable: {exc}"
        key = hashlib.sha1(data).hexdigest()
        if key in self.index:
            return self.index[key], None
        mime = mimetypes.guess_type(str(path or sample.item.image))[0] or "image/png"
        return self._put(key, f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"), None

    def _put(self, key: str, url: str) -> int:
        if key not in self.index:
            self.index[key] = len(self.urls)
            self.urls.append(url)
        return self.index[key]


def _image_path(sample: Sample, root: Path | None) -> Path | None:
    it = sample.item
    if it is None or it.image_bytes is not None or not getattr(it, "image", None) or root is None:
        return None
    return root / it.image


def _choose_mode(mode: str, paths: Sequence[Path | None], inline_bytes: int = 0) -> str:
    """`auto` → embed when all images (files and bytes stored in the dataset) fit the budget, else link."""
    if mode != "auto":
        return mode
    total = inline_bytes
    for p in {p for p in paths if p is not None}:
        try:
            total += p.stat().st_size
        except OSError:
            pass
    return "embed" if total <= EMBED_BUDGET_BYTES else "link"


def _answer_json(s: Sample) -> dict[str, Any]:
    a = s.answer
    out: dict[str, Any] = {"s": a.status}
    if a.text:
        out["x"] = a.text
    if a.error:
        out["e"] = a.error
    if a.scores:
        out["m"] = {m.metric: (None if m.value is None else round(m.value, 4)) for m in a.scores}
        reasons = {m.metric: m.reason for m in a.scores if m.reason and (m.status != "ok" or m.metric == "fidelity")}
        if reasons:
            out["r"] = reasons
    if a.keywords:
        out["k"] = [[int(h.found), int(h.found_strict), [list(sp) for sp in h.spans]] for h in a.keywords]
    if a.judgments:
        out["j"] = [{"rubric": j.rubric, "status": j.status, "score": j.score, "raw": j.raw_score, "cap": j.cap_reason,
                     "evidence": j.evidence, "fields": dict(j.fields), "reason": j.reason} for j in a.judgments]
    return out


def samples_json(runs: Sequence[RunData], out_dir: Path, images: str = "auto") -> dict[str, Any]:
    """The viewer's data: one entry per (task, item) across the runs, each run's answer in run order."""
    from mella_bench.data.dataset import Dataset

    datasets: dict[str, Dataset | str] = {}
    per_run: list[list[Sample]] = []
    problems: list[str | None] = []
    headers: list[dict[str, Any]] = []
    for r in runs:
        try:
            per_run.append(list(iter_samples(r.path, datasets, with_images=False)))
            headers.append(load_header(r.path))
            problems.append(None)
        except (OSError, KeyError, ValueError) as exc:  # not a full run directory (e.g. scores only)
            per_run.append([])
            headers.append({})
            problems.append(f"samples not shown: {type(exc).__name__}: {exc}")
    roots = {}
    for r, header in zip(runs, headers):
        for info in header.get("tasks", {}).values():
            src = task_data_source(r.path, info)
            ds = datasets.get(src)
            roots[src] = ds.root if isinstance(ds, Dataset) else None
    keys: dict[tuple[str, str], list[int]] = {}
    first: list[Sample] = []
    answers: list[list[dict[str, Any] | None]] = []
    data_of: list[str] = []
    for ri, samples in enumerate(per_run):
        header = headers[ri]
        for s in samples:
            entries = keys.setdefault((s.task, s.item_id), [])
            i = next((e for e in entries if _same_item(first[e], s)), None)
            if i is None:  # a new item, or the same id asked with other references/keywords/prompt
                i = len(first)
                entries.append(i)
                first.append(s)
                answers.append([None] * len(runs))
                data_of.append(task_data_source(runs[ri].path, header["tasks"][s.task]))
            elif first[i].item is None and s.item is not None:
                first[i] = s
            answers[i][ri] = _answer_json(s)
    order = sorted(range(len(first)), key=lambda i: (AXES.index(first[i].axis) if first[i].axis in AXES else 9,
                                                     LANG_CODES.index(first[i].lang) if first[i].lang in LANG_CODES else 99,
                                                     first[i].task, i))
    paths = [_image_path(first[i], roots.get(data_of[i])) for i in range(len(first))]
    variants = {i for entries in keys.values() if len(entries) > 1 for i in entries}
    inline = sum(len(s.item.image_bytes) for s in first if s.item is not None and s.item.image_bytes is not None)
    table = _Images(out_dir, _choose_mode(images, paths, inline), [], {})
    prompts: list[str] = []
    prompt_ix: dict[str, int] = {}
    items = []
    for i in order:
        s = first[i]
        img, why = table.add(s, paths[i])
        if s.prompt not in prompt_ix:
            prompt_ix[s.prompt] = len(prompts)
            prompts.append(s.prompt)
        rec: dict[str, Any] = {"t": s.task, "id": s.item_id, "lang": s.lang, "axis": s.axis, "p": prompt_ix[s.prompt],
                               "img": img, "a": answers[i]}
        if why:
            rec["noimg"] = why
        if i in variants:
            rec["variant"] = ("the runs asked this item id with different references, keywords or prompt: each "
                              "version is shown with the answers of the runs that were asked it")
        if s.item is not None:
            rec["refs"] = list(s.item.references)
            if s.item.keywords:
                rec["kw"] = list(s.item.keywords)
        elif s.item_problem:
            rec["problem"] = s.item_problem
        items.append(rec)
    metrics = sort_metrics({m for it in items for a in it["a"] if a for m in a.get("m", {})})
    return {"runs": [{"label": r.label, "dir": str(r.path), **({"problem": why} if why else {})}
                     for r, why in zip(runs, problems)],
            "langs": {c: {"name": l.name, "native": l.native, "rtl": l.rtl} for c, l in LANGUAGES.items()},
            "metrics": metrics, "titles": {m: metric_title(m) for m in metrics},
            "decimals": {m: decimals(m) for m in metrics}, "prompts": prompts, "images": table.urls,
            "image_mode": table.mode, "items": items}


def _same_item(a: Sample, b: Sample) -> bool:
    """Whether two runs' samples of one (task, item id) were asked the same thing (an item that could not be
    loaded in one run is taken to be the same: its answers still belong together)."""
    if a.item is None or b.item is None:
        return True
    return (a.prompt, a.item.references, a.item.keywords) == (b.prompt, b.item.references, b.item.keywords)


def json_for_script(data: Any) -> str:
    """JSON that is safe inside <script type="application/json"> (no '</script>' can close it)."""
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
            .replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


# --------------------------------------------------------------------------------------------
# the page


def asset(name: str) -> str:
    return (resources.files("mella_bench") / "html_assets" / name).read_text(encoding="utf-8")


def page_head(title: str, img_src: str, css: str) -> str:
    """Doctype and <head> of every page mella-bench writes: a Content-Security-Policy that allows no
    network access (inline style and script; images only from `img_src`), the title and inline CSS."""
    return f"""<!DOCTYPE html>
<html lang="en" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src {img_src}; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>{html.escape(title)}</title>
<style>{css}</style>
</head>
"""


def _plot_html(plots: Sequence[Path]) -> str:
    figs = []
    for p in plots:
        data = base64.b64encode(Path(p).read_bytes()).decode("ascii")
        figs.append(f'<figure><img alt="{html.escape(p.stem)}" src="data:image/png;base64,{data}">'
                    f'<figcaption>{html.escape(p.name)}</figcaption></figure>')
    return "".join(figs) or "<p>No plots in this report (made with --no-plots).</p>"


def render_html(runs: Sequence[RunData], cells: Sequence[Cell], comps: Sequence[Comparison],
                plots: Sequence[Path], samples: Mapping[str, Any], resamples: int,
                agreements: Sequence[tuple[str, Mapping[str, Any], str | None]] = ()) -> str:
    run_rows = "".join(f"<tr><td>{i + 1}</td><td>{html.escape(r.label)}</td><td><code>{html.escape(str(r.path))}</code>"
                       f"</td><td>{r.seed}</td></tr>" for i, r in enumerate(runs))
    baseline = html.escape(runs[0].label) if runs else ""
    agreement = "".join(agreement_html(doc, f"Judge-human agreement: {label}", note) for label, doc, note in agreements)
    sig_note = (f"▲/▼: significantly above/below the first run ({baseline}) by a paired sign-flip permutation test "
                f"on the items that are the same item in both runs, Holm-corrected across languages, never below "
                f"{MIN_PAIRED_N} common items; ≠: not comparable with it (references, keywords or prompt differ). "
                "Paper metrics; hover for Δ, CI and p, or why." if len(runs) > 1 else "")
    return page_head(f"mella-bench report: {', '.join(r.label for r in runs)}", "data: file: 'self'",
                     asset("report.css")) + f"""<body>
<header class="top"><h1>mella-bench report</h1>
<nav><a href="#leaderboard">Leaderboard</a> <a href="#plots">Plots</a> <a href="#signatures">Signatures</a>
<a href="#samples">Samples</a>{' <a href="#agreement">Agreement</a>' if agreement else ""}</nav></header>
<main>
<section id="runs"><table class="runs"><thead><tr><th>#</th><th>run</th><th>directory</th><th>seed</th></tr></thead>
<tbody>{run_rows}</tbody></table>
<p class="meta">mella-bench {__version__} · generated {time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}</p></section>
<section id="leaderboard"><h2>Leaderboard</h2>
<p class="note">Cells: value and its 95% percentile-bootstrap CI over items ({resamples} resamples, each run's seed;
corpus metrics recomputed on every resample). <i>macro</i> = mean over the row's languages. Hover a cell for n and
failures. {sig_note} Click a cell to see its samples.</p>
{leaderboard_html(runs, cells, comps)}</section>
{f'<section id="agreement"><h2>Judge-human agreement</h2>{agreement}</section>' if agreement else ""}
<section id="plots"><h2>Plots</h2><div class="plots">{_plot_html(plots)}</div></section>
<section id="signatures"><h2>Signatures</h2><p class="note">What each number is: tokenizer, matcher, metric version,
n, failure rate, CI method (and judge model and rubric hash for judge dimensions).</p>
<details><summary>Show every signature</summary>{signatures_html(runs, cells)}</details></section>
<section id="samples"><h2>Samples</h2><div id="viewer"><p class="note">The sample viewer needs JavaScript.</p></div></section>
</main>
<script type="application/json" id="mella-data">{json_for_script(samples)}</script>
<script>{asset("dom.js")}{asset("viewer.js")}</script>
</body>
</html>
"""


def write_html_report(runs: Sequence[RunData], cells: Sequence[Cell], comps: Sequence[Comparison],
                      plots: Sequence[Path], out_dir: Path, resamples: int, images: str = "auto",
                      agreements: Sequence[tuple[str, Mapping[str, Any], str | None]] = ()) -> Path:
    """Write OUT/index.html (see the module docstring); returns its path."""
    if images not in IMAGE_MODES:
        raise ValueError(f"images must be one of {', '.join(IMAGE_MODES)}, got '{images}'")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    page = render_html(runs, cells, comps, plots, samples_json(runs, out_dir, images), resamples, agreements)
    path = out_dir / INDEX_HTML
    atomic_write(path, page)
    return path


def html_writer(images: str = "auto") -> ReportWriter:
    """A `write_report` writer that adds index.html to the report folder."""
    if images not in IMAGE_MODES:
        raise ValueError(f"images must be one of {', '.join(IMAGE_MODES)}, got '{images}'")

    def write(data: ReportData) -> Path:
        return write_html_report(data.runs, data.cells, data.comparisons, data.plots, data.out_dir, data.resamples,
                                 images, data.agreements)

    return write
