"""Photos tagged with a wide-gamut or a CMYK profile decode to the right sRGB values, not to their raw
numbers.

The profiles are built here, as ICC v2 matrix/TRC profiles from the published primaries (Display P3:
DCI-P3 primaries, D65, the sRGB tone curve; Adobe RGB (1998): its primaries, D65, gamma 563/256),
so the test needs no profile file. The expected sRGB values are computed independently with the
colorimetric matrices, so a decoder that ignored the profile (raw values) fails by tens of levels.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms

from engine.colour_profile import cmyk_to_srgb, fix_cmyk_polarity
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


# --- CMYK -------------------------------------------------------------------------------------------
# A real CMYK press profile shipped as test data (CC0, see data/README.md): CGATS TR 001 (SWOP-like
# coated), A2B0 only. The expected sRGB values come from LittleCMS (PIL.ImageCms) applied directly to
# the CMYK numbers, independently of the engine's decode path (mode handling, marker, resize, profile).

CMYK_PROFILE = (Path(__file__).parent / "data" / "CGATS001Compat-v2-micro.icc").read_bytes()
# paper, the process inks, rich black, a light warm grey, a plum, a four-colour mid grey
CMYK_SWATCHES = [
    (0, 0, 0, 0),
    (255, 0, 0, 0),
    (0, 255, 0, 0),
    (0, 0, 255, 0),
    (0, 0, 0, 255),
    (40, 30, 20, 0),
    (100, 200, 30, 10),
    (60, 60, 60, 60),
]
CMYK_TOLERANCE = 2  # sRGB levels, against LittleCMS on the file's own (JPEG-rounded) CMYK numbers
CELL = 16


def _cmyk_strip(scale: int = 1) -> np.ndarray:
    img = np.zeros((CELL * scale, CELL * scale * len(CMYK_SWATCHES), 4), np.uint8)
    for i, c in enumerate(CMYK_SWATCHES):
        img[:, CELL * scale * i : CELL * scale * (i + 1)] = c
    return img


def _cmyk_file(img: np.ndarray, fmt: str = "JPEG", *, profile: bytes | None = CMYK_PROFILE) -> bytes:
    """Pillow writes CMYK JPEGs as Photoshop does: an Adobe APP14 marker and inverted ink values."""
    buf = io.BytesIO()
    kw: dict = {"quality": 100, "subsampling": 0} if fmt == "JPEG" else {}
    if profile is not None:
        kw["icc_profile"] = profile
    Image.fromarray(img, "CMYK").save(buf, fmt, **kw)
    return buf.getvalue()


def _lcms_srgb(cmyk: np.ndarray) -> np.ndarray:
    """LittleCMS, straight: CMYK numbers through the profile's perceptual table to sRGB."""
    src = ImageCms.ImageCmsProfile(io.BytesIO(CMYK_PROFILE))
    t = ImageCms.buildTransform(
        src, ImageCms.createProfile("sRGB"), "CMYK", "RGB", renderingIntent=ImageCms.Intent.PERCEPTUAL
    )
    px = Image.fromarray(np.ascontiguousarray(cmyk.reshape(1, -1, 4).astype(np.uint8)), "CMYK")
    return np.asarray(ImageCms.applyTransform(px, t), np.int64).reshape(-1, 3)


def _adobe_marker(data: bytes) -> bytes | None:
    """The payload of the APP14 "Adobe" segment, or None."""
    i = data.find(b"\xff\xee")
    while i != -1:
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if data[i + 4 : i + 9] == b"Adobe":
            return data[i + 4 : i + 2 + length]
        i = data.find(b"\xff\xee", i + 2)
    return None


def _without_adobe_marker(data: bytes) -> bytes:
    i = data.find(b"\xff\xee")
    length = int.from_bytes(data[i + 2 : i + 4], "big")
    assert data[i + 4 : i + 9] == b"Adobe"
    return data[:i] + data[i + 2 + length :]


