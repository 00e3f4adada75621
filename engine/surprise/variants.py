"""A product's variants: one cut-out, recomposed on themed, graded templates.

`prepare_product` does the expensive part once per photo (retouch the product crop, cut it out,
measure its colour); `plan_variants` decides what variant k looks like from (theme, seed, k) and the
product's colour only, never from how many variants were asked, so variant 3 of seed 7 is the same
picture whether 3 or 8 were ordered; `render_variant` recomposes with `engine.compose` (placement,
shadow, light match, blending), which keeps the product inside the canvas's margins and draws the
shadow from the template's own light direction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from typing import TYPE_CHECKING

import cv2
import numpy as np

from engine.compose import ComposeParams, Placement, clean_alpha, compose, plan, product_box
from engine.matting import cutout
from engine.retouch import analyse, apply_plan, sharpen
from engine.surprise.colour import MAX_CLASH_SHARE, LabStats, clash_share, lab_stats
from engine.surprise.grade import GradeParams, grade
from engine.surprise.themes import theme, theme_templates
from engine.templates import TemplateSpec, render

if TYPE_CHECKING:
    from engine.pipeline import Recipe

_MEASURE_SIDE = 64  # backdrops are measured on a render this size (long side)
_PREFERRED_MIN = 3  # when fewer templates than this pass the clash test, keep the best separated ones


@dataclass(frozen=True)
class Product:
    """The cut-out, computed once per photo: straight uint8 RGBA, trimmed with a small margin."""

    cut: np.ndarray
    sharpen: float  # the retouch plan's sharpening, applied at the output size by composition
    colour: LabStats  # average colour of the product's opaque pixels


@dataclass(frozen=True)
class VariantPlan:
    variant: int  # 1..N
    template: TemplateSpec  # as composed (light direction mirrored when `mirrored`)
    source_template: TemplateSpec  # as in the catalogue
    mirrored: bool
    grade: GradeParams
    compose: ComposeParams


def prepare_product(rgb: np.ndarray, alpha: np.ndarray, recipe: Recipe, canvas: tuple[int, int]) -> Product:
    """Retouch and cut out the product once (engine.retouch + engine.matting.cutout), pre-shrunk to
    at most the canvas's long side so variants never resample more pixels than they show."""
    alpha = clean_alpha(alpha.astype(np.float32))
    retouch_plan = analyse(rgb, alpha, recipe.retouch)
    box = product_box(alpha)
    pad = max(8, round(0.04 * max(box.width, box.height)))
    h, w = alpha.shape
    y0, y1 = max(0, box.y0 - pad), min(h, box.y1 + pad)
    x0, x1 = max(0, box.x0 - pad), min(w, box.x1 + pad)
    crop_rgb, crop_alpha = rgb[y0:y1, x0:x1], alpha[y0:y1, x0:x1]
    f = max(canvas) / max(y1 - y0, x1 - x0)
    if f < 1.0:
        size = (max(1, round((x1 - x0) * f)), max(1, round((y1 - y0) * f)))
        crop_rgb = cv2.resize(crop_rgb, size, interpolation=cv2.INTER_AREA)
        crop_alpha = cv2.resize(crop_alpha, size, interpolation=cv2.INTER_AREA)
    crop_rgb = apply_plan(np.ascontiguousarray(crop_rgb), retouch_plan)
    cut = cutout(crop_rgb, np.ascontiguousarray(crop_alpha, dtype=np.float32))
    return Product(cut=cut, sharpen=float(retouch_plan.sharpen), colour=_product_colour(cut))


def _product_colour(cut: np.ndarray) -> LabStats:
    small = cut
    if max(cut.shape[:2]) > 160:
        f = 160 / max(cut.shape[:2])
        small = cv2.resize(
            cut, (max(1, round(cut.shape[1] * f)), max(1, round(cut.shape[0] * f))), cv2.INTER_AREA
        )
    weight = (small[..., 3] >= 128).astype(np.float32)
    return lab_stats(np.ascontiguousarray(small[..., :3]), weight)


def _rng(*parts: object) -> np.random.Generator:
    """A generator seeded from the parts' text (hashlib, not `hash()`, which changes per process)."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


@lru_cache(maxsize=512)
def backdrop_middle(spec: TemplateSpec, aspect_w: int, aspect_h: int) -> np.ndarray:
    """The middle of a template (where the product stands), from a small render at the canvas's aspect."""
    f = _MEASURE_SIDE / max(aspect_w, aspect_h)
    w, h = max(8, round(aspect_w * f)), max(8, round(aspect_h * f))
    small = render(spec, w, h)
    middle = np.ascontiguousarray(small[round(0.1 * h) : round(0.9 * h), round(0.15 * w) : round(0.85 * w)])
    middle.flags.writeable = False
    return middle


