"""The list of built-in templates. Each entry is a family renderer plus the parameters a designer chose.

Ids are stable slugs: never rename one (jobs and sellers refer to them); bump `version` when a change
alters the pixels, so seeded copies and cached thumbnails refresh.

This module is data: it names families by string and imports no renderer (`engine.templates.families`
registers them), so the catalogue and the renderers never import each other.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from engine.templates.solid import solid
from engine.templates.spec import TemplateSpec

# Light direction convention (spec.py): degrees the light comes FROM, 0 = right, 90 = top, counter-clockwise.
TOP_LEFT, TOP, TOP_RIGHT = 125.0, 90.0, 55.0


class _FromId:
    """A parameter to be derived from the template's id (see `id_seed`), marked where it is written."""

    def __init__(self, phase_step: float | None = None) -> None:
        self.phase_step = phase_step

    def value(self, seed: int) -> int | float:
        return seed if self.phase_step is None else (seed % 1000) * self.phase_step


SEED = _FromId()  # a random seed
PHASE = _FromId(0.7)  # a pattern phase, in the units the duotone family reads


def id_seed(template_id: str) -> int:
    """A template's random seed from its id alone, so inserting or reordering templates never changes
    another template's pixels (it used to be the position in this list)."""
    return int.from_bytes(hashlib.sha256(template_id.encode("utf-8")).digest()[:3], "big")


def T(
    id: str,
    name: str,
    category: str,
    family: str,
    params: dict,
    *,
    tags: tuple[str, ...] = (),
    floor: float | None = 0.8,
    light: tuple[float, float] = (TOP_LEFT, 0.75),
    shadow: str = "contact",
    version: int = 1,
    stage: float | None = None,
) -> TemplateSpec:
    if any(isinstance(v, _FromId) for v in params.values()):
        seed = id_seed(id)
        params = {k: v.value(seed) if isinstance(v, _FromId) else v for k, v in params.items()}
        version = max(version, 2)  # seeds came from list positions before: these pixels changed
    return TemplateSpec(
        id=id,
        name=name,
        category=category,
        tags=tuple(tags),
        floor_line=floor,
        light_direction=light[0],
        light_softness=light[1],
        shadow_style=shadow,
        source="builtin",
        version=version,
        stage_width=stage,
        extra={"family": family, "params": params},
    )


STUDIO = [
    ("white", "White Studio", "#f5f4f1", ("white", "clean", "minimal")),
    ("warm-white", "Warm White Studio", "#f4eee4", ("white", "warm")),
    ("light-grey", "Light Grey Studio", "#dedede", ("grey", "neutral")),
    ("stone-grey", "Stone Grey Studio", "#bdbab4", ("grey", "neutral")),
    ("charcoal", "Charcoal Studio", "#4b4c50", ("grey", "dark")),
    ("black", "Black Studio", "#232325", ("black", "dark", "dramatic")),
    ("blue", "Blue Background", "#4d86d4", ("blue", "bold")),
    ("sky-blue", "Sky Blue Studio", "#a8cbe9", ("blue", "light")),
    ("powder-blue", "Powder Blue Studio", "#cddcec", ("blue", "pastel")),
    ("navy", "Navy Studio", "#26365a", ("blue", "dark")),
    ("teal", "Teal Studio", "#2f7c83", ("teal", "bold")),
    ("mint", "Mint Studio", "#c3e4d5", ("green", "pastel", "fresh")),
    ("sage", "Sage Studio", "#aebb9f", ("green", "muted", "natural")),
    ("olive", "Olive Studio", "#7f8259", ("green", "earthy")),
    ("forest", "Forest Green Studio", "#2f4c3d", ("green", "dark")),
    ("blush", "Blush Pink Studio", "#f1d5d0", ("pink", "pastel", "soft")),
    ("rose", "Dusty Rose Studio", "#d49a9a", ("pink", "muted")),
    ("peach", "Peach Studio", "#f5cba9", ("orange", "pastel", "warm")),
    ("coral", "Coral Studio", "#ec8b74", ("orange", "bold", "warm")),
    ("terracotta", "Terracotta Studio", "#c06b4c", ("orange", "earthy")),
    ("mustard", "Mustard Studio", "#d6a63c", ("yellow", "bold")),
    ("butter", "Butter Yellow Studio", "#f4e3a4", ("yellow", "pastel")),
    ("lavender", "Lavender Studio", "#cdc2e6", ("purple", "pastel")),
    ("plum", "Plum Studio", "#5e3a58", ("purple", "dark")),
    ("sand", "Sand Studio", "#e2d3bc", ("beige", "natural", "warm")),
    ("red", "Red Studio", "#c33b33", ("red", "bold")),
]


