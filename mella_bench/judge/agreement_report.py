"""`mella-bench judge agreement`: does the judge agree with native speakers, and do they agree with
each other? Labels (from `mella-bench label`) joined with the runs' current answers and judgments.

A label names the item (task, item identity) and the exact answer (its hash). It is used only when
a given run still holds that answer for that item; otherwise it is reported with the reason (the
item's content changed, the answer changed, or the item is not in the runs given) and left out.

Per language (and all languages pooled) and per rubric, two comparisons:
- judge–human: the judge's score of an answer against each labeller's score of it (one pair per
  answer × labeller); preferences: the judge's preference derived from its two pointwise scores
  (higher score wins, equal scores a tie) against each labeller's preference;
- human–human: every two labellers of the same answer (or pair of answers).
Coefficients and their bootstrap CIs over items are computed by `mella_bench.judge.agreement`.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from mella_bench import __version__
from mella_bench.judge.agreement import (PREFERENCE_METRICS, SCALE_METRICS, BootstrapSpec, Coefficient, Pairs,
                                   coefficient)
from mella_bench.langs import LANG_CODES, LANGUAGES
from mella_bench.stats import ALPHA, RESAMPLES

AGREEMENT_JSON = "agreement.json"
AGREEMENT_FORMAT = "mella-agreement"
FORMAT_VERSION = 1
MIN_ITEMS = 30
"""Fewer items than this in a row and the row says it is too few to conclude (docs/labelling.md
shows the CI widths behind the number)."""
JUDGE_HUMAN, HUMAN_HUMAN = "judge-human", "human-human"
SCALE_RANGE = (1, 2, 3, 4, 5)
METRIC_TITLES = {"kappa_qw": "κ_w", "alpha_ordinal": "α_ord", "alpha_interval": "α_int", "spearman": "ρ",
                 "pairwise_accuracy": "acc"}
DEFINITIONS = {
    "kappa_qw": "Cohen's kappa with quadratic weights over the 1-5 scale (1 - sum w*O / sum w*E)",
    "alpha_ordinal": "Krippendorff's alpha, ordinal difference, from the coincidence matrix",
    "alpha_interval": "Krippendorff's alpha, interval difference (v - v')^2",
    "spearman": "Spearman's rank correlation (Pearson's r of mid-ranks)",
    "pairwise_accuracy": "share of comparisons with the same outcome among {A better, tie, B better}; the judge's "
                         "preference is the higher of its two pointwise scores (equal = tie)",
    "judge-human": "one pair per (answer, labeller): the judge's score and the labeller's",
    "human-human": "one pair per two labellers of the same answer (kappa, rho, accuracy); alpha weights each pair "
                   "1/(m - 1) for an answer labelled m times",
}


# --------------------------------------------------------------------------------------------
# the runs' current answers and judge scores


@dataclass(frozen=True)
class RunAnswers:
    """(task, item id) → item identity → answer hash → rubric → judge score (ok judgments only)."""

    answers: Mapping[tuple[str, str], Mapping[str, Mapping[str, Mapping[str, int]]]]
    runs: tuple[Mapping[str, Any], ...]
    """dir, label and judge settings of each run."""


def run_answers(run_dirs: Sequence[Path], wanted: set[tuple[str, str]]) -> RunAnswers:
    """The current ok answers of the wanted (task, item id)s in every run, with their judge scores."""
    from mella_bench.data.dataset import Dataset
    from mella_bench.data.identity import identity_of
    from mella_bench.judge.labels import answer_hash
    from mella_bench.store import load_header, task_data_source
    from mella_bench.reports.runs import model_label
    from mella_bench.reports.samples import item_image, iter_samples

    datasets: dict[str, Any] = {}
    identities: dict[tuple[str, str], str] = {}
    out: dict[tuple[str, str], dict[str, dict[str, dict[str, int]]]] = {}
    runs = []
    for run_dir in map(Path, run_dirs):
        header = load_header(run_dir)
        judge = header.get("judge") or {}
        runs.append({"dir": str(run_dir), "label": model_label(header), "judge_model": judge.get("model"),
                     "rubric_hashes": {r: v.get("hash") for r, v in (judge.get("rubrics") or {}).items()}})
        for s in iter_samples(run_dir, datasets, with_images=False):
            if (s.task, s.item_id) not in wanted or s.item is None or s.answer.status != "ok":
                continue
            src = task_data_source(run_dir, header["tasks"][s.task])
            ds = datasets.get(src)
            if (src, s.item_id) not in identities and isinstance(ds, Dataset):
                identities[(src, s.item_id)] = identity_of(s.item, item_image(ds, s.item)[0])
            identity = identities.get((src, s.item_id))
            if identity is None:
                continue
            scores = {j.rubric: int(j.score) for j in s.answer.judgments if j.status == "ok" and j.score is not None}
            slot = out.setdefault((s.task, s.item_id), {}).setdefault(identity, {}).setdefault(
                answer_hash(s.answer.text), {})
            for rubric, score in scores.items():
                slot.setdefault(rubric, score)  # the same text in two runs: the first run's judge
    return RunAnswers(out, tuple(runs))


def match(label: Any, runs: RunAnswers) -> str:
    """'ok', or why the label cannot be used with these runs."""
    by_identity = runs.answers.get((label.task, label.item_id))
    if by_identity is None:
        return "item not in the given runs"
    answers = by_identity.get(label.item_identity)
    if answers is None:
        return "item changed since labelling (image, references or keywords)"
    if not all(h in answers for h in label.answer_hashes):
        return "answer changed since labelling (or its run was not given)"
    return "ok"


# --------------------------------------------------------------------------------------------
# rows


@dataclass(frozen=True)
class Row:
    lang: str
    """Language code or 'all'."""
    rubric: str
    question: str
    """'scale' or 'preference'."""
    comparison: str
    coefficients: tuple[Coefficient, ...]
    n_labellers: int
    note: str | None

    @property
    def n_items(self) -> int:
        return max((c.n_items for c in self.coefficients), default=0)

    @property
    def n_pairs(self) -> int:
        return max((c.n_pairs for c in self.coefficients), default=0)

    def to_json(self) -> dict[str, Any]:
        return {"lang": self.lang, "rubric": self.rubric, "question": self.question, "comparison": self.comparison,
                "n_items": self.n_items, "n_pairs": self.n_pairs, "n_labellers": self.n_labellers,
                "metrics": {c.metric: c.to_json() for c in self.coefficients}, "note": self.note}


@dataclass
class _Collector:
    """Rating pairs of one (language, rubric, question, comparison) as they are gathered."""

    items: dict[tuple[str, str], int]
    item: list[int]
    a: list[float]
    b: list[float]
    weight: list[float]
    labellers: set[str]

    @staticmethod
    def new() -> "_Collector":
        return _Collector({}, [], [], [], [], set())

    def add(self, item: tuple[str, str], a: float, b: float, weight: float = 1.0) -> None:
        self.item.append(self.items.setdefault(item, len(self.items)))
        self.a.append(a), self.b.append(b), self.weight.append(weight)

    def pairs(self) -> Pairs:
        return Pairs.of(self.item, self.a, self.b, len(self.items), self.weight)


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def collect(labels: Sequence[Any], runs: RunAnswers) -> dict[tuple[str, str, str, str], _Collector]:
    """(lang, rubric, question, comparison) → rating pairs, for each language and for 'all'."""
    scale: dict[tuple[str, str, str, str, str], dict[str, int]] = {}
    prefs: dict[tuple[str, str, str, str, tuple[str, str]], dict[str, int]] = {}
    for lab in labels:
        if lab.question == "scale":
            scale.setdefault((lab.lang, lab.rubric, lab.task, lab.item_identity, lab.answer), {})[lab.labeller] = \
                int(lab.value)
        else:
            pair = tuple(sorted(lab.shown))
            outcome = 0 if lab.preferred is None else (1 if lab.preferred == pair[0] else -1)
            prefs.setdefault((lab.lang, lab.rubric, lab.task, lab.item_identity, pair), {})[lab.labeller] = outcome
    out: dict[tuple[str, str, str, str], _Collector] = {}

    def sinks(lang: str, rubric: str, question: str, comparison: str) -> list[_Collector]:
        return [out.setdefault((g, rubric, question, comparison), _Collector.new()) for g in (lang, "all")]

    def judge_of(task: str, identity: str, answer: str, rubric: str, item_id: str) -> int | None:
        return runs.answers.get((task, item_id), {}).get(identity, {}).get(answer, {}).get(rubric)

    item_ids = {(lab.task, lab.item_identity): lab.item_id for lab in labels}
    for (lang, rubric, task, identity, answer), by_labeller in sorted(scale.items()):
        item, names = (task, identity), sorted(by_labeller)
        j = judge_of(task, identity, answer, rubric, item_ids[item])
        for c in sinks(lang, rubric, "scale", JUDGE_HUMAN):
            if j is not None:
                for n in names:
                    c.add(item, j, by_labeller[n])
                c.labellers.update(names)
        for c in sinks(lang, rubric, "scale", HUMAN_HUMAN):
            m = len(names)
            for x in range(m):
                for y in range(x + 1, m):
                    c.add(item, by_labeller[names[x]], by_labeller[names[y]], 1.0 / (m - 1))
            if m > 1:
                c.labellers.update(names)
    for (lang, rubric, task, identity, pair), by_labeller in sorted(prefs.items()):
        item, names = (task, identity), sorted(by_labeller)
        s1, s2 = (judge_of(task, identity, h, rubric, item_ids[item]) for h in pair)
        for c in sinks(lang, rubric, "preference", JUDGE_HUMAN):
            if s1 is not None and s2 is not None:
                for n in names:
                    c.add(item, _sign(s1 - s2), by_labeller[n])
                c.labellers.update(names)
        for c in sinks(lang, rubric, "preference", HUMAN_HUMAN):
            for x in range(len(names)):
                for y in range(x + 1, len(names)):
                    c.add(item, by_labeller[names[x]], by_labeller[names[y]])
            if len(names) > 1:
                c.labellers.update(names)
    return out


def _note(coefs: Sequence[Coefficient], min_items: int) -> str | None:
    notes = []
    n = max((c.n_items for c in coefs), default=0)
    if n == 0:
        return "no rating pairs"
    if n < min_items:
        notes.append(f"n={n} items < {min_items}: too few to conclude")
    first = coefs[0]
    if first.problem:
        notes.append(f"{METRIC_TITLES.get(first.metric, first.metric)}: {first.problem}")
    return "; ".join(notes) or None


def agreement_rows(labels: Sequence[Any], runs: RunAnswers, spec: BootstrapSpec = BootstrapSpec(),
                   min_items: int = MIN_ITEMS) -> list[Row]:
    rows = []
    order = {code: i for i, code in enumerate(LANG_CODES + ("all",))}
    for (lang, rubric, question, comparison), c in sorted(
            collect(labels, runs).items(),
            key=lambda kv: (order.get(kv[0][0], 99), kv[0][1], kv[0][2] != "scale", kv[0][3] != JUDGE_HUMAN)):
        metrics = SCALE_METRICS if question == "scale" else PREFERENCE_METRICS
        pairs = c.pairs()
        stream = f"agreement/{lang}/{rubric}/{question}/{comparison}"
        coefs = tuple(coefficient(pairs, m, SCALE_RANGE if question == "scale" else None, spec, stream)
                      for m in metrics)
        rows.append(Row(lang, rubric, question, comparison, coefs, len(c.labellers), _note(coefs, min_items)))
    return rows


# --------------------------------------------------------------------------------------------
# the command


def compute_agreement(run_dirs: Sequence[Path], label_paths: Sequence[Path], resamples: int = RESAMPLES,
                      seed: int = 0, min_items: int = MIN_ITEMS, alpha: float = ALPHA) -> dict[str, Any]:
    """agreement.json's content."""
    from mella_bench.judge.labels import latest, read_labels

    records, problems = read_labels(label_paths)
    labels = list(latest(records).values())
    runs = run_answers(run_dirs, {(lab.task, lab.item_id) for lab in labels})
    used, excluded = [], {}
    examples: list[str] = []
    for lab in labels:
        why = match(lab, runs)
        if why == "ok":
            used.append(lab)
            continue
        excluded[why] = excluded.get(why, 0) + 1
        if len(examples) < 20:
            examples.append(f"{lab.labeller} {lab.task} {lab.item_id} {lab.rubric} {lab.question}: {why}")
    spec = BootstrapSpec(resamples, seed, alpha)
    rows = agreement_rows(used, runs, spec, min_items)
    judge_hashes = {r: h for run in runs.runs for r, h in run["rubric_hashes"].items()}
    asked = sorted({(lab.rubric, lab.rubric_hash) for lab in used if lab.rubric_hash
                    and judge_hashes.get(lab.rubric) not in (None, lab.rubric_hash)})
    notes = [f"run {run['dir']} is not judged: no judge-human rows from it" for run in runs.runs if not run["judge_model"]]
    notes += [f"labels of {r} were asked under rubric hash {h}; the judge used {judge_hashes[r]}" for r, h in asked]
    if problems:
        notes.append(f"{len(problems)} label line(s) were not valid and were skipped, e.g. {problems[0]}")
    return {"format": AGREEMENT_FORMAT, "format_version": FORMAT_VERSION, "mella_bench": __version__,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "runs": list(runs.runs),
            "labels": {"files": [str(p) for p in label_paths], "records": len(records), "latest": len(labels),
                       "used": len(used), "excluded": excluded, "excluded_examples": examples,
                       "invalid_lines": problems[:50], "n_invalid_lines": len(problems)},
            "bootstrap": {"method": "percentile", "unit": "item", "resamples": resamples, "seed": seed,
                          "level": 1 - alpha, "max_undefined_share": spec.max_undefined_share},
            "min_items": min_items, "definitions": DEFINITIONS, "notes": notes,
            "rows": [r.to_json() for r in rows]}


