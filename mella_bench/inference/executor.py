"""Run the N shards of a run in parallel, then merge them: in local processes or as Ray tasks.

Scheduling is left to existing engines: `local` starts one spawned process per shard (at most one
per free GPU group at a time), `ray` submits each shard as a Ray task to a running cluster or to a
small local one. Every shard is an ordinary resumable run directory under `<output>/shards/`, so a
failed or killed shard is rerun by repeating the command, and finished items are kept.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import shutil
import subprocess
import sys
import traceback
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from mella_bench.progress import progress_bar
from mella_bench.inference.run import RunConfig, generate
from mella_bench.inference.shard import MergeReport, merge
from mella_bench.data.tasks import Task

__all__ = ["ExecutorName", "run_shard", "run_sharded", "shard_configs", "visible_gpus"]

ExecutorName = Literal["local", "ray"]
SHARDS_DIR = "shards"


def shard_configs(config: RunConfig, shards: int) -> list[RunConfig]:
    """One config per shard, each writing its own run directory under `<output>/shards/`."""
    if shards < 1:
        raise ValueError(f"--shards must be at least 1, got {shards}")
    return [replace(config, shard=(i, shards), output=config.output / SHARDS_DIR / f"shard-{i}-of-{shards}")
            for i in range(shards)]


def run_shard(config: RunConfig, tasks: list[Task]) -> dict[str, int]:
    """Body of one shard, in whichever process or Ray worker runs it."""
    return generate(config, tasks, progress=False)


def visible_gpus() -> list[str]:
    """GPU ids this process may use (CUDA_VISIBLE_DEVICES, else nvidia-smi), without importing torch."""
    env = os.environ.get("CUDA_VISIBLE_DEVICES")
    if env is not None:
        return [g for g in env.split(",") if g.strip() and g.strip() != "-1"]
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return []
    return [str(i) for i, line in enumerate(out.stdout.splitlines()) if line.startswith("GPU ")]


def run_sharded(config: RunConfig, tasks: list[Task], shards: int, executor: ExecutorName = "local", *,
                ray_address: str | None = None, gpus_per_shard: int = 1, workers: int | None = None,
                check_items: bool = True, progress: bool = True) -> MergeReport:
    """Run `shards` shards of `config` with the chosen executor, then merge them into `config.output`."""
    configs = shard_configs(config, shards)
    if executor == "ray":
        _run_ray(configs, tasks, ray_address, gpus_per_shard, progress)
    elif executor == "local":
        _run_local(configs, tasks, gpus_per_shard, workers, progress)
    else:
        raise ValueError(f"unknown executor '{executor}' (choose local or ray)")
    return merge([c.output for c in configs], config.output, check_items=check_items)


def _failed(failures: list[tuple[RunConfig, str]]) -> RuntimeError:
    lines = [f"  shard {c.shard[0]}/{c.shard[1]} ({c.output}): {why}" for c, why in failures if c.shard]
    return RuntimeError(f"{len(failures)} shard(s) failed; nothing was merged:\n" + "\n".join(lines) +
                        "\nrerun the same command: finished items are kept and only the rest is run")


# ---- local processes -------------------------------------------------------------------------------

def _local_worker(config: RunConfig, tasks: list[Task], gpus: list[str] | None) -> None:
    if gpus is not None:  # before anything imports torch/vllm in this fresh (spawned) process
        os.environ["CUDA_VISIBLE_DEVICES"] = ",".join(gpus)
    try:
        run_shard(config, tasks)
    except BaseException:
        traceback.print_exc()
        sys.exit(1)


def _gpu_groups(gpus_per_shard: int, workers: int | None) -> list[list[str] | None]:
    gpus = visible_gpus()
    if gpus:
        groups: list[list[str] | None] = [gpus[i:i + gpus_per_shard]
                                          for i in range(0, len(gpus) - gpus_per_shard + 1, gpus_per_shard)]
        if not groups:
            raise RuntimeError(f"{gpus_per_shard} GPUs per shard requested, {len(gpus)} visible")
        return groups[:workers] if workers else groups
    return [None] * (workers or 1)


def _run_local(configs: list[RunConfig], tasks: list[Task], gpus_per_shard: int, workers: int | None,
               progress: bool) -> None:
    ctx = multiprocessing.get_context("spawn")  # a fresh interpreter per shard: CUDA state is never inherited
    free = _gpu_groups(gpus_per_shard, workers)
    pending = list(configs)
    running: dict[Any, tuple[Any, RunConfig, list[str] | None]] = {}
    failures: list[tuple[RunConfig, str]] = []
    bar = progress_bar(len(configs), "shards", "shard", progress)
    while pending or running:
        while pending and free:
            gpus, cfg = free.pop(0), pending.pop(0)
            proc = ctx.Process(target=_local_worker, args=(cfg, tasks, gpus), name=f"mella-shard-{cfg.shard}")
            proc.start()
            running[proc.sentinel] = (proc, cfg, gpus)
        for sentinel in multiprocessing.connection.wait(list(running)):
            proc, cfg, gpus = running.pop(sentinel)
            proc.join()
            if proc.exitcode != 0:
                failures.append((cfg, f"exit code {proc.exitcode} (traceback above)"))
            free.append(gpus)
            bar.update(1)
    bar.close()
    if failures:
        raise _failed(failures)


# ---- Ray -------------------------------------------------------------------------------------------

def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise RuntimeError("--executor ray needs Ray: pip install 'mella-bench[ray]'") from None
    return ray


def _init_local_ray(ray: Any, num_cpus: int) -> None:
    """A small single-node Ray on 127.0.0.1: no dashboard, no usage stats, workers import this mella_bench."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    package_root = str(Path(__file__).resolve().parents[2])
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([package_root] + ([old] if old else []))
    try:
        ray.init(num_cpus=num_cpus, include_dashboard=False, _node_ip_address="127.0.0.1",
                 object_store_memory=128 * 2**20, log_to_driver=True, configure_logging=False)
    finally:
        if old is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = old


def _run_ray(configs: list[RunConfig], tasks: list[Task], address: str | None, gpus_per_shard: int,
             progress: bool) -> None:
    ray = _import_ray()
    owns = not ray.is_initialized()
    if owns:
        if address:
            ray.init(address=address)
        else:
            _init_local_ray(ray, num_cpus=max(1, min(len(configs), os.cpu_count() or 1)))
    try:
        has_gpu = ray.cluster_resources().get("GPU", 0) > 0
        options = {"num_gpus": gpus_per_shard} if has_gpu else {"num_cpus": 1}
        remote = ray.remote(run_shard).options(max_retries=0, **options)
        refs = {remote.remote(cfg, tasks): cfg for cfg in configs}
        failures: list[tuple[RunConfig, str]] = []
        bar = progress_bar(len(refs), "shards (ray)", "shard", progress)
        waiting = list(refs)
        while waiting:
            done, waiting = ray.wait(waiting, num_returns=1)
            for ref in done:
                try:
                    ray.get(ref)
                except Exception as exc:  # noqa: BLE001 - a RayTaskError wraps the shard's own exception
                    cause = getattr(exc, "cause", None) or exc
                    failures.append((refs[ref], f"{type(cause).__name__}: {cause}"))
                bar.update(1)
        bar.close()
    finally:
        if owns:
            ray.shutdown()
    if failures:
        raise _failed(failures)
