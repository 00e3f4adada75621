"""A light upright rectangle found in part, completed to the box the photo's four straight edges close.

A white card on a white sweep is found by the network only in part: a corner read as sweep, the
inside of a printed letter opened as a hole (whites tune: white_card-15, IoU 0.87, its top-right
corner and the bowl of its "D" missed). Its outline is still plain in the photo, as four straight
steps: the card's even white against the sweep's texture and uneven light. One pixel of such a step is
lost in the paper's grain, but averaged along a whole side (hundreds of pixels) it stands clear of
the texture, as a phone frame's outer edge does (`frames`).

So where the answer is mostly one upright box (`CARD_CORE`, `CARD_FILL`, `CARD_SHARE`) and light
(`CARD_DARKEST`: a dark rectangle is a screen, which `frames` looks at), each of the box's sides is
looked for in the photo near where the answer puts it (`CARD_SLACK`): the largest step between the
mean colours of neighbouring lines parallel to it. Where all four stand out of the texture around
them (`CARD_STEP`) and each runs the side's whole length, its ends included (`CARD_EVEN`: a white
printer's top corners are cut off, and its box's corners are sweep), the box they close is the card,
and what of it the answer missed is added. Nothing the answer holds is dropped (a cast shadow it took
beside the card stays, as before).

Whites tune 144: white_card-15 0.874 -> 0.966, card-16 0.980 -> 0.987, no other image moved (no
printer: each has a side that fails `CARD_EVEN`). Fresh tune cards 18-47: card-24 +0.005, card-29
-0.001 (the box about a px past the card's edge), mean 0.9879 -> 0.9881; check cards 48-65: card-52
+0.0005, nothing else moved. The bowl of card-15's "D" is
still opened afterwards: the fusion opens an enclosed region that matches the backdrop (a mug's
handle), and a white card's print encloses such regions.

Limits: the card must be upright; a tilted or perspective card is left as the network found it. A card
whose cast shadow lies beside one end of a side weakens the other pieces' share of that side's step
(white_card-32, fresh, 0.92: its right side, with a hard shadow beside its lower half, is not taken).
Tried and dropped: taking only a step whose outer side is nearer the backdrop than its inner side (a
card's bottom edge above its dark shadow fails it); judging each corner's own square against the
squares across its edges (10 px squares are lost in the sweep's texture); cutting what the answer holds
beyond a completed card (a sweep blob above card-15: +0.0015, the fusion adds most of it back).
"""

from __future__ import annotations

import numpy as np

from engine.matting.score import darkening as _darkening

CARD_CORE = 0.5  # a row (column) is the card's where the answer covers this share of its fullest one
CARD_FILL = 0.8  # share of the box the answer covers: a card found in part, not a sprawling body
CARD_SHARE = 0.85  # share of the answer inside the box: the answer is mostly the card
CARD_MIN_SIDE = 48  # px: the shortest side a card is looked at with (shorter lines do not average out)
CARD_DARKEST = 0.15  # the card's body may be this much darker than the backdrop (median)
CARD_SLACK = 12  # px either side of the answer's side within which the photo's edge is looked for
CARD_SPAN = 4  # the texture's steps are judged over this many times the slack either side
CARD_STEP = 4.0  # a side's edge steps this many times the median step of the lines around it
CARD_TRIM = 0.02  # share of a side's length left out at each end (the corner's own blur)
CARD_PIECES = 8  # each side is also looked at in this many pieces, its ends included ...
# ... each of which must step there by this share of the whole side's step (whites tune 144 and
# cards 18-47, weakest side: white printers, whose top corners are cut off, 0.01-0.08; the cards
# completed 0.17-0.75, card-15 the least; cards left alone 0.05-0.11, one of them (card-43) a box whose
# top the answer put too high, which the rule without this check made worse, 0.984 -> 0.974)
CARD_EVEN = 0.15
CARD_ACROSS = 2  # lines either side of an edge whose colours make its step (past its blur)


def card_box(hard: np.ndarray) -> tuple[int, int, int, int] | None:
    """(y0, y1, x0, x1) of the upright box that most of the answer makes up (end-exclusive), or None."""
    rows, cols = hard.sum(axis=1), hard.sum(axis=0)
    if rows.max() == 0:
        return None
    ys = np.flatnonzero(rows >= CARD_CORE * rows.max())
    xs = np.flatnonzero(cols >= CARD_CORE * cols.max())
    y0, y1, x0, x1 = int(ys[0]), int(ys[-1]) + 1, int(xs[0]), int(xs[-1]) + 1
    if min(y1 - y0, x1 - x0) < CARD_MIN_SIDE:
        return None
    inside = int(np.count_nonzero(hard[y0:y1, x0:x1]))
    if inside < CARD_FILL * (y1 - y0) * (x1 - x0) or inside < CARD_SHARE * np.count_nonzero(hard):
        return None
    return y0, y1, x0, x1


