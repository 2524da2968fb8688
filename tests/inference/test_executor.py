"""Executors: the shards of a run run in parallel (local processes, Ray tasks) and merge into the unsharded run."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from mella_bench.inference.backends import BackendSpec
from mella_bench.cli import build_parser, main
from mella_bench.cli.run import _sharding
from mella_bench.inference.executor import _gpu_groups, run_sharded, shard_configs, visible_gpus
from mella_bench.store import PREDICTIONS, load_header, read_jsonl
from mella_bench.inference.run import RunConfig, generate
from mella_bench.data.tasks import select_tasks
from tests.conftest import write_dataset

LANGS = ("cs", "th")


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("exec")
    data = write_dataset(root / "data", langs=LANGS, per_axis=3)
    tasks = select_tasks(list(LANGS), None)
    config = RunConfig(backend=BackendSpec("reference", "thick"), tasks=tuple(t.name for t in tasks),
                       output=root / "full", data=str(data))
    generate(config, tasks, progress=False)
    return {"root": root, "data": data, "tasks": tasks, "config": config}


def _records(run: Path) -> list[dict[str, Any]]:
    return list(read_jsonl(run / PREDICTIONS))


def _descendants(pid: int) -> list[str]:
    """Command lines of live processes below `pid` (Ray must leave none behind)."""
    parent, cmd = {}, {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            if stat.rsplit(")", 1)[1].split()[0] == "Z":
                continue
            parent[int(d.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            cmd[int(d.name)] = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")[:120]
        except OSError:
            continue
    out, frontier = [], {pid}
    while frontier:
        kids = {p for p, pp in parent.items() if pp in frontier}
        out += [cmd[k] for k in kids]
        frontier = kids
    return out


def test_local_executor_equals_unsharded(setup: dict[str, Any]) -> None:
    cfg = RunConfig(**{**setup["config"].__dict__, "output": setup["root"] / "local"})
    report = run_sharded(cfg, setup["tasks"], 3, "local", workers=2, progress=False)
    assert _records(report.output) == _records(setup["config"].output)
    assert [p.name for p in report.shards] == ["shard-0-of-3", "shard-1-of-3", "shard-2-of-3"]
    assert load_header(report.shards[2])["config"]["shard"] == [2, 3]


def test_failed_shards_are_named_and_nothing_merged(setup: dict[str, Any]) -> None:
    cfg = RunConfig(**{**setup["config"].__dict__, "output": setup["root"] / "broken",
                       "backend": BackendSpec("reference", "no-such-field")})
    with pytest.raises(RuntimeError, match="2 shard\\(s\\) failed") as err:
        run_sharded(cfg, setup["tasks"], 2, "local", progress=False)
    assert "shard-0-of-2" in str(err.value) and "shard-1-of-2" in str(err.value)
    assert not (cfg.output / PREDICTIONS).exists()


@pytest.mark.slow  # ~20 s: starting and stopping a local Ray on 2 cores
def test_ray_executor_equals_unsharded(setup: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    ray = pytest.importorskip("ray", reason="the ray extra is not installed")
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    seen: dict[str, Any] = {}
    real_init = ray.init

    def spy_init(*args: Any, **kwargs: Any) -> Any:
        seen.update(kwargs)
        return real_init(*args, **kwargs)

    monkeypatch.setattr(ray, "init", spy_init)
    cfg = RunConfig(**{**setup["config"].__dict__, "output": setup["root"] / "ray"})
    report = run_sharded(cfg, setup["tasks"], 2, "ray", progress=False)
    assert _records(report.output) == _records(setup["config"].output)
    assert seen["_node_ip_address"] == "127.0.0.1" and seen["include_dashboard"] is False
    assert not ray.is_initialized()
    deadline = time.time() + 15
    while (left := [c for c in _descendants(os.getpid()) if "ray" in c.lower()]) and time.time() < deadline:
        time.sleep(0.5)
    assert left == []


def test_shard_configs_layout(setup: dict[str, Any]) -> None:
    cfgs = shard_configs(setup["config"], 2)
    assert [c.shard for c in cfgs] == [(0, 2), (1, 2)]
    assert cfgs[1].output == setup["config"].output / "shards" / "shard-1-of-2"
    with pytest.raises(ValueError):
        shard_configs(setup["config"], 0)


def test_gpu_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1,2,3,4")
    assert visible_gpus() == ["0", "1", "2", "3", "4"]
    assert _gpu_groups(2, None) == [["0", "1"], ["2", "3"]]
    assert _gpu_groups(1, 3) == [["0"], ["1"], ["2"]]
    with pytest.raises(RuntimeError, match="8 GPUs per shard"):
        _gpu_groups(8, None)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert _gpu_groups(1, None) == [None] and _gpu_groups(1, 2) == [None, None]


def test_data_parallel_means_shards() -> None:
    args = build_parser().parse_args(["run", "--model", "m", "--backend", "vllm", "--data-parallel-size", "4",
                                      "--tensor-parallel-size", "2"])
    assert _sharding(args, "vllm") == (4, 2)


@pytest.mark.parametrize("argv,message", [
    (["--executor", "ray"], "--executor needs --shards"),
    (["--shards", "2", "--shard", "0/2"], "give one of them"),
    (["--data-parallel-size", "2"], "applies to --backend vllm"),
    (["--base-url", "http://127.0.0.1:1/v1"], "applies to --backend openai"),
    (["--shards", "2", "--ray-address", "auto"], "--ray-address needs --executor ray"),
])
def test_cli_rejects_misplaced_flags(argv: list[str], message: str, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--model", "reference:thick", "--langs", "cs", "--output", str(tmp_path / "o"), *argv]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_cli_shards_runs_and_merges(setup: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    out = setup["root"] / "cli"
    assert main(["run", "--model", "reference:thick", "--langs", ",".join(LANGS), "--data", str(setup["data"]),
                 "--output", str(out), "--shards", "2", "--quiet"]) == 0
    assert _records(out) == _records(setup["config"].output)
    assert "merged 2 shards" in capsys.readouterr().err
