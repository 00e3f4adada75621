"""The batch: 24 varied product photos with exact alpha, shot as if across a day under mixed light.

12 Fluent Emoji 3D renders (held-out `test` split) on studio sweeps (benchmarks.datasets.studio) and
12 white-on-white shots (`holdout` split of benchmarks.datasets.whites: cards, phones, printers,
bottles, mugs, glass, bulbs, shrubs), so shapes run from flat and wide to tall and thin. Each photo is
then seen under its own light: a blackbody colour temperature between 4000 K and 9000 K (a seller
shooting by a window through the day, camera white balance fixed at daylight), applied in linear
light. The uncast shot is kept, so the benchmark knows which pixels were neutral.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from benchmarks.datasets import emoji, studio, whites

_LUMA = np.array([0.2126, 0.7152, 0.0722])
_XYZ_TO_SRGB = np.array([[3.2406, -1.5372, -0.4986], [-0.9689, 1.8758, 0.0415], [0.0557, -0.2040, 1.0570]])


@dataclass(frozen=True)
class Photo:
    name: str
    rgb: np.ndarray  # uint8, under its light
    original: np.ndarray  # uint8, the same shot before the light's cast
    alpha: np.ndarray  # float32 true alpha
    kelvin: float


def _lobe(x: np.ndarray, mu: float, s1: float, s2: float) -> np.ndarray:
    return np.exp(-0.5 * ((x - mu) / np.where(x < mu, s1, s2)) ** 2)


def blackbody_rgb(kelvin: float) -> np.ndarray:
    """Linear sRGB of a blackbody, luminance 1 (Planck's law and the CIE 1931 observer as fitted by
    Wyman, Sloan and Shirley 2013)."""
    nm = np.arange(380.0, 781.0, 5.0)
    lam = nm * 1e-9
    spectrum = 1.0 / (lam**5 * (np.exp(6.626e-34 * 2.998e8 / (lam * 1.381e-23 * kelvin)) - 1.0))
    xbar = 1.056 * _lobe(nm, 599.8, 37.9, 31.0) + 0.362 * _lobe(nm, 442.0, 16.0, 26.7)
    xbar -= 0.065 * _lobe(nm, 501.1, 20.4, 26.2)
    ybar = 0.821 * _lobe(nm, 568.8, 46.9, 40.5) + 0.286 * _lobe(nm, 530.9, 16.3, 31.1)
    zbar = 1.217 * _lobe(nm, 437.0, 11.8, 36.0) + 0.681 * _lobe(nm, 459.0, 26.0, 13.8)
    rgb = _XYZ_TO_SRGB @ np.array([(spectrum * c).sum() for c in (xbar, ybar, zbar)])
    return rgb / float(rgb @ _LUMA)


def light_cast(kelvin: float) -> np.ndarray:
    """Per-channel linear gains of a camera balanced for D65 shooting under `kelvin`."""
    g = blackbody_rgb(kelvin) / blackbody_rgb(6504.0)
    return g / float(g @ _LUMA)


def _to_linear(u8: np.ndarray) -> np.ndarray:
    v = u8.astype(np.float32) / 255.0
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def _to_srgb8(lin: np.ndarray) -> np.ndarray:
    lin = np.clip(lin, 0.0, 1.0)
    v = np.where(lin <= 0.0031308, lin * 12.92, 1.055 * lin ** (1 / 2.4) - 0.055)
    return np.clip(np.rint(v * 255.0), 0, 255).astype(np.uint8)


def batch(
    count: int = 24, *, size: int = 768, k_range: tuple[float, float] = (4000.0, 9000.0)
) -> list[Photo]:
    """`count` photos (half emoji studio shots, half white-on-white), each under its own light."""
    shots = []
    for i, path in enumerate(emoji.pick("test", count // 2)):
        shots.append(
            (f"emoji:{path.stem[:24]}", studio.compose_shot(emoji.load_rgba(path), size=size, seed=7000 + i))
        )
    for item in whites.pick("holdout", count - count // 2):
        shots.append((f"whites:{item.name}", whites.shot(item, size=size)))
    temps = np.random.default_rng(11).permutation(np.linspace(k_range[0], k_range[1], len(shots)))
    out = []
    for (name, shot), kelvin in zip(shots, temps, strict=True):
        cast = light_cast(float(kelvin)).astype(np.float32)
        rgb = _to_srgb8(_to_linear(shot.rgb) * cast)
        out.append(Photo(name, rgb, shot.rgb, shot.alpha.astype(np.float32), float(kelvin)))
    return out
