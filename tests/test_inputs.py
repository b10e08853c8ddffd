"""Reading images the way a person sees them."""

from __future__ import annotations

from PIL import Image

from hawkcli.inputs import to_rgb


def test_transparency_is_composited_onto_white():
    rgba = Image.new("RGBA", (4, 2), (0, 0, 0, 0))  # fully transparent black
    rgba.putpixel((1, 0), (255, 0, 0, 255))  # one opaque red pixel
    rgba.putpixel((2, 0), (0, 0, 255, 128))  # half-transparent blue
    out = to_rgb(rgba)
    assert out.mode == "RGB"
    assert out.getpixel((0, 0)) == (255, 255, 255)
    assert out.getpixel((1, 0)) == (255, 0, 0)
    r, g, b = out.getpixel((2, 0))
    assert 120 <= r <= 135 and r == g and b == 255
    assert to_rgb(Image.new("LA", (1, 1), (0, 0))).getpixel((0, 0)) == (255, 255, 255)


def test_palette_transparency_and_plain_images():
    pal = Image.new("P", (2, 1), 0)
    pal.putpalette([0, 0, 0, 10, 20, 30] + [0] * 762)
    pal.putpixel((1, 0), 1)
    pal.info["transparency"] = 0
    assert to_rgb(pal).getpixel((0, 0)) == (255, 255, 255) and to_rgb(pal).getpixel((1, 0)) == (10, 20, 30)
    gray = Image.new("L", (1, 1), 7)
    assert to_rgb(gray).getpixel((0, 0)) == (7, 7, 7)
