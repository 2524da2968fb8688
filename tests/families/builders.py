"""Tiny random checkpoints of every model family the hf backend claims, built offline and deterministically.

Each family gets: its own config class (2 small layers per tower), its own image processor (PIL
backend where transformers has one) sized for 32-64 px images, a byte-level BPE tokenizer trained
here on sentences of the eight languages with the family's special tokens, and a chat template
written for the project that has the structure of the released model's template (roles, turn
markers, where the image goes, whether it emits BOS itself). PaliGemma ships no template, like the
released checkpoints. The remote-code InternVL2-style checkpoint is in `internvl2_remote.py`.

Weights are random (seeded); answers are gibberish by design. The output row of the end token is
scaled so answers stop on their own at different lengths, and the output projection is re-drawn
with a wide spread so that greedy decoding never hinges on a near tie that padding noise could
flip (batched and one-by-one outputs must agree exactly).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from mella_bench.inference.backends.tiny import CORPUS, build_once

RECIPE_VERSION = 1
VOCAB = 1024
TEXT = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
            max_position_embeddings=4096)
VISION = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4)
HEAD_SPREAD = 0.5
"""Std of the re-drawn output projection (logits far apart: no near ties)."""
EOS_SCALE = 2.5


# --------------------------------------------------------------------------- shared pieces

def train_tokenizer(special: list[str]) -> Any:
    """Byte-level BPE on the eight-language corpus; `special` tokens first (ids 0..n-1), never split."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB, special_tokens=special, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(CORPUS, trainer=trainer)
    return tok


def fast_tokenizer(special: list[str], bos: str | None, eos: str, pad: str, extra: dict[str, str] | None = None,
                   add_bos: bool = False) -> Any:
    """A `PreTrainedTokenizerFast` over a freshly trained BPE; `add_bos` makes plain tokenisation prepend BOS
    (as Llama-3 / Gemma / Cohere tokenizers do), which is what exposes a double BOS."""
    from tokenizers import processors
    from transformers import PreTrainedTokenizerFast

    raw = train_tokenizer(special)
    if add_bos and bos:
        bos_id = raw.token_to_id(bos)
        raw.post_processor = processors.TemplateProcessing(single=f"{bos} $A", pair=f"{bos} $A {bos} $B",
                                                           special_tokens=[(bos, bos_id)])
    kw: dict[str, Any] = {"eos_token": eos, "pad_token": pad}
    if bos:
        kw["bos_token"] = bos
    return PreTrainedTokenizerFast(tokenizer_object=raw, extra_special_tokens=extra or {}, **kw)


def seeded(seed: int, make: Callable[[], Any]) -> Any:
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return make()


def finish_model(model: Any, tokenizer: Any, eos: str, seed: int, eos_scale: float = EOS_SCALE) -> Any:
    """Wide output projection, a louder end token, greedy generation config with the family's ids."""
    import torch

    eos_id = tokenizer.convert_tokens_to_ids(eos)
    head = model.get_output_embeddings()
    with torch.no_grad():
        gen = torch.Generator().manual_seed(seed + 1)
        head.weight.copy_(torch.randn(head.weight.shape, generator=gen) * HEAD_SPREAD)
        head.weight[eos_id] *= eos_scale
    gc = model.generation_config
    gc.eos_token_id = eos_id
    gc.pad_token_id = tokenizer.pad_token_id
    gc.bos_token_id = tokenizer.bos_token_id
    gc.do_sample = False
    return model


def text_cfg(tokenizer: Any, **over: Any) -> dict[str, Any]:
    return {**TEXT, "vocab_size": len(tokenizer), "pad_token_id": tokenizer.pad_token_id, "tie_word_embeddings": False,
            "bos_token_id": tokenizer.bos_token_id, "eos_token_id": tokenizer.eos_token_id, **over}


def alternating() -> list[str]:
    """Sliding-window and full attention layers in turn (Gemma 3, Cohere 2), one per text layer."""
    return [("sliding_attention", "full_attention")[i % 2] for i in range(TEXT["num_hidden_layers"])]


