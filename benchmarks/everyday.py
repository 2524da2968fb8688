"""Everyday commands, current code against an older revision, interleaved: CPU and wall time.

    PYTHONPATH=. python benchmarks/everyday.py --baseline REV [--repeats 3] [--workdir DIR]

Each measurement is a child process (`python -m mella_bench.cli ...`); CPU is user + system of the
child and everything it waited for (the METEOR JVMs included). The baseline is the package as of
REV (`git archive`). Measured, for each version in turn (baseline, current, baseline, ...):

- `python -c pass`, `--help`, `tasks list` (start-up);
- `score` of a one-language run of the demo set (vi, ko, hu: replayed references), first with no
  score cache, then again with nothing changed (the current code reuses the cached item scores);
- `show RUN ITEM` of one Vietnamese item of results/examples/tiny;
- `data validate demo` (the 96-item demo set, with its keyword warnings);
- the demo (8 languages, replayed references) as 2 shards by hand (`run --shard I/2`) + `merge`,
  against one unsharded run.

Scores written by both versions are compared byte for byte (scores.jsonl). Nothing asserts; the load
average is printed before and after (the machine is shared).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.score_run import baseline_tree  # noqa: E402

LANGS = ("vi", "ko", "hu")


def timed(code: Path, *argv: str, module: bool = True) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one child process running the package at `code`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "mella_bench.cli", *argv] if module else [sys.executable, *argv]
    subprocess.run(cmd, env=dict(os.environ, PYTHONPATH=str(code)), cwd=code, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def fresh_run(work: Path, name: str, *argv: str) -> Path:
    """A run directory made by the current code (`run ... --output`), reused when already there."""
    out = work / name
    if not (out / "predictions.jsonl").is_file():
        timed(ROOT, "run", "--model", "reference:thick", "--output", str(out), "--quiet", *argv)
    return out


def copy_of(run: Path, dst: Path) -> Path:
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(run, dst, ignore=shutil.ignore_patterns("score-cache.json", "scores*", "summary*"))
    return dst


def sharded(code: Path, work: Path) -> tuple[float, float]:
    """2 shards of the demo by hand, then merge (what `run --shard I/2` on two machines + `merge` costs)."""
    cpu = wall = 0.0
    for i in range(2):
        shutil.rmtree(work / f"shard-{i}", ignore_errors=True)
        c, w = timed(code, "run", "--model", "reference:thick", "--shard", f"{i}/2", "--output",
                     str(work / f"shard-{i}"), "--quiet")
        cpu, wall = cpu + c, wall + w
    shutil.rmtree(work / "merged", ignore_errors=True)
    c, w = timed(code, "merge", str(work / "shard-0"), str(work / "shard-1"), "--output", str(work / "merged"))
    return cpu + c, wall + w


def unsharded(code: Path, work: Path) -> tuple[float, float]:
    shutil.rmtree(work / "one", ignore_errors=True)
    return timed(code, "run", "--model", "reference:thick", "--output", str(work / "one"), "--quiet")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline", required=True, help="git revision to compare with")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--workdir", default="/tmp/mella-everyday-bench")
    ap.add_argument("--skip", default="", help="comma list of measurements to leave out (e.g. shards)")
    args = ap.parse_args()
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    versions = {f"baseline {args.baseline}": baseline_tree(work, args.baseline), "current": ROOT}
    runs = {lang: fresh_run(work, f"run-{lang}", "--langs", lang) for lang in LANGS}
    example = ROOT / "results" / "examples" / "tiny"
    py = Path(sys.executable)
    measures = {
        "python -c pass": lambda code, v: timed(code, "-c", "pass", module=False),
        "--help": lambda code, v: timed(code, "--help"),
        "tasks list": lambda code, v: timed(code, "tasks", "list"),
        **{f"score {lang} (no cache)": (lambda lang: lambda code, v: timed(
            code, "score", str(copy_of(runs[lang], work / f"s-{lang}-{v}")), "--quiet"))(lang) for lang in LANGS},
        **{f"score {lang} again": (lambda lang: lambda code, v: timed(
            code, "score", str(work / f"s-{lang}-{v}"), "--quiet"))(lang) for lang in LANGS},
        "show one vi item": lambda code, v: timed(code, "show", str(example), "vi-know-0001"),
        "data validate demo": lambda code, v: timed(code, "data", "validate", "demo"),
        "demo unsharded run": lambda code, v: unsharded(code, work / f"u-{v}"),
        "demo 2 shards + merge": lambda code, v: sharded(code, work / f"sh-{v}"),
    }
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    measures = {k: f for k, f in measures.items() if not any(s in k for s in skip)}
    load0 = os.getloadavg()
    print(f"python {py.name}; load average before: {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f} "
          f"({os.cpu_count()} CPUs)", flush=True)
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for r in range(args.repeats):
        for name, fn in measures.items():
            for v, (label, code) in enumerate(versions.items()):
                results.setdefault((name, label), []).append(fn(code, str(v)))
        print(f"  repeat {r + 1} done; load {os.getloadavg()[0]:.2f}", flush=True)
    print(f"{'measurement':<26}" + "".join(f"{label + ' cpu':>24}{'wall':>8}" for label in versions))
    for name in measures:
        cells = ""
        for label in versions:
            rs = results[(name, label)]
            cells += f"{statistics.median(c for c, _ in rs):>23.2f}s{statistics.median(w for _, w in rs):>7.2f}s"
        print(f"{name:<26}{cells}")
    for lang in LANGS if not any(s in "score" for s in skip) else ():
        a, b = (work / f"s-{lang}-{v}" / "scores.jsonl" for v in ("0", "1"))
        if a.is_file() and b.is_file():
            print(f"scores.jsonl {lang}: {'identical' if a.read_bytes() == b.read_bytes() else 'DIFFERENT'}")
    load1 = os.getloadavg()
    print(f"load average after: {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}")


if __name__ == "__main__":
    main()