def _steps(profile: np.ndarray) -> np.ndarray:
    """Colour steps between neighbouring lines of `profile` (mean colour per line, (n, 3)): [i] lies
    between lines i and i + 1."""
    return np.linalg.norm(np.diff(profile, axis=0), axis=-1)


def _texture(steps: np.ndarray, at: int) -> float:
    """The median step within `CARD_SPAN` slacks of `at`: the sweep's texture, averaged along a side."""
    wide = steps[max(0, at - 1 - CARD_SPAN * CARD_SLACK) : at + CARD_SPAN * CARD_SLACK]
    return max(float(np.median(wide)), 1e-6) if wide.size else np.inf


def _across(profile: np.ndarray, pos: int) -> np.ndarray:
    """The colour of the `CARD_ACROSS` lines after position `pos` less that of those before it."""
    return profile[pos : pos + CARD_ACROSS].mean(axis=0) - profile[max(0, pos - CARD_ACROSS) : pos].mean(
        axis=0
    )


def edge_near(profile: np.ndarray, at: int) -> tuple[int, float]:
    """(position, strength) of the largest step of `profile` (mean colour per line, (n, 3)) within
    `CARD_SLACK` of `at`: position p means the step lies between lines p - 1 and p. Strength is that
    step over the texture's (`_texture`)."""
    steps = _steps(profile)
    lo, hi = max(0, at - 1 - CARD_SLACK), min(steps.size, at + CARD_SLACK)
    if hi <= lo:
        return at, 0.0
    i = lo + int(np.argmax(steps[lo:hi]))
    return i + 1, float(steps[i] / _texture(steps, at))


def side_edge(ratio: np.ndarray, at: int, span: tuple[int, int], *, rows: bool) -> tuple[int, float, float]:
    """(position, strength, evenness) of the photo's edge along one side of the box: the side at row
    (`rows`) or column `at`, running over `span` (less `CARD_TRIM` at each end). The whole side gives the
    position and strength (`edge_near`); evenness is the weakest step there of `CARD_PIECES` pieces of
    the side, its ends included, over the whole side's step: near 0 where a piece has no edge there (a
    box with cut corners), and above that where the edge runs the whole side, though a shadow beside
    one end makes that piece's step, and so the whole side's, larger than the others'."""
    lo, hi = span
    trim = int(CARD_TRIM * (hi - lo))
    lo, hi = lo + trim, hi - trim
    lines = ratio[:, lo:hi] if rows else ratio[lo:hi].transpose(1, 0, 2)  # (line, along the side, 3)
    pos, strength = edge_near(lines.mean(axis=1), at)
    whole = float(np.linalg.norm(_across(lines.mean(axis=1), pos)))
    pieces = np.array_split(np.arange(hi - lo), CARD_PIECES)
    steps = [float(np.linalg.norm(_across(lines[:, piece].mean(axis=1), pos))) for piece in pieces]
    return pos, strength, min(steps) / max(whole, 1e-6)


def complete_card(
    alpha: np.ndarray, rgb: np.ndarray, background: np.ndarray
) -> tuple[np.ndarray, float, dict]:
    """`alpha` with the light upright rectangle it mostly is completed to the box the photo's four
    straight edges close (see the module's docstring). Returns (alpha, share of the image added, details)."""
    hard = alpha > 0.5
    box = card_box(hard)
    if box is None:
        return alpha, 0.0, {}
    y0, y1, x0, x1 = box
    darkening = _darkening(rgb, background)
    if float(np.median(darkening[y0:y1, x0:x1][hard[y0:y1, x0:x1]])) > CARD_DARKEST:
        return alpha, 0.0, {}
    ratio = rgb.astype(np.float32) * np.float32(1.0 / 255.0) / np.maximum(background, 1e-3)
    edges = {
        "top": side_edge(ratio, y0, (x0, x1), rows=True),
        "bottom": side_edge(ratio, y1, (x0, x1), rows=True),
        "left": side_edge(ratio, x0, (y0, y1), rows=False),
        "right": side_edge(ratio, x1, (y0, y1), rows=False),
    }
    found = {side: (pos, round(strength, 1), round(even, 2)) for side, (pos, strength, even) in edges.items()}
    if not all(strength >= CARD_STEP and even >= CARD_EVEN for _, strength, even in edges.values()):
        return alpha, 0.0, {"card_sides": found}
    top, bottom, left, right = (edges[side][0] for side in ("top", "bottom", "left", "right"))
    if bottom - top < CARD_MIN_SIDE or right - left < CARD_MIN_SIDE:
        return alpha, 0.0, {"card_sides": found}
    card = np.zeros(hard.shape, bool)
    card[top:bottom, left:right] = True
    added = card & ~hard
    out = np.where(added, np.float32(1.0), alpha).astype(np.float32)
    return out, float(added.mean()), {"card_sides": found}
