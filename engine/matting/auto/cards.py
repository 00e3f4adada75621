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

Round 1, whites tune 144: white_card-15 0.874 -> 0.966, card-16 0.980 -> 0.987, no other image moved (no
printer: each has a side that fails `CARD_EVEN`). Fresh tune cards 18-47: card-24 +0.005, card-29
-0.001 (the box about a px past the card's edge), mean 0.9879 -> 0.9881; check cards 48-65: card-52
+0.0005, nothing else moved. The bowl of card-15's "D", an enclosed region that matches the backdrop
as a mug's handle does, was opened by the fusion's hole rule; it is now kept closed there
(`holes.print_counter`: the same light surface lies all round the print).

Round 2 (helper E). Where a side's largest step does not run the whole side, another strong step that
runs it plainly (`CARD_EVEN_AGAIN`) may be its edge, those at or inside the answer's side first
(`side_edge`), and a box with such a side needs every side `CARD_EVEN_MOVED`: a pattern printed near
the card's edge steps more than the edge but not along the whole side (white_card-15: a printed grid
11 px inside its left edge, evenness 0.04, the card left uncompleted; now completed, 0.897 -> 0.968). And a card the network found
as its print alone (fresh check white_card-55: IoU 0.02, the letters only) is looked for around the
print (`print_box`, `box_around_print`, the marks ink: `PRINT_INK`): each side the farthest strong step
within the print's longer side of it, then judged as any box is (all four sides strong and even, the
inside light).

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

from engine.matting.auto.frames import line_steps
from engine.matting.auto.measures import Tones

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
# a step other than the largest is the side's edge only where it runs the side this evenly (whites tune
# 144: a white printer's sides, cut corners, 0.20-0.28 at their most even step; white_card-15's left
# edge behind a printed grid, 0.75)
CARD_EVEN_AGAIN = 0.5
# where a side's edge is not its largest step, every side must run at least this evenly (whites tune
# 144 and printers 18-59: a white printer's box with one such side, its others 0.17-0.28; cards whose
# side was moved off a printed pattern or a sweep line, 0.34-0.92)
CARD_EVEN_MOVED = 0.3
CARD_ACROSS = 2  # lines either side of an edge whose colours make its step (past its blur)
PRINT_FILL = 0.35  # an answer filling at most this share of its box is marks (letters), not a body
# the marks are ink: this much darker than the backdrop (median; fresh check white_card-55's letters
# 0.67). A weak, blotchy answer over a light body fills as little of its box, but is the body's light
PRINT_INK = 0.3
PRINT_MIN_SIDE = 12  # px: the least height (width) of a print looked around
PRINT_REACH = 1.0  # a card's side is looked for within this many times the print's longer side of it
PRINT_GAP = 3  # px past the print's box where the look for the card's side starts (the ink's blur)
PRINT_STEP = 10.0  # a card's edge around a print steps this many times the median step beyond the print


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
    steps = line_steps(profile)
    lo, hi = max(0, at - 1 - CARD_SLACK), min(steps.size, at + CARD_SLACK)
    if hi <= lo:
        return at, 0.0
    i = lo + int(np.argmax(steps[lo:hi]))
    return i + 1, float(steps[i] / _texture(steps, at))


def _peak(steps: np.ndarray, i: int, inward: int) -> int:
    """The step `i` moved `inward` (+-1) while the next step is larger: the middle of an edge's blur,
    not its outer foot (a step's outermost line lay a px outside the card: whites tune white_card-17)."""
    while 0 <= i + inward < steps.size and steps[i + inward] > steps[i]:
        i += inward
    return i


def _piece_profiles(lines: np.ndarray) -> list[np.ndarray]:
    """The profiles across a side (`lines`: (line, along, 3)) of its `CARD_PIECES` pieces, its ends
    included: made once per side, as every candidate step's evenness reads them (each side's were
    averaged over the photo's full height or width once per candidate, ~10 ms a card photo)."""
    return [lines[:, piece].mean(axis=1) for piece in np.array_split(np.arange(lines.shape[1]), CARD_PIECES)]


def _evenness(profile: np.ndarray, pieces: list[np.ndarray], pos: int) -> float:
    """The weakest step at `pos` of a side's pieces (`_piece_profiles`) over the whole side's step
    (`profile`: the side's `lines.mean(axis=1)`)."""
    whole = float(np.linalg.norm(_across(profile, pos)))
    steps = [float(np.linalg.norm(_across(piece, pos))) for piece in pieces]
    return min(steps) / max(whole, 1e-6)