def agreement_run(run_dirs: Sequence[Path], label_paths: Sequence[Path], out: Path | None = None,
                  resamples: int = RESAMPLES, seed: int = 0, min_items: int = MIN_ITEMS,
                  plot: bool = True) -> tuple[dict[str, Any], Path, Path | None]:
    """Compute and write agreement.json (default: in the first run) and agreement.png beside it."""
    from mella_bench.store import RunDir, write_json

    from mella_bench.reports.figures import agreement_plot

    doc = compute_agreement(run_dirs, label_paths, resamples, seed, min_items)
    if out is None:  # inside the run: the JSON and its plot written under the run's lock, like every run file
        store = RunDir(Path(run_dirs[0]))
        path = store.path / AGREEMENT_JSON
        with store.session():
            store.write_document(AGREEMENT_JSON, doc)
            files = agreement_plot(doc, path.with_suffix(".png")) if plot else None
    else:
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json(path, doc)
        files = agreement_plot(doc, path.with_suffix(".png")) if plot else None
    return doc, path, files.png if files else None


def load_agreement(run_dir: Path) -> dict[str, Any] | None:
    """RUN/agreement.json when `judge agreement` wrote one (None otherwise)."""
    from mella_bench.store import read_json

    path = Path(run_dir) / AGREEMENT_JSON
    if not path.is_file():
        return None
    doc = read_json(path, AGREEMENT_JSON)
    if doc.get("format") != AGREEMENT_FORMAT or doc.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{path}: not an agreement file of format {AGREEMENT_FORMAT} v{FORMAT_VERSION}; "
                         "rerun `mella-bench judge agreement`")
    return doc


