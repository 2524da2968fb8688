"""Task definitions: flat YAML files in `tasks/`, resolved, validated and content-hashed.

A task's hash covers everything that changes what a model is asked (prompt, generation
settings, data source, version); it is part of every prediction's cache key. Scoring-only settings
(metrics, rubrics) are not in it: adding a metric re-scores the cached answers, it never regenerates them.

Users add tasks and groups without touching the package through include folders
(`--include-path DIR`, repeatable): the same strict parsing and hashing apply, a user file may
`include:` a shipped task file by name (to vary only its prompt, say), and a name that is already
taken is refused rather than silently shadowing the shipped task.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

from mella_bench.langs import AXES, LANGUAGES
from mella_bench.yamlio import ConfigError, data_dir, load_yaml

TASKS_DIR = data_dir("tasks")

_TASK_KEYS = {"task", "include", "version", "lang", "axis", "data", "prompt", "generation", "metrics",
              "rubrics", "description"}
_GEN_KEYS = {"max_new_tokens", "temperature", "stop"}


@dataclass(frozen=True)
class GenerationConfig:
    """Decoding settings; greedy (temperature 0) unless a task says otherwise."""

    max_new_tokens: int = 256
    temperature: float = 0.0
    stop: tuple[str, ...] = ()


_NOT_HASHED = frozenset({"source", "description", "metrics", "rubrics"})
"""Fields that do not change what the model is asked."""


@dataclass(frozen=True)
class Task:
    """A resolved task: one language, one axis, one frozen prompt."""

    name: str
    version: int
    lang: str
    axis: str
    data: str
    """Dataset path or `demo`; `--data` overrides it."""
    prompt: str
    """Instruction in the target language, sent with the image."""
    generation: GenerationConfig
    metrics: tuple[str, ...]
    rubrics: tuple[str, ...]
    description: str = ""
    source: str = field(default="", compare=False)
    """File the task came from."""

    @property
    def hash(self) -> str:
        """Content hash of everything that changes the model's input (12 hex chars); not metrics or rubrics."""
        payload = {k: v for k, v in asdict(self).items() if k not in _NOT_HASHED}
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
        return hashlib.sha256(blob).hexdigest()[:12]


