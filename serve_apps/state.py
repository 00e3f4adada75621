"""What a running API process holds: settings, the database, the blob store, repositories.

One context type for both places that need it: the once-per-start preparation (`serve_apps.startup`,
whose hooks receive it) and the app's lifespan (once per Serve replica or uvicorn process), where routes
reach it through `Depends(get_state)`, so nothing lives in module globals.
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
    owns_database: bool = False  # True when this process is the only one using the database (embedded mode)
    extras: dict[str, Any] = field(default_factory=dict)  # per-feature state (template caches, event hubs...)
    notes: list[str] = field(default_factory=list)  # start-up lines `drisya up` prints after start


def get_state(request: Request) -> AppState:
    return request.app.state.drisya


# Use in routes as `state: StateDep`.
StateDep = Annotated[AppState, Depends(get_state)]
