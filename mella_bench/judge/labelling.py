"""Labelling rounds: native speakers score a stratified sample of a run's answers on the judge's
own rubrics, in one self-contained HTML page, and the labels they export come back to the harness.

A round is a folder: `index.html` (the page: image, prompt, references and one or two answers per
unit, blind to run names and to the judge, answer order randomised), `plan.json` (the seeded sample
plan: strata with their population and sample sizes, each unit's items, answers, runs and the order
shown) and, once labels are imported, `labels.jsonl`. The page keeps labels in the browser
(localStorage) and exports them as JSONL records keyed by item identity and answer hash, so a label
always names the exact text it judged: when a run's answer changes, the labels of the old answer no
longer match it and are reported as stale, never used for the new one.

Questions come from the rubric files (`judges/*.yaml`): the 1–5 scale and its anchors, the
criterion and the language's checklist; the preference options (A, B, tie) come from the pairwise
answer schema of the judge template.
"""

from __future__ import annotations

import base64
import hashlib
import json
import mimetypes
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from mella_bench import __version__
from mella_bench.langs import AXES, LANG_CODES, LANGUAGES
from mella_bench.judge.labels import (FORMAT_VERSION, LABEL_FORMAT, LABELS_JSONL, QUESTIONS, Label, answer_hash, latest,
                                parse_time, read_labels)
from mella_bench.store import atomic_write, read_json, write_json, write_jsonl
from mella_bench.stats import task_stream

PLAN_JSON, PAGE_HTML = "plan.json", "index.html"
PLAN_FORMAT = "mella-label-plan"
BANDS: tuple[tuple[str, float, float], ...] = (("low", 1.0, 2.5), ("mid", 2.5, 3.5), ("high", 3.5, 5.0))
"""Judge score bands (mean judge score of the answers shown, on the task's first rubric): low [1, 2.5),
mid [2.5, 3.5), high [3.5, 5]. Sampling each band equally puts the whole scale in front of labellers;
a judge that gives 4 to most answers would otherwise leave the low end almost unlabelled."""
UNJUDGED = "unjudged"


def band_of(score: float | None) -> str:
    if score is None:
        return UNJUDGED
    return next(name for name, lo, hi in BANDS if lo <= score < hi or (hi == BANDS[-1][2] and score == hi))


# --------------------------------------------------------------------------------------------
# the sample plan


@dataclass(frozen=True)
class PlannedAnswer:
    slot: str
    """Where the page shows it: 'A' (first) or 'B'."""
    run: int
    """Index into the plan's runs."""
    prediction_key: str
    hash: str
    """`answer_hash` of the text shown."""


@dataclass(frozen=True)
class Unit:
    """One screen of the page: an item with one or two answers, asked every rubric of its task."""

    id: str
    task: str
    item_id: str
    item_identity: str
    lang: str
    axis: str
    band: str
    rubrics: tuple[str, ...]
    answers: tuple[PlannedAnswer, ...]

    def to_json(self) -> dict[str, Any]:
        return {"unit": self.id, "task": self.task, "item_id": self.item_id, "item_identity": self.item_identity,
                "lang": self.lang, "axis": self.axis, "band": self.band, "rubrics": list(self.rubrics),
                "answers": [{"slot": a.slot, "run": a.run, "prediction_key": a.prediction_key, "hash": a.hash}
                            for a in self.answers]}

    @staticmethod
    def from_json(d: Mapping[str, Any]) -> "Unit":
        return Unit(d["unit"], d["task"], d["item_id"], d["item_identity"], d["lang"], d["axis"], d["band"],
                    tuple(d["rubrics"]), tuple(PlannedAnswer(a["slot"], int(a["run"]), a["prediction_key"], a["hash"])
                                               for a in d["answers"]))


@dataclass(frozen=True)
class Stratum:
    lang: str
    axis: str
    band: str
    population: int
    """Candidate units in the stratum."""
    sampled: int

    @property
    def weight(self) -> float:
        """Inverse sampling fraction: how many candidate units one sampled unit stands for."""
        return self.population / self.sampled if self.sampled else 0.0


