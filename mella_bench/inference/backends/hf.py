"""`hf` backend: a local transformers checkpoint, with the model's own processor path.

Each request becomes what the family's processor makes of one user turn (an image item, then the
prompt): the chat template renders it, the processor gets one image list per sample, and BOS is
added only when the rendered text lacks it (`processor.apply_chat_template(tokenize=True)` does the
same). Families that differ are declared in `families.py` by `model_type`: PaliGemma-style
prompt-only checkpoints, and remote-code InternVL2/2.5 (`InternVLChatModel`, `internvl_chat.py`).
The model class is `AutoModelForMultimodalLM` (a superset of `AutoModelForImageTextToText`) or, for
remote code, the class the checkpoint's `auto_map` names.

Requests are generated in left-padded batches of at most `batch_size`; when they span several batches
they are first sorted by their input length after image expansion (so rows of a batch carry little
padding), and results come back in input order. Decoding is greedy unless a task sets a temperature. Nothing is ever
downloaded (`local_files_only=True`) and repository code runs only when `trust_remote_code=True`.

One bad item never sinks its batch: an undecodable image fails that item only, and a batch that
raises is retried item by item; that fallback is said once per run (stderr) and counted in
`batch_fallbacks` (run.json), so a run that never batches is never silent.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mella_bench.inference.backends.base import Request, Result, cut_at_stop
from mella_bench.inference.backends.families import TORCHVISION_HINT, Family, family_for, missing_modules
from mella_bench.inference.backends.modeldir import checkpoint_fingerprint
from mella_bench.data.tasks import GenerationConfig

DTYPES = {"float32": "float32", "fp32": "float32", "bfloat16": "bfloat16", "bf16": "bfloat16",
          "float16": "float16", "fp16": "float16", "half": "float16"}

FORBIDDEN_MODEL_KWARGS = {"local_files_only", "trust_remote_code", "dtype", "torch_dtype", "revision"}

REMOTE_AUTO_CLASSES = ("AutoModelForMultimodalLM", "AutoModelForImageTextToText", "AutoModelForVision2Seq",
                       "AutoModelForCausalLM", "AutoModel")
"""Keys of a remote-code checkpoint's `auto_map`, in the order the backend prefers them."""


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
    """A request whose image decoded: its model-ready text (or question) and its input length."""

    index: int
    request: Request
    image: Any
    """The decoded image (processor path) or its tiles as one tensor (remote InternVL2 path)."""
    text: str
    length: int
    """What the length sort uses: text characters until the group spans several batches, then the
    input tokens after image expansion."""


@dataclass(frozen=True)
class BatchFallbacks:
    """Batches that raised as a whole and were retried one item at a time, for run.json."""

    batches: int = 0
    items: int = 0
    first_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _decode_image(data: bytes) -> Any:
    from mella_bench.data.images import decode_rgb

    return decode_rgb(data)


def _is_oom(exc: BaseException) -> bool:
    import torch

    return isinstance(exc, (torch.OutOfMemoryError, MemoryError)) or "out of memory" in str(exc).lower()


def read_config(path: Path) -> dict[str, Any]:
    """The checkpoint's config.json as a dict (its `model_type` selects the family)."""
    try:
        cfg = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ValueError(f"{path / 'config.json'}: not valid JSON ({exc})") from None
    if not isinstance(cfg, dict):
        raise ValueError(f"{path / 'config.json'}: expected a JSON object")
    return cfg


def model_class(config: dict[str, Any], trust_remote_code: bool) -> Any:
    """`AutoModelForMultimodalLM` (or `…ImageTextToText` on an older transformers) for a native family;
    for remote code, the auto class the checkpoint's `auto_map` offers first in REMOTE_AUTO_CLASSES."""
    import transformers

    auto_map = config.get("auto_map") or {}
    if trust_remote_code and auto_map:
        for name in REMOTE_AUTO_CLASSES:
            if name in auto_map and hasattr(transformers, name):
                return getattr(transformers, name)
    return getattr(transformers, "AutoModelForMultimodalLM", None) or transformers.AutoModelForImageTextToText


