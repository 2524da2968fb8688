"""A tiny random LLaVA, built offline from a config and a locally trained tokenizer.

It exists so that tests and the demo exercise the real `hf` code path (processor, chat template,
batched `generate`) on a fresh machine with no downloads. Its answers are gibberish by design.
The build is seeded and deterministic, cached per recipe hash, and atomic (temp dir + rename),
so concurrent processes never see or produce a half-written model.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from mella_bench.inference.backends.hf import HFBackend
from mella_bench.inference.backends.modeldir import cache_root

RECIPE_VERSION = 1
"""Bump when the recipe below changes in a way the hashed fields do not capture."""

SPECIAL_TOKENS = ("<pad>", "<s>", "<|im_start|>", "<|im_end|>", "<image>")
IMAGE_SIZE, PATCH_SIZE = 32, 8
VOCAB_SIZE = 1024

# Training text for the tokenizer: every script of the eight languages (plus Latin punctuation
# and digits), so common characters get merges; byte-level BPE round-trips anything else.
CORPUS = (
    "A photo of a market street with food, people, signs and old buildings. 0123456789 (x) - : ; ! ?",
    "هذه صورة لسوق تقليدي في المدينة القديمة، فيها طعام وناس ولافتات.",
    "Na fotografii je tradiční trh ve starém městě s jídlem, lidmi a nápisy.",
    "A képen egy hagyományos piac látható az óvárosban, ételekkel és emberekkel.",
    "이 사진은 옛 도시의 전통 시장을 보여 줍니다. 음식과 사람들, 간판이 있습니다.",
    "На фотографии традиционный рынок в старом городе: еда, люди и вывески.",
    "На фотографији је традиционална пијаца у старом граду, са храном и људима.",
    "Na fotografiji je tradicionalna pijaca u starom gradu, sa hranom i ljudima.",
    "ภาพนี้แสดงตลาดดั้งเดิมในเมืองเก่า มีอาหาร ผู้คน และป้ายต่างๆ",
    "Bức ảnh cho thấy một khu chợ truyền thống ở phố cổ, có đồ ăn, người và biển hiệu.",
)

CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for item in message['content'] %}"
    "{% if item['type'] == 'image' %}<image>\n{% elif item['type'] == 'text' %}{{ item['text'] }}{% endif %}"
    "{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

VISION = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
              image_size=IMAGE_SIZE, patch_size=PATCH_SIZE, projection_dim=32)
TEXT = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, max_position_embeddings=1024,
            initializer_range=0.2)
"""initializer_range 0.2 (vs 0.02) spreads the logits, so greedy argmax never hinges on a near tie
that float noise from padding could flip: batched and one-by-one outputs stay identical."""
EOS_SCALE = 2.0
"""The end token's output row is scaled up so answers stop on their own, after ~30 tokens (median)
instead of always running to max_new_tokens: the demo stays fast, and batches really contain rows
that finish early (padding after the end token). Some answers are empty (end token first)."""


def recipe() -> dict[str, Any]:
    """Everything that determines the built files; its hash names the cache directory."""
    import tokenizers
    import torch
    import transformers

    return {"version": RECIPE_VERSION, "special": SPECIAL_TOKENS, "vocab_size": VOCAB_SIZE, "corpus": CORPUS,
            "chat_template": CHAT_TEMPLATE, "vision": VISION, "text": TEXT, "eos_scale": EOS_SCALE,
            # other library versions may initialise or serialise differently
            "transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
            "torch": torch.__version__.split("+")[0]}


def recipe_hash(seed: int = 0) -> str:
    blob = json.dumps({**recipe(), "seed": seed}, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def _train_tokenizer() -> Any:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB_SIZE, special_tokens=list(SPECIAL_TOKENS), show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(CORPUS, trainer=trainer)
    return tok


@dataclass(frozen=True)
class LlavaShape:
    """Sizes of a random LLaVA: the tiny default, or a realistic one for GPU benchmarks."""

    vision: dict[str, Any] = field(default_factory=lambda: dict(VISION))
    """CLIPVisionConfig fields (image_size and patch_size included)."""
    text: dict[str, Any] = field(default_factory=lambda: dict(TEXT))
    """LlamaConfig fields (the vocabulary always comes from the trained tokenizer)."""
    eos_scale: float = EOS_SCALE


def _processor(raw_tokenizer: Any, shape: LlavaShape) -> Any:
    from transformers import LlavaProcessor, PreTrainedTokenizerFast
    from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

    size, patch = shape.vision["image_size"], shape.vision["patch_size"]
    tok = PreTrainedTokenizerFast(tokenizer_object=raw_tokenizer, bos_token="<s>", eos_token="<|im_end|>",
                                  pad_token="<pad>", extra_special_tokens={"image_token": "<image>"})
    image_processor = CLIPImageProcessorPil(size={"shortest_edge": size}, crop_size={"height": size, "width": size})
    return LlavaProcessor(image_processor=image_processor, tokenizer=tok, patch_size=patch,
                          vision_feature_select_strategy="default", num_additional_image_tokens=1,
                          image_token="<image>", chat_template=CHAT_TEMPLATE)


def _model(vocab: dict[str, int], seed: int, shape: LlavaShape, device: str, dtype: Any) -> Any:
    import torch
    from transformers import CLIPVisionConfig, LlamaConfig, LlavaConfig, LlavaForConditionalGeneration

    ids = {t: vocab[t] for t in SPECIAL_TOKENS}
    text = LlamaConfig(vocab_size=len(vocab), eos_token_id=ids["<|im_end|>"], pad_token_id=ids["<pad>"],
                       bos_token_id=ids["<s>"], **shape.text)
    cfg = LlavaConfig(vision_config=CLIPVisionConfig(**shape.vision), text_config=text, image_token_id=ids["<image>"],
                      vision_feature_select_strategy="default", vision_feature_layer=-1)
    with torch.random.fork_rng(devices=[]):  # seeded without disturbing the caller's RNG
        torch.manual_seed(seed)
        with torch.device(device):
            model = LlavaForConditionalGeneration._from_config(cfg, dtype=dtype or torch.float32)
    with torch.no_grad():
        model.lm_head.weight[ids["<|im_end|>"]] *= shape.eos_scale
    model.generation_config.eos_token_id = ids["<|im_end|>"]
    model.generation_config.pad_token_id = ids["<pad>"]
    model.generation_config.bos_token_id = ids["<s>"]
    model.generation_config.do_sample = False
    return model


def build_llava(out_dir: str | Path, seed: int = 0, shape: LlavaShape | None = None, device: str = "cpu",
                dtype: Any = None) -> Path:
    """A random-weight LLaVA with the locally trained tokenizer, saved as a checkpoint directory.

    `device`/`dtype` only say where the weights are initialised (a ~2B model is built on the GPU in
    seconds); the files are the same kind either way."""
    out = Path(out_dir)
    if out.exists():
        raise FileExistsError(f"{out} already exists; the builder writes a fresh directory")
    shape = shape or LlavaShape()
    raw = _train_tokenizer()
    processor = _processor(raw, shape)
    model = _model(raw.get_vocab(), seed, shape, device, dtype)
    out.mkdir(parents=True)
    model.save_pretrained(out)
    processor.save_pretrained(out)
    return out


def build_tiny_model(out_dir: str | Path, seed: int = 0) -> Path:
    """Build the tiny model into `out_dir` (which must not exist yet) and return it.

    Same seed and library versions → byte-identical weights and tokenizer files.
    """
    out = build_llava(out_dir, seed=seed)
    (out / "mella_tiny_recipe.json").write_text(
        json.dumps({**recipe(), "seed": seed}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return out


def build_once(final: Path, build: Callable[[Path], Any]) -> Path:
    """`final`, built by `build(fresh_dir)` unless it exists: in a temp dir beside it, then renamed into
    place (atomic), so processes racing to build it never see or leave a half-written directory."""
    if final.is_dir():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}-build-", dir=final.parent))
    try:
        build(tmp / "model")
        try:
            os.rename(tmp / "model", final)  # atomic; fails if another process got there first
        except OSError:
            if not final.is_dir():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def ensure_tiny_model(seed: int = 0, root: Path | None = None) -> Path:
    """The cached tiny model directory, built once; safe when several processes race to build it."""
    return build_once((root or cache_root()) / f"tiny-{recipe_hash(seed)}", lambda out: build_tiny_model(out, seed=seed))


class TinyBackend(HFBackend):
    """`--model tiny`: the `hf` backend on the cached tiny random LLaVA, single-threaded unless told otherwise
    (`threads`): a 200k-parameter model gains nothing from more CPU threads, and on a small busy machine
    torch's default threads spin against each other (the answers are the same either way)."""

    name = "tiny"

    def __init__(self, model: str = "tiny", build_seed: int = 0, **kw: Any):
        kw.setdefault("threads", 1)
        if model != "tiny":
            raise ValueError(f"the tiny backend serves only --model tiny, got '{model}'; "
                             "for a checkpoint directory use --backend hf")
        self.build_seed = build_seed
        super().__init__(str(ensure_tiny_model(build_seed)), **kw)

    def fingerprint(self) -> dict[str, Any]:
        return {**super().fingerprint(), "backend": "tiny", "tiny_recipe": recipe_hash(self.build_seed)}