@dataclass(frozen=True)
class Plan:
    """What was sampled and shown, and how (everything a later reader needs to check or redo it)."""

    round: str
    seed: int
    per_lang: int
    answers_per_unit: int
    runs: tuple[Mapping[str, Any], ...]
    """Per run: dir, label, model hash, judge settings (the page never shows them)."""
    rubrics: Mapping[str, Mapping[str, Any]]
    """Rubric id → hash, version and scale values, as the page asked them."""
    strata: tuple[Stratum, ...]
    units: tuple[Unit, ...]
    created: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"format": PLAN_FORMAT, "format_version": FORMAT_VERSION, "round": self.round, "created": self.created,
                "mella_bench": __version__, "seed": self.seed, "per_lang": self.per_lang,
                "answers_per_unit": self.answers_per_unit,
                "bands": {name: [lo, hi] for name, lo, hi in BANDS},
                "band_rule": "mean judge score of the answers shown on the task's first rubric; "
                             "'unjudged' when any of them has no ok judgment",
                "runs": [dict(r) for r in self.runs], "rubrics": {k: dict(v) for k, v in self.rubrics.items()},
                "strata": [{"lang": s.lang, "axis": s.axis, "band": s.band, "population": s.population,
                            "sampled": s.sampled, "weight": s.weight} for s in self.strata],
                "units": [u.to_json() for u in self.units]}

    @staticmethod
    def from_json(d: Mapping[str, Any], where: str) -> "Plan":
        if d.get("format") != PLAN_FORMAT or d.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{where}: not a labelling plan of format {PLAN_FORMAT} v{FORMAT_VERSION}")
        return Plan(d["round"], int(d["seed"]), int(d["per_lang"]), int(d["answers_per_unit"]), tuple(d["runs"]),
                    d["rubrics"], tuple(Stratum(s["lang"], s["axis"], s["band"], s["population"], s["sampled"])
                                        for s in d["strata"]),
                    tuple(Unit.from_json(u) for u in d["units"]), d.get("created", ""))


def load_plan(round_dir: Path) -> Plan:
    path = Path(round_dir) / PLAN_JSON
    if not path.is_file():
        raise FileNotFoundError(f"{round_dir} is not a labelling round (no {PLAN_JSON}); make one with "
                                "`mella-bench label RUN --output DIR`")
    return Plan.from_json(read_json(path, PLAN_JSON), str(path))


@dataclass(frozen=True)
class _Candidate:
    """An item with the ok answers of the runs that were asked the same thing."""

    task: str
    item_id: str
    lang: str
    axis: str
    prompt: str
    rubrics: tuple[str, ...]
    sample: Any
    """The first run's `samples.Sample` (item and prompt)."""
    data_source: str
    answers: tuple[tuple[int, Any], ...]
    """(run index, samples.Sample) per run with an ok answer."""


