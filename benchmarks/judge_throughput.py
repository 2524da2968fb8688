"""Judge throughput against the local fake server with injected latency, optionally interleaved
against another revision's client.

Sends N distinct pointwise judgments (the full judge path: rubric rendering, image data URL,
structured output, strict parsing, judgments.jsonl writes) through the shared client at several
(concurrency, latency) settings, and prints achieved judgments/s beside the ideal concurrency /
latency and the client's CPU per judgment. `--mode chat` sends plain chat requests of the same size
instead (the client alone: request, transport, JSON parsing). Nothing is asserted; numbers come
from this one run.

Every measurement runs in a fresh client process against one fake server process per latency (as a
real endpoint would be: its Python work does not share the client's interpreter lock). With
`--against REV` the same measurements are made with that revision's package (`git archive REV`
into a temporary directory, imported instead of this tree's), alternating old and new and swapping
their order on every repeat, so that both see the same machine load.

    PYTHONPATH=. python benchmarks/judge_throughput.py                       # c = 8, 32, 64 at 100 ms
    PYTHONPATH=. python benchmarks/judge_throughput.py --setting 32/200 64/2000 --against main --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
if "--child" not in sys.argv:  # a child imports the package its PYTHONPATH names (this tree or REV's)
    sys.path.insert(0, str(ROOT))


@dataclass(frozen=True)
class Setting:
    concurrency: int
    latency_ms: float

    @property
    def ideal(self) -> float:
        return self.concurrency / (self.latency_ms / 1000)


def _setting(text: str) -> Setting:
    c, _, ms = text.partition("/")
    return Setting(int(c), float(ms))


# ---------------------------------------------------------------- child: one measurement

def _jobs(n: int, images: bool):
    from mella_bench.judge import JudgeInput, get_rubric
    from tests.conftest import SAMPLE, png_bytes

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


def _judge(base_url: str, model: str, n: int, concurrency: int, images: bool) -> tuple[float, float]:
    """(judgments/s, client CPU ms per judgment) of the full judge path."""
    from mella_bench.endpoint.apiclient import EndpointConfig
    from mella_bench.judge import JudgeConfig, run_judge

    with tempfile.TemporaryDirectory() as tmp:
        cfg = JudgeConfig(EndpointConfig(base_url=base_url, model=model, api_key_env="MELLA_BENCH_KEY",
                                         concurrency=concurrency, timeout_s=30), images=images)
        work = _jobs(n, images)
        t0, c0 = time.perf_counter(), time.process_time()
        records, counts = run_judge(cfg, Path(tmp) / "judgments.jsonl", work, progress_desc=None)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        assert counts.sent == n and all(r["status"] == "ok" for r in records), counts
        return n / wall, 1000 * cpu / n


def _chat(base_url: str, model: str, n: int, concurrency: int, images: bool) -> tuple[float, float]:
    """(requests/s, client CPU ms per request) of plain chat requests as large as a judge request."""
    import asyncio

    from mella_bench.endpoint.apiclient import ChatClient, EndpointConfig, image_data_url, run_all
    from tests.conftest import png_bytes

    image = image_data_url(png_bytes()) if images else None
    text = "Judge the candidate description against the references. " * 80  # ~4.5 KB, like a rubric prompt

    def message(i: int) -> list[dict]:
        parts: list[dict] = [{"type": "text", "text": f"{text} #{i}"}]
        if image:
            parts.append({"type": "image_url", "image_url": {"url": image}})
        return [{"role": "user", "content": parts}]

    async def go() -> None:
        cfg = EndpointConfig(base_url=base_url, model=model, api_key_env="MELLA_BENCH_KEY", concurrency=concurrency,
                             timeout_s=30)
        async with ChatClient(cfg) as client:
            replies = await run_all([lambda i=i: client.chat(message(i), max_tokens=64) for i in range(n)], concurrency)
            assert len(replies) == n and client.stats.failures == 0

    t0, c0 = time.perf_counter(), os.times()
    asyncio.run(go())
    wall, c1 = time.perf_counter() - t0, os.times()
    print(f"user {1000 * (c1.user - c0.user) / n:.3f} sys {1000 * (c1.system - c0.system) / n:.3f} ms/request",
          file=sys.stderr)
    return n / wall, 1000 * ((c1.user - c0.user) + (c1.system - c0.system)) / n


def child(args: argparse.Namespace) -> int:
    os.environ.setdefault("MELLA_BENCH_KEY", "sk-bench-not-a-real-key")
    measure = _judge if args.mode == "judge" else _chat
    images = not args.no_images
    concurrency = args.concurrency[0]
    measure(args.base_url, args.model, min(args.n, 50), concurrency, images)  # warm up: imports, connections
    profile = None
    if args.profile:
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    rate, cpu_ms = measure(args.base_url, args.model, args.n, concurrency, images)
    if profile is not None:
        profile.disable()
        profile.dump_stats(args.profile)
    import mella_bench

    print(json.dumps({"rate": rate, "cpu_ms": cpu_ms, "package": str(Path(mella_bench.__file__).parent)}))
    return 0


# ---------------------------------------------------------------- parent: servers, clients, table

@contextmanager
def fake_server(latency_ms: float) -> Iterator[str]:
    proc = subprocess.Popen([sys.executable, "-m", "tests.support.fake_openai", "--latency-ms", str(latency_ms)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def package_of(rev: str) -> Iterator[Path]:
    """A directory holding REV's `mella_bench` (and the rubrics and tasks it reads), for PYTHONPATH."""
    with tempfile.TemporaryDirectory(prefix="mella-bench-rev-") as tmp:
        archive = subprocess.run(["git", "archive", rev, "mella_bench", "judges", "tasks"], cwd=ROOT, check=True,
                                 capture_output=True).stdout
        with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        yield Path(tmp)


