#!/usr/bin/env python3
"""Split `mella_bench/cli/__init__.py` (the old cli.py) into one module per command group.

Used once for issue 22. Each command's handler and the part of `build_parser` that declares it move to
the group's module as `add_<command>_parser(sub)`; a helper used by one group moves with it, one used
by several goes to `cli/common.py` (made public: no private name crosses a module). `build_parser`
keeps the order of the commands, so `--help` is unchanged.
"""

from __future__ import annotations

import ast
import re
import sys
import textwrap
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = ROOT / "mella_bench" / "cli"

GROUPS = {
    "run": "`mella-bench run` and `merge`: generate predictions (sharded or not) and combine shards.",
    "score": "`mella-bench score` and `metrics`: (re)score a run directory, or plain text files.",
    "judge": "`mella-bench judge run|pairwise|calibrate|agreement`: the LLM judge and its agreement with people.",
    "label": "`mella-bench label page|import`: labelling rounds for native speakers.",
    "tasks": "`mella-bench tasks list`.",
    "data": "`mella-bench data validate|audit|import|arms`: datasets in, checked and converted.",
    "export": "`mella-bench export`: the tasks for another harness.",
    "reports": "`mella-bench report|show|compare|ablate|tables`: everything read from run directories.",
}
COMMAND_GROUP = {"run": "run", "merge": "run", "score": "score", "metrics": "score", "judge": "judge",
                 "label": "label", "tasks": "tasks", "data": "data", "export": "export", "report": "reports",
                 "show": "reports", "compare": "reports", "ablate": "reports", "tables": "reports"}
PINNED = {  # top-level names whose group is not just "where they are used"
    "build_parser": "__init__", "main": "__init__", "_normalize_argv": "__init__",
    "_JUDGE_SUBCOMMANDS": "__init__", "_LABEL_SUBCOMMANDS": "__init__",
}
RENAMES = {"_limits": "limits_from_args"}
"""Public names for helpers whose plain name would read as something else."""
HANDLER_PREFIX = {"_cmd_tasks": "tasks", "_cmd_data": "data", "_cmd_export": "export", "_cmd_run": "run",
                  "_cmd_merge": "run", "_cmd_score": "score", "_cmd_metrics": "score", "_cmd_judge": "judge",
                  "_cmd_label": "label", "_cmd_report": "reports", "_cmd_show": "reports", "_cmd_compare": "reports",
                  "_cmd_ablate": "reports", "_cmd_tables": "reports"}


def names_used(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | \
        {n.value.id for n in ast.walk(node) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)}


def segment(lines: list[str], node: ast.AST, start: int) -> str:
    """The node's source with the comments and blank lines just above it (from line `start`)."""
    return "".join(lines[start - 1: node.end_lineno])


def tidy(import_lines: list[str]) -> str:
    """`import x` lines first, then one `from m import a, b` per module (wrapped), each block sorted."""
    plain = sorted({line for line in import_lines if line.startswith("import ")})
    froms: dict[str, list[str]] = defaultdict(list)
    for line in import_lines:
        if line.startswith("from "):
            module, _, names = line[5:].partition(" import ")
            froms[module] += [n.strip() for n in names.split(",")]
    out = list(plain)
    for module in sorted(froms):
        names = sorted(set(froms[module]), key=lambda n: n.lower())
        line = f"from {module} import {', '.join(names)}"
        if len(line) > 110:
            prefix = f"from {module} import ("
            line = textwrap.fill(", ".join(names) + ")", width=110, initial_indent=prefix,
                                 subsequent_indent=" " * len(prefix), break_on_hyphens=False)
        out.append(line)
    return "\n".join(out)


