"""Builds the tiny remote-code InternVL2-style checkpoint from `remote_code/` (code written for the project).

The directory looks like a released InternVL2 checkpoint as far as loading is concerned: `config.json`
with `model_type: internvl_chat`, `architectures: [InternVLChatModel]` and an `auto_map` naming the
Python files shipped beside the weights, a tokenizer with `<img>`, `</img>`, `<IMG_CONTEXT>` and the
ChatML turn tokens (BOS added by the tokenizer, as InternLM2's does), and no processor.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.families.builders import fast_tokenizer, finish_model, seeded

CODE = Path(__file__).parent / "remote_code"
FILES = ("configuration_internvl_chat.py", "conversation.py", "modeling_internvl_chat.py")
AUTO_MAP = {"AutoConfig": "configuration_internvl_chat.InternVLChatConfig",
            "AutoModel": "modeling_internvl_chat.InternVLChatModel",
            "AutoModelForCausalLM": "modeling_internvl_chat.InternVLChatModel"}
SPECIAL = ["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>", "<img>", "</img>", "<IMG_CONTEXT>"]


class _Head:
    """`finish_model` works on a model with output embeddings; InternVLChatModel keeps them in its LLM."""

    def __init__(self, model):
        self.model = model
        self.generation_config = model.language_model.generation_config

    def get_output_embeddings(self):
        return self.model.language_model.get_output_embeddings()


def build(out: Path, seed: int) -> None:
    from tests.families.remote_code.configuration_internvl_chat import InternVLChatConfig
    from tests.families.remote_code.modeling_internvl_chat import InternVLChatModel

    tok = fast_tokenizer(SPECIAL, "<s>", "<|im_end|>", "</s>", add_bos=True)
    llm = dict(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
               num_key_value_heads=2, max_position_embeddings=4096, bos_token_id=tok.bos_token_id,
               eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id, tie_word_embeddings=False)
    vision = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, image_size=32,
                  patch_size=8)
    cfg = InternVLChatConfig(vision_config=vision, llm_config=llm, template="internlm2-chat", force_image_size=32,
                             downsample_ratio=0.5, max_dynamic_patch=4, use_thumbnail=True,
                             architectures=["InternVLChatModel"], auto_map=AUTO_MAP)
    model = seeded(seed, lambda: InternVLChatModel(cfg))
    finish_model(_Head(model), tok, "<|im_end|>", seed)
    model.save_pretrained(out)
    model.language_model.generation_config.save_pretrained(out)
    tok.save_pretrained(out)
    for name in FILES:
        shutil.copyfile(CODE / name, out / name)