def vision_cfg(**over: Any) -> dict[str, Any]:
    return {**VISION, **over}


def items(image: str, text_open: str = "", text_close: str = "") -> str:
    """Jinja for a message's content: a string as is, or its items in order (`image` for an image item)."""
    return ("{% if message['content'] is string %}" + text_open + "{{ message['content'] }}" + text_close +
            "{% else %}{% for item in message['content'] %}"
            "{% if item['type'] == 'image' %}" + image +
            "{% elif item['type'] == 'text' %}" + text_open + "{{ item['text'] }}" + text_close +
            "{% endif %}{% endfor %}{% endif %}")


def chatml(image: str, system: str | None = None) -> str:
    """ChatML turns (Qwen / InternVL / LLaVA-OneVision style); the default system turn when given."""
    sys_turn = ("{% if messages[0]['role'] != 'system' %}<|im_start|>system\n" + system + "<|im_end|>\n{% endif %}"
                if system else "")
    return (sys_turn + "{% for message in messages %}<|im_start|>{{ message['role'] }}\n" + items(image) +
            "<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


def save(out: Path, model: Any, processor: Any) -> None:
    model.save_pretrained(out)
    processor.save_pretrained(out)


# --------------------------------------------------------------------------- families

def build_llava(out: Path, seed: int) -> None:
    """LLaVA-1.5: CLIP (CLS token) + Llama; 'USER: <image>\\n... ASSISTANT:', BOS from the tokenizer."""
    from transformers import CLIPVisionConfig, LlamaConfig, LlavaConfig, LlavaForConditionalGeneration, LlavaProcessor
    from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

    tok = fast_tokenizer(["<unk>", "<s>", "</s>", "<image>", "<pad>"], "<s>", "</s>", "<pad>",
                         {"image_token": "<image>"}, add_bos=True)
    template = ("{% for message in messages %}{% if message['role'] == 'user' %}USER: " + items("<image>\n") +
                " {% else %}ASSISTANT: " + items("") + "</s>{% endif %}{% endfor %}"
                "{% if add_generation_prompt %}ASSISTANT:{% endif %}")
    proc = LlavaProcessor(CLIPImageProcessorPil(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}),
                          tok, patch_size=8, vision_feature_select_strategy="default", num_additional_image_tokens=1,
                          chat_template=template)
    cfg = LlavaConfig(vision_config=CLIPVisionConfig(**vision_cfg(image_size=32, patch_size=8, projection_dim=32)),
                      text_config=LlamaConfig(**text_cfg(tok)), image_token_id=tok.convert_tokens_to_ids("<image>"),
                      vision_feature_select_strategy="default", vision_feature_layer=-1)
    model = seeded(seed, lambda: LlavaForConditionalGeneration(cfg))
    save(out, finish_model(model, tok, "</s>", seed), proc)


def build_llava_next(out: Path, seed: int) -> None:
    """LLaVA-NeXT (Mistral flavour): any-resolution tiles; '[INST] <image>\\n... [/INST]', BOS from the tokenizer."""
    from transformers import (CLIPVisionConfig, LlavaNextConfig, LlavaNextForConditionalGeneration, LlavaNextProcessor,
                              MistralConfig)
    from transformers.models.llava_next.image_processing_pil_llava_next import LlavaNextImageProcessorPil

    pinpoints = [[32, 32], [32, 64], [64, 32], [64, 64]]
    tok = fast_tokenizer(["<unk>", "<s>", "</s>", "<image>", "<pad>", "[INST]", "[/INST]"], "<s>", "</s>", "<pad>",
                         {"image_token": "<image>"}, add_bos=True)
    template = ("{% for message in messages %}{% if message['role'] == 'user' %}[INST] " + items("<image>\n") +
                " [/INST]{% else %} " + items("") + "</s>{% endif %}{% endfor %}")
    ip = LlavaNextImageProcessorPil(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32},
                                    image_grid_pinpoints=pinpoints)
    proc = LlavaNextProcessor(ip, tok, patch_size=8, vision_feature_select_strategy="default",
                              num_additional_image_tokens=1, chat_template=template)
    cfg = LlavaNextConfig(vision_config=CLIPVisionConfig(**vision_cfg(image_size=32, patch_size=8, projection_dim=32)),
                          text_config=MistralConfig(**text_cfg(tok, sliding_window=None)),
                          image_token_id=tok.convert_tokens_to_ids("<image>"), image_grid_pinpoints=pinpoints,
                          vision_feature_select_strategy="default", vision_feature_layer=-1)
    model = seeded(seed, lambda: LlavaNextForConditionalGeneration(cfg))
    save(out, finish_model(model, tok, "</s>", seed), proc)


