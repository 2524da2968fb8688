"""`mella-bench score` on a synthetic run: 16 tasks (8 languages × 2 axes) × N items, all metrics + CIs.

    PYTHONPATH=. python benchmarks/score_run.py [--items 1000] [--repeats 2] [--baseline REV]

Builds (once, under --workdir, default /tmp/mella-score-bench) a dataset of long captions in every
language (references made of runs of real text, hypotheses perturbed from them, as in
benchmarks/scoring.py), answers it with the replay backend (`reference:thin`, the perturbed text)
and then scores the run with `python -m mella_bench.cli score --quiet` in a child process. With
`--baseline REV` the package as of that git revision (`git archive`) scores the same run too,
interleaved (baseline, current, baseline, current, ...). CPU time is user + system of the child and
everything it waited for (the METEOR JVMs included); the machine's load average is printed before
and after. Nothing asserts; the summaries of both versions are compared value by value.
"""

from __future__ import annotations

import argparse
import json
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

from benchmarks.scoring import make_items  # noqa: E402
from mella_bench.langs import LANG_CODES  # noqa: E402


def build_run(work: Path, n: int) -> Path:
    """The synthetic dataset and its replayed run (reused when already there with the same size)."""
    run = work / f"run-{n}"
    if (run / "predictions.jsonl").is_file():
        return run
    from mella_bench.inference.backends import resolve_spec
    from mella_bench.inference.run import RunConfig, generate
    from mella_bench.data.tasks import select_tasks
    from tests.conftest import png_bytes

    data = work / f"data-{n}"
    (data / "images").mkdir(parents=True, exist_ok=True)
    (data / "images" / "x.png").write_bytes(png_bytes())
    lines = []
    for lang in LANG_CODES:
        for axis in ("know", "ling"):
            hyps, refs, kws = make_items(lang, n, seed=0 if axis == "know" else 1)
            for i, (h, r, k) in enumerate(zip(hyps, refs, kws)):
                rec = {"id": f"{lang}-{axis}-{i:05d}", "lang": lang, "axis": axis, "image": "images/x.png",
                       "references": r, "thin": h}
                if axis == "know":
                    rec["keywords"] = k
                lines.append(json.dumps(rec, ensure_ascii=False))
    (data / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    tasks = select_tasks(LANG_CODES)
    generate(RunConfig(backend=resolve_spec("reference:thin", None, {}), tasks=tuple(t.name for t in tasks),
                       output=run, data=str(data)), tasks, progress=False)
    return run


def baseline_tree(work: Path, rev: str) -> Path:
    tree = work / f"baseline-{rev}"
    if not tree.is_dir():
        tree.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "mella_bench", "tasks", "judges"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def score_once(code: Path, run: Path) -> tuple[float, float, dict]:
    """(CPU seconds incl. JVMs, wall seconds, summary) of one `score` in a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    env = dict(os.environ, PYTHONPATH=str(code))
    subprocess.run([sys.executable, "-m", "mella_bench.cli", "score", str(run), "--quiet"], env=env, check=True,
                   cwd=code, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, json.loads((run / "summary.json").read_text(encoding="utf-8"))


def largest_difference(a: dict, b: dict) -> float:
    worst = 0.0
    for task, entry in a["tasks"].items():
        for metric, m in entry["metrics"].items():
            o = b["tasks"][task]["metrics"][metric]
            for x, y in [(m["value"], o["value"])] + list(zip(m["ci"] or [], o["ci"] or [])):
                worst = max(worst, abs(x - y))
    return worst


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--items", type=int, default=1000, help="items per task (default 1000)")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--baseline", help="git revision to compare with (e.g. the commit before a change)")
    ap.add_argument("--workdir", default="/tmp/mella-score-bench")
    args = ap.parse_args()
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    run = build_run(work, args.items)
    n_pred = sum(1 for _ in (run / "predictions.jsonl").open(encoding="utf-8"))
    versions = {"current": ROOT}
    if args.baseline:
        versions = {f"baseline {args.baseline}": baseline_tree(work, args.baseline), "current": ROOT}
    load0 = os.getloadavg()
    print(f"16 tasks, {n_pred} predictions; load average before: {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f} "
          f"({os.cpu_count()} CPUs)")
    results: dict[str, list[tuple[float, float]]] = {v: [] for v in versions}
    summaries: dict[str, dict] = {}
    for r in range(args.repeats):
        for name, code in versions.items():
            copy = work / f"scored-{r}"
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(run, copy)
            cpu, wall, summaries[name] = score_once(code, copy)
            results[name].append((cpu, wall))
            print(f"  repeat {r + 1}: {name:<20} cpu {cpu:6.1f}s  wall {wall:6.1f}s", flush=True)
    for name, rs in results.items():
        print(f"{name:<22} median cpu {statistics.median(c for c, _ in rs):6.1f}s  "
              f"median wall {statistics.median(w for _, w in rs):6.1f}s")
    if len(versions) == 2:
        (a, ra), (b, rb) = results.items()
        print(f"ratio {a} / current: cpu {statistics.median(c for c, _ in ra) / statistics.median(c for c, _ in rb):.2f}x, "
              f"wall {statistics.median(w for _, w in ra) / statistics.median(w for _, w in rb):.2f}x; "
              f"largest |difference| of any value or CI bound: {largest_difference(summaries[a], summaries[b]):.1e}")
    load1 = os.getloadavg()
    print(f"load average after: {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}")


if __name__ == "__main__":
    main()
