"""run.json: the one definition of a run directory's header, its format version and its builder.

Every command that creates or extends a run directory (`run`, `merge`, both importers) builds its
header with `new_header`, and every reader parses it with `RunHeader.from_json`, which checks the
format version first (a newer or unknown format is refused with what to do, never half-read) and
then the fields the commands rely on, naming the field at fault. Statuses are a closed set.

Format version 1 is what every release so far has written (the committed results included); the
fields added since (`tasks[*].source`, `tasks[*].provenance` for lmms-eval imports, `reidentified`,
the `imported` status for both importers) are optional, so older files read as they are and are
never rewritten just to be read.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Mapping, get_args

from mella_bench.store.jsonl import StoreError

FORMAT_VERSION = 1
"""Version of run.json and summary.json. Bump when a field changes meaning or a required field is
added, and teach `RunHeader.from_json` to read the previous version."""

RunStatus = Literal["started", "generated", "generated_with_errors", "stopped", "interrupted", "imported"]
RUN_STATUSES: tuple[str, ...] = get_args(RunStatus)
"""started (or still running), finished without / with failed items, stopped because the first items
all failed alike, interrupted (Ctrl-C, a crash, a full disk), imported (predictions made elsewhere,
by either importer). Rerunning the command resumes any run that is not finished."""
FINISHED_STATUSES: tuple[str, ...] = ("generated", "generated_with_errors", "imported")

JUDGE_HEADER_KEY = "judge"
"""run.json key holding the judge settings last used on the run: the judge writes it, scoring and
the sample viewer read it to pick the current judgments."""


class HeaderError(StoreError):
    """A run.json that cannot be read as a run header; the message names the file and field."""


# ---------------------------------------------------------------- provenance every header carries

def fingerprint_hash(fingerprint: Mapping[str, Any]) -> str:
    """16 hex chars identifying a model (backend fingerprint): part of every prediction's key."""
    return hashlib.sha256(json.dumps(fingerprint, sort_keys=True).encode()).hexdigest()[:16]


def redact(obj: Any) -> Any:
    """Copy of a config safe to store (`mella_bench.redact`: one redaction for every file and message)."""
    from mella_bench.redact import redact as redact_config

    return redact_config(obj)


def command_line(argv: list[str] | None = None) -> list[str]:
    """The command as run.json records it: the program by name, not by the absolute path of the
    executable (which differs per machine and leaks home folders), secrets redacted."""
    args = list(sys.argv if argv is None else argv)
    if not args:
        return []
    prog = Path(args[0]).name
    if prog in ("cli.py", "__main__.py", "mella_bench"):  # `python -m mella_bench.cli`
        prog = "mella-bench"
    return redact([prog, *args[1:]])


