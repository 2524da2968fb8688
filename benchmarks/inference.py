"""Throughput of the `hf` backend: batched generation vs batch 1, from one run, side by side.

CPU (always): the tiny random LLaVA at batch sizes 1, 8 and 32.
GPU (`--gpu`, CUDA only): a random-weight LLaVA of realistic size (~2B parameters: Llama-style text
model + small CLIP), built on the GPU from a config, batched vs a batch-1 loop.

Every answer is forced to the same length (`min_new_tokens = max_new_tokens`, benchmark only) so
that tokens/s compares equal work. Random weights: the text is gibberish, the speed is real.

    PYTHONPATH=. python benchmarks/inference.py [--items 64] [--new-tokens 32] [--repeats 3] [--threads 1] [--gpu]

On a busy 2-core machine pass `--threads 1`: with torch's default of 2 threads the OpenMP workers
spin against other processes and every figure collapses (a 208k-parameter model gains nothing
from a second thread anyway).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mella_bench.inference.backends.base import Request  # noqa: E402
from mella_bench.inference.backends.hf import HFBackend  # noqa: E402
from mella_bench.data.tasks import GenerationConfig, load_registry  # noqa: E402

GPU_SHAPE = dict(
    # ~1.9B parameters: 32 Llama layers of width 2048 (GQA 16/4 heads) + a 4-layer CLIP at 224 px
    text=dict(hidden_size=2048, intermediate_size=8192, num_hidden_layers=32, num_attention_heads=16,
              num_key_value_heads=4, max_position_embeddings=4096),
    vision=dict(hidden_size=256, intermediate_size=1024, num_hidden_layers=4, num_attention_heads=4,
                image_size=224, patch_size=14, projection_dim=256),
)


def requests(n: int, new_tokens: int) -> list[Request]:
    """Real task prompts of all 8 languages (different lengths) with distinct solid-colour images."""
    import io

    from PIL import Image

    prompts = [t.prompt for t in load_registry().tasks.values()]
    out = []
    for i in range(n):
        buf = io.BytesIO()
        Image.new("RGB", (64, 48), ((37 * i) % 256, (91 * i) % 256, 120)).save(buf, format="PNG")
        out.append(Request(key=f"r{i}", item_id=f"r{i}", task="bench", axis="ling", prompt=prompts[i % len(prompts)],
                           image=buf.getvalue(), generation=GenerationConfig(max_new_tokens=new_tokens)))
    return out


def measure(backend: HFBackend, reqs: list[Request], batch_size: int, repeats: int, sync) -> tuple[float, float]:
    """Median (items/s, generated tokens/s) over `repeats` timed runs after one warm-up batch."""
    backend.batch_size = batch_size
    backend.generate(reqs[:batch_size])
    rates = []
    for _ in range(repeats):
        sync()
        t0 = time.perf_counter()
        results = backend.generate(reqs)
        sync()
        dt = time.perf_counter() - t0
        bad = [r.error for r in results if r.status != "ok"]
        if bad:
            raise RuntimeError(f"{len(bad)} requests failed, e.g. {bad[0]}")
        rates.append((len(results) / dt, sum(r.completion_tokens or 0 for r in results) / dt))
    return statistics.median(r[0] for r in rates), statistics.median(r[1] for r in rates)


def table(title: str, rows: list[tuple[str, float, float]]) -> None:
    base = rows[0][1]
    print(f"\n{title}")
    print(f"{'setting':<22} {'items/s':>10} {'gen tok/s':>11} {'vs batch 1':>11}")
    for name, items, toks in rows:
        print(f"{name:<22} {items:>10.2f} {toks:>11.1f} {items / base:>10.2f}x")


def cpu_part(args: argparse.Namespace) -> None:
    import torch

    from mella_bench.inference.backends.tiny import build_tiny_model

    if args.threads:
        torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        backend = HFBackend(str(build_tiny_model(Path(tmp) / "tiny")), device="cpu",
                            generate_kwargs={"min_new_tokens": args.new_tokens})
        reqs = requests(args.items, args.new_tokens)
        rows = [(f"hf batch {bs}", *measure(backend, reqs, bs, args.repeats, lambda: None)) for bs in (1, 8, 32)]
    table(f"CPU, tiny random LLaVA ({sum(p.numel() for p in backend.model.parameters()) / 1e3:.0f}k params), "
          f"{args.items} items x {args.new_tokens} new tokens, torch threads {torch.get_num_threads()}, "
          f"median of {args.repeats}", rows)


def gpu_part(args: argparse.Namespace) -> None:
    import torch

    if not torch.cuda.is_available():
        print("\nGPU part skipped: CUDA is not available on this machine (torch "
              f"{torch.__version__}); run with --gpu on a CUDA machine.")
        return
    from mella_bench.inference.backends.tiny import LlavaShape, build_llava

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        path = build_llava(Path(tmp) / "llava-2b", shape=LlavaShape(**GPU_SHAPE), device="cuda", dtype=torch.bfloat16)
        torch.cuda.empty_cache()
        backend = HFBackend(str(path), generate_kwargs={"min_new_tokens": args.gpu_new_tokens})
        n_params = sum(p.numel() for p in backend.model.parameters())
        print(f"\nbuilt and loaded a {n_params / 1e9:.2f}B-parameter random LLaVA in {time.perf_counter() - t0:.0f} s")
        reqs = requests(args.gpu_items, args.gpu_new_tokens)
        sync = torch.cuda.synchronize
        rows = [("hf batch-1 loop", *measure(backend, reqs[:args.gpu_loop_items], 1, 1, sync))]
        rows += [(f"hf batched ({bs})", *measure(backend, reqs, bs, args.repeats, sync)) for bs in args.gpu_batches]
        backend.close()
    table(f"GPU {torch.cuda.get_device_name()}, bf16, {n_params / 1e9:.2f}B random LLaVA, {args.gpu_items} items "
          f"(loop: {args.gpu_loop_items}) x {args.gpu_new_tokens} new tokens", rows)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--items", type=int, default=64, help="CPU requests per timed run (default 64)")
    p.add_argument("--new-tokens", type=int, default=32, help="CPU tokens generated per item (default 32)")
    p.add_argument("--repeats", type=int, default=3, help="timed runs per setting; the median is shown (default 3)")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--gpu", action="store_true", help="also run the ~2B-parameter model on CUDA")
    p.add_argument("--gpu-items", type=int, default=64)
    p.add_argument("--gpu-loop-items", type=int, default=16, help="items in the batch-1 loop (it is slow)")
    p.add_argument("--gpu-new-tokens", type=int, default=64)
    p.add_argument("--gpu-batches", type=int, nargs="+", default=[16, 64])
    args = p.parse_args()
    cpu_part(args)
    if args.gpu:
        gpu_part(args)


if __name__ == "__main__":
    main()