GRADIENTS = [
    ("sunrise", "Sunrise Gradient", ["#fbd3b0", "#f6a6a1", "#c9a4d8"], 100, ("warm", "pink", "orange")),
    ("ocean", "Ocean Gradient", ["#d7eef2", "#7fc2d6", "#2f6f9f"], 80, ("blue", "teal", "cool")),
    ("dusk", "Dusk Gradient", ["#2b2d5c", "#6b4d8c", "#e7a1a1"], 95, ("purple", "evening")),
    ("citrus", "Citrus Gradient", ["#fff4c9", "#ffd37a", "#f79c5b"], 60, ("yellow", "orange", "summer")),
    ("mint-sky", "Mint Sky Gradient", ["#e9f7ef", "#bfe6dc", "#9fc8e8"], 100, ("green", "blue", "fresh")),
    ("steel", "Steel Gradient", ["#f1f3f5", "#c9d0d8", "#7f8b99"], 90, ("grey", "blue", "tech")),
    ("rose-gold", "Rose Gold Gradient", ["#fbe9e2", "#eab8a8", "#b98274"], 75, ("pink", "gold", "beauty")),
    ("forest-mist", "Forest Mist Gradient", ["#eef2e6", "#a9c1a1", "#4f6f5a"], 90, ("green", "natural")),
]

MESHES = [
    (
        "aurora",
        "Aurora Mesh",
        "#17233f",
        [(-0.5, -0.5, 0.55, "#2aa198"), (0.45, -0.3, 0.5, "#6c5ce7"), (0.0, 0.35, 0.6, "#0f4c75")],
        ("dark", "teal", "purple"),
    ),
    (
        "peach-fuzz",
        "Peach Fuzz Mesh",
        "#ffe6d5",
        [(-0.45, -0.4, 0.5, "#ffc6a8"), (0.5, 0.2, 0.55, "#f7a8b8"), (0.1, -0.6, 0.4, "#fff1c1")],
        ("peach", "warm", "soft"),
    ),
    (
        "lagoon",
        "Lagoon Mesh",
        "#dff6f3",
        [(-0.5, 0.1, 0.55, "#8fd6cf"), (0.45, -0.45, 0.5, "#a7c7f2"), (0.2, 0.45, 0.45, "#d5f0c0")],
        ("teal", "blue", "fresh"),
    ),
    (
        "berry",
        "Berry Mesh",
        "#3a1030",
        [(-0.45, -0.35, 0.55, "#a8326e"), (0.5, 0.25, 0.5, "#5b2a86"), (0.0, 0.55, 0.45, "#d9577a")],
        ("pink", "purple", "bold"),
    ),
    (
        "golden-hour",
        "Golden Hour Mesh",
        "#fbe3c0",
        [(-0.5, -0.5, 0.6, "#ffd08a"), (0.55, 0.0, 0.55, "#f4a38c"), (-0.1, 0.5, 0.5, "#f9ecd8")],
        ("gold", "warm", "sunlight"),
    ),
    (
        "nordic",
        "Nordic Mesh",
        "#e9edf0",
        [(-0.5, -0.3, 0.55, "#cfdce6"), (0.5, 0.3, 0.5, "#e6ddd3"), (0.0, -0.6, 0.45, "#f6f7f8")],
        ("grey", "neutral", "calm"),
    ),
]

DUOTONES = [
    ("sand-sea", "Sand and Sea Duotone", "#e9dcc6", "#9cc3c9", 20.0, ("beige", "teal")),
    ("blush-plum", "Blush and Plum Duotone", "#f3d7d3", "#7d4a6b", -15.0, ("pink", "purple")),
    ("mustard-navy", "Mustard and Navy Duotone", "#e3b04b", "#23355b", 25.0, ("yellow", "blue", "bold")),
    ("sage-cream", "Sage and Cream Duotone", "#f2ecdf", "#a3b59a", -20.0, ("green", "beige")),
    ("coral-teal", "Coral and Teal Duotone", "#f3a08a", "#2f7c83", 15.0, ("orange", "teal", "bold")),
    ("grey-white", "Grey and White Duotone", "#f4f4f2", "#c9c9c6", 10.0, ("grey", "white", "minimal")),
]

RADIALS = [
    ("spotlight-grey", "Grey Spotlight", ["#f7f7f7", "#cfcfcf", "#8e8e8e"], ("grey", "spotlight")),
    ("spotlight-blue", "Blue Spotlight", ["#dbe9fb", "#6d9ee0", "#23467f"], ("blue", "spotlight")),
    ("spotlight-warm", "Warm Spotlight", ["#fff4e3", "#e9c9a0", "#8c6a4f"], ("beige", "warm", "spotlight")),
]

MARBLES = [
    ("carrara", "Carrara Marble", {"base": "#f2f1ee", "vein": "#9a9ea3", "angle": 35}, ("white", "grey")),
    (
        "calacatta",
        "Calacatta Gold Marble",
        {"base": "#f6f2ea", "vein": "#a89677", "gold": "#c8a35a", "angle": 50, "freq": 3.5},
        ("white", "gold", "luxury"),
    ),
    (
        "nero",
        "Nero Marquina Marble",
        {"base": "#1c1c1e", "base2": "#2a2a2d", "vein": "#d9d6cf", "angle": 25, "vein_strength": 0.6},
        ("black", "luxury", "dark"),
    ),
    (
        "verde",
        "Verde Marble",
        {
            "base": "#1f3b31",
            "base2": "#2a4d40",
            "vein": "#a9c4b5",
            "angle": 60,
            "vein_strength": 0.4,
            "fine": 0.1,
        },
        ("green", "luxury"),
    ),
    (
        "rosa",
        "Rosa Marble",
        {"base": "#f1d9d2", "base2": "#e8c6bd", "vein": "#b58b86", "angle": 30},
        ("pink", "soft"),
    ),
]

