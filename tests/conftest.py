"""Shared fixtures: small datasets built on the fly (tests never download anything)."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

SAMPLE = {
    # lang: (reference, keywords, thin)
    "ar": ("طبق كسكس مغربي مع الخضار في طاجين فخاري.", ["كسكس", "طاجين"], "طبق طعام على طاولة."),
    "cs": ("Pražský orloj na Staroměstské radnici v Praze.", ["orloj", "Praha"], "Stará věž s hodinami."),
    "hu": ("Gulyás bográcsban a Balaton partján.", ["gulyás", "bogrács"], "Leves egy fazékban."),
    "ko": ("경복궁 근정전 앞에서 한복을 입은 사람들.", ["경복궁", "한복"], "오래된 건물 앞의 사람들."),
    "ru": ("Матрёшки и самовар на ярмарке в Суздале.", ["матрёшка", "самовар"], "Игрушки на столе."),
    "sr": ("Ћевапи са кајмаком и лепињом у Београду.", ["ћевапи", "кајмак"], "Месо на тањиру."),
    "th": ("ผัดไทยกุ้งสดในตลาดน้ำดำเนินสะดวก", ["ผัดไทย", "ตลาดน้ำ"], "อาหารในจานบนเรือ"),
    "vi": ("Bát phở bò Hà Nội với hành và rau thơm.", ["phở", "Hà Nội"], "Một bát canh có thịt."),
}


def png_bytes(color: tuple[int, int, int] = (200, 30, 30), size: int = 32) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buf, format="PNG")
    return buf.getvalue()


def write_dataset(root: Path, langs: tuple[str, ...] = tuple(SAMPLE), per_axis: int = 2) -> Path:
    """A valid manifest dataset: `per_axis` items per language and axis, with PNG images."""
    (root / "images").mkdir(parents=True, exist_ok=True)
    lines = []
    for lang in langs:
        ref, kws, thin = SAMPLE[lang]
        for axis in ("know", "ling"):
            for i in range(per_axis):
                iid = f"{lang}-{axis}-{i:04d}"
                img = f"images/{iid}.png"
                (root / img).write_bytes(png_bytes((40 * i % 255, 80, 120)))
                rec = {"id": iid, "lang": lang, "axis": axis, "image": img, "references": [ref]}
                if axis == "know":
                    rec["keywords"] = kws
                    rec["thin"] = thin
                lines.append(json.dumps(rec, ensure_ascii=False))
    (root / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


@pytest.fixture
def dataset_dir(tmp_path: Path) -> Path:
    return write_dataset(tmp_path / "data")