def git_revision() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).parent)
        return out.stdout.strip() or None if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def package_versions() -> dict[str, str]:
    """Python and package versions as run.json records them."""
    import importlib.metadata as md

    from mella_bench import __version__

    out = {"python": platform.python_version(), "mella-bench": __version__}
    for pkg in ("torch", "transformers", "sacrebleu", "pycocoevalcap", "pythainlp", "vllm"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            pass
    return out


def now_utc() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


# ---------------------------------------------------------------- the typed header

@dataclass(frozen=True)
class TaskEntry:
    """One task of a run as run.json records it: what was asked, of which data, scored how."""

    hash: str
    """Task content hash (prompt, generation, data, version): part of every prediction's key."""
    lang: str
    axis: str
    data: str
    """The dataset, loadable from any folder: 'demo', an absolute `PATH[#split=..&columns=..]`, or a
    folder of the run directory when `data_relative_to_run` (imported references)."""
    metrics: tuple[str, ...]
    version: int = 1
    data_hash: str | None = None
    """Content identity of the task's items (`mella_bench.data.identity.data_hash`) when generated: score,
    judge and merge refuse to go on when the data no longer has it (unless told to re-identify)."""
    prompt: str | None = None
    generation: Mapping[str, Any] | None = None
    rubrics: tuple[str, ...] = ()
    source: Mapping[str, Any] | None = None
    """The resolved data source (absolute path, format, split, columns, settings file); None in
    headers written before it was recorded."""
    data_relative_to_run: bool = False
    provenance: Mapping[str, Any] | None = None
    """Imported tasks: where the predictions came from (file, sha256, format, repository, ...)."""
    skipped_records: tuple[Mapping[str, Any], ...] | None = None
    """Imported tasks: source records that could not become items, with why."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"hash": self.hash, "version": self.version, "lang": self.lang, "axis": self.axis,
                               "data": self.data}
        if self.data_relative_to_run:
            out["data_relative_to_run"] = True
        out["data_hash"] = self.data_hash
        if self.source is not None:
            out["source"] = dict(self.source)
        out.update({"prompt": self.prompt, "generation": dict(self.generation) if self.generation is not None else None,
                    "metrics": list(self.metrics), "rubrics": list(self.rubrics)})
        if self.provenance is not None:
            out["provenance"] = dict(self.provenance)
        if self.skipped_records is not None:
            out["skipped_records"] = [dict(x) for x in self.skipped_records]
        return out

    @staticmethod
    def from_json(raw: Any, where: str) -> "TaskEntry":
        f = _Fields(raw, where)
        return TaskEntry(hash=f.text("hash"), lang=f.text("lang"), axis=f.text("axis"), data=f.text("data"),
                         metrics=f.texts("metrics"), version=f.whole("version", 1),
                         data_hash=f.opt_text("data_hash"), prompt=f.opt_text("prompt"),
                         generation=f.opt_obj("generation"), rubrics=f.texts("rubrics", ()),
                         source=f.opt_obj("source"), data_relative_to_run=f.flag("data_relative_to_run"),
                         provenance=f.opt_obj("provenance"), skipped_records=f.opt_objs("skipped_records"))


@dataclass(frozen=True)
class RunHeader:
    """run.json, typed. Build one with `new_header`; change one with `dataclasses.replace`."""

    status: RunStatus
    created: str
    config: Mapping[str, Any]
    """The command's settings as given (backend, tasks, data, limit, batch size, seed, shard, limits),
    redacted."""
    model_fingerprint: Mapping[str, Any]
    model_hash: str
    tasks: Mapping[str, TaskEntry]
    command: tuple[str, ...] = ()
    versions: Mapping[str, str] = field(default_factory=dict)
    git: str | None = None
    seed: int = 0
    counts: Mapping[str, int] | None = None
    stopped_because: str | None = None
    judge: Mapping[str, Any] | None = None
    merged_from: tuple[Mapping[str, Any], ...] | None = None
    reidentified: tuple[Mapping[str, Any], ...] | None = None
    """Each time `--reidentify` accepted changed data: task, content hash before and after, when, items."""
    batch_fallbacks: Mapping[str, Any] | None = None
    """The last `run`'s batches that failed as a whole and were generated one by one (hf backend):
    `batches`, `items`, `first_reason`; absent for backends that do not batch so."""
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Top-level keys this version does not know (e.g. `imports` of early lmms-eval imports), kept as they are."""
    format_version: int = FORMAT_VERSION

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "format_version": self.format_version, "status": self.status, "created": self.created,
            "config": _plain(self.config), "command": list(self.command), "versions": dict(self.versions),
            "git": self.git, "seeds": {"run": self.seed},
            "model": {"fingerprint": _plain(self.model_fingerprint), "hash": self.model_hash},
            "tasks": {name: t.to_json() for name, t in self.tasks.items()}}
        for key in ("counts", "stopped_because", "judge", "merged_from", "reidentified", "batch_fallbacks"):
            value = getattr(self, key)
            if value is not None:
                out[key] = _plain(value)
        out.update(_plain(self.extra))
        return out

    @staticmethod
    def from_json(raw: Any, where: str = "run.json") -> "RunHeader":
        check_format_version(raw, where)
        f = _Fields(raw, where)
        status = f.text("status")
        if status not in RUN_STATUSES:
            raise HeaderError(f"{where}: field 'status' is '{status}', not one of {', '.join(RUN_STATUSES)}")
        model = f.obj("model")
        fm = _Fields(model, f"{where}: model")
        tasks_raw = f.obj("tasks")
        tasks = {str(name): TaskEntry.from_json(t, f"{where}: tasks.{name}") for name, t in tasks_raw.items()}
        seeds = f.opt_obj("seeds") or {}
        seed = seeds.get("run", 0)
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise HeaderError(f"{where}: field 'seeds.run' must be a whole number, got {seed!r}")
        known = {"format_version", "status", "created", "config", "command", "versions", "git", "seeds", "model",
                 "tasks", "counts", "stopped_because", "judge", "merged_from", "reidentified", "batch_fallbacks"}
        return RunHeader(
            status=status, created=f.opt_text("created") or "", config=f.obj("config"),
            model_fingerprint=fm.opt_obj("fingerprint") or {}, model_hash=fm.text("hash"), tasks=tasks,
            command=f.texts("command", ()), versions=f.opt_obj("versions") or {}, git=f.opt_text("git"), seed=seed,
            counts=f.opt_obj("counts"), stopped_because=f.opt_text("stopped_because"), judge=f.opt_obj("judge"),
            merged_from=f.opt_objs("merged_from"), reidentified=f.opt_objs("reidentified"),
            batch_fallbacks=_batch_fallbacks(f.opt_obj("batch_fallbacks"), where),
            extra={k: v for k, v in raw.items() if k not in known}, format_version=raw["format_version"])

    def with_task(self, name: str, entry: TaskEntry) -> "RunHeader":
        return replace(self, tasks={**self.tasks, name: entry})