def main() -> int:
    src_path = CLI / "__init__.py"
    src = src_path.read_text(encoding="utf-8")
    lines = src.splitlines(keepends=True)
    tree = ast.parse(src)
    imports: dict[str, str] = {}  # bound name → import line
    defs: dict[str, tuple[ast.stmt, str]] = {}
    order: list[str] = []
    prev_end = 0
    for node in tree.body:
        start = prev_end + 1
        prev_end = node.end_lineno or node.lineno
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                if isinstance(node, ast.Import):
                    imports[bound] = f"import {alias.name}" + (f" as {alias.asname}" if alias.asname else "")
                else:
                    imports[bound] = f"from {node.module} import {alias.name}" + (
                        f" as {alias.asname}" if alias.asname else "")
            continue
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            name = node.name
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            name = target.id  # type: ignore[attr-defined]
        elif isinstance(node, ast.If):  # `if __name__ == "__main__"`
            continue
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):  # module docstring / attr doc
            if order:
                name = order[-1]
                node0, text = defs[name]
                defs[name] = (node0, text + segment(lines, node, start))
            continue
        else:
            raise SystemExit(f"unexpected top-level statement at line {node.lineno}")
        defs[name] = (node, segment(lines, node, start))
        order.append(name)

    # build_parser: split its body into chunks by command (owner = the parser variable a statement uses)
    bp = defs["build_parser"][0]
    assert isinstance(bp, ast.FunctionDef)
    owner: dict[str, str] = {}
    prologue: list[ast.stmt] = []
    chunks: dict[str, list[ast.stmt]] = defaultdict(list)
    command_order: list[str] = []
    epilogue: list[ast.stmt] = []
    pending: list[ast.stmt] = []  # statements of no parser (a lazy import): they go with the next command
    for stmt in bp.body:
        cmd = None
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
            call = stmt.value
            func = call.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "sub" \
                    and func.attr == "add_parser":
                cmd = call.args[0].value  # type: ignore[attr-defined]
                if cmd not in command_order:
                    command_order.append(cmd)
        if cmd is None:
            used = [n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and n.id in owner]
            cmd = owner[used[0]] if used else None
        if isinstance(stmt, ast.Assign):
            for t in stmt.targets:
                if isinstance(t, ast.Name):
                    if cmd is not None:
                        owner[t.id] = cmd
                    else:
                        owner.pop(t.id, None)
        if cmd is None:
            (pending if command_order else prologue).append(stmt)
        else:
            chunks[cmd].extend(pending + [stmt])
            pending = []
    epilogue = pending

    bp_lines = lines
    def stmt_text(stmts: list[ast.stmt]) -> str:
        out = []
        for s in stmts:
            first = s.lineno
            # keep comment lines directly above the statement
            while first > 1 and bp_lines[first - 2].strip().startswith("#"):
                first -= 1
            out.append("".join(bp_lines[first - 1: s.end_lineno]))
        return "".join(out)

    # homes: handlers by prefix, chunks by command, helpers by their users
    home: dict[str, str] = dict(PINNED)
    for name in order:
        for prefix, grp in HANDLER_PREFIX.items():
            if name.startswith(prefix):
                home.setdefault(name, grp)
    users: dict[str, set[str]] = defaultdict(set)
    for cmd, stmts in chunks.items():
        for s in stmts:
            for n in names_used(s):
                users[n].add(f"chunk:{cmd}")
    for name in order:
        if name == "build_parser":  # its command parts are the chunks
            continue
        for n in names_used(defs[name][0]):
            if n != name:
                users[n].add(name)
    changed = True
    while changed:
        changed = False
        for name in order:
            if name in home:
                continue
            groups = set()
            for u in users.get(name, ()):
                if u.startswith("chunk:"):
                    groups.add(COMMAND_GROUP[u[6:]])
                elif u in home:
                    groups.add(home[u])
                else:
                    groups.add(None)
            if None in groups:
                continue
            if groups:
                home[name] = groups.pop() if len(groups) == 1 else "common"
                changed = True
    for name in order:
        home.setdefault(name, "common")

    # names crossing modules become public
    module_of_chunk = {cmd: COMMAND_GROUP[cmd] for cmd in chunks}
    crossing = set()
    for name in order:
        for u in users.get(name, ()):
            where = module_of_chunk[u[6:]] if u.startswith("chunk:") else home[u]
            if where != home[name] and name.startswith("_"):
                crossing.add(name)
    rename = {n: RENAMES.get(n, n.lstrip("_")) for n in crossing}
    taken = set(order) | set(imports)
    for old, new in rename.items():
        if new in taken:
            raise SystemExit(f"renaming {old} to {new} collides")

    def public(text: str) -> str:
        for old, new in rename.items():
            text = re.sub(rf"(?<![\w.]){re.escape(old)}\b", new, text)
        return text

    modules: dict[str, list[str]] = defaultdict(list)
    for name in order:
        if name == "build_parser":
            continue
        modules[home[name]].append(defs[name][1])
    for cmd in command_order:
        body = stmt_text(chunks[cmd])
        fn = f"add_{cmd}_parser"
        modules[COMMAND_GROUP[cmd]].append(
            f"\n\ndef {fn}(sub: argparse._SubParsersAction) -> None:\n"
            f"    \"\"\"Declare `mella-bench {cmd}`.\"\"\"\n{body}")

    # build_parser in __init__
    pro = stmt_text(prologue)
    epi = stmt_text(epilogue)
    calls = "".join(f"    {COMMAND_GROUP[c]}.add_{c}_parser(sub)\n" for c in command_order)
    head = "".join(bp_lines[bp.lineno - 1: bp.body[0].lineno - 1])
    modules["__init__"].insert(order.index("build_parser") if False else 0, "")
    build = head + pro + calls + epi

    out_files: dict[str, str] = {}
    for mod, parts in modules.items():
        text = "".join(parts)
        if mod == "__init__":
            text = "\n\n" + build.rstrip() + "\n" + text
        text = public(text)
        local = {rename.get(n, n) for n in order if home[n] == mod}
        needed = {n for n in re.findall(r"[A-Za-z_]\w*", text)}
        lines_out = []
        std = [imports[n] for n in imports if n in needed and not imports[n].startswith(("from mella_bench", "import mella_bench"))]
        own = [imports[n] for n in imports if n in needed and imports[n].startswith(("from mella_bench", "import mella_bench"))]
        cross: dict[str, list[str]] = defaultdict(list)
        for n in order:
            pub = rename.get(n, n)
            if home[n] != mod and pub in needed and pub not in local and n != "build_parser":
                cross[home[n]].append(pub)
        if mod == "__init__":
            own += [f"from mella_bench.cli import {', '.join(sorted({COMMAND_GROUP[c] for c in command_order}))}"]
        for other, names in sorted(cross.items()):
            if other == "__init__":
                continue
            own.append(f"from mella_bench.cli.{other} import {', '.join(sorted(set(names)))}")
        doc = ('"""Command line: a thin argparse layer over the Python API, one module per command group.\n'
               'JSON results go to stdout, progress to stderr."""' if mod == "__init__" else
               f'"""{GROUPS.get(mod, "Helpers shared by the command modules: option types, shared flags, scoring output.")}"""')
        header = doc + "\n\nfrom __future__ import annotations\n\n" + tidy(std) + ("\n\n" if std else "") + tidy(own) + "\n"
        out_files[mod] = header + text.rstrip() + "\n"
    for mod, text in out_files.items():
        path = CLI / f"{mod}.py"
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)} ({text.count(chr(10))} lines)")
    (CLI / "__main__.py").write_text('"""`python -m mella_bench.cli`."""\n\nimport sys\n\nfrom mella_bench.cli import main\n\n'
                                     'sys.exit(main())\n', encoding="utf-8")
    print("renamed:", ", ".join(f"{a}->{b}" for a, b in sorted(rename.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
