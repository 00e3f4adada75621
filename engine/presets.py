"""Marketplace and social presets: ONE table, each row with the rule it comes from.

A preset fixes what the platform fixes (canvas size, background, fill) and leaves the rest to the
recipe. Rules are paraphrased from each platform's seller or help documentation as of 2025-2026;
they change, so each row says where its numbers come from.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.errors import RecipeError


@dataclass(frozen=True)
class Preset:
    name: str
    label: str
    width: int
    height: int
    fill: float  # the product's share of the canvas along its limiting side
    margin: float
    background: str | None  # "#rrggbb" the platform requires, or None (the chosen template is kept)
    shadow: str | None  # shadow style forced by the rule ("contact" keeps the backdrop clean), or None
    format: str  # the file type the platform prefers
    rule: str  # the platform rule this row encodes, briefly, with its source
    min_short: int | None = None  # px the rule asks of the shorter output side, if any
    min_long: int | None = None  # px the rule asks of the longer output side, if any
    max_bytes: int | None = None  # the platform's upload limit for one file, if its rule states one

    @property
    def aspect(self) -> str:
        from math import gcd

        g = gcd(self.width, self.height)
        return f"{self.width // g}:{self.height // g}"


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "amazon",
            "Amazon main image",
            2000,
            2000,
            0.85,
            0.05,
            "#ffffff",
            "contact",
            "jpg",
            "Amazon Seller Central product image requirements: MAIN image on a pure white background "
            "(RGB 255,255,255); the product fills at least 85% of the frame; 1,000 px or larger on "
            "the longest side enables zoom, 1,600 px+ recommended, 10,000 px max; files up to 10 MB; "
            "JPEG preferred.",
            min_long=1000,
            max_bytes=10 * 1024 * 1024,
        ),
        Preset(
            "instagram-square",
            "Instagram square post",
            1080,
            1080,
            0.75,
            0.06,
            None,
            None,
            "jpg",
            "Instagram help centre: square feed posts are shown at 1080 x 1080 px (1:1).",
        ),
        Preset(
            "instagram-portrait",
            "Instagram portrait post",
            1080,
            1350,
            0.72,
            0.06,
            None,
            None,
            "jpg",
            "Instagram help centre: portrait feed posts are 1080 x 1350 px (4:5), the tallest feed crop.",
        ),
        Preset(
            "instagram-story",
            "Instagram story / reel",
            1080,
            1920,
            0.6,
            0.08,
            None,
            None,
            "jpg",
            "Instagram help centre: stories and reels are full-screen 1080 x 1920 px (9:16); keep the "
            "product clear of the top and bottom UI bands.",
        ),
        Preset(
            "flipkart",
            "Flipkart listing",
            1500,
            1500,
            0.85,
            0.05,
            "#ffffff",
            "contact",
            "jpg",
            "Flipkart seller listing guidelines: primary image on a white or light background, "
            "product centred and covering about 80-85% of the frame, minimum 500 x 500 px with "
            "1000 x 1000 px or more recommended for zoom, square preferred, JPEG.",
            min_short=500,
        ),
        Preset(
            "shopify",
            "Shopify product",
            2048,
            2048,
            0.8,
            0.05,
            None,
            None,
            "jpg",
            "Shopify help centre: square product images display best at 2048 x 2048 px; uploads up "
            "to 5000 x 5000 px / 20 MB; keep one aspect ratio across a collection.",
            max_bytes=20 * 1024 * 1024,
        ),
        Preset(
            "etsy",
            "Etsy listing",
            2000,
            2000,
            0.75,
            0.06,
            None,
            None,
            "jpg",
            "Etsy help centre: listing photos at least 2000 px on the shortest side (72 PPI); square is "
            "our choice so the search thumbnail crop never cuts the product.",
            min_short=2000,
        ),
        Preset(
            "ebay",
            "eBay listing",
            1600,
            1600,
            0.85,
            0.05,
            "#ffffff",
            "contact",
            "jpg",
            "eBay picture policy: at least 500 px on the longest side, 1600 px recommended for zoom; "
            "white or light-grey background preferred; no borders, text or watermarks.",
            min_long=500,
        ),
        Preset(
            "myntra",
            "Myntra catalogue",
            1500,
            2000,
            0.8,
            0.05,
            "#f2f2f2",
            "contact",
            "jpg",
            "Myntra image guidelines (partner portal, via Fynd docs): 1080 x 1440 px or more at a "
            "3:4 aspect ratio, JPEG only, white or light-grey background, natural soft shadows.",
            min_short=1080,
        ),
    )
}


def get_preset(name: str) -> Preset:
    key = str(name).strip().lower()
    if key not in PRESETS:
        raise RecipeError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    return PRESETS[key]
