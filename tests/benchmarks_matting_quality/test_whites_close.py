"""`whites_close` frames the same white-on-white shots as sellers frame them: the product's box fills
most of the frame's side, whole, while the wide shot stays as it was (benchmarks.datasets.whites)."""

import numpy as np

from benchmarks.datasets import whites


def _box_share(alpha: np.ndarray) -> tuple[float, bool]:
    """(the product box's longer side as a share of the frame's, whether the box stays off the frame's edge)."""
    ys, xs = np.nonzero(alpha > 0.5)
    side = max(ys.max() - ys.min() + 1, xs.max() - xs.min() + 1) / alpha.shape[0]
    inside = ys.min() > 0 and xs.min() > 0 and ys.max() < alpha.shape[0] - 1 and xs.max() < alpha.shape[1] - 1
    return float(side), bool(inside)


def test_a_close_shot_fills_the_frame_with_the_whole_product():
    for kind in whites.KINDS:
        item = whites.Item(kind, "tune", 0)
        wide, _ = _box_share(whites.shot(item, size=256).alpha)
        close, inside = _box_share(whites.close_shot(item, size=256).alpha)
        assert wide < 0.6 and close >= 0.6 and close >= 1.3 * wide and inside, kind


def test_the_wide_shot_is_the_one_the_earlier_figures_used():
    item = whites.Item("white_printer", "holdout", 1)
    assert whites.shot(item, size=256).params["scale"] == 1.0
    assert np.array_equal(whites.shot(item, size=256).rgb, whites.shot(item, size=256, scale=1.0).rgb)