def suitable_templates(
    theme_name: str, colour: LabStats, canvas: tuple[int, int]
) -> tuple[TemplateSpec, ...]:
    """The theme's templates that do not clash with this product's colour (measured, see
    engine.surprise.colour); if fewer than a few pass, the best-separated ones fill up the list."""
    candidates = theme_templates(theme_name)
    measured = [(s, clash_share(colour, backdrop_middle(s, canvas[0], canvas[1]))) for s in candidates]
    fine = [s for s, share in measured if share <= MAX_CLASH_SHARE]
    if len(fine) >= _PREFERRED_MIN:
        return tuple(fine)
    ranked = sorted(measured, key=lambda sc: (sc[1], sc[0].id))
    extra = [s for s, _ in ranked if s not in fine][: _PREFERRED_MIN - len(fine)]
    return tuple(sorted([*fine, *extra], key=lambda s: s.id))


def plan_variant(
    k: int, theme_name: str, seed: int, templates: tuple[TemplateSpec, ...], recipe_params: ComposeParams
) -> VariantPlan:
    """Variant k (1-based): the k-th of `templates` (those suiting this product) in the theme's
    seed-shuffled order (distinct templates while there are enough), the grade and shadow drawn
    from the theme's ranges by (theme, seed, k). The order shuffles the theme's whole list, so two
    products that suit the same templates get the same ones for the same k: a job looks consistent,
    and a worker reuses the rendered backdrop."""
    everything = theme_templates(theme_name)
    suited = set(templates)
    order = [everything[int(i)] for i in _rng("order", theme_name, seed).permutation(len(everything))]
    ordered = [s for s in order if s in suited] or list(templates)
    source = ordered[(k - 1) % len(ordered)]
    g = theme(theme_name).grade
    rng = _rng("variant", theme_name, seed, k)

    def draw(lo_hi: tuple[float, float]) -> float:
        return float(round(rng.uniform(*lo_hi), 4))

    mirrored = bool(rng.random() < 0.5) and abs(source.light_direction - 90.0) > 1e-6
    spec = source
    if mirrored:  # the backdrop is flipped left-right, so its light (and the shadow) flips with it
        spec = replace(source, light_direction=(180.0 - source.light_direction) % 360.0)
    grading = GradeParams(
        warmth=draw(g.warmth),
        saturation=draw(g.saturation),
        contrast=draw(g.contrast),
        brightness=draw(g.brightness),
        vignette=draw(g.vignette),
        light_wash=draw(g.light_wash),
        light_direction=spec.light_direction,
    )
    shadow = replace(
        recipe_params.shadow, opacity=draw(g.shadow_opacity), length=draw(g.shadow_length), angle=None
    )
    fill = round(recipe_params.fill * draw(g.fill_scale), 4)
    params = replace(recipe_params, fill=fill, shadow=shadow)
    return VariantPlan(k, spec, source, mirrored, grading, params)


def plan_variants(
    theme_name: str,
    seed: int,
    count: int,
    colour: LabStats,
    canvas: tuple[int, int],
    recipe_params: ComposeParams,
) -> list[VariantPlan]:
    templates = suitable_templates(theme_name, colour, canvas)
    return [plan_variant(k, theme_name, seed, templates, recipe_params) for k in range(1, count + 1)]


# Graded backdrops kept per process: every product of a job draws variant k from the same seeded
# template order, so a batch worker renders each backdrop once instead of once per product (render +
# grade are ~60% of a variant's CPU). One variant of each of up to 8 per job: at 2000 px, ~100 MB.
BACKDROPS_KEPT = 8


def variant_background(p: VariantPlan, canvas: tuple[int, int]) -> np.ndarray:
    """The graded (and possibly mirrored) backdrop of one variant at the canvas size (read-only:
    it may be shared with the next product; composition copies it)."""
    return _backdrop(p.source_template, p.mirrored, p.grade, (int(canvas[0]), int(canvas[1])))


def backdrop_cache_hits() -> int:
    """How many backdrops were reused so far in this process (benchmarks report it)."""
    return _backdrop.cache_info().hits


@lru_cache(maxsize=BACKDROPS_KEPT)
def _backdrop(
    spec: TemplateSpec, mirrored: bool, grading: GradeParams, canvas: tuple[int, int]
) -> np.ndarray:
    bg = render(spec, canvas[0], canvas[1])
    if mirrored:
        bg = np.ascontiguousarray(bg[:, ::-1])
    out = grade(bg, grading)
    out.flags.writeable = False
    return out


def render_variant(product: Product, p: VariantPlan, canvas: tuple[int, int]) -> tuple[np.ndarray, Placement]:
    """One variant composed at the canvas size (uint8 RGB) and where the product was placed."""
    background = variant_background(p, canvas)
    finish = partial(_finish, amount=product.sharpen) if product.sharpen > 0 else None
    image = compose(product.cut, p.template, p.compose, background=background, finish=finish)
    where = plan(clean_alpha(product.cut[..., 3].astype(np.float32) / 255.0), canvas, p.template, p.compose)
    return image, where


def _finish(rgb: np.ndarray, alpha: np.ndarray, *, amount: float) -> np.ndarray:
    return sharpen(rgb, alpha, amount)


__all__ = [
    "Product",
    "VariantPlan",
    "backdrop_middle",
    "plan_variant",
    "plan_variants",
    "prepare_product",
    "render_variant",
    "suitable_templates",
    "variant_background",
]