def build_llava_onevision(out: Path, seed: int) -> None:
    """LLaVA-OneVision: SigLIP + Qwen2, any-resolution; ChatML with the image before the text."""
    from transformers import (LlavaOnevisionConfig, LlavaOnevisionForConditionalGeneration, LlavaOnevisionProcessor,
                              Qwen2Config, SiglipVisionConfig)
    from transformers.models.llava_onevision.image_processing_pil_llava_onevision import (
        LlavaOnevisionImageProcessorPil)
    from transformers.models.llava_onevision.video_processing_llava_onevision import LlavaOnevisionVideoProcessor

    pinpoints = [[32, 32], [32, 64], [64, 32], [64, 64]]
    tok = fast_tokenizer(["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<image>", "<video>"], None, "<|im_end|>",
                         "<|endoftext|>", {"image_token": "<image>", "video_token": "<video>"})
    ip = LlavaOnevisionImageProcessorPil(size={"height": 32, "width": 32}, image_grid_pinpoints=pinpoints)
    vp = LlavaOnevisionVideoProcessor(size={"height": 32, "width": 32})
    proc = LlavaOnevisionProcessor(ip, tok, vp, num_image_tokens=16, vision_feature_select_strategy="full",
                                   chat_template=chatml("<image>\n"), vision_aspect_ratio="anyres_max_9")
    cfg = LlavaOnevisionConfig(vision_config=SiglipVisionConfig(**vision_cfg(image_size=32, patch_size=8)),
                               text_config=Qwen2Config(**text_cfg(tok)), image_grid_pinpoints=pinpoints,
                               image_token_index=tok.convert_tokens_to_ids("<image>"),
                               video_token_index=tok.convert_tokens_to_ids("<video>"),
                               vision_feature_select_strategy="full", vision_feature_layer=-1)
    model = seeded(seed, lambda: LlavaOnevisionForConditionalGeneration(cfg))
    save(out, finish_model(model, tok, "<|im_end|>", seed), proc)


QWEN_SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>", "<|image_pad|>",
                "<|video_pad|>"]
QWEN_IMAGE = "<|vision_start|><|image_pad|><|vision_end|>"


def qwen_processor(kind: str, patch: int) -> tuple[Any, Any]:
    """(tokenizer, processor) of a Qwen-VL generation (`qwen2_vl`, `qwen2_5_vl`, `qwen3_vl`)."""
    import importlib

    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    tok = fast_tokenizer(QWEN_SPECIAL, None, "<|im_end|>", "<|endoftext|>",
                         {"image_token": "<|image_pad|>", "video_token": "<|video_pad|>",
                          "vision_start_token": "<|vision_start|>", "vision_end_token": "<|vision_end|>"})
    side = patch * 2
    pixels = dict(min_pixels=(2 * side) ** 2, max_pixels=(4 * side) ** 2)
    ip = Qwen2VLImageProcessorPil(patch_size=patch, merge_size=2, temporal_patch_size=2,
                                  size={"shortest_edge": pixels["min_pixels"], "longest_edge": pixels["max_pixels"]})
    video_mod = {"qwen3_vl": "transformers.models.qwen3_vl.video_processing_qwen3_vl"}.get(
        kind, "transformers.models.qwen2_vl.video_processing_qwen2_vl")
    video_cls = {"qwen3_vl": "Qwen3VLVideoProcessor"}.get(kind, "Qwen2VLVideoProcessor")
    vp = getattr(importlib.import_module(video_mod), video_cls)(patch_size=patch, merge_size=2, temporal_patch_size=2)
    proc_cls = {"qwen2_vl": "Qwen2VLProcessor", "qwen2_5_vl": "Qwen2_5_VLProcessor", "qwen3_vl": "Qwen3VLProcessor"}[kind]
    system = None if kind == "qwen3_vl" else "You are a helpful assistant."
    proc = getattr(importlib.import_module("transformers"), proc_cls)(ip, tok, vp, chat_template=chatml(QWEN_IMAGE, system))
    return tok, proc


