"""Decoding an item's image for a local model: any mode Pillow reads → 8-bit RGB, faithfully.

Pillow's `convert("RGB")` clips 16-bit and 32-bit integer images (modes `I;16*`, `I`) at 255, so a
16-bit PNG of a normal photo turns almost white; those are rescaled by their bit depth instead.
"""

from __future__ import annotations

import io
import warnings
from typing import Any

_WIDE_MODES = {"I;16": 16, "I;16L": 16, "I;16B": 16, "I;16N": 16, "I": 16}
"""Integer modes with more than 8 bits; PNG stores 16-bit greyscale as `I;16` or `I` (values < 65536)."""


def to_rgb(img: Any) -> Any:
    """An 8-bit RGB copy of a Pillow image, rescaling wide integer modes instead of clipping them."""
    import numpy as np
    from PIL import Image

    bits = _WIDE_MODES.get(img.mode)
    if bits is not None:
        arr = np.asarray(img, dtype=np.int64)
        arr = np.clip(arr >> (bits - 8), 0, 255).astype(np.uint8)
        return Image.fromarray(arr, mode="L").convert("RGB")
    if img.mode in ("RGB;16", "RGBA;16") or img.mode.endswith(";16"):
        img = img.convert("RGBA")
    return img.convert("RGB")


def decode_rgb(data: bytes) -> Any:
    """Encoded bytes → 8-bit RGB Pillow image; Pillow's bomb warning is not printed (the dataset's
    `max_image_pixels` limit has already been checked when the item was loaded)."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            return to_rgb(img)
