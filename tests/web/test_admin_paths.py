"""The dashboard's admin paths and the seller's cancel in a real browser (Debian's chromium via
playwright-core), against the platform as `make up` starts it (the session's one `platform`):

- an admin uploads a PNG background; the seller finds it in the gallery and runs a job on it;
- an admin grants coins with a reason: the balance moves and the ledger entry carries the reason;
- the seller cancels a running job: it stops, nothing stays held, only finished images are charged;
  the admin's jobs list, left open, shows the cancel by itself (it polls);
- an admin blocks a user: their open session and their next login say so in words, and the API
  refuses them;
- a job stalls for real (its runner, a separate `python -m data_jobs.runner` process, is killed
  mid-job) and the admin resumes it from the jobs page: it ends done with every image charged once.

After each browser run the server's state is read back through the API (and, for the runner's
heartbeat, the database the platform uses).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path

import httpx
import numpy as np
from PIL import Image
from pymongo import MongoClient

from data_jobs.jobs import submit_job
from data_jobs.runner import DEFAULT_STALE_AFTER
from store.db import connect
from store.repositories import Repositories
from tests.web.conftest import ROOT, WEB, Platform, run_e2e
from tests.web.test_dashboard import SHOTS_ENV, product_photo

PASSWORD = "correct horse battery"
CANCEL_PHOTOS = 6
STALL_PHOTOS = 4
GRANT = 300
REASON = "goodwill for the late delivery"


def _register(api: httpx.Client, tag: str) -> tuple[str, dict[str, str], str]:
    email = f"{tag}-{uuid.uuid4().hex[:8]}@example.com"
    r = api.post("/v1/auth/register", json={"email": email, "password": PASSWORD, "name": tag})
    assert r.status_code == 201, r.text
    token = api.post("/v1/auth/login", json={"email": email, "password": PASSWORD}).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    return email, headers, api.get("/v1/me", headers=headers).json()["id"]


def _admin_headers(api: httpx.Client, platform: Platform) -> dict[str, str]:
    r = api.post("/v1/auth/login", json={"email": platform.admin_email, "password": platform.admin_password})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _photos_zip(path: Path, count: int) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(count):
            zf.writestr(f"shelf/item-{i + 1}.jpg", product_photo(i))
    return path


def _background(path: Path) -> Path:
    """A studio backdrop as a PNG: a warm wall fading into a floor, large enough for a template."""
    side = 1200
    y = np.arange(side, dtype=np.float32)[:, None, None] / side
    wall = np.array([236, 222, 205], np.float32) - y * np.array([40, 50, 60], np.float32)
    rgb = np.where(y < 0.7, wall, np.array([180, 160, 140], np.float32))
    Image.fromarray(np.broadcast_to(rgb, (side, side, 3)).astype(np.uint8)).save(path, "PNG")
    return path


def _shots(tmp_path: Path) -> Path:
    return Path(os.environ[SHOTS_ENV]).resolve() if os.environ.get(SHOTS_ENV) else tmp_path / "shots"


def _assert_ran(result: subprocess.CompletedProcess[str], platform: Platform, steps: tuple[str, ...]) -> None:
    assert result.returncode == 0, (
        f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}\n{platform.log.read_text()[-3000:]}"
    )
    for step in steps:
        assert f"STEP {step}" in result.stdout, f"step {step!r} missing from the browser run"


def test_admin_template_grant_block_and_seller_cancel(platform: Platform, node: str, tmp_path: Path) -> None:
    template_name = f"E2E Backdrop {uuid.uuid4().hex[:6]}"
    with httpx.Client(base_url=platform.url, timeout=60) as api:
        seller, seller_h, seller_id = _register(api, "seller")
        victim, victim_h, _ = _register(api, "victim")
        admin_h = _admin_headers(api, platform)
        coins_before = api.get("/v1/me", headers=seller_h).json()["coins"]

        result = run_e2e(
            node,
            "admin_paths.mjs",
            "--url", platform.url,
            "--admin-email", platform.admin_email,
            "--admin-password", platform.admin_password,
            "--seller-email", seller,
            "--seller-password", PASSWORD,
            "--victim-email", victim,
            "--victim-password", PASSWORD,
            "--background", str(_background(tmp_path / "backdrop.png")),
            "--template-name", template_name,
            "--grant", str(GRANT),
            "--reason", REASON,
            "--zip", str(_photos_zip(tmp_path / "photos.zip", CANCEL_PHOTOS)),
            "--images", str(CANCEL_PHOTOS),
            "--shots", str(_shots(tmp_path)),
        )  # fmt: skip
        _assert_ran(result, platform, ("template uploaded", "template in gallery", "granted",
                                       "seller sees grant", "cancelled", "admin list refreshed", "blocked",
                                       "blocked login refused"))  # fmt: skip

        # the template: an upload, enabled, public in the gallery, and the cancelled job was made on it
        found = api.get("/v1/templates", headers=seller_h, params={"q": template_name}).json()["items"]
        [template] = [t for t in found if t["name"] == template_name]
        assert template["source"] == "upload"
        thumb = api.get(f"/v1/templates/{template['id']}/thumbnail", headers=seller_h)
        assert thumb.status_code == 200 and thumb.headers["content-type"].startswith("image/")

        # the grant: balance and ledger, the entry naming the admin's reason
        txs = api.get(f"/v1/admin/users/{seller_id}/transactions", headers=admin_h).json()["items"]
        grants = [t for t in txs if t["kind"] == "grant"]
        assert len(grants) == 1 and grants[0]["amount"] == GRANT
        assert REASON in json.dumps(grants[0])

        # the cancel: stopped for good, nothing held, only what finished was charged
        job_id = result.stdout.split("JOB cancelled ", 1)[1].split()[0]
        job = api.get(f"/v1/jobs/{job_id}", headers=seller_h).json()
        assert job["status"] == "cancelled" and job["template_id"] == template["id"]
        assert job["coins_held"] == 0
        assert job["coins_charged"] == job["done"] * job["price_per_image"]
        assert job["done"] < CANCEL_PHOTOS, "the job was cancelled before it finished"
        me = api.get("/v1/me", headers=seller_h).json()
        assert me["coins"] == coins_before + GRANT - job["coins_charged"]
        images = api.get(f"/v1/jobs/{job_id}/images", headers=seller_h).json()["items"]
        assert {im["status"] for im in images} <= {"done", "cancelled", "failed"}

        # the block: the API refuses the victim's token and a new login, in words
        refused = api.get("/v1/me", headers=victim_h)
        assert refused.status_code == 403 and "blocked" in refused.json()["detail"]
        login = api.post("/v1/auth/login", json={"email": victim, "password": PASSWORD})
        assert login.status_code == 403 and "contact the administrator" in login.json()["detail"]


def _mongo_uri(platform: Platform) -> str:
    owner = json.loads((platform.data_dir / "data" / "mongo" / "owner.json").read_text())
    return f"mongodb://127.0.0.1:{owner['port']}/?directConnection=true"


def _submit(uri: str, job_id: str) -> None:
    """Reserve and queue the job as POST /start does, without the API starting a runner: the runner
    is the separate process below, the one that dies."""

    async def go() -> None:
        db = connect(uri, "drisya")
        try:
            await submit_job(Repositories(db), job_id)
        finally:
            await db.client.close()

    asyncio.run(go())


def test_admin_resumes_a_stalled_job(platform: Platform, node: str, tmp_path: Path) -> None:
    uri = _mongo_uri(platform)
    with httpx.Client(base_url=platform.url, timeout=60) as api, MongoClient(uri) as mongo:
        seller, seller_h, seller_id = _register(api, "stall")
        admin_h = _admin_headers(api, platform)
        grant = api.post(
            f"/v1/admin/users/{seller_id}/coins",
            headers=admin_h,
            json={"amount": 500, "reason": "resume test"},
        )
        assert grant.status_code in (200, 201), grant.text
        job_id = api.post("/v1/jobs", headers=seller_h, json={"template_id": "#f4f4f4"}).json()["id"]
        zipped = _photos_zip(tmp_path / "stall.zip", STALL_PHOTOS).read_bytes()
        up = api.put(
            f"/v1/jobs/{job_id}/upload",
            headers={**seller_h, "content-type": "application/zip"},
            content=zipped,
        )
        assert up.status_code == 200 and up.json()["accepted"] == STALL_PHOTOS, up.text
        _submit(uri, job_id)
        coins_after_reserve = api.get("/v1/me", headers=seller_h).json()["coins"]

        # the runner in its own process (and its own local Ray), as a crashed API replica's would be
        env = {**os.environ, "DRISYA_DATA_DIR": str(platform.data_dir / "data"), "DRISYA_RAY_NUM_CPUS": "1"}
        env.pop("DRISYA_MONGODB_URI", None)
        runner = subprocess.Popen(
            [sys.executable, "-m", "data_jobs.runner", job_id, "--mongodb-uri", uri, "--db", "drisya"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        )  # fmt: skip
        go = tmp_path / "stalled"
        browser = subprocess.Popen(
            [node, str(WEB / "e2e" / "resume.mjs"), "--url", platform.url,
             "--admin-email", platform.admin_email, "--admin-password", platform.admin_password,
             "--seller-email", seller, "--seller-password", PASSWORD, "--job", job_id,
             "--go", str(go), "--shots", str(_shots(tmp_path))],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        jobs = mongo["drisya"]["jobs"]
        images = mongo["drisya"]["images"]
        try:
            deadline = time.monotonic() + 240
            # killed once it has work in flight (images handed to its pipeline), as a crash would
            while images.count_documents({"job": job_id, "status": {"$in": ["running", "done"]}}) < 1:
                assert runner.poll() is None, runner.stderr.read().decode()[-3000:]
                assert time.monotonic() < deadline, "the separate runner started no image in time"
                time.sleep(0.2)
        finally:
            os.killpg(runner.pid, signal.SIGKILL)  # the runner and its local Ray die mid-job
            runner.wait(timeout=60)
            runner.stderr.close()
        killed_at = jobs.find_one({"_id": job_id})
        done_before = images.count_documents({"job": job_id, "status": "done"})
        assert killed_at["status"] == "running" and done_before < STALL_PHOTOS, "the runner died mid-job"
        print(f"runner killed with {done_before}/{STALL_PHOTOS} images done")

        # stalled: the heartbeat is older than the stale period, nobody has taken the job over yet
        stale = DEFAULT_STALE_AFTER + dt.timedelta(seconds=1)
        while True:
            doc = jobs.find_one({"_id": job_id})
            beat = doc["heartbeat"]
            beat = dt.datetime.fromisoformat(beat) if isinstance(beat, str) else beat
            if beat.tzinfo is None:
                beat = beat.replace(tzinfo=dt.UTC)
            if dt.datetime.now(dt.UTC) - beat > stale:
                break
            assert browser.poll() is None, browser.stdout.read() + browser.stderr.read()
            time.sleep(0.2)
        assert doc["runner"] == killed_at["runner"], "the platform took the job over before the admin"
        go.write_text("stalled")
        out, err = browser.communicate(timeout=360)
        print(out)
        print(err, file=sys.stderr)
        result = subprocess.CompletedProcess(browser.args, browser.returncode, out, err)
        _assert_ran(result, platform, ("ready", "stalled", "resume clicked", "done"))

        job = api.get(f"/v1/jobs/{job_id}", headers=seller_h).json()
        assert (job["status"], job["done"], job["failed"]) == ("done", STALL_PHOTOS, 0)
        assert job["coins_charged"] == STALL_PHOTOS * job["price_per_image"] and job["coins_held"] == 0
        ledger = api.get(f"/v1/admin/users/{seller_id}/transactions", headers=admin_h).json()["items"]
        captures = [t for t in ledger if t["kind"] == "capture" and t.get("job") == job_id]
        assert len(captures) == STALL_PHOTOS, f"each image charged once: {captures}"
        me = api.get("/v1/me", headers=seller_h).json()
        assert me["coins"] == coins_after_reserve + job["coins_reserved"] - job["coins_charged"]
        assert jobs.find_one({"_id": job_id})["runner"] != killed_at["runner"], "a new runner finished it"
