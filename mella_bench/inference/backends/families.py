"""Per-family input shaping for the `hf` backend, declared here and selected by the checkpoint's `model_type`.

The generic path fits every family whose processor has a chat template: the template renders one
user turn (an image item, then the prompt), the processor gets one image list per sample, and
BOS is added by the tokenizer only when the rendered text does not already start with it (what
`processor.apply_chat_template(..., tokenize=True)` does). A family differs from that only by the
fields below; a checkpoint whose `model_type` is not listed takes the generic path.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Literal

Engine = Literal["processor", "internvl_chat"]


@dataclass(frozen=True)
class Family:
    """How one model family's requests become model inputs."""

    prompt_only: bool = False
    """No chat template (PaliGemma, as released): the processor gets `<image>` + the prompt and adds
    BOS and the closing newline itself."""
    drop_inputs: tuple[str, ...] = ()
    """Processor outputs that must not reach `generate()` (PaliGemma's training `labels`)."""
    needs: tuple[str, ...] = ()
    """Modules the family's processor imports besides transformers, named when loading fails."""
    engine: Engine = "processor"
    """`internvl_chat`: remote-code InternVL2/2.5 (`InternVLChatModel`), which has no processor: the
    image is tiled as its model card does and the model's own `batch_chat()` builds the prompt."""


GENERIC = Family()

FAMILIES: dict[str, Family] = {
    "paligemma": Family(prompt_only=True, drop_inputs=("labels",)),
    # processors with a video slot: transformers builds their video processor, which needs torchvision
    "qwen2_vl": Family(needs=("torchvision",)),
    "qwen2_5_vl": Family(needs=("torchvision",)),
    "qwen3_vl": Family(needs=("torchvision",)),
    "llava_onevision": Family(needs=("torchvision",)),
    "internvl": Family(needs=("torchvision",)),
    "smolvlm": Family(needs=("torchvision", "num2words")),
    "internvl_chat": Family(engine="internvl_chat"),
}

TORCHVISION_HINT = ("on a CUDA machine `pip install 'mella-bench[hf]'` brings torchvision; on a CPU-only machine "
                    "PyPI's torchvision does not load beside the CPU torch build: see docs/models.md, section "
                    "'torchvision on CPU'")


def family_for(model_type: str | None) -> Family:
    """The declared family of a `model_type`, or the generic one."""
    return FAMILIES.get(model_type or "", GENERIC)


def missing_modules(family: Family) -> list[str]:
    """The modules of `family.needs` that cannot be imported here."""
    return [m for m in family.needs if importlib.util.find_spec(m) is None]
