"""Remote-code InternVL2/2.5 checkpoints (`InternVLChatModel`, the MELLA paper's backbone) in the hf backend.

These checkpoints have no processor: their model card tiles the image and their own
`batch_chat()` builds the prompt (the checkpoint's conversation template, `<image>` expanded to
`<img>` + `<IMG_CONTEXT>` × tokens per tile × tiles + `</img>`) and generates. This module does the
tiling (the model card's dynamic tiling: the tile grid whose aspect ratio is closest to the image's,
at most `max_dynamic_patch` tiles, plus a thumbnail; ImageNet normalisation, bicubic resize) and calls
`batch_chat()`, so answers are what the model's own chat path gives. Loading needs
`--trust-remote-code`; `--backend vllm` serves the same checkpoints natively (docs/models.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def load_chat_model(path: Path, trust_remote_code: bool, dtype: Any,
                    model_kwargs: dict[str, Any] | None = None) -> tuple[Any, Any]:
    """(model, tokenizer) of a remote-code InternVL2 checkpoint; refused without `trust_remote_code`."""
    if not trust_remote_code:
        raise ValueError(
            f"{path} is an InternVL2/2.5 checkpoint in its original format (InternVLChatModel): its model code "
            "ships with the weights (*.py). Review it, then pass --trust-remote-code; or serve it with "
            "--backend vllm, which implements InternVLChatModel itself (docs/models.md)")
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(path, local_files_only=True, trust_remote_code=True, dtype=dtype,
                                      **(model_kwargs or {}))
    if not callable(getattr(model, "batch_chat", None)):
        raise ValueError(f"{path}: {type(model).__name__} has no batch_chat(); not an InternVL2-style chat model")
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True, trust_remote_code=True)
    return model, tokenizer


def tile_grid(width: int, height: int, min_tiles: int, max_tiles: int, tile: int) -> tuple[int, int]:
    """(columns, rows) of the grid whose aspect ratio is closest to the image's; on a tie the larger grid
    wins when the image has more than half the pixels of that grid."""
    grids = sorted({(i, j) for n in range(min_tiles, max_tiles + 1) for i in range(1, n + 1)
                    for j in range(1, n + 1) if min_tiles <= i * j <= max_tiles}, key=lambda g: g[0] * g[1])
    ratio = width / height
    best, best_diff = (1, 1), float("inf")
    for cols, rows in grids:
        diff = abs(ratio - cols / rows)
        if diff < best_diff:
            best, best_diff = (cols, rows), diff
        elif diff == best_diff and width * height > 0.5 * tile * tile * cols * rows:
            best = (cols, rows)
    return best


def tiles(image: Any, tile: int, min_tiles: int = 1, max_tiles: int = 12, thumbnail: bool = True) -> list[Any]:
    """The image cut into `tile`×`tile` crops of its resized grid, plus a whole-image thumbnail when
    there is more than one crop."""
    from PIL import Image

    cols, rows = tile_grid(image.width, image.height, min_tiles, max_tiles, tile)
    resized = image.resize((tile * cols, tile * rows), Image.BICUBIC)
    crops = [resized.crop((c * tile, r * tile, (c + 1) * tile, (r + 1) * tile)) for r in range(rows) for c in range(cols)]
    if thumbnail and len(crops) > 1:
        crops.append(image.resize((tile, tile), Image.BICUBIC))
    return crops


def pixel_tensor(crops: list[Any]) -> Any:
    """(tiles, 3, H, W) float tensor, ImageNet-normalised."""
    import numpy as np
    import torch

    arr = np.stack([np.asarray(c.convert("RGB"), dtype=np.float32) / 255.0 for c in crops])
    arr = (arr - np.array(IMAGENET_MEAN, dtype=np.float32)) / np.array(IMAGENET_STD, dtype=np.float32)
    return torch.from_numpy(arr).permute(0, 3, 1, 2).contiguous()


def prepare_question(model: Any, tokenizer: Any, image: Any, prompt: str) -> tuple[Any, int]:
    """(tiles tensor, approximate input length for the length sort: prompt tokens + image tokens)."""
    cfg = model.config
    size = getattr(cfg, "force_image_size", None) or cfg.vision_config.image_size
    if getattr(cfg, "dynamic_image_size", True):
        crops = tiles(image, size, getattr(cfg, "min_dynamic_patch", 1), getattr(cfg, "max_dynamic_patch", 12),
                      getattr(cfg, "use_thumbnail", True))
    else:
        crops = [image.resize((size, size))]
    pixels = pixel_tensor(crops)
    length = len(tokenizer(prompt)["input_ids"]) + model.num_image_token * pixels.shape[0]
    return pixels, length


def batch_chat(model: Any, tokenizer: Any, pixels: list[Any], questions: list[str], generation: dict[str, Any],
               device: Any, dtype: Any) -> list[str]:
    """The model's own `batch_chat()` on one batch: all tiles in one tensor, the tile count per question."""
    import torch

    values = torch.cat(pixels).to(device, dtype)
    return model.batch_chat(tokenizer, values, list(questions), dict(generation),
                            num_patches_list=[p.shape[0] for p in pixels])