WOODS = [
    ("oak", "Light Oak Wood", ["#e8cfa6", "#d2ad7b", "#a97e4f"], ("brown", "natural", "warm")),
    ("walnut", "Walnut Wood", ["#8a6446", "#6b4930", "#3e2819"], ("brown", "dark", "rich")),
    ("birch", "Birch Wood", ["#f3e6cf", "#e6d2b1", "#c9ad86"], ("beige", "light", "scandi")),
    ("teak", "Teak Wood", ["#c58a55", "#a26a3c", "#6d4323"], ("brown", "warm")),
]


PODIUMS = [
    ("white", "White Podium", {"wall": "#ecebe8", "podium": "#f8f7f4"}, ("white", "clean")),
    (
        "grey-blinds",
        "Grey Podium with Window Light",
        {"wall": "#d8d7d4", "podium": "#efeeeb", "blinds": True},
        ("grey", "sunlight", "window"),
    ),
    (
        "sand-leaves",
        "Sand Podium with Leaf Shadows",
        {"wall": "#e9dcc8", "podium": "#f4ece0", "leaves": True},
        ("beige", "natural", "plant"),
    ),
    (
        "blush-arch",
        "Blush Arch Podium",
        {"wall": "#f0dad4", "podium": "#f7e9e4", "arch": "#e6c2b9"},
        ("pink", "arch", "beauty"),
    ),
    (
        "sage-arch",
        "Sage Arch Podium",
        {"wall": "#dfe5d6", "podium": "#eff2ea", "arch": "#b8c6ab"},
        ("green", "arch", "natural"),
    ),
    (
        "terracotta-stack",
        "Terracotta Stacked Podiums",
        {"wall": "#e8bca6", "podium": "#f3d6c8", "others": [(0.45, 0.09, 0.2, "#c97c5e")]},
        ("orange", "earthy"),
    ),
    (
        "lilac-stack",
        "Lilac Stacked Podiums",
        {"wall": "#dcd3ee", "podium": "#efeaf8", "others": [(-0.46, 0.07, 0.19, "#b9a9de")]},
        ("purple", "pastel"),
    ),
    (
        "blue-box",
        "Blue Box Pedestal",
        {"wall": "#bcd2e8", "podium": "#eef3f9", "shape": "box", "radius": 0.28},
        ("blue", "box"),
    ),
    (
        "mint-box",
        "Mint Box Pedestal",
        {"wall": "#cce7da", "podium": "#f0f8f3", "shape": "box", "radius": 0.28, "leaves": True},
        ("green", "box", "fresh"),
    ),
    (
        "peach-arch-leaves",
        "Peach Arch with Leaves",
        {"wall": "#f5d6bf", "podium": "#fbeadd", "arch": "#eebf9f", "leaves": True},
        ("orange", "arch", "summer"),
    ),
    (
        "concrete",
        "Concrete Plinth",
        {"wall": "#bdbcb8", "podium": "#cfcecb", "texture_wall": True, "shape": "box", "radius": 0.3},
        ("grey", "urban", "concrete"),
    ),
    (
        "butter",
        "Butter Yellow Podium",
        {"wall": "#f3dc8f", "podium": "#fbefc8", "others": [(0.42, 0.12, 0.16, "#f6e3a7")]},
        ("yellow", "pastel", "cheerful"),
    ),
]

DARK_PODIUMS = [
    (
        "black-gold",
        "Black and Gold Podium",
        {"wall": "#1d1d20", "podium": "#2c2c30", "bokeh": ["#e9c27a"], "vignette": 0.35},
        ("black", "gold", "bokeh"),
    ),
    (
        "navy-bokeh",
        "Navy Bokeh Podium",
        {"wall": "#1f2c4a", "podium": "#34466e", "bokeh": ["#f3d9a4", "#9fc3ff"], "vignette": 0.35},
        ("blue", "bokeh", "night"),
    ),
    (
        "emerald",
        "Emerald Podium",
        {"wall": "#1b4436", "podium": "#2b5e4c", "bokeh": ["#e8cf8e"], "vignette": 0.35},
        ("green", "gold", "bokeh"),
    ),
    (
        "burgundy-arch",
        "Burgundy Arch Podium",
        {"wall": "#4a1c26", "podium": "#6a2f3a", "arch": "#5c2430", "vignette": 0.3},
        ("red", "arch", "rich"),
    ),
]