def allocate(n: int, sizes: Sequence[int]) -> list[int]:
    """Split n draws as equally as the strata allow: a stratum smaller than its share gives the
    rest to the others (in order), so the total is min(n, sum(sizes))."""
    alloc = [0] * len(sizes)
    left = min(n, sum(sizes))
    while left > 0:
        open_ = [i for i, s in enumerate(sizes) if alloc[i] < s]
        share = max(1, left // len(open_))
        for i in open_:
            give = min(share, sizes[i] - alloc[i], left)
            alloc[i] += give
            left -= give
            if left == 0:
                break
    return alloc


def _candidates(run_dirs: Sequence[Path], langs: tuple[str, ...] | None, rubrics: tuple[str, ...] | None,
                datasets: dict[str, Any]) -> tuple[list[_Candidate], list[dict[str, Any]]]:
    from mella_bench.store import load_header, task_data_source
    from mella_bench.reports.runs import model_label
    from mella_bench.reports.samples import iter_samples

    groups: dict[tuple[Any, ...], list[tuple[int, Any]]] = {}
    firsts: dict[tuple[Any, ...], tuple[str, tuple[str, ...]]] = {}
    runs = []
    for ri, run_dir in enumerate(run_dirs):
        header = load_header(Path(run_dir))
        runs.append({"index": ri, "dir": str(run_dir), "label": model_label(header),
                     "model_hash": header["model"]["hash"], "judge": header.get("judge")})
        for s in iter_samples(Path(run_dir), datasets, with_images=False):
            if s.answer.status != "ok" or s.item is None or (langs and s.lang not in langs):
                continue
            task_rubrics = tuple(r for r in header["tasks"][s.task].get("rubrics", []) if not rubrics or r in rubrics)
            if not task_rubrics:
                continue
            key = (s.task, s.item_id, s.prompt, s.item.references, s.item.keywords)
            groups.setdefault(key, []).append((ri, s))
            firsts.setdefault(key, (task_data_source(Path(run_dir), header["tasks"][s.task]), task_rubrics))
    out = []
    for key, answers in groups.items():
        first = answers[0][1]
        src, task_rubrics = firsts[key]
        out.append(_Candidate(first.task, first.item_id, first.lang, first.axis, first.prompt, task_rubrics, first,
                              src, tuple(answers)))
    return out, runs


def _judge_score(sample: Any, rubric: str) -> float | None:
    j = next((j for j in sample.answer.judgments if j.rubric == rubric and j.status == "ok"), None)
    return float(j.score) if j is not None and j.score is not None else None


def _choose_answers(c: _Candidate, k: int, seed: int) -> tuple[tuple[int, Any], ...] | None:
    """k answers of different runs (different texts when possible), in a random order; None if too few."""
    if len(c.answers) < k:
        return None
    rng = task_stream(seed, f"label-answers/{c.task}/{c.item_id}")
    if k == 1:
        return (c.answers[int(rng.integers(len(c.answers)))],)
    pairs = [(i, j) for i in range(len(c.answers)) for j in range(i + 1, len(c.answers))]
    differ = [p for p in pairs if c.answers[p[0]][1].answer.text != c.answers[p[1]][1].answer.text]
    if not differ:  # every run gave the same text: it is shown once (nothing to prefer)
        return (c.answers[int(rng.integers(len(c.answers)))],)
    i, j = differ[int(rng.integers(len(differ)))]
    return tuple(c.answers[x] for x in ((i, j) if rng.random() < 0.5 else (j, i)))


def _band(c: _Candidate, chosen: tuple[tuple[int, Any], ...]) -> str:
    scores = [_judge_score(s, c.rubrics[0]) for _, s in chosen]
    known = [x for x in scores if x is not None]
    return band_of(sum(known) / len(known)) if len(known) == len(scores) else UNJUDGED


def _unit(c: _Candidate, chosen: tuple[tuple[int, Any], ...], band: str, identity: str) -> Unit:
    answers = tuple(PlannedAnswer("AB"[n], ri, s.answer.prediction_key or "", answer_hash(s.answer.text))
                    for n, (ri, s) in enumerate(chosen))
    uid = hashlib.sha256(json.dumps([c.task, identity, [a.hash for a in answers]]).encode()).hexdigest()[:12]
    return Unit(uid, c.task, c.item_id, identity, c.lang, c.axis, band, c.rubrics, answers)


@dataclass(frozen=True)
class Round:
    """A plan and what the page shows for it (texts and images are not in the plan)."""

    plan: Plan
    page: Mapping[str, Any]


def make_round(run_dirs: Sequence[Path], per_lang: int = 50, seed: int = 0, answers: int | None = None,
               langs: tuple[str, ...] | None = None, rubrics: tuple[str, ...] | None = None) -> Round:
    """Sample units stratified by language, axis and judge score band (equal allocation, seeded)
    and build the page's data."""
    from mella_bench.data.identity import identity_of
    from mella_bench.judge.rubric import get_rubric
    from mella_bench.reports.samples import item_image

    if per_lang < 1:
        raise ValueError("--per-lang must be at least 1")
    k = answers if answers is not None else (2 if len(run_dirs) > 1 else 1)
    if k not in (1, 2) or (k == 2 and len(run_dirs) < 2):
        raise ValueError("two answers per unit need two or more runs; use --answers 1 with a single run")
    datasets: dict[str, Any] = {}
    cands, runs = _candidates(run_dirs, langs, rubrics, datasets)
    chosen: dict[int, tuple[tuple[int, Any], ...]] = {}
    by_stratum: dict[tuple[str, str, str], list[int]] = {}
    for i, c in enumerate(cands):
        pick = _choose_answers(c, k, seed)
        if pick is None:
            continue
        chosen[i] = pick
        by_stratum.setdefault((c.lang, c.axis, _band(c, pick)), []).append(i)
    if not by_stratum:
        raise ValueError("no item has " + ("an ok answer" if k == 1 else "ok answers from two runs")
                         + " on a judged task (tasks need rubrics)" + (f" in {', '.join(langs)}" if langs else ""))
    band_order = [b for b, _, _ in BANDS] + [UNJUDGED]
    strata: list[Stratum] = []
    units: list[Unit] = []
    for lang in (l for l in LANG_CODES if any(s[0] == l for s in by_stratum)):
        keys = sorted((s for s in by_stratum if s[0] == lang), key=lambda s: (AXES.index(s[1]) if s[1] in AXES else 9,
                                                                             band_order.index(s[2])))
        alloc = allocate(per_lang, [len(by_stratum[s]) for s in keys])
        lang_units = []
        for key, n in zip(keys, alloc):
            members = by_stratum[key]
            order = task_stream(seed, "label-sample/" + "/".join(key)).permutation(len(members))[:n]
            strata.append(Stratum(*key, population=len(members), sampled=n))
            for m in sorted(int(o) for o in order):
                c = cands[members[m]]
                image, _ = item_image(datasets[c.data_source], c.sample.item)
                lang_units.append((members[m], _unit(c, chosen[members[m]], key[2], identity_of(c.sample.item, image))))
        shuffle = task_stream(seed, f"label-order/{lang}").permutation(len(lang_units))
        units.extend(lang_units[int(i)] for i in shuffle)
    used_rubrics = sorted({r for _, u in units for r in u.rubrics})
    rubric_info = {r: {"hash": get_rubric(r).hash, "version": get_rubric(r).version,
                       "scale": sorted(get_rubric(r).anchors)} for r in used_rubrics}
    round_id = hashlib.sha256(json.dumps([seed, per_lang, k, [u.id for _, u in units]]).encode()).hexdigest()[:12]
    plan = Plan(round_id, seed, per_lang, k, tuple(runs), rubric_info, tuple(strata), tuple(u for _, u in units),
                time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    return Round(plan, _page_data(plan, [(cands[i], u) for i, u in units], datasets, chosen_of={
        u.id: chosen[i] for i, u in units}))


def _data_uri(data: bytes, name: str | None) -> str:
    mime = mimetypes.guess_type(name or "")[0] or ("image/jpeg" if data[:3] == b"\xff\xd8\xff" else "image/png")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _page_data(plan: Plan, units: Sequence[tuple[_Candidate, Unit]], datasets: Mapping[str, Any],
               chosen_of: Mapping[str, tuple[tuple[int, Any], ...]]) -> dict[str, Any]:
    """What the page shows: rubric questions, languages, and per unit the item and the answer texts
    (never run names, judge scores or bands)."""
    from mella_bench.judge.rubric import get_rubric
    from mella_bench.reports.samples import item_image

    langs = sorted({u.lang for _, u in units}, key=LANG_CODES.index)
    rubrics = {}
    for r in plan.rubrics:
        rub = get_rubric(r)
        winner = rub.template["pairwise_schema"]["properties"]["winner"]["enum"]
        rubrics[r] = {"title": rub.title, "criterion": rub.criterion, "hash": rub.hash, "version": rub.version,
                      "anchors": {str(k): v for k, v in sorted(rub.anchors.items())},
                      "checklists": {lang: list(rub.checklists[lang]) for lang in langs},
                      "preference": list(winner)}
    images: list[str] = []
    image_ix: dict[str, int] = {}
    prompts: list[str] = []
    out_units = []
    for c, u in units:
        item = c.sample.item
        data, why = item_image(datasets[c.data_source], item)
        img = -1
        if data is not None:
            key = hashlib.sha1(data).hexdigest()
            if key not in image_ix:
                image_ix[key] = len(images)
                images.append(_data_uri(data, item.image))
            img = image_ix[key]
        if c.prompt not in prompts:
            prompts.append(c.prompt)
        texts = [s.answer.text for _, s in chosen_of[u.id]]
        out_units.append({"unit": u.id, "task": u.task, "item_id": u.item_id, "item_identity": u.item_identity,
                          "lang": u.lang, "axis": u.axis, "p": prompts.index(c.prompt), "img": img,
                          "noimg": why, "refs": list(item.references), "kw": list(item.keywords),
                          "rubrics": list(u.rubrics),
                          "answers": [{"slot": a.slot, "hash": a.hash, "text": t} for a, t in zip(u.answers, texts)]})
    return {"format": LABEL_FORMAT, "format_version": FORMAT_VERSION, "round": plan.round, "created": plan.created,
            "langs": {c: {"name": LANGUAGES[c].name, "native": LANGUAGES[c].native, "rtl": LANGUAGES[c].rtl}
                      for c in langs},
            "rubrics": rubrics, "prompts": prompts, "images": images, "units": out_units}


def render_page(page: Mapping[str, Any]) -> str:
    from mella_bench.reports.html_report import asset, json_for_script, page_head

    return page_head(f"mella-bench labelling round {page['round']}", "data:",
                     asset("report.css") + asset("label.css")) + f"""<body>
<header class="top"><h1>mella-bench labelling</h1><span id="status" aria-live="polite"></span></header>
<main id="app"><p class="note">This page needs JavaScript.</p></main>
<script type="application/json" id="label-data">{json_for_script(page)}</script>
<script>{asset("dom.js")}{asset("label.js")}</script>
</body>
</html>
"""


def write_round(rnd: Round, out_dir: Path) -> tuple[Path, Path]:
    """OUT/index.html and OUT/plan.json (atomically); refuses to overwrite another round's labels."""
    out_dir = Path(out_dir)
    if (out_dir / LABELS_JSONL).exists():
        old = load_plan(out_dir) if (out_dir / PLAN_JSON).is_file() else None
        if old is None or old.round != rnd.plan.round:
            raise ValueError(f"{out_dir} holds labels of another round ({LABELS_JSONL}); choose a new --output folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    page = out_dir / PAGE_HTML
    atomic_write(page, render_page(rnd.page))
    write_json(out_dir / PLAN_JSON, rnd.plan.to_json())
    return page, out_dir / PLAN_JSON


def format_plan(plan: Plan) -> str:
    """Strata table: population and sample per language, axis and band."""
    lines = [f"labelling round {plan.round}: {len(plan.units)} units, {plan.answers_per_unit} answer(s) each, "
             f"seed {plan.seed}, up to {plan.per_lang} per language",
             f"{'lang':<5} {'axis':<5} {'band':<9} {'population':>10} {'sampled':>8}"]
    lines += [f"{s.lang:<5} {s.axis:<5} {s.band:<9} {s.population:>10} {s.sampled:>8}" for s in plan.strata]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# import into a round


@dataclass(frozen=True)
class ImportResult:
    path: Path
    read: int
    new: int
    updated: int
    unchanged: int
    rejected: tuple[str, ...]
    """Lines not imported, each with file, line, field and reason."""
    stale: tuple[str, ...]
    """Imported labels whose answer the run has changed since the page was made (not used by
    `judge agreement`, which matches labels to the runs' current answers)."""
    total: int


def current_answer_hashes(plan: Plan) -> dict[tuple[int, str, str], str | None]:
    """(run index, task, item id) → hash of the run's current answer (None: no ok answer any more)."""
    from mella_bench.store import current_predictions, load_header

    out: dict[tuple[int, str, str], str | None] = {}
    wanted = {(a.run, u.task, u.item_id) for u in plan.units for a in u.answers}
    for run in plan.runs:
        ri, run_dir = int(run["index"]), Path(run["dir"])
        try:
            preds = current_predictions(run_dir, load_header(run_dir))
        except (OSError, ValueError):
            continue  # the run is gone: nothing to compare with (reported by the caller)
        for (r, task, item_id) in wanted:
            if r == ri:
                p = preds.get(task, {}).get(item_id)
                out[(r, task, item_id)] = answer_hash(p.text) if p is not None and p.status == "ok" else None
    return out


def _check_against_plan(lab: Label, units: Mapping[tuple[str, str], Unit], plan: Plan) -> str | None:
    """Why a label does not belong to this round's page (None when it does)."""
    if lab.round is not None and lab.round != plan.round:
        return f"from labelling round {lab.round}, not this round ({plan.round})"
    unit = units.get((lab.task, lab.item_identity))
    if unit is None:
        return f"item {lab.item_id} of {lab.task} (identity {lab.item_identity}) is not in this round"
    if lab.rubric not in unit.rubrics:
        return f"rubric {lab.rubric} is not asked for {lab.item_id} in this round"
    scale = plan.rubrics.get(lab.rubric, {}).get("scale")
    if lab.question == "scale" and scale and lab.value not in scale:
        return f"value {lab.value} is not on the {lab.rubric} scale {scale}"
    hashes = {a.hash for a in unit.answers}
    if not set(lab.answer_hashes) <= hashes or (lab.question == "preference" and len(unit.answers) < 2):
        return f"answer hash(es) {', '.join(lab.answer_hashes)} are not the answers this round showed for {lab.item_id}"
    return None


def import_labels(paths: Sequence[Path], round_dir: Path) -> ImportResult:
    """Validate exported label files against the round's plan and merge them into DIR/labels.jsonl:
    a label replaces the same labeller's earlier label of the same question (by time), so importing
    the same file again changes nothing."""
    round_dir = Path(round_dir)
    plan = load_plan(round_dir)
    labels, rejected = read_labels(paths)
    units = {(u.task, u.item_identity): u for u in plan.units}
    accepted = []
    for lab in labels:
        why = _check_against_plan(lab, units, plan)
        if why:
            rejected.append(f"{lab.labeller} {lab.task} {lab.item_id} {lab.rubric} {lab.question}: {why}")
        else:
            accepted.append(lab)
    store = round_dir / LABELS_JSONL
    old_labels, broken = read_labels([store]) if store.is_file() else ([], [])
    if broken:  # rewriting the store would drop these lines
        raise ValueError(f"{store} has {len(broken)} invalid line(s), e.g. {broken[0]}; fix or remove them first")
    old = latest(old_labels)
    merged = dict(old)
    new = updated = unchanged = 0
    for key, lab in latest(accepted).items():
        before = merged.get(key)
        if before is None:
            new += 1
        elif before == lab or parse_time(before.time) > parse_time(lab.time):
            unchanged += 1
            continue
        else:
            updated += 1
        merged[key] = lab
    current = current_answer_hashes(plan)
    changed = {(u.task, u.item_identity, a.hash) for u in plan.units for a in u.answers
               if current.get((a.run, u.task, u.item_id), a.hash) != a.hash}
    stale = tuple(f"{lab.labeller} {lab.task} {lab.item_id} {lab.rubric} {lab.question}: the run's answer changed "
                  "since the page was made; this label is kept but not used" for lab in merged.values()
                  if any((lab.task, lab.item_identity, h) in changed for h in lab.answer_hashes))
    read_runs = {r for r, _, _ in current}
    stale += tuple(f"run {run['dir']} cannot be read: its answers were not checked for changes"
                   for run in plan.runs if int(run["index"]) not in read_runs)
    ordered = sorted(merged.values(), key=lambda l: (LANG_CODES.index(l.lang), l.task, l.item_id, l.rubric,
                                                     QUESTIONS.index(l.question), l.answers_key, l.labeller))
    write_jsonl(store, (lab.to_json() for lab in ordered))
    return ImportResult(store, len(labels), new, updated, unchanged, tuple(rejected), stale, len(ordered))


def format_import(r: ImportResult) -> str:
    return (f"labels: {r.read} read, {r.new} new, {r.updated} updated, {r.unchanged} unchanged, "
            f"{len(r.rejected)} rejected, {len(r.stale)} stale; {r.total} in {r.path}")
