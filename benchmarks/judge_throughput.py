"""Judge throughput against the local fake server with injected latency.

Sends N distinct pointwise judgments (the full judge path: rubric rendering, image data URL,
structured output, strict parsing, judgments.jsonl writes) through the shared client at several
concurrency levels, with a fixed server-side latency per request, and prints achieved judgments/s
beside the ideal concurrency / latency. Nothing is asserted; numbers come from this one run.

    PYTHONPATH=. python benchmarks/judge_throughput.py            # 1000 judgments, 100 ms, c = 8, 32, 64
    PYTHONPATH=. python benchmarks/judge_throughput.py --n 200 --concurrency 32
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mella_bench.apiclient import EndpointConfig  # noqa: E402
from mella_bench.judge import JudgeConfig, JudgeInput, get_rubric, run_judge  # noqa: E402
from tests.conftest import SAMPLE, png_bytes  # noqa: E402
from tests.fake_openai import FakeOpenAI, judge_responder  # noqa: E402


def jobs(n: int, images: bool):
    rubric = get_rubric("cultural_depth")
    img = png_bytes() if images else None
    langs = list(SAMPLE)
    out = []
    for i in range(n):
        lang = langs[i % len(langs)]
        ref, kws, thin = SAMPLE[lang]
        out.append((rubric, JudgeInput(task=f"mella_{lang}_know", item_id=f"{lang}-{i:05d}", lang=lang, axis="know",
                                       prompt="describe", candidate=f"{thin} #{i}", references=(ref,),
                                       keywords=tuple(kws), image=img)))
    return out


PROFILE: str | None = None
"""--profile FILE: cProfile statistics of the client's measured runs are written here (pstats format)."""


def _judge(base_url: str, model: str, n: int, concurrency: int, images: bool,
           profile: bool = False) -> tuple[float, float]:
    """(judgments/s, client CPU ms per judgment)."""
    os.environ.setdefault("MELLA_BENCH_KEY", "sk-bench-not-a-real-key")
    with tempfile.TemporaryDirectory() as tmp:
        cfg = JudgeConfig(EndpointConfig(base_url=base_url, model=model, api_key_env="MELLA_BENCH_KEY",
                                         concurrency=concurrency, timeout_s=30), images=images)
        work = jobs(n, images)
        prof = None
        if profile and PROFILE:
            import cProfile

            prof = cProfile.Profile()
            prof.enable()
        t0, c0 = time.perf_counter(), time.process_time()
        records, counts = run_judge(cfg, Path(tmp) / "judgments.jsonl", work, progress_desc=None)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        if prof is not None:
            prof.disable()
            prof.dump_stats(f"{PROFILE}.c{concurrency}")
        assert counts.sent == n and all(r["status"] == "ok" for r in records), counts
        return n / wall, 1000 * cpu / n


def measure(n: int, concurrency: int, latency_s: float, images: bool,
            in_process: bool) -> tuple[tuple[float, float], str]:
    """(judgments/s, CPU ms/judgment) and the peak requests in flight (known only in-process)."""
    if in_process:
        with FakeOpenAI(responder=judge_responder(4), latency_s=latency_s) as srv:
            return _judge(srv.base_url, srv.model, n, concurrency, images), str(srv.max_in_flight)
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen([sys.executable, "-m", "tests.fake_openai", "--latency-ms", str(latency_s * 1000)],
                            cwd=root, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(root)})
    try:
        assert proc.stdout is not None
        base_url = proc.stdout.readline().strip()
        _judge(base_url, FakeOpenAI().model, min(n, 50), concurrency, images)  # warm up: imports, connections
        return _judge(base_url, FakeOpenAI().model, n, concurrency, images, profile=True), "-"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--latency-ms", type=float, default=100.0)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[8, 32, 64])
    ap.add_argument("--no-images", action="store_true", help="text-only judge requests")
    ap.add_argument("--in-process", action="store_true",
                    help="run the fake server in this process (its threads then share the client's GIL)")
    ap.add_argument("--profile", metavar="FILE", help="write cProfile stats of the client to FILE.c<concurrency>")
    args = ap.parse_args()
    global PROFILE
    PROFILE = args.profile
    lat = args.latency_ms / 1000
    print(f"judge throughput: {args.n} judgments, {args.latency_ms:g} ms server latency, "
          f"images {'off' if args.no_images else 'on'}, fake OpenAI server on 127.0.0.1 "
          f"in {'this process' if args.in_process else 'a separate process'} ({os.cpu_count()} CPUs)")
    print(f"load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'concurrency':>11} {'ideal/s':>8} {'achieved/s':>10} {'of ideal':>8} {'client CPU ms/judgment':>22} "
          f"{'max in flight':>13}")
    for c in args.concurrency:
        (rate, cpu_ms), peak = measure(args.n, c, lat, not args.no_images, args.in_process)
        ideal = c / lat
        print(f"{c:>11} {ideal:>8.1f} {rate:>10.1f} {100 * rate / ideal:>7.1f}% {cpu_ms:>22.2f} {peak:>13}")
    print("ideal = concurrency / latency; with C ms of client CPU per judgment one core caps at 1000/C judgments/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
