"""Render the demo images (`mella_bench/demo/images/<lang>/<name>.png`) from geometric drawings.

A developer tool, outside the package (not in the wheel).

The committed PNGs are what ships; this script exists so that they can be regenerated and changed.
Every image is drawn with Pillow primitives (no photos, nothing downloaded) at 3x size and scaled
down to 256x256 for smooth edges, then stored as a small palette PNG.

Needs, at render time only:
  * Pillow built with libraqm (`PIL.features.check('raqm')` is True) for Arabic shaping/bidi and Thai marks;
  * fonts: `apt-get install -y fonts-noto-core fonts-noto-cjk` (Noto Sans, Noto Sans Arabic,
    Noto Sans Thai, Noto Sans CJK KR); other folders holding them can be named in
    `MELLA_FONT_DIRS` (separated by `os.pathsep`).

Usage: python tools/render_demo.py [NAME ...]   (NAME like `th/padthai`; default: all scenes)
"""

from __future__ import annotations

import math
import os
import random
import sys
from pathlib import Path
from typing import Callable

from PIL import Image, ImageDraw, ImageFont, features

HERE = Path(__file__).resolve().parent.parent / "mella_bench" / "demo"
SIZE = 256
K = 3  # supersampling factor
FONT_DIRS = tuple(Path(d) for d in os.environ.get("MELLA_FONT_DIRS", "").split(os.pathsep) if d) or (
    Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/opentype/noto"))  # Debian/Ubuntu packages
FONTS = {  # script -> (file, ttc index)
    "latn": ("NotoSans-Bold.ttf", 0),
    "arab": ("NotoSansArabic-Bold.ttf", 0),
    "thai": ("NotoSansThai-Bold.ttf", 0),
    "hang": ("NotoSansCJK-Bold.ttc", 1),  # index 1 = Noto Sans CJK KR
}

Color = tuple[int, int, int]
WHITE, BLACK = (255, 255, 255), (25, 25, 25)
RED, GREEN, BLUE, YELLOW = (206, 17, 38), (0, 122, 61), (0, 56, 147), (255, 205, 0)


def _script(text: str) -> str:
    for ch in text:
        o = ord(ch)
        if 0x0600 <= o <= 0x06FF:
            return "arab"
        if 0x0E00 <= o <= 0x0E7F:
            return "thai"
        if 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF:
            return "hang"
    return "latn"


def _font(script: str, px: int) -> ImageFont.FreeTypeFont:
    name, index = FONTS[script]
    for d in FONT_DIRS:
        if (d / name).is_file():
            return ImageFont.truetype(str(d / name), px, index=index, layout_engine=ImageFont.Layout.RAQM)
    raise SystemExit(f"font {name} not found; run: apt-get install -y fonts-noto-core fonts-noto-cjk")


class Canvas:
    """A drawing surface addressed in 256-unit coordinates (drawn at K times the size)."""

    def __init__(self, bg: Color = WHITE):
        self.im = Image.new("RGB", (SIZE * K, SIZE * K), bg)
        self.d = ImageDraw.Draw(self.im)

    @staticmethod
    def _s(box):
        return [v * K for v in box]

    def rect(self, box, fill=None, outline=None, width=1, r=0):
        if r:
            self.d.rounded_rectangle(self._s(box), radius=r * K, fill=fill, outline=outline, width=width * K)
        else:
            self.d.rectangle(self._s(box), fill=fill, outline=outline, width=width * K)

    def oval(self, box, fill=None, outline=None, width=1):
        self.d.ellipse(self._s(box), fill=fill, outline=outline, width=width * K)

    def circle(self, cx, cy, r, fill=None, outline=None, width=1):
        self.oval((cx - r, cy - r, cx + r, cy + r), fill, outline, width)

    def poly(self, pts, fill=None, outline=None, width=1):
        self.d.polygon([(x * K, y * K) for x, y in pts], fill=fill, outline=outline, width=width * K)

    def line(self, pts, fill=BLACK, width=1):
        self.d.line([(x * K, y * K) for x, y in pts], fill=fill, width=max(1, int(width * K)), joint="curve")

    def chord(self, box, start, end, fill=None, outline=None, width=1):
        self.d.chord(self._s(box), start, end, fill=fill, outline=outline, width=width * K)

    def pie(self, box, start, end, fill=None):
        self.d.pieslice(self._s(box), start, end, fill=fill)

    def arc(self, box, start, end, fill=BLACK, width=1):
        self.d.arc(self._s(box), start, end, fill=fill, width=width * K)

    def text(self, cx, cy, s, px=22, fill=BLACK, max_w=236):
        """Centred text, shrunk until it fits `max_w`."""
        script = _script(s)
        while True:
            font = _font(script, px * K)
            l, t, r, b = self.d.textbbox((0, 0), s, font=font, anchor="mm")
            if r - l <= max_w * K or px <= 8:
                break
            px -= 1
        self.d.text((cx * K, cy * K), s, font=font, fill=fill, anchor="mm")

    def save(self, path: Path) -> None:
        small = self.im.resize((SIZE, SIZE), Image.Resampling.LANCZOS)
        small.quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            path, optimize=True)


# ---------------------------------------------------------------- shared pieces

def sky(c: Canvas, top: Color, bottom: Color, y0=0, y1=256):
    for y in range(y0, y1):
        t = (y - y0) / max(1, y1 - y0)
        col = tuple(int(a + (b - a) * t) for a, b in zip(top, bottom))
        c.rect((0, y, 256, y + 1), fill=col)


def sign(c: Canvas, text: str, bg: Color, fg: Color, y=8, h=46, px=26, border: Color | None = None, x0=16, x1=240):
    c.rect((x0, y, x1, y + h), fill=bg, outline=border or fg, width=2, r=6)
    c.text((x0 + x1) / 2, y + h / 2 + 1, text, px, fg, max_w=x1 - x0 - 16)


def caption(c: Canvas, text: str, bg=(250, 246, 236), fg=BLACK, px=20):
    sign(c, text, bg, fg, y=212, h=36, px=px, border=(90, 70, 50))


def table(c: Canvas, col=(150, 100, 60), y=150):
    c.rect((0, y, 256, 256), fill=col)
    dark = tuple(max(0, v - 25) for v in col)
    for yy in range(y + 18, 256, 22):
        c.line([(0, yy), (256, yy)], dark, 1)


def plate(c: Canvas, cx, cy, w, h, col=WHITE, rim=(200, 200, 210)):
    c.oval((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2), fill=col, outline=rim, width=2)
    c.oval((cx - w / 2 + 14, cy - h / 2 + 7, cx + w / 2 - 14, cy + h / 2 - 7), outline=rim, width=1)


def bowl(c: Canvas, cx, cy, w, depth, body: Color, surface: Color, band: Color | None = None):
    c.chord((cx - w / 2, cy - depth, cx + w / 2, cy + depth), 0, 180, fill=body)
    if band:
        c.arc((cx - w / 2 + 4, cy - depth + 6, cx + w / 2 - 4, cy + depth - 6), 20, 160, fill=band, width=3)
    c.rect((cx - w / 6, cy + depth - 4, cx + w / 6, cy + depth + 4), fill=body, r=2)
    c.oval((cx - w / 2, cy - w / 9, cx + w / 2, cy + w / 9), fill=surface, outline=body, width=3)


def steam(c: Canvas, xs, y, col=(235, 235, 240)):
    for x in xs:
        pts = [(x + 5 * math.sin(i / 2.0), y - i * 3) for i in range(12)]
        c.line(pts, col, 2)


def star(c: Canvas, cx, cy, r, fill=None, outline=None, width=1, points=5, inner=0.382):
    pts = []
    for i in range(points * 2):
        rr = r if i % 2 == 0 else r * inner
        a = -math.pi / 2 + i * math.pi / points
        pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    c.poly(pts, fill=fill, outline=outline, width=width)


def pentagram(c: Canvas, cx, cy, r, col, width=4):
    pts = [(cx + r * math.cos(-math.pi / 2 + i * 4 * math.pi / 5), cy + r * math.sin(-math.pi / 2 + i * 4 * math.pi / 5))
           for i in range(6)]
    c.line(pts, col, width)


def chopsticks(c: Canvas, x, y):
    c.line([(x, y), (x + 70, y - 60)], (120, 80, 40), 4)
    c.line([(x + 10, y + 4), (x + 82, y - 52)], (120, 80, 40), 4)


def noodles(c: Canvas, cx, cy, w, col, n=7, amp=4):
    for i in range(n):
        yy = cy - 10 + i * 3
        c.line([(cx - w / 2 + 8 + j * 4, yy + amp * math.sin(j / 1.5 + i)) for j in range(int((w - 16) / 4))], col, 2)


def shrimp(c: Canvas, cx, cy, r=9, col=(245, 120, 70)):
    c.arc((cx - r, cy - r, cx + r, cy + r), 200, 20, fill=col, width=5)


def leaf(c: Canvas, cx, cy, r, col=(60, 150, 60), angle=0.0):
    a = math.radians(angle)
    dx, dy = math.cos(a) * r, math.sin(a) * r
    px_, py_ = -math.sin(a) * r * 0.4, math.cos(a) * r * 0.4
    c.poly([(cx - dx, cy - dy), (cx + px_, cy + py_), (cx + dx, cy + dy), (cx - px_, cy - py_)], fill=col)


# ---------------------------------------------------------------- dishes and objects

def pho(c: Canvas):
    c.rect((0, 0, 256, 256), fill=(250, 240, 220))
    table(c, (140, 95, 55), 140)
    sign(c, "Phở Hà Nội", (200, 30, 30), (255, 220, 60))
    bowl(c, 128, 160, 170, 62, WHITE, (222, 170, 100), band=(40, 90, 170))
    noodles(c, 128, 160, 150, (250, 248, 235))
    for x, y in ((92, 152), (120, 148), (150, 156)):
        c.oval((x - 14, y - 7, x + 14, y + 7), fill=(150, 85, 70))
    for x, y, a in ((170, 150, 20), (100, 166, -30), (140, 168, 60), (178, 162, -10)):
        leaf(c, x, y, 9, (50, 140, 50), a)
    for x in (110, 128, 150):
        c.circle(x, 158 + (x % 7), 3, fill=(230, 240, 200), outline=(90, 160, 70))
    chopsticks(c, 170, 232)
    steam(c, (100, 128, 156), 128)


