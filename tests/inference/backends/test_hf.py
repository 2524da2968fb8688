"""The `hf` backend on the tiny random LLaVA: batching, ordering, failures, safety, fingerprint."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import shutil
from pathlib import Path

import pytest
from PIL import Image

from mella_bench.inference.backends.base import Request
from mella_bench.inference.backends.hf import HFBackend, resolve_dtype
from mella_bench.inference.backends.modeldir import checkpoint_fingerprint, file_sha256
from mella_bench.data.tasks import GenerationConfig
from tests.inference.backends.conftest import make_request
from tests.conftest import SAMPLE, png_bytes

torch = pytest.importorskip("torch")

GEN = GenerationConfig(max_new_tokens=12)


def make_requests(n: int = 8, gen: GenerationConfig = GEN) -> list[Request]:
    """Prompts of clearly different lengths (1-3 repeats of a sentence) and different images."""
    langs = list(SAMPLE)
    return [make_request(key=f"k{i}", item_id=f"item{i}", task="t", prompt=" ".join([SAMPLE[langs[i % 8]][0]] * (1 + i % 3)),
                    image=png_bytes(((37 * i) % 256, (91 * i) % 256, 120)), generation=gen)
            for i in range(n)]


def texts(results) -> list[str]:
    return [r.text for r in results]


# ----------------------------------------------------------------------------- batching


def test_batched_output_equals_one_by_one(tiny_backend: HFBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    reqs = make_requests(8)
    outs = {}
    for bs in (1, 4, 8):
        monkeypatch.setattr(tiny_backend, "batch_size", bs)
        outs[bs] = tiny_backend.generate(reqs)
    assert all(r.status == "ok" for r in outs[1]), [r.error for r in outs[1]]
    assert texts(outs[4]) == texts(outs[1])
    assert texts(outs[8]) == texts(outs[1])
    assert [r.prompt_tokens for r in outs[8]] == [r.prompt_tokens for r in outs[1]]
    assert [r.completion_tokens for r in outs[8]] == [r.completion_tokens for r in outs[1]]
    # the comparison means something only if the model answers differently to different inputs
    assert len(set(texts(outs[1]))) >= 6
    assert len({r.prompt_tokens for r in outs[1]}) >= 3  # lengths really differ, so padding was exercised
    # some rows stop early (end token) while others run on: per-row stopping inside a batch is exercised
    assert min(r.completion_tokens for r in outs[8]) < GEN.max_new_tokens == max(r.completion_tokens for r in outs[8])


def test_results_come_back_in_input_order(tiny_backend: HFBackend) -> None:
    reqs = make_requests(8)
    forward = {r.key: r.text for r in tiny_backend.generate(reqs)}
    shuffled = [reqs[i] for i in (5, 2, 7, 0, 3, 6, 1, 4)]
    results = tiny_backend.generate(shuffled)
    assert [r.key for r in results] == [q.key for q in shuffled]
    assert {r.key: r.text for r in results} == forward


def test_token_counts(tiny_backend: HFBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tiny_backend, "generate_kwargs", {"min_new_tokens": GEN.max_new_tokens})
    reqs = make_requests(3)
    results = tiny_backend.generate(reqs)
    for req, res in zip(reqs, results):
        single = tiny_backend.processor(text=[tiny_backend.chat_text(req.prompt)],
                                        images=[Image.open(io.BytesIO(req.image)).convert("RGB")], return_tensors="pt")
        assert res.prompt_tokens == single["input_ids"].shape[1]  # padding is not counted
        assert res.completion_tokens == GEN.max_new_tokens


def test_output_is_only_new_tokens_without_specials(tiny_backend: HFBackend) -> None:
    res = tiny_backend.generate(make_requests(2))
    for r in res:
        assert "<|im_start|>" not in r.text and "<image>" not in r.text and "<pad>" not in r.text
        assert "assistant" not in r.text[:12]  # the rendered prompt is not echoed


def test_stop_string_truncates(tiny_backend: HFBackend) -> None:
    long = GenerationConfig(max_new_tokens=24)
    reqs = make_requests(8, long)
    full = next(r for r in tiny_backend.generate(reqs) if r.completion_tokens == 24)
    req = reqs[int(full.key[1:])]
    # a stop string of real letters from the second half (not a lone byte shown as U+FFFD)
    start = next(i for i in range(len(full.text) // 2, len(full.text) - 1) if full.text[i:i + 2].isalpha())
    stop = full.text[start:start + 2]
    [cut] = tiny_backend.generate([dataclasses.replace(req, generation=GenerationConfig(max_new_tokens=24, stop=(stop,)))])
    assert cut.text == full.text[:full.text.find(stop)].strip()
    assert cut.completion_tokens < full.completion_tokens


def test_sampling_is_seeded(tiny_backend: HFBackend) -> None:
    gen = GenerationConfig(max_new_tokens=12, temperature=1.0)
    a = tiny_backend.generate(make_requests(2, gen))
    b = tiny_backend.generate(make_requests(2, gen))
    greedy = tiny_backend.generate(make_requests(2))
    assert texts(a) == texts(b)
    assert texts(a) != texts(greedy)


# ----------------------------------------------------------------------------- failures


def test_undecodable_image_fails_that_item_only(tiny_backend: HFBackend) -> None:
    reqs = make_requests(3)
    bad = make_request(key="bad", item_id="bad", task="t", prompt="x", image=b"not an image", generation=GEN)
    results = tiny_backend.generate([reqs[0], bad, reqs[1], reqs[2]])
    assert [r.status for r in results] == ["ok", "error", "ok", "ok"]
    assert "image could not be decoded" in results[1].error and results[1].text == ""
    assert texts([results[0], *results[2:]]) == texts(tiny_backend.generate(reqs))


def test_failing_batch_is_retried_item_by_item(tiny_backend: HFBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    reqs = make_requests(4)
    expected = texts(tiny_backend.generate(reqs))
    poison_len = tiny_backend.processor(text=[tiny_backend.chat_text(reqs[2].prompt)], images=[Image.new("RGB", (32, 32))],
                                        return_tensors="pt")["input_ids"].shape[1]
    real = tiny_backend.model.generate
    calls = []

    def flaky(**kw):
        ids = kw["input_ids"]
        calls.append(ids.shape[0])
        if ids.shape[0] > 1:
            raise torch.OutOfMemoryError("CUDA out of memory (simulated)")
        if ids.shape[1] == poison_len:
            raise RuntimeError("simulated failure of one item")
        return real(**kw)

    monkeypatch.setattr(tiny_backend.model, "generate", flaky)
    results = tiny_backend.generate(reqs)
    assert calls[0] == 4 and calls[1:] == [1, 1, 1, 1]
    assert [r.status for r in results] == ["ok", "ok", "error", "ok"]
    assert "simulated failure" in results[2].error
    assert [r.text for i, r in enumerate(results) if i != 2] == [t for i, t in enumerate(expected) if i != 2]


# ----------------------------------------------------------------------------- loading and safety


def spy_from_pretrained(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict]]:
    from transformers import AutoModelForMultimodalLM, AutoProcessor

    calls: list[tuple[str, dict]] = []
    for cls in (AutoProcessor, AutoModelForMultimodalLM):
        real = cls.from_pretrained

        def spy(path, *args, _real=real, _name=cls.__name__, **kw):
            calls.append((_name, kw))
            return _real(path, *args, **kw)

        monkeypatch.setattr(cls, "from_pretrained", spy)
    return calls


def test_trust_remote_code_off_by_default_and_local_only(tiny_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = spy_from_pretrained(monkeypatch)
    HFBackend(str(tiny_dir)).close()
    assert {name for name, _ in calls} == {"AutoProcessor", "AutoModelForMultimodalLM"}
    for _, kw in calls:
        assert kw["trust_remote_code"] is False
        assert kw["local_files_only"] is True
    calls.clear()
    HFBackend(str(tiny_dir), trust_remote_code=True).close()
    assert all(kw["trust_remote_code"] is True and kw["local_files_only"] is True for _, kw in calls)


@pytest.mark.parametrize("model", ["/no/such/checkpoint", "Qwen/Qwen2.5-VL-3B-Instruct"])
def test_non_directory_model_is_a_clear_error(model: str, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = spy_from_pretrained(monkeypatch)
    with pytest.raises(FileNotFoundError, match="not a local checkpoint directory.*never downloads"):
        HFBackend(model)
    assert calls == []  # nothing was even attempted


def test_directory_without_config_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no config.json"):
        HFBackend(str(tmp_path))


def test_unknown_option_and_dtype_are_rejected(tiny_dir: Path) -> None:
    with pytest.raises(ValueError, match="unknown option.*tensor_parallel"):
        HFBackend(str(tiny_dir), tensor_parallel_size=2)
    with pytest.raises(ValueError, match="model_kwargs may not set local_files_only"):
        HFBackend(str(tiny_dir), model_kwargs={"local_files_only": False})
    with pytest.raises(ValueError, match="unknown dtype"):
        resolve_dtype("float8", torch.device("cpu"))


def test_default_dtype_follows_device() -> None:
    assert resolve_dtype(None, torch.device("cpu")) == torch.float32
    assert resolve_dtype(None, torch.device("cuda")) == torch.bfloat16
    assert resolve_dtype("bf16", torch.device("cpu")) == torch.bfloat16


# ----------------------------------------------------------------------------- fingerprint


def test_fingerprint_stable_and_path_independent(tiny_dir: Path, tmp_path: Path, tiny_backend: HFBackend) -> None:
    fp = tiny_backend.fingerprint()
    assert fp["weights_sha256"] and all(len(h) == 64 for h in fp["weights_sha256"].values())
    assert fp["transformers"] and fp["dtype"] == "float32"
    assert checkpoint_fingerprint(tiny_dir) == checkpoint_fingerprint(tiny_dir)
    moved = shutil.copytree(tiny_dir, tmp_path / "moved")
    assert checkpoint_fingerprint(moved) == checkpoint_fingerprint(tiny_dir)


def test_fingerprint_changes_when_weights_change(tiny_dir: Path, tmp_path: Path) -> None:
    from safetensors.torch import load_file, save_file

    copy = shutil.copytree(tiny_dir, tmp_path / "copy")
    before = checkpoint_fingerprint(copy)
    weights = copy / "model.safetensors"
    tensors = load_file(weights)
    name = sorted(tensors)[0]
    tensors[name] = tensors[name] + 1e-3
    save_file(tensors, weights, metadata={"format": "pt"})
    after = checkpoint_fingerprint(copy)
    assert after["weights_sha256"] != before["weights_sha256"]
    assert after["config_sha256"] == before["config_sha256"]
    assert after["processor_sha256"] == before["processor_sha256"]


def test_fingerprint_changes_with_chat_template(tiny_dir: Path, tmp_path: Path) -> None:
    copy = shutil.copytree(tiny_dir, tmp_path / "copy")
    before = checkpoint_fingerprint(copy)
    template = copy / "chat_template.jinja"
    template.write_text(template.read_text(encoding="utf-8") + " ", encoding="utf-8")
    assert checkpoint_fingerprint(copy)["processor_sha256"] != before["processor_sha256"]


def test_weight_hashes_are_cached_by_size_and_mtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import mella_bench.inference.backends.modeldir as modeldir

    f = tmp_path / "w.safetensors"
    f.write_bytes(b"x" * 1000)
    cache = tmp_path / "hashes.json"
    assert file_sha256(f, cache) == hashlib.sha256(b"x" * 1000).hexdigest()

    def boom(path):
        raise AssertionError("re-hashed an unchanged file")

    monkeypatch.setattr(modeldir, "_sha256_stream", boom)
    assert file_sha256(f, cache) == hashlib.sha256(b"x" * 1000).hexdigest()  # served from the cache
    monkeypatch.undo()
    f.write_bytes(b"y" * 1000)  # same size, new content and mtime
    st = f.stat()
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert file_sha256(f, cache) == hashlib.sha256(b"y" * 1000).hexdigest()


# ----------------------------------------------------------------------------- fallbacks, classes, threads


def failing_batches(backend: HFBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every generate() call with more than one row raises, as an out-of-memory batch would."""
    real = backend.model.generate

    def flaky(**kw):
        if kw["input_ids"].shape[0] > 1:
            raise RuntimeError("simulated batch failure")
        return real(**kw)

    monkeypatch.setattr(backend.model, "generate", flaky)