def qwen_ids(tok: Any) -> dict[str, int]:
    c = tok.convert_tokens_to_ids
    return dict(image_token_id=c("<|image_pad|>"), video_token_id=c("<|video_pad|>"),
                vision_start_token_id=c("<|vision_start|>"), vision_end_token_id=c("<|vision_end|>"))


def mrope(section: list[int], theta: float = 10000.0) -> dict[str, Any]:
    return {"rope_type": "default", "mrope_section": section, "rope_theta": theta}


def build_qwen(out: Path, seed: int, kind: str, vision: dict[str, Any], **text: Any) -> None:
    """A Qwen-VL generation: its config and model classes by name, M-RoPE text model, ChatML template."""
    import transformers

    names = {"qwen2_vl": "Qwen2VL", "qwen2_5_vl": "Qwen2_5_VL", "qwen3_vl": "Qwen3VL"}[kind]
    tok, proc = qwen_processor(kind, 8)
    common = dict(num_heads=4, patch_size=8, spatial_merge_size=2, temporal_patch_size=2)
    cfg = getattr(transformers, f"{names}Config")(vision_config={**common, **vision},
                                                  text_config=text_cfg(tok, **text), **qwen_ids(tok))
    model = seeded(seed, lambda: getattr(transformers, f"{names}ForConditionalGeneration")(cfg))
    save(out, finish_model(model, tok, "<|im_end|>", seed), proc)


def build_qwen2_vl(out: Path, seed: int) -> None:
    """Qwen2-VL: native-resolution ViT with 2x2 merge + Qwen2 with M-RoPE; ChatML with a default system turn."""
    build_qwen(out, seed, "qwen2_vl", dict(depth=2, embed_dim=32, hidden_size=64, mlp_ratio=2),
               rope_parameters=mrope([2, 3, 3]))


def build_qwen2_5_vl(out: Path, seed: int) -> None:
    """Qwen2.5-VL: windowed ViT attention (one full-attention block) + Qwen2 with M-RoPE."""
    build_qwen(out, seed, "qwen2_5_vl", dict(depth=2, hidden_size=32, intermediate_size=64, window_size=32,
                                             out_hidden_size=64, fullatt_block_indexes=[1]),
               rope_parameters=mrope([2, 3, 3]))


def build_qwen3_vl(out: Path, seed: int) -> None:
    """Qwen3-VL: ViT with DeepStack features into the LM + Qwen3 with interleaved M-RoPE; no default system turn."""
    build_qwen(out, seed, "qwen3_vl", dict(depth=2, hidden_size=32, intermediate_size=64, out_hidden_size=64,
                                           num_position_embeddings=64, deepstack_visual_indexes=[0]),
               head_dim=16, rope_parameters={**mrope([2, 3, 3]), "mrope_interleaved": True})


IDEFICS_SPECIAL = ["<|endoftext|>", "<|begin_of_text|>", "<|im_start|>", "<end_of_utterance>", "<fake_token_around_image>",
                   "<image>", "<global-img>", "<video>", *[f"<row_{i}_col_{j}>" for i in range(1, 7) for j in range(1, 7)]]


