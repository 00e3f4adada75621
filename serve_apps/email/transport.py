"""Sending: SMTP when `DRISYA_SMTP_HOST` is set, otherwise `.eml` files in the outbox folder (the
embedded default: nothing leaves the machine, and an operator can open the files in any mail client)."""

from __future__ import annotations

import asyncio
import os
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from cluster.settings import Settings
from store.documents import new_id


class MailTransport(Protocol):
    async def send(self, message: EmailMessage) -> str:
        """Send (or store) the message; returns where it went, for logs."""
        ...


class OutboxTransport:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def send(self, message: EmailMessage) -> str:
        return await asyncio.to_thread(self._write, message)

    def _write(self, message: EmailMessage) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{new_id()}.eml"
        tmp = self.folder / f".{name}.tmp"
        tmp.write_bytes(message.as_bytes())
        os.replace(tmp, self.folder / name)  # readers never see a half-written message
        return str(self.folder / name)


class SmtpTransport:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        user: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout_s: float = 30.0,
    ) -> None:
        self.host, self.port = host, port
        self.user, self.password = user, password
        self.starttls = starttls
        self.timeout_s = timeout_s

    async def send(self, message: EmailMessage) -> str:
        await asyncio.to_thread(self._send, message)
        return f"smtp://{self.host}:{self.port}"

    def _send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(message)


def transport_from_settings(settings: Settings) -> MailTransport:
    if settings.smtp_host:
        return SmtpTransport(
            settings.smtp_host,
            settings.smtp_port,
            user=settings.smtp_user,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
        )
    return OutboxTransport(settings.outbox_path)
