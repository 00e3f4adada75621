"""The product as a premultiplied linear-light layer, scaled without haloes.

Resizing straight-alpha RGBA lets the colour of invisible pixels (often the white the product was shot
on) bleed into the edge; premultiplying first gives those pixels zero weight. Doing it in linear
light keeps thin dark edges from thickening on light backgrounds and vice versa.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from engine.compose.linear import divided_to_srgb, per_channel, to_linear
from engine.compose.stripes import by_bands

_ALPHA_LUT = np.arange(256, dtype=np.float32) / np.float32(255.0)  # uint8 alpha -> k / 255, as float32


def _premultiplied(rgba: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Linear RGB of uint8 RGBA times its float alpha, (H, W, 3) float32."""
    lin = to_linear(cv2.cvtColor(rgba, cv2.COLOR_RGBA2RGB))
    return np.multiply(lin, per_channel(alpha, lin), out=lin)


@dataclass
class Layer:
    """Premultiplied linear RGB (H, W, 3) float32 and its alpha (H, W) float32."""

    premul: np.ndarray
    alpha: np.ndarray

    @classmethod
    def from_rgba(cls, rgba: np.ndarray) -> Layer:
        if rgba.ndim == 3 and rgba.shape[2] == 4 and rgba.dtype == np.uint8 and rgba.size:
            # the alpha plane taken out by OpenCV and widened through a table of the same k / 255
            # values; the colour premultiplied band by band (issue 12)
            alpha = cv2.LUT(cv2.extractChannel(rgba, 3), _ALPHA_LUT)
            return cls(by_bands(_premultiplied, rgba, alpha), alpha)
        alpha = rgba[..., 3].astype(np.float32) / 255.0
        lin = to_linear(np.ascontiguousarray(rgba[..., :3]))
        return cls(np.multiply(lin, per_channel(alpha, lin), out=lin), alpha)

    def resized(self, width: int, height: int, *, clamp: bool = True) -> Layer:
        """The layer at width x height. `clamp=False` leaves the premultiplied colour's cubic
        overshoot in place: for a caller that only takes `straight_srgb` of the result, which
        clips to 0..1 after dividing alpha out and so gives the same codes without two passes
        over the colour (issue 12)."""
        h, w = self.alpha.shape
        if (w, h) == (width, height):
            return self
        interp = cv2.INTER_AREA if width < w or height < h else cv2.INTER_CUBIC
        premul = cv2.resize(self.premul, (width, height), interpolation=interp)
        alpha = cv2.resize(self.alpha, (width, height), interpolation=interp)
        # cubic overshoots; premultiplied colour can never exceed its alpha
        np.clip(alpha, 0.0, 1.0, out=alpha)
        if clamp:
            np.minimum(premul, alpha[..., None], out=premul)
            np.maximum(premul, 0.0, out=premul)
        return Layer(premul, alpha)

    def straight_srgb(self) -> np.ndarray:
        """uint8 sRGB with straight alpha divided out (transparent pixels become black)."""
        return by_bands(divided_to_srgb, self.premul, self.alpha)

    def with_straight_srgb(self, rgb: np.ndarray) -> Layer:
        """Same alpha, new colours (after a filter that worked on straight sRGB)."""
        return Layer(to_linear(rgb) * self.alpha[..., None], self.alpha)

    def to_rgba(self) -> np.ndarray:
        out = np.empty(self.alpha.shape + (4,), np.uint8)
        out[..., :3] = self.straight_srgb()
        out[..., 3] = np.round(self.alpha * 255.0).astype(np.uint8)
        return out
