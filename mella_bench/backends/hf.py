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
import io
import json
import os
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mella_bench.backends.base import Request, Result
from mella_bench.tasks import GenerationConfig

WEIGHT_PATTERNS = ("*.safetensors",)
LEGACY_WEIGHT_PATTERNS = ("*.bin", "*.pt", "*.pth")
"""Hashed only when a checkpoint has no safetensors files."""
CONFIG_FILES = ("config.json", "generation_config.json")
PROCESSOR_PATTERNS = ("tokenizer*.json", "special_tokens_map.json", "added_tokens.json", "vocab.*", "merges.txt",
                      "*.model", "*.tiktoken", "chat_template*", "processor_config.json", "preprocessor_config.json",
                      "video_preprocessor_config.json", "image_processor*.json")
"""Files that change how a prompt becomes tokens or an image becomes pixels."""

DTYPES = {"float32": "float32", "fp32": "float32", "bfloat16": "bfloat16", "bf16": "bfloat16",
          "float16": "float16", "fp16": "float16", "half": "float16"}

FORBIDDEN_MODEL_KWARGS = {"local_files_only", "trust_remote_code", "dtype", "torch_dtype", "revision"}


def cache_root() -> Path:
    """`$MELLA_BENCH_CACHE`, else `$XDG_CACHE_HOME/mella-bench`, else `~/.cache/mella-bench`."""
    if os.environ.get("MELLA_BENCH_CACHE"):
        return Path(os.environ["MELLA_BENCH_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mella-bench"


# --------------------------------------------------------------------------- fingerprint helpers

def _sha256_stream(path: Path, chunk: int = 1 << 22) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def file_sha256(path: Path, cache_file: Path | None = None) -> str:
    """sha256 of a file, remembered by (real path, size, mtime) so multi-GB weights are hashed once."""
    cache_file = cache_file or cache_root() / "file-hashes.json"
    st = path.stat()
    key = str(path.resolve())
    stamp = [st.st_size, st.st_mtime_ns]
    try:
        cache = json.loads(cache_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cache = {}
    hit = cache.get(key)
    if isinstance(hit, dict) and hit.get("stamp") == stamp and isinstance(hit.get("sha256"), str):
        return hit["sha256"]
    digest = _sha256_stream(path)
    cache[key] = {"stamp": stamp, "sha256": digest}
    try:  # best effort: a lost update only means hashing again next time
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".file-hashes-", dir=cache_file.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(cache, fh)
        os.replace(tmp, cache_file)
    except OSError:
        pass
    return digest


def _files(root: Path, patterns: tuple[str, ...]) -> list[Path]:
    return sorted({p for pat in patterns for p in root.glob(pat) if p.is_file()})


def _hash_files(root: Path, files: list[Path]) -> str:
    h = hashlib.sha256()
    for p in files:
        h.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def checkpoint_fingerprint(root: Path, remote_code: bool = False) -> dict[str, Any]:
    """Content identity of a checkpoint directory (never its path: moving it keeps the cache valid)."""
    weights = _files(root, WEIGHT_PATTERNS) or _files(root, LEGACY_WEIGHT_PATTERNS)
    fp: dict[str, Any] = {
        "config_sha256": _hash_files(root, [root / f for f in CONFIG_FILES if (root / f).is_file()]),
        "weights_sha256": {p.relative_to(root).as_posix(): file_sha256(p) for p in weights},
        "processor_sha256": _hash_files(root, _files(root, PROCESSOR_PATTERNS)),
    }
    if remote_code:
        fp["remote_code_sha256"] = _hash_files(root, _files(root, ("*.py",)))
    return fp


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
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        return img.convert("RGB")


def _is_oom(exc: BaseException) -> bool:
    import torch

    return isinstance(exc, (torch.OutOfMemoryError, MemoryError)) or "out of memory" in str(exc).lower()


def _cut_at_stop(text: str, stop: tuple[str, ...]) -> str:
    cut = min((i for s in stop if s and (i := text.find(s)) >= 0), default=len(text))
    return text[:cut]


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
        return Result(key=p.request.key, status="ok", text=_cut_at_stop(text, gen.stop).strip(),
                      prompt_tokens=prompt_tokens, completion_tokens=n)

    def close(self) -> None:
        self.model = None
        if self._torch.cuda.is_available():
            self._torch.cuda.empty_cache()
