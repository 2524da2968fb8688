"""Fetch a Hunspell dictionary that Debian does not package from the npm registry, verify it, and
install it where fidelity's spelling check looks (mella_bench/metrics/text/spelling.py, `user_dir`).

    python3 tools/fetch_npm_dictionary.py dictionary-mk 2.0.0 mk_MK SHA512-BASE64

Only the registry's tarball is read (no npm needed); its SHA-512 must equal the pinned integrity.
Idempotent: an installed copy is left alone. The tarball's licence file is kept beside the dictionary.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import sys
import tarfile
import urllib.request
from pathlib import Path

REGISTRY = "https://registry.npmjs.org"


def user_dir() -> Path:
    """The same directory as `mella_bench.metrics.text.spelling.user_dir` (this script runs before the
    package is installed, so it does not import it)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "mella-bench" / "hunspell"


def main(package: str, version: str, name: str, integrity: str) -> int:
    target = user_dir()
    if all((target / f"{name}{s}").is_file() for s in (".aff", ".dic")):
        print(f"fetch_npm_dictionary: {name} already installed in {target}")
        return 0
    url = f"{REGISTRY}/{package}/-/{package}-{version}.tgz"
    with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 - a fixed https URL
        blob = response.read()
    digest = base64.b64encode(hashlib.sha512(blob).digest()).decode()
    if digest != integrity:
        print(f"fetch_npm_dictionary: {url} has SHA-512 {digest}, expected {integrity}", file=sys.stderr)
        return 1
    wanted = {"package/index.aff": ".aff", "package/index.dic": ".dic", "package/license": ".license"}
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
        for member in tar.getmembers():
            if member.name in wanted and member.isfile():
                data = tar.extractfile(member).read()  # type: ignore[union-attr]
                (target / f"{name}{wanted[member.name]}").write_bytes(data)
    print(f"fetch_npm_dictionary: installed {package}@{version} as {target / name}.aff/.dic")
    return 0


if __name__ == "__main__":
    package, version, name, integrity = sys.argv[1:5]
    sys.exit(main(package, version, name, integrity.removeprefix("sha512-")))