def new_header(*, status: RunStatus, config: Mapping[str, Any], fingerprint: Mapping[str, Any],
               tasks: Mapping[str, TaskEntry], seed: int = 0, command: list[str] | None = None,
               **optional: Any) -> RunHeader:
    """The one run.json builder: `run`, `merge` and both importers call it, so every run directory
    records the same provenance (creation time, command, versions, git revision, model hash)."""
    return RunHeader(status=status, created=now_utc(), config=redact(dict(config)),
                     model_fingerprint=dict(fingerprint), model_hash=fingerprint_hash(fingerprint), tasks=dict(tasks),
                     command=tuple(command_line() if command is None else command), versions=package_versions(),
                     git=git_revision(), seed=seed, **optional)


def run_config(backend: Mapping[str, Any], tasks: list[str], *, data: str | None = None, limit: int | None = None,
               batch_size: int | None = None, seed: int = 0, shard: list[int] | None = None,
               limits: Mapping[str, int] | None = None, **extra: Any) -> dict[str, Any]:
    """run.json `config`, the same keys for runs and imports (an import has no batch size or shard)."""
    cfg: dict[str, Any] = {"backend": dict(backend), "tasks": list(tasks), "data": data, "limit": limit,
                           "batch_size": batch_size, "seed": seed, "shard": shard}
    if limits is not None:
        cfg["limits"] = dict(limits)
    cfg.update(extra)
    return cfg


def check_format_version(raw: Any, where: str) -> int:
    """The file's format version, or a HeaderError saying what to do (every reader calls this first)."""
    if not isinstance(raw, dict):
        raise HeaderError(f"{where}: expected a JSON object, got {type(raw).__name__}; not a file mella-bench wrote")
    version = raw.get("format_version")
    if version is None:
        raise HeaderError(f"{where}: no 'format_version'; not a file mella-bench wrote (or an unfinished one)")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise HeaderError(f"{where}: 'format_version' {version!r} is not a format mella-bench knows")
    if version > FORMAT_VERSION:
        raise HeaderError(f"{where}: format version {version} was written by a newer mella-bench (this one reads "
                          f"up to {FORMAT_VERSION}); upgrade mella-bench to read it")
    return version


# ---------------------------------------------------------------- field checks

def _batch_fallbacks(raw: dict[str, Any] | None, where: str) -> dict[str, Any] | None:
    """`batch_fallbacks` checked: two counts and the first reason (the end-of-run note reads them)."""
    if raw is None:
        return None
    f = _Fields(raw, f"{where}: batch_fallbacks")
    counts = {key: f.whole(key, 0) for key in ("batches", "items")}
    if min(counts.values()) < 0:
        raise HeaderError(f"{where}: batch_fallbacks counts must not be negative, got {counts}")
    return {**counts, "first_reason": f.opt_text("first_reason")}


def _plain(value: Any) -> Any:
    """Mappings and tuples as JSON-ready dicts and lists."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


class _Fields:
    """Typed access to one JSON object's fields; every failure names the file and the field."""

    def __init__(self, raw: Any, where: str):
        if not isinstance(raw, dict):
            raise HeaderError(f"{where}: expected an object, got {type(raw).__name__}")
        self.raw, self.where = raw, where

    def _bad(self, key: str, want: str) -> HeaderError:
        got = self.raw.get(key)
        return HeaderError(f"{self.where}: field '{key}' must be {want}, got "
                           f"{'nothing' if key not in self.raw else repr(got)[:80]}")

    def text(self, key: str) -> str:
        v = self.raw.get(key)
        if not isinstance(v, str):
            raise self._bad(key, "a string")
        return v

    def opt_text(self, key: str) -> str | None:
        v = self.raw.get(key)
        if v is not None and not isinstance(v, str):
            raise self._bad(key, "a string or null")
        return v

    def whole(self, key: str, default: int) -> int:
        v = self.raw.get(key, default)
        if not isinstance(v, int) or isinstance(v, bool):
            raise self._bad(key, "a whole number")
        return v

    def flag(self, key: str) -> bool:
        v = self.raw.get(key, False)
        if not isinstance(v, bool):
            raise self._bad(key, "true or false")
        return v

    def obj(self, key: str) -> dict[str, Any]:
        v = self.raw.get(key)
        if not isinstance(v, dict):
            raise self._bad(key, "an object")
        return v

    def opt_obj(self, key: str) -> dict[str, Any] | None:
        v = self.raw.get(key)
        if v is not None and not isinstance(v, dict):
            raise self._bad(key, "an object or null")
        return v

    def opt_objs(self, key: str) -> tuple[dict[str, Any], ...] | None:
        v = self.raw.get(key)
        if v is None:
            return None
        if not isinstance(v, list) or not all(isinstance(x, dict) for x in v):
            raise self._bad(key, "a list of objects")
        return tuple(v)

    def texts(self, key: str, default: tuple[str, ...] | None = None) -> tuple[str, ...]:
        v = self.raw.get(key)
        if v is None and default is not None:
            return default
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise self._bad(key, "a list of strings")
        return tuple(v)
