"""The one font of the platform's documents (reports, apology letters): TeX Gyre Termes, shipped with the
platform in shared/fonts/.

Decree 30/2020/NĐ-CP (Phụ lục I) asks administrative documents for a Vietnamese Unicode font (TCVN 6909:2001),
in practice Times New Roman. Termes is a Times-metric serif with every Vietnamese letter (its Vietnamese was
added by Hàn Thế Thành), so no letter such as ế or ồ falls back to another font in the middle of a word, and a
PDF looks the same on every machine and in every image, whatever fonts the system has. License: GUST Font
License (shared/fonts/GUST-FONT-LICENSE.txt).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

FONTS = Path(__file__).with_name("fonts")
FAMILY = "TeX Gyre Termes"
_FACES = (("regular", "normal", "normal"), ("bold", "bold", "normal"), ("italic", "normal", "italic"),
          ("bolditalic", "bold", "italic"))


@cache
def font_face_css() -> str:
    """@font-face rules for WeasyPrint, by file address (no network, no system font looked up)."""
    return "\n".join(
        f'@font-face {{ font-family: "{FAMILY}"; src: url("{(FONTS / f"texgyretermes-{name}.otf").as_uri()}"); '
        f"font-weight: {weight}; font-style: {style}; }}"
        for name, weight, style in _FACES)


def register_with_matplotlib() -> str:
    """Make the family known to matplotlib (charts measure their text with it); returns the family name."""
    from matplotlib import font_manager

    known = {entry.fname for entry in font_manager.fontManager.ttflist}
    for name, _, _ in _FACES:
        path = str(FONTS / f"texgyretermes-{name}.otf")
        if path not in known:
            font_manager.fontManager.addfont(path)
    return FAMILY
