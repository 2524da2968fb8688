"""Per-family input shaping on the family checkpoints: length sort after image expansion, PaliGemma's
prompt-only path, the remote InternVL2 path's guard and its image tiling."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pytest

from mella_bench.inference.backends.base import Request
from mella_bench.data.tasks import GenerationConfig
from tests.conftest import SAMPLE
from tests.families.builders import FAMILIES, ensure_family

torch = pytest.importorskip("torch")
GEN = GenerationConfig(max_new_tokens=6)


def recipe(model_type: str):
    return next(r for r in FAMILIES if r.model_type == model_type)


def png(size: tuple[int, int], color: tuple[int, int, int] = (90, 140, 30)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


def test_length_sort_counts_image_tokens(family_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """LLaVA-NeXT expands a large image into many more tokens than a small one: a short prompt with a
    large image is the longer input and goes first, though its text is shorter."""
    from mella_bench.inference.backends.hf import HFBackend

    backend = HFBackend(str(ensure_family(recipe("llava_next"), family_root)), device="cpu", batch_size=1)
    long_text = next(iter(SAMPLE.values()))[0]  # a full sentence, against "Describe."
    reqs = [Request(key="long-text", item_id="a", task="t", axis="ling", prompt=long_text, image=png((32, 32)),
                    generation=GEN),
            Request(key="big-image", item_id="b", task="t", axis="ling", prompt="Describe.", image=png((64, 64)),
                    generation=GEN)]
    text_len = {r.key: len(backend.tokenizer(backend.chat_text(r.prompt))["input_ids"]) for r in reqs}
    assert text_len["long-text"] > text_len["big-image"]  # by text alone the order would be the other way
    order: list[str] = []
    real = backend._generate_batch
    monkeypatch.setattr(backend, "_generate_batch", lambda chunk, gen: order.extend(p.request.key for p in chunk)
                        or real(chunk, gen))
    results = backend.generate(reqs)
    assert order == ["big-image", "long-text"]
    assert results[1].prompt_tokens > results[0].prompt_tokens  # the big image really is the longer input
    backend.close()


def test_paligemma_is_prompt_only_and_gets_no_labels(family_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mella_bench.inference.backends.hf import HFBackend

    backend = HFBackend(str(ensure_family(recipe("paligemma"), family_root)), device="cpu")
    assert not backend.processor.chat_template
    seen: list[set[str]] = []
    real = backend.model.generate
    monkeypatch.setattr(backend.model, "generate", lambda **kw: seen.append(set(kw)) or real(**kw))
    prompt = SAMPLE[next(iter(SAMPLE))][0]
    [res] = backend.generate([Request(key="k", item_id="i", task="t", axis="ling", prompt=prompt,
                                      image=png((40, 30)), generation=GEN)])
    assert res.status == "ok" and seen and "labels" not in seen[0] and "token_type_ids" in seen[0]
    text = backend.chat_text(prompt)
    assert text == "<image>" + prompt  # the processor adds the image tokens, BOS and the newline itself
    backend.close()


def test_remote_internvl2_needs_trust_remote_code(family_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from transformers import AutoModel

    from mella_bench.inference.backends.hf import HFBackend

    path = ensure_family(recipe("internvl_chat"), family_root)
    monkeypatch.setattr(AutoModel, "from_pretrained", lambda *a, **kw: pytest.fail("model code was loaded"))
    with pytest.raises(ValueError, match="InternVLChatModel.*--trust-remote-code.*--backend vllm"):
        HFBackend(str(path))


@pytest.mark.parametrize("size,max_tiles,grid", [
    ((64, 32), 4, (2, 1)),       # 2:1 image → two tiles side by side
    ((32, 96), 6, (1, 3)),       # 1:3 image → three tiles stacked
    ((100, 100), 12, (3, 3)),    # square: every k×k ties; the largest whose half-area the image exceeds
    ((20, 20), 12, (1, 1)),      # small square: no larger grid is half covered
    ((90, 50), 4, (2, 1)),       # 1.8:1 is nearest 2:1 among grids of at most 4 tiles
])
def test_tile_grid(size: tuple[int, int], max_tiles: int, grid: tuple[int, int]) -> None:
    from mella_bench.inference.backends.internvl_chat import tile_grid

    assert tile_grid(size[0], size[1], 1, max_tiles, 32) == grid


def test_tiles_add_a_thumbnail_and_normalise() -> None:
    from PIL import Image

    from mella_bench.inference.backends.internvl_chat import IMAGENET_MEAN, IMAGENET_STD, pixel_tensor, tiles

    image = Image.new("RGB", (64, 32), (255, 0, 0))
    crops = tiles(image, 32, 1, 4)
    assert len(crops) == 3 and all(c.size == (32, 32) for c in crops)  # 2 tiles + thumbnail
    assert len(tiles(Image.new("RGB", (32, 32)), 32, 1, 4)) == 1  # one tile: no thumbnail
    t = pixel_tensor(crops)
    assert tuple(t.shape) == (3, 3, 32, 32)
    red = (1.0 - IMAGENET_MEAN[0]) / IMAGENET_STD[0]
    assert torch.allclose(t[:, 0], torch.full_like(t[:, 0], red), atol=1e-5)


def test_remote_internvl2_runs_end_to_end(family_root: Path, tmp_path: Path) -> None:
    """`run --model DIR --trust-remote-code` on the InternVL2-style checkpoint: every item answered, the
    checkpoint's code hashed into the fingerprint; without the flag the CLI stops at once with the advice."""
    import os
    import subprocess
    import sys

    from mella_bench.inference.backends import BackendSpec
    from mella_bench.langs import LANG_CODES
    from mella_bench.store import load_header, load_predictions
    from mella_bench.inference.run import RunConfig, generate
    from mella_bench.data.tasks import select_tasks
    from tests.conftest import write_dataset

    path = ensure_family(recipe("internvl_chat"), family_root)
    langs = LANG_CODES[:2]
    data = write_dataset(tmp_path / "data", langs=langs, per_axis=2)
    tasks = [dataclasses.replace(t, generation=GenerationConfig(max_new_tokens=8)) for t in select_tasks(langs)]
    config = RunConfig(backend=BackendSpec("hf", str(path), {"trust_remote_code": True, "device": "cpu"}),
                       tasks=tuple(t.name for t in tasks), output=tmp_path / "run", data=str(data), batch_size=4)
    assert generate(config, tasks, progress=False) == {"ok": 8, "error": 0, "reused": 0}
    preds = load_predictions(tmp_path / "run")
    assert all(p.status == "ok" for p in preds.values()) and len({p.text for p in preds.values()}) >= 4
    header = load_header(tmp_path / "run")
    fp = header["model"]["fingerprint"]
    assert fp["model_type"] == "internvl_chat" and len(fp["remote_code_sha256"]) == 64
    assert header["batch_fallbacks"]["batches"] == 0

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    out = subprocess.run([sys.executable, "-m", "mella_bench.cli", "run", "--model", str(path), "--data", str(data),
                          "--langs", langs[0], "--output", str(tmp_path / "refused"), "--quiet"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode != 0 and "Traceback" not in out.stderr
    assert "--trust-remote-code" in out.stderr and "InternVLChatModel" in out.stderr


def test_remote_internvl2_loads_again_in_one_process(family_root: Path) -> None:
    """transformers 5 gives a remote-code model without GenerationMixin a generation config on its first
    load only; the backend must not depend on it (the end token comes from the model's own LLM)."""
    from mella_bench.inference.backends.hf import HFBackend

    path = ensure_family(recipe("internvl_chat"), family_root)
    backends = [HFBackend(str(path), device="cpu", trust_remote_code=True) for _ in range(2)]
    assert backends[0].eos_ids == backends[1].eos_ids == {backends[0].tokenizer.convert_tokens_to_ids("<|im_end|>")}
