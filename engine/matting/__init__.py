"""Matting: an alpha matte (float32 HxW, 0..1) for a product photo, by one of three methods.

- `fast`: the colour model for light studio backgrounds (engine.matting.fast),
- `model`: an ONNX salient-object network (engine.matting.model),
- `auto` (default): `fast` where it is confident, the network fused with the colour model elsewhere;
  with `MatteOptions(network_first=True)` (a GPU serves the network) the network looks at every image
  and the colour model only corrects its answer (auto's further looks and fusion, as elsewhere).

Images larger than the working size are matted at the working size and the matte is brought back to
full resolution with edge-aware (guided) upsampling, so outputs keep every pixel of the input.
`session` may be a ModelSession or a zero-argument callable returning one: the callable is only
called when an image actually needs the network, so `auto` on clean photos never loads the model.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from engine.compose.masks import compare
from engine.matting.auto import BACKDROP_RESIDUAL, MissingModel, matte_auto
from engine.matting.cutout import cutout, decontaminate
from engine.matting.fast import FastOptions, backdrop_fit, matte_fast
from engine.matting.refine import upsample_alpha

METHODS = ("auto", "fast", "model")

__all__ = [
    "METHODS",
    "MatteOptions",
    "MatteResult",
    "MissingModel",
    "cutout",
    "decontaminate",
    "matte",
    "network_auto",
    "network_looks",
    "to_image",
    "working_shape",
]


@dataclass(frozen=True)
class MatteOptions:
    working_size: int = 1024  # longest side matting runs at (settings.limits.working_size)
    keep_shadows: bool = False  # count soft floor shadows as product (fast and auto)
    route_threshold: float = 0.8  # auto: fast-method confidence needed to skip the network
    # auto: the network looks at every image, whatever the colour model's confidence (no threshold
    # skips it); the colour model then only corrects the network's answer (issue 12)
    network_first: bool = False

    @property
    def auto_threshold(self) -> float:
        """The colour-model confidence `matte_auto` needs to skip the network: none with
        `network_first` (auto's own test is `confidence >= threshold`, never true for infinity)."""
        return math.inf if self.network_first else self.route_threshold


@dataclass(frozen=True)
class MatteResult:
    alpha: np.ndarray  # float32 (H, W) 0..1 at the input's size
    method: str  # "fast" | "model" | "auto:fast" | "auto:model"
    quality: float  # 0..1; batches flag results below ~0.5 for review
    details: dict = field(default_factory=dict)


def _working_size(shape: tuple[int, ...], working_size: int) -> tuple[int, int] | None:
    """(width, height) matting runs at for an image of this shape; None when it is the image's own."""
    h, w = shape[:2]
    scale = working_size / max(h, w)
    if scale >= 1.0:
        return None
    return max(1, round(w * scale)), max(1, round(h * scale))


def working_shape(shape: tuple[int, ...], working_size: int) -> tuple[int, int]:
    """(height, width) an image of this shape is matted at."""
    size = _working_size(shape, working_size)
    return (shape[0], shape[1]) if size is None else (size[1], size[0])


def to_image(alpha: np.ndarray, rgb: np.ndarray) -> np.ndarray:
    """A matte made at the working size brought to `rgb`'s size as `matte` brings its own (edge-aware
    upsampling on the photo), float32; unchanged where it is that size already."""
    if alpha.shape != rgb.shape[:2]:
        alpha = upsample_alpha(alpha, rgb)
    return alpha.astype(np.float32, copy=False)


def _to_working(rgb: np.ndarray, working_size: int) -> np.ndarray:
    size = _working_size(rgb.shape, working_size)
    return rgb if size is None else cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def _network_matte(rgb: np.ndarray, session, working_size: int) -> tuple[np.ndarray, tuple[int, int]]:
    """`model`'s matte and the (height, width) it is at: the network run on the image at the
    working size, or, for a `NetworkMatte` (the network ran elsewhere on the prepared image), that
    matte brought to the working size's shape without resizing the photo (issue 12)."""
    from engine.matting.model import NetworkMatte

    if isinstance(session, NetworkMatte):
        size = _working_size(rgb.shape, working_size)
        w, h = size if size is not None else (rgb.shape[1], rgb.shape[0])
        return session.at(h, w), (h, w)
    work = _to_working(rgb, working_size)
    return _resolve(session)(work), work.shape[:2]


def _resolve(session) -> Callable[[np.ndarray], np.ndarray]:
    if session is None:
        raise MissingModel("this image needs the matting model, but no model session was given")

    def predict(x: np.ndarray) -> np.ndarray:
        s = session() if callable(session) and not hasattr(session, "predict") else session
        return s.predict(x)

    return predict


def matte(
    rgb: np.ndarray, method: str = "auto", *, session=None, options: MatteOptions | None = None
) -> MatteResult:
    """Matte an RGB uint8 image; see the module docstring for methods and the `session` argument."""
    if method not in METHODS:
        raise ValueError(f"unknown matting method {method!r}; choose one of {', '.join(METHODS)}")
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"matte expects uint8 (H, W, 3) RGB, got {rgb.dtype} {rgb.shape}")
    opt = options or MatteOptions()
    fast_opt = FastOptions(keep_shadows=opt.keep_shadows)
    details: dict = {}
    if method == "model":
        alpha, _ = _network_matte(rgb, session, opt.working_size)
        used, quality = "model", _model_only_quality(alpha)
    elif method == "fast":
        work = _to_working(rgb, opt.working_size)
        res = matte_fast(work, fast_opt)
        alpha, used, quality, details = res.alpha, "fast", res.confidence, res.details
    else:
        work = _to_working(rgb, opt.working_size)
        predict = _resolve(session) if session is not None else None
        alpha, used, quality, details = matte_auto(
            work, predict, route_threshold=opt.auto_threshold, fast_options=fast_opt
        )
    return MatteResult(to_image(alpha, rgb), used, float(np.clip(quality, 0.0, 1.0)), details)


