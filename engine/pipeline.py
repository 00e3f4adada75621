"""One image, end to end: decode -> matte -> retouch -> compose -> export.

`Recipe` is what a job stores and a user chooses; `parse_recipe` turns an API/CLI dict into one and
refuses bad values before any work starts. `process_image` is pure: bytes in, bytes out, so a Ray
actor, the CLI and a test all run exactly the same code.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace
from functools import partial
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from engine.compose import (
    ComposeParams,
    Placement,
    ProductBox,
    ShadowParams,
    canvas_size,
    clean_alpha,
    compose_placed,
    plan,
    product_box,
)
from engine.compose.canvas import ASPECTS
from engine.errors import RecipeError
from engine.export import FORMATS, ExportOptions, encode, normalise_format
from engine.presets import Preset, get_preset
from engine.retouch import RetouchParams, analyse, apply_plan, sharpen
from engine.templates.spec import TemplateSpec

if TYPE_CHECKING:
    from engine.matting import MatteOptions

MODULES = ("ready", "look")
METHODS = ("auto", "fast", "model")
_PRESCALE_HEADROOM = 1.25  # pre-shrink to this multiple of the final size; compose does the last step
# Decode a large photo reduced, to this multiple of the output's longest side: a product that fills
# only half of the frame still has output-size pixels to show.
DECODE_HEADROOM = 2.0
DEFAULT_WORKING_SIZE = 1024  # engine.matting's default working size (Limits.working_size)


@dataclass(frozen=True)
class Recipe:
    module: str = "ready"  # ready: marketplace-ready; look: styled on a template
    aspect: str = "1:1"
    size: int = 2000  # longest side in px
    preset: str | None = None  # a platform preset overrides aspect, size, fill, margin and background
    fill: float = 0.8
    margin: float = 0.05
    placement: str = "auto"  # auto | floor | centre
    shadow: ShadowParams = field(default_factory=ShadowParams)
    light_match: float = 0.35
    retouch: RetouchParams = field(default_factory=RetouchParams)
    format: str = "jpg"  # jpg | png | webp
    quality: int = 90
    transparent: bool | None = None  # None: a PNG is the RGBA cut-out, other formats use the template
    method: str = "auto"  # matting method: auto | fast | model

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    # --- what the recipe resolves to -------------------------------------------------------------
    @property
    def preset_rule(self) -> Preset | None:
        return get_preset(self.preset) if self.preset else None

    def canvas(self) -> tuple[int, int]:
        """(width, height) of the output."""
        p = self.preset_rule
        return (p.width, p.height) if p else canvas_size(self.aspect, self.size)

    def is_transparent(self) -> bool:
        p = self.preset_rule
        if p is not None and p.background is not None:
            return False  # the platform requires that background
        return self.format == "png" if self.transparent is None else self.transparent

    def compose_params(self) -> ComposeParams:
        p = self.preset_rule
        shadow = self.shadow
        if p is not None and p.shadow is not None and shadow.style not in ("none",):
            shadow = replace(shadow, style=p.shadow)
        placement = self.placement
        if p is not None and p.background is not None and placement == "auto":
            placement = "centre"  # a fill rule on a plain backdrop: no floor line may shrink the product
        return ComposeParams(
            fill=p.fill if p else self.fill,
            margin=p.margin if p else self.margin,
            placement=placement,
            shadow=shadow,
            light_match=self.light_match,
        )

    def template_for(self, template: TemplateSpec) -> TemplateSpec:
        """The template actually used: a preset's required background replaces the chosen one."""
        p = self.preset_rule
        if p is None or p.background is None:
            return template
        from engine.templates import solid

        return solid(p.background)


@dataclass(frozen=True)
class ProcessResult:
    data: bytes
    extension: str  # "jpg" | "png" | "webp"
    width: int
    height: int
    quality: float  # the matte's confidence, 0..1
    method: str  # how the matte was made ("auto:fast", "model", "alpha" for an uploaded cut-out ...)
    # the output checked against the recipe's preset (engine.compliance `as_dict()`); None without one
    compliance: dict[str, Any] | None = None


