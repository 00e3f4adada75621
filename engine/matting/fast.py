"""`fast` matting: classical colour segmentation for products shot on (near-)white studio backgrounds.

A studio sweep is never a flat #FFFFFF: it has a light gradient, vignetting, a colour cast from the
lights and a soft floor shadow under the product. We therefore model the background as a smooth
low-order polynomial surface per channel, fitted robustly to pixels that look like background (the
border first, then everything that agrees with the fit), and segment by how a pixel departs from *its*
background value: a change of colour, a brightening, or a darkening. A darkening that keeps the
background's colour and has no texture is a shadow and counts as background (unless shadows are kept);
a region enclosed by the product that does not look like background is product (a laptop screen, a
label), while an enclosed region that does is a hole (a mug handle).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from engine.matting.masks import hole_labels, hull_mask, part_stats
from engine.matting.norms import channel_norm
from engine.matting.refine import soft_alpha_from_mask


@dataclass(frozen=True)
class FastOptions:
    keep_shadows: bool = False
    degree: int = 3  # polynomial degree of the background surface
    chroma_threshold: float = 0.045  # colour departure (ratio units) that is product for sure
    dark_threshold: float = 0.07  # darkening that is product when textured (shadows are smooth)
    deep_dark: float = 0.55  # darkening that is product even when smooth (shadows are rarely this deep)
    bright_threshold: float = 0.05  # brightening above the background
    min_component: float = 2e-4  # smallest separate product part, as a fraction of the image


@dataclass(frozen=True)
class FastResult:
    alpha: np.ndarray  # float32 (H, W) at the input's size
    hard: np.ndarray  # bool mask before edge refinement
    background: np.ndarray  # float32 (H, W, 3) modelled background 0..1
    evidence: np.ndarray  # float32 (H, W): >1 means "unlike the background"
    confidence: float  # how much this method can be trusted on this image, 0..1
    details: dict
    shadow: np.ndarray | None = None  # kept-shadow alpha (only with keep_shadows)


def _design(xs: np.ndarray, ys: np.ndarray, degree: int) -> np.ndarray:
    cols = [xs**i * ys**j for i in range(degree + 1) for j in range(degree + 1 - i)]
    return np.stack(cols, axis=-1).astype(np.float64)


def _grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    return (xs / max(w - 1, 1)) * 2 - 1, (ys / max(h - 1, 1)) * 2 - 1


def fit_background(img: np.ndarray, degree: int = 3) -> tuple[np.ndarray, float, np.ndarray]:
    """Fit a smooth background surface; returns (background HxWx3, residual noise sigma, bg mask small).

    Fitting happens on a ~96 px thumbnail, which is plenty for a surface of degree 3 and costs little.
    """
    h, w = img.shape[:2]
    scale = 96.0 / max(h, w)
    sh, sw = max(8, round(h * scale)), max(8, round(w * scale))
    small = cv2.resize(img, (sw, sh), interpolation=cv2.INTER_AREA).reshape(-1, 3).astype(np.float64)
    xs, ys = _grid(sh, sw)
    xs, ys = xs.ravel(), ys.ravel()
    border = np.zeros((sh, sw), bool)
    b = max(2, round(min(sh, sw) * 0.04))
    border[:b], border[-b:], border[:, :b], border[:, -b:] = True, True, True, True
    # Start from the brightest half of the border: the product may touch the frame, the sweep is light.
    lum = small.mean(axis=1)
    sel = border.ravel() & (lum >= np.quantile(lum[border.ravel()], 0.35))
    coef = None
    sigma = 0.02
    # each degree's design over the whole thumbnail, made once: a row's terms are the same whichever
    # pixels an iteration selects (re-made per iteration, the powers cost ~20 ms a photo)
    designs = {deg: _design(xs, ys, deg) for deg in {1, degree}}
    for it in range(5):
        deg = 1 if it == 0 else degree
        full = designs[deg]
        a = full[sel]
        # Normal equations on a 10x10 system: exact enough here and far cheaper than an SVD solve.
        ata = a.T @ a + 1e-6 * np.eye(a.shape[1])
        coef = np.linalg.solve(ata, a.T @ small[sel])
        pred = full @ coef
        resid = channel_norm(small - pred)
        sigma = float(1.4826 * np.median(resid[sel])) + 1e-4
        tol = max(3.5 * sigma, 0.02)
        sel = resid < tol
        if sel.sum() < 0.02 * sel.size:  # almost nothing agrees: fall back to the border
            sel = border.ravel()
    assert coef is not None
    # The surface is smooth: evaluating it on a coarse grid and interpolating is exact to ~1e-4.
    gh, gw = max(2, min(h, 160)), max(2, min(w, 160))
    fx, fy = _grid(gh, gw)
    coarse = (_design(fx.ravel(), fy.ravel(), degree) @ coef).reshape(gh, gw, 3).astype(np.float32)
    bg = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.clip(bg, 1e-3, 1.5), sigma, sel.reshape(sh, sw)


def evidence_maps(img: np.ndarray, bg: np.ndarray, sigma: float, opt: FastOptions) -> dict[str, np.ndarray]:
    """Per-pixel departures from the modelled background, each scaled so that 1 means 'product'."""
    # Every map is float32 (a float32 photo and backdrop, Python-float thresholds) and each step below
    # is the same ufunc on the same operands as the plain expression it replaces; only the temporaries
    # are written in place where nothing else reads them (each new 1024 px map costs its page faults:
    # ~10 ms of `auto`'s CPU per photo went to this function's ~30 fresh maps).
    smooth = cv2.GaussianBlur(img, (0, 0), 1.0)
    ratio = np.divide(smooth, np.maximum(bg, 0.02), out=smooth)
    weights = np.array([0.299, 0.587, 0.114], np.float32)
    s = ratio @ weights
    chroma = channel_norm(ratio - s[..., None])
    noise = max(sigma, 0.004)
    chroma_thr = max(opt.chroma_threshold, 3.0 * noise)
    dark_thr = max(opt.dark_threshold, 3.0 * noise)
    bright_thr = max(opt.bright_threshold, 3.0 * noise)
    darkening = np.clip(1.0 - s, 0.0, None)
    brightening = np.clip(s - 1.0, 0.0, None)
    gy = cv2.Sobel(s, cv2.CV_32F, 0, 1, ksize=3)
    gy /= 8.0
    gx = cv2.Sobel(s, cv2.CV_32F, 1, 0, ksize=3)
    gx /= 8.0
    gx *= gx
    gy *= gy
    gx += gy
    grad = cv2.dilate(np.sqrt(gx, out=gx), None, iterations=2)
    # Object outlines are steps (sharp); shadow edges are ramps. 0.03 per px is a ramp no soft shadow
    # of ordinary opacity reaches, while a 15 % step blurred by the camera still does.
    g0 = max(0.03, 6.0 * noise)
    grad -= g0
    grad /= g0
    texture = np.clip(grad, 0.0, 1.0, out=grad)
    chroma /= chroma_thr
    brightening /= bright_thr
    colour_e = np.maximum(chroma, brightening, out=chroma)
    shade_e = texture * darkening
    shade_e /= dark_thr
    deep = darkening / opt.deep_dark
    either = np.maximum(colour_e, shade_e, out=shade_e)
    evidence = np.maximum(either, deep)  # as np.maximum.reduce([colour_e, shade_e, deep]), unstacked
    # Growth (hysteresis) may only follow evidence a shadow cannot produce.
    grow = np.maximum(either, np.where(deep >= 1.0, deep, 0.0))
    unlike = darkening / dark_thr
    unlike = np.maximum(colour_e, unlike, out=unlike)
    return {
        # the maps are float32 already (float32 photo and backdrop): no copies
        "evidence": evidence.astype(np.float32, copy=False),
        "grow": grow.astype(np.float32, copy=False),
        "unlike": unlike.astype(np.float32, copy=False),
        "darkening": darkening,
        "texture": texture.astype(np.float32, copy=False),
    }


def add_outlined_parts(mask: np.ndarray, unlike: np.ndarray, texture: np.ndarray) -> np.ndarray:
    """Add shadow-coloured regions whose outer boundary is a sharp step: grey rims, grey panels.

    A cast shadow fades out; a grey part of a product ends in an edge. So a neutral, smooth region that
    departs from the background is product when most of its outer boundary (away from the product) is
    sharp.
    """
    cand = (unlike > 1.0) & ~mask
    n, labels = cv2.connectedComponents(cand.astype(np.uint8), connectivity=8)
    if n <= 1:
        return mask
    near_mask = cv2.dilate(mask.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    grown = cv2.dilate(labels.astype(np.float32), np.ones((3, 3), np.uint8)).astype(np.int32)
    ring = (labels == 0) & (grown > 0) & ~near_mask
    ids = grown[ring]
    sharp = texture[ring] > 0.25
    total = np.bincount(ids, minlength=n).astype(np.float64)
    sharp_count = np.bincount(ids, weights=sharp, minlength=n)
    touches = np.zeros(n, bool)
    touches[np.unique(labels[cv2.dilate(mask.astype(np.uint8), None) > 0])] = True
    keep = (total >= 8) & (sharp_count >= 0.6 * np.maximum(total, 1)) & touches
    keep[0] = False
    return mask | keep[labels]


def segment(
    evidence: np.ndarray, grow: np.ndarray, unlike: np.ndarray, texture: np.ndarray, opt: FastOptions
) -> np.ndarray:
    """Hard product mask from evidence: hysteresis, closing, specks dropped, enclosed regions decided."""
    weak = (grow > 0.6).astype(np.uint8)
    strong = evidence > 1.4
    n, labels = cv2.connectedComponents(weak, connectivity=8)
    keep = np.zeros(n, bool)
    keep[np.unique(labels[strong])] = True
    keep[0] = False
    mask = keep[labels]
    mask = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8)) > 0
    mask = drop_specks(mask, opt.min_component)
    mask = fill_enclosed(mask, unlike)
    return fill_enclosed(add_outlined_parts(mask, unlike, texture), unlike)


def drop_specks(mask: np.ndarray, min_fraction: float) -> np.ndarray:
    """Remove separate components too small to be a product part (dust, noise, JPEG blocks)."""
    n, labels, stats, (y0, x0) = part_stats(mask)
    if n <= 1:
        return mask
    areas = stats[1:, cv2.CC_STAT_AREA]
    min_area = max(16, min_fraction * mask.size, 0.01 * areas.max())
    keep = np.concatenate([[False], areas >= min_area])
    out = np.zeros(mask.shape, bool)
    out[y0 : y0 + labels.shape[0], x0 : x0 + labels.shape[1]] = keep[labels]
    return out


def fill_enclosed(mask: np.ndarray, unlike: np.ndarray, hole_tolerance: float = 0.8) -> np.ndarray:
    """Fill regions enclosed by the product unless they look like the background (then they are holes)."""
    n, labels, stats, enclosed = hole_labels(mask)
    if n <= 1:
        return mask
    out = mask.copy()
    tiny = 3e-5 * mask.size
    idx = np.flatnonzero(enclosed)
    if idx.size == 0:
        return out
    # Median "unlike background" score per enclosed region, computed from sorted values per label.
    for lab in idx:
        region = labels == lab
        if stats[lab, cv2.CC_STAT_AREA] < tiny or float(np.median(unlike[region])) > hole_tolerance:
            out[region] = True
    return out


def shadow_inside_hull(hard: np.ndarray, unlike: np.ndarray) -> float:
    """Share of the product's convex hull that departs from the background yet was called background.

    Floor and drop shadows lie mostly outside the product's hull; a large smooth dark region inside it
    is far more likely a grey, untextured part of the product whose outline did not close.
    """
    inside = hull_mask(hard, convex_fill=False)
    area = int(inside.sum())
    if area == 0:
        return 0.0
    return float(np.count_nonzero(inside & ~hard & (unlike > 1.0)) / area)


def shadow_alpha(hard: np.ndarray, darkening: np.ndarray, sigma: float) -> np.ndarray:
    """Cast shadows touching the product, as a semi-transparent black layer (alpha = darkening).

    Compositing black at alpha a over a background B gives (1-a)*B: exactly a shadow that darkens by a,
    so the kept shadow re-darkens any template it is placed on the way it darkened the sweep.
    """
    footprint = (darkening > max(0.03, 3.0 * sigma)) | hard
    n, labels = cv2.connectedComponents(footprint.astype(np.uint8), connectivity=8)
    touching = np.zeros(n, bool)
    touching[np.unique(labels[hard])] = True
    touching[0] = False
    region = touching[labels] & ~hard
    return np.where(region, np.clip(darkening, 0.0, 1.0), 0.0).astype(np.float32)


def confidence_of(
    hard: np.ndarray,
    contrast: np.ndarray,
    bg: np.ndarray,
    sigma: float,
    bg_fraction: float,
    unlike: np.ndarray,
) -> tuple[float, dict]:
    """How far the colour model can be trusted here (clean light background, contrasted edges)."""
    area = float(hard.mean())
    hull_shadow = shadow_inside_hull(hard, unlike)
    edge = hard & ~cv2.erode(hard.astype(np.uint8), None).astype(bool)
    edge_contrast = contrast[cv2.dilate(edge.astype(np.uint8), None, iterations=2) > 0]
    edge_contrast = edge_contrast[edge_contrast > 0]
    weak_edge = float(np.mean(edge_contrast < 0.12)) if edge_contrast.size else 1.0
    bg_lum = float(np.median(bg @ np.array([0.299, 0.587, 0.114], np.float32)))
    border = np.concatenate([hard[0], hard[-1], hard[:, 0], hard[:, -1]])
    border_hit = float(border.mean())
    q_light = float(np.clip((bg_lum - 0.55) / 0.2, 0, 1))
    q_noise = float(np.clip(1.0 - (sigma - 0.02) / 0.04, 0, 1))
    q_edges = float(np.clip(1.0 - weak_edge * 3.0, 0, 1))
    q_area = 1.0 if 0.003 < area < 0.85 else 0.2
    q_border = float(np.clip(1.0 - border_hit * 4.0, 0, 1))
    q_fit = float(np.clip((bg_fraction - 0.15) / 0.25, 0, 1))
    q_hull = float(np.clip(1.0 - (hull_shadow - 0.12) / 0.2, 0, 1))
    conf = q_light * q_noise * q_edges * q_area * q_border * q_fit * q_hull
    details = {
        "bg_luminance": bg_lum,
        "bg_noise": sigma,
        "weak_edge_fraction": weak_edge,
        "area": area,
        "border_hit": border_hit,
        "bg_fit_fraction": bg_fraction,
        "shadow_in_hull": hull_shadow,
    }
    return float(conf), details


def backdrop_fit(rgb: np.ndarray, options: FastOptions | None = None) -> tuple[np.ndarray, float, np.ndarray]:
    """The backdrop surface of an 8-bit photo and its residual: `fit_background` on the 0..1 image.

    Cheap (a 96 px thumbnail), so `auto` uses it as a probe: a residual too large for a smooth sweep
    means the colour model is blind here and the network is needed whatever the rest would say.
    """
    opt = options or FastOptions()
    return fit_background(rgb.astype(np.float32) / 255.0, opt.degree)


def matte_fast(
    rgb: np.ndarray,
    options: FastOptions | None = None,
    *,
    fit: tuple[np.ndarray, float, np.ndarray] | None = None,
    refine: bool = True,
) -> FastResult:
    """Matte one image (uint8 RGB, already at working size) against a modelled light background.

    `fit` is a `backdrop_fit` already made for this image. `refine=False` stops at the segmentation:
    no edge refinement and no confidence (reported as 0), for callers that have already decided to use
    the network and only need the colour model's evidence, mask and backdrop to correct its answer.
    """
    opt = options or FastOptions()
    img = rgb.astype(np.float32) / 255.0
    bg, sigma, bg_sel = fit if fit is not None else fit_background(img, opt.degree)
    maps = evidence_maps(img, bg, sigma, opt)
    hard = segment(maps["evidence"], maps["grow"], maps["unlike"], maps["texture"], opt)
    if not refine:
        shadow = shadow_alpha(hard, maps["darkening"], sigma) if opt.keep_shadows else None
        details = {"bg_noise": sigma, "bg_fit_fraction": float(bg_sel.mean()), "refined": False}
        return FastResult(hard.astype(np.float32), hard, bg, maps["unlike"], 0.0, details, shadow)
    # Colour evidence reaches into the faint outer fringe of soft edges; one pass of the compositing
    # equation on a wide band moves the outline to where alpha really crosses one half.
    alpha, _ = soft_alpha_from_mask(img, hard, band=5)
    hard = fill_enclosed(alpha > 0.5, maps["unlike"]) | (hard & (alpha > 0.5))
    alpha, contrast = soft_alpha_from_mask(img, hard)
    shadow = shadow_alpha(hard, maps["darkening"], sigma) if opt.keep_shadows else None
    if shadow is not None:
        alpha = np.maximum(alpha, shadow)
    conf, details = confidence_of(hard, contrast, bg, sigma, float(bg_sel.mean()), maps["unlike"])
    return FastResult(alpha, hard, bg, maps["unlike"], conf, details, shadow)
