"""What a running API process holds: settings, the database, the blob store, repositories.

Built in the app's lifespan (once per Serve replica or uvicorn process) and reached from routes through
`Depends(get_state)`, so nothing lives in module globals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from pymongo.asynchronous.database import AsyncDatabase

from cluster.settings import Settings
from store.blobs import BlobStore
from store.ledger import Ledger
from store.repositories import Repositories


@dataclass
class AppState:
    settings: Settings
    db: AsyncDatabase
    blobs: BlobStore
    repos: Repositories
    ledger: Ledger
    extras: dict[str, Any] = field(default_factory=dict)  # per-feature state (template caches, event hubs...)


def get_state(request: Request) -> AppState:
    return request.app.state.drisya


# Use in routes as `state: StateDep`.
StateDep = Annotated[AppState, Depends(get_state)]
