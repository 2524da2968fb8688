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
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

from mella_bench.langs import AXES, LANGUAGES
from mella_bench.data.yamlio import ConfigError, data_dir, load_yaml

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


def _inside(path: Path, folder: Path) -> None:
    """Refuse a task file that is a symlink to a file outside its folder, before reading it (a YAML
    error would quote the other file's lines: a key file, /etc/shadow)."""
    try:
        inside = path.resolve().is_relative_to(Path(folder).resolve())
    except OSError:
        inside = False
    if not inside:
        raise ConfigError(f"{path}: a link to a file outside {folder}; task and group files must lie in their "
                          "folder (copy the file there instead)")


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
    gen = _parse_generation(path, raw.get("generation", {}) or {})
    prompt = need("prompt", str).strip()
    if not prompt:
        raise ConfigError(f"{path}: key 'prompt' is empty")
    version = need("version", int)
    if isinstance(version, bool) or version < 1:
        raise ConfigError(f"{path}: key 'version' must be a whole number of at least 1, got {version!r}")
    data = raw.get("data", "demo")
    if not isinstance(data, str) or not data.strip():
        raise ConfigError(f"{path}: key 'data' must be a dataset path or 'demo', got {data!r}")
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise ConfigError(f"{path}: key 'description' must be text, got {type(description).__name__}")
    return Task(
        name=name, version=version, lang=lang, axis=axis, data=data, prompt=prompt, generation=gen,
        metrics=_names(path, "metrics", need("metrics", list)), rubrics=_names(path, "rubrics", raw.get("rubrics") or []),
        description=description, source=str(path),
    )


def _names(path: Path, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{path}: key '{key}' must be a list of names, got {value!r}")
    return tuple(value)


def _parse_generation(path: Path, raw: Any) -> GenerationConfig:
    """`generation:` with every type checked, naming file and field: `max_new_tokens: "abc"` or `0`,
    `temperature: -1` are refused; `stop: "</s>"` is one stop string (a list of characters would cut
    answers at the first `s`)."""
    if not isinstance(raw, dict) or set(raw) - _GEN_KEYS:
        raise ConfigError(f"{path}: key 'generation' must be a mapping with keys from {sorted(_GEN_KEYS)}")
    tokens = raw.get("max_new_tokens", 256)
    if isinstance(tokens, bool) or not isinstance(tokens, int) or tokens < 1:
        raise ConfigError(f"{path}: key 'generation.max_new_tokens' must be a whole number of at least 1, "
                          f"got {tokens!r}")
    temp = raw.get("temperature", 0.0)
    if isinstance(temp, bool) or not isinstance(temp, (int, float)) or not math.isfinite(temp) or temp < 0:
        raise ConfigError(f"{path}: key 'generation.temperature' must be a number of at least 0 (0 = greedy), "
                          f"got {temp!r}")
    stop = raw.get("stop") or ()
    if isinstance(stop, str):
        stop = [stop]  # one stop string, not its characters
    if not isinstance(stop, (list, tuple)) or not all(isinstance(x, str) and x for x in stop):
        raise ConfigError(f"{path}: key 'generation.stop' must be a stop string or a list of them, got {stop!r}")
    return GenerationConfig(max_new_tokens=tokens, temperature=float(temp), stop=tuple(stop))


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
            _inside(path, base)
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