def idefics_template(bos: str) -> str:
    """'User:<image>...<end_of_utterance>\\nAssistant:' with the template's own BOS (Idefics3 / SmolVLM)."""
    return (bos + "{% for message in messages %}{{ message['role'] | capitalize }}:" + items("<image>") +
            "<end_of_utterance>\n{% endfor %}{% if add_generation_prompt %}Assistant:{% endif %}")


def build_idefics3(out: Path, seed: int) -> None:
    """Idefics3: SigLIP + pixel shuffle + Llama-3; the template writes <|begin_of_text|> itself."""
    from transformers import Idefics3Config, Idefics3ForConditionalGeneration, Idefics3Processor, LlamaConfig
    from transformers.models.idefics3.image_processing_pil_idefics3 import Idefics3ImageProcessorPil

    tok = fast_tokenizer(IDEFICS_SPECIAL, "<|begin_of_text|>", "<end_of_utterance>", "<|endoftext|>", add_bos=True)
    ip = Idefics3ImageProcessorPil(do_image_splitting=False, size={"longest_edge": 32},
                                   max_image_size={"longest_edge": 32})
    proc = Idefics3Processor(ip, tok, image_seq_len=4, chat_template=idefics_template("<|begin_of_text|>"))
    cfg = Idefics3Config(vision_config=vision_cfg(image_size=32, patch_size=8), text_config=LlamaConfig(**text_cfg(tok)).to_dict(),
                         image_token_id=tok.convert_tokens_to_ids("<image>"), scale_factor=2)
    model = seeded(seed, lambda: Idefics3ForConditionalGeneration(cfg))
    save(out, finish_model(model, tok, "<end_of_utterance>", seed), proc)


def build_smolvlm(out: Path, seed: int) -> None:
    """SmolVLM: the Idefics3 design on a SmolLM2 text model; '<|im_start|>User:<image>...' template."""
    from transformers import LlamaConfig, SmolVLMConfig, SmolVLMForConditionalGeneration, SmolVLMProcessor
    from transformers.models.smolvlm.image_processing_pil_smolvlm import SmolVLMImageProcessorPil
    from transformers.models.smolvlm.video_processing_smolvlm import SmolVLMVideoProcessor

    tok = fast_tokenizer(IDEFICS_SPECIAL, "<|im_start|>", "<end_of_utterance>", "<|endoftext|>",
                         {"fake_image_token": "<fake_token_around_image>", "image_token": "<image>",
                          "end_of_utterance_token": "<end_of_utterance>", "global_image_token": "<global-img>",
                          "video_token": "<video>"})
    ip = SmolVLMImageProcessorPil(do_image_splitting=False, size={"longest_edge": 32},
                                  max_image_size={"longest_edge": 32})
    vp = SmolVLMVideoProcessor(size={"longest_edge": 32}, max_image_size={"longest_edge": 32})
    proc = SmolVLMProcessor(ip, tok, vp, image_seq_len=4, chat_template=idefics_template("<|im_start|>"))
    cfg = SmolVLMConfig(vision_config=vision_cfg(image_size=32, patch_size=8), text_config=LlamaConfig(**text_cfg(tok)).to_dict(),
                        image_token_id=tok.convert_tokens_to_ids("<image>"), scale_factor=2)
    model = seeded(seed, lambda: SmolVLMForConditionalGeneration(cfg))
    save(out, finish_model(model, tok, "<end_of_utterance>", seed), proc)


