"""E-mail notifications (job finished or failed, low balance), sent by a background task per API process."""

from __future__ import annotations

from serve_apps.state import AppState


async def start_notifier(state: AppState) -> None:
    """App start-up hook: start the notification task."""