class HFBackend:
    """A local checkpoint directory served with transformers."""

    name = "hf"

    def __init__(self, model: str, device: str | None = None, dtype: Any = None, trust_remote_code: bool = False,
                 batch_size: int | None = None, seed: int = 0, threads: int | None = None,
                 model_kwargs: dict[str, Any] | None = None, generate_kwargs: dict[str, Any] | None = None, **kw: Any):
        """`batch_size` caps sequences per `generate` call (default: the whole list the run loop passes);
        `threads` sets torch's CPU threads (default: torch's choice); `model_kwargs` go to
        `from_pretrained` (e.g. attn_implementation), `generate_kwargs` to `generate` (benchmarks use
        them to force a fixed output length)."""
        if kw:
            raise ValueError(f"unknown option(s) for the {self.name} backend: {', '.join(sorted(kw))}")
        if batch_size is not None and batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be >= 1, got {threads}")
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

        if threads is not None:
            torch.set_num_threads(threads)
        self.config = read_config(self.path)
        self.model_type = str(self.config.get("model_type") or "")
        self.family: Family = family_for(self.model_type)
        self.trust_remote_code = bool(trust_remote_code)
        self.device = resolve_device(device)
        self.dtype = resolve_dtype(dtype, self.device)
        self.batch_size = batch_size
        self.seed = seed
        self.generate_kwargs = dict(generate_kwargs or {})
        self.fallbacks = BatchFallbacks()
        self._torch = torch
        if self.family.engine == "internvl_chat":
            from mella_bench.inference.backends.internvl_chat import load_chat_model

            self.model, self.tokenizer = load_chat_model(self.path, self.trust_remote_code, self.dtype, model_kwargs)
            self.processor = None
        else:
            self.processor = self._load_processor()
            self.model = model_class(self.config, self.trust_remote_code).from_pretrained(
                self.path, local_files_only=True, trust_remote_code=self.trust_remote_code, dtype=self.dtype,
                **(model_kwargs or {}))
            self.tokenizer = getattr(self.processor, "tokenizer", self.processor)
        self.model.to(self.device).eval()
        self.tokenizer.padding_side = "left"  # decoder-only: new tokens must follow the prompt directly
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.eos_ids = self._eos_ids()
        self._fingerprint: dict[str, Any] | None = None

    def _load_processor(self) -> Any:
        from transformers import AutoProcessor

        try:
            processor = AutoProcessor.from_pretrained(self.path, local_files_only=True,
                                                      trust_remote_code=self.trust_remote_code)
        except ImportError as exc:
            missing = missing_modules(self.family) or [m for m in ("torchvision",) if m in str(exc).lower()]
            if not missing:
                raise
            hint = TORCHVISION_HINT if "torchvision" in missing else f"pip install {' '.join(missing)}"
            raise RuntimeError(f"{self.path}: the {self.model_type or 'checkpoint'}'s processor needs "
                               f"{' and '.join(missing)}, which is not installed here; {hint}") from None
        if not self.family.prompt_only and not getattr(processor, "chat_template", None):
            raise ValueError(f"{self.path} has no chat template (chat_template.jinja or in the processor config); "
                             "the hf backend needs one to build the image + prompt message (prompt-only families "
                             "such as PaliGemma are declared in mella_bench/inference/backends/families.py)")
        return processor

    def _eos_ids(self) -> set[int]:
        # remote-code models need not have a generation config of their own (InternVL2 keeps it in its LLM)
        config = (getattr(self.model, "generation_config", None)
                  or getattr(getattr(self.model, "language_model", None), "generation_config", None))
        ids = config.eos_token_id if config is not None else None
        out = set(ids if isinstance(ids, (list, tuple)) else [ids] if ids is not None else [])
        if self.tokenizer.eos_token_id is not None:
            out.add(self.tokenizer.eos_token_id)
        return out

    # ------------------------------------------------------------------ identity

    def fingerprint(self) -> dict[str, Any]:
        if self._fingerprint is None:
            import transformers

            template = self.processor.chat_template if self.processor is not None else self.model.config.template
            self._fingerprint = {
                "backend": self.name,
                "model_type": self.model.config.model_type,
                **checkpoint_fingerprint(self.path, remote_code=self.trust_remote_code),
                "chat_template_sha256": hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest(),
                "transformers": transformers.__version__,
                "dtype": str(self.dtype).removeprefix("torch."),
            }
        return self._fingerprint

    # ------------------------------------------------------------------ input shaping

    def chat_text(self, prompt: str) -> str:
        """The text of one request as the model sees it before image expansion: the chat template's
        rendering of one user turn, or for a prompt-only family the image token and the prompt."""
        if self.family.prompt_only:
            return f"{self.processor.image_token}{prompt}"
        messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": prompt}]}]
        return self.processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)

    def model_inputs(self, texts: list[str], images: list[Any]) -> dict[str, Any]:
        """Processor outputs for a batch (one image list per sample, left padding), BOS added only when
        the text lacks it, minus what the family keeps out of `generate()`."""
        bos = self.tokenizer.bos_token
        kw: dict[str, Any] = {}
        if bos is not None and texts and texts[0].startswith(bos):
            kw["add_special_tokens"] = False
        out = self.processor(text=texts, images=[[im] for im in images], padding=True, return_tensors="pt", **kw)
        return {k: v for k, v in out.items() if k not in self.family.drop_inputs}

    def _prepare_one(self, index: int, req: Request) -> _Prepared | Result:
        try:
            image = _decode_image(req.image)
        except Exception as exc:  # noqa: BLE001 - any decoder failure fails this item only
            return Result.failed(req.key, f"image could not be decoded ({type(exc).__name__}: {exc})")
        if self.family.engine == "internvl_chat":
            from mella_bench.inference.backends.internvl_chat import prepare_question

            tiles, length = prepare_question(self.model, self.tokenizer, image, req.prompt)
            return _Prepared(index, req, tiles, req.prompt, length)
        text = self.chat_text(req.prompt)
        return _Prepared(index, req, image, text, len(text))

    def _with_input_lengths(self, group: list[_Prepared]) -> list[_Prepared]:
        """The group with each item's input length after image expansion (one processor pass per item:
        paid only when the group spans several batches, where the sort decides the padding)."""
        if self.family.engine == "internvl_chat":
            return group  # its lengths already count the image tokens
        return [dataclasses.replace(p, length=int(self.model_inputs([p.text], [p.image])["input_ids"].shape[1]))
                for p in group]

    def _prepare(self, requests: list[Request]) -> tuple[list[_Prepared], dict[int, Result]]:
        ready, failed = [], {}
        for i, req in enumerate(requests):
            p = self._prepare_one(i, req)
            if isinstance(p, Result):
                failed[i] = p
            else:
                ready.append(p)
        return ready, failed

    # ------------------------------------------------------------------ generation

    def generate(self, requests: list[Request]) -> list[Result]:
        ready, failed = self._prepare(requests)
        results: dict[int, Result] = dict(failed)
        groups: dict[GenerationConfig, list[_Prepared]] = defaultdict(list)
        for p in ready:
            groups[p.request.generation].append(p)
        for gen, group in groups.items():
            size = self.batch_size or len(group)
            if len(group) > size:
                group = self._with_input_lengths(group)
            group.sort(key=lambda p: -p.length)  # longest first: an OOM shows up on the first batch
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
            self._note_fallback(len(chunk), reason)
            return [r for p in chunk for r in self._run_batch([p], gen)]

    def _note_fallback(self, items: int, reason: str) -> None:
        """Count a batch retried item by item; say so on stderr the first time only (the count goes to run.json)."""
        f = self.fallbacks
        if f.batches == 0:
            print(f"[{self.name}] a batch of {items} failed ({reason[:200]}); its items are retried one by one. "
                  "This is said once: run.json's batch_fallbacks counts every such batch", file=sys.stderr)
        self.fallbacks = BatchFallbacks(f.batches + 1, f.items + items, f.first_reason or reason)

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
        kwargs = self._generation_kwargs(gen)
        if kwargs["do_sample"]:
            torch.manual_seed(self.seed)
        if self.family.engine == "internvl_chat":
            from mella_bench.inference.backends.internvl_chat import batch_chat

            with torch.inference_mode():
                texts = batch_chat(self.model, self.tokenizer, [p.image for p in chunk], [p.text for p in chunk],
                                   kwargs, self.device, self.dtype)
            return [Result(key=p.request.key, status="ok", text=cut_at_stop(t, gen.stop).strip(),
                           prompt_tokens=p.length) for p, t in zip(chunk, texts)]
        inputs = self.model_inputs([p.text for p in chunk], [p.image for p in chunk])
        inputs = {k: (v.to(self.device, self.dtype) if v.is_floating_point() else v.to(self.device))
                  for k, v in inputs.items() if isinstance(v, torch.Tensor)}
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
