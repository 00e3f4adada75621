"""Administration (role admin): users, coins, templates, pricing, promotions, jobs, analytics.

One router for app.py to include; each area lives in its own admin_*.py module. Every route requires an
administrator (the router's dependency), so a client gets 403 on all of them."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from serve_apps.auth.deps import admin_user
from serve_apps.routes import admin_analytics, admin_billing, admin_jobs, admin_templates, admin_users

router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[Depends(admin_user)])
for _area in (admin_users, admin_billing, admin_templates, admin_jobs, admin_analytics):
    router.include_router(_area.router)