PASTELS = [
    # (slug, name, family, params, tags)
    (
        "blush-cream-split",
        "Blush and Cream Split",
        "split",
        {"wall": "#f2d6d0", "floor": "#f6efe6"},
        ("pink", "beige"),
    ),
    ("mint-split", "Mint Split", "split", {"wall": "#cfe8dc", "floor": "#f1f6f2"}, ("green", "fresh")),
    ("lavender-split", "Lavender Split", "split", {"wall": "#d9d0ee", "floor": "#f2eef8"}, ("purple",)),
    ("sky-split", "Baby Blue Split", "split", {"wall": "#cfe0f2", "floor": "#f0f5fa"}, ("blue",)),
    ("lemon-split", "Lemon Split", "split", {"wall": "#f6e8a8", "floor": "#fbf6e1"}, ("yellow", "cheerful")),
    (
        "peach-window",
        "Peach with Window Shadow",
        "split",
        {"wall": "#f6d5bd", "floor": "#f9ebe0", "blinds": True},
        ("orange", "sunlight"),
    ),
    (
        "lilac-window",
        "Lilac with Window Shadow",
        "split",
        {"wall": "#e0d5ef", "floor": "#f5f1fa", "blinds": True, "blinds_strength": 0.06},
        ("purple", "sunlight"),
    ),
    (
        "cotton-candy",
        "Cotton Candy Mesh",
        "mesh",
        {
            "base": "#fdeef4",
            "blobs": [
                (-0.45, -0.4, 0.5, "#f9c6dc"),
                (0.5, 0.1, 0.5, "#c9dcfb"),
                (0.0, 0.55, 0.45, "#e7d6fb"),
            ],
        },
        ("pink", "blue", "dreamy"),
    ),
    (
        "sorbet",
        "Sorbet Mesh",
        "mesh",
        {
            "base": "#fff4e6",
            "blobs": [(-0.5, 0.2, 0.5, "#ffd3b6"), (0.45, -0.4, 0.5, "#d5f0c9"), (0.2, 0.5, 0.45, "#ffe9a8")],
        },
        ("orange", "green", "summer"),
    ),
    (
        "pistachio",
        "Pistachio Mesh",
        "mesh",
        {"base": "#f0f6e6", "blobs": [(-0.45, -0.45, 0.55, "#d3e8be"), (0.5, 0.35, 0.5, "#f5efcf")]},
        ("green", "soft"),
    ),
]

LUXURY = [
    (
        "spot-black",
        "Black Spotlight",
        "sweep_spot",
        {"wall": "#18181a", "glow": "#fff5e6"},
        ("black", "spotlight", "dramatic"),
    ),
    (
        "spot-navy",
        "Midnight Spotlight",
        "sweep_spot",
        {"wall": "#141d33", "glow": "#cfe0ff"},
        ("blue", "spotlight"),
    ),
    (
        "spot-emerald",
        "Emerald Spotlight",
        "sweep_spot",
        {"wall": "#10271f", "glow": "#d8ffe9"},
        ("green", "spotlight"),
    ),
    (
        "spot-burgundy",
        "Burgundy Spotlight",
        "sweep_spot",
        {"wall": "#2a0f15", "glow": "#ffd9d9"},
        ("red", "spotlight"),
    ),
    (
        "spot-chocolate",
        "Chocolate Spotlight",
        "sweep_spot",
        {"wall": "#2a1c15", "glow": "#ffe6c7"},
        ("brown", "spotlight", "warm"),
    ),
    (
        "velvet-black",
        "Black Velvet",
        "velvet",
        {"base": "#111013", "sheen": "#3a3840"},
        ("black", "velvet", "fabric"),
    ),
    (
        "velvet-wine",
        "Wine Velvet",
        "velvet",
        {"base": "#2b0b16", "sheen": "#7a2a44"},
        ("red", "velvet", "fabric"),
    ),
    (
        "velvet-royal",
        "Royal Blue Velvet",
        "velvet",
        {"base": "#0c1638", "sheen": "#2f4ea3"},
        ("blue", "velvet", "fabric"),
    ),
    (
        "brushed-steel",
        "Brushed Steel",
        "brushed",
        {"stops": ["#2a2c30", "#6f7379", "#c9ccd1"]},
        ("grey", "metal"),
    ),
    (
        "brushed-gold",
        "Brushed Gold",
        "brushed",
        {"stops": ["#3a2a12", "#9a7431", "#f0d08a"]},
        ("gold", "metal"),
    ),
    ("glow-gold", "Gold Halo", "glow", {"base": "#121013", "glow": "#d9a84e"}, ("black", "gold", "halo")),
    (
        "glow-violet",
        "Violet Halo",
        "glow",
        {"base": "#0f0c17", "glow": "#7b5cff"},
        ("purple", "neon", "halo"),
    ),
]

