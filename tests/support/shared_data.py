"""Where the shared, read-only project data lives: `../shared` beside the repository (as in CI), or
the nearest `shared/` folder above the checkout (a git worktree sits deeper than the main clone)."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def shared_dir() -> Path | None:
    for base in (REPO_ROOT.parent, *REPO_ROOT.parents):
        candidate = base / "shared"
        if (candidate / "data").is_dir():
            return candidate
    return None


def author_data() -> Path | None:
    """The MELLA authors' released predictions (`shared/data/mella-author-2024`), if present."""
    root = shared_dir()
    path = root / "data" / "mella-author-2024" if root else None
    return path if path and (path / "mapping.json").is_file() else None
