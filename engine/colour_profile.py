"""CMYK photos to sRGB: the two things a print-workflow JPEG gets wrong when read naively.

1. Ink polarity. Photoshop writes CMYK JPEGs with an Adobe APP14 marker and stores the channels
   inverted (0 = full ink). Pillow assumes that convention for every CMYK JPEG, so a CMYK JPEG written
   without the marker (by tools that follow the JPEG standard's plain CMYK) opens as its negative.
   Browsers (Chromium, Firefox) invert only when the marker is there; so does `fix_cmyk_polarity`.
2. The profile. CMYK numbers are ink amounts, not colours: only a CMYK ICC profile says what colour
   they print as. `cmyk_to_srgb` converts through the embedded profile, or through a default CMYK
   profile when the file has none (Photoshop assumes its working CMYK space the same way), and only
   without either falls back to Pillow's naive formula (pure cyan becomes #00FFFF, which no press prints).

Decode calls these on the opened image before any resize; everything here is Pillow + LittleCMS
(`PIL.ImageCms`) and works on `PIL.Image` objects, so it stays free of the rest of the engine.
"""

from __future__ import annotations

import io

from PIL import Image, ImageChops, ImageCms

_SRGB = ImageCms.createProfile("sRGB")


def fix_cmyk_polarity(im: Image.Image) -> Image.Image:
    """A CMYK JPEG without an Adobe APP14 marker stores plain (non-inverted) ink values; Pillow has
    inverted them anyway on reading, so invert them back. Anything else is returned unchanged.

    Call it on the image as opened (its `format` and `info` tell the marker), before any resize."""
    if im.mode != "CMYK" or im.format != "JPEG" or "adobe" in im.info:
        return im
    info = dict(im.info)
    out = ImageChops.invert(im)
    out.info.update(info)
    return out


def is_cmyk_profile(icc: bytes | None) -> bool:
    """True when the ICC profile describes a CMYK device space (header bytes 16..20 are "CMYK")."""
    return bool(icc) and len(icc) >= 20 and icc[16:20] == b"CMYK"


def cmyk_to_srgb(
    im: Image.Image,
    icc: bytes | None,
    *,
    default_profile: bytes | None = None,
    intent: ImageCms.Intent = ImageCms.Intent.PERCEPTUAL,
) -> Image.Image:
    """A CMYK image as sRGB "RGB": through its embedded CMYK profile, else through `default_profile`,
    else Pillow's naive formula. A profile that is not CMYK or that LittleCMS cannot read is skipped
    (the next source is tried), so a damaged tag never fails the photo."""
    if im.mode != "CMYK":
        raise ValueError(f"cmyk_to_srgb needs a CMYK image, got mode {im.mode!r}")
    for profile in (icc, default_profile):
        if not is_cmyk_profile(profile):
            continue
        try:
            src = ImageCms.ImageCmsProfile(io.BytesIO(profile))  # type: ignore[arg-type]
            out = ImageCms.profileToProfile(im, src, _SRGB, renderingIntent=intent, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            continue
        if out is not None:
            return out
    return im.convert("RGB")
