"""E-mail: job finished/failed and low-balance notices, received by a real local SMTP server (aiosmtpd)
from the running app, written as .eml files to the outbox by default, and never sent twice when two
notifiers (API replicas) race."""

from __future__ import annotations

import asyncio
import email
import email.policy
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller

from cluster.embedded_mongo import free_port
from serve_apps.app import create_app
from serve_apps.email import OutboxTransport
from serve_apps.notify import NOTIFIER_KEY, Notifier
from serve_apps.startup import prepare
from serve_apps.state import AppState
from store.blobs import LocalBlobStore
from store.db import connect
from store.documents import JOB_DONE, JOB_FAILED
from store.ledger import Ledger
from store.repositories import Repositories
from tests.serve_apps.conftest import ADMIN_PASSWORD, NO_DASHBOARD, USER_PASSWORD, api_settings, login, served


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def wait_for(self, predicate, timeout: float = 30.0) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in self.messages if predicate(m)]
            if found:
                return found
            time.sleep(0.1)
        return []


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def mail_api(tmp_path_factory, mongo_uri, smtp):
    _, port = smtp
    settings = api_settings(
        tmp_path_factory.mktemp("mail"),
        mongo_uri,
        smtp_host="127.0.0.1",
        smtp_port=port,
        low_balance_threshold=50,
        public_url="https://photos.example.com",
    )
    asyncio.run(prepare(settings, owns_database=True))

    async def quick_notifier(state: AppState) -> None:  # the real notifier, polling more often
        notifier = Notifier(state, interval_s=0.3)
        state.extras[NOTIFIER_KEY] = notifier
        state.extras["notifier_task"] = asyncio.get_running_loop().create_task(notifier.run())

    with served(create_app(settings, web_dist=NO_DASHBOARD, startup_hooks=[quick_notifier])) as url:
        yield url, settings


def _run(settings, action):
    async def go():
        db = connect(settings.mongodb_uri, settings.mongodb_db)
        try:
            return await action(Repositories(db), Ledger(db))
        finally:
            await db.client.close()

    return asyncio.run(go())


def _finish(settings, job_id: str, status: str, error: str | None = None) -> None:
    """End a job as its runner does (the repository's terminal transition)."""

    async def action(repos, _):
        await repos.jobs.set_status(job_id, status, error=error)

    _run(settings, action)


def _user(client: httpx.Client, name: str = "Asha") -> tuple[str, str, dict[str, str]]:
    mail = f"notify-{uuid.uuid4().hex[:8]}@example.com"
    created = client.post("/v1/auth/register", json={"email": mail, "password": USER_PASSWORD, "name": name})
    assert created.status_code == 201
    headers = {"Authorization": f"Bearer {login(client, mail, USER_PASSWORD)['access_token']}"}
    return created.json()["id"], mail, headers


