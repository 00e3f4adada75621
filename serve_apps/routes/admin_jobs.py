"""Admin: every user's jobs, and resuming a stalled one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from data_jobs.resume import running_here, start_job_in_background
from data_jobs.runner import DEFAULT_STALE_AFTER
from serve_apps.auth.deps import AdminUser
from serve_apps.errors import ApiError
from serve_apps.routes.jobs import job_names, job_out
from serve_apps.state import StateDep
from store.documents import JOB_QUEUED, JOB_RUNNING, JOB_STATUSES

router = APIRouter(tags=["admin"])


@router.get("/jobs")
async def list_jobs(
    admin: AdminUser,
    state: StateDep,
    owner: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    module: Annotated[str | None, Query(max_length=20)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """All users' jobs, newest first, filtered by owner, status or module."""
    if status is not None and status not in JOB_STATUSES:
        raise ApiError(422, f"status must be one of {', '.join(JOB_STATUSES)}")
    jobs = await state.repos.jobs.list_for_owner(
        owner, status=status, module=module, limit=page_size, skip=(page - 1) * page_size
    )
    total = await state.repos.jobs.count(owner, status=status, module=module)
    names = await job_names(state, jobs)
    return {
        "items": [{**job_out(j, names), "owner": j.owner, "runner": j.runner} for j in jobs],
        "total": total,
        "page": page,
        "page_size": page_size,
    }


class ResumeOut(BaseModel):
    """The answer to a resume: the dashboard shows `detail` (web/src/lib/resume.ts types it)."""

    id: str
    status: str
    resuming: bool = Field(description="false: this API process already runs the job; nothing was started")
    detail: str


@router.post("/jobs/{job_id}/resume", status_code=202, response_model=ResumeOut)
async def resume(job_id: str, admin: AdminUser, state: StateDep) -> Any:
    """Start a runner for a queued job or a running one whose runner stopped: it takes the job over only
    if the old runner has not beaten for the stale period, runs the unfinished images and charges nothing
    twice. A job with a live runner is left alone."""
    job = await state.repos.jobs.get(job_id[:64])
    if job.status not in (JOB_QUEUED, JOB_RUNNING):
        raise ApiError(
            409, f"job {job.id} is {job.status}; only queued or running jobs can be resumed", "not_resumable"
        )
    already = job.id in running_here()
    if not already:
        start_job_in_background(state.repos, state.settings, job.id)
    return {
        "id": job.id,
        "status": job.status,
        "resuming": not already,
        "detail": (
            "this API process is already running the job"
            if already
            else f"a runner was started; it takes the job over if its runner has been silent for "
            f"{int(DEFAULT_STALE_AFTER.total_seconds())} s"
        ),
    }