def _model_only_quality(alpha: np.ndarray) -> float:
    """Certainty of a bare network matte: share of decided pixels along its outline."""
    a = np.ascontiguousarray(alpha, dtype=np.float32)
    hard = compare(a, 0.5, cv2.CMP_GT)  # 0/255: OpenCV's masks, counted without a bool array
    if cv2.countNonZero(hard) < 0.0001 * hard.size:
        return 0.0
    perimeter = max(1, cv2.countNonZero(cv2.morphologyEx(hard, cv2.MORPH_GRADIENT, None)))
    undecided = cv2.countNonZero(cv2.bitwise_and(compare(a, 0.15, cv2.CMP_GT), compare(a, 0.85, cv2.CMP_LT)))
    return float(np.clip(1.0 - undecided / (perimeter * 12.0), 0.0, 1.0))


def network_looks(
    work: np.ndarray,
    predict_u8: Callable[[np.ndarray], np.ndarray],
    *,
    first: np.ndarray | None = None,
    options: MatteOptions | None = None,
) -> list[np.ndarray]:
    """Every matte `auto` asks the network for on `work` (the image at working size that a batch's
    prepare stage hands on), in the order it asks, each as `predict_u8` gives it (uint8 at the
    network's size). `first`: the first look, already computed (a batched network call).

    A batch's network stage takes these looks and its finish stage can replay them through
    `NetworkMatte`: auto's second look at the flattened photo and its look past a found part need the
    network again on images only auto can make, so the network stage makes them, with the same
    decisions (each look is handed to auto as the finish stage will see it, quantised and widened).
    Where the backdrop fit says no further look can be asked for (a smooth sweep: `could_look_again`
    in `matte_auto` is this same test), only the first look runs and auto's colour model is left to
    the finish stage. See `network_auto` for the matte itself."""
    return network_auto(work, predict_u8, first=first, options=options)[0]


def network_auto(
    work: np.ndarray,
    predict_u8: Callable[[np.ndarray], np.ndarray],
    *,
    first: np.ndarray | None = None,
    options: MatteOptions | None = None,
) -> tuple[list[np.ndarray], MatteResult | None]:
    """`network_looks`, and `auto`'s finished matte at `work`'s size where it had to run to the end to
    learn which looks it wants (a textured or unevenly lit backdrop), else None (only the first look
    ran; the finish stage runs auto). That matte is the one the finish stage would make by replaying
    the looks (same image, same looks as it would see them, same decisions), so a batch hands it on
    instead of running auto twice (0.33 CPU s per whites image: NETWORK_FIRST.md); `to_image` brings
    it to the photo's size as `matte` does."""
    from engine.matting.model import NetworkMatte

    opt = options or MatteOptions()
    looks: list[np.ndarray] = []

    def predict(image: np.ndarray) -> np.ndarray:
        matte_u8 = first if first is not None and not looks else predict_u8(image)
        looks.append(matte_u8)
        return NetworkMatte(matte_u8).at(image.shape[0], image.shape[1])

    fast_opt = FastOptions(keep_shadows=opt.keep_shadows)
    fit = backdrop_fit(work, fast_opt)
    if fit[1] <= BACKDROP_RESIDUAL:
        predict(work)
        return looks, None
    alpha, used, quality, details = matte_auto(
        work, predict, route_threshold=opt.auto_threshold, fast_options=fast_opt, fit=fit
    )
    done = MatteResult(alpha.astype(np.float32, copy=False), used, float(np.clip(quality, 0.0, 1.0)), details)
    return looks, done
