"""The clash rule on known colours: same hue at similar lightness, too close, or clearly apart."""

import numpy as np

from engine.surprise.colour import MAX_CLASH_SHARE, clash_share, lab_stats

RED = lab_stats(np.full((2, 2, 3), (200, 40, 40), np.uint8))
WHITE = lab_stats(np.full((2, 2, 3), (245, 245, 245), np.uint8))


def _fill(*colours: tuple[int, int, int]) -> np.ndarray:
    """Vertical stripes of equal width, one per colour."""
    return np.concatenate([np.full((10, 10, 3), c, np.uint8) for c in colours], axis=1)


def test_same_hue_similar_lightness_clashes():
    assert clash_share(RED, _fill((220, 60, 50))) == 1.0  # a slightly lighter red
    assert clash_share(RED, _fill((90, 10, 15))) == 0.0  # the same hue, far darker: contrast, no clash


def test_neutral_near_the_product_clashes_and_contrast_does_not():
    assert clash_share(WHITE, _fill((250, 250, 248))) == 1.0  # white on white
    assert clash_share(WHITE, _fill((60, 60, 65))) == 0.0
    assert clash_share(RED, _fill((40, 110, 190))) == 0.0  # blue behind red


def test_a_two_tone_backdrop_is_judged_by_its_pixels_not_its_average():
    coral_teal = _fill((235, 90, 70), (46, 122, 129))
    assert clash_share(RED, coral_teal) == 0.5 > MAX_CLASH_SHARE
