"""E-mail notifications (job finished or failed, low balance), sent by a background task per API process."""

from __future__ import annotations

from serve_apps.state import AppState
from store.repositories.account_indexes import ensure_account_indexes


async def start_notifier(state: AppState) -> None:
    """App start-up hook: the account collections' indexes (until store.db lists them), then the
    notification task."""
    await ensure_account_indexes(state.db)