def parse_recipe(d: dict[str, Any] | None) -> Recipe:
    """A validated Recipe from a plain dict (API body, CLI options, a stored job); RecipeError if bad."""
    if d is None:
        return Recipe()
    if isinstance(d, Recipe):
        _validate(d)
        return d
    if not isinstance(d, dict):
        raise RecipeError(f"recipe must be an object, got {type(d).__name__}")
    _reject_unknown(Recipe, d, "recipe")
    values = {k: v for k, v in d.items() if v is not None or k in ("preset", "transparent")}
    if "shadow" in values:
        values["shadow"] = _nested(ShadowParams, values["shadow"], "shadow")
    if "retouch" in values:
        values["retouch"] = _parse_retouch(values["retouch"])
    if "format" in values:
        values["format"] = normalise_format(values["format"])
    if values.get("preset") is not None:
        values["preset"] = str(values["preset"]).strip().lower()
    if "aspect" in values:
        values["aspect"] = str(values["aspect"]).strip().replace("x", ":").replace("/", ":")
    recipe = Recipe(**values)
    _validate(recipe)
    if recipe.preset and "format" not in d:
        recipe = replace(recipe, format=recipe.preset_rule.format)
    return recipe


def _reject_unknown(cls: type, value: dict[str, Any], name: str) -> None:
    """A misspelt field ("fil": 0.9) must fail loudly, not be ignored while the user wonders why."""
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(value) - known)
    if unknown:
        raise RecipeError(f"unknown {name} field(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")


def _nested(cls: type, value: Any, name: str) -> Any:
    if isinstance(value, cls):
        return value
    if not isinstance(value, dict):
        raise RecipeError(f"{name} must be an object, got {type(value).__name__}")
    _reject_unknown(cls, value, name)
    for k, v in value.items():
        if k != "style" and v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
            raise RecipeError(f"{name}.{k} must be a number, got {v!r}")
    return cls(**value)


def _parse_retouch(value: Any) -> RetouchParams:
    if value in (False, "off", "none"):
        return RetouchParams.off()
    if value in (True, "natural", "auto"):
        return RetouchParams()
    return _nested(RetouchParams, value, "retouch")


def _validate(r: Recipe) -> None:
    if r.module not in MODULES:
        raise RecipeError(f"unknown module {r.module!r}; choose one of {', '.join(MODULES)}")
    if r.aspect not in ASPECTS:
        raise RecipeError(f"unknown aspect ratio {r.aspect!r}; choose one of {', '.join(ASPECTS)}")
    canvas_size(r.aspect, r.size)  # validates size
    if r.preset is not None:
        get_preset(r.preset)
    if r.format not in FORMATS:
        raise RecipeError(f"unknown output format {r.format!r}; choose one of {', '.join(FORMATS)}")
    if r.method not in METHODS:
        raise RecipeError(f"unknown matting method {r.method!r}; choose one of {', '.join(METHODS)}")
    if r.transparent is not None and not isinstance(r.transparent, bool):
        raise RecipeError(f"transparent must be true, false or null, got {r.transparent!r}")
    if r.transparent and r.format == "jpg":
        raise RecipeError("a transparent result needs format png or webp (JPEG has no alpha)")
    for name in ("fill", "margin", "light_match"):
        v = getattr(r, name)
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise RecipeError(f"{name} must be a number, got {v!r}")
    r.compose_params().validate()
    r.retouch.validate()
    ExportOptions(format=r.format, quality=r.quality).validate()


def prepare_background(recipe: Recipe, template: TemplateSpec) -> np.ndarray | None:
    """The rendered backdrop at the output size (None for a transparent result); a batch renders it
    once per job and passes it to every `process_image` call."""
    if recipe.is_transparent():
        return None
    from engine.templates import render

    w, h = recipe.canvas()
    return render(recipe.template_for(template), w, h)


