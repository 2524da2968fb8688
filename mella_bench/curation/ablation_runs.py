"""`mella-bench ablate` on checkpoints: evaluate the four arms identically, refuse mismatches, check tables.

An arm is given either as a run directory (it has run.json: used as it is) or as anything
`mella-bench run --model` accepts (a checkpoint directory, `tiny`, `reference:...`). Missing runs are
made under OUT/runs/<arm> with one shared set of settings (tasks, data, limit, batch size, seed) —
resumable like any run, since `generate` skips finished predictions. Before the table is written the
four run.json files are compared: an ablation whose arms saw different data, tasks, prompts or
generation settings is refused, because its deltas would not measure the training data.

OUT/ablation.json records the arms and the bootstrap settings, so `mella-bench ablate --check OUT`
can rebuild the table from the arms' predictions (rescored, nothing regenerated) and fail on any
difference — the CI check of the committed example.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterable

from mella_bench.curation.ablation import ARMS, plot_section, render_ablation, write_ablation_runs
from mella_bench.reports.leaderboard import RunData, load_run, load_runs
from mella_bench.store import RUN_JSON, read_json, read_versioned, write_json
from mella_bench.stats import RESAMPLES

ABLATION_JSON = "ablation.json"
RowsFor = Callable[[Path], Iterable[dict]]


class AblationMismatch(ValueError):
    """The four arms were not evaluated identically."""


@dataclass(frozen=True)
class EvalSettings:
    """What every arm is evaluated with; None = take it from an arm given as a run directory, else the default."""

    langs: tuple[str, ...] | None = None
    tasks: tuple[str, ...] | None = None
    """Task or group names (default: the `mella` group)."""
    data: str | None = None
    limit: int | None = None
    batch_size: int | None = None
    seed: int | None = None


@dataclass(frozen=True)
class ArmInput:
    arm: str
    given: str
    """What the user passed."""
    run_dir: Path
    model: str | None
    """The model to run when `run_dir` does not exist yet (None: `given` was a run directory)."""


def is_run_dir(path: str | Path) -> bool:
    return (Path(path) / RUN_JSON).is_file()


def arm_inputs(given: dict[str, str], out_dir: Path) -> list[ArmInput]:
    """Run directories are used as they are; anything else is a model to run into OUT/runs/<arm>."""
    missing = [a for a in ARMS if not given.get(a)]
    if missing:
        raise ValueError(f"give all four arms; missing: {', '.join('--' + a for a in missing)}")
    return [ArmInput(a, given[a], Path(given[a]), None) if is_run_dir(given[a])
            else ArmInput(a, given[a], out_dir / "runs" / a, given[a]) for a in ARMS]


def settings_from_run(run_dir: Path) -> EvalSettings:
    """The settings a finished run was made with (to evaluate the other arms the same way)."""
    hdr = read_versioned(run_dir / RUN_JSON, RUN_JSON)
    cfg = hdr.get("config") or {}
    tasks = hdr.get("tasks") or {}
    return EvalSettings(langs=tuple(dict.fromkeys(t["lang"] for t in tasks.values())) or None,
                        tasks=tuple(cfg.get("tasks") or ()) or None, data=cfg.get("data"), limit=cfg.get("limit"),
                        batch_size=cfg.get("batch_size"), seed=cfg.get("seed"))


def resolve_settings(requested: EvalSettings, inputs: list[ArmInput]) -> EvalSettings:
    """Fill what the user left open from the first arm given as a run directory, then from the defaults."""
    from mella_bench.langs import LANG_CODES

    done = [i for i in inputs if i.model is None or is_run_dir(i.run_dir)]
    ref = settings_from_run(done[0].run_dir) if done else EvalSettings()
    merged = {k: getattr(requested, k) if getattr(requested, k) is not None else getattr(ref, k)
              for k in EvalSettings.__dataclass_fields__}
    out = EvalSettings(**merged)
    return replace(out, langs=out.langs or LANG_CODES, batch_size=out.batch_size or 8,
                   seed=0 if out.seed is None else out.seed)


def run_arm(inp: ArmInput, settings: EvalSettings, backend: str | None, options: dict[str, Any],
            shards: int | None = None, progress: bool = True) -> Path:
    """Generate (or continue) the arm's run with the shared settings, then score it."""
    from mella_bench.inference.backends import resolve_spec
    from mella_bench.metrics.score import score_run
    from mella_bench.inference.run import RunConfig, generate
    from mella_bench.data.tasks import select_tasks

    assert inp.model is not None
    tasks = select_tasks(settings.langs, list(settings.tasks) if settings.tasks else None)
    if not tasks:
        raise ValueError("no task matches the ablation's tasks and languages")
    spec = resolve_spec(inp.model, backend, options)
    config = RunConfig(backend=spec, tasks=tuple(t.name for t in tasks), output=inp.run_dir, data=settings.data,
                       limit=settings.limit, batch_size=settings.batch_size or 8, seed=settings.seed or 0,
                       extra={"ablation_arm": inp.arm})
    if shards:
        from mella_bench.inference.executor import run_sharded

        run_sharded(config, tasks, shards, "local", progress=progress)
    else:
        generate(config, tasks, progress=progress)
    score_run(inp.run_dir, progress=progress)
    return inp.run_dir


