"""The dashboard in a real browser (Debian's chromium via playwright-core) against the platform as
`make up` starts it: a seller registers, buys coins, picks a template, uploads a ZIP, watches progress
reach 100% (reloading on the way), downloads the ZIP; a client is kept out of admin pages; an admin
changes a price and the seller's next quote changes; the main pages fit a 375 px screen.
The run saves a screenshot of each main page: into the test's temp dir, or into the folder named by
DRISYA_SCREENSHOTS_DIR (`make screenshots` sets it to docs/screenshots/, which the README shows), so an
ordinary `make test` never rewrites tracked files.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from pathlib import Path

import httpx
from PIL import Image, ImageDraw

from tests.web.conftest import Platform, run_e2e

SHOTS_ENV = "DRISYA_SCREENSHOTS_DIR"
PHOTOS = 3


COLOURS = [(200, 40, 60), (30, 110, 200), (240, 170, 20), (40, 150, 90)]


def product_photo(i: int) -> bytes:
    """A small product shot on white: a bottle with a cap."""
    im = Image.new("RGB", (360, 360), (250, 250, 250))
    d = ImageDraw.Draw(im)
    d.rounded_rectangle((110, 70, 250, 300), radius=30, fill=COLOURS[i % len(COLOURS)])
    d.ellipse((140, 40, 220, 100), fill=(60, 60, 60))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def product_photos_zip(path: Path, count: int) -> Path:
    """A seller's ZIP of `count` photos, in a folder as phones and cameras export them."""
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(count):
            zf.writestr(f"shoot/product-{i + 1}.jpg", product_photo(i))
        zf.writestr("shoot/broken.jpg", b"this is not a JPEG")  # refused at upload, with its reason
    return path


def test_dashboard_end_to_end(platform: Platform, node: str, tmp_path: Path) -> None:
    shots = Path(os.environ[SHOTS_ENV]).resolve() if os.environ.get(SHOTS_ENV) else tmp_path / "shots"
    shots.mkdir(parents=True, exist_ok=True)
    # the SPA is served at / with client-side routes falling back to index.html
    page = httpx.get(f"{platform.url}/jobs/anything", headers={"accept": "text/html"})
    assert page.status_code == 200 and '<div id="root">' in page.text

    photos = product_photos_zip(tmp_path / "photos.zip", PHOTOS)
    photo = tmp_path / "one-product.jpg"
    photo.write_bytes(product_photo(3))
    download = tmp_path / "download.zip"
    result = run_e2e(
        node,
        "dashboard.mjs",
        "--url", platform.url,
        "--zip", str(photos),
        "--images", str(PHOTOS),
        "--photo", str(photo),
        "--admin-email", platform.admin_email,
        "--admin-password", platform.admin_password,
        "--download", str(download),
        "--shots", str(shots),
    )  # fmt: skip
    assert result.returncode == 0, (
        f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}\n{platform.log.read_text()[-3000:]}"
    )
    out = result.stdout
    assert "E2E PASSED" in out
    for step in ("registered", "preview", "bought coins", "quote", "refused", "reloaded while running", "progress", "websocket", "downloaded",
                 "client kept out of admin", "price changed", "new quote", "promotion created", "insufficient coins", "bought with promo and started", "375px layouts", "keyboard login"):  # fmt: skip
        assert f"STEP {step}" in out, f"step {step!r} missing from the browser run"
    assert "Processing" in out.split("STEP progress", 1)[1].splitlines()[0] or "Done" in out

    # the ZIP the browser downloaded: every photo processed, with the manifest
    with zipfile.ZipFile(download) as zf:
        names = zf.namelist()
        assert "manifest.csv" in names
        rows = list(csv.DictReader(io.StringIO(zf.read("manifest.csv").decode())))
        images = [n for n in names if n != "manifest.csv" and not n.endswith("/")]
        done = [r for r in rows if r["status"] == "done"]
        assert sorted(r["input_name"] for r in done) == [f"shoot/product-{i + 1}.jpg" for i in range(PHOTOS)]
        assert all(r["output_name"] in names for r in done)
        assert "shoot/broken.jpg" not in {r["output_name"] for r in done}
        assert len(images) == PHOTOS
        for name in images:
            with Image.open(io.BytesIO(zf.read(name))) as im:
                assert min(im.size) >= 64

    for shot in (
        "login",
        "templates",
        "wallet",
        "upload-quote",
        "job-done",
        "admin-pricing",
        "mobile-templates",
    ):
        f = shots / f"{shot}.jpg"
        assert f.is_file() and f.stat().st_size > 5_000, f"screenshot {f.name} missing"