def side_edge(
    ratio: np.ndarray, at: int, span: tuple[int, int], *, rows: bool, outward: int
) -> tuple[int, float, float]:
    """(position, strength, evenness) of the photo's edge along one side of the box: the side at row
    (`rows`) or column `at`, running over `span` (less `CARD_TRIM` at each end). The whole side gives the
    position and strength (`edge_near`); evenness is the weakest step there of `CARD_PIECES` pieces of
    the side, its ends included, over the whole side's step: near 0 where a piece has no edge there (a
    box with cut corners), and above that where the edge runs the whole side, though a shadow beside
    one end makes that piece's step, and so the whole side's, larger than the others'.

    Given the side's `outward` direction (-1: towards lower lines, 1: higher), the steps within the
    slack that stand `CARD_STEP` above the texture, each at the middle of its blur (`_peak`), are the
    candidates that run the whole side: the largest step where it is `CARD_EVEN`, any other where it
    is `CARD_EVEN_AGAIN`. Those at or inside the answer's side (`at`, within a px) come first, then
    those outside it, each nearest first. The answer's side is rarely inside the card's by more than
    its blur, and a step just outside it is often a line of the sweep's print that runs as evenly
    (fresh tune card-43: 9 px above its top, the largest step there); a pattern printed on the card
    near its edge steps more than the edge but not along the whole side (whites tune white_card-15: a
    printed grid 11 px inside its left edge, evenness 0.04, the card left uncompleted). Tried and
    dropped: the outermost candidate first (cards 43, 46, 89 -0.01 to -0.03: sweep lines outside);
    the nearest first on either side, at `CARD_EVEN` (a faint step 2 px above card-18's top, -0.009,
    and a white printer's sides even enough, 0.2-0.28: tune printers 8, 9, 15 -0.02 to -0.03)."""
    lo, hi = span
    trim = int(CARD_TRIM * (hi - lo))
    lo, hi = lo + trim, hi - trim
    lines = ratio[:, lo:hi] if rows else ratio[lo:hi].transpose(1, 0, 2)  # (line, along the side, 3)
    profile = lines.mean(axis=1)
    pos, strength = edge_near(profile, at)
    pieces = _piece_profiles(lines)
    even = _evenness(profile, pieces, pos)
    steps = line_steps(profile)
    texture = _texture(steps, at)
    first, last = max(0, at - 1 - CARD_SLACK), min(steps.size, at + CARD_SLACK)
    peaks = {_peak(steps, i, -outward) for i in range(first, last) if steps[i] >= CARD_STEP * texture}
    evens = {i: _evenness(profile, pieces, i + 1) for i in peaks}
    edges = [i for i in peaks if evens[i] >= CARD_EVEN_AGAIN or (i + 1 == pos and evens[i] >= CARD_EVEN)]
    # at or inside the answer's side first, nearest first; then outside it, nearest first
    edges.sort(key=lambda i: (outward * (i + 1 - at) > 1, abs(i + 1 - at)))
    if edges:
        return edges[0] + 1, float(steps[edges[0]] / texture), evens[edges[0]]
    return pos, strength, even


def print_box(hard: np.ndarray) -> tuple[int, int, int, int] | None:
    """(y0, y1, x0, x1) of the answer's bounding box (end-exclusive) where the answer is thin marks that
    fill little of it (`PRINT_FILL`: a line of letters), or None. Whether they are ink (`PRINT_INK`) is
    the caller's to judge."""
    ys, xs = np.nonzero(hard)
    if ys.size == 0:
        return None
    y0, y1, x0, x1 = int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1
    if min(y1 - y0, x1 - x0) < PRINT_MIN_SIDE or ys.size > PRINT_FILL * (y1 - y0) * (x1 - x0):
        return None
    return y0, y1, x0, x1


def _outward(profile: np.ndarray, start: int, stop: int) -> int:
    """Position of the step of `profile` farthest from the print among those between lines `start` and
    `stop` (`start` the print's side) that stand `PRINT_STEP` times above the median step there: p means
    the step between lines p - 1 and p. The farthest, not the largest: a pattern printed on the card
    (rings, a grid) steps inside its edge as much as the edge does, the sweep beyond the edge is plain
    (whites tune white_card-55: its top edge steps 28 times the median, a ring on it 58 times)."""
    steps = line_steps(profile)
    lo, hi = max(0, min(start, stop)), min(steps.size, max(start, stop))
    if hi <= lo:
        return start
    window = steps[lo:hi]
    strong = np.flatnonzero(window >= PRINT_STEP * max(float(np.median(window)), 1e-6))
    if strong.size == 0:
        return start
    return _peak(steps, lo + int(strong[0] if start > stop else strong[-1]), 1 if start > stop else -1) + 1


