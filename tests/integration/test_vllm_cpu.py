"""vLLM end to end with a tiny random text-only Llama: the `vllm` backend's engine path and vLLM's
OpenAI-compatible server behind the `openai` backend.

Needs vLLM (GPU `vllm`, or the third-party `vllm-cpu` build): skipped with a printed reason
otherwise. `benchmarks/vllm_cpu_smoke.sh` creates a throw-away environment with vllm-cpu and runs
this file. Text only: vllm-cpu cannot load multimodal models here (its LLaVA path needs torchvision,
which has no working CPU build for torch 2.13.0); multimodal vLLM runs belong on a GPU machine.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.vllm
vllm = pytest.importorskip("vllm", reason="vLLM is not installed (GPU extra 'mella-bench[vllm]', or run "
                                          "benchmarks/vllm_cpu_smoke.sh for the CPU build in its own venv)")

from mella_bench.inference.backends.base import Request  # noqa: E402
from mella_bench.data.tasks import GenerationConfig  # noqa: E402
from tests.conftest import png_bytes  # noqa: E402

SENTENCES = ["Bát phở bò Hà Nội với hành.", "Pražský orloj na radnici.", "Матрёшки и самовар.",
             "경복궁 앞의 한복.", "ผัดไทยกุ้งสด", "Gulyásleves bográcsban.", "طبق كسكس مغربي.", "A bowl of noodles."]
CHATML = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{% if m['content'] is string %}{{ m['content'] }}"
          "{% else %}{% for p in m['content'] %}{% if p['type'] == 'text' %}{{ p['text'] }}{% endif %}{% endfor %}"
          "{% endif %}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
MAX_LEN = 512


def build_tiny_llama(out: Path) -> Path:
    """Random 2-layer Llama (head_dim 64: vLLM's CPU attention needs >= 32) with a locally trained tokenizer."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    specials = ["<pad>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"]
    raw = Tokenizer(models.BPE())
    raw.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    raw.decoder = decoders.ByteLevel()
    raw.train_from_iterator(SENTENCES * 10, trainers.BpeTrainer(
        vocab_size=600, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    ids = {t: raw.token_to_id(t) for t in specials}
    tok = PreTrainedTokenizerFast(tokenizer_object=raw, bos_token="<s>", eos_token="<|im_end|>", pad_token="<pad>")
    tok.chat_template = CHATML
    cfg = LlamaConfig(vocab_size=raw.get_vocab_size(), hidden_size=128, intermediate_size=256, num_hidden_layers=2,
                      num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=MAX_LEN,
                      bos_token_id=ids["<s>"], eos_token_id=ids["<|im_end|>"], pad_token_id=ids["<pad>"])
    torch.manual_seed(0)
    model = LlamaForCausalLM(cfg)
    model.generation_config.eos_token_id = ids["<|im_end|>"]
    model.generation_config.pad_token_id = ids["<pad>"]
    model.save_pretrained(out)
    tok.save_pretrained(out)
    return out


@pytest.fixture(scope="module")
def tiny_llama(tmp_path_factory: pytest.TempPathFactory) -> Path:
    os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
    return build_tiny_llama(tmp_path_factory.mktemp("tiny-llama"))


def _requests(n: int, gen: GenerationConfig, image: bytes = b"") -> list[Request]:
    return [Request(key=f"k{i}", item_id=f"i{i}", task="smoke", axis="ling", prompt=SENTENCES[i % len(SENTENCES)], image=image,
                    generation=gen) for i in range(n)]


def _report(label: str, results: list, seconds: float) -> None:
    toks = sum(r.completion_tokens or 0 for r in results)
    print(f"\n[{label}] {len(results)} requests in {seconds:.2f}s, {toks} completion tokens "
          f"({toks / seconds:.0f} tok/s); statuses {[r.status for r in results]}")
    for r in results[:3]:
        print(f"  {r.key}: {r.text!r} (prompt {r.prompt_tokens}, completion {r.completion_tokens}) {r.error or ''}")


def test_vllm_backend_engine_path(tiny_llama: Path) -> None:
    from mella_bench.inference.backends.vllm import VLLMBackend

    be = VLLMBackend(str(tiny_llama), max_model_len=MAX_LEN)
    free = GenerationConfig(max_new_tokens=16, temperature=0.0)
    t0 = time.perf_counter()
    first = be.generate(_requests(8, free))
    _report("vllm engine, text only", first, time.perf_counter() - t0)
    assert all(r.status == "ok" for r in first)
    assert all(0 < (r.completion_tokens or 0) <= 16 and (r.prompt_tokens or 0) > 0 for r in first)
    assert [r.text for r in be.generate(_requests(8, free))] == [r.text for r in first]  # greedy = deterministic
    # stop strings reach the engine: cut the longest answer at a piece of its own text
    longest = max(first, key=lambda r: len(r.text))
    stop = longest.text[len(longest.text) // 2:][:2]
    i = int(longest.key[1:])
    (cut,) = be.generate([_requests(8, GenerationConfig(max_new_tokens=16, stop=(stop,)))[i]])
    print(f"  stop {stop!r}: {cut.text!r} ({cut.completion_tokens} tokens, was {longest.completion_tokens})")
    assert cut.text == longest.text[:longest.text.index(stop)]
    assert (cut.completion_tokens or 0) < (longest.completion_tokens or 0)
    # an image sent to this text-only model is that item's error, not the batch's
    mixed = be.generate(_requests(2, free) + _requests(1, free, image=png_bytes()))
    print(f"  image to a text-only model: {mixed[2].status}: {(mixed[2].error or '')[:160]}")
    assert [r.status for r in mixed] == ["ok", "ok", "error"]
    print(f"  fingerprint: {json.dumps(be.fingerprint())}")
    be.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_openai_backend_against_vllm_server(tiny_llama: Path, tmp_path: Path) -> None:
    from mella_bench.inference.backends.openai import OpenAIBackend

    port = _free_port()
    log = (tmp_path / "server.log").open("w")
    # `vllm serve` fails under vllm-cpu (its package metadata is named vllm-cpu), so start the module directly
    server = subprocess.Popen([sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", str(tiny_llama),
                               "--served-model-name", "tiny-llama", "--host", "127.0.0.1", "--port", str(port),
                               "--max-model-len", str(MAX_LEN)], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        t0 = time.perf_counter()
        while True:
            assert server.poll() is None, f"server exited: {(tmp_path / 'server.log').read_text()[-3000:]}"
            try:
                urllib.request.urlopen(f"{base}/models", timeout=2).read()
                break
            except OSError:
                assert time.perf_counter() - t0 < 300, "server not ready after 300 s"
                time.sleep(1)
        print(f"\n[vllm server] ready in {time.perf_counter() - t0:.1f}s")
        be = OpenAIBackend("tiny-llama", base_url=base, concurrency=4)
        fp = be.fingerprint()
        print(f"  fingerprint: {json.dumps(fp)}")
        assert fp["served"]["id"] == "tiny-llama" and fp["served"]["max_model_len"] == MAX_LEN
        t0 = time.perf_counter()
        res = be.generate(_requests(8, GenerationConfig(max_new_tokens=16)))
        _report("openai backend -> vllm server, text only", res, time.perf_counter() - t0)
        assert all(r.status == "ok" and 0 < (r.completion_tokens or 0) <= 16 for r in res)
        be.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