def _resolve_file(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    if path in seen:
        raise ConfigError(f"{path}: include cycle")
    data = load_yaml(path)
    inc = data.pop("include", None)
    if inc is None:
        return data
    if not isinstance(inc, str):
        raise ConfigError(f"{path}: include must be a file name")
    base_path = (path.parent / inc)
    if not base_path.resolve().is_relative_to(path.parent.resolve()):
        raise ConfigError(f"{path}: include '{inc}' must name a file in the same folder")
    if not base_path.is_file() and "/" not in inc and (TASKS_DIR / inc).is_file():
        base_path = TASKS_DIR / inc  # a user task folder building on a shipped task file
    if not base_path.is_file():
        raise ConfigError(f"{path}: include '{inc}' not found (looked in {path.parent} and the shipped tasks)")
    merged = _resolve_file(base_path, seen + (path,))
    merged.update(data)
    return merged


def _parse_task(path: Path) -> Task:
    raw = _resolve_file(path)

    def need(key: str, kind: type) -> Any:
        if key not in raw:
            raise ConfigError(f"{path}: missing key '{key}'")
        if not isinstance(raw[key], kind):
            raise ConfigError(f"{path}: key '{key}' must be {kind.__name__}, got {type(raw[key]).__name__}")
        return raw[key]

    unknown = set(raw) - _TASK_KEYS
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {sorted(unknown)}; allowed: {sorted(_TASK_KEYS)}")
    name = need("task", str)
    if name != path.stem:
        raise ConfigError(f"{path}: task name '{name}' must equal the file name '{path.stem}'")
    lang, axis = need("lang", str), need("axis", str)
    if lang not in LANGUAGES:
        raise ConfigError(f"{path}: key 'lang': unknown language '{lang}'")
    if axis not in AXES:
        raise ConfigError(f"{path}: key 'axis': must be one of {AXES}")
    gen_raw = raw.get("generation", {}) or {}
    if not isinstance(gen_raw, dict) or set(gen_raw) - _GEN_KEYS:
        raise ConfigError(f"{path}: key 'generation' must be a mapping with keys from {sorted(_GEN_KEYS)}")
    gen = GenerationConfig(
        max_new_tokens=int(gen_raw.get("max_new_tokens", 256)),
        temperature=float(gen_raw.get("temperature", 0.0)),
        stop=tuple(gen_raw.get("stop", ()) or ()),
    )
    prompt = need("prompt", str).strip()
    if not prompt:
        raise ConfigError(f"{path}: key 'prompt' is empty")
    return Task(
        name=name, version=need("version", int), lang=lang, axis=axis,
        data=str(raw.get("data", "demo")), prompt=prompt, generation=gen,
        metrics=tuple(need("metrics", list)), rubrics=tuple(raw.get("rubrics", []) or []),
        description=str(raw.get("description", "")), source=str(path),
    )


@dataclass(frozen=True)
class Registry:
    """All tasks and groups found in a tasks folder (the one and only task registry)."""

    tasks: dict[str, Task]
    groups: dict[str, tuple[str, ...]]

    def expand(self, names: list[str] | tuple[str, ...]) -> list[Task]:
        """Task and group names → unique tasks in first-mention order; unknown names get suggestions."""
        out: dict[str, Task] = {}

        def add(name: str, stack: tuple[str, ...] = ()) -> None:
            if name in self.tasks:
                out.setdefault(name, self.tasks[name])
            elif name in self.groups:
                if name in stack:
                    raise ConfigError(f"group cycle through '{name}'")
                for member in self.groups[name]:
                    add(member, stack + (name,))
            else:
                close = difflib.get_close_matches(name, list(self.tasks) + list(self.groups), n=3)
                hint = f"; did you mean {', '.join(close)}?" if close else "; see `mella-bench tasks list`"
                raise ConfigError(f"unknown task or group '{name}'{hint}")

        for n in names:
            add(n)
        return list(out.values())


def load_registry(folder: Path = TASKS_DIR, include_paths: Sequence[str | Path] = ()) -> Registry:
    """Read every task and group file in `folder` and then in each include folder (files starting
    with `_` are include-only); a task or group name defined twice is an error naming both files."""
    tasks: dict[str, Task] = {}
    groups: dict[str, tuple[str, ...]] = {}
    origin: dict[str, Path] = {}
    for extra in include_paths:
        if not Path(extra).is_dir():
            raise ConfigError(f"--include-path {extra}: not a folder of task YAML files")
    for base in (Path(folder), *(Path(p) for p in include_paths)):
        for path in sorted(base.glob("*.yaml")):
            if path.name.startswith("_"):
                continue
            head = load_yaml(path)
            name = head.get("group", head.get("task"))
            if isinstance(name, str) and name in origin:
                raise ConfigError(f"{path}: '{name}' is already defined in {origin[name]}; give the new task or "
                                  "group its own name (task name = file name)")
            if "group" in head:
                if set(head) - {"group", "tasks", "description"}:
                    raise ConfigError(f"{path}: a group file holds only 'group', 'tasks' and 'description'")
                if head["group"] != path.stem or not isinstance(head.get("tasks"), list):
                    raise ConfigError(f"{path}: group name must equal the file name and 'tasks' must be a list")
                groups[head["group"]] = tuple(head["tasks"])
                origin[head["group"]] = path
            else:
                task = _parse_task(path)
                tasks[task.name] = task
                origin[task.name] = path
    reg = Registry(tasks, groups)
    for g in groups:  # fail early on dangling group members
        reg.expand([g])
    return reg


def select_tasks(langs: tuple[str, ...], names: list[str] | None = None,
                 registry: Registry | None = None, include_paths: Sequence[str | Path] = ()) -> list[Task]:
    """Tasks named (default: the `mella` group) restricted to the given languages."""
    reg = registry or load_registry(include_paths=include_paths)
    chosen = reg.expand(names or ["mella"])
    return [t for t in chosen if t.lang in langs]
