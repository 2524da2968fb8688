"""Content identity of dataset items: what makes an answer belong to *this* item.

An answer cached under an item id alone would be reused for another dataset's item with the same id
(another image, other references). The identity covers everything the item carries that a backend
can answer from: id, language, axis, the image's bytes (SHA-256), references, keywords and thin text.
`meta` (provenance) is left out. Scoring-only task settings (metrics, rubrics) are not part of it.
"""

from __future__ import annotations

import hashlib
import json
from mella_bench.data.dataset import Dataset, Item


def item_identity(dataset: Dataset, item: Item) -> str:
    """16 hex chars identifying an item's content (image bytes included; a reference-only item, as
    imported predictions carry, has none)."""
    return identity_of(item, dataset.image_or_none(item))


def identity_of(item: Item, image: bytes | None) -> str:
    """`item_identity` from image bytes already read; a reference-only item (no image) has its own."""
    sha = hashlib.sha256(image).hexdigest() if image is not None else None
    blob = json.dumps([item.id, item.lang, item.axis, sha, list(item.references), list(item.keywords), item.thin],
                      ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def task_identities(dataset: Dataset, items: "list[Item] | tuple[Item, ...]") -> dict[str, str]:
    """item id → identity for the items of one task (every item of its language and axis)."""
    return {it.id: item_identity(dataset, it) for it in items}


def data_hash(identities: "dict[str, str]") -> str:
    """16 hex chars identifying a task's data: every item's identity (run.json `tasks[t].data_hash`)."""
    return hashlib.sha256("\n".join(sorted(identities.values())).encode()).hexdigest()[:16]


def pairing_key(item: Item, prompt: str) -> str:
    """16 hex chars: what makes two runs' answers answers to the same question, scored the same way —
    id, language, axis, references, keywords and the prompt the model was given.

    Comparisons pair items by this key, never by id alone (`mella_bench.reports.pairing`). The image bytes are
    left out: imported runs carry no image, and a run records its dataset's full identity, images
    included, as `data_hash` in run.json (equal hashes and prompts pair every item without this key).
    """
    blob = json.dumps([item.id, item.lang, item.axis, list(item.references), list(item.keywords), prompt],
                      ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]
