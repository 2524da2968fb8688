"""The options each backend takes, declared here with the backends (not in the CLI).

The CLI makes one flag per declared option (an option two backends share, such as `--device` for hf
and tiny, is one flag), and a flag set for a backend that does not declare it is an error naming its
owners. Adding a backend option is one `Option` in its backend's tuple; nothing in the CLI changes.
This module imports nothing heavy: `--help` lists the flags without importing torch or vLLM.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence


def positive_int(text: str) -> int:
    """argparse type for counts that must be at least 1 (0 gave an empty run or `range() arg 3 must not be zero`)."""
    value = non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got '{text}'") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {value}")
    return value


def positive_seconds(text: str) -> float:
    """argparse type for timeouts: a positive, finite number of seconds (-1, 0 or nan would never time out
    or time out at once)."""
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got '{text}'") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text}")
    return value


@dataclass(frozen=True)
class Option:
    """One backend option and the command-line flag that sets it."""

    flag: str
    """The flag (`--device`)."""
    key: str
    """The keyword the backend's constructor takes and run.json records (`timeout_s` for `--timeout`)."""
    help: str
    type: Callable[[str], Any] | None = None
    choices: tuple[str, ...] | None = None
    metavar: str | None = None
    switch: bool = False
    """A flag without a value (`--trust-remote-code`): True when given."""

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")


TRUST_REMOTE_CODE = Option("--trust-remote-code", "trust_remote_code", switch=True,
                           help="allow model repositories to run their own Python code (off by default)")
TORCH: tuple[Option, ...] = (
    Option("--device", "device", help="torch device for hf/tiny (default: cuda if available, else cpu)"),
    Option("--dtype", "dtype", choices=("bfloat16", "float16", "float32"),
           help="weights/activations dtype for hf/tiny (default: bfloat16 on cuda, float32 on cpu)"),
    Option("--threads", "threads", type=positive_int,
           help="torch CPU threads for hf/tiny (default: 1 for tiny, torch's choice for hf)"),
    TRUST_REMOTE_CODE,
)
VLLM: tuple[Option, ...] = (
    Option("--tensor-parallel-size", "tensor_parallel_size", type=positive_int,
           help="GPUs per engine (vLLM tensor parallelism)"),
    Option("--gpu-memory-utilization", "gpu_memory_utilization", type=float,
           help="share of each GPU's memory vLLM may take (vLLM: 0.9)"),
    Option("--max-model-len", "max_model_len", type=positive_int, help="context length to allocate (default: the model's)"),
    TRUST_REMOTE_CODE,
)
OPENAI: tuple[Option, ...] = (
    Option("--base-url", "base_url", help="endpoint, e.g. http://127.0.0.1:8000/v1 (default: $OPENAI_BASE_URL, "
                                          "else https://api.openai.com/v1)"),
    Option("--api-key-env", "api_key_env", help="environment variable holding the API key (default OPENAI_API_KEY); "
                                                "the key itself is never written anywhere"),
    Option("--api-key-header", "api_key_header", metavar="NAME",
           help="header that carries the key: Authorization sends 'Bearer KEY' (default); api-key sends "
                "the bare key (Azure OpenAI key auth)"),
    Option("--concurrency", "concurrency", type=positive_int, help="requests in flight at once (default 8)"),
    Option("--timeout", "timeout_s", type=positive_seconds, metavar="SECONDS", help="seconds per request attempt (default 120)"),
    Option("--retries", "max_retries", type=non_negative_int,
           help="retries per request on 429/5xx/timeouts/dropped connections, with backoff (default 5)"),
)
GROUP_TITLES = {"vllm": "vllm backend", "openai": "openai backend (any OpenAI-compatible server)",
                "hf": "hf and tiny backends (local checkpoints, torch)"}


def all_options(declared: Mapping[str, Sequence[Option]]) -> dict[str, tuple[Option, tuple[str, ...]]]:
    """flag → (option, the backends that take it), in declaration order, each flag once."""
    out: dict[str, tuple[Option, tuple[str, ...]]] = {}
    for backend, options in declared.items():
        for opt in options:
            known, owners = out.get(opt.flag, (opt, ()))
            if known != opt:
                raise ValueError(f"{opt.flag} is declared differently by {owners[0]} and {backend}")
            out[opt.flag] = (opt, (*owners, backend))
    return out


def add_backend_flags(parser: argparse.ArgumentParser, declared: Mapping[str, Sequence[Option]]) -> None:
    """One flag per declared option, grouped under the first backend that declares it."""
    groups: dict[str, Any] = {}
    for opt, owners in all_options(declared).values():
        title = GROUP_TITLES.get(owners[0], f"{owners[0]} backend")
        group = groups.setdefault(title, parser.add_argument_group(title))
        if opt.switch:
            group.add_argument(opt.flag, action="store_true", default=None, help=opt.help)
        else:
            group.add_argument(opt.flag, type=opt.type, choices=opt.choices, metavar=opt.metavar, help=opt.help)


def options_from_flags(args: argparse.Namespace, backend: str | None,
                       declared: Mapping[str, Sequence[Option]]) -> dict[str, Any]:
    """The backend options the user set; a flag of another backend is an error naming its owners.

    `backend` None (not yet known: inferred from `--model` per arm) accepts any declared flag."""
    out: dict[str, Any] = {}
    for opt, owners in all_options(declared).values():
        value = getattr(args, opt.dest, None)
        if value is None:
            continue
        if backend is not None and backend not in owners:
            raise ValueError(f"{opt.flag} applies to --backend {' / '.join(owners)}, not {backend}")
        out[opt.key] = value
    return out