FESTIVE = [
    (
        "diwali-diyas",
        "Diwali Diyas",
        "diyas",
        {"wall": "#3a0f14", "floor": "#2a0a0d"},
        ("diwali", "festival", "india", "diya", "red", "gold"),
    ),
    (
        "diwali-marigold",
        "Diwali Marigold",
        "diyas",
        {"wall": "#4a1d0e", "floor": "#2e1208", "marigold": True},
        ("diwali", "festival", "india", "marigold", "orange"),
    ),
    (
        "diwali-lights",
        "Diwali Fairy Lights",
        "lights",
        {"wall": "#2c1236", "bokeh": ["#ffc15e", "#ff8f5e"], "string": "#ffcf70"},
        ("diwali", "festival", "india", "purple", "gold"),
    ),
    (
        "holi-bright",
        "Holi Colours",
        "holi",
        {"colours": ["#ff3d8b", "#ffd23f", "#2ec4b6", "#8f5cff", "#ff7b39"]},
        ("holi", "festival", "india", "colourful"),
    ),
    (
        "holi-pastel",
        "Holi Pastel Powder",
        "holi",
        {"colours": ["#f7a8c8", "#ffe08a", "#9fe0d9", "#c5b3ff"], "wall": "#fbf8f3"},
        ("holi", "festival", "india", "pastel"),
    ),
    (
        "eid-night",
        "Eid Crescent Night",
        "night",
        {"stops": ["#0c3b3a", "#0f2a44", "#091527"]},
        ("eid", "ramadan", "festival", "moon", "teal", "night"),
    ),
    (
        "eid-royal",
        "Eid Royal Blue",
        "night",
        {"stops": ["#1b2a6b", "#14204f", "#0b1330"], "moon_side": -1},
        ("eid", "ramadan", "festival", "moon", "blue"),
    ),
    (
        "christmas-green",
        "Christmas Evergreen",
        "lights",
        {"wall": "#123524", "bokeh": ["#ffd27a", "#ff6b6b"], "string": "#ffd27a"},
        ("christmas", "holiday", "green", "lights"),
    ),
    (
        "christmas-red",
        "Christmas Red",
        "lights",
        {"wall": "#6e1219", "bokeh": ["#ffd8a8", "#ffffff"]},
        ("christmas", "holiday", "red", "bokeh"),
    ),
    (
        "christmas-snow",
        "Winter Snowfall",
        "lights",
        {"wall": "#2b4a6b", "floor": "#dfe8f0", "bokeh": ["#cfe3ff"], "snow": True},
        ("christmas", "winter", "snow", "blue"),
    ),
    (
        "new-year-gold",
        "New Year Gold",
        "confetti",
        {"wall": "#1b1a1f", "colours": ["#d9b45a", "#f3e2b0", "#b08d3c"], "vignette": 0.35},
        ("new-year", "party", "gold", "black", "confetti"),
    ),
    (
        "birthday-confetti",
        "Birthday Confetti",
        "confetti",
        {"wall": "#fdf6ee", "colours": ["#ff6f91", "#ffc75f", "#00c2a8", "#845ec2"]},
        ("birthday", "party", "colourful", "confetti"),
    ),
    (
        "valentine",
        "Valentine Hearts",
        "hearts",
        {"wall": "#8e1f3d", "heart": "#ffb3c6"},
        ("valentine", "love", "pink", "red", "hearts"),
    ),
    (
        "sale-red",
        "Sale Burst Red",
        "burst",
        {"a": "#d7261e", "b": "#e53a2c", "band": "#ffd23f", "glow": "#ffcf87"},
        ("sale", "offer", "red", "bold"),
    ),
    (
        "sale-yellow",
        "Sale Burst Yellow",
        "burst",
        {"a": "#ffcc29", "b": "#ffd84d", "band": "#1c1c1c", "glow": "#ffffff"},
        ("sale", "offer", "yellow", "bold"),
    ),
    (
        "black-friday",
        "Black Friday",
        "burst",
        {"a": "#121212", "b": "#1c1c1c", "band": "#ff2e63", "glow": "#ff2e63", "rays": 20},
        ("sale", "black-friday", "black", "neon"),
    ),
]

PATTERNS = [
    ("polka-blush", "Blush Polka Dots", "dots", {"bg": "#f6e1dc", "fg": "#ecc3ba"}, ("pink", "dots")),
    (
        "polka-navy",
        "Navy Polka Dots",
        "dots",
        {"bg": "#24324f", "fg": "#f2efe8", "radius": 0.1},
        ("blue", "dots", "classic"),
    ),
    (
        "stripes-sage",
        "Sage Stripes",
        "stripes",
        {"bg": "#eef0e8", "fg": "#c7d1bb", "period": 0.1},
        ("green", "stripes"),
    ),
    (
        "stripes-candy",
        "Candy Diagonal Stripes",
        "stripes",
        {"bg": "#fdf1f1", "fg": "#f5bcc4", "angle": 45, "period": 0.09},
        ("pink", "stripes", "diagonal"),
    ),
    (
        "cabana-blue",
        "Cabana Blue Stripes",
        "stripes",
        {"bg": "#f6f4ee", "fg": "#7fa7cc", "period": 0.16, "duty": 0.45},
        ("blue", "stripes", "summer"),
    ),
    (
        "gingham-red",
        "Red Gingham",
        "gingham",
        {"bg": "#fbf7f2", "fg": "#d0453c", "period": 0.08},
        ("red", "gingham", "picnic"),
    ),
    (
        "gingham-blue",
        "Blue Gingham",
        "gingham",
        {"bg": "#f7f9fb", "fg": "#6b8fc2", "period": 0.08},
        ("blue", "gingham"),
    ),
    (
        "grid-paper",
        "Graph Paper",
        "grid",
        {"bg": "#fbfaf6", "fg": "#9fc2d8", "pitch": 0.04, "line": 0.0018, "major": 5},
        ("white", "grid", "stationery"),
    ),
    (
        "grid-dark",
        "Dark Grid",
        "grid",
        {"bg": "#1e2127", "fg": "#3c434f", "pitch": 0.08, "line": 0.002, "alpha": 1.0},
        ("black", "grid", "tech"),
    ),
    ("waves-ocean", "Ocean Waves Lines", "waves", {"bg": "#e8f3f6", "fg": "#94c3d3"}, ("blue", "waves")),
    ("chevron-grey", "Grey Chevron", "chevron", {"bg": "#f3f3f1", "fg": "#d6d6d3"}, ("grey", "chevron")),
    (
        "checker-sand",
        "Sand Checkerboard",
        "checker",
        {"bg": "#efe6d8", "fg": "#e0d2bc", "size": 0.12},
        ("beige", "checker"),
    ),
    (
        "checker-retro",
        "Retro Checkerboard",
        "checker",
        {"bg": "#f4ede1", "fg": "#e0724f", "size": 0.1, "angle": 45},
        ("orange", "checker", "retro"),
    ),
    (
        "mosaic-teal",
        "Teal Mosaic",
        "mosaic",
        {"stops": ["#0f4c5c", "#2e8a8f", "#9fd3c7"]},
        ("teal", "geometric", "low-poly"),
    ),
    (
        "mosaic-rose",
        "Rose Mosaic",
        "mosaic",
        {"stops": ["#f7e1df", "#e9b5b0", "#c98a94"]},
        ("pink", "geometric", "low-poly"),
    ),
    (
        "halftone-coral",
        "Coral Halftone",
        "halftone",
        {"bg": "#fff4ef", "fg": "#f08a6c"},
        ("orange", "halftone", "pop"),
    ),
]

