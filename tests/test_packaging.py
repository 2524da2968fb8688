"""The wheel as users get it: licence text and project URLs in its metadata, built offline from this tree."""

from __future__ import annotations

import email
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip("hatchling", reason="the test extra installs hatchling (the build backend) to build offline")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
                    "-w", str(out), str(ROOT)], check=True, timeout=600)
    [whl] = out.glob("mella_bench-*.whl")
    return whl


def test_the_wheel_carries_the_apache_license_and_project_urls(wheel: Path):
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        [meta_name] = [n for n in names if n.endswith(".dist-info/METADATA")]
        meta = email.message_from_bytes(zf.read(meta_name))
        [lic] = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
        text = zf.read(lic).decode("utf-8")
    assert meta["License-Expression"] == "Apache-2.0" and meta["License-File"] == "LICENSE"
    assert text == (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.lstrip().startswith("Apache License") and "Version 2.0, January 2004" in text
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in text
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL"))
    assert {"Homepage", "Repository", "Documentation", "Issues"} <= set(urls)
    assert all(u.startswith("https://") for u in urls.values())


def test_no_install_instruction_names_an_index_package_that_does_not_exist():
    """`pip install mella-bench` fetches nothing (or a squatter's package): docs and the exported utils.py say
    how to install from a checkout, a wheel or the repository instead."""
    import re

    files = [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), ROOT / "mella_bench" / "lmms_task_utils.py",
             ROOT / "mella_bench" / "cli.py"]
    bad = [f"{f.relative_to(ROOT)}:{i}" for f in files
           for i, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1)
           if re.search(r"pip install (-U )?mella-bench(?![\w\[@-])", line) and "not on PyPI" not in line
           and "do not" not in line]
    assert not bad, bad