def process_image(
    data: bytes,
    recipe: Recipe,
    template: TemplateSpec,
    *,
    background: np.ndarray | None = None,
    session=None,
    max_pixels: int = 100_000_000,
    working_size: int = DEFAULT_WORKING_SIZE,
    network_first: NetworkFirst = False,
) -> ProcessResult:
    """Encoded upload -> encoded marketplace image. Raises ImageError subclasses for bad images.

    A photo much larger than the output is decoded reduced (see `decode_size`), which bounds the
    memory one image takes by the recipe rather than by the camera. `network_first`: how `auto`
    runs (`AUTO_MODES`; a batch decides it per cluster, and the one-image path must match it)."""
    from engine.decode import decode_image

    decoded = decode_image(data, max_pixels=max_pixels, min_size=decode_size(recipe, working_size))
    rgb = decoded.rgb
    route = matting_route(recipe.method, network_first=network_first)
    options = matting_options(recipe.method, network_first=network_first, working_size=working_size)
    alpha, method, quality = _alpha_for(rgb, decoded.alpha, route, session, options=options)
    if route != recipe.method and method != "alpha":
        method = f"{recipe.method}:{method}"

    return _export(rgb, alpha, recipe, template, background, quality, method)


def _export(
    rgb: np.ndarray,
    alpha: np.ndarray,
    recipe: Recipe,
    template: TemplateSpec,
    background: np.ndarray | None,
    quality: float,
    method: str,
) -> ProcessResult:
    """Compose, encode and, with a preset, check the output against its rules where composition
    placed the product (a box guessed from pixels cannot tell a white product from its shadow)."""
    checked = recipe.preset_rule is not None
    image, box = _render_placed(rgb, alpha, recipe, template, background=background, with_box=checked)
    options = ExportOptions(format=recipe.format, quality=recipe.quality)
    out = encode(image, options)
    compliance = check_compliance(out, image, recipe, options, box) if checked else None
    return ProcessResult(out, recipe.format, image.shape[1], image.shape[0], quality, method, compliance)


def check_compliance(
    data: bytes,
    image: np.ndarray,
    recipe: Recipe,
    options: ExportOptions,
    box: tuple[int, int, int, int] | None,
) -> dict[str, Any]:
    """The preset's report on the file `data` encoded from `image`: checked on `image` itself where
    the file provably shows the same background band (`pixels_as_encoded`), on the decoded file
    otherwise."""
    from engine.compliance import check_output, pixels_as_encoded

    rule = recipe.preset_rule
    pixels = None if box is None else pixels_as_encoded(image, rule.background, options)
    return check_output(data, rule, pixels=pixels, product_box=box).as_dict()


def decode_size(recipe: Recipe, working_size: int = DEFAULT_WORKING_SIZE) -> int:
    """The longest side a photo is decoded at for this recipe (larger ones are reduced to it):
    DECODE_HEADROOM times the output's longest side, and never below the matting working size."""
    return max(math.ceil(DECODE_HEADROOM * max(recipe.canvas())), int(working_size))


def render_product(
    rgb: np.ndarray,
    alpha: np.ndarray,
    recipe: Recipe,
    template: TemplateSpec,
    *,
    background: np.ndarray | None = None,
) -> np.ndarray:
    """A photo and its matte -> the composed image (uint8 RGB, or RGBA for a transparent result)."""
    return _render_placed(rgb, alpha, recipe, template, background=background)[0]


