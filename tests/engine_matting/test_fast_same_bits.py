"""The cheaper CPU paths of the colour model and `auto` give the same bits as the plain code they
replace: the colour norms summed as planes (`norms.channel_norm`), holes labelled after a flood fill
(`masks.hole_labels`), parts labelled on the mask's bounding box (`masks.part_stats`), the colour
model's evidence maps and the darkening map computed in place. Each reference below is the code as it
was before, on small masks and images these tests build."""

from __future__ import annotations

import cv2
import numpy as np

from engine.matting.fast import FastOptions, evidence_maps, fit_background
from engine.matting.masks import hole_labels, part_stats
from engine.matting.norms import channel_norm
from engine.matting.score import darkening
from tests.engine_matting.test_masks import shapes


def old_hole_labels(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    n, labels, stats, _ = cv2.connectedComponentsWithStats((~mask).astype(np.uint8), connectivity=4)
    enclosed = np.ones(n, bool)
    enclosed[0] = False
    for edge in (labels[0], labels[-1], labels[:, 0], labels[:, -1]):
        enclosed[edge] = False
    return n, labels, stats, enclosed


def old_evidence_maps(
    img: np.ndarray, bg: np.ndarray, sigma: float, opt: FastOptions
) -> dict[str, np.ndarray]:
    smooth = cv2.GaussianBlur(img, (0, 0), 1.0)
    ratio = smooth / np.maximum(bg, 0.02)
    s = ratio @ np.array([0.299, 0.587, 0.114], np.float32)
    chroma = np.linalg.norm(ratio - s[..., None], axis=2)
    noise = max(sigma, 0.004)
    chroma_thr, dark_thr = max(opt.chroma_threshold, 3.0 * noise), max(opt.dark_threshold, 3.0 * noise)
    bright_thr = max(opt.bright_threshold, 3.0 * noise)
    dark = np.clip(1.0 - s, 0.0, None)
    bright = np.clip(s - 1.0, 0.0, None)
    gy = cv2.Sobel(s, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    gx = cv2.Sobel(s, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    grad = cv2.dilate(np.sqrt(gx * gx + gy * gy), None, iterations=2)
    g0 = max(0.03, 6.0 * noise)
    texture = np.clip((grad - g0) / g0, 0.0, 1.0)
    colour_e = np.maximum(chroma / chroma_thr, bright / bright_thr)
    shade_e = texture * dark / dark_thr
    deep = dark / opt.deep_dark
    return {
        "evidence": np.maximum.reduce([colour_e, shade_e, deep]).astype(np.float32),
        "grow": np.maximum(np.maximum(colour_e, shade_e), np.where(deep >= 1.0, deep, 0.0)).astype(
            np.float32
        ),
        "unlike": np.maximum(colour_e, dark / dark_thr).astype(np.float32),
        "darkening": dark,
        "texture": texture.astype(np.float32),
    }


def photo(seed: int) -> np.ndarray:
    """A small light sweep (uint8 RGB) with a few grey, tinted and white shapes and JPEG-like noise."""
    rng = np.random.default_rng(seed)
    h, w = 90 + 7 * seed, 130 - 5 * seed
    img = np.full((h, w, 3), 232.0) + np.linspace(-8, 8, w)[None, :, None] + rng.normal(0, 1.5, (h, w, 3))
    shape = shapes(seed)
    grown = cv2.resize(shape.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0
    img[grown] = rng.uniform(90, 250, 3)
    cv2.circle(img, (w // 3, h // 2), 9, (200.0, 190.0, 240.0), -1)
    return np.clip(img, 0, 255).astype(np.uint8)


def test_channel_norm_is_numpys_norm_bit_for_bit() -> None:
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        for shape in ((37, 23, 3), (501, 3), (4, 3)):
            x = (rng.standard_normal(shape) * rng.choice([1e-3, 1.0, 300.0], shape)).astype(dtype)
            want = np.linalg.norm(x, axis=-1)
            got = channel_norm(x)
            assert got.dtype == want.dtype and got.tobytes() == want.tobytes()
            assert channel_norm(x.copy(), overwrite=True).tobytes() == want.tobytes()


def same_holes(mask: np.ndarray) -> None:
    n0, l0, s0, e0 = old_hole_labels(mask)
    n1, l1, s1, e1 = hole_labels(mask)
    a, b = np.flatnonzero(e0), np.flatnonzero(e1)
    assert len(a) == len(b)
    assert np.array_equal(s0[a], s1[b])  # the same holes' stats, in the same order
    order0 = np.zeros(n0, int)
    order0[a] = np.arange(1, len(a) + 1)
    order1 = np.zeros(len(e1), int)
    order1[b] = np.arange(1, len(b) + 1)
    assert np.array_equal(order0[l0], order1[l1])
    if len(a):  # the callers' "at most one region outside the mask" reads alike
        assert (n0 <= 2) == (n1 <= 2) and (n0 <= 1) == (n1 <= 1)


def test_hole_labels_find_the_whole_image_labellings_holes_in_its_order() -> None:
    for seed in range(150):
        same_holes(shapes(seed))
        same_holes(~shapes(seed))


def test_hole_labels_keep_the_count_the_callers_read() -> None:
    ring = np.ones((12, 12), bool)
    ring[5:7, 5:7] = False  # a mask round the whole border with one hole: still "n <= 2"
    same_holes(ring)
    assert hole_labels(ring)[0] == 2
    split = np.zeros((12, 12), bool)
    split[:, 4] = split[:, 8] = True  # three outside regions on the border, no hole
    same_holes(split)
    assert not hole_labels(split)[3].any()
    for mask in (np.zeros((6, 9), bool), np.ones((6, 9), bool)):
        same_holes(mask)
        assert hole_labels(mask)[0] == old_hole_labels(mask)[0]


def test_part_stats_are_the_whole_image_labellings_parts() -> None:
    for seed in range(150):
        mask = np.zeros((140, 150), bool)
        part = shapes(seed)
        y, x = seed % 17 + 1, (seed * 7) % 23 + 1  # odd and even corners both
        mask[y : y + part.shape[0], x : x + part.shape[1]] = part
        n0, l0, s0, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
        n1, l1, s1, (y0, x0) = part_stats(mask)
        assert n0 == n1 and np.array_equal(s0[1:], s1[1:])
        if n1 > 1:
            assert np.array_equal(l0[y0 : y0 + l1.shape[0], x0 : x0 + l1.shape[1]], l1)
            assert np.count_nonzero(l0) == np.count_nonzero(l1)
    assert part_stats(np.zeros((5, 5), bool))[0] == 1


def test_evidence_maps_and_darkening_are_the_plain_expressions() -> None:
    opt = FastOptions()
    weights = np.array([0.299, 0.587, 0.114], np.float32)
    for seed in range(6):
        rgb = photo(seed)
        img = rgb.astype(np.float32) / 255.0
        bg, sigma, _ = fit_background(img, opt.degree)
        want, got = old_evidence_maps(img, bg, sigma, opt), evidence_maps(img, bg, sigma, opt)
        for key, value in want.items():
            assert got[key].dtype == value.dtype and got[key].tobytes() == value.tobytes(), key
        for part, back in ((rgb, bg), (rgb[3:-5, 7:-2], bg[3:-5, 7:-2]), (rgb, bg.astype(np.float64))):
            lum = part.astype(np.float32) @ (weights / np.float32(255.0))
            plain = 1.0 - lum / np.maximum(back.astype(np.float32) @ weights, 1e-3)
            assert darkening(part, back).tobytes() == plain.tobytes()
