"""Write the small training split of the tiny ablation: D_know and D_ling as mella-bench datasets.

Demo-style items, written for this example, none of them an evaluation item:
  * images: the demo's scenes (mella_bench/demo/_render.py) drawn again WITHOUT their sign text (no
    fonts needed), then cropped, shifted, recoloured and shrunk to 64x64 at random (seeded): new
    pictures of the same 96 scenes, never the same bytes as a demo image;
  * D_know answers name the culture keywords of the scene's concept in a short list sentence
    ("На изображении: борщ, сметана.") — new texts, not the demo's alt-texts;
  * D_ling answers are fluent, generic captions in the 8 languages, composed from six sentences per
    language written for this example (layout, colours, a sign, no people) — none is a demo reference.

So the culture data teaches "this kind of picture → these culture words", and the linguistic data
teaches "how a caption in this language sounds". Both cover the same 48 + 48 scenes as the demo set
(different pictures, different texts): this is a sanity check that the harness measures a designed
effect, not a test of generalisation to unseen concepts. `mella-bench data arms` verifies that no
image or reference equals a demo item.

Usage: python examples/ablation_tiny/make_data.py OUT_DIR [--variants 6] [--seed 0]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import sys
from pathlib import Path

from PIL import Image, ImageEnhance

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "mella_bench" / "demo"
SIZE = 64

KNOW_TEMPLATES = {
    "ar": ("في الصورة: {kws}.", "تظهر في الصورة عناصر ثقافية: {kws}."),
    "cs": ("Na obrázku: {kws}.", "Kulturní prvky na obrázku: {kws}."),
    "hu": ("A képen: {kws}.", "Kulturális elemek a képen: {kws}."),
    "ko": ("사진 속: {kws}.", "이 사진의 문화 요소: {kws}."),
    "ru": ("На изображении: {kws}.", "Культурные элементы на фото: {kws}."),
    "sr-Cyrl": ("На слици: {kws}.", "Културни елементи на слици: {kws}."),
    "sr-Latn": ("Na slici: {kws}.", "Kulturni elementi na slici: {kws}."),
    "th": ("ในภาพ: {kws}", "องค์ประกอบทางวัฒนธรรมในภาพ: {kws}"),
    "vi": ("Trong ảnh: {kws}.", "Các yếu tố văn hóa trong ảnh: {kws}."),
}
SEPARATORS = {"ar": "، ", "th": " "}

CAPTIONS = {  # sentence 0 opens every caption; 2-3 of the others follow in their order
    "ar": ("تُظهر الصورة مشهدًا مرسومًا بأسلوب بسيط.", "في الأعلى لافتة كبيرة عليها كتابة.",
           "الخلفية فاتحة والألوان زاهية.", "في الوسط عدة أشياء بألوان مختلفة.",
           "في الأسفل شريط رمادي يشبه الرصيف.", "لا يوجد أشخاص في الصورة."),
    "cs": ("Obrázek ukazuje scénu nakreslenou jednoduchým stylem.", "Nahoře je velká cedule s nápisem.",
           "Pozadí je světlé a barvy jsou výrazné.", "Uprostřed je několik předmětů různých barev.",
           "Dole je šedý pruh, který připomíná chodník.", "Na obrázku nejsou žádní lidé."),
    "hu": ("A képen egyszerű stílusban rajzolt jelenet látható.", "Felül egy nagy tábla van felirattal.",
           "A háttér világos, a színek élénkek.", "Középen több különböző színű tárgy van.",
           "Alul egy szürke sáv látható, mint egy járda.", "A képen nincsenek emberek."),
    "ko": ("이 그림은 단순한 스타일로 그려진 장면을 보여 줍니다.", "위쪽에는 글자가 적힌 큰 간판이 있습니다.",
           "배경은 밝고 색깔은 선명합니다.", "가운데에는 여러 가지 색의 물건들이 있습니다.",
           "아래쪽에는 인도처럼 보이는 회색 띠가 있습니다.", "그림에는 사람이 없습니다."),
    "ru": ("На картинке изображена сцена, нарисованная в простом стиле.", "Вверху находится большая вывеска с надписью.",
           "Фон светлый, а цвета яркие.", "В центре находится несколько предметов разного цвета.",
           "Внизу видна серая полоса, похожая на тротуар.", "Людей на картинке нет."),
    "sr-Cyrl": ("На слици је приказана сцена нацртана у једноставном стилу.", "Горе је велика табла са натписом.",
                "Позадина је светла, а боје су живе.", "У средини се налази неколико предмета различитих боја.",
                "Доле се види сива трака, као тротоар.", "На слици нема људи."),
    "sr-Latn": ("Na slici je prikazana scena nacrtana u jednostavnom stilu.", "Gore je velika tabla sa natpisom.",
                "Pozadina je svetla, a boje su žive.", "U sredini se nalazi nekoliko predmeta različitih boja.",
                "Dole se vidi siva traka, kao trotoar.", "Na slici nema ljudi."),
    "th": ("ภาพนี้แสดงฉากที่วาดด้วยลายเส้นเรียบง่าย", "ด้านบนมีป้ายขนาดใหญ่ที่มีตัวหนังสือ",
           "พื้นหลังเป็นสีอ่อนและสีสันสดใส", "ตรงกลางมีสิ่งของหลายชิ้นหลายสี",
           "ด้านล่างมีแถบสีเทาคล้ายทางเดินเท้า", "ในภาพไม่มีผู้คน"),
    "vi": ("Bức tranh cho thấy một khung cảnh được vẽ theo phong cách đơn giản.", "Ở phía trên có một tấm biển lớn có chữ.",
           "Nền có màu sáng và các màu sắc rất tươi.", "Ở giữa có một vài đồ vật với nhiều màu khác nhau.",
           "Ở phía dưới có một dải màu xám giống như vỉa hè.", "Trong tranh không có người."),
}


def _render_module():
    spec = importlib.util.spec_from_file_location("mella_demo_render", DEMO / "_render.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.Canvas.text = lambda self, *a, **k: None  # no sign text: no fonts needed, and not the demo's pixels
    return mod


def _variant(base: Image.Image, rng: random.Random) -> Image.Image:
    """A new picture of the scene: random crop (75-95%), colour, brightness and contrast, then 64x64."""
    w, h = base.size
    scale = rng.uniform(0.75, 0.95)
    cw, ch = int(w * scale), int(h * scale)
    x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
    im = base.crop((x, y, x + cw, y + ch)).resize((SIZE, SIZE), Image.Resampling.LANCZOS)
    im = ImageEnhance.Color(im).enhance(rng.uniform(0.7, 1.3))
    im = ImageEnhance.Brightness(im).enhance(rng.uniform(0.85, 1.15))
    return ImageEnhance.Contrast(im).enhance(rng.uniform(0.85, 1.15))


def _style(item: dict) -> str:
    return f"sr-{item.get('meta', {}).get('script', 'Cyrl')}" if item["lang"] == "sr" else item["lang"]


def know_answer(item: dict, rng: random.Random) -> str:
    kws = list(item["keywords"])
    rng.shuffle(kws)
    template = rng.choice(KNOW_TEMPLATES[_style(item)])
    return template.format(kws=SEPARATORS.get(item["lang"], ", ").join(kws))


def ling_answer(item: dict, rng: random.Random) -> str:
    sentences = CAPTIONS[_style(item)]
    rest = sorted(rng.sample(range(1, len(sentences)), rng.choice((2, 3))))
    return " ".join(sentences[i] for i in [0, *rest])


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--variants", type=int, default=6, help="pictures per demo scene (default 6)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    render = _render_module()
    demo = [json.loads(line) for line in (DEMO / "manifest.jsonl").read_text(encoding="utf-8").splitlines() if line]
    rng = random.Random(args.seed)
    for axis in ("know", "ling"):
        root = args.out / f"D_{axis}"
        (root / "images").mkdir(parents=True, exist_ok=True)
        records = []
        for item in (it for it in demo if it["axis"] == axis):
            scene = item["image"].removeprefix("images/").removesuffix(".png")
            canvas = render.Canvas()
            render.SCENES[scene](canvas)
            base = canvas.im.resize((256, 256), Image.Resampling.LANCZOS)
            for v in range(args.variants):
                name = f"images/{scene.replace('/', '_')}_{v}.png"
                _variant(base, rng).save(root / name, optimize=True)
                answer = know_answer(item, rng) if axis == "know" else ling_answer(item, rng)
                records.append({"id": f"train-{item['id']}-v{v}", "lang": item["lang"], "axis": axis, "image": name,
                                "references": [answer], "keywords": item["keywords"] if axis == "know" else [],
                                "meta": {"source": "mella-bench tiny ablation example", "license": "CC0-1.0",
                                         "scene": scene}})
        (root / "manifest.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                                             encoding="utf-8")
        print(f"{root}: {len(records)} {axis} items", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