def build_gemma3(out: Path, seed: int) -> None:
    """Gemma 3: SigLIP + pooled soft tokens; '<bos><start_of_turn>user\\n...' (BOS from the template)."""
    from transformers import Gemma3Config, Gemma3ForConditionalGeneration, Gemma3Processor
    from transformers.models.gemma3.image_processing_pil_gemma3 import Gemma3ImageProcessorPil

    special = ["<pad>", "<eos>", "<bos>", "<unk>", "<start_of_turn>", "<end_of_turn>", "<start_of_image>",
               "<end_of_image>", "<image_soft_token>"]
    tok = fast_tokenizer(special, "<bos>", "<eos>", "<pad>", {"boi_token": "<start_of_image>", "eoi_token": "<end_of_image>",
                                                             "image_token": "<image_soft_token>"}, add_bos=True)
    template = ("{{ bos_token }}{% for message in messages %}<start_of_turn>"
                "{{ 'model' if message['role'] == 'assistant' else message['role'] }}\n" + items("<start_of_image>") +
                "<end_of_turn>\n{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}")
    ip = Gemma3ImageProcessorPil(size={"height": 32, "width": 32}, do_pan_and_scan=False)
    proc = Gemma3Processor(ip, tok, chat_template=template, image_seq_length=4)
    c = tok.convert_tokens_to_ids
    text = text_cfg(tok, head_dim=16, sliding_window=64, query_pre_attn_scalar=16, layer_types=alternating())
    cfg = Gemma3Config(tie_word_embeddings=False, vision_config=vision_cfg(image_size=32, patch_size=8), text_config=text, mm_tokens_per_image=4,
                       boi_token_index=c("<start_of_image>"), eoi_token_index=c("<end_of_image>"),
                       image_token_index=c("<image_soft_token>"))
    model = seeded(seed, lambda: Gemma3ForConditionalGeneration(cfg))
    save(out, finish_model(model, tok, "<end_of_turn>", seed), proc)


def build_mllama(out: Path, seed: int) -> None:
    """Llama-3.2-Vision: tiled ViT + cross-attention layers; Llama-3 header template with its own BOS."""
    from transformers import MllamaConfig, MllamaForConditionalGeneration, MllamaProcessor
    from transformers.models.mllama.image_processing_pil_mllama import MllamaImageProcessorPil

    special = ["<|begin_of_text|>", "<|end_of_text|>", "<|finetune_right_pad_id|>", "<|start_header_id|>",
               "<|end_header_id|>", "<|eot_id|>", "<|image|>", "<|python_tag|>"]
    tok = fast_tokenizer(special, "<|begin_of_text|>", "<|eot_id|>", "<|finetune_right_pad_id|>", add_bos=True)
    template = ("{{ bos_token }}{% for message in messages %}<|start_header_id|>{{ message['role'] }}<|end_header_id|>\n\n" +
                items("<|image|>") + "<|eot_id|>{% endfor %}"
                "{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}")
    ip = MllamaImageProcessorPil(size={"height": 32, "width": 32}, max_image_tiles=2)
    proc = MllamaProcessor(ip, tok, chat_template=template)
    vision = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_global_layers=1, attention_heads=4,
                  image_size=32, patch_size=8, max_num_tiles=2, intermediate_layers_indices=[0], vision_output_dim=64,
                  supported_aspect_ratios=[[1, 1], [1, 2], [2, 1]])
    text = text_cfg(tok, num_hidden_layers=3, cross_attention_layers=[1])
    cfg = MllamaConfig(vision_config=vision, text_config=text, image_token_index=tok.convert_tokens_to_ids("<|image|>"))
    model = seeded(seed, lambda: MllamaForConditionalGeneration(cfg))
    save(out, finish_model(model, tok, "<|eot_id|>", seed), proc)


def build_paligemma(out: Path, seed: int) -> None:
    """PaliGemma: SigLIP + Gemma, prompt-only (no chat template, as released); the processor adds image tokens + BOS."""
    from transformers import GemmaConfig, PaliGemmaConfig, PaliGemmaForConditionalGeneration, PaliGemmaProcessor
    from transformers.models.siglip.image_processing_pil_siglip import SiglipImageProcessorPil

    tok = fast_tokenizer(["<pad>", "<eos>", "<bos>", "<unk>", "<image>"], "<bos>", "<eos>", "<pad>",
                         {"image_token": "<image>"})
    ip = SiglipImageProcessorPil(size={"height": 32, "width": 32})
    ip.image_seq_length = 16
    proc = PaliGemmaProcessor(ip, tok)  # adds the <loc…>/<seg…> tokens, as the released tokenizer has them
    text = text_cfg(tok, head_dim=16, hidden_act="gelu_pytorch_tanh")
    cfg = PaliGemmaConfig(tie_word_embeddings=False, vision_config=vision_cfg(image_size=32, patch_size=8, projection_dim=64), text_config=text,
                          image_token_index=tok.convert_tokens_to_ids("<image>"), projection_dim=64, hidden_size=64,
                          vocab_size=len(tok))
    model = seeded(seed, lambda: PaliGemmaForConditionalGeneration(cfg))
    save(out, finish_model(model, tok, "<eos>", seed), proc)


