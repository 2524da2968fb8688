from __future__ import annotations

import io

import pytest
from PIL import Image

from mella_bench.inference.backends.base import cut_at_stop
from mella_bench.inference.backends.chat import chat_messages, image_data_url
from mella_bench.inference.backends.base import Request


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (9, 9, 9)).save(buf, format="JPEG")
    return buf.getvalue()


def test_jpeg_message() -> None:
    (msg,) = chat_messages(Request(key="k", item_id="i", task="t", axis="ling", prompt="Mô tả bức ảnh.", image=_jpeg()))
    image, text = msg["content"]
    assert image["image_url"]["url"].startswith("data:image/jpeg;base64,/9j/")
    assert text == {"type": "text", "text": "Mô tả bức ảnh."}
    with pytest.raises(ValueError, match="not PNG"):
        image_data_url(b"hello")


@pytest.mark.parametrize("text,stop,expected", [
    ("a b\n\nc", ("\n\n",), "a b"),
    ("x END y STOP", ("STOP", "END"), "x "),  # earliest stop wins, whatever its order in the list
    ("no stop here", ("zz",), "no stop here"),
    ("keep", ("",), "keep"),
])
def test_cut_at_stop(text: str, stop: tuple[str, ...], expected: str) -> None:
    assert cut_at_stop(text, stop) == expected
