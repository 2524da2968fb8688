"""Harness overhead of `mella-bench run` with the hf backend: per-item time outside `generate()` vs inside.

One whole `run.generate()` on the demo set (96 items, 8 languages, both axes) at batch size 8, timed
in parts: the model's own `generate()` (inside), and everything else the run does per item (outside):
decoding each image, the chat template, the processor (tokenisation and image preprocessing),
decoding the answers, cache keys and writing predictions.jsonl. Building and loading the model and
the run's setup (loading and validating the data, item identities, run.json) happen once per run
and are shown apart (setup) or left out (model load). Generation follows the
tasks' own settings (greedy, up to 256 new tokens, stopping at the end token) unless `--new-tokens N`
forces every answer to N tokens (`min_new_tokens`, benchmark only).

Models: the tiny random LLaVA (`--model tiny`) and a larger build of a family from tests/families
(`--family`, default gemma3: its text model widened to 512 and 8 layers, ~30M parameters; `qwen2_vl`
needs torchvision, i.e. .venv-vision). Random weights: the text is gibberish, the times are real.

    PYTHONPATH=. python benchmarks/overhead.py [--family gemma3] [--new-tokens N] [--threads 1] [--repeats 3] [--only tiny]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mella_bench.inference.backends import BackendSpec  # noqa: E402
from mella_bench.inference.backends.hf import HFBackend  # noqa: E402
from mella_bench.langs import LANG_CODES  # noqa: E402
from mella_bench.inference.run import RunConfig, generate  # noqa: E402
from mella_bench.data.tasks import GenerationConfig, select_tasks  # noqa: E402

LARGER_TEXT = dict(hidden_size=512, intermediate_size=1536, num_hidden_layers=8, num_attention_heads=8,
                   num_key_value_heads=4)
"""The larger family build: its text model at this size (the vision tower and images stay tiny)."""


@dataclasses.dataclass
class Timer:
    """Wall time spent in the wrapped calls."""

    seconds: float = 0.0
    calls: int = 0

    def wrap(self, fn: Any) -> Any:
        def timed(*args: Any, **kw: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kw)
            finally:
                self.seconds += time.perf_counter() - t0
                self.calls += 1
        return timed


def one_run(spec: BackendSpec, out: Path, batch_size: int, new_tokens: int) -> dict[str, float]:
    """Times of one run over the demo set: total (model load excluded), inside generate(), load."""
    load, gen, prep, proc, backend = Timer(), Timer(), Timer(), Timer(), Timer()
    first_call: list[float] = []
    real_init = HFBackend.__init__

    def init(self: HFBackend, *a: Any, **kw: Any) -> None:
        load.wrap(real_init)(self, *a, **kw)
        self.model.generate = gen.wrap(self.model.generate)
        timed_generate = backend.wrap(self.generate)

        def generate_requests(requests: Any) -> Any:
            first_call.append(time.perf_counter())
            return timed_generate(requests)

        self.generate = generate_requests
        self._prepare = prep.wrap(self._prepare)  # image decode + chat template
        if hasattr(self, "model_inputs"):  # older revisions (--baseline runs) call the processor inline
            self.model_inputs = proc.wrap(self.model_inputs)  # the processor: tokenisation + image preprocessing

    tasks = select_tasks(LANG_CODES)
    if new_tokens:
        tasks = [dataclasses.replace(t, generation=GenerationConfig(max_new_tokens=new_tokens)) for t in tasks]
    config = RunConfig(backend=spec, tasks=tuple(t.name for t in tasks), output=out, data="demo", batch_size=batch_size)
    HFBackend.__init__ = init  # type: ignore[method-assign]
    try:
        t0 = time.perf_counter()
        counts = generate(config, tasks, progress=False)
        total = time.perf_counter() - t0
    finally:
        HFBackend.__init__ = real_init  # type: ignore[method-assign]
    if counts["error"] or counts["ok"] == 0:
        raise RuntimeError(f"run failed: {counts}")
    setup = first_call[0] - t0 - load.seconds  # data loading and validation, item identities, run.json: once per run
    return {"items": counts["ok"], "total": total - load.seconds - setup, "inside": gen.seconds, "setup": setup,
            "prepare": prep.seconds, "processor": proc.seconds, "backend": backend.seconds}


def measure(name: str, spec: BackendSpec, args: argparse.Namespace, tmp: Path) -> None:
    runs = [one_run(spec, tmp / f"{name}-{i}", args.batch_size, args.new_tokens) for i in range(args.repeats + 1)][1:]
    items = runs[0]["items"]
    def per_item(key: Callable[[dict[str, float]], float]) -> float:
        return statistics.median(key(r) for r in runs) / items * 1e3

    inside = per_item(lambda r: r["inside"])
    outside = per_item(lambda r: r["total"] - r["inside"])
    prep, proc = per_item(lambda r: r["prepare"]), per_item(lambda r: r["processor"])
    answers = per_item(lambda r: r["backend"] - r["inside"] - r["prepare"] - r["processor"])
    loop = per_item(lambda r: r["total"] - r["backend"])
    setup = statistics.median(r["setup"] for r in runs)
    print(f"{name:<34} {items:>5} {inside:>8.2f} {outside:>8.2f} {100 * outside / inside:>7.1f}% "
          f"{prep:>8.2f} {proc:>9.2f} {answers:>8.2f} {loop:>8.2f} {setup:>8.2f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--family", default="gemma3", help="model_type of the larger build (tests/families/builders.py)")
    p.add_argument("--new-tokens", type=int, default=0, help="force N tokens per item (default: the tasks' settings)")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    p.add_argument("--repeats", type=int, default=3, help="timed runs after one warm-up; the median is shown")
    p.add_argument("--only", choices=["tiny", "family"], help="measure one of the two models")
    args = p.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    opts: dict[str, Any] = {"device": "cpu"}
    if args.new_tokens:
        opts["generate_kwargs"] = {"min_new_tokens": args.new_tokens}
    tokens = f"{args.new_tokens} new tokens per item" if args.new_tokens else "the tasks' generation settings"
    print(f"demo set, batch size {args.batch_size}, {tokens}, torch {torch.__version__}, "
          f"threads {args.threads}, median of {args.repeats} runs (ms per item)")
    print(f"{'model':<34} {'items':>5} {'inside':>8} {'outside':>8} {'out/in':>8} {'dec+tpl':>8} {'processor':>9} "
          f"{'answers':>8} {'loop':>8} {'setup s':>8}")
    print("  inside: the model's generate(); outside (per item) = dec+tpl (image decode, chat template) + processor"
          " (tokenisation, image preprocessing) + answers (cutting and decoding them) + loop (cache keys, writing"
          " predictions.jsonl); setup (data loading and validation, item identities, run.json) is once per run, in s")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if args.only != "family":
            measure("tiny LLaVA (--model tiny)", BackendSpec("tiny", "tiny", dict(opts)), args, root)
        if args.only == "tiny":
            return
        import tests.families.builders as builders

        recipe = next(r for r in builders.FAMILIES if r.model_type == args.family)
        builders.TEXT = {**builders.TEXT, **LARGER_TEXT}  # the larger build: same recipe, wider text model
        path = builders.ensure_family(recipe, root / "families")
        n = sum(t.numel() for t in __import__("safetensors.torch", fromlist=["load_file"]).load_file(
            str(path / "model.safetensors")).values())
        measure(f"{recipe.name} ({n / 1e6:.0f}M params)", BackendSpec("hf", str(path), dict(opts)), args, root)


if __name__ == "__main__":
    main()
