"""Surprise for You in a real browser (Debian's chromium via playwright-core) against the platform as
`make up` starts it: a seller chooses a theme by keyboard, variants, the video and a seed, uploads a
ZIP, reads the quote as photos x outputs x price, runs the job to the end, sees every product's
variants and plays its MP4 in the page's <video> (currentTime advances, videoWidth > 0); the pages fit
375 px. The coins charged and the stored video are then read back through the API."""

from __future__ import annotations

import io
import os
import uuid
import zipfile
from pathlib import Path

import av
import httpx

from tests.web.conftest import Platform, run_e2e
from tests.web.test_dashboard import SHOTS_ENV, product_photo

PHOTOS = 2
OUTPUTS = 3  # two variants and the video, as web/e2e/surprise.mjs chooses
PASSWORD = "correct horse battery"


def _seller(api: httpx.Client, platform: Platform) -> tuple[str, dict[str, str]]:
    email = f"surprise-{uuid.uuid4().hex[:8]}@example.com"
    assert (
        api.post("/v1/auth/register", json={"email": email, "password": PASSWORD, "name": "S"}).status_code
        == 201
    )
    token = api.post("/v1/auth/login", json={"email": email, "password": PASSWORD}).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    admin = api.post(
        "/v1/auth/login", json={"email": platform.admin_email, "password": platform.admin_password}
    ).json()["access_token"]
    me = api.get("/v1/me", headers=headers).json()
    granted = api.post(
        f"/v1/admin/users/{me['id']}/coins",
        headers={"Authorization": f"Bearer {admin}"},
        json={"amount": 200, "reason": "surprise browser test"},
    )
    assert granted.status_code in (200, 201), granted.text
    return email, headers


def test_surprise_job_with_video_in_the_browser(platform: Platform, node: str, tmp_path: Path) -> None:
    # `make screenshots` (DRISYA_SCREENSHOTS_DIR) keeps surprise-quote, surprise-job and mobile-surprise
    shots = Path(os.environ[SHOTS_ENV]).resolve() if os.environ.get(SHOTS_ENV) else tmp_path / "shots"
    photos = tmp_path / "photos.zip"
    with zipfile.ZipFile(photos, "w") as zf:
        for i in range(PHOTOS):
            zf.writestr(f"gifts/item-{i + 1}.jpg", product_photo(i))
    with httpx.Client(base_url=platform.url, timeout=60) as api:
        email, headers = _seller(api, platform)
        before = api.get("/v1/me", headers=headers).json()["coins"]
        result = run_e2e(
            node,
            "surprise.mjs",
            "--url", platform.url,
            "--email", email,
            "--password", PASSWORD,
            "--zip", str(photos),
            "--images", str(PHOTOS),
            "--shots", str(shots),
        )  # fmt: skip
        assert result.returncode == 0, (
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}\n{platform.log.read_text()[-3000:]}"
        )
        for step in ("logged in", "chose", "quote", "done", "variants", "video plays", "375px layouts"):
            assert f"STEP {step}" in result.stdout, f"step {step!r} missing from the browser run"
        for shot in ("surprise-quote", "surprise-job", "mobile-surprise"):
            f = shots / f"{shot}.jpg"
            assert f.is_file() and f.stat().st_size > 5_000, f"screenshot {f.name} missing"

        [job] = api.get("/v1/jobs", headers=headers, params={"module": "surprise"}).json()["items"]
        assert (job["status"], job["done"], job["outputs_per_image"]) == ("done", PHOTOS, OUTPUTS)
        assert job["coins_charged"] == PHOTOS * OUTPUTS * job["price_per_output"]
        assert api.get("/v1/me", headers=headers).json()["coins"] == before - job["coins_charged"]
        images = api.get(f"/v1/jobs/{job['id']}/images", headers=headers).json()["items"]
        for image in images:
            video = [o for o in image["outputs"] if o["kind"] == "video"]
            assert len(video) == 1 and video[0]["content_type"] == "video/mp4"
            data = api.get(video[0]["url"], headers=headers).content
            with av.open(io.BytesIO(data)) as container:
                stream = container.streams.video[0]
                assert (stream.codec_context.name, stream.codec_context.pix_fmt) == ("h264", "yuv420p")