def build_internvl(out: Path, seed: int) -> None:
    """InternVL (transformers-native, InternVL2.5/3 converted): InternViT + pixel shuffle + Qwen2; ChatML."""
    from transformers import InternVLConfig, InternVLForConditionalGeneration, InternVLProcessor, Qwen2Config
    from transformers.models.got_ocr2.image_processing_pil_got_ocr2 import GotOcr2ImageProcessorPil
    from transformers.models.internvl.video_processing_internvl import InternVLVideoProcessor

    special = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<img>", "</img>", "<IMG_CONTEXT>", "<video>"]
    tok = fast_tokenizer(special, None, "<|im_end|>", "<|endoftext|>",
                         {"start_image_token": "<img>", "end_image_token": "</img>",
                          "context_image_token": "<IMG_CONTEXT>", "video_token": "<video>"})
    ip = GotOcr2ImageProcessorPil(size={"height": 32, "width": 32}, crop_to_patches=True, min_patches=1, max_patches=4)
    vp = InternVLVideoProcessor(size={"height": 32, "width": 32})
    proc = InternVLProcessor(ip, tok, vp, image_seq_length=4, chat_template=chatml("<IMG_CONTEXT>\n"))
    vision = vision_cfg(image_size=[32, 32], patch_size=[8, 8])
    cfg = InternVLConfig(tie_word_embeddings=False, vision_config=vision, text_config=Qwen2Config(**text_cfg(tok)).to_dict(),
                         image_token_id=tok.convert_tokens_to_ids("<IMG_CONTEXT>"), image_seq_length=4,
                         downsample_ratio=0.5)
    model = seeded(seed, lambda: InternVLForConditionalGeneration(cfg))
    save(out, finish_model(model, tok, "<|im_end|>", seed), proc)


def build_aya_vision(out: Path, seed: int) -> None:
    """Aya Vision: SigLIP + pixel shuffle + Cohere2; Cohere turn tokens with BOS in the template."""
    from transformers import AyaVisionConfig, AyaVisionForConditionalGeneration, AyaVisionProcessor
    from transformers.models.got_ocr2.image_processing_pil_got_ocr2 import GotOcr2ImageProcessorPil

    special = ["<PAD>", "<UNK>", "<BOS_TOKEN>", "<|END_OF_TURN_TOKEN|>", "<|START_OF_TURN_TOKEN|>", "<|USER_TOKEN|>",
               "<|CHATBOT_TOKEN|>", "<image>", "<|START_OF_IMG|>", "<|END_OF_IMG|>", "<|IMG_PATCH|>", "<|IMG_LINE_BREAK|>"]
    tok = fast_tokenizer(special, "<BOS_TOKEN>", "<|END_OF_TURN_TOKEN|>", "<PAD>", add_bos=True)
    template = ("{{ bos_token }}{% for message in messages %}<|START_OF_TURN_TOKEN|>"
                "{{ '<|USER_TOKEN|>' if message['role'] == 'user' else '<|CHATBOT_TOKEN|>' }}" + items("<image>") +
                "<|END_OF_TURN_TOKEN|>{% endfor %}{% if add_generation_prompt %}<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>{% endif %}")
    ip = GotOcr2ImageProcessorPil(size={"height": 32, "width": 32}, crop_to_patches=True, min_patches=1, max_patches=4)
    proc = AyaVisionProcessor(ip, tok, patch_size=8, img_size=32, downsample_factor=2, chat_template=template)
    text = text_cfg(tok, head_dim=16, sliding_window=64, layer_types=alternating(),
                    logit_scale=1.0)
    cfg = AyaVisionConfig(tie_word_embeddings=False, vision_config=dict(model_type="siglip_vision_model", **vision_cfg(image_size=32, patch_size=8)),
                          text_config=dict(model_type="cohere2", **text), downsample_factor=2,
                          image_token_index=tok.convert_tokens_to_ids("<|IMG_PATCH|>"))
    model = seeded(seed, lambda: AyaVisionForConditionalGeneration(cfg))
    save(out, finish_model(model, tok, "<|END_OF_TURN_TOKEN|>", seed, eos_scale=1.0), proc)