# ---------------------------------------------------------------- the identical-settings check

def evaluation_identity(run_dir: Path) -> dict[str, Any]:
    """Everything that must be the same across the arms: per task its content hash, data, prompt and
    generation settings; the item limit and the data override. (The model is what differs.)"""
    hdr = read_versioned(Path(run_dir) / RUN_JSON, RUN_JSON)
    cfg = hdr.get("config") or {}
    tasks = {name: {k: t.get(k) for k in ("hash", "data", "prompt", "generation")}
             for name, t in sorted((hdr.get("tasks") or {}).items())}
    return {"tasks": tasks, "limit": cfg.get("limit"), "data": cfg.get("data")}


def mismatches(run_dirs: dict[str, Path]) -> list[str]:
    """One line per difference between an arm and the base arm (empty: evaluated identically)."""
    ids = {arm: evaluation_identity(d) for arm, d in run_dirs.items()}
    ref_arm = ARMS[0]
    ref = ids[ref_arm]
    out = []
    for arm, ident in ids.items():
        if arm == ref_arm:
            continue
        if set(ident["tasks"]) != set(ref["tasks"]):
            extra, lost = sorted(set(ident["tasks"]) - set(ref["tasks"])), sorted(set(ref["tasks"]) - set(ident["tasks"]))
            out.append(f"{arm} vs {ref_arm}: different tasks"
                       + (f" (only in {arm}: {', '.join(extra)})" if extra else "")
                       + (f" (only in {ref_arm}: {', '.join(lost)})" if lost else ""))
        for name in sorted(set(ident["tasks"]) & set(ref["tasks"])):
            for key in ("data", "prompt", "generation", "hash"):
                if ident["tasks"][name][key] != ref["tasks"][name][key]:
                    out.append(f"{arm} vs {ref_arm}: task {name}: {key} differs "
                               f"({ref['tasks'][name][key]!r} vs {ident['tasks'][name][key]!r})")
        for key in ("limit", "data"):
            if ident[key] != ref[key]:
                out.append(f"{arm} vs {ref_arm}: --{key} differs ({ref[key]!r} vs {ident[key]!r})")
    return out


def check_identical(run_dirs: dict[str, Path]) -> None:
    problems = mismatches(run_dirs)
    if problems:
        raise AblationMismatch("the four arms were not evaluated identically, so their differences would not measure "
                               "the training data:\n  " + "\n  ".join(problems)
                               + "\nRe-run the odd arm(s) with the same --tasks/--langs/--data/--limit (or pass "
                                 "checkpoints and let `ablate` run them).")


# ---------------------------------------------------------------- the command

@dataclass(frozen=True)
class AblateResult:
    out_dir: Path
    run_dirs: dict[str, Path]
    ran: tuple[str, ...]
    """Arms whose runs were made (or continued) by this command."""
    files: tuple[Path, ...]


