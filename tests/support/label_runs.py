"""Judged runs with scripted judge scores, and simulated labellers, for the labelling tests.

Every answer ends in `SCORE=k`; the fake judge (`marker_score`) gives exactly k, so a test knows
the judge's score of every answer from its text, and can build labellers that copy the judge,
add known noise, or answer at random.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from mella_bench.endpoint.apiclient import EndpointConfig
from mella_bench.judge import JudgeConfig, judge_run
from mella_bench.judge.labels import answer_hash
from tests.conftest import SAMPLE, write_dataset
from tests.support.fake_openai import FakeOpenAI, judge_responder, marker_score
from tests.judge.conftest import KEY_ENV, make_run


def scripted_runs(tmp: Path, langs: tuple[str, ...] = ("ar", "th"), per_axis: int = 6, n_runs: int = 2,
                  score: Callable[[int, int], int] = lambda run, i: 1 + (run + i) % 5) -> list[Path]:
    """`n_runs` judged runs of the same items; run r's answer to the i-th item of a task scores
    `score(r, i)` with the judge."""
    data = write_dataset(tmp / "data", langs=langs, per_axis=per_axis)
    runs = [make_run(tmp, langs=langs, name=f"run{r}", data=data, per_axis=per_axis) for r in range(n_runs)]
    for r, run in enumerate(runs):
        path = run / "predictions.jsonl"
        recs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        for rec in recs:
            i = int(rec["item_id"].rsplit("-", 1)[1])
            rec.update(status="ok", error=None,
                       text=f"{SAMPLE[rec['lang']][0]} ({r}:{rec['item_id']}) SCORE={score(r, i)}")
        path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in recs), encoding="utf-8")
    os.environ.setdefault(KEY_ENV, "test-key")
    with FakeOpenAI(responder=judge_responder(marker_score())) as srv:
        config = JudgeConfig(endpoint=EndpointConfig(base_url=srv.base_url, model=srv.model, api_key_env=KEY_ENV,
                                                     timeout_s=5, max_retries=1, concurrency=4), images=False)
        for run in runs:
            judge_run(run, config, progress=False)
    return runs


def judge_scores(runs: Iterable[Path]) -> dict[str, int]:
    """answer hash → the judge's score (read from the SCORE marker of the answer text)."""
    out = {}
    for run in runs:
        for line in (Path(run) / "predictions.jsonl").read_text(encoding="utf-8").splitlines():
            text = json.loads(line)["text"]
            out[answer_hash(text)] = int(text.rsplit("SCORE=", 1)[1])
    return out


Rating = Callable[[dict, str, str], int]
"""(plan unit, rubric, answer hash) → a 1-5 score."""


def simulated_labels(plan: dict, labeller: str, rating: Rating, time: str = "2025-05-01T10:00:00Z",
                     preference: Callable[[int, int], str] | None = None,
                     langs: tuple[str, ...] | None = None) -> list[dict]:
    """The records a labeller would export after answering every question of the plan's units.
    The preference defaults to the labeller's own scores: the higher one wins, equal is a tie."""
    out = []
    for u in plan["units"]:
        if langs and u["lang"] not in langs:
            continue
        base = {"format": "mella-label", "format_version": 1, "round": plan["round"], "unit": u["unit"],
                "labeller": labeller, "time": time, "task": u["task"], "item_id": u["item_id"],
                "item_identity": u["item_identity"], "lang": u["lang"]}
        for rubric in u["rubrics"]:
            given = [rating(u, rubric, a["hash"]) for a in u["answers"]]
            for a, v in zip(u["answers"], given):
                out.append({**base, "rubric": rubric, "question": "scale", "answer": a["hash"], "value": int(v)})
            if len(given) == 2:
                pick = preference or (lambda x, y: "A" if x > y else "B" if y > x else "tie")
                out.append({**base, "rubric": rubric, "question": "preference",
                            "shown": [a["hash"] for a in u["answers"]], "value": pick(given[0], given[1])})
    return out


def noisy(scores: dict[str, int], sd: float, seed: int) -> Rating:
    """A labeller who sees the judge's score plus Gaussian noise of `sd` (rounded, clipped to 1-5);
    sd=0 copies the judge."""
    rng = np.random.default_rng(seed)
    return lambda unit, rubric, h: int(np.clip(np.rint(scores[h] + rng.normal(0, sd)), 1, 5)) if sd else scores[h]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path
