"""The tiny random LLaVA: reproducible offline build, every script round-trips, race-safe cache, end to end."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import mella_bench.inference.backends.tiny as tiny
from mella_bench.inference.backends import BackendSpec
from mella_bench.inference.backends.hf import HFBackend
from mella_bench.inference.backends.modeldir import checkpoint_fingerprint
from mella_bench.langs import LANG_CODES
from mella_bench.store import load_predictions, read_json
from mella_bench.inference.run import RunConfig, generate
from mella_bench.data.tasks import GenerationConfig, load_registry, select_tasks
from tests.inference.backends.conftest import make_request
from tests.conftest import SAMPLE, png_bytes, write_dataset

pytest.importorskip("torch")

REPO = Path(__file__).resolve().parents[3]


def test_build_is_reproducible(tiny_dir: Path, tmp_path: Path) -> None:
    again = tiny.build_tiny_model(tmp_path / "again", seed=0)
    assert checkpoint_fingerprint(again) == checkpoint_fingerprint(tiny_dir)
    files = sorted(p.name for p in tiny_dir.iterdir())
    assert files == sorted(p.name for p in again.iterdir())
    for name in files:
        assert (again / name).read_bytes() == (tiny_dir / name).read_bytes(), name
    other = checkpoint_fingerprint(tiny.build_tiny_model(tmp_path / "seed1", seed=1))
    assert other["weights_sha256"] != checkpoint_fingerprint(tiny_dir)["weights_sha256"]
    assert other["processor_sha256"] == checkpoint_fingerprint(tiny_dir)["processor_sha256"]


def test_build_refuses_an_existing_directory(tmp_path: Path) -> None:
    with pytest.raises(FileExistsError):
        tiny.build_tiny_model(tmp_path)


def test_tokenizer_round_trips_every_script(tiny_backend: HFBackend) -> None:
    tok = tiny_backend.tokenizer
    texts = [t for ref, kws, thin in SAMPLE.values() for t in (ref, thin, *kws)]
    texts += [t.prompt for t in load_registry().tasks.values()]  # the real prompts of all 8 languages
    texts += ["Ćevapi sa kajmakom u Beogradu.", "Ngọc Sơn — «ура»! 「카페」 ผ้า 🙂 \u200b"]
    for text in texts:
        ids = tok(text, add_special_tokens=False)["input_ids"]
        assert tok.decode(ids) == text
    for ref, _, _ in SAMPLE.values():  # merges were learned for every script, not just raw bytes
        assert len(tok(ref, add_special_tokens=False)["input_ids"]) < 0.8 * len(ref.encode("utf-8"))


def test_chat_template_feeds_the_image(tiny_backend: HFBackend) -> None:
    from PIL import Image

    text = tiny_backend.chat_text("Опишите изображение.")
    assert text == "<|im_start|>user\n<image>\nОпишите изображение.<|im_end|>\n<|im_start|>assistant\n"
    ids = tiny_backend.processor(text=[text], images=[Image.new("RGB", (50, 40))], return_tensors="pt")["input_ids"]
    n_image = int((ids == tiny_backend.model.config.image_token_id).sum())
    assert n_image == (tiny.IMAGE_SIZE // tiny.PATCH_SIZE) ** 2


def test_the_image_changes_the_answer(tiny_backend: HFBackend) -> None:
    gen = GenerationConfig(max_new_tokens=12)
    reqs = [make_request(key=str(i), item_id=str(i), task="t", prompt="Describe.", image=png_bytes(color), generation=gen)
            for i, color in enumerate([(255, 0, 0), (0, 0, 255)])]
    a, b = tiny_backend.generate(reqs)
    assert (a.text, a.completion_tokens) != (b.text, b.completion_tokens)


def fake_build(out_dir: Path, seed: int = 0) -> Path:
    out = Path(out_dir)
    out.mkdir(parents=True)
    (out / "config.json").write_text(json.dumps({"seed": seed}))
    return out


def test_cache_is_built_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    builds = []
    monkeypatch.setattr(tiny, "build_tiny_model", lambda out, seed=0: builds.append(seed) or fake_build(out, seed))
    first = tiny.ensure_tiny_model(root=tmp_path)
    assert first == tmp_path / f"tiny-{tiny.recipe_hash(0)}" and builds == [0]
    assert tiny.ensure_tiny_model(root=tmp_path) == first and builds == [0]
    assert tiny.ensure_tiny_model(seed=3, root=tmp_path) != first and builds == [0, 3]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp dirs left


def test_concurrent_build_keeps_the_winner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process finishes first: its directory stays, ours is discarded, nothing is half-written."""
    final = tmp_path / f"tiny-{tiny.recipe_hash(0)}"

    def racing_build(out: Path, seed: int = 0) -> Path:
        fake_build(out, seed)
        fake_build(final, seed)  # the other process renames its complete build into place meanwhile
        (final / "winner").write_text("other process")
        return out

    monkeypatch.setattr(tiny, "build_tiny_model", racing_build)
    assert tiny.ensure_tiny_model(root=tmp_path) == final
    assert (final / "winner").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == [final.name]