NATURE = [
    (
        "blue-sky",
        "Blue Sky with Clouds",
        "sky",
        {"sky": ["#e9f3fb", "#9cc8ec", "#4b8fd0"], "clouds": 0.9},
        ("blue", "sky", "clouds", "outdoor"),
    ),
    (
        "sunset-sky",
        "Sunset Sky",
        "sky",
        {"sky": ["#ffd9a8", "#f59e7c", "#8b6fb3"], "clouds": 0.5, "cloud": "#ffe6d0", "sun": (0.25, -0.25)},
        ("orange", "sunset", "sky", "warm"),
    ),
    (
        "misty-hills",
        "Misty Hills",
        "landscape",
        {"sky": ["#f3f1ec", "#dfe6e8"], "layers": ["#c9d5d3", "#a9bcb7", "#7f9a92", "#5a7a6f"]},
        ("green", "hills", "mist", "outdoor"),
    ),
    (
        "blue-mountains",
        "Blue Mountains",
        "landscape",
        {"sky": ["#f6efe6", "#d7e3ef"], "layers": ["#b8c9dd", "#8ea7c5", "#647fa8", "#3f5a80"], "amp": 0.08},
        ("blue", "mountains", "outdoor"),
    ),
    (
        "desert-dunes",
        "Desert Dunes",
        "landscape",
        {
            "sky": ["#fbe8cf", "#f1c9a0"],
            "layers": ["#e8b98a", "#dba676", "#cf9262"],
            "amp": 0.05,
            "freq": 1.6,
            "sun": (-0.35, -0.55),
        },
        ("orange", "desert", "sand", "warm"),
    ),
    (
        "tropical-beach",
        "Tropical Beach",
        "beach",
        {"sky": ["#eaf6fb", "#a8d8ee"], "water": ["#5fb8c9", "#9ad7d8"], "sand": "#efdcc0", "clouds": 0.5},
        ("blue", "beach", "summer", "sea"),
    ),
    (
        "sage-leaves",
        "Sage Wall with Leaf Shadows",
        "leafwall",
        {"wall": "#d9e0cf", "sun": "#fff6e0"},
        ("green", "plant", "shadow", "sunlight"),
    ),
    (
        "golden-beach",
        "Golden Hour Beach",
        "beach",
        {"sky": ["#ffe2b8", "#f4b08c"], "water": ["#c99a8c", "#e8c2a4"], "sand": "#e9cfae"},
        ("orange", "beach", "sunset"),
    ),
    (
        "sunlit-leaves",
        "Sunlit Leaves Wall",
        "leafwall",
        {"wall": "#eee7dc"},
        ("beige", "plant", "shadow", "sunlight"),
    ),
]

