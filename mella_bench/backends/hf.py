"""`hf` backend: a local transformers checkpoint (`AutoModelForImageTextToText` + `AutoProcessor`).

Requests are rendered with the processor's own chat template (an image item, then the prompt),
sorted by length and generated in left-padded batches, then returned in input order. Decoding is
greedy unless a task sets a temperature. Nothing is ever downloaded (`local_files_only=True`) and
repository code runs only when `trust_remote_code=True` is asked for.

One bad item never sinks its batch: an undecodable image fails that item only, and a batch that
raises (an out-of-memory error, say) is retried item by item.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mella_bench.backends.base import Request, Result, cut_at_stop
from mella_bench.backends.modeldir import checkpoint_fingerprint
from mella_bench.tasks import GenerationConfig

DTYPES = {"float32": "float32", "fp32": "float32", "bfloat16": "bfloat16", "bf16": "bfloat16",
          "float16": "float16", "fp16": "float16", "half": "float16"}

FORBIDDEN_MODEL_KWARGS = {"local_files_only", "trust_remote_code", "dtype", "torch_dtype", "revision"}


# --------------------------------------------------------------------------- backend

def resolve_device(device: str | None) -> Any:
    import torch

    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def resolve_dtype(dtype: Any, device: Any) -> Any:
    """bfloat16 on CUDA, float32 elsewhere, unless a dtype (name or torch.dtype) is given."""
    import torch

    if dtype is None:
        return torch.bfloat16 if device.type == "cuda" else torch.float32
    if isinstance(dtype, torch.dtype):
        return dtype
    name = DTYPES.get(str(dtype).lower().removeprefix("torch."))
    if name is None:
        raise ValueError(f"unknown dtype '{dtype}'; choose from {', '.join(sorted(DTYPES))}")
    return getattr(torch, name)


@dataclass(frozen=True)
class _Prepared:
    """A request whose image decoded, with its rendered chat text."""

    index: int
    request: Request
    image: Any
    text: str
    length: int


def _decode_image(data: bytes) -> Any:
    from mella_bench.images import decode_rgb

    return decode_rgb(data)


def _is_oom(exc: BaseException) -> bool:
    import torch

    return isinstance(exc, (torch.OutOfMemoryError, MemoryError)) or "out of memory" in str(exc).lower()


class HFBackend:
    """A local checkpoint directory served with transformers."""

    name = "hf"

    def __init__(self, model: str, device: str | None = None, dtype: Any = None, trust_remote_code: bool = False,
                 batch_size: int | None = None, seed: int = 0, model_kwargs: dict[str, Any] | None = None,
                 generate_kwargs: dict[str, Any] | None = None, **kw: Any):
        """`batch_size` caps sequences per `generate` call (default: the whole list the run loop passes);
        `model_kwargs` go to `from_pretrained` (e.g. attn_implementation), `generate_kwargs` to
        `generate` (benchmarks use them to force a fixed output length)."""
        if kw:
            raise ValueError(f"unknown option(s) for the {self.name} backend: {', '.join(sorted(kw))}")
        if batch_size is not None and batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        bad = FORBIDDEN_MODEL_KWARGS & set(model_kwargs or {})
        if bad:
            raise ValueError(f"model_kwargs may not set {', '.join(sorted(bad))}; use the backend's own options")
        self.path = Path(model).expanduser()
        if not self.path.is_dir():
            raise FileNotFoundError(
                f"model '{model}' is not a local checkpoint directory (config.json, weights, processor files). "
                "The hf backend never downloads from a hub: download the model yourself (e.g. `hf download "
                "ORG/NAME --local-dir DIR`) and pass --model DIR")
        if not (self.path / "config.json").is_file():
            raise FileNotFoundError(f"{self.path} has no config.json; is it a transformers checkpoint directory?")
        import torch
        from transformers import AutoModelForImageTextToText, AutoProcessor

        self.trust_remote_code = bool(trust_remote_code)
        self.device = resolve_device(device)
        self.dtype = resolve_dtype(dtype, self.device)
        self.batch_size = batch_size
        self.seed = seed
        self.generate_kwargs = dict(generate_kwargs or {})
        self.processor = AutoProcessor.from_pretrained(self.path, local_files_only=True,
                                                       trust_remote_code=self.trust_remote_code)
        if not getattr(self.processor, "chat_template", None):
            raise ValueError(f"{self.path} has no chat template (chat_template.jinja or in the processor config); "
                             "the hf backend needs one to build the image + prompt message")
        self.model = AutoModelForImageTextToText.from_pretrained(
            self.path, local_files_only=True, trust_remote_code=self.trust_remote_code, dtype=self.dtype,
            **(model_kwargs or {}))
        self.model.to(self.device).eval()
        self.tokenizer = getattr(self.processor, "tokenizer", self.processor)
        self.tokenizer.padding_side = "left"  # decoder-only: new tokens must follow the prompt directly
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.eos_ids = self._eos_ids()
        self._fingerprint: dict[str, Any] | None = None
        self._torch = torch

    def _eos_ids(self) -> set[int]:
        ids = self.model.generation_config.eos_token_id
        out = set(ids if isinstance(ids, (list, tuple)) else [ids] if ids is not None else [])
        if self.tokenizer.eos_token_id is not None:
            out.add(self.tokenizer.eos_token_id)
        return out

    # ------------------------------------------------------------------ identity

    def fingerprint(self) -> dict[str, Any]:
        if self._fingerprint is None:
            import transformers

            template = self.processor.chat_template
            self._fingerprint = {
                "backend": self.name,
                "model_type": self.model.config.model_type,
                **checkpoint_fingerprint(self.path, remote_code=self.trust_remote_code),
                "chat_template_sha256": hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest(),
                "transformers": transformers.__version__,
                "dtype": str(self.dtype).removeprefix("torch."),
            }
        return self._fingerprint

    # ------------------------------------------------------------------ generation

    def chat_text(self, prompt: str) -> str:
        messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": prompt}]}]
        return self.processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)

    def _prepare(self, requests: list[Request]) -> tuple[list[_Prepared], dict[int, Result]]:
        ready, failed = [], {}
        for i, req in enumerate(requests):
            try:
                image = _decode_image(req.image)
            except Exception as exc:  # noqa: BLE001 - any decoder failure fails this item only
                failed[i] = Result.failed(req.key, f"image could not be decoded ({type(exc).__name__}: {exc})")
                continue
            text = self.chat_text(req.prompt)
            ready.append(_Prepared(i, req, image, text, len(self.tokenizer(text)["input_ids"])))
        return ready, failed

    def generate(self, requests: list[Request]) -> list[Result]:
        ready, failed = self._prepare(requests)
        results: dict[int, Result] = dict(failed)
        groups: dict[GenerationConfig, list[_Prepared]] = defaultdict(list)
        for p in ready:
            groups[p.request.generation].append(p)
        for gen, group in groups.items():
            group.sort(key=lambda p: -p.length)  # longest first: an OOM shows up on the first batch
            size = self.batch_size or len(group)
            for start in range(0, len(group), size):
                chunk = group[start:start + size]
                for p, res in zip(chunk, self._run_batch(chunk, gen)):
                    results[p.index] = res
        return [results[i] for i in range(len(requests))]

    def _run_batch(self, chunk: list[_Prepared], gen: GenerationConfig) -> list[Result]:
        try:
            return self._generate_batch(chunk, gen)
        except Exception as exc:  # noqa: BLE001 - isolate the failing item by retrying one by one
            reason = f"{type(exc).__name__}: {exc}"[:500]
            if len(chunk) == 1:
                return [Result.failed(chunk[0].request.key, f"generation failed ({reason})")]
            if _is_oom(exc) and self._torch.cuda.is_available():
                self._torch.cuda.empty_cache()
            print(f"[hf] batch of {len(chunk)} failed ({reason[:200]}); retrying item by item", file=sys.stderr)
            return [r for p in chunk for r in self._run_batch([p], gen)]

    def _generation_kwargs(self, gen: GenerationConfig) -> dict[str, Any]:
        kw: dict[str, Any] = {"max_new_tokens": gen.max_new_tokens, "pad_token_id": self.tokenizer.pad_token_id}
        if gen.temperature > 0:
            kw.update(do_sample=True, temperature=gen.temperature)
        else:
            kw.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        if gen.stop:
            kw.update(stop_strings=list(gen.stop), tokenizer=self.tokenizer)
        kw.update(self.generate_kwargs)
        return kw

    def _generate_batch(self, chunk: list[_Prepared], gen: GenerationConfig) -> list[Result]:
        torch = self._torch
        inputs = self.processor(text=[p.text for p in chunk], images=[p.image for p in chunk], padding=True,
                                return_tensors="pt")
        inputs = {k: (v.to(self.device, self.dtype) if v.is_floating_point() else v.to(self.device))
                  for k, v in inputs.items() if isinstance(v, torch.Tensor)}
        kwargs = self._generation_kwargs(gen)
        if kwargs["do_sample"]:
            torch.manual_seed(self.seed)
        with torch.inference_mode():
            out = self.model.generate(**inputs, **kwargs)
        prompt_len = inputs["input_ids"].shape[1]
        prompt_tokens = inputs["attention_mask"].sum(dim=1).tolist()
        return [self._result(p, out[row, prompt_len:].tolist(), int(prompt_tokens[row]), gen)
                for row, p in enumerate(chunk)]

    def _result(self, p: _Prepared, new_ids: list[int], prompt_tokens: int, gen: GenerationConfig) -> Result:
        """Only the newly generated tokens, up to the first end token, special tokens stripped."""
        n = len(new_ids)
        pad = self.tokenizer.pad_token_id
        while n and new_ids[n - 1] == pad and pad not in self.eos_ids:
            n -= 1  # batch filler after this row stopped
        end = next((i for i, t in enumerate(new_ids[:n]) if t in self.eos_ids), None)
        if end is not None:
            n = end + 1
        text = self.tokenizer.decode(new_ids[:n], skip_special_tokens=True)
        return Result(key=p.request.key, status="ok", text=cut_at_stop(text, gen.stop).strip(),
                      prompt_tokens=prompt_tokens, completion_tokens=n)

    def close(self) -> None:
        self.model = None
        if self._torch.cuda.is_available():
            self._torch.cuda.empty_cache()