def run_child(package_dir: Path, base_url: str, s: Setting, args: argparse.Namespace, tag: str) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", "--base-url", base_url, "--model", "fake-judge",
           "--n", str(args.n), "--concurrency", str(s.concurrency), "--mode", args.mode]
    if args.no_images:
        cmd.append("--no-images")
    if args.profile:
        cmd += ["--profile", f"{args.profile}.{tag}.c{s.concurrency}"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(dict.fromkeys([str(package_dir), str(ROOT)]))}
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"the {tag} client failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000, help="judgments (or requests) per measurement")
    ap.add_argument("--latency-ms", type=float, default=100.0, help="server latency for --concurrency")
    ap.add_argument("--concurrency", type=int, nargs="+", default=[8, 32, 64])
    ap.add_argument("--setting", type=_setting, nargs="+", metavar="C/MS",
                    help="concurrency/latency pairs, e.g. 32/200 64/2000 (instead of --concurrency/--latency-ms)")
    ap.add_argument("--against", metavar="REV", help="also measure REV's client (e.g. main), interleaved")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--mode", choices=["judge", "chat"], default="judge",
                    help="judge: the full judge path (default); chat: plain chat requests, the client alone")
    ap.add_argument("--no-images", action="store_true", help="text-only requests")
    ap.add_argument("--profile", metavar="FILE", help="write cProfile stats of each client to FILE.<client>.c<C>")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--base-url", help=argparse.SUPPRESS)
    ap.add_argument("--model", default="fake-judge", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args)

    settings = args.setting or [Setting(c, args.latency_ms) for c in args.concurrency]
    unit = "judgment" if args.mode == "judge" else "request"
    print(f"{args.mode} throughput: {args.n} {unit}s per measurement, images {'off' if args.no_images else 'on'}, "
          f"fake OpenAI server on 127.0.0.1 in its own process, {os.cpu_count()} CPUs, {args.repeats} repeat(s)")
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    print(f"this tree: {head}" + (f" (+ uncommitted changes)" if subprocess.run(
        ["git", "diff", "--quiet", "HEAD", "--", "mella_bench"], cwd=ROOT).returncode else ""))
    print(f"{'setting':>10} {'client':>10} {'rep':>3} {'ideal/s':>8} {'achieved/s':>10} {'of ideal':>8} "
          f"{'CPU ms/' + unit:>20} {'load 1m':>7}")
    with (package_of(args.against) if args.against else _here()) as old_dir:
        if args.against:
            rev = subprocess.run(["git", "rev-parse", "--short", args.against], cwd=ROOT, capture_output=True,
                                 text=True).stdout.strip()
            print(f"against: {args.against} = {rev}")
        for s in settings:
            with fake_server(s.latency_ms) as base_url:
                for rep in range(args.repeats):
                    clients = [("new", ROOT)] + ([(f"{args.against}", old_dir)] if args.against else [])
                    if rep % 2:
                        clients.reverse()
                    for tag, pkg in clients:
                        r = run_child(pkg, base_url, s, args, tag)
                        print(f"{s.concurrency:>4}/{s.latency_ms:<5g} {tag:>10} {rep + 1:>3} {s.ideal:>8.1f} "
                              f"{r['rate']:>10.1f} {100 * r['rate'] / s.ideal:>7.1f}% {r['cpu_ms']:>20.3f} "
                              f"{os.getloadavg()[0]:>7.2f}", flush=True)
    print(f"ideal = concurrency / latency; CPU = the client process's CPU time per {unit} (user + system), "
          f"after a 50-{unit} warm-up; load = the machine's 1-minute load average after each measurement")
    return 0


@contextmanager
def _here() -> Iterator[Path]:
    yield ROOT


if __name__ == "__main__":
    sys.exit(main())
