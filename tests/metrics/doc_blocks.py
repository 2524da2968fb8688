"""Tables in docs/ that tests compute: the text between `<!-- NAME:start -->` and `<!-- NAME:end -->`."""

from __future__ import annotations

import re
from pathlib import Path

KEYWORDS_DOC = Path(__file__).parents[2] / "docs" / "metrics-keywords.md"
METRICS_DOC = Path(__file__).parents[2] / "docs" / "metrics.md"


def doc_block(name: str, doc: Path = KEYWORDS_DOC) -> str | None:
    """The block's text, stripped; None when the markers are missing."""
    m = re.search(rf"<!-- {re.escape(name)}:start -->\n(.*?)\n?<!-- {re.escape(name)}:end -->",
                  doc.read_text(encoding="utf-8"), re.S)
    return m.group(1).strip() if m else None


def assert_doc_block(name: str, computed: str, command: str, doc: Path = KEYWORDS_DOC) -> None:
    """The block `name` of `doc` is `computed`; on failure, say which command prints the new one."""
    block = doc_block(name, doc)
    assert block is not None, f"docs/{doc.name} lacks the {name} markers"
    assert block == computed, f"update docs/{doc.name} ({command}):\n{computed}"
