"""The package's import graph: no cycles (function-level imports included) and no module importing
another module's private names. Read from the source with `ast`, so a lazy import cannot hide a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "mella_bench"
ROOT = Path(__file__).resolve().parents[1] / PACKAGE


def _modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(module: str) -> list[tuple[str, str | None, int]]:
    """(imported module, imported name or None, line) for every import anywhere in the module."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    out: list[tuple[str, str | None, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(alias.name, None, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, path.name == "__init__.py", node)
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                out.append((sub, None, node.lineno) if sub in MODULES else (target, alias.name, node.lineno))
    return out


def graph() -> dict[str, set[str]]:
    return {m: {t for t, _, _ in imports_of(m) if t in MODULES and t != m} for m in MODULES}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path [a, b, ..., a], or None (iterative DFS with colours)."""
    state: dict[str, int] = {}
    for start in sorted(edges):
        if state.get(start):
            continue
        stack = [(start, iter(sorted(edges[start])))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            for child in children:
                if state.get(child) == 1:
                    return path[path.index(child):] + [child]
                if not state.get(child):
                    state[child] = 1
                    path.append(child)
                    stack.append((child, iter(sorted(edges[child]))))
                    break
            else:
                state[node] = 2
                path.pop()
                stack.pop()
    return None


def test_the_walker_sees_function_level_imports_and_finds_cycles():
    assert "mella_bench.metrics.score" in graph()["mella_bench.metrics"]  # a lazy import inside __getattr__
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_no_import_cycles():
    cycle = find_cycle(graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_no_module_imports_another_modules_private_names():
    bad = [f"{MODULES[m].relative_to(ROOT.parent)}:{line}: {name} from {target}"
           for m in MODULES for target, name, line in imports_of(m)
           if name and name.startswith("_") and not name.startswith("__") and target != m]
    assert not bad, "private names imported across modules:\n" + "\n".join(bad)


def test_metrics_do_not_import_the_judge_and_stats_imports_no_package_module():
    edges = graph()
    for m in (m for m in MODULES if m.startswith("mella_bench.metrics")):
        assert not any(t.startswith("mella_bench.judge") for t in edges[m]), m
    assert edges["mella_bench.stats"] == set(), "stats is pure maths on arrays"


STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    # low → high: the pipeline read bottom-up; a module imports its own stage and lower ones
    ("utilities", ("mella_bench", "mella_bench.stats", "mella_bench.progress", "mella_bench.redact",
                   "mella_bench.textsafe")),
    ("languages", ("mella_bench.langs",)),
    ("language text", ("mella_bench.metrics.text",)),  # tokenisation and word matching: data validation uses them
    ("data", ("mella_bench.data",)),
    ("run store", ("mella_bench.store",)),
    ("metrics and endpoints", ("mella_bench.metrics", "mella_bench.endpoint")),
    ("models and protocols", ("mella_bench.inference", "mella_bench.protocols")),
    ("other formats", ("mella_bench.interop",)),
    ("reports", ("mella_bench.reports",)),
    ("judge and labelling", ("mella_bench.judge",)),  # the labelling page and agreement report build on reports
    ("curation and ablation", ("mella_bench.curation",)),
    ("command line", ("mella_bench.cli",)),
)
UPWARD: dict[tuple[str, str], str] = {
    # (importer, imported): why a lower stage imports a higher one
    ("mella_bench.reports.leaderboard", "mella_bench.judge.agreement_report"):
        "the report's judge-agreement section is written by the agreement report (which draws with the reports' "
        "figures and reads runs with their readers, so it sits above them)",
    ("mella_bench.reports.html_report", "mella_bench.judge.agreement_report"): "the same section in index.html",
    ("mella_bench.store.scoreio", "mella_bench.metrics.registry"):
        "scores.jsonl rows become task values through the registry's aggregate by default (callers may pass theirs)",
}
"""The deliberate arrows up, each with its reason."""


def stage(module: str) -> int:
    best, rank = "", -1
    for i, (_, prefixes) in enumerate(STAGES):
        for p in prefixes:
            exact = p == "mella_bench" or p.count(".") == 1 and not (ROOT / p.split(".")[1]).is_dir()
            if (module == p or (not exact and module.startswith(p + "."))) and len(p) > len(best):
                best, rank = p, i
    assert rank >= 0, f"{module} is in no stage: add it to STAGES"
    return rank


def test_every_module_has_a_stage_and_stages_are_packages():
    for m in MODULES:
        stage(m)


def test_no_arrow_from_a_lower_stage_to_a_higher_one_without_a_reason():
    edges = graph()
    up = {(a, b) for a, targets in edges.items() for b in targets if stage(b) > stage(a)}
    unexplained = sorted(up - set(UPWARD))
    assert not unexplained, "imports from a lower stage to a higher one (move the code, or add the arrow with " \
                            "its reason to UPWARD):\n" + "\n".join(f"{a} -> {b}" for a, b in unexplained)
    stale = sorted(set(UPWARD) - up)
    assert not stale, f"UPWARD lists arrows that no longer exist: {stale}"