def box_around_print(ratio: np.ndarray, box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """The box the photo's largest straight steps close around a print's box: each side looked for
    outward from the print (past `PRINT_GAP` px) within `PRINT_REACH` of the print's longer side, its
    lines' colour averaged along the print's extent (the card's side runs at least that far)."""
    y0, y1, x0, x1 = box
    reach = int(PRINT_REACH * max(y1 - y0, x1 - x0))
    rows = ratio[:, x0:x1].mean(axis=1)
    cols = ratio[y0:y1].mean(axis=0)
    # a print within `PRINT_GAP` of the image's edge finds no step there: the box stops at the edge
    height, width = ratio.shape[:2]
    return (
        max(0, _outward(rows, y0 - PRINT_GAP, y0 - reach)),
        min(height, _outward(rows, y1 + PRINT_GAP, y1 + reach)),
        max(0, _outward(cols, x0 - PRINT_GAP, x0 - reach)),
        min(width, _outward(cols, x1 + PRINT_GAP, x1 + reach)),
    )


def complete_card(alpha: np.ndarray, tones: Tones) -> tuple[np.ndarray, float, dict]:
    """`alpha` with the light upright rectangle it mostly is completed to the box the photo's four
    straight edges close (see the module's docstring); where the answer is only a card's print
    (`print_box`), the box is first looked for around it (`box_around_print`). Returns (alpha, share of
    the image added, details)."""
    hard = alpha > 0.5
    ratio, darkening = tones.ratio, tones.darkening
    box = card_box(hard)
    if box is not None:
        y0, y1, x0, x1 = box
        if float(np.median(darkening[y0:y1, x0:x1][hard[y0:y1, x0:x1]])) > CARD_DARKEST:
            return alpha, 0.0, {}
    else:
        printed = print_box(hard)
        if printed is None or float(np.median(darkening[hard])) < PRINT_INK:
            return alpha, 0.0, {}
        y0, y1, x0, x1 = box_around_print(ratio, printed)
        if min(y1 - y0, x1 - x0) < CARD_MIN_SIDE:
            return alpha, 0.0, {}
        around = np.zeros(hard.shape, bool)
        around[y0:y1, x0:x1] = True
        around &= ~hard
        if float(np.median(darkening[around])) > CARD_DARKEST:
            return alpha, 0.0, {}
    edges = {
        "top": side_edge(ratio, y0, (x0, x1), rows=True, outward=-1),
        "bottom": side_edge(ratio, y1, (x0, x1), rows=True, outward=1),
        "left": side_edge(ratio, x0, (y0, y1), rows=False, outward=-1),
        "right": side_edge(ratio, x1, (y0, y1), rows=False, outward=1),
    }
    found = {side: (pos, round(strength, 1), round(even, 2)) for side, (pos, strength, even) in edges.items()}
    if not all(strength >= CARD_STEP and even >= CARD_EVEN for _, strength, even in edges.values()):
        return alpha, 0.0, {"card_sides": found}
    largest = (edge_near(ratio[:, x0:x1].mean(axis=1), y0)[0], edge_near(ratio[:, x0:x1].mean(axis=1), y1)[0])
    largest += (edge_near(ratio[y0:y1].mean(axis=0), x0)[0], edge_near(ratio[y0:y1].mean(axis=0), x1)[0])
    moved = any(
        abs(edges[side][0] - at) > 1
        for side, at in zip(("top", "bottom", "left", "right"), largest, strict=True)
    )
    if moved and min(even for _, _, even in edges.values()) < CARD_EVEN_MOVED:
        # a side's edge is not its largest step: the box is judged more strictly
        return alpha, 0.0, {"card_sides": found}
    top, bottom, left, right = (edges[side][0] for side in ("top", "bottom", "left", "right"))
    if bottom - top < CARD_MIN_SIDE or right - left < CARD_MIN_SIDE:
        return alpha, 0.0, {"card_sides": found}
    card = np.zeros(hard.shape, bool)
    card[top:bottom, left:right] = True
    added = card & ~hard
    out = np.where(added, np.float32(1.0), alpha).astype(np.float32)
    return out, float(added.mean()), {"card_sides": found}
