"""The mask geometry the matting rules share (engine.matting.masks) gives what each rule's own copy
gave before: a hull from the outer contours is the hull of every pixel, the hole labels are the
4-connected regions outside the mask that touch no border, and filling holes fills exactly those."""

from __future__ import annotations

import cv2
import numpy as np

from engine.matting.masks import convex_hull, fill_holes, hole_labels, hull_mask, inner_edge


def shapes(seed: int) -> np.ndarray:
    """A small mask of a few discs, boxes and polygons, some of them speckled (holes, specks)."""
    rng = np.random.default_rng(seed)
    h, w = (int(v) for v in rng.integers(20, 120, 2))
    mask = np.zeros((h, w), np.uint8)
    for _ in range(int(rng.integers(1, 5))):
        kind = int(rng.integers(3))
        if kind == 0:
            cv2.circle(mask, (int(rng.integers(w)), int(rng.integers(h))), int(rng.integers(1, 25)), 1, -1)
        elif kind == 1:
            p, q = rng.integers(0, [w, h], (2, 2))
            cv2.rectangle(mask, (int(p[0]), int(p[1])), (int(q[0]), int(q[1])), 1, -1)
        else:
            cv2.fillPoly(mask, [rng.integers(0, [w, h], (5, 2)).astype(np.int32)], 1)
    if seed % 3 == 0:
        mask &= (rng.random(mask.shape) < 0.7).astype(np.uint8)
    return mask > 0


def test_the_hull_of_the_outline_is_the_hull_of_every_pixel() -> None:
    for seed in range(300):
        mask = shapes(seed)
        if not mask.any():
            continue
        every = cv2.convexHull(cv2.findNonZero(mask.astype(np.uint8)))
        drawn = np.zeros(mask.shape, np.uint8)
        cv2.fillConvexPoly(drawn, every, 1)
        assert np.array_equal(hull_mask(mask), drawn > 0)
        assert cv2.contourArea(convex_hull(mask)) == cv2.contourArea(every)


def test_the_hull_drawn_with_fill_poly_is_the_colour_models_own() -> None:
    mask = np.zeros((40, 40), bool)
    mask[5:20, 5:12] = True
    mask[25:35, 20:38] = True
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    old = np.zeros(mask.shape, np.uint8)
    cv2.fillPoly(old, [cv2.convexHull(np.concatenate(contours))], 1)
    assert np.array_equal(hull_mask(mask, convex_fill=False), old > 0)
    assert hull_mask(mask).sum() >= hull_mask(mask, convex_fill=False).sum()
    assert not hull_mask(np.zeros((8, 8), bool)).any()


def test_holes_are_the_regions_outside_the_mask_that_touch_no_border() -> None:
    mask = np.zeros((30, 30), bool)
    mask[5:25, 5:25] = True
    mask[10:15, 10:15] = False  # a hole
    mask[18:20, 18:20] = False  # another
    mask[5:25, 0:3] = True
    mask[12, 0:5] = False  # a notch open to the left border: no hole
    n, labels, stats, enclosed = hole_labels(mask)
    holes = enclosed[labels]
    assert int(enclosed.sum()) == 2 and not enclosed[0]
    assert holes[10:15, 10:15].all() and holes[18:20, 18:20].all() and not holes[12, 0:5].any()
    assert np.array_equal(fill_holes(mask), mask | holes)
    # a diagonal gap does not open a hole (4-connected)
    ring = np.ones((7, 7), bool)
    ring[3, 3] = False
    ring[2, 2] = False
    assert fill_holes(ring).all()


def test_filling_holes_fills_what_the_hole_labels_call_holes() -> None:
    for seed in range(100):
        mask = shapes(seed)
        _, labels, _, enclosed = hole_labels(mask)
        assert np.array_equal(fill_holes(mask), mask | enclosed[labels])


def test_the_inner_edge_is_what_an_erosion_removes() -> None:
    mask = np.zeros((9, 9), bool)
    mask[2:7, 2:7] = True
    edge = inner_edge(mask)
    assert edge.sum() == 16 and not edge[3:6, 3:6].any()