def _centres(rgb: np.ndarray) -> np.ndarray:
    """The centre pixel of each swatch, whatever the decoded size."""
    h, w = rgb.shape[:2]
    cell = w / len(CMYK_SWATCHES)
    return np.array([rgb[h // 2, int(cell * (i + 0.5))] for i in range(len(CMYK_SWATCHES))], np.int64)


def test_the_cmyk_profile_is_a_real_cmyk_press_profile() -> None:
    prof = ImageCms.ImageCmsProfile(io.BytesIO(CMYK_PROFILE))
    assert prof.profile.xcolor_space.strip() == "CMYK"
    srgb = _lcms_srgb(np.array(CMYK_SWATCHES))
    assert srgb[0].tolist() == [255, 255, 255]  # bare paper is white
    assert srgb[1, 0] < 30 and srgb[1, 2] > 200 and srgb[1, 1] < 200  # press cyan is not #00FFFF
    assert 20 < srgb[4].max() < 60  # 100% K alone is a dark grey on press, not #000000


@pytest.mark.parametrize("min_size", [None, 64], ids=["full", "reduced-decode"])
def test_photoshop_style_cmyk_jpeg_with_profile_decodes_to_the_right_srgb(min_size) -> None:
    scale = 1 if min_size is None else 4  # the reduced decode goes through libjpeg's draft scaling
    data = _cmyk_file(_cmyk_strip(scale))
    marker = _adobe_marker(data)
    assert marker is not None and marker[11] == 0  # Adobe APP14, transform 0: inverted CMYK, as Photoshop
    raw = _centres(np.asarray(Image.open(io.BytesIO(data))))  # the file's CMYK numbers
    assert np.abs(raw - np.array(CMYK_SWATCHES)).max() <= 2  # read with the right polarity
    got = _centres(decode_image(data, max_pixels=LIMIT, min_size=min_size).rgb)
    want = _lcms_srgb(raw)
    assert np.abs(got - want).max() <= CMYK_TOLERANCE, (got.tolist(), want.tolist())
    naive = _centres(np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))).astype(np.int64)
    assert np.abs(naive - want).max() >= 30  # ignoring the profile would fail above


def test_cmyk_tiff_with_profile_decodes_to_the_right_srgb() -> None:
    data = _cmyk_file(_cmyk_strip(), "TIFF")
    got = _centres(decode_image(data, max_pixels=LIMIT).rgb)
    assert np.abs(got - _lcms_srgb(np.array(CMYK_SWATCHES))).max() <= CMYK_TOLERANCE


def test_a_cmyk_jpeg_without_the_adobe_marker_is_not_read_as_its_negative() -> None:
    """Without APP14 the stored numbers are the ink values themselves (the JPEG standard's CMYK)."""
    data = _without_adobe_marker(_cmyk_file(_cmyk_strip()))
    im = Image.open(io.BytesIO(data))
    im.load()
    stored = 255 - _centres(np.asarray(im))  # Pillow inverted them, assuming Adobe's convention
    fixed = fix_cmyk_polarity(im)
    assert fixed.info.get("icc_profile") == CMYK_PROFILE
    assert np.abs(_centres(np.asarray(fixed)) - stored).max() == 0
    got = _centres(np.asarray(cmyk_to_srgb(fixed, fixed.info.get("icc_profile"))))
    assert np.abs(got - _lcms_srgb(stored)).max() <= CMYK_TOLERANCE
    assert got[0].max() < 60  # the white paper swatch was written inverted: full ink, so dark


def test_polarity_is_left_alone_with_the_marker_and_for_other_modes() -> None:
    im = Image.open(io.BytesIO(_cmyk_file(_cmyk_strip())))
    im.load()
    assert fix_cmyk_polarity(im) is im
    rgb = Image.new("RGB", (4, 4), (10, 20, 30))
    assert fix_cmyk_polarity(rgb) is rgb


def test_cmyk_without_profile_uses_the_default_profile_else_the_naive_formula() -> None:
    im = Image.open(io.BytesIO(_cmyk_file(_cmyk_strip(), profile=None)))
    im.load()
    assert "icc_profile" not in im.info or not im.info["icc_profile"]
    raw = _centres(np.asarray(im))
    with_default = _centres(np.asarray(cmyk_to_srgb(im, None, default_profile=CMYK_PROFILE)))
    assert np.abs(with_default - _lcms_srgb(raw)).max() <= CMYK_TOLERANCE
    naive = _centres(np.asarray(cmyk_to_srgb(im, None)))
    assert naive[1].tolist() == [0, 255, 255]  # Pillow's formula: press cyan as screen cyan
    # an RGB profile in a CMYK file (a broken tag) is not used; the default is
    rgb_profile = make_profile(SRGB_PRIMARIES, None, "wrong space")
    again = _centres(np.asarray(cmyk_to_srgb(im, rgb_profile, default_profile=CMYK_PROFILE)))
    assert np.abs(again - with_default).max() == 0
    with pytest.raises(ValueError, match="CMYK"):
        cmyk_to_srgb(im.convert("RGB"), None)


def test_decode_reads_a_cmyk_jpeg_without_the_adobe_marker_with_the_right_polarity() -> None:
    """The whole decode path: the polarity fix runs on the opened file, then its profile converts.

    The file stores Adobe-inverted numbers but lost its marker, so by the standard they are plain ink
    amounts (255 - the swatches), as a browser reads them; Pillow alone would have read the swatches."""
    data = _without_adobe_marker(_cmyk_file(_cmyk_strip()))
    got = _centres(decode_image(data, max_pixels=LIMIT).rgb)
    ink = 255 - np.array(CMYK_SWATCHES)
    assert np.abs(got - _lcms_srgb(ink)).max() <= CMYK_TOLERANCE
    assert np.abs(got - _lcms_srgb(np.array(CMYK_SWATCHES))).max() > 100  # not Pillow's reading


def test_decode_assumes_a_press_profile_for_a_cmyk_photo_without_one() -> None:
    data = _cmyk_file(_cmyk_strip(), profile=None)
    got = _centres(decode_image(data, max_pixels=LIMIT).rgb)
    assert np.abs(got - _lcms_srgb(np.array(CMYK_SWATCHES))).max() <= CMYK_TOLERANCE
    assert got[1].tolist() != [0, 255, 255]  # press cyan, not Pillow's screen cyan