def test_batch_fallback_is_said_once_and_counted(tiny_backend: HFBackend, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture) -> None:
    from mella_bench.inference.backends.hf import BatchFallbacks

    expected = texts(tiny_backend.generate(make_requests(6)))
    monkeypatch.setattr(tiny_backend, "fallbacks", BatchFallbacks())
    monkeypatch.setattr(tiny_backend, "batch_size", 2)
    failing_batches(tiny_backend, monkeypatch)
    capsys.readouterr()
    assert texts(tiny_backend.generate(make_requests(6))) == expected
    err = capsys.readouterr().err
    assert err.count("retried one by one") == 1, err  # three batches fell back, said once
    assert tiny_backend.fallbacks == BatchFallbacks(3, 6, "RuntimeError: simulated batch failure")


def test_run_json_records_batch_fallbacks(tmp_path: Path, tiny_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mella_bench.inference.backends import BackendSpec
    from mella_bench.langs import LANG_CODES
    from mella_bench.store import load_header
    from mella_bench.inference.run import RunConfig, fallback_note, generate
    from mella_bench.data.tasks import select_tasks
    from tests.conftest import write_dataset

    data = write_dataset(tmp_path / "data", langs=LANG_CODES[:1], per_axis=2)
    tasks = [dataclasses.replace(t, generation=GenerationConfig(max_new_tokens=4)) for t in select_tasks(LANG_CODES[:1])]

    def run(name: str) -> dict:
        config = RunConfig(backend=BackendSpec("tiny", "tiny", {"device": "cpu"}), tasks=tuple(t.name for t in tasks),
                           output=tmp_path / name, data=str(data), batch_size=2)
        assert generate(config, tasks, progress=False)["ok"] == 4
        return load_header(tmp_path / name)

    assert run("plain")["batch_fallbacks"] == {"batches": 0, "items": 0, "first_reason": None}
    assert fallback_note(tmp_path / "plain") is None
    real = HFBackend.model_inputs

    def refuse_batches(self, texts, images):
        if len(texts) > 1:
            raise RuntimeError("simulated batch failure")
        return real(self, texts, images)

    monkeypatch.setattr(HFBackend, "model_inputs", refuse_batches)
    assert run("fallback")["batch_fallbacks"] == {"batches": 2, "items": 4,
                                                  "first_reason": "RuntimeError: simulated batch failure"}
    assert "2 batch(es) (4 items)" in fallback_note(tmp_path / "fallback")


def test_model_class_prefers_the_multimodal_auto_class() -> None:
    import transformers
    from transformers.models.auto.modeling_auto import (MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING_NAMES,
                                                        MODEL_FOR_MULTIMODAL_LM_MAPPING_NAMES)

    from mella_bench.inference.backends.hf import model_class

    # the multimodal class maps every image-text-to-text family and more (Phi-4-multimodal among them)
    assert set(MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING_NAMES) < set(MODEL_FOR_MULTIMODAL_LM_MAPPING_NAMES)
    assert model_class({"model_type": "llava"}, False) is transformers.AutoModelForMultimodalLM
    remote = {"model_type": "internvl_chat", "auto_map": {"AutoConfig": "c.C", "AutoModel": "m.M"}}
    assert model_class(remote, True) is transformers.AutoModel  # the class the checkpoint's code provides
    assert model_class(remote, False) is transformers.AutoModelForMultimodalLM  # no remote code without trust


def test_missing_torchvision_is_a_clear_error(tiny_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from transformers import AutoProcessor

    copy = shutil.copytree(tiny_dir, tmp_path / "qwen-like")
    cfg = json.loads((copy / "config.json").read_text())
    (copy / "config.json").write_text(json.dumps({**cfg, "model_type": "qwen2_vl"}))

    def no_torchvision(*a, **kw):  # what transformers raises for a video processor without torchvision
        raise ImportError("\nQwen2VLVideoProcessor requires the Torchvision library but it was not found in your "
                          "environment.")

    monkeypatch.setattr(AutoProcessor, "from_pretrained", no_torchvision)
    with pytest.raises(RuntimeError, match=r"qwen2_vl's processor needs torchvision.*docs/models.md"):
        HFBackend(str(copy))


def test_tiny_backend_is_single_threaded_with_the_same_answers(tiny_dir: Path) -> None:
    from mella_bench.inference.backends.tiny import TinyBackend

    before = torch.get_num_threads()
    try:
        reqs = make_requests(4)
        two = HFBackend(str(tiny_dir), device="cpu", threads=2)
        assert torch.get_num_threads() == 2
        many = texts(two.generate(reqs))
        one = TinyBackend(device="cpu")
        assert torch.get_num_threads() == 1
        assert texts(one.generate(reqs)) == many
    finally:
        torch.set_num_threads(before)
    with pytest.raises(ValueError, match="threads must be >= 1"):
        HFBackend(str(tiny_dir), threads=0)
