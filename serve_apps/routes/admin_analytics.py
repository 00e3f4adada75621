"""Admin: analytics over a date range (images processed per day, coins sold and spent, revenue, failure
rate by reason, top templates, active users)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Annotated, Any

from fastapi import APIRouter, Query

from serve_apps.auth.deps import AdminUser
from serve_apps.errors import ApiError
from serve_apps.state import StateDep
from store.repositories.analytics import MAX_JOBS_SCANNED

router = APIRouter(tags=["admin"])

MAX_RANGE_DAYS = 366


def _parse_day(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise ApiError(422, f"{name} must be a date like 2026-01-31, not {value!r}") from None


def _range(start: str | None, end: str | None) -> tuple[dt.date, dt.date]:
    """Inclusive days; default the last 30 days up to today (UTC)."""
    to_day = _parse_day(end, "to") or dt.datetime.now(dt.UTC).date()
    from_day = _parse_day(start, "from") or to_day - dt.timedelta(days=29)
    if from_day > to_day:
        raise ApiError(422, "from must not be after to")
    if (to_day - from_day).days >= MAX_RANGE_DAYS:
        raise ApiError(422, f"the range is at most {MAX_RANGE_DAYS} days")
    return from_day, to_day


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


@router.get("/analytics")
async def analytics(
    admin: AdminUser,
    state: StateDep,
    start: Annotated[str | None, Query(alias="from", max_length=32)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=32)] = None,
) -> dict[str, Any]:
    from_day, to_day = _range(start, end)
    lo, hi = _midnight(from_day), _midnight(to_day + dt.timedelta(days=1))
    repo = state.repos.analytics

    days = [(from_day + dt.timedelta(days=i)).isoformat() for i in range((to_day - from_day).days + 1)]
    per_day: dict[str, dict[str, int]] = {
        d: {"images_processed": 0, "coins_spent": 0, "coins_sold": 0} for d in days
    }
    coins: dict[str, int] = defaultdict(int)
    for row in await repo.ledger_by_day_and_kind(lo, hi):
        day = per_day.setdefault(row["day"], {"images_processed": 0, "coins_spent": 0, "coins_sold": 0})
        if row["kind"] == "capture":  # one capture per successfully processed image
            day["images_processed"] += row["count"]
            day["coins_spent"] += row["charge"]
            coins["spent"] += row["charge"]
        elif row["kind"] == "purchase":
            day["coins_sold"] += row["amount"]
            coins["sold"] += row["amount"]
        elif row["kind"] in ("bonus", "promo", "grant"):
            coins[f"{row['kind']}_given"] += row["amount"]
        elif row["kind"] == "refund":
            coins["refunded"] += row["amount"]
        elif row["kind"] == "deduct":
            coins["deducted"] += -row["amount"]

    revenue = await repo.paid_by_provider(lo, hi)
    real = [r for r in revenue if r["provider"] != "test"]

    jobs = await repo.jobs_in_range(lo, hi)
    done = sum(int((j.get("counters") or {}).get("done", 0)) for j in jobs)
    failed = sum(int((j.get("counters") or {}).get("failed", 0)) for j in jobs)
    templates: Counter[str] = Counter()
    template_images: Counter[str] = Counter()
    for j in jobs:
        templates[str(j.get("template"))] += 1
        template_images[str(j.get("template"))] += int((j.get("counters") or {}).get("total", 0))
    reasons = await repo.failure_reasons(
        [str(j["_id"]) for j in jobs if (j.get("counters") or {}).get("failed")]
    )
    active = {str(j.get("owner")) for j in jobs} | await repo.users_with_ledger_activity(lo, hi)

    return {
        "from": from_day.isoformat(),
        "to": to_day.isoformat(),
        "images_per_day": [{"day": d, **per_day[d]} for d in sorted(per_day)],
        "images": {
            "done": done,
            "failed": failed,
            "failure_rate": round(failed / (done + failed), 4) if done + failed else 0.0,
        },
        "failure_reasons": [
            {
                "reason": r["reason"][:200],
                "count": r["count"],
                "share": round(r["count"] / failed, 4) if failed else 0.0,
            }
            for r in reasons
        ],
        "coins": {
            "sold": coins["sold"],
            "spent": coins["spent"],
            "bonus_given": coins["bonus_given"],
            "promo_given": coins["promo_given"],
            "granted": coins["grant_given"],
            "deducted": coins["deducted"],
            "refunded": coins["refunded"],
        },
        "revenue": {
            "amount": sum(r["amount"] for r in real),
            "currency": "INR",
            "minor_unit": "paise",
            "payments": sum(r["count"] for r in real),
            "test_provider": {  # orders paid through the test provider: no money moved
                "amount": sum(r["amount"] for r in revenue if r["provider"] == "test"),
                "payments": sum(r["count"] for r in revenue if r["provider"] == "test"),
            },
        },
        "top_templates": [
            {"template": t, "jobs": n, "images": template_images[t]} for t, n in templates.most_common(10)
        ],
        "jobs": len(jobs),
        "jobs_capped": len(jobs) >= MAX_JOBS_SCANNED,
        "active_users": len(active - {"None"}),
    }
