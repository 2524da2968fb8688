#!/usr/bin/env python3
"""Split `mella_bench/langs/__init__.py` (the old langs.py) into the profile record, one module per
language and the registry. Used once for issue 22 (after tools/relayout.py moved langs.py)."""

from __future__ import annotations

import ast
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LANGS = ROOT / "mella_bench" / "langs"
REGISTRY_START = "LANGUAGES: dict[str, Language] = {"


def wrap(prefix: str, names: list[str], end: str) -> str:
    return textwrap.fill(", ".join(names) + end, width=110, initial_indent=prefix,
                         subsequent_indent=" " * len(prefix), break_on_hyphens=False)


def main() -> int:
    init = LANGS / "__init__.py"
    src = init.read_text(encoding="utf-8")
    lines = src.splitlines(keepends=True)
    tree = ast.parse(src)
    reg = next(n for n in tree.body if isinstance(n, ast.AnnAssign) and getattr(n.target, "id", "") == "LANGUAGES")
    comp = reg.value
    assert isinstance(comp, ast.DictComp)
    entries = comp.generators[0].iter
    assert isinstance(entries, ast.Tuple)
    # the record types: everything between the imports and the registry
    first_def = next(n for n in tree.body if isinstance(n, (ast.ClassDef, ast.Assign, ast.AnnAssign))
                     and not isinstance(n, ast.ImportFrom))
    header_imports = "".join(lines[: first_def.lineno - 1])
    records = "".join(lines[first_def.lineno - 1: reg.lineno - 1]).rstrip() + "\n"
    rest = "".join(lines[reg.end_lineno:]).lstrip("\n")
    record_names = [n.name for n in tree.body if isinstance(n, ast.ClassDef)] + [
        t.id for n in tree.body if isinstance(n, ast.Assign) and n.lineno < reg.lineno
        for t in n.targets if isinstance(t, ast.Name)] + [
        n.target.id for n in tree.body if isinstance(n, ast.AnnAssign) and n.lineno < reg.lineno
        and isinstance(n.target, ast.Name)]
    body_imports = header_imports.split('"""', 2)[-1] if header_imports.startswith('"""') else header_imports
    (LANGS / "profile.py").write_text(
        '"""What the harness knows about a language: the `Language` record and its parts (keyword rules, METEOR\n'
        'settings). Every per-language behaviour is a field here, set in the language\'s own module."""\n'
        + "\n" + body_imports.strip() + "\n\n\n" + records, encoding="utf-8")
    codes = []
    for call in entries.elts:
        assert isinstance(call, ast.Call)
        code = call.args[0].value  # type: ignore[attr-defined]
        name = call.args[1].value  # type: ignore[attr-defined]
        codes.append(code)
        text = ast.get_source_segment(src, call, padded=False) or ""
        used = sorted(n for n in record_names if n in text)
        body = "PROFILE = " + text.replace("\n", "\n" + " " * (len("PROFILE = ") - 8))
        (LANGS / f"{code}.py").write_text(
            f'"""{name}: how text in it is handled (each field is documented on `Language`)."""\n\n'
            "from __future__ import annotations\n\n"
            f"from mella_bench.langs.profile import {', '.join(used)}\n\n{body}\n", encoding="utf-8")
    public = [n for n in record_names]
    init.write_text(
        '"""The evaluation languages as data: one module per language (its `Language` profile) and this registry.\n\n'
        "Every per-language behaviour is a field of the profile, looked up by code; no module outside this\n"
        "package compares a language code. Adding a language is one module here plus its line below\n"
        '(docs/extending.md)."""\n\n'
        "from __future__ import annotations\n\n"
        f"from mella_bench.langs import {', '.join(codes)}\n"
        + wrap("from mella_bench.langs.profile import (", sorted(public, key=str.lower), ")") + "\n\n"
        + wrap("PROFILES: tuple[Language, ...] = (", [f"{c}.PROFILE" for c in codes], ")") + "\n"
        '"""Every language, in the canonical order (tables, plots, `--langs all`)."""\n'
        "LANGUAGES: dict[str, Language] = {lang.code: lang for lang in PROFILES}\n"
        + rest, encoding="utf-8")
    print(f"wrote profile.py, {', '.join(c + '.py' for c in codes)} and the registry")
    return 0


if __name__ == "__main__":
    sys.exit(main())
