"""Run directories for judge tests: the `reference` backend replays references, so no model is needed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mella_bench.inference.backends import resolve_spec
from mella_bench.inference.run import RunConfig, generate
from mella_bench.data.tasks import select_tasks
from tests.conftest import write_dataset

KEY = "sk-judge-test-SECRET-51c0ffee99"
KEY_ENV = "MELLA_JUDGE_TEST_KEY"


def make_run(tmp: Path, langs: tuple[str, ...] = ("th", "ko"), model: str = "reference:thick",
             name: str = "run", data: Path | None = None, per_axis: int = 2) -> Path:
    data = data or write_dataset(tmp / "data", langs=langs, per_axis=per_axis)
    tasks = select_tasks(langs)
    out = tmp / name
    generate(RunConfig(backend=resolve_spec(model, None, {}), tasks=tuple(t.name for t in tasks), output=out,
                       data=str(data)), tasks, progress=False)
    return out


def set_prediction_text(run_dir: Path, item_id: str, text: str | None, status: str = "ok") -> None:
    """Rewrite one prediction (to script per-item verdicts or failures)."""
    path = run_dir / "predictions.jsonl"
    recs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for r in recs:
        if r["item_id"] == item_id:
            r["status"] = status
            r["text"] = text or ""
            r["error"] = None if status == "ok" else "backend exploded"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")


@pytest.fixture(autouse=True)
def _judge_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, KEY)


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    return make_run(tmp_path)
