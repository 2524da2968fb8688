"""`judge calibrate`: does the judge order known variants of the same image as expected?

For each `know` item: thick (= references[0]), thin (= item.thin), hallucinated
(= item.meta["hallucinated"]) and wrong-language (another language's reference). Expected orders:
cultural depth thick > thin and thick > hallucinated; fluency target-language > wrong-language.
Reported per language as the share of comparisons the judge gets strictly right (ties count as not
right and are reported separately). This checks a judge before trusting it, it does not replace
native-speaker validation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mella_bench.data.dataset import Dataset, Item, load
from mella_bench.judge.engine import JudgeConfig, JudgeInput, run_judge
from mella_bench.judge.rubric import get_rubric
from mella_bench.langs import LANG_CODES
from mella_bench.store import JUDGMENTS, write_json
from mella_bench.data.tasks import load_registry


@dataclass(frozen=True)
class Check:
    """One expected ordering: `better` variant scores above `worse` on `rubric`."""

    name: str
    rubric: str
    better: str
    worse: str


CHECKS: tuple[Check, ...] = (
    Check("thick>thin", "cultural_depth", "thick", "thin"),
    Check("thick>hallucinated", "cultural_depth", "thick", "hallucinated"),
    Check("target>wrong_language", "linguistic_fluency", "thick", "wrong_language"),
)


def variants(item: Item, others: dict[str, list[Item]], index: int) -> dict[str, str]:
    """The texts to judge for one item; a variant whose source field is missing is left out."""
    out = {"thick": item.references[0]}
    if item.thin:
        out["thin"] = item.thin
    hall = item.meta.get("hallucinated") if item.meta else None
    if isinstance(hall, str) and hall.strip():
        out["hallucinated"] = hall
    order = [c for c in LANG_CODES if c != item.lang and others.get(c)]
    if order:  # a deterministic other language: the next one in the table that has know items
        nxt = next((c for c in LANG_CODES[LANG_CODES.index(item.lang) + 1:] + LANG_CODES if c in order), order[0])
        pool = others[nxt]
        out["wrong_language"] = pool[index % len(pool)].references[0]
    return out


def _prompts() -> dict[str, str]:
    reg = load_registry()
    return {t.lang: t.prompt for t in reg.tasks.values() if t.axis == "know"}


def calibrate(data: str, config: JudgeConfig, output: Path, langs: tuple[str, ...] = LANG_CODES,
              limit: int | None = None, progress: bool = True) -> dict[str, Any]:
    """Judge the variants of every know item and report per language how often the order is as expected."""
    ds: Dataset = load(data)
    know: dict[str, list[Item]] = {}
    for it in ds.items:
        if it.axis == "know":
            know.setdefault(it.lang, []).append(it)
    if not any(know.get(lang) for lang in langs):
        raise ValueError(f"{data}: no 'know' items in {', '.join(langs)}; calibration needs them")
    prompts = _prompts()
    jobs, index = [], []
    for lang in langs:
        for i, it in enumerate(know.get(lang, [])[:limit]):
            texts = variants(it, know, i)
            for variant, text in texts.items():
                for rubric_id in sorted({c.rubric for c in CHECKS if variant in (c.better, c.worse)}):
                    jobs.append((get_rubric(rubric_id), JudgeInput(
                        task=f"calibrate_{lang}", item_id=it.id, lang=lang, axis="know", prompt=prompts[lang],
                        candidate=text, references=it.references, keywords=it.keywords,
                        image=ds.image_bytes(it), meta={"variant": variant})))
                    index.append((lang, it.id, variant, rubric_id))
    records, counts = run_judge(config, output / JUDGMENTS, jobs, progress_desc="calibrate" if progress else None)
    scores: dict[tuple[str, str, str], dict[str, Any]] = {}
    for (lang, item_id, variant, rubric_id), rec in zip(index, records):
        scores[(item_id, variant, rubric_id)] = rec
    report = _report(scores, {lang: [it.id for it in know.get(lang, [])[:limit]] for lang in langs})
    report.update(data=data, judge=config.describe(), requests={"sent": counts.sent, "reused": counts.reused},
                  rubric_hashes={r: get_rubric(r).hash for r in {c.rubric for c in CHECKS}})
    output.mkdir(parents=True, exist_ok=True)  # only now: a failed probe leaves no empty folder
    write_json(output / "calibration.json", report)
    return report


def _report(scores: dict[tuple[str, str, str], dict[str, Any]], items: dict[str, list[str]]) -> dict[str, Any]:
    by_lang: dict[str, dict[str, Any]] = {}
    for lang, ids in items.items():
        row: dict[str, Any] = {}
        for check in CHECKS:
            c = {"n": 0, "right": 0, "ties": 0, "wrong": 0, "failed": 0}
            for iid in ids:
                hi, lo = scores.get((iid, check.better, check.rubric)), scores.get((iid, check.worse, check.rubric))
                if hi is None or lo is None:
                    continue  # variant not available for this item
                if hi["status"] != "ok" or lo["status"] != "ok":
                    c["failed"] += 1
                    continue
                c["n"] += 1
                key = "right" if hi["score"] > lo["score"] else "ties" if hi["score"] == lo["score"] else "wrong"
                c[key] += 1
            c["agreement"] = c["right"] / c["n"] if c["n"] else None
            row[check.name] = c
        by_lang[lang] = row
    return {"format_version": 1, "checks": [c.__dict__ for c in CHECKS], "by_lang": by_lang}


def format_calibration(report: dict[str, Any]) -> str:
    names = [c["name"] for c in report["checks"]]
    lines = [f"judge calibration: {report['judge']['model']} on {report['data']} (share of strictly correct "
             f"orderings; n, ties and judge failures in brackets)",
             f"{'lang':<6}" + "".join(f"{n:>30}" for n in names)]
    for lang, row in report["by_lang"].items():
        cells = []
        for n in names:
            c = row[n]
            val = f"{c['agreement']:.2f}" if c["agreement"] is not None else "  - "
            cells.append(f"{val} (n={c['n']}, tie={c['ties']}, fail={c['failed']})".rjust(30))
        lines.append(f"{lang:<6}" + "".join(cells))
    return "\n".join(lines)
