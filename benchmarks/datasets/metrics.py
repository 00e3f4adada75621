"""Matting metrics: IoU, mean absolute error and boundary F-score with a pixel tolerance."""

from __future__ import annotations

import cv2
import numpy as np


def iou(pred: np.ndarray, true: np.ndarray, threshold: float = 0.5) -> float:
    p, t = pred >= threshold, true >= threshold
    union = np.logical_or(p, t).sum()
    return float(np.logical_and(p, t).sum() / union) if union else 1.0


def mae(pred: np.ndarray, true: np.ndarray) -> float:
    return float(np.mean(np.abs(pred.astype(np.float32) - true.astype(np.float32))))


def _boundary(mask: np.ndarray) -> np.ndarray:
    m = mask.astype(np.uint8)
    return (m - cv2.erode(m, np.ones((3, 3), np.uint8))) > 0


def boundary_f(pred: np.ndarray, true: np.ndarray, tolerance: int = 3, threshold: float = 0.5) -> float:
    """F-measure of boundary pixels matched within `tolerance` px (Perazzi et al.'s contour accuracy)."""
    bp, bt = _boundary(pred >= threshold), _boundary(true >= threshold)
    if not bp.any() and not bt.any():
        return 1.0
    if not bp.any() or not bt.any():
        return 0.0
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * tolerance + 1, 2 * tolerance + 1))
    near_t = cv2.dilate(bt.astype(np.uint8), k) > 0
    near_p = cv2.dilate(bp.astype(np.uint8), k) > 0
    precision = float((bp & near_t).sum() / bp.sum())
    recall = float((bt & near_p).sum() / bt.sum())
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