def stale_judge_note(doc: Mapping[str, Any], header: Mapping[str, Any]) -> str | None:
    """Says so when the run has been judged differently since its agreement was computed."""
    judge = header.get("judge") or {}
    now = {r: v.get("hash") for r, v in (judge.get("rubrics") or {}).items()}
    first = next((r for r in doc.get("runs", []) if r.get("judge_model")), None)
    if first is None or (first["judge_model"] == judge.get("model") and first["rubric_hashes"] == now):
        return None
    return (f"computed for judge {first['judge_model']} ({first['rubric_hashes']}); the run is now judged by "
            f"{judge.get('model')} ({now}): rerun `mella-bench judge agreement`")


# --------------------------------------------------------------------------------------------
# rendering


def _cell(m: Mapping[str, Any] | None) -> str:
    if not m or m.get("value") is None:
        return "—"
    ci = m.get("ci")
    return f"{m['value']:.2f} [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else f"{m['value']:.2f}"


COLUMNS = ("kappa_qw", "alpha_ordinal", "alpha_interval", "spearman", "pairwise_accuracy")


def table_rows(doc: Mapping[str, Any]) -> list[list[str]]:
    """Header + one row per agreement row (strings), shared by the text, Markdown and HTML forms."""
    out = [["lang", "dimension", "comparison", "items", "pairs"] + [METRIC_TITLES[c] for c in COLUMNS] + ["note"]]
    for r in doc["rows"]:
        dim = r["rubric"] if r["question"] == "scale" else f"{r['rubric']}: preference"
        out.append([r["lang"], dim, r["comparison"], str(r["n_items"]), str(r["n_pairs"])]
                   + [_cell(r["metrics"].get(c)) if c in r["metrics"] else "" for c in COLUMNS] + [r["note"] or ""])
    return out


