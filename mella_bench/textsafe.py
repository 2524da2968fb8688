"""Text that must be safe to store or to show: one check for unstorable strings, one escaping for terminals.

A lone UTF-16 surrogate (`"\\udc80"`) is valid JSON but not Unicode text: it cannot be written as
UTF-8, so it must be reported where it enters (data validation, an importer, a server's answer), not
found later as a codec error that names nothing.

Text from outside (model answers, references, item ids, a server's error message) can carry
terminal control sequences: ESC `]0;` retitles the window, `]52;` writes the clipboard, `[2J` clears
the screen. Everything mella-bench prints from such text goes through `terminal_safe`, which shows
C0 and C1 control characters (and DEL) visibly as `\\x1b`-style escapes and keeps newlines and tabs.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""C0 controls except tab (09) and newline (0a), DEL, and the C1 controls (80-9f)."""


def unpaired_surrogate(text: str) -> str | None:
    """Why `text` cannot be stored (it holds a lone surrogate, and where), or None."""
    m = _SURROGATE.search(text)
    if m is None:
        return None
    return (f"holds an unpaired surrogate (\\u{ord(m.group()):04x} at character {m.start() + 1}), which is not "
            "Unicode text and cannot be stored")


def terminal_safe(text: str, as_json: bool = False) -> str:
    """`text` with every control character but newline and tab shown as a visible escape (`\\x1b`;
    `\\u001b` with `as_json`, for JSON text, where that is the string's own escape), and lone
    surrogates as `\\udc80`: what reaches a terminal can never act on it."""
    form = "\\u{:04x}" if as_json else "\\x{:02x}"
    text = _CONTROL.sub(lambda m: form.format(ord(m.group())), text)
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _finite_float(text: str) -> float | None:
    value = float(text)
    return value if math.isfinite(value) else None


def loads_finite(text: str | bytes) -> Any:
    """JSON from outside (a server's reply, a judge's verdict) with non-finite numbers (`NaN`,
    `Infinity`, `1e999`) read as absent (None): they are not JSON, a stored file cannot hold them, and
    one of them in a usage count must never stop a run."""
    return json.loads(text, parse_constant=lambda _: None, parse_float=_finite_float)
