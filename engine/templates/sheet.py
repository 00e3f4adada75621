"""A contact sheet of templates with their names: how a designer reviews the whole library at once."""

from __future__ import annotations

import cv2
import numpy as np

from engine.templates.render import render
from engine.templates.spec import TemplateSpec


def contact_sheet(
    specs: list[TemplateSpec], *, cell: int = 200, cols: int = 10, aspect: tuple[int, int] = (1, 1)
) -> np.ndarray:
    """One uint8 RGB image: a grid of renders at `aspect`, each captioned with its name and id."""
    cw = cell
    ch = max(1, round(cell * aspect[1] / aspect[0]))
    cap = max(28, cell // 6)
    pad = max(6, cell // 25)
    rows = max(1, -(-len(specs) // cols))
    sheet = np.full((rows * (ch + cap + pad) + pad, cols * (cw + pad) + pad, 3), 250, np.uint8)
    scale = cell / 400
    for i, spec in enumerate(specs):
        r, c = divmod(i, cols)
        y = pad + r * (ch + cap + pad)
        x = pad + c * (cw + pad)
        sheet[y : y + ch, x : x + cw] = render(spec, cw, ch)
        cv2.putText(
            sheet,
            spec.name[:34],
            (x + 2, y + ch + int(cap * 0.45)),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.9 * scale * 1.6 / 1.6,
            (30, 30, 30),
            1,
            cv2.LINE_AA,
        )
        cv2.putText(
            sheet,
            spec.id[:40],
            (x + 2, y + ch + int(cap * 0.85)),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.7 * scale,
            (120, 120, 120),
            1,
            cv2.LINE_AA,
        )
    return sheet