SCENES = [
    (
        "terracotta-sand",
        "Terracotta and Sand",
        "split",
        {"wall": "#c8775a", "floor": "#ead9c3"},
        ("orange", "beige", "earthy"),
    ),
    ("olive-linen", "Olive and Linen", "split", {"wall": "#7d8060", "floor": "#e8e1d3"}, ("green", "beige")),
    (
        "navy-white",
        "Navy and White",
        "split",
        {"wall": "#26365a", "floor": "#eeeeec"},
        ("blue", "white", "classic"),
    ),
    (
        "charcoal-oak",
        "Charcoal Wall, Oak Table",
        "tabletop",
        {"wall": "#45464a", "texture": "wood", "stops": ["#e8cfa6", "#d2ad7b", "#a97e4f"], "plank": 0.3},
        ("grey", "wood"),
    ),
    (
        "linen-table",
        "Linen Tablecloth",
        "tabletop",
        {"wall": "#efebe4", "texture": "linen", "base": "#e6ddcf", "threads": 340.0},
        ("beige", "linen", "fabric"),
    ),
    (
        "concrete-table",
        "Concrete Counter",
        "tabletop",
        {"wall": "#e4e2de", "texture": "concrete", "base": "#b3b1ad", "wall_texture": True},
        ("grey", "concrete", "urban"),
    ),
    (
        "terrazzo-table",
        "Terrazzo Counter",
        "tabletop",
        {
            "wall": "#f1ece6",
            "texture": "terrazzo",
            "base": "#ece6de",
            "chips": ["#c9b8a6", "#8e9a8c", "#d98c6f", "#4d4d4d"],
        },
        ("beige", "terrazzo"),
    ),
]

SURFACES = [
    (
        "concrete-light",
        "Light Concrete",
        {"texture": "concrete", "base": "#c9c7c3"},
        ("grey", "concrete", "urban"),
    ),
    (
        "concrete-dark",
        "Dark Concrete",
        {"texture": "concrete", "base": "#5c5c5e", "contrast": 0.22},
        ("grey", "dark", "concrete"),
    ),
    (
        "terrazzo-classic",
        "Classic Terrazzo",
        {"texture": "terrazzo", "base": "#efebe5", "chips": ["#c9b8a6", "#8e9a8c", "#d98c6f", "#4d4d4d"]},
        ("beige", "terrazzo", "speckled"),
    ),
    (
        "terrazzo-pink",
        "Pink Terrazzo",
        {"texture": "terrazzo", "base": "#f3dcd6", "chips": ["#e3a79a", "#ffffff", "#b5776b", "#f0c7a0"]},
        ("pink", "terrazzo"),
    ),
]

FABRICS = [
    (
        "linen-natural",
        "Natural Linen",
        {"texture": "linen", "base": "#e4dccd"},
        ("beige", "linen", "natural"),
    ),
    ("linen-grey", "Grey Linen", {"texture": "linen", "base": "#c8c8c5"}, ("grey", "linen")),
    ("linen-indigo", "Indigo Linen", {"texture": "linen", "base": "#3d4f74"}, ("blue", "linen", "denim")),
    ("linen-blush", "Blush Linen", {"texture": "linen", "base": "#ecd3cc"}, ("pink", "linen")),
    ("paper-white", "White Paper", {"texture": "paper", "base": "#f6f4ef"}, ("white", "paper")),
    (
        "paper-kraft",
        "Kraft Paper",
        {"texture": "paper", "base": "#c9a77c", "contrast": 0.12},
        ("brown", "paper", "kraft", "eco"),
    ),
    (
        "paper-handmade",
        "Handmade Paper",
        {"texture": "paper", "base": "#efe6d2", "contrast": 0.1, "fibres": 0.8},
        ("beige", "paper", "handmade"),
    ),
    ("paper-grey", "Grey Card", {"texture": "paper", "base": "#b9bbbd", "fibres": 0.35}, ("grey", "paper")),
]

PLAIN = [("#ffffff", "Pure White"), ("#f5f5f5", "Off White"), ("#000000", "Pure Black")]


def _stage(p: dict) -> float:
    """A product on a plinth should stay within ~85% of the plinth's top (diameter = 2 x radius)."""
    return round(2 * p.get("radius", 0.3) * 0.85, 3)


