"""How the matting benchmark judges the quality score: rank correlation with ties ranked together (many
mattes score exactly 1.00, and an arbitrary order among them must not look like skill)."""

from __future__ import annotations

import pytest

from benchmarks.matting_quality.__main__ import average_ranks, rank_correlation, score_ranking


def test_ties_share_their_mean_rank() -> None:
    assert average_ranks([1.0, 0.2, 1.0, 0.5]).tolist() == [3.5, 1.0, 3.5, 2.0]


def test_rank_correlation_orders_and_ties() -> None:
    ious = [0.99, 0.98, 0.70, 0.95, 0.40]
    assert rank_correlation([0.9, 0.8, 0.3, 0.7, 0.1], ious) == pytest.approx(1.0)
    assert rank_correlation([0.1, 0.3, 0.8, 0.7, 0.9], ious) == pytest.approx(-1.0)
    # a score that is 1.00 for all but the worst matte knows something, but far from everything
    partial = rank_correlation([1.0, 1.0, 1.0, 1.0, 0.2], ious)
    assert partial is not None and 0.3 < partial < 1.0
    assert rank_correlation([1.0] * 5, ious) is None  # a constant score ranks nothing
    assert rank_correlation([1.0, 0.5], [0.9, 0.8]) is None  # too few images


def test_score_ranking_counts_the_worst_found() -> None:
    ious = [0.99, 0.98, 0.70, 0.95, 0.40, 0.97, 0.96, 0.99]
    assert score_ranking([0.9, 0.9, 0.2, 0.9, 0.1, 0.9, 0.9, 0.9], ious, 0.25) == (2, 2)
    assert score_ranking([0.1, 0.2, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9], ious, 0.25) == (0, 2)