def padthai(c: Canvas):
    c.rect((0, 0, 256, 256), fill=(255, 245, 225))
    table(c, (120, 160, 90), 130)
    sign(c, "ผัดไทย", (240, 150, 20), WHITE, px=30)
    plate(c, 128, 175, 200, 100)
    noodles(c, 128, 175, 150, (215, 140, 70), n=9, amp=5)
    for x, y in ((95, 160), (125, 150), (160, 165), (140, 185)):
        shrimp(c, x, y)
    c.pie((170, 160, 210, 200), 180, 300, fill=(120, 190, 60))
    for x, y in ((105, 180), (112, 176), (118, 183), (150, 150)):
        c.oval((x - 3, y - 2, x + 3, y + 2), fill=(190, 140, 80))
    for x in range(80, 120, 8):
        c.line([(x, 195), (x + 6, 206)], (245, 245, 220), 2)


def tomyum(c: Canvas):
    c.rect((0, 0, 256, 256), fill=(255, 240, 230))
    table(c, (110, 70, 40), 140)
    sign(c, "ต้มยำกุ้ง", (30, 120, 60), WHITE, px=30)
    c.rect((34, 148, 50, 160), fill=(190, 190, 200), r=3)
    c.rect((206, 148, 222, 160), fill=(190, 190, 200), r=3)
    bowl(c, 128, 160, 180, 60, (200, 200, 210), (230, 100, 40))
    for x, y in ((95, 158), (130, 150), (165, 162)):
        shrimp(c, x, y, 11)
    for x, y, a in ((110, 165, 30), (150, 167, -20), (120, 150, 80)):
        leaf(c, x, y, 10, (40, 120, 40), a)
    for x, y in ((100, 148), (176, 152)):
        c.line([(x, y), (x + 12, y - 4)], (220, 20, 20), 4)
    c.line([(60, 150), (100, 130)], (200, 210, 140), 5)
    steam(c, (105, 150), 130, (250, 250, 250))


def couscous(c: Canvas):
    c.rect((0, 0, 256, 256), fill=(245, 230, 200))
    table(c, (160, 80, 50), 130)
    sign(c, "كسكس بالخضار", (30, 100, 60), (255, 235, 170), px=28)
    plate(c, 100, 185, 170, 80, (40, 110, 140), (20, 70, 100))
    c.chord((40, 140, 160, 210), 180, 360, fill=(235, 200, 110))
    for i in range(50):
        x, y = 48 + (i * 37) % 104, 160 + (i * 13) % 20
        c.circle(x, y, 1, fill=(210, 170, 80))
    for x, a in ((80, -70), (100, -90), (120, -110)):
        c.line([(x, 170), (x + 6 * math.cos(math.radians(a)) * 5, 170 + 6 * math.sin(math.radians(a)) * 5)],
               (240, 120, 30), 6)
    c.oval((60, 155, 80, 168), fill=(100, 160, 60))
    c.oval((125, 152, 145, 166), fill=(100, 160, 60))
    # tagine
    c.oval((160, 200, 250, 226), fill=(170, 80, 40))
    c.poly([(168, 210), (242, 210), (212, 132), (198, 132)], fill=(200, 100, 50))
    c.circle(205, 130, 7, fill=(200, 100, 50))
    for y in (160, 185):
        c.line([(190 - (y - 160) * 0.15, y), (220 + (y - 160) * 0.15, y)], (240, 210, 120), 2)


def dallah(c: Canvas):
    c.rect((0, 0, 256, 256), fill=(245, 235, 215))
    table(c, (120, 70, 40), 150)
    sign(c, "قهوة عربية", (90, 50, 30), (250, 215, 120), px=30)
    gold, dark = (215, 170, 60), (160, 120, 30)
    c.poly([(90, 200), (150, 200), (140, 140), (100, 140)], fill=gold, outline=dark, width=2)
    c.poly([(100, 140), (140, 140), (132, 115), (108, 115)], fill=gold, outline=dark, width=2)
    c.poly([(108, 115), (132, 115), (126, 95), (114, 95)], fill=gold, outline=dark, width=2)
    c.circle(120, 90, 6, fill=gold, outline=dark, width=2)
    c.line([(100, 150), (70, 120), (55, 100)], dark, 6)
    c.line([(100, 150), (70, 120), (55, 100)], gold, 3)
    c.arc((135, 120, 175, 180), 270, 90, dark, 4)
    for x in (175, 210):
        c.chord((x - 15, 175, x + 15, 215), 0, 180, fill=WHITE, outline=(180, 150, 80), width=2)
        c.oval((x - 15, 189, x + 15, 201), fill=(200, 170, 90))
    plate(c, 55, 225, 80, 30)
    for x in (40, 55, 70):
        c.oval((x - 8, 216, x + 8, 226), fill=(110, 55, 25))