def entries() -> list[TemplateSpec]:
    out: list[TemplateSpec] = []
    for slug, name, hexv, tags in STUDIO:
        out.append(
            T(
                f"studio-sweep-{slug}",
                name,
                "studio",
                "sweep",
                {"wall": hexv},
                tags=("sweep", "studio", *tags),
            )
        )
    for slug, name, stops, angle, tags in GRADIENTS:
        out.append(
            T(
                f"gradient-{slug}",
                name,
                "gradient",
                "linear",
                {"stops": stops, "angle": angle, "seed": SEED},
                tags=("gradient", *tags),
                floor=None,
                light=(TOP, 0.85),
            )
        )
    for slug, name, base, blobs, tags in MESHES:
        out.append(
            T(
                f"mesh-{slug}",
                name,
                "gradient",
                "mesh",
                {"base": base, "blobs": blobs, "seed": SEED},
                tags=("gradient", "mesh", *tags),
                floor=None,
                light=(TOP, 0.85),
            )
        )
    for slug, name, a, b, angle, tags in DUOTONES:
        out.append(
            T(
                f"duotone-{slug}",
                name,
                "duotone",
                "duotone",
                {"a": a, "b": b, "angle": angle, "offset": 0.05, "phase": PHASE},
                tags=("duotone", "two-tone", *tags),
                floor=None,
                light=(TOP_LEFT, 0.8),
            )
        )
    for slug, name, stops, tags in RADIALS:
        out.append(
            T(
                f"radial-{slug}",
                name,
                "gradient",
                "radial",
                {"stops": stops},
                tags=("gradient", "radial", *tags),
                floor=0.72,
                light=(TOP, 0.7),
            )
        )
    for slug, name, p, tags in MARBLES:
        out.append(
            T(
                f"marble-{slug}",
                name,
                "stone",
                "flat",
                {"texture": "marble", **p, "seed": SEED},
                tags=("marble", "stone", "texture", "flat-lay", *tags),
                floor=None,
                light=(TOP_LEFT, 0.8),
            )
        )
        out.append(
            T(
                f"marble-{slug}-table",
                f"{name} Tabletop",
                "stone",
                "tabletop",
                {
                    "texture": "marble",
                    **p,
                    "seed": SEED,
                    "wall": "#efeeeb" if "dark" not in tags else "#2b2b2e",
                },
                tags=("marble", "stone", "tabletop", *tags),
                floor=0.78,
                light=(TOP_LEFT, 0.7),
                shadow="both",
            )
        )
    for slug, name, stops, tags in WOODS:
        out.append(
            T(
                f"wood-{slug}",
                name,
                "wood",
                "flat",
                {"texture": "wood", "stops": stops, "seed": SEED},
                tags=("wood", "texture", "flat-lay", *tags),
                floor=None,
            )
        )
        out.append(
            T(
                f"wood-{slug}-table",
                f"{name} Tabletop",
                "wood",
                "tabletop",
                {
                    "texture": "wood",
                    "stops": stops,
                    "seed": SEED,
                    "wall": "#ece7df",
                    "wall_texture": True,
                    "plank": 0.14 if slug in ("oak", "walnut") else 0.3,
                    "lengthwise": slug in ("oak", "walnut"),
                },
                tags=("wood", "tabletop", *tags),
                floor=0.8,
                shadow="both",
            )
        )
    for slug, name, p, tags in PODIUMS:
        out.append(
            T(
                f"podium-{slug}",
                name,
                "podium",
                "podium",
                {**p, "seed": SEED},
                tags=("podium", "pedestal", "3d", *tags),
                floor=0.6,
                light=(TOP_LEFT, 0.6),
                shadow="both",
                stage=_stage(p),
            )
        )
    for slug, name, p, tags in DARK_PODIUMS:
        out.append(
            T(
                f"podium-{slug}",
                name,
                "luxury",
                "podium",
                {**p, "seed": SEED},
                tags=("podium", "luxury", "dark", *tags),
                floor=0.6,
                light=(TOP_LEFT, 0.5),
                shadow="both",
                stage=_stage(p),
            )
        )
    for slug, name, fam, p, tags in PASTELS:
        floor = None if fam == "mesh" else 0.82
        out.append(
            T(
                f"pastel-{slug}",
                name,
                "pastel",
                fam,
                {**p, "seed": SEED},
                tags=("pastel", "soft", *tags),
                floor=floor,
                light=(TOP_LEFT, 0.8),
            )
        )
    for slug, name, fam, p, tags in LUXURY:
        floor = None if fam in ("velvet", "brushed") else 0.8
        out.append(
            T(
                f"luxury-{slug}",
                name,
                "luxury",
                fam,
                {**p, "seed": SEED},
                tags=("luxury", "dark", "premium", *tags),
                floor=floor,
                light=(TOP, 0.45),
                shadow="contact",
            )
        )
    for slug, name, fam, p, tags in FESTIVE:
        floor = None if fam == "burst" else 0.8
        out.append(
            T(
                f"festive-{slug}",
                name,
                "festive",
                fam,
                {**p, "seed": SEED},
                tags=("festive", *tags),
                floor=floor,
                light=(TOP, 0.6),
            )
        )
    for slug, name, fam, p, tags in PATTERNS:
        out.append(
            T(
                f"pattern-{slug}",
                name,
                "pattern",
                fam,
                {**p, "seed": SEED},
                tags=("pattern", *tags),
                floor=None,
                light=(TOP_LEFT, 0.85),
            )
        )
    for slug, name, fam, p, tags in NATURE:
        out.append(
            T(
                f"nature-{slug}",
                name,
                "nature",
                fam,
                {**p, "seed": SEED},
                tags=("nature", "outdoor", *tags),
                floor=0.84,
                light=(TOP_LEFT, 0.55),
                shadow="both",
            )
        )
    for slug, name, fam, p, tags in SCENES:
        out.append(
            T(
                f"scene-{slug}",
                name,
                "scene",
                fam,
                {**p, "seed": SEED},
                tags=("scene", "tabletop", *tags),
                floor=0.8,
                light=(TOP_LEFT, 0.7),
                shadow="both",
            )
        )
    for slug, name, p, tags in SURFACES:
        out.append(
            T(
                f"stone-{slug}",
                name,
                "stone",
                "flat",
                {**p, "seed": SEED},
                tags=("stone", "texture", "flat-lay", *tags),
                floor=None,
            )
        )
    for slug, name, p, tags in FABRICS:
        out.append(
            T(
                f"fabric-{slug}",
                name,
                "fabric",
                "flat",
                {**p, "seed": SEED},
                tags=("fabric", "texture", "flat-lay", *tags),
                floor=None,
                light=(TOP_LEFT, 0.85),
            )
        )
    for hexv, name in PLAIN:
        out.append(replace(solid(hexv), name=name))
    return out
