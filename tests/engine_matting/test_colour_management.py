"""Photos tagged with a wide-gamut profile decode to the right sRGB values, not to their raw numbers.

The profiles are built here, as ICC v2 matrix/TRC profiles from the published primaries (Display P3:
DCI-P3 primaries, D65, the sRGB tone curve; Adobe RGB (1998): its primaries, D65, gamma 563/256),
so the test needs no profile file. The expected sRGB values are computed independently with the
colorimetric matrices, so a decoder that ignored the profile (raw values) fails by tens of levels.
"""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
from PIL import Image

from engine.decode import decode_image

LIMIT = 100_000_000
D65 = np.array([0.95047, 1.0, 1.08883])
D50 = np.array([0.96422, 1.0, 0.82521])
BRADFORD = np.array([[0.8951, 0.2664, -0.1614], [-0.7502, 1.7135, 0.0367], [0.0389, -0.0685, 1.0296]])
SRGB_PRIMARIES = ((0.64, 0.33), (0.30, 0.60), (0.15, 0.06))
P3_PRIMARIES = ((0.680, 0.320), (0.265, 0.690), (0.150, 0.060))
ADOBE_PRIMARIES = ((0.64, 0.33), (0.21, 0.71), (0.15, 0.06))


def rgb_to_xyz(primaries, white=D65) -> np.ndarray:
    """The 3x3 matrix linear RGB -> XYZ for these chromaticities and white point."""
    cols = np.array([[x / y, 1.0, (1 - x - y) / y] for x, y in primaries]).T
    scale = np.linalg.solve(cols, white)
    return cols * scale


def _s15(v: float) -> bytes:
    return struct.pack(">i", round(v * 65536))


def _xyz_tag(xyz) -> bytes:
    return b"XYZ " + b"\0" * 4 + b"".join(_s15(v) for v in xyz)


def _curve_tag(gamma: float | None) -> bytes:
    if gamma is None:  # the sRGB curve, as an ICC v4-style parametric curve (lcms reads it in v2 too)
        params = (2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045)
        return b"para" + b"\0" * 4 + struct.pack(">HH", 3, 0) + b"".join(_s15(p) for p in params)
    return b"curv" + b"\0" * 4 + struct.pack(">I", 1) + struct.pack(">H", round(gamma * 256))


def make_profile(primaries, gamma: float | None, desc: str) -> bytes:
    """A minimal RGB display profile: colorants adapted to D50 with Bradford, as ICC requires."""
    adapt = np.linalg.inv(BRADFORD) @ np.diag((BRADFORD @ D50) / (BRADFORD @ D65)) @ BRADFORD
    m = adapt @ rgb_to_xyz(primaries)
    text = desc.encode("ascii")
    tags = [
        (b"desc", b"desc" + b"\0" * 4 + struct.pack(">I", len(text) + 1) + text + b"\0" + b"\0" * 79),
        (b"wtpt", _xyz_tag(D50)),
        (b"rXYZ", _xyz_tag(m[:, 0])),
        (b"gXYZ", _xyz_tag(m[:, 1])),
        (b"bXYZ", _xyz_tag(m[:, 2])),
        (b"rTRC", _curve_tag(gamma)),
        (b"gTRC", _curve_tag(gamma)),
        (b"bTRC", _curve_tag(gamma)),
        (b"cprt", b"text" + b"\0" * 4 + b"public domain\0"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for sig, body in tags:
        while (offset + len(data)) % 4:
            data += b"\0"
        table += sig + struct.pack(">II", offset + len(data), len(body))
        data += body
    body = struct.pack(">I", len(tags)) + table + data
    size = 128 + len(body)
    header = (
        struct.pack(">I", size)
        + b"lcms"
        + bytes([2, 0x10, 0, 0])
        + b"mntrRGB XYZ "
        + struct.pack(">6H", 2026, 1, 1, 0, 0, 0)
        + b"acsp"
        + b"\0" * 24
        + struct.pack(">I", 0)  # rendering intent
        + b"".join(_s15(v) for v in D50)
        + b"\0" * 4
        + b"\0" * 44
    )
    assert len(header) == 128
    return header + body


def _srgb_encode(lin: np.ndarray) -> np.ndarray:
    lin = np.clip(lin, 0, 1)
    return np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * lin ** (1 / 2.4) - 0.055)


def _srgb_decode(v: np.ndarray) -> np.ndarray:
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def expected_srgb(rgb8, primaries, gamma: float | None) -> np.ndarray:
    v = np.asarray(rgb8, np.float64) / 255.0
    lin = _srgb_decode(v) if gamma is None else v**gamma
    xyz = rgb_to_xyz(primaries) @ lin
    out = np.linalg.solve(rgb_to_xyz(SRGB_PRIMARIES), xyz)
    return np.round(_srgb_encode(out) * 255)


# in-gamut colours of each space: skin, a leaf, a sky, a mid grey
SWATCHES = [(200, 140, 110), (90, 150, 70), (110, 150, 200), (128, 128, 128)]


@pytest.mark.parametrize(
    "name, primaries, gamma",
    [("Display P3", P3_PRIMARIES, None), ("Adobe RGB (1998)", ADOBE_PRIMARIES, 563 / 256)],
)
@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_wide_gamut_photo_converts_to_the_right_srgb(name, primaries, gamma, fmt):
    profile = make_profile(primaries, gamma, name)
    img = np.zeros((16, 16 * len(SWATCHES), 3), np.uint8)
    for i, c in enumerate(SWATCHES):
        img[:, 16 * i : 16 * (i + 1)] = c
    buf = io.BytesIO()
    kw = {"quality": 100, "subsampling": 0} if fmt == "JPEG" else {}
    Image.fromarray(img).save(buf, fmt, icc_profile=profile, **kw)
    out = decode_image(buf.getvalue(), max_pixels=LIMIT).rgb
    raw = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))  # the file's own numbers
    moved = 0
    for i, c in enumerate(SWATCHES):
        got = out[8, 16 * i + 8].astype(int)
        want = expected_srgb(raw[8, 16 * i + 8], primaries, gamma)  # JPEG moves raw values by a level
        assert np.abs(got - want).max() <= 2, (name, c, got, want)
        moved = max(moved, int(np.abs(got - np.array(c)).max()))
    assert moved >= 10  # the conversion really changed the numbers: raw values would fail above


def test_srgb_built_the_same_way_is_left_alone():
    """The builder itself is right: an sRGB profile made by it changes nothing."""
    profile = make_profile(SRGB_PRIMARIES, None, "sRGB built here")
    img = np.zeros((8, 8 * len(SWATCHES), 3), np.uint8)
    for i, c in enumerate(SWATCHES):
        img[:, 8 * i : 8 * (i + 1)] = c
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "PNG", icc_profile=profile)
    out = decode_image(buf.getvalue(), max_pixels=LIMIT).rgb
    assert np.abs(out.astype(int) - img.astype(int)).max() <= 1
