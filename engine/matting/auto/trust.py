"""How far the colour model is trusted: it is blind where it left faint, coherent departures out
or where its smooth backdrop surface does not describe the sweep (`fast_trust`); what it left out
against the final matte is a doubt for the score (`left_out_faint`)."""

from __future__ import annotations

import cv2
import numpy as np

from engine.matting.fast import FastResult
from engine.matting.masks import part_stats

FAINT_FRACTION = 0.06  # image share of faint, coherent departures beyond which the colour model is blind


FAINT_BLOB = 0.5  # one faint region this large next to the found product (as a share of it): blind


def faint_mask(fast: FastResult, upper: float = 1.0) -> np.ndarray:
    """What the colour model sees but cannot decide: coherent regions that depart from the modelled
    backdrop a little (evidence 0.3-1, below its product threshold), away from the product it found.

    White, cream and silver products on a white sweep are exactly that: a white printer whose body
    differs from the paper by 3 %, the white frame around a phone's screen, a white pot under a plant.
    The colour model then reports a confident small product (the print, the screen, the leaves) and
    calls the rest backdrop. Backdrop texture and noise are fine-grained and are removed by the blur
    and the opening, so they do not count. `upper`: the evidence below which a region is faint
    (`LOOK_PAST_UPPER` for the look past a coloured part: anything the colour model left out).
    """
    e = cv2.GaussianBlur(fast.evidence, (0, 0), 3.0)
    near = cv2.dilate(fast.hard.astype(np.uint8), np.ones((15, 15), np.uint8)) > 0
    faint = ((e > 0.3) & (e < upper) & ~near).astype(np.uint8)
    return cv2.morphologyEx(faint, cv2.MORPH_OPEN, np.ones((9, 9), np.uint8)) > 0


def faint_departures(fast: FastResult, faint: np.ndarray | None = None) -> tuple[float, float]:
    """(share of the image that is faint, largest faint region / product area); see `faint_mask`.
    `faint`: `faint_mask(fast)` where the caller has it already."""
    faint = faint if faint is not None else faint_mask(fast)
    n, _, stats, _ = part_stats(faint)
    largest = float(stats[1:, cv2.CC_STAT_AREA].max()) if n > 1 else 0.0
    return float(faint.mean()), largest / max(float(fast.hard.sum()), 1.0)


def left_out_faint(
    fast: FastResult, final: np.ndarray, upper: float = 1.0, faint: np.ndarray | None = None
) -> float:
    """Faint regions touching the final product mask but not in it, as a share of that mask.

    Where both the colour model and the network leave out a faint region right against the product
    (a white pot under a plant, a phone's white frame), nobody has looked at it properly: the matte
    is doubtful, whatever the network's own certainty says. `faint`: `faint_mask(fast, upper)` where
    the caller has it already (`matte_auto` makes the one at `upper` 1 once, for `fast_trust` too:
    its blur, dilation and opening of the whole photo cost ~7 ms at 1024 px).
    """
    faint = (faint if faint is not None else faint_mask(fast, upper)) & ~final
    if not faint.any():
        return 0.0
    ring = cv2.dilate(final.astype(np.uint8), np.ones((31, 31), np.uint8)) > 0
    n, labels = cv2.connectedComponents(faint.astype(np.uint8), connectivity=8)
    touching = np.zeros(n, bool)
    touching[np.unique(labels[ring & faint])] = True
    touching[0] = False
    return float(touching[labels].sum()) / max(float(final.sum()), 1.0)


# A backdrop the smooth surface leaves this much unexplained hides light products.
BACKDROP_RESIDUAL = 0.008


def fast_trust(fast: FastResult, faint: np.ndarray | None = None) -> tuple[float, dict]:
    """The colour model's own confidence, lowered where it is blind: faint departures it left out, or a
    backdrop its smooth surface does not describe.

    The second is what the colour model cannot see by construction: on photographed paper or cloth, lit
    unevenly, the surface fit leaves a residual (robust sigma on its thumbnail) of 0.012-0.016, and a
    white frame or a glass body that departs from the paper by less than that is invisible to it while
    it reports high confidence in the dark or coloured part it did find. Clean studio sweeps leave at
    most 0.0056 (the emoji tune shots); whites tune shots that passed the other checks left 0.012-0.016.
    `faint`: `faint_mask(fast)` where the caller has it already.
    """
    share, blob = faint_departures(fast, faint)
    residual = float(fast.details.get("bg_noise", 0.0))
    left_faint = share > FAINT_FRACTION or blob > FAINT_BLOB
    blind = left_faint or residual > BACKDROP_RESIDUAL
    penalty = float(np.clip(1.0 - (share - 0.03) / 0.06, 0.0, 1.0)) if not blind else 0.0
    trust = fast.confidence * (0.5 + 0.5 * penalty) if not blind else min(fast.confidence, 0.5) * 0.5
    return float(trust), {
        "faint_share": share,
        "faint_blob": blob,
        "backdrop_residual": residual,
        "left_faint": left_faint,
        "colour_model_blind": blind,
    }