def test_tiny_backend_uses_the_cache_and_names_itself(tiny_dir: Path) -> None:
    backend = tiny.TinyBackend()
    try:
        assert backend.path == tiny_dir  # $MELLA_BENCH_CACHE (set by conftest) holds the prebuilt model
        fp = backend.fingerprint()
        assert fp["backend"] == "tiny" and fp["tiny_recipe"] == tiny.recipe_hash(0)
        assert fp["weights_sha256"] == checkpoint_fingerprint(tiny_dir)["weights_sha256"]
    finally:
        backend.close()
    with pytest.raises(ValueError, match="only --model tiny"):
        tiny.TinyBackend("my-model")


DET_PROMPTS = [ref for ref, _, _ in SAMPLE.values()]
DET_SCRIPT = """
import json, sys
from mella_bench.inference.backends.tiny import TinyBackend
from mella_bench.data.tasks import GenerationConfig
from tests.inference.backends.conftest import make_request
from tests.conftest import png_bytes
prompts = json.loads(sys.argv[1])
reqs = [make_request(key=str(i), item_id=str(i), task="t", prompt=p, image=png_bytes((20 * i, 100, 200)),
                generation=GenerationConfig(max_new_tokens=16)) for i, p in enumerate(prompts)]
print(json.dumps([r.text for r in TinyBackend(device="cpu").generate(reqs)]))
"""


def test_greedy_output_is_identical_across_processes(tiny_dir: Path, tiny_backend: HFBackend) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "MELLA_BENCH_CACHE": str(tiny_dir.parent), "OMP_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", DET_SCRIPT, json.dumps(DET_PROMPTS)], capture_output=True, text=True,
                         env=env, cwd=REPO, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    reqs = [make_request(key=str(i), item_id=str(i), task="t", prompt=p, image=png_bytes((20 * i, 100, 200)),
                    generation=GenerationConfig(max_new_tokens=16)) for i, p in enumerate(DET_PROMPTS)]
    here = [r.text for r in tiny_backend.generate(reqs)]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == here
    assert len(set(here)) >= 6


def test_generate_end_to_end_with_tiny(tmp_path: Path, tiny_dir: Path) -> None:
    data = write_dataset(tmp_path / "data", per_axis=2)
    tasks = [dataclasses.replace(t, generation=GenerationConfig(max_new_tokens=8)) for t in select_tasks(LANG_CODES)]
    assert len(tasks) == 16
    config = RunConfig(backend=BackendSpec("tiny", "tiny", {"device": "cpu"}), tasks=tuple(t.name for t in tasks),
                       output=tmp_path / "run", data=str(data), batch_size=4)
    counts = generate(config, tasks, progress=False)
    assert counts == {"ok": 32, "error": 0, "reused": 0}
    preds = load_predictions(tmp_path / "run")
    assert len(preds) == 32
    assert {(p.task, p.item_id) for p in preds.values()} == {
        (f"mella_{lang}_{axis}", f"{lang}-{axis}-{i:04d}") for lang in SAMPLE for axis in ("know", "ling") for i in (0, 1)}
    assert all(p.status == "ok" and p.prompt_tokens and 1 <= p.completion_tokens <= 8 for p in preds.values())
    header = read_json(tmp_path / "run" / "run.json")
    assert header["status"] == "generated" and header["model"]["fingerprint"]["backend"] == "tiny"
