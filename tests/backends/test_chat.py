from __future__ import annotations

import io

import pytest
from PIL import Image

from mella_bench.backends.chat import cut_at_stop, image_data_url, image_mime


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (9, 9, 9)).save(buf, format="JPEG")
    return buf.getvalue()


def test_mime_from_magic_bytes() -> None:
    assert image_mime(_jpeg()) == "image/jpeg"
    assert image_data_url(_jpeg()).startswith("data:image/jpeg;base64,/9j/")
    with pytest.raises(ValueError, match="magic"):
        image_mime(b"hello")


@pytest.mark.parametrize("text,stop,expected", [
    ("a b\n\nc", ("\n\n",), "a b"),
    ("x END y STOP", ("STOP", "END"), "x "),  # earliest stop wins, whatever its order in the list
    ("no stop here", ("zz",), "no stop here"),
    ("keep", ("",), "keep"),
])
def test_cut_at_stop(text: str, stop: tuple[str, ...], expected: str) -> None:
    assert cut_at_stop(text, stop) == expected
