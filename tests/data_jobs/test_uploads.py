"""Uploads to one job that overlap each other or the job's submission."""

from __future__ import annotations

import asyncio
import io

import pytest

from data_jobs.errors import JobStateError
from data_jobs.intake import intake_zip
from data_jobs.jobs import _register, add_zip, create_job, submit_job
from store.ledger import Ledger
from tests.data_jobs.conftest import make_zip, product_photo


async def _job(repos, user):
    return await create_job(repos, owner=user, module="ready", template="#ffffff", recipe={"method": "fast"})


async def test_uploads_at_the_same_time_get_their_own_blobs_and_sequence_numbers(
    repos, blobs, settings, user
):
    job = await _job(repos, user)
    first = make_zip({f"a{i}.jpg": product_photo(64, seed=i) for i in range(3)})
    second = make_zip({f"b{i}.jpg": product_photo(64, seed=10 + i) for i in range(3)})
    await asyncio.gather(
        add_zip(repos, blobs, settings, job.id, io.BytesIO(first)),
        add_zip(repos, blobs, settings, job.id, io.BytesIO(second)),
    )
    images = await repos.images.list_for_job(job.id)
    assert len(images) == 6 and (await repos.jobs.get(job.id)).counters.total == 6
    assert sorted(im.seq for im in images) == list(range(6))  # outputs are stored by seq
    assert len({im.input_blob for im in images}) == 6
    for im in images:  # each image still points at its own bytes
        expected = product_photo(64, seed=int(im.input_name[1]) + (10 if im.input_name[0] == "b" else 0))
        assert blobs.get_bytes(im.input_blob) == expected


async def test_an_upload_finishing_after_submit_is_refused_whole(repos, blobs, settings, user):
    await Ledger(repos.db).credit(user, 10, "grant", f"grant:{user}")
    job = await _job(repos, user)
    await add_zip(repos, blobs, settings, job.id, io.BytesIO(make_zip({"a.jpg": product_photo(64)})))
    # a second upload passed the status check, then the job was submitted while it was being read
    late = await asyncio.to_thread(
        intake_zip,
        io.BytesIO(make_zip({"late.jpg": product_photo(64, seed=5)})),
        blobs,
        job.id,
        settings.limits,
        upload="late",
    )
    await submit_job(repos, job.id)
    with pytest.raises(JobStateError):
        await _register(repos, blobs, job.id, late)
    images = await repos.images.list_for_job(job.id)
    assert [im.input_name for im in images] == ["a.jpg"]  # nothing runs beyond the reserved quote
    assert not blobs.exists(late.accepted[0].blob_key)
    assert (await repos.jobs.get(job.id)).coins.reserved == 1 * (await repos.jobs.get(job.id)).price_per_image


async def test_a_cancel_landing_while_the_quote_is_reserved_leaves_nothing_held(
    repos, blobs, settings, user, monkeypatch
):
    import data_jobs.jobs as jobs

    await Ledger(repos.db).credit(user, 10, "grant", f"grant:{user}")
    job = await _job(repos, user)
    await add_zip(repos, blobs, settings, job.id, io.BytesIO(make_zip({"a.jpg": product_photo(64)})))
    real_reserve = jobs.reserve_quote

    async def cancel_then_reserve(repos_, job_):
        await jobs.cancel_job(repos_, job_.id)  # nothing held yet: the cancel releases nothing
        return await real_reserve(repos_, job_)

    monkeypatch.setattr(jobs, "reserve_quote", cancel_then_reserve)
    with pytest.raises(JobStateError):
        await submit_job(repos, job.id)
    final = await repos.jobs.get(job.id)
    assert final.status == "cancelled" and final.coins.held == 0
    ledger = Ledger(repos.db)
    assert await ledger.balance(user) == 10 == await ledger.ledger_sum(user)
