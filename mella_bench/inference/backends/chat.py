"""OpenAI-style chat messages shared by the `vllm` and `openai` backends.

Both engines take the same message shape (an image content part as a base64 data URL, then the
instruction), so it is built once here and the two backends stay in step.
"""

from __future__ import annotations

from typing import Any

from mella_bench.endpoint.apiclient import image_data_url
from mella_bench.inference.backends.base import Request

__all__ = ["chat_messages", "image_data_url"]


def chat_messages(request: Request) -> list[dict[str, Any]]:
    """One user turn: the image (when the request has one) followed by the instruction."""
    content: list[dict[str, Any]] = []
    if request.image:
        content.append({"type": "image_url", "image_url": {"url": image_data_url(request.image)}})
    content.append({"type": "text", "text": request.prompt})
    return [{"role": "user", "content": content}]