def _render_placed(
    rgb: np.ndarray,
    alpha: np.ndarray,
    recipe: Recipe,
    template: TemplateSpec,
    *,
    background: np.ndarray | None = None,
    with_box: bool = False,
) -> tuple[np.ndarray, tuple[int, int, int, int] | None]:
    """`render_product` and, `with_box`, the product's box on the canvas (x0, y0, x1, y1) as
    composition placed it (None otherwise: measuring it costs a pass over the cut-out)."""
    spec = recipe.template_for(template)
    params = recipe.compose_params()
    canvas = recipe.canvas()
    alpha = clean_alpha(alpha)
    transparent = recipe.is_transparent()
    if not transparent:
        if background is None:
            background = prepare_background(recipe, template)
        elif background.shape[:2] != (canvas[1], canvas[0]):
            raise ValueError(
                f"background is {background.shape[1]}x{background.shape[0]}, recipe wants {canvas}"
            )

    # statistics from the whole frame, pixel work on a crop of just the product at about output size
    retouch_plan = analyse(rgb, alpha, recipe.retouch)
    box = product_box(alpha)  # measured once: the plan and the crop both need it
    crop_rgb, crop_alpha = _product_crop(rgb, alpha, plan(box, canvas, spec, params).scale, box)
    crop_rgb = apply_plan(crop_rgb, retouch_plan)
    cut = _cutout(crop_rgb, crop_alpha)

    finish = partial(_finish, amount=retouch_plan.sharpen) if retouch_plan.sharpen > 0 else None
    image, where = compose_placed(
        cut,
        spec,
        params,
        background=None if transparent else background,
        size=canvas,
        finish=finish,
        cleaned=True,  # `alpha` was cleaned above
    )
    return image, _clipped_box(where, canvas) if with_box else None


def _clipped_box(where: Placement, canvas: tuple[int, int]) -> tuple[int, int, int, int]:
    """The placement compose used, as a box on the canvas (x0, y0, x1, y1) clipped to it."""
    x0, y0 = max(0, where.x), max(0, where.y)
    return x0, y0, min(canvas[0], where.x + where.width), min(canvas[1], where.y + where.height)


def _finish(rgb: np.ndarray, alpha: np.ndarray, *, amount: float) -> np.ndarray:
    # composition hands over the scaled product's colour, made for this call alone: sharpened in place
    return sharpen(rgb, alpha, amount, in_place=True)


def _alpha_for(
    rgb: np.ndarray,
    given: np.ndarray | None,
    method: str,
    session,
    working_size: int = DEFAULT_WORKING_SIZE,
    *,
    options: MatteOptions | None = None,
) -> tuple[np.ndarray, str, float]:
    """An uploaded cut-out keeps its own alpha; everything else is matted (with `options` where
    given, `matting_options`' answer; else the plain options at `working_size`)."""
    if given is not None and float((given < 0.5).mean()) > 0.005 and float(given.min()) < 0.05:
        return given.astype(np.float32), "alpha", 1.0
    from engine.matting import MatteOptions, matte

    options = options or MatteOptions(working_size=working_size)
    result = matte(rgb, method, session=session, options=options)
    return result.alpha.astype(np.float32, copy=False), result.method, float(result.quality)