def dates(c: Canvas):
    sky(c, (250, 215, 150), (255, 240, 210), 0, 150)
    c.line([(200, 150), (196, 110), (188, 70)], (120, 80, 40), 7)
    for a in range(-170, 10, 30):
        r = math.radians(a)
        c.line([(188, 70), (188 + 45 * math.cos(r), 70 + 35 * math.sin(r) + 15)], (50, 120, 50), 5)
    c.circle(182, 82, 6, fill=(170, 80, 30))
    c.circle(194, 84, 6, fill=(170, 80, 30))
    table(c, (180, 140, 90), 150)
    sign(c, "تمر", (110, 60, 20), (255, 230, 170), px=32, x0=40, x1=150)
    plate(c, 118, 195, 180, 70, (245, 240, 225), (180, 150, 100))
    for i in range(9):
        x, y = 70 + (i % 5) * 24, 185 + (i // 5) * 16 + (i % 2) * 4
        c.oval((x - 11, y - 6, x + 11, y + 6), fill=(115, 50, 20), outline=(80, 30, 10))


def svickova(c: Canvas):
    c.rect((0, 0, 256, 256), fill=(240, 232, 215))
    table(c, (110, 80, 50), 120)
    sign(c, "Svíčková na smetaně", (40, 60, 110), WHITE, px=22)
    plate(c, 128, 180, 220, 110)
    c.oval((60, 150, 200, 215), fill=(235, 170, 90))
    for x in (75, 100, 125):
        c.oval((x - 14, 165, x + 14, 195), fill=(245, 240, 220), outline=(210, 200, 170))
        for dx, dy in ((-5, -4), (4, 3), (-2, 8)):
            c.circle(x + dx, 180 + dy, 1, fill=(220, 210, 180))
    for x in (150, 172):
        c.oval((x - 18, 160, x + 18, 180), fill=(140, 80, 50))
    c.circle(160, 200, 9, fill=WHITE)
    c.circle(160, 196, 5, fill=(190, 20, 40))
    c.circle(186, 198, 8, fill=(250, 230, 90), outline=(220, 190, 50))


def beer(c: Canvas):
    c.rect((0, 0, 256, 256), fill=(60, 40, 30))
    table(c, (130, 85, 45), 170)
    sign(c, "Plzeňské pivo", (20, 80, 50), (240, 200, 90), px=26)
    c.oval((70, 196, 180, 222), fill=(235, 235, 230), outline=(200, 60, 50), width=3)
    c.rect((85, 95, 165, 210), fill=(235, 170, 40), r=6)
    for x in (100, 125, 150):
        c.line([(x, 115), (x, 200)], (250, 200, 90), 3)
    c.arc((150, 120, 195, 180), 270, 90, (200, 200, 200), 8)
    c.oval((80, 78, 170, 110), fill=(255, 252, 240))
    c.circle(95, 88, 12, fill=(255, 252, 240))
    c.circle(150, 86, 14, fill=(255, 252, 240))


def gulyas(c: Canvas):
    sky(c, (120, 170, 220), (200, 225, 240), 0, 170)
    c.rect((0, 170, 256, 256), fill=(90, 150, 60))
    sign(c, "Gulyásleves", (180, 30, 30), WHITE, px=28)
    c.line([(60, 230), (128, 70)], (90, 60, 30), 5)
    c.line([(196, 230), (128, 70)], (90, 60, 30), 5)
    c.line([(128, 72), (128, 112)], (60, 60, 60), 2)
    c.arc((78, 100, 178, 150), 180, 360, (60, 60, 60), 3)
    c.chord((80, 100, 176, 196), 0, 180, fill=(40, 40, 40))
    c.oval((80, 136, 176, 160), fill=(170, 50, 20), outline=(40, 40, 40), width=3)
    for x, y in ((105, 146), (128, 150), (150, 145)):
        c.circle(x, y, 4, fill=(230, 160, 60))
    for x in (100, 118, 138, 156):
        c.poly([(x - 8, 225), (x + 8, 225), (x + 2, 196)], fill=(250, 140, 20))
        c.poly([(x - 4, 225), (x + 4, 225), (x + 1, 206)], fill=(255, 220, 60))
    for x in (90, 110, 140, 165):
        c.line([(x - 10, 228), (x + 10, 222)], (110, 70, 40), 5)
    steam(c, (110, 145), 128, WHITE)


def langos(c: Canvas):
    c.rect((0, 0, 256, 256), fill=(250, 240, 220))
    table(c, (60, 120, 170), 120)
    sign(c, "Lángos", (230, 180, 40), (90, 40, 10), px=32)
    c.rect((40, 140, 216, 240), fill=(245, 245, 240), r=4)
    c.oval((50, 130, 206, 236), fill=(225, 165, 70), outline=(180, 120, 40), width=3)
    c.oval((75, 150, 185, 218), fill=(250, 248, 240))
    rng = random.Random(7)
    for _ in range(40):
        x, y = rng.uniform(84, 172), rng.uniform(156, 206)
        a = rng.uniform(0, math.pi)
        c.line([(x, y), (x + 8 * math.cos(a), y + 8 * math.sin(a))], (250, 200, 50), 2)


def paprika(c: Canvas):
    c.rect((0, 0, 256, 256), fill=(235, 220, 190))
    c.rect((0, 60, 256, 256), fill=(220, 200, 165))
    sign(c, "Szegedi paprika", (200, 20, 20), WHITE, px=26)
    for x in (50, 105, 160, 210):
        c.line([(x, 60), (x, 230)], (140, 110, 60), 2)
        for i in range(7):
            y = 72 + i * 22
            side = -1 if i % 2 else 1
            c.poly([(x, y), (x + side * 14, y + 4), (x + side * 6, y + 26)], fill=(200, 20, 20), outline=(150, 10, 10))
            c.line([(x, y), (x + side * 3, y - 3)], (60, 120, 40), 3)
    c.oval((170, 216, 240, 250), fill=(190, 40, 20))


def bibimbap(c: Canvas):
    c.rect((0, 0, 256, 256), fill=(245, 240, 230))
    table(c, (90, 60, 40), 130)
    sign(c, "비빔밥", (60, 40, 30), WHITE, px=30)
    c.oval((30, 200, 226, 236), fill=(70, 50, 35))
    bowl(c, 128, 170, 176, 60, (55, 55, 60), (250, 250, 245))
    cx, cy = 128, 170
    cols = [(240, 130, 40), (60, 150, 60), (150, 90, 60), (230, 230, 200), (200, 40, 40), (90, 60, 110)]
    for i, col in enumerate(cols):
        a0 = i * 60
        c.pie((cx - 70, cy - 18, cx + 70, cy + 18), a0, a0 + 55, fill=col)
    c.oval((cx - 20, cy - 8, cx + 20, cy + 8), fill=WHITE)
    c.circle(cx, cy, 6, fill=(250, 180, 20))
    c.circle(cx + 30, cy - 6, 6, fill=(190, 20, 20))


def kimchi(c: Canvas):
    c.rect((0, 0, 256, 256), fill=(240, 235, 225))
    table(c, (170, 130, 90), 160)
    sign(c, "김치", (180, 30, 30), WHITE, px=32, x0=60, x1=196)
    c.oval((20, 80, 120, 210), fill=(110, 60, 30))
    c.rect((45, 70, 95, 90), fill=(110, 60, 30))
    c.oval((40, 62, 100, 80), fill=(90, 45, 20))
    c.arc((30, 110, 110, 140), 20, 160, (150, 90, 50), 3)
    plate(c, 175, 200, 130, 60)
    for i in range(6):
        x = 140 + i * 12
        c.oval((x - 10, 180 + (i % 2) * 6, x + 10, 208), fill=(215, 50, 30), outline=(170, 30, 20))
        c.line([(x - 4, 186), (x + 4, 204)], (250, 200, 170), 2)


def borscht(c: Canvas):
    c.rect((0, 0, 256, 256), fill=(250, 245, 235))
    table(c, (200, 60, 50), 130)
    for x in range(0, 256, 24):
        c.line([(x, 130), (x, 256)], (230, 230, 230), 2)
    sign(c, "Борщ", (120, 20, 40), WHITE, px=32)
    plate(c, 110, 190, 200, 80)
    bowl(c, 110, 170, 160, 50, WHITE, (160, 20, 50), band=(30, 70, 160))
    c.oval((95, 157, 125, 173), fill=(252, 250, 245))
    for x, y, a in ((80, 168, 30), (140, 165, -40), (120, 176, 70)):
        leaf(c, x, y, 6, (60, 140, 60), a)
    c.poly([(200, 160), (245, 170), (240, 215), (195, 205)], fill=(60, 40, 30))
    steam(c, (90, 130), 135, (230, 230, 235))


def samovar(c: Canvas):
    c.rect((0, 0, 256, 256), fill=(240, 230, 210))
    table(c, (230, 230, 235), 170)
    sign(c, "Чай из самовара", (150, 30, 30), (255, 225, 120), px=24)
    brass, dark = (215, 160, 60), (150, 100, 30)
    c.poly([(80, 200), (150, 200), (140, 185), (90, 185)], fill=brass, outline=dark, width=2)
    c.rect((105, 175, 125, 185), fill=dark)
    c.oval((75, 95, 155, 180), fill=brass, outline=dark, width=2)
    c.rect((82, 88, 148, 100), fill=brass, outline=dark, width=2)
    c.line([(75, 120), (60, 115)], dark, 5)
    c.line([(155, 120), (170, 115)], dark, 5)
    c.rect((150, 145, 172, 151), fill=dark)
    c.oval((95, 58, 135, 90), fill=(240, 240, 245), outline=(40, 70, 160), width=2)
    for x, y in ((105, 70), (120, 78)):
        c.circle(x, y, 4, fill=(40, 70, 160))
    c.rect((185, 160, 215, 198), fill=(200, 110, 30), outline=(180, 180, 190), width=3)
    for x, y in ((40, 210), (60, 222)):
        c.circle(x, y, 14, fill=(215, 160, 80))
        c.circle(x, y, 6, fill=(230, 230, 235))


def cevapi(c: Canvas):
    c.rect((0, 0, 256, 256), fill=(245, 235, 220))
    table(c, (110, 80, 50), 120)
    sign(c, "Ћевапи", (40, 60, 120), WHITE, px=30)
    plate(c, 128, 185, 226, 112)
    c.oval((55, 140, 195, 225), fill=(230, 190, 120), outline=(200, 150, 80), width=2)
    for i in range(5):
        y = 158 + i * 11
        c.rect((75, y, 140, y + 10), fill=(120, 60, 35), r=5)
    c.oval((150, 160, 195, 190), fill=(252, 250, 238), outline=(230, 225, 200))
    for i in range(10):
        x, y = 160 + (i * 7) % 30, 197 + (i * 5) % 12
        c.rect((x, y, x + 4, y + 3), fill=(250, 250, 250), outline=(200, 190, 200))


def ajvar(c: Canvas):
    c.rect((0, 0, 256, 256), fill=(250, 240, 225))
    table(c, (160, 110, 70), 170)
    sign(c, "Ajvar", (190, 40, 20), WHITE, px=32, x0=50, x1=206)
    for x in (55, 128, 201):
        c.rect((x - 30, 100, x + 30, 200), fill=(210, 70, 30), outline=(200, 200, 205), width=2, r=6)
        c.rect((x - 26, 86, x + 26, 102), fill=(200, 30, 30), r=2)
        c.rect((x - 22, 136, x + 22, 166), fill=WHITE)
        c.line([(x - 16, 151), (x + 16, 151)], (190, 40, 20), 3)
    for x in (90, 165):
        c.poly([(x - 14, 215), (x + 16, 212), (x + 10, 240), (x - 10, 240)], fill=(190, 30, 20))


def rakija(c: Canvas):
    c.rect((0, 0, 256, 256), fill=(235, 225, 205))
    table(c, (120, 85, 50), 170)
    sign(c, "Šljivovica", (60, 40, 100), (250, 230, 160), px=28)
    glass = (220, 235, 240)
    c.rect((95, 110, 150, 215), fill=glass, outline=(150, 170, 180), width=2, r=8)
    c.rect((112, 70, 133, 112), fill=glass, outline=(150, 170, 180), width=2)
    c.rect((110, 62, 135, 72), fill=(130, 80, 40))
    c.rect((100, 140, 145, 175), fill=(245, 235, 200))
    c.oval((112, 148, 133, 167), fill=(80, 50, 120))
    c.poly([(170, 180), (192, 180), (188, 215), (174, 215)], fill=glass, outline=(150, 170, 180), width=2)
    c.line([(176, 215), (186, 215)], (150, 170, 180), 3)
    for x, y in ((40, 200), (60, 210), (48, 222), (210, 215), (226, 205)):
        c.oval((x - 10, y - 12, x + 10, y + 12), fill=(80, 50, 120))
        c.line([(x, y - 12), (x + 3, y - 18)], (90, 70, 40), 2)


def banhmi(c: Canvas):
    c.rect((0, 0, 256, 256), fill=(250, 245, 230))
    table(c, (200, 180, 140), 130)
    sign(c, "Bánh mì", (20, 110, 70), (255, 230, 90), px=30)
    c.rect((20, 175, 236, 215), fill=(240, 240, 235), r=4)
    c.chord((30, 120, 226, 210), 180, 360, fill=(225, 160, 70), outline=(180, 110, 40), width=2)
    c.rect((40, 160, 216, 176), fill=(250, 235, 190))
    for x in range(50, 210, 18):
        c.oval((x, 152, x + 16, 164), fill=(230, 140, 140))
    for x in range(55, 210, 22):
        leaf(c, x + 6, 156, 8, (60, 150, 60), -20)
        c.line([(x, 162), (x + 14, 158)], (245, 140, 40), 2)
    c.chord((30, 160, 226, 200), 0, 180, fill=(225, 160, 70), outline=(180, 110, 40), width=2)
    for x in (80, 120, 160):
        c.line([(x, 128), (x + 18, 138)], (250, 220, 160), 2)


def caphe(c: Canvas):
    c.rect((0, 0, 256, 256), fill=(240, 230, 210))
    table(c, (120, 90, 60), 170)
    sign(c, "Cà phê sữa đá", (60, 35, 20), (250, 220, 170), px=26)
    c.poly([(90, 110), (166, 110), (158, 220), (98, 220)], fill=(225, 235, 240), outline=(170, 180, 190), width=2)
    c.poly([(93, 150), (163, 150), (158, 220), (98, 220)], fill=(80, 45, 20))
    c.poly([(96, 195), (160, 195), (158, 220), (98, 220)], fill=(240, 225, 190))
    for x, y in ((110, 160), (135, 170), (120, 180), (145, 158)):
        c.rect((x, y, x + 12, y + 12), fill=(200, 215, 225), outline=(230, 240, 245))
    c.rect((98, 86, 158, 112), fill=(200, 200, 205), outline=(140, 140, 150), width=2)
    c.oval((88, 104, 168, 116), fill=(190, 190, 195), outline=(140, 140, 150), width=2)
    c.oval((104, 78, 152, 90), fill=(210, 210, 215), outline=(140, 140, 150), width=2)
    c.line([(180, 220), (200, 110)], (200, 40, 40), 4)


# ---------------------------------------------------------------- landmarks

def ground_sky(c: Canvas, top, bottom, ground, gy=190):
    sky(c, top, bottom, 0, gy)
    c.rect((0, gy, 256, 256), fill=ground)


def pyramids(c: Canvas):
    ground_sky(c, (120, 180, 230), (250, 230, 180), (225, 190, 120), 170)
    c.circle(210, 45, 18, fill=(255, 230, 120))
    for cx, base, h, col in ((80, 120, 105, (215, 175, 110)), (165, 100, 85, (205, 165, 100)), (220, 50, 40, (200, 160, 95))):
        c.poly([(cx - base / 2, 185), (cx, 185 - h), (cx + base / 2, 185)], fill=col)
        c.poly([(cx, 185 - h), (cx + base / 2, 185), (cx + base / 10, 185)], fill=tuple(v - 35 for v in col))
    caption(c, "أهرامات الجيزة", px=22)


def orloj(c: Canvas):
    ground_sky(c, (140, 190, 235), (210, 230, 245), (120, 110, 100), 200)
    stone = (150, 140, 125)
    c.rect((60, 30, 196, 205), fill=stone)
    c.poly([(50, 32), (128, 0), (206, 32)], fill=(70, 60, 60))
    c.circle(128, 105, 55, fill=(200, 160, 60))
    c.circle(128, 105, 48, fill=(50, 110, 180))
    c.chord((80, 57, 176, 153), 20, 160, fill=(120, 70, 40))
    c.chord((80, 57, 176, 153), 50, 130, fill=(30, 30, 40))
    c.circle(128, 95, 28, outline=(220, 180, 60), width=3)
    for i in range(24):
        a = math.radians(i * 15)
        c.line([(128 + 44 * math.cos(a), 105 + 44 * math.sin(a)), (128 + 48 * math.cos(a), 105 + 48 * math.sin(a))],
               (240, 210, 90), 2)
    c.line([(128, 105), (150, 72)], (230, 190, 60), 3)
    c.circle(150, 72, 5, fill=(240, 200, 60))
    c.circle(128, 105, 4, fill=(230, 190, 60))
    for x in (70, 182):
        c.rect((x - 6, 60, x + 6, 90), fill=(110, 100, 90))
        c.circle(x, 55, 6, fill=(110, 100, 90))
    caption(c, "Pražský orloj", px=22)


def bridge(c: Canvas, label: str, tower: bool):
    ground_sky(c, (150, 190, 230), (230, 235, 245), (70, 110, 150), 165)
    deck = (120, 110, 100)
    c.rect((0, 120, 256, 135), fill=deck)
    for x in range(0, 256, 64):
        c.chord((x + 8, 135, x + 56, 190), 180, 360, fill=(70, 110, 150))
        c.rect((x - 6, 135, x + 8, 170), fill=deck)
    if tower:
        c.rect((190, 60, 235, 135), fill=(80, 70, 65))
        c.poly([(186, 62), (212, 15), (239, 62)], fill=(50, 45, 45))
        c.chord((203, 100, 222, 140), 180, 360, fill=(150, 190, 230))
        for x in range(20, 180, 28):
            c.rect((x, 100, x + 6, 120), fill=(50, 45, 40))
            c.circle(x + 3, 96, 4, fill=(50, 45, 40))
    else:
        for x in (64, 192):
            c.rect((x - 16, 55, x + 16, 135), fill=(200, 190, 170))
            c.chord((x - 9, 80, x + 9, 140), 180, 360, fill=(150, 190, 230))
        for x0, x1 in ((0, 64), (64, 192), (192, 256)):
            mid = (x0 + x1) / 2
            c.line([(x0, 60 if x0 else 110), (mid, 112), (x1, 60 if x1 < 256 else 110)], (60, 60, 60), 3)
    for x in range(0, 256, 16):
        c.line([(x, 175 + (x % 32) / 8), (x + 8, 175)], (150, 190, 220), 1)
    caption(c, label, px=22)


def karluv_most(c: Canvas):
    bridge(c, "Karlův most", tower=True)


def lanchid(c: Canvas):
    bridge(c, "Lánchíd", tower=False)


def parliament(c: Canvas):
    ground_sky(c, (120, 170, 220), (210, 225, 240), (60, 100, 140), 170)
    cream, roof = (235, 225, 200), (170, 60, 50)
    c.rect((20, 110, 236, 170), fill=cream)
    c.poly([(20, 110), (236, 110), (226, 96), (30, 96)], fill=roof)
    for x in range(28, 236, 12):
        c.rect((x, 120, x + 5, 160), fill=(150, 140, 120))
    c.rect((105, 70, 151, 110), fill=cream)
    c.chord((100, 36, 156, 110), 180, 360, fill=roof)
    c.line([(128, 36), (128, 14)], (120, 50, 40), 4)
    for x in (22, 60, 96, 160, 196, 234):
        c.rect((x - 3, 80, x + 3, 110), fill=cream)
        c.poly([(x - 4, 80), (x, 62), (x + 4, 80)], fill=roof)
    for y in (180, 190):
        c.line([(20, y), (236, y)], (200, 190, 160), 1)
    caption(c, "Országház", px=22)


def gyeongbokgung(c: Canvas):
    ground_sky(c, (140, 190, 235), (220, 235, 245), (200, 190, 170), 175)
    c.poly([(0, 120), (60, 60), (110, 100), (170, 50), (256, 110), (256, 140), (0, 140)], fill=(90, 130, 90))
    c.rect((40, 160, 216, 178), fill=(180, 175, 165))
    c.rect((55, 120, 201, 160), fill=(200, 60, 40))
    for x in range(60, 201, 20):
        c.rect((x, 120, x + 5, 160), fill=(120, 30, 25))
    c.rect((55, 112, 201, 122), fill=(60, 140, 110))
    roof = (70, 70, 75)
    c.poly([(20, 104), (236, 104), (200, 88), (56, 88)], fill=roof)
    c.line([(20, 104), (12, 96)], roof, 4)
    c.line([(236, 104), (244, 96)], roof, 4)
    c.rect((80, 80, 176, 90), fill=(60, 140, 110))
    c.poly([(50, 80), (206, 80), (172, 60), (84, 60)], fill=roof)
    c.line([(50, 80), (44, 72)], roof, 4)
    c.line([(206, 80), (212, 72)], roof, 4)
    caption(c, "경복궁", px=22)


def onion(c: Canvas, cx, base, w, h, col, stripe):
    c.rect((cx - w / 3, base, cx + w / 3, base + 30), fill=(235, 225, 205))
    c.poly([(cx - w / 2, base), (cx + w / 2, base), (cx + w / 2, base - h * 0.35), (cx, base - h), (cx - w / 2, base - h * 0.35)],
           fill=col)
    c.oval((cx - w / 2, base - h * 0.6, cx + w / 2, base + 2), fill=col)
    for i in range(-1, 2):
        c.line([(cx + i * w / 4, base), (cx + i * w / 8, base - h * 0.8)], stripe, 3)
    c.line([(cx, base - h), (cx, base - h - 10)], (220, 180, 60), 2)


def basil(c: Canvas):
    ground_sky(c, (100, 160, 220), (200, 225, 245), (190, 60, 50), 180)
    c.rect((30, 130, 226, 185), fill=(180, 60, 45))
    for x in range(40, 226, 20):
        c.rect((x, 150, x + 8, 170), fill=(240, 230, 210))
    c.rect((116, 50, 140, 135), fill=(200, 70, 50))
    c.poly([(110, 52), (146, 52), (128, 12)], fill=(60, 140, 70))
    onion(c, 60, 110, 34, 55, (40, 130, 80), (250, 220, 60))
    onion(c, 196, 110, 34, 55, (200, 40, 40), (250, 250, 250))
    onion(c, 92, 95, 28, 45, (230, 180, 40), (40, 120, 60))
    onion(c, 164, 95, 28, 45, (40, 90, 180), (250, 250, 250))
    caption(c, "Собор Василия Блаженного", px=17)


def saint_sava(c: Canvas):
    ground_sky(c, (110, 170, 230), (210, 230, 245), (110, 150, 90), 185)
    white, green = (240, 238, 230), (60, 140, 110)
    c.rect((40, 120, 216, 190), fill=white)
    c.rect((80, 90, 176, 125), fill=white)
    c.chord((70, 30, 186, 140), 180, 360, fill=green)
    c.line([(128, 30), (128, 6)], (230, 190, 60), 3)
    c.line([(120, 14), (136, 14)], (230, 190, 60), 3)
    for x in (55, 201):
        c.rect((x - 14, 90, x + 14, 125), fill=white)
        c.chord((x - 16, 70, x + 16, 106), 180, 360, fill=green)
        c.line([(x, 70), (x, 60)], (230, 190, 60), 2)
    for x in range(52, 216, 22):
        c.chord((x, 140, x + 12, 170), 180, 360, fill=(150, 170, 190))
        c.rect((x, 155, x + 12, 175), fill=(150, 170, 190))
    caption(c, "Храм Светог Саве", px=21)


def prang(c: Canvas, cx, base, w, h, col):
    for i in range(6):
        t = i / 6
        ww = w * (1 - t * 0.8)
        y0 = base - h * t
        c.rect((cx - ww / 2, y0 - h / 6, cx + ww / 2, y0), fill=tuple(max(0, v - i * 6) for v in col), outline=(150, 140, 130))
    c.line([(cx, base - h), (cx, base - h - 18)], (200, 170, 90), 3)


def wat_arun(c: Canvas):
    ground_sky(c, (250, 170, 110), (255, 225, 170), (90, 120, 150), 185)
    prang(c, 128, 185, 90, 140, (235, 225, 210))
    prang(c, 45, 185, 40, 70, (230, 220, 200))
    prang(c, 211, 185, 40, 70, (230, 220, 200))
    for x in range(0, 256, 20):
        c.line([(x, 195), (x + 10, 195)], (200, 180, 150), 1)
    caption(c, "วัดอรุณ", px=24)


def one_pillar(c: Canvas):
    ground_sky(c, (150, 200, 230), (220, 240, 240), (70, 140, 120), 150)
    c.rect((30, 140, 226, 205), fill=(80, 150, 160), outline=(170, 150, 120), width=4)
    c.rect((120, 105, 136, 185), fill=(160, 150, 140))
    c.rect((80, 70, 176, 108), fill=(170, 40, 30))
    c.rect((86, 76, 170, 102), fill=(200, 70, 50))
    for x in (98, 128, 158):
        c.rect((x - 2, 76, x + 2, 102), fill=(120, 30, 20))
    roof = (80, 60, 50)
    c.poly([(66, 72), (190, 72), (160, 45), (96, 45)], fill=roof)
    c.line([(66, 72), (56, 60)], roof, 4)
    c.line([(190, 72), (200, 60)], roof, 4)
    c.circle(128, 40, 6, fill=(210, 170, 60))
    for x, y in ((60, 170), (190, 160), (170, 190)):
        c.oval((x - 12, y - 5, x + 12, y + 5), fill=(60, 130, 60))
        c.circle(x + 2, y - 6, 5, fill=(240, 140, 170))
    caption(c, "Chùa Một Cột", px=22)


def mosque(c: Canvas):
    ground_sky(c, (60, 60, 120), (240, 140, 80), (150, 110, 70), 200)
    dark = (40, 30, 40)
    c.rect((60, 130, 200, 200), fill=dark)
    c.chord((80, 60, 180, 170), 180, 360, fill=dark)
    c.rect((200, 50, 216, 200), fill=dark)
    c.poly([(198, 52), (218, 52), (208, 26)], fill=dark)
    c.rect((196, 90, 220, 96), fill=dark)
    c.line([(130, 60), (130, 46)], dark, 2)
    c.arc((123, 32, 137, 46), 60, 300, (250, 210, 100), 3)
    for x in range(80, 200, 24):
        c.chord((x, 150, x + 12, 175), 180, 360, fill=(250, 200, 110))
        c.rect((x, 162, x + 12, 185), fill=(250, 200, 110))
    c.arc((34, 24, 66, 56), 70, 290, (250, 240, 200), 7)


def castle(c: Canvas):
    ground_sky(c, (130, 180, 230), (220, 235, 245), (70, 120, 60), 190)
    c.poly([(0, 200), (60, 150), (190, 140), (256, 190), (256, 256), (0, 256)], fill=(60, 110, 50))
    wall, roof = (225, 215, 195), (150, 60, 40)
    c.rect((50, 110, 200, 160), fill=wall)
    c.rect((150, 50, 195, 160), fill=wall)
    c.poly([(146, 52), (199, 52), (172, 18)], fill=roof)
    c.rect((60, 80, 90, 112), fill=wall)
    c.poly([(56, 82), (94, 82), (75, 55)], fill=roof)
    c.poly([(46, 112), (150, 112), (140, 95), (56, 95)], fill=roof)
    for x in (165, 180):
        c.rect((x, 75, x + 6, 90), fill=(80, 70, 60))
    for x in range(60, 140, 18):
        c.rect((x, 125, x + 7, 138), fill=(80, 70, 60))
    caption(c, "Hrad Karlštejn", px=22)


# ---------------------------------------------------------------- cards and banners

def lantern(c: Canvas, cx, top, h, col):
    c.line([(cx, 0), (cx, top)], (220, 190, 90), 2)
    c.poly([(cx - 6, top), (cx + 6, top), (cx + 14, top + 12), (cx - 14, top + 12)], fill=(220, 180, 60))
    c.poly([(cx - 14, top + 12), (cx + 14, top + 12), (cx + 10, top + h), (cx - 10, top + h)], fill=col)
    for dx in (-5, 5):
        c.line([(cx + dx, top + 14), (cx + dx * 0.7, top + h - 2)], (220, 180, 60), 2)
    c.poly([(cx - 10, top + h), (cx + 10, top + h), (cx, top + h + 10)], fill=(220, 180, 60))


def ramadan(c: Canvas):
    c.rect((0, 0, 256, 256), fill=(20, 30, 80))
    for x, y in ((30, 40), (210, 30), (180, 80), (60, 100), (230, 140)):
        star(c, x, y, 4, fill=(250, 240, 200))
    c.circle(128, 90, 45, fill=(250, 210, 90))
    c.circle(146, 80, 40, fill=(20, 30, 80))
    lantern(c, 40, 60, 50, (200, 60, 60))
    lantern(c, 216, 70, 44, (60, 160, 120))
    c.rect((20, 180, 236, 236), fill=(250, 240, 210), r=8)
    c.text(128, 207, "رمضان كريم", 34, (20, 30, 80))


def egg(c: Canvas, cx, cy, col, pat):
    c.oval((cx - 18, cy - 24, cx + 18, cy + 24), fill=col, outline=(120, 60, 40))
    c.line([(cx - 18, cy), (cx + 18, cy)], pat, 3)
    for dx in (-10, 0, 10):
        c.circle(cx + dx, cy - 10, 3, fill=pat)
        star(c, cx + dx, cy + 12, 4, fill=pat)


def velikonoce(c: Canvas):
    c.rect((0, 0, 256, 256), fill=(235, 245, 210))
    c.rect((0, 150, 256, 256), fill=(150, 200, 100))
    c.text(128, 30, "Veselé Velikonoce", 24, (150, 40, 40))
    for cx, col, pat in ((70, (220, 40, 40), (255, 230, 90)), (128, (40, 90, 180), WHITE), (186, (250, 180, 40), (190, 30, 30))):
        egg(c, cx, 160, col, pat)
    for i in range(4):
        y = 90 + i * 2
        c.line([(20 + i * 3, y), (236, y - 30 + i * 3)], (160, 120, 60), 3)
    for x, col in ((40, (220, 40, 40)), (50, (40, 160, 70)), (60, (250, 200, 40))):
        c.line([(x - 20, 95), (x - 30, 130), (x - 15, 140)], col, 4)
    c.text(128, 225, "kraslice · pomlázka", 16, (60, 90, 30))


def vanoce(c: Canvas):
    c.rect((0, 0, 256, 256), fill=(150, 25, 35))
    for x, y in ((30, 60), (220, 50), (200, 110), (40, 130), (128, 60)):
        star(c, x, y, 6, fill=WHITE, points=6, inner=0.5)
    c.text(128, 26, "Veselé Vánoce", 26, (255, 225, 120))
    plate(c, 80, 180, 130, 60, (245, 240, 230))
    c.oval((35, 160, 115, 200), fill=(220, 160, 60), outline=(170, 110, 30), width=2)
    c.poly([(112, 180), (132, 165), (132, 195)], fill=(220, 160, 60))
    c.circle(50, 175, 3, fill=BLACK)
    c.oval((140, 150, 240, 205), fill=(230, 170, 80), outline=(180, 120, 40), width=2)
    for x in range(150, 235, 14):
        c.line([(x, 155), (x + 10, 200)], (190, 130, 50), 3)
    for x, y in ((160, 165), (190, 175), (220, 170)):
        c.circle(x, y, 2, fill=(250, 240, 210))
    c.text(128, 232, "kapr · vánočka", 16, (255, 225, 120))


def chuseok(c: Canvas):
    c.rect((0, 0, 256, 256), fill=(30, 40, 80))
    c.circle(128, 80, 50, fill=(255, 230, 140))
    c.poly([(0, 170), (80, 120), (150, 160), (256, 110), (256, 256), (0, 256)], fill=(40, 70, 60))
    plate(c, 128, 190, 180, 60, (245, 240, 230))
    for i, col in enumerate(((250, 250, 245), (240, 170, 190), (150, 200, 120), (250, 220, 120), (250, 250, 245))):
        x = 70 + i * 29
        c.chord((x - 15, 170, x + 15, 200), 180, 360, fill=col, outline=(200, 190, 180))
    c.text(128, 232, "즐거운 추석", 26, (255, 230, 140))


def maslenitsa(c: Canvas):
    sky(c, (120, 180, 240), (250, 250, 255))
    c.circle(128, 65, 32, fill=(255, 200, 40))
    for i in range(12):
        a = math.radians(i * 30)
        c.line([(128 + 38 * math.cos(a), 65 + 38 * math.sin(a)), (128 + 52 * math.cos(a), 65 + 52 * math.sin(a))],
               (255, 180, 30), 4)
    plate(c, 128, 205, 200, 60, (250, 250, 255), (60, 90, 180))
    for i in range(6):
        y = 195 - i * 7
        c.oval((58, y - 10, 198, y + 10), fill=(235, 170, 70), outline=(200, 130, 40))
    c.oval((110, 150, 146, 164), fill=(190, 20, 40))
    c.rect((0, 0, 256, 26), fill=(200, 30, 40))
    c.text(128, 14, "Масленица", 20, WHITE)


def slava(c: Canvas):
    c.rect((0, 0, 256, 256), fill=(250, 240, 220))
    c.rect((0, 160, 256, 256), fill=(240, 235, 230))
    c.text(128, 24, "Srećna slava", 26, (140, 30, 30))
    c.rect((20, 50, 80, 130), fill=(210, 170, 60), r=4)
    c.rect((27, 57, 73, 123), fill=(120, 40, 40))
    c.circle(50, 80, 12, fill=(240, 210, 120))
    c.oval((70, 150, 210, 215), fill=(215, 150, 70), outline=(170, 110, 40), width=2)
    c.line([(140, 158), (140, 208)], (170, 110, 40), 4)
    c.line([(80, 182), (200, 182)], (170, 110, 40), 4)
    for x, y in ((110, 168), (170, 168), (110, 198), (170, 198)):
        c.circle(x, y, 6, outline=(170, 110, 40), width=2)
    c.rect((200, 90, 212, 160), fill=(240, 220, 160))
    c.oval((200, 70, 212, 92), fill=(255, 190, 40))
    c.chord((20, 170, 70, 220), 0, 180, fill=(200, 200, 210))
    c.oval((20, 180, 70, 200), fill=(180, 130, 60))


def loy_krathong(c: Canvas):
    c.rect((0, 0, 256, 150), fill=(25, 30, 70))
    c.rect((0, 150, 256, 256), fill=(30, 60, 110))
    c.circle(205, 95, 24, fill=(255, 240, 190))
    for y in (165, 185, 230):
        c.line([(20, y), (236, y)], (60, 100, 150), 1)
    c.oval((70, 185, 186, 222), fill=(60, 140, 60))
    for i in range(7):
        x = 80 + i * 16
        c.poly([(x - 8, 200), (x + 8, 200), (x, 176)], fill=(80, 170, 70), outline=(40, 100, 40))
    c.circle(128, 180, 14, fill=(240, 200, 220))
    c.rect((124, 150, 132, 175), fill=(250, 245, 230))
    c.oval((123, 138, 133, 152), fill=(255, 200, 60))
    c.line([(140, 175), (146, 140)], (150, 80, 60), 2)
    c.text(128, 40, "ลอยกระทง", 34, (255, 230, 150))


def tet(c: Canvas):
    c.rect((0, 0, 256, 256), fill=(200, 20, 30))
    c.rect((10, 10, 246, 246), outline=(250, 200, 60), width=3)
    c.text(128, 40, "Chúc Mừng Năm Mới", 24, (255, 220, 80), max_w=210)
    c.line([(20, 90), (80, 120), (130, 110)], (100, 60, 30), 4)
    c.line([(80, 120), (100, 150)], (100, 60, 30), 3)
    for x, y in ((40, 95), (70, 112), (100, 110), (125, 106), (98, 146), (60, 104)):
        for i in range(5):
            a = math.radians(i * 72)
            c.circle(x + 5 * math.cos(a), y + 5 * math.sin(a), 4, fill=(255, 220, 40))
        c.circle(x, y, 2, fill=(230, 120, 20))
    c.rect((150, 130, 230, 210), fill=(50, 130, 50), outline=(30, 90, 30), width=2)
    for v in (170, 190, 210):
        c.line([(v, 130), (v, 210)], (230, 220, 180), 2)
        c.line([(150, v), (230, v)], (230, 220, 180), 2)
    c.text(80, 200, "Tết", 40, (255, 220, 80))


def songkran(c: Canvas):
    c.rect((0, 0, 256, 256), fill=(40, 150, 220))
    c.rect((0, 0, 256, 70), fill=(250, 200, 40))
    c.text(128, 36, "สงกรานต์", 36, (200, 30, 30))
    for x, y, r in ((40, 110, 10), (70, 100, 6), (200, 120, 12), (225, 95, 7), (110, 130, 5), (160, 100, 8)):
        c.oval((x - r * 0.7, y - r, x + r * 0.7, y + r), fill=(200, 235, 255))
        c.poly([(x - r * 0.7, y - r * 0.2), (x, y - r * 2), (x + r * 0.7, y - r * 0.2)], fill=(200, 235, 255))
    c.chord((70, 160, 186, 236), 0, 180, fill=(200, 200, 210), outline=(150, 150, 160), width=2)
    c.oval((70, 185, 186, 211), fill=(120, 190, 240), outline=(150, 150, 160), width=2)
    for x in (95, 120, 150):
        c.circle(x, 196, 6, fill=(250, 240, 245))
        c.circle(x, 196, 2, fill=(250, 200, 60))


# ---------------------------------------------------------------- patterns

def label_ribbon(c: Canvas, text: str):
    sign(c, text, (250, 248, 240), BLACK, y=212, h=36, px=20)


def zellige(c: Canvas):
    c.rect((0, 0, 256, 256), fill=(245, 245, 240))
    for gy in range(0, 4):
        for gx in range(0, 4):
            cx, cy = 32 + gx * 64, 32 + gy * 64
            col = (20, 100, 160) if (gx + gy) % 2 else (30, 130, 90)
            star(c, cx, cy, 30, fill=col, points=8, inner=0.7)
            star(c, cx, cy, 14, fill=(240, 200, 80), points=8, inner=0.7)
            c.poly([(cx + 32, cy), (cx + 40, cy + 8), (cx + 32, cy + 16), (cx + 24, cy + 8)], fill=(200, 60, 40))
    label_ribbon(c, "زليج")


def kalocsa(c: Canvas):
    c.rect((0, 0, 256, 256), fill=(252, 252, 250))
    cols = [(220, 30, 60), (240, 120, 160), (40, 90, 200), (250, 190, 30), (140, 60, 170)]
    for i, (cx, cy) in enumerate(((60, 60), (170, 50), (120, 120), (50, 170), (200, 150))):
        col = cols[i % len(cols)]
        for j in range(8):
            a = math.radians(j * 45)
            c.oval((cx + 18 * math.cos(a) - 9, cy + 18 * math.sin(a) - 9, cx + 18 * math.cos(a) + 9,
                    cy + 18 * math.sin(a) + 9), fill=col)
        c.circle(cx, cy, 9, fill=cols[(i + 3) % len(cols)])
        c.circle(cx, cy, 4, fill=(250, 220, 60))
        for a in (30, 150, 260):
            leaf(c, cx + 34 * math.cos(math.radians(a)), cy + 34 * math.sin(math.radians(a)), 10, (50, 150, 60), a + 90)
    label_ribbon(c, "Kalocsai minta")


def khokhloma(c: Canvas):
    c.rect((0, 0, 256, 256), fill=(20, 15, 15))
    gold, red = (230, 170, 40), (200, 30, 30)
    for k in range(3):
        cy = 40 + k * 60
        c.line([(10 + 30 * i, cy + 12 * math.sin(i + k)) for i in range(9)], gold, 4)
        for i in range(1, 8, 2):
            x, y = 10 + 30 * i, cy + 12 * math.sin(i + k)
            leaf(c, x, y - 12, 12, gold, 70)
            c.circle(x + 12, y + 10, 6, fill=red)
            c.circle(x + 20, y + 4, 5, fill=red)
    c.circle(128, 130, 16, fill=red)
    c.circle(128, 130, 7, fill=gold)
    label_ribbon(c, "Хохлома")


def pirot(c: Canvas):
    c.rect((0, 0, 256, 256), fill=(180, 25, 35))
    c.rect((8, 8, 248, 204), outline=(20, 20, 30), width=6)
    for gy in range(2):
        for gx in range(4):
            cx, cy = 38 + gx * 60, 60 + gy * 86
            c.poly([(cx, cy - 36), (cx + 24, cy), (cx, cy + 36), (cx - 24, cy)], fill=(20, 20, 30))
            c.poly([(cx, cy - 24), (cx + 15, cy), (cx, cy + 24), (cx - 15, cy)], fill=(40, 80, 160))
            c.poly([(cx, cy - 10), (cx + 6, cy), (cx, cy + 10), (cx - 6, cy)], fill=(245, 240, 230))
            for dy in (-44, 44):
                c.rect((cx - 4, cy + dy - 4, cx + 4, cy + dy + 4), fill=(245, 240, 230))
    label_ribbon(c, "Пиротски ћилим")


def jogakbo(c: Canvas):
    cols = [(240, 160, 170), (120, 180, 220), (250, 220, 120), (150, 200, 140), (200, 150, 210), (250, 250, 245),
            (230, 110, 90), (110, 150, 200)]
    cuts = [(0, 0, 90, 70), (90, 0, 170, 50), (170, 0, 256, 90), (0, 70, 60, 150), (60, 70, 130, 130), (90, 50, 170, 70),
            (130, 70, 170, 130), (170, 90, 256, 150), (0, 150, 110, 212), (110, 130, 200, 212), (200, 150, 256, 212),
            (60, 130, 110, 150)]
    for i, box in enumerate(cuts):
        c.rect(box, fill=cols[i % len(cols)], outline=(120, 110, 100), width=2)
    label_ribbon(c, "조각보")


# ---------------------------------------------------------------- objects

def matryoshka(c: Canvas):
    c.rect((0, 0, 256, 256), fill=(250, 240, 220))
    table(c, (200, 150, 90), 190)
    for cx, s, col in ((60, 1.0, (200, 30, 40)), (135, 0.8, (230, 160, 30)), (195, 0.6, (40, 110, 180))):
        base = 200
        c.oval((cx - 34 * s, base - 90 * s, cx + 34 * s, base), fill=col)
        c.circle(cx, base - 100 * s, 26 * s, fill=col)
        c.circle(cx, base - 98 * s, 17 * s, fill=(250, 225, 200))
        c.circle(cx - 6 * s, base - 98 * s, 2 * s + 0.5, fill=BLACK)
        c.circle(cx + 6 * s, base - 98 * s, 2 * s + 0.5, fill=BLACK)
        c.circle(cx - 10 * s, base - 92 * s, 3 * s, fill=(240, 120, 120))
        c.circle(cx + 10 * s, base - 92 * s, 3 * s, fill=(240, 120, 120))
        c.oval((cx - 20 * s, base - 60 * s, cx + 20 * s, base - 8 * s), fill=(250, 245, 230))
        c.circle(cx, base - 34 * s, 9 * s, fill=(220, 40, 60))
        c.circle(cx, base - 34 * s, 4 * s, fill=(250, 210, 60))
    c.text(128, 24, "Матрёшка", 26, (160, 20, 30))


def hanbok(c: Canvas):
    c.rect((0, 0, 256, 256), fill=(240, 235, 245))
    sign(c, "한복 대여", (90, 50, 120), WHITE, px=26)
    c.poly([(128, 70), (70, 90), (40, 130), (60, 140), (90, 110), (90, 130), (166, 130), (166, 110), (196, 140),
            (216, 130), (186, 90)], fill=(250, 210, 60))
    c.poly([(128, 70), (110, 110), (128, 130), (146, 110)], fill=(250, 250, 245))
    c.line([(128, 118), (110, 150)], (200, 30, 60), 4)
    c.line([(128, 118), (122, 160)], (200, 30, 60), 4)
    c.poly([(86, 130), (170, 130), (210, 245), (46, 245)], fill=(220, 50, 90))
    c.line([(60, 232), (196, 232)], (250, 200, 60), 3)
    c.rect((40, 125, 60, 140), fill=(120, 60, 160))
    c.rect((196, 125, 216, 140), fill=(120, 60, 160))


def rubik(c: Canvas):
    c.rect((0, 0, 256, 256), fill=(235, 240, 245))
    c.text(128, 26, "Rubik-kocka", 26, (30, 30, 30))
    top = [(128, 60), (210, 100), (128, 140), (46, 100)]
    faces = {
        "top": ((128, 60), (82 / 3, 40 / 3), (-82 / 3, 40 / 3), [(255, 255, 255), (255, 210, 0)]),
        "left": ((46, 100), (82 / 3, 40 / 3), (0, 90 / 3), [(200, 20, 30), (0, 150, 70)]),
        "right": ((128, 140), (82 / 3, -40 / 3), (0, 90 / 3), [(0, 80, 200), (255, 120, 0)]),
    }
    del top
    for k, (origin, u, v, cols) in faces.items():
        for i in range(3):
            for j in range(3):
                ox, oy = origin[0] + u[0] * i + v[0] * j, origin[1] + u[1] * i + v[1] * j
                pts = [(ox, oy), (ox + u[0], oy + u[1]), (ox + u[0] + v[0], oy + u[1] + v[1]), (ox + v[0], oy + v[1])]
                c.poly(pts, fill=cols[(i * 3 + j) % 2 if (i + j) % 3 else 0], outline=(20, 20, 20), width=3)


def tuktuk(c: Canvas):
    sky(c, (150, 200, 240), (240, 240, 230), 0, 170)
    c.rect((0, 170, 256, 256), fill=(110, 110, 115))
    for x in range(0, 256, 40):
        c.rect((x, 210, x + 22, 214), fill=(240, 240, 240))
    sign(c, "ตุ๊กตุ๊ก", (30, 60, 150), (255, 220, 60), px=30)
    c.rect((60, 100, 200, 108), fill=(30, 60, 150))
    c.rect((60, 108, 66, 170), fill=(40, 40, 40))
    c.rect((194, 108, 200, 170), fill=(40, 40, 40))
    c.rect((120, 108, 126, 170), fill=(40, 40, 40))
    c.poly([(40, 170), (60, 130), (120, 130), (120, 185), (40, 185)], fill=(20, 120, 200))
    c.rect((120, 140, 205, 185), fill=(250, 200, 30))
    c.rect((140, 148, 190, 165), fill=(200, 40, 40))
    for x in (60, 180, 205):
        c.circle(x, 190, 14, fill=(30, 30, 30))
        c.circle(x, 190, 6, fill=(170, 170, 170))
    c.circle(44, 150, 6, fill=(255, 240, 160))


def nonla(c: Canvas):
    sky(c, (170, 210, 240), (230, 240, 235), 0, 120)
    c.rect((0, 120, 256, 256), fill=(120, 180, 70))
    for y in range(130, 256, 14):
        c.line([(0, y), (256, y - 10)], (90, 150, 50), 2)
    c.poly([(40, 170), (128, 60), (216, 170)], fill=(235, 215, 160), outline=(170, 140, 80), width=2)
    c.chord((40, 155, 216, 185), 0, 180, fill=(215, 190, 130))
    for i in range(1, 6):
        t = i / 6
        c.line([(128 - 88 * t, 60 + 110 * t), (128 + 88 * t, 60 + 110 * t)], (190, 160, 100), 2)
    c.line([(80, 180), (128, 215), (176, 180)], (200, 40, 60), 3)
    caption(c, "Nón lá", px=22)


# ---------------------------------------------------------------- flags

def _flag_ma(c, x0, y0, w, h):
    c.rect((x0, y0, x0 + w, y0 + h), fill=(193, 39, 45))
    pentagram(c, x0 + w / 2, y0 + h / 2 + 2, h * 0.33, (0, 98, 51), 4)


def _flag_cz(c, x0, y0, w, h):
    c.rect((x0, y0, x0 + w, y0 + h / 2), fill=WHITE)
    c.rect((x0, y0 + h / 2, x0 + w, y0 + h), fill=(215, 20, 26))
    c.poly([(x0, y0), (x0 + w / 2, y0 + h / 2), (x0, y0 + h)], fill=(17, 69, 126))


def _stripes(cols):
    def draw(c, x0, y0, w, h):
        total = sum(n for _, n in cols)
        y = y0
        for col, n in cols:
            c.rect((x0, y, x0 + w, y + h * n / total), fill=col)
            y += h * n / total
    return draw


def _flag_vi(c, x0, y0, w, h):
    c.rect((x0, y0, x0 + w, y0 + h), fill=(218, 37, 29))
    star(c, x0 + w / 2, y0 + h / 2 + 3, h * 0.34, fill=(255, 255, 0))


def _flag_ko(c, x0, y0, w, h):
    c.rect((x0, y0, x0 + w, y0 + h), fill=WHITE, outline=(200, 200, 200))
    cx, cy, r = x0 + w / 2, y0 + h / 2, h / 4
    ang = math.degrees(math.atan2(2, 3))
    c.pie((cx - r, cy - r, cx + r, cy + r), 180 + ang, 360 + ang, fill=(205, 46, 58))
    c.pie((cx - r, cy - r, cx + r, cy + r), ang, 180 + ang, fill=(0, 71, 160))
    dx, dy = r / 2 * math.cos(math.radians(ang)), r / 2 * math.sin(math.radians(ang))
    c.circle(cx - dx, cy - dy, r / 2, fill=(0, 71, 160))
    c.circle(cx + dx, cy + dy, r / 2, fill=(205, 46, 58))
    # trigrams (geon, gon, gam, ri), drawn as short bars along the diagonals
    for (sx, sy), bars in (((-1, -1), "111"), ((1, 1), "000"), ((1, -1), "010"), ((-1, 1), "101")):
        tx, ty = cx + sx * w * 0.33, cy + sy * h * 0.32
        for k, bit in enumerate(bars):
            off = (k - 1) * 7
            a = math.radians(-sx * sy * 56)
            ux, uy = math.cos(a), math.sin(a)
            px_, py_ = -uy * off, ux * off
            if bit == "1":
                c.line([(tx + px_ - ux * 12, ty + py_ - uy * 12), (tx + px_ + ux * 12, ty + py_ + uy * 12)], BLACK, 4)
            else:
                for s0, s1 in ((-12, -2), (2, 12)):
                    c.line([(tx + px_ + ux * s0, ty + py_ + uy * s0), (tx + px_ + ux * s1, ty + py_ + uy * s1)], BLACK, 4)


FLAGS = {
    "ma": _flag_ma, "cz": _flag_cz, "vi": _flag_vi, "ko": _flag_ko,
    "hu": _stripes([((205, 42, 62), 1), (WHITE, 1), ((67, 111, 77), 1)]),
    "ru": _stripes([(WHITE, 1), ((0, 57, 166), 1), ((213, 43, 30), 1)]),
    "sr": _stripes([((198, 54, 60), 1), ((12, 64, 118), 1), (WHITE, 1)]),
    "th": _stripes([((165, 25, 49), 1), (WHITE, 1), ((45, 42, 74), 2), (WHITE, 1), ((165, 25, 49), 1)]),
}


def flag_scene(code: str, label: str) -> Callable[[Canvas], None]:
    def draw(c: Canvas):
        sky(c, (90, 160, 230), (200, 225, 245), 0, 256)
        c.rect((0, 190, 256, 256), fill=(110, 160, 80))
        c.rect((36, 20, 42, 200), fill=(150, 150, 155))
        c.circle(39, 18, 5, fill=(220, 190, 60))
        FLAGS[code](c, 42, 30, 180, 120)
        caption(c, label, px=22)
    return draw


# ---------------------------------------------------------------- street signs and shop fronts

def street_sign(lines: list[tuple[str, int]], bg: Color, fg: Color, wall: Color = (200, 190, 175)):
    def draw(c: Canvas):
        c.rect((0, 0, 256, 256), fill=wall)
        dark = tuple(max(0, v - 22) for v in wall)
        for y in range(0, 256, 20):
            off = 0 if (y // 20) % 2 else 24
            c.line([(0, y), (256, y)], dark, 1)
            for x in range(off, 256, 48):
                c.line([(x, y), (x, y + 20)], dark, 1)
        c.rect((24, 70, 232, 186), fill=bg, outline=fg, width=4, r=6)
        c.rect((31, 77, 225, 179), outline=fg, width=1, r=4)
        n = len(lines)
        for i, (s, px) in enumerate(lines):
            c.text(128, 128 + (i - (n - 1) / 2) * 36, s, px, fg, max_w=180)
        for x, y in ((36, 82), (220, 82), (36, 174), (220, 174)):
            c.circle(x, y, 3, fill=(160, 160, 160))
    return draw


def goods(c: Canvas, kind: str, x0: float, y0: float, x1: float, y1: float):
    """Things in a shop window."""
    c.rect((x0, y1 - 10, x1, y1), fill=(190, 150, 100))
    if kind == "bread":
        for i in range(4):
            x = x0 + 12 + i * (x1 - x0 - 24) / 3.4
            c.oval((x - 16, y1 - 34, x + 16, y1 - 12), fill=(210, 150, 70), outline=(160, 100, 40))
            c.line([(x - 6, y1 - 30), (x - 2, y1 - 16)], (240, 200, 140), 2)
            c.line([(x + 4, y1 - 30), (x + 8, y1 - 16)], (240, 200, 140), 2)
        c.circle(x0 + 30, y1 - 52, 13, fill=(220, 170, 90), outline=(160, 100, 40))
        c.circle(x1 - 30, y1 - 52, 13, fill=(220, 170, 90), outline=(160, 100, 40))
    elif kind == "books":
        cols = [(180, 40, 40), (40, 90, 160), (60, 140, 70), (220, 170, 40), (110, 60, 140), (40, 40, 40)]
        x = x0 + 6
        i = 0
        while x < x1 - 14:
            wdt = 10 + (i * 3) % 7
            hgt = 40 + (i * 11) % 20
            c.rect((x, y1 - 10 - hgt, x + wdt, y1 - 10), fill=cols[i % len(cols)], outline=(30, 30, 30))
            x += wdt + 1
            i += 1
    elif kind == "flowers":
        for i in range(5):
            x = x0 + 16 + i * (x1 - x0 - 32) / 4
            c.poly([(x - 10, y1 - 10), (x + 10, y1 - 10), (x + 7, y1 - 28), (x - 7, y1 - 28)], fill=(190, 100, 60))
            c.line([(x, y1 - 28), (x, y1 - 50)], (60, 140, 60), 2)
            col = [(230, 40, 70), (250, 200, 40), (240, 130, 180), (140, 80, 200), (250, 250, 250)][i]
            for j in range(5):
                a = math.radians(j * 72)
                c.circle(x + 5 * math.cos(a), y1 - 54 + 5 * math.sin(a), 4, fill=col)
            c.circle(x, y1 - 54, 3, fill=(250, 220, 60))
    elif kind == "fruit":
        for i in range(3):
            x = x0 + 22 + i * (x1 - x0 - 44) / 2
            c.chord((x - 22, y1 - 40, x + 22, y1 - 4), 0, 180, fill=(170, 120, 60))
            col = [(250, 150, 30), (240, 210, 40), (200, 30, 50)][i]
            for j in range(3):
                c.circle(x - 10 + j * 10, y1 - 26, 7, fill=col)
    elif kind == "cups":
        for i in range(3):
            x = x0 + 20 + i * (x1 - x0 - 40) / 2
            c.rect((x - 12, y1 - 36, x + 12, y1 - 12), fill=WHITE, outline=(120, 80, 50), width=2, r=3)
            c.arc((x + 6, y1 - 32, x + 22, y1 - 18), 270, 90, (120, 80, 50), 3)
            steam(c, (x,), y1 - 40, (150, 130, 120))
    elif kind == "spices":
        for i, col in enumerate(((220, 120, 30), (200, 40, 30), (240, 200, 40), (120, 80, 40))):
            x = x0 + 18 + i * (x1 - x0 - 36) / 3
            c.chord((x - 16, y1 - 34, x + 16, y1 - 8), 0, 180, fill=(160, 110, 60))
            c.chord((x - 14, y1 - 44, x + 14, y1 - 14), 180, 360, fill=col)


def shop(name: str, kind: str, facade: Color, awning: tuple[Color, Color], sign_bg: Color, sign_fg: Color):
    def draw(c: Canvas):
        c.rect((0, 0, 256, 256), fill=facade)
        c.rect((0, 236, 256, 256), fill=(150, 150, 150))
        sign(c, name, sign_bg, sign_fg, y=14, h=46, px=28)
        for i in range(8):
            c.poly([(i * 32, 70), (i * 32 + 32, 70), (i * 32 + 32, 96), (i * 32, 96)], fill=awning[i % 2])
        for i in range(8):
            c.chord((i * 32, 84, i * 32 + 32, 108), 0, 180, fill=awning[i % 2])
        c.rect((16, 116, 168, 224), fill=(200, 225, 235), outline=(90, 70, 50), width=4)
        goods(c, kind, 20, 130, 164, 220)
        c.rect((182, 116, 240, 236), fill=(110, 70, 40), outline=(70, 45, 25), width=3)
        c.rect((190, 126, 232, 176), fill=(200, 225, 235))
        c.circle(190, 196, 3, fill=(230, 200, 80))
    return draw


# ---------------------------------------------------------------- the scene table (languages are data)

SCENES: dict[str, Callable[[Canvas], None]] = {
    # Arabic
    "ar/couscous": couscous, "ar/ramadan": ramadan, "ar/pyramids": pyramids, "ar/coffee": dallah,
    "ar/zellige": zellige, "ar/dates": dates,
    "ar/flag_morocco": flag_scene("ma", "المغرب"),
    "ar/street": street_sign([("شارع الاستقلال", 30)], (20, 80, 150), WHITE),
    "ar/bakery": shop("مخبز", "bread", (235, 220, 190), ((30, 110, 70), WHITE), (30, 110, 70), WHITE),
    "ar/spices": shop("توابل", "spices", (225, 200, 160), ((180, 60, 30), (250, 220, 150)), (120, 50, 20), (250, 220, 150)),
    "ar/bookshop": shop("مكتبة", "books", (210, 225, 235), ((20, 60, 120), WHITE), (20, 60, 120), WHITE),
    "ar/mosque": mosque,
    # Czech
    "cs/orloj": orloj, "cs/svickova": svickova, "cs/velikonoce": velikonoce, "cs/karluv_most": karluv_most,
    "cs/pivo": beer, "cs/vanoce": vanoce,
    "cs/flag": flag_scene("cz", "Česká republika"),
    "cs/street": street_sign([("Národní", 34)], (190, 30, 40), WHITE),
    "cs/bakery": shop("Pekařství", "bread", (245, 235, 210), ((190, 40, 40), WHITE), (120, 60, 30), WHITE),
    "cs/flowers": shop("Květinářství", "flowers", (225, 240, 220), ((40, 130, 70), WHITE), (40, 130, 70), WHITE),
    "cs/bookshop": shop("Knihkupectví", "books", (240, 230, 200), ((30, 60, 120), (240, 230, 200)), (30, 60, 120), WHITE),
    "cs/castle": castle,
    # Hungarian
    "hu/gulyas": gulyas, "hu/parliament": parliament, "hu/kalocsa": kalocsa, "hu/langos": langos,
    "hu/paprika": paprika, "hu/rubik": rubik,
    "hu/flag": flag_scene("hu", "Magyarország"),
    "hu/street": street_sign([("VI. kerület", 22), ("Andrássy út", 32)], WHITE, BLACK),
    "hu/bakery": shop("Pékség", "bread", (250, 240, 215), ((60, 110, 170), WHITE), (60, 110, 170), WHITE),
    "hu/flowers": shop("Virágbolt", "flowers", (245, 225, 230), ((200, 60, 110), WHITE), (200, 60, 110), WHITE),
    "hu/bookshop": shop("Könyvesbolt", "books", (225, 230, 215), ((90, 60, 40), (230, 210, 160)), (90, 60, 40), (250, 230, 170)),
    "hu/lanchid": lanchid,
    # Korean
    "ko/gyeongbokgung": gyeongbokgung, "ko/bibimbap": bibimbap, "ko/hanbok": hanbok, "ko/chuseok": chuseok,
    "ko/kimchi": kimchi, "ko/taegukgi": flag_scene("ko", "태극기"),
    "ko/street": street_sign([("세종대로", 38), ("Sejong-daero", 20)], (20, 80, 160), WHITE),
    "ko/bakery": shop("빵집", "bread", (250, 235, 220), ((230, 120, 40), WHITE), (230, 120, 40), WHITE),
    "ko/flowers": shop("꽃집", "flowers", (235, 245, 235), ((230, 110, 150), WHITE), (230, 110, 150), WHITE),
    "ko/bookshop": shop("서점", "books", (230, 230, 240), ((50, 70, 140), WHITE), (50, 70, 140), WHITE),
    "ko/cafe": shop("카페", "cups", (240, 230, 215), ((90, 60, 40), (240, 230, 215)), (90, 60, 40), WHITE),
    "ko/jogakbo": jogakbo,
    # Russian
    "ru/basil": basil, "ru/matryoshka": matryoshka, "ru/borscht": borscht, "ru/samovar": samovar,
    "ru/khokhloma": khokhloma, "ru/maslenitsa": maslenitsa,
    "ru/flag": flag_scene("ru", "Россия"),
    "ru/street": street_sign([("Тверская", 34), ("улица", 26)], (20, 70, 150), WHITE),
    "ru/bakery": shop("Булочная", "bread", (240, 225, 200), ((150, 30, 40), (240, 225, 200)), (150, 30, 40), WHITE),
    "ru/bookshop": shop("Книги", "books", (220, 230, 240), ((30, 90, 60), WHITE), (30, 90, 60), WHITE),
    "ru/flowers": shop("Цветы", "flowers", (250, 235, 240), ((160, 60, 160), WHITE), (160, 60, 160), WHITE),
    "ru/cafe": shop("Кафе", "cups", (235, 225, 210), ((40, 40, 40), (230, 190, 80)), (40, 40, 40), (230, 190, 80)),
    # Serbian
    "sr/cevapi": cevapi, "sr/saint_sava": saint_sava, "sr/slava": slava, "sr/pirot": pirot, "sr/ajvar": ajvar,
    "sr/rakija": rakija,
    "sr/flag": flag_scene("sr", "Србија"),
    "sr/street": street_sign([("Кнез Михаилова", 28), ("Knez Mihailova", 22)], (20, 60, 130), WHITE),
    "sr/bakery": shop("Пекара", "bread", (240, 230, 210), ((200, 120, 30), WHITE), (200, 120, 30), WHITE),
    "sr/bookshop": shop("Knjižara", "books", (230, 235, 225), ((120, 30, 40), WHITE), (120, 30, 40), WHITE),
    "sr/flowers": shop("Cvećara", "flowers", (240, 250, 235), ((60, 150, 60), WHITE), (60, 150, 60), WHITE),
    "sr/kafana": shop("Кафана", "cups", (230, 215, 190), ((110, 40, 30), (230, 215, 190)), (110, 40, 30), WHITE),
    # Thai
    "th/padthai": padthai, "th/wat_arun": wat_arun, "th/songkran": songkran, "th/tomyum": tomyum,
    "th/tuktuk": tuktuk, "th/loy_krathong": loy_krathong,
    "th/flag": flag_scene("th", "ประเทศไทย"),
    "th/street": street_sign([("ถนนเยาวราช", 34), ("Yaowarat Rd.", 20)], (20, 70, 150), WHITE),
    "th/fruit": shop("ร้านผลไม้", "fruit", (250, 240, 210), ((60, 160, 60), (250, 220, 60)), (60, 160, 60), WHITE),
    "th/bookshop": shop("ร้านหนังสือ", "books", (225, 235, 245), ((30, 80, 160), WHITE), (30, 80, 160), WHITE),
    "th/cafe": shop("ร้านกาแฟ", "cups", (235, 225, 210), ((100, 60, 30), (240, 225, 200)), (100, 60, 30), WHITE),
    "th/flowers": shop("ร้านดอกไม้", "flowers", (250, 235, 240), ((220, 90, 140), WHITE), (220, 90, 140), WHITE),
    # Vietnamese
    "vi/pho": pho, "vi/one_pillar": one_pillar, "vi/tet": tet, "vi/nonla": nonla, "vi/banhmi": banhmi,
    "vi/caphe": caphe,
    "vi/flag": flag_scene("vi", "Việt Nam"),
    "vi/street": street_sign([("PHỐ HÀNG BẠC", 30)], (20, 70, 160), WHITE),
    "vi/bakery": shop("Tiệm bánh", "bread", (250, 240, 220), ((200, 40, 40), (250, 220, 80)), (200, 40, 40), (250, 220, 80)),
    "vi/bookshop": shop("Hiệu sách", "books", (230, 240, 230), ((40, 110, 80), WHITE), (40, 110, 80), WHITE),
    "vi/flowers": shop("Cửa hàng hoa", "flowers", (250, 240, 245), ((230, 100, 150), WHITE), (230, 100, 150), WHITE),
    "vi/fruit": shop("Hoa quả", "fruit", (245, 245, 220), ((40, 140, 60), WHITE), (40, 140, 60), WHITE),
}


def main(argv: list[str]) -> int:
    if not features.check("raqm"):
        print("Pillow lacks libraqm: Arabic would be unshaped and Thai marks misplaced. Install a Pillow wheel with raqm.",
              file=sys.stderr)
        return 2
    names = argv or sorted(SCENES)
    for name in names:
        canvas = Canvas()
        SCENES[name](canvas)
        out = HERE / "images" / f"{name}.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        canvas.save(out)
        print(f"{out.relative_to(HERE)}  {out.stat().st_size} B")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
