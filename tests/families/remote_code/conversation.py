"""Chat templates by name, as InternVL2 checkpoints look them up (`get_conv_template(config.template)`).

Written for mella-bench's tests: the ChatML-style turns of the `internlm2-chat` (InternVL2-8B) and
`internvl2_5` templates, with a system turn, each message closed by the separator.
"""

from dataclasses import dataclass, field

DEFAULT_SYSTEM = "You are a helpful multimodal assistant."


@dataclass
class Conversation:
    name: str
    system_message: str = DEFAULT_SYSTEM
    roles: tuple = ("<|im_start|>user\n", "<|im_start|>assistant\n")
    sep: str = "<|im_end|>"
    messages: list = field(default_factory=list)

    def append_message(self, role, message):
        self.messages.append([role, message])

    def get_prompt(self):
        out = f"<|im_start|>system\n{self.system_message}{self.sep}\n" if self.system_message else ""
        for role, message in self.messages:
            out += role + (f"{message}{self.sep}\n" if message is not None else "")
        return out


TEMPLATES = ("internlm2-chat", "internvl2_5")


def get_conv_template(name):
    if name not in TEMPLATES:
        raise KeyError(f"unknown conversation template {name!r}; known: {TEMPLATES}")
    return Conversation(name=name)