def _cutout(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    from engine.matting import cutout

    return cutout(rgb, alpha)


def _product_crop(
    rgb: np.ndarray, alpha: np.ndarray, scale: float, box: ProductBox | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The product plus a margin of backdrop (decontamination needs to see it), pre-shrunk when the
    output is much smaller than the photo so denoise/cut-out do not run on pixels nobody will see.
    `box`: the alpha's `product_box` where the caller has it already."""
    box = product_box(alpha) if box is None else box
    pad = max(8, round(0.04 * max(box.width, box.height)))
    h, w = alpha.shape
    y0, y1 = max(0, box.y0 - pad), min(h, box.y1 + pad)
    x0, x1 = max(0, box.x0 - pad), min(w, box.x1 + pad)
    crop_rgb, crop_alpha = rgb[y0:y1, x0:x1], alpha[y0:y1, x0:x1]
    f = scale * _PRESCALE_HEADROOM
    if f < 1.0:
        size = (max(1, round((x1 - x0) * f)), max(1, round((y1 - y0) * f)))
        crop_rgb = cv2.resize(crop_rgb, size, interpolation=cv2.INTER_AREA)
        crop_alpha = cv2.resize(crop_alpha, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(crop_rgb), np.ascontiguousarray(crop_alpha, dtype=np.float32)


# --- the same work split in stages (a batch's Ray Data pipeline) --------------------------------------
#
# `process_image` in three steps, so the network can run elsewhere (an actor holding a GPU) and only
# compact data moves between them: `prepare_matte` (decode; the colour model where it decides alone;
# otherwise the image at matting size for the network), the network (`ModelSession.predict_u8`, a
# uint8 matte at its own size), and `finish_image` (decode again, matte with that network output,
# retouch, compose, encode). The results equal `process_image`'s within the uint8 rounding of the
# mattes handed between stages.


@dataclass(frozen=True)
class MattePlan:
    """What `prepare_matte` decided for one image."""

    network_input: np.ndarray | None  # uint8 (h, w, 3) at matting size: the network must run on it
    # uint8 matte decided without the network at the decoded size (H, W), or finished where the
    # network ran at the working size (`engine.matting.network_auto`); `plan_alpha` reads both
    alpha: np.ndarray | None
    method: str = ""
    quality: float = 0.0


class _NeedsNetwork(Exception):
    """Raised by `_Capture` to stop `matte` where it would call the network."""


class _Capture:
    """A session stand-in that records the image `matte` hands to the network, and stops there."""

    def __init__(self) -> None:
        self.work: np.ndarray | None = None

    def predict(self, work: np.ndarray) -> np.ndarray:
        self.work = np.ascontiguousarray(work)
        raise _NeedsNetwork


# How `auto` runs: the `network_first` argument of the functions here, named as DRISYA_AUTO_ROUTE
# names them (a batch decides per cluster: data_jobs.stages.auto_network_first, "hardware" there
# meaning NETWORK_FIRST where the cluster has a GPU and COLOUR_FIRST where it has none).
COLOUR_FIRST = "colour"  # the colour model decides where it is sure, the network elsewhere
NETWORK_FIRST = "network-first"  # the network on every image, then auto's further looks and fusion
NETWORK_ONLY = "network"  # the network's answer alone (method `model`): the least CPU per image
AUTO_MODES = (COLOUR_FIRST, NETWORK_FIRST, NETWORK_ONLY)
NetworkFirst = bool | str  # False / True name COLOUR_FIRST / NETWORK_FIRST


def auto_mode(network_first: NetworkFirst) -> str:
    """The `AUTO_MODES` value a `network_first` argument names (False and True are the two modes a
    yes/no question can name: colour first, network first)."""
    if isinstance(network_first, bool):
        return NETWORK_FIRST if network_first else COLOUR_FIRST
    if network_first not in AUTO_MODES:
        raise ValueError(
            f"network_first must be a bool or one of {', '.join(AUTO_MODES)}, not {network_first!r}"
        )
    return network_first


def matting_route(method: str, *, network_first: NetworkFirst) -> str:
    """The matting method an image of this recipe really runs: `model` for `auto` with NETWORK_ONLY,
    the recipe's own otherwise (NETWORK_FIRST runs `auto`, with `matting_options` saying so)."""
    return "model" if method == "auto" and auto_mode(network_first) == NETWORK_ONLY else method


def matting_options(
    method: str, *, network_first: NetworkFirst, working_size: int = DEFAULT_WORKING_SIZE
) -> MatteOptions:
    """The `engine.matting` options an image of this recipe is matted with. With NETWORK_FIRST `auto`
    asks the network about every image, however sure the colour model is (a white body on a white
    sweep is where it is blind and sure), and keeps its further looks and the colour model's
    corrections, which the network's answer alone lacks: tune split, whites IoU 0.856 -> 0.986, emoji
    0.970 -> 0.996, for ~0.4 CPU s an image at 1024 px (benchmarks/matting_quality/NETWORK_FIRST.md)."""
    from engine.matting import MatteOptions

    first = method == "auto" and auto_mode(network_first) == NETWORK_FIRST
    return MatteOptions(working_size=working_size, network_first=first)


def prepare_matte(
    data: bytes,
    recipe: Recipe,
    *,
    network_first: NetworkFirst = False,
    max_pixels: int = 100_000_000,
    working_size: int = DEFAULT_WORKING_SIZE,
) -> MattePlan:
    """Stage one: decode and decide the matte as far as it can be without the network. Where the
    network looks first at every image (NETWORK_FIRST), nothing is decided without it, so the colour
    model does not run here: the image goes on at matting size as `model` would hand it on, which is
    the image auto's first look is at."""
    from engine.decode import decode_image

    route = matting_route(recipe.method, network_first=network_first)
    options = matting_options(recipe.method, network_first=network_first, working_size=working_size)
    if options.network_first:
        route = "model"  # only to capture the network's input: the same image at matting size
    decoded = decode_image(data, max_pixels=max_pixels, min_size=decode_size(recipe, working_size))
    capture = _Capture()
    try:
        alpha, method, quality = _alpha_for(decoded.rgb, decoded.alpha, route, capture, options=options)
    except _NeedsNetwork:
        return MattePlan(network_input=capture.work, alpha=None)
    return MattePlan(network_input=None, alpha=_quantise(alpha), method=method, quality=quality)


def finish_image(
    data: bytes,
    recipe: Recipe,
    template: TemplateSpec,
    *,
    plan: MattePlan,
    network_matte: np.ndarray | None = None,
    network_first: NetworkFirst = False,
    background: np.ndarray | None = None,
    max_pixels: int = 100_000_000,
    working_size: int = DEFAULT_WORKING_SIZE,
) -> ProcessResult:
    """Stage three: the image finished from `plan` and, where the network ran, its uint8 matte."""
    from engine.decode import decode_image
    from engine.matting.model import NetworkMatte

    decoded = decode_image(data, max_pixels=max_pixels, min_size=decode_size(recipe, working_size))
    rgb = decoded.rgb
    if plan.alpha is not None:
        alpha = plan_alpha(plan, rgb, working_size)
        method, quality = plan.method, plan.quality
    else:
        if network_matte is None:
            raise ValueError("this image needs the network's matte and none was given")
        route = matting_route(recipe.method, network_first=network_first)
        options = matting_options(recipe.method, network_first=network_first, working_size=working_size)
        alpha, method, quality = _alpha_for(rgb, None, route, NetworkMatte(network_matte), options=options)
        if route != recipe.method:  # (an uploaded cut-out's own alpha is decided in prepare_matte)
            method = f"{recipe.method}:{method}"
    return _export(rgb, alpha, recipe, template, background, quality, method)


def plan_alpha(plan: MattePlan, rgb: np.ndarray, working_size: int = DEFAULT_WORKING_SIZE) -> np.ndarray:
    """A plan's uint8 matte as float32 at the photo's size: decided at that size (the prepare stage),
    or at the working size (auto finished in the network stage where it took its looks:
    `engine.matting.network_auto`), brought up as `matte` brings its own. Any other size means the
    stages decoded the photo differently: an error, never a stretched matte."""
    from engine.matting import to_image, working_shape

    alpha = plan.alpha.astype(np.float32) * np.float32(1.0 / 255.0)
    if plan.alpha.shape == rgb.shape[:2]:
        return alpha
    if plan.alpha.shape != working_shape(rgb.shape, working_size):
        raise ValueError(f"matte is {plan.alpha.shape}, image {rgb.shape[:2]}: decoded differently")
    return to_image(alpha, rgb)


def _quantise(alpha: np.ndarray) -> np.ndarray:
    return np.clip(alpha * 255.0 + 0.5, 0.0, 255.0).astype(np.uint8)