def _job(client: httpx.Client, headers: dict[str, str], name: str = "") -> str:
    body = (
        {"module": "ready", "template_id": "#FFFFFF", "name": name}
        if name
        else {"module": "ready", "template_id": "#FFFFFF"}
    )
    response = client.post("/v1/jobs", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_job_done_and_failed_mails_reach_the_smtp_server_once(mail_api, smtp):
    url, settings = mail_api
    inbox, _ = smtp
    with httpx.Client(base_url=url, timeout=60) as client:
        _, mail, headers = _user(client)
        done_job, failed_job = _job(client, headers, "spring-catalogue"), _job(client, headers)
    _finish(settings, done_job, JOB_DONE)
    _finish(settings, failed_job, JOB_FAILED, error="the matting model could not load")

    done = inbox.wait_for(lambda m: m["To"] == mail and "ready" in m["Subject"])
    failed = inbox.wait_for(lambda m: m["To"] == mail and "failed" in m["Subject"])
    assert len(done) == 1 and len(failed) == 1
    assert "spring-catalogue" in done[0]["Subject"] and done[0]["From"] == settings.smtp_from
    assert f"https://photos.example.com/jobs/{done_job}" in done[0].get_content()
    assert "Hello Asha," in done[0].get_content()
    assert "the matting model could not load" in failed[0].get_content()
    time.sleep(1.5)  # several more polls: nothing is sent again
    assert len([m for m in inbox.messages if m["To"] == mail]) == 2


def test_low_balance_mail_is_sent_once_per_crossing(mail_api, smtp):
    url, settings = mail_api
    inbox, _ = smtp
    with httpx.Client(base_url=url, timeout=60) as client:
        user_id, mail, headers = _user(client)
        admin = {
            "Authorization": f"Bearer {login(client, settings.admin_email, ADMIN_PASSWORD)['access_token']}"
        }
        jobs = [_job(client, headers) for _ in range(3)]

        def grant(coins: int) -> None:
            body = {"amount": coins, "reason": "test top-up"}
            assert (
                client.post(f"/v1/admin/users/{user_id}/coins", json=body, headers=admin).status_code == 200
            )

        def reserve(job: str, coins: int) -> None:
            async def action(_, ledger):
                await ledger.reserve(user_id, job, coins, f"test-reserve:{uuid.uuid4().hex}")

            _run(settings, action)

        def low() -> list:
            return [m for m in inbox.messages if m["To"] == mail and "balance is low" in m["Subject"]]

        grant(100)  # 10 (signup, below 50 from the start: no mail) -> 110
        reserve(jobs[0], 70)  # 110 -> 40: crosses 50
        assert len(inbox.wait_for(lambda m: m["To"] == mail and "balance is low" in m["Subject"])) == 1
        assert (
            "40 coins" in low()[0]["Subject"]
            and "https://photos.example.com/wallet" in low()[0].get_content()
        )
        reserve(jobs[1], 10)  # 40 -> 30: still low, no new crossing
        time.sleep(1.5)
        assert len(low()) == 1
        grant(100)  # 130
        reserve(jobs[2], 100)  # 130 -> 30: the second crossing
        deadline = time.monotonic() + 30
        while len(low()) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(low()) == 2
        time.sleep(1.0)
        assert len(low()) == 2


async def test_two_notifiers_racing_send_each_mail_once(db, tmp_path: Path, settings):
    """Two API replicas poll the same database at the same moment: every notice is written once."""
    repos = Repositories(db)
    user = await repos.users.create(f"race-{uuid.uuid4().hex[:6]}@example.com", USER_PASSWORD, name="R")
    jobs = [await repos.jobs.create(user.id, "ready", "#FFFFFF") for _ in range(5)]
    for job in jobs:
        await repos.jobs.set_status(job.id, JOB_DONE)

    def replica(folder: str) -> Notifier:
        state = AppState(
            settings=settings, db=db, blobs=LocalBlobStore(tmp_path / "b"), repos=repos, ledger=Ledger(db)
        )
        return Notifier(state, transport=OutboxTransport(tmp_path / folder))

    a, b = replica("outbox-a"), replica("outbox-b")
    sent = await asyncio.gather(a.poll_once(), b.poll_once(), a.poll_once(), b.poll_once())
    files = sorted((tmp_path / "outbox-a").glob("*.eml")) + sorted((tmp_path / "outbox-b").glob("*.eml"))
    assert sum(sent) == len(files) == 5
    subjects = {
        email.message_from_bytes(f.read_bytes(), policy=email.policy.default)["Subject"] for f in files
    }
    assert len(subjects) == 5 and all("is ready" in s for s in subjects)  # one per job
    bodies = "".join(f.read_text() for f in files)
    assert all(job.id in bodies for job in jobs)


def test_embedded_default_writes_eml_files_to_the_outbox(api, client, new_user):
    user = new_user(name="Outbox Owner")
    job = client.post(
        "/v1/jobs", json={"module": "ready", "template_id": "#FFFFFF"}, headers=user.headers
    ).json()
    _finish(api.settings, job["id"], JOB_DONE)
    outbox = api.settings.outbox_path
    deadline = time.monotonic() + 40  # the harness's notifier polls every few seconds
    found: list[Path] = []
    while not found and time.monotonic() < deadline:
        found = [p for p in outbox.glob("*.eml") if job["id"] in p.read_text(errors="replace")]
        time.sleep(0.2)
    assert len(found) == 1
    message = email.message_from_bytes(found[0].read_bytes(), policy=email.policy.default)
    assert message["To"] == user.email and "Hello Outbox Owner," in message.get_content()
