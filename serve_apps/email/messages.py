"""The e-mails users get: a job finished (or failed), the balance fell below the threshold.

Plain text, short, with the one link that helps (the job page, the wallet)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from cluster.settings import Settings
from store.documents import JOB_DONE, Job, User


def _message(settings: Settings, to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(domain="drisya.local")
    msg.set_content(body)
    return msg


def _greeting(user: User) -> str:
    return f"Hello {user.name}," if user.name else "Hello,"


def job_finished_message(settings: Settings, user: User, job: Job) -> EmailMessage:
    link = f"{settings.base_url}/jobs/{job.id}"
    name = job.name or job.id
    c = job.counters
    if job.status == JOB_DONE:
        subject = f"Your Drisya job {name} is ready ({c.done}/{c.total} images)"
        lines = [
            f"{c.done} of {c.total} images were processed"
            + (f"; {c.failed} could not be." if c.failed else "."),
            f"Coins charged: {job.coins.charged}"
            + (f", returned: {job.coins.released}." if job.coins.released else "."),
            f"Download the results: {link}",
        ]
        if c.failed:
            lines.append("The manifest in the download says why each failed image was refused.")
    else:
        subject = f"Your Drisya job {name} failed"
        lines = [
            f"The job stopped: {job.error or 'an unexpected error'}.",
            f"Images processed before it stopped: {c.done} of {c.total}. Coins for the rest were returned.",
            f"Details: {link}",
        ]
    body = "\n".join([_greeting(user), "", *lines, "", "- Drisya"])
    return _message(settings, user.email, subject, body)


def low_balance_message(settings: Settings, user: User, balance: int, threshold: int) -> EmailMessage:
    subject = f"Your Drisya balance is low: {balance} coins"
    body = "\n".join(
        [
            _greeting(user),
            "",
            f"Your balance fell below {threshold} coins; {balance} are left.",
            f"Top up so your next batch is not refused: {settings.base_url}/wallet",
            "",
            "- Drisya",
        ]
    )
    return _message(settings, user.email, subject, body)