def _caption(doc: Mapping[str, Any]) -> str:
    b, lab = doc["bootstrap"], doc["labels"]
    judges = ", ".join(sorted({str(r["judge_model"]) for r in doc["runs"] if r.get("judge_model")})) or "none"
    return (f"Judge-human and human-human agreement (judge: {judges}); value [{100 * b['level']:.0f}% percentile "
            f"bootstrap CI over items, {b['resamples']} resamples, seed {b['seed']}]. Labels: {lab['used']} used of "
            f"{lab['latest']}" + (f"; excluded: " + ", ".join(f"{n} {why}" for why, n in lab["excluded"].items())
                                 if lab["excluded"] else "") + ".")


def format_agreement(doc: Mapping[str, Any]) -> str:
    rows = table_rows(doc)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    lines = [_caption(doc)] + ["  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1] for r in rows]
    return "\n".join(lines + [f"note: {n}" for n in doc.get("notes", [])])


def agreement_markdown(doc: Mapping[str, Any], title: str, level: int = 2, extra_note: str | None = None) -> str:
    rows = table_rows(doc)
    out = [f"{'#' * level} {title}", "", _caption(doc), ""]
    out += ["| " + " | ".join(rows[0]) + " |", "|" + "|".join("---" if i < 3 else "---:" for i in range(len(rows[0]) - 1))
            + "|---|"]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows[1:]]
    out += [""] + [f"- {n}" for n in list(doc.get("notes", [])) + ([extra_note] if extra_note else [])] + [""]
    return "\n".join(out)


def agreement_html(doc: Mapping[str, Any], title: str, extra_note: str | None = None) -> str:
    rows = table_rows(doc)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows[1:])
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in list(doc.get("notes", [])) + ([extra_note] if extra_note else []))
    return (f'<h3>{html.escape(title)}</h3><p class="note">{html.escape(_caption(doc))}</p>'
            f'<table class="lb agreement"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
            + (f"<ul>{notes}</ul>" if notes else ""))
