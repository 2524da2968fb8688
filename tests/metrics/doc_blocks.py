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