def ablate(given: dict[str, str], out_dir: Path, requested: EvalSettings = EvalSettings(), backend: str | None = None,
           options: dict[str, Any] | None = None, resamples: int = RESAMPLES, seed: int | None = None,
           shards: int | None = None, progress: bool = True) -> AblateResult:
    """Evaluate what is missing, refuse mismatched arms, write the table and ablation.json."""
    out_dir = Path(out_dir)
    inputs = arm_inputs(given, out_dir)
    settings = resolve_settings(requested, inputs)
    ran = []
    for inp in inputs:
        if inp.model is not None:
            run_arm(inp, settings, backend, dict(options or {}), shards, progress)
            ran.append(inp.arm)
    run_dirs = {i.arm: i.run_dir for i in inputs}
    check_identical(run_dirs)
    for d in run_dirs.values():
        if not (d / "scores.jsonl").is_file():
            from mella_bench.metrics.score import score_run

            score_run(d, progress=progress)
    runs = dict(zip(ARMS, load_runs([run_dirs[a] for a in ARMS])))
    files = write_ablation_runs(runs, out_dir, resamples, seed)
    write_json(out_dir / ABLATION_JSON, {
        "arms": {i.arm: {"run": _rel(i.run_dir, out_dir), "given": i.given if i.model is None else _given(i.given)}
                 for i in inputs},
        "resamples": resamples, "seed": seed,
    })
    return AblateResult(out_dir, run_dirs, tuple(ran),
                        tuple(p for p in (files.markdown, files.csv, files.latex, files.plot) if p))


def _given(model: str) -> str:
    """A model argument as recorded: a path is shown by name only (no machine-specific absolute paths)."""
    return Path(model).name if Path(model).is_dir() else model


def _rel(path: Path, root: Path) -> str:
    import os

    return Path(os.path.relpath(Path(path).resolve(), Path(root).resolve())).as_posix()


# ---------------------------------------------------------------- the check

def rescored_run(run_dir: Path) -> RunData:
    """A run with its scores re-derived from predictions.jsonl (nothing written)."""
    from mella_bench.metrics import rescore

    return load_run(run_dir, list(rescore(Path(run_dir))))


def check_ablation(out_dir: Path, rows_for: RowsFor | None = None) -> tuple[bool, str]:
    """Rebuild ablation.md/.csv/.tex from the arms' predictions and compare with the committed files."""
    out_dir = Path(out_dir)
    meta_path = out_dir / ABLATION_JSON
    if not meta_path.is_file():
        raise FileNotFoundError(f"{meta_path} not found; `ablate --check` needs a folder written by `mella-bench ablate`")
    meta = read_json(meta_path)
    dirs = [out_dir / meta["arms"][a]["run"] for a in ARMS]
    if rows_for is None:
        loaded = [rescored_run(d) for d in dirs]
    else:
        loaded = [load_run(d, rows_for(d)) for d in dirs]
    labels = [r.label for r in loaded]  # same relabelling as `load_runs`
    loaded = [RunData(r.path, f"{r.label} ({r.path.name})", r.scores, r.signatures, r.seed)
              if labels.count(r.label) > 1 else r for r in loaded]
    texts, _ = render_ablation(dict(zip(ARMS, loaded)), out_dir, int(meta.get("resamples", RESAMPLES)), meta.get("seed"))
    if (out_dir / "ablation.png").is_file():
        texts["ablation.md"] += plot_section("ablation.png")
    problems = []
    for name, text in texts.items():
        path = out_dir / name
        if not path.is_file():
            problems.append(f"{path}: missing")
            continue
        committed = path.read_text(encoding="utf-8")
        if committed != text:
            problems.append("\n".join(difflib.unified_diff(committed.splitlines(), text.splitlines(),
                                                           f"{path} (committed)", f"{path} (from the predictions)",
                                                           lineterm="", n=0)))
    if problems:
        return False, ("the committed ablation differs from what the arms' predictions give (rerun `mella-bench "
                       "ablate` and commit, or revert the runs):\n" + "\n".join(problems))
    return True, f"ablation up to date: {len(texts)} files under {out_dir} (from {', '.join(map(str, dirs))})"


__all__ = ["ABLATION_JSON", "AblateResult", "AblationMismatch", "EvalSettings", "ablate", "check_ablation",
           "check_identical", "mismatches"]