def build_internvl2_remote(out: Path, seed: int) -> None:
    from tests.families.internvl2_remote import build

    build(out, seed)


# --------------------------------------------------------------------------- registry + cache

@dataclass(frozen=True)
class FamilyRecipe:
    """One family of the matrix: how to build its tiny checkpoint and what it needs to run."""

    name: str
    """Shown in the matrix (the released model it imitates)."""
    model_type: str
    build: Callable[[Path, int], None] = field(repr=False)
    needs: tuple[str, ...] = ()
    """Python modules its processor needs besides transformers (import names)."""
    remote_code: bool = False


FAMILIES: tuple[FamilyRecipe, ...] = (
    FamilyRecipe("LLaVA-1.5", "llava", build_llava),
    FamilyRecipe("LLaVA-NeXT", "llava_next", build_llava_next),
    FamilyRecipe("LLaVA-OneVision", "llava_onevision", build_llava_onevision, needs=("torchvision",)),
    FamilyRecipe("Qwen2-VL", "qwen2_vl", build_qwen2_vl, needs=("torchvision",)),
    FamilyRecipe("Qwen2.5-VL", "qwen2_5_vl", build_qwen2_5_vl, needs=("torchvision",)),
    FamilyRecipe("Qwen3-VL", "qwen3_vl", build_qwen3_vl, needs=("torchvision",)),
    FamilyRecipe("Idefics3", "idefics3", build_idefics3),
    FamilyRecipe("SmolVLM", "smolvlm", build_smolvlm, needs=("torchvision", "num2words")),
    FamilyRecipe("Gemma 3", "gemma3", build_gemma3),
    FamilyRecipe("Llama-3.2-Vision (Mllama)", "mllama", build_mllama),
    FamilyRecipe("PaliGemma", "paligemma", build_paligemma),
    FamilyRecipe("InternVL (transformers-native)", "internvl", build_internvl, needs=("torchvision",)),
    FamilyRecipe("Aya Vision", "aya_vision", build_aya_vision),
    FamilyRecipe("InternVL2 (remote code, InternVLChatModel)", "internvl_chat", build_internvl2_remote,
                 remote_code=True),
)


def missing_modules(recipe: FamilyRecipe) -> list[str]:
    import importlib.util

    return [m for m in recipe.needs if importlib.util.find_spec(m) is None]


def recipe_hash(recipe: FamilyRecipe, seed: int) -> str:
    """Names the cache directory: this file and the remote code, the seed and the library versions."""
    import tokenizers
    import torch
    import transformers

    here = Path(__file__).parent
    sources = [p.read_text(encoding="utf-8") for p in (Path(__file__), here / "internvl2_remote.py",
                                                       *sorted((here / "remote_code").glob("*.py")))]
    blob = json.dumps({"v": RECIPE_VERSION, "family": recipe.model_type, "seed": seed, "src": sources,
                       "corpus": CORPUS, "text": TEXT, "vision": VISION,
                       "versions": [transformers.__version__, tokenizers.__version__, torch.__version__]},
                      sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def ensure_family(recipe: FamilyRecipe, root: Path, seed: int = 0) -> Path:
    """The cached checkpoint of one family under `root`, built once (atomic rename; safe under races)."""
    def build(out: Path) -> None:
        out.mkdir()
        recipe.build(out, seed)

    return build_once(root / f"{recipe.model_type}-{recipe_hash(recipe, seed)}", build)
