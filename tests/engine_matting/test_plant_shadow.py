"""A plant's lacy cast shadow taken with the plant is dropped (`shadow_pieces.plant_shadow`); a grey
body beside a plant (a grey pot) and a grey part of a product without a coloured part are not."""

from __future__ import annotations

import cv2
import numpy as np

from engine.matting.auto.measures import SHADOW_DARKENING, SHADOW_DARKEST, SHADOW_TINT
from engine.matting.auto.shadow_pieces import plant_shadow

H = W = 200


def scene(lacy: bool, leaves: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(answer, darkening, tint, grey piece): leaves on top (tint 0.4) when `leaves`, and a grey piece
    0.27 darker than the sweep below them: a lattice of blobs (a shadow of leaves) or a solid block."""
    answer = np.zeros((H, W), bool)
    darkening = np.zeros((H, W), np.float32)
    tint = np.full((H, W), 0.004, np.float32)
    if leaves:
        answer[20:90, 40:160] = True
        tint[20:90, 40:160] = 0.4
    piece = np.zeros((H, W), np.uint8)
    if lacy:
        for y in range(100, 180, 22):
            for x in range(30, 170, 22):
                cv2.circle(piece, (x, y), 8, 1, -1)
        cv2.line(piece, (30, 100), (30, 180), 1, 4)
        for y in range(100, 180, 22):
            cv2.line(piece, (30, y), (170, y), 1, 4)
    else:
        piece[100:180, 50:150] = 1
    grey = piece > 0
    answer |= grey
    darkening[grey] = 0.27
    return answer, darkening, tint, grey


def drop(answer, darkening, tint):
    return plant_shadow(answer, darkening, tint, SHADOW_DARKENING, SHADOW_DARKEST, SHADOW_TINT)


def test_a_lacy_shadow_beside_leaves_is_dropped() -> None:
    answer, darkening, tint, grey = scene(lacy=True, leaves=True)
    shadow = drop(answer, darkening, tint)
    assert shadow[grey].mean() > 0.9 and not shadow[20:90, 40:160].any()


def test_a_solid_grey_body_beside_leaves_is_kept() -> None:
    answer, darkening, tint, _ = scene(lacy=False, leaves=True)
    assert not drop(answer, darkening, tint).any()


def test_without_a_coloured_part_grey_is_a_products_own() -> None:
    answer, darkening, tint, _ = scene(lacy=True, leaves=False)
    assert not drop(answer, darkening, tint).any()
