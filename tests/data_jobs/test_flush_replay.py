"""The runner's flush is safe to repeat: a result write whose reply was lost (applied, then retried)
and a whole flush replayed leave the counters right and charge every image once (real database)."""

from __future__ import annotations

import io

from data_jobs.accounting import capture_images
from data_jobs.jobs import add_zip, create_job, submit_job
from data_jobs.runner import _after_lost_reply, _as_result, _Db, _flush
from store.ledger import Ledger
from tests.data_jobs.conftest import make_zip, product_photo


def _row(image_id: str, done: bool) -> dict:
    return {
        "image_id": image_id,
        "status": "done" if done else "failed",
        "error_code": "" if done else "corrupt_image",
        "error": "" if done else "the JPEG data is damaged",
        "output_key": f"out/{image_id}.jpg" if done else "",
        "quality": 0.9 if done else float("nan"),
        "method": "fast",
        "width": 400 if done else -1,
        "height": 400 if done else -1,
        "seconds": 0.1,
    }


async def test_a_lost_reply_and_a_replayed_flush_count_and_charge_once(repos, blobs, settings, user) -> None:
    await Ledger(repos.db).credit(user, 10, "grant", f"grant:{user}")
    job = await create_job(repos, owner=user, module="ready", template="#ffffff", recipe={"method": "fast"})
    photos = {f"p{i}.jpg": product_photo(64, seed=i) for i in range(3)}
    await add_zip(repos, blobs, settings, job.id, io.BytesIO(make_zip(photos)))
    await submit_job(repos, job.id)
    job = await repos.jobs.get(job.id)
    images = await repos.images.list_for_job(job.id)
    await repos.images.mark_running([im.id for im in images])
    rows = [_row(images[0].id, True), _row(images[1].id, True), _row(images[2].id, False)]
    results = [_as_result(r) for r in rows]
    db = _Db(None)

    # the first attempt was applied but its reply lost: the retry applies nothing and says so
    assert len(await repos.images.record_results(results)) == 3
    assert await repos.images.record_results(results) == []
    to_charge = await _after_lost_reply(repos, db, job, results)
    assert sorted(to_charge) == sorted([images[0].id, images[1].id])
    await capture_images(repos, job, to_charge)

    # the whole flush replayed (a resumed runner, a Ray batch retried): nothing changes
    assert await _flush(repos, db, job, rows) == 0

    after = await repos.jobs.get(job.id)
    assert (after.counters.done, after.counters.failed) == (2, 1)
    captures = [t for t in await repos.transactions.list_for_job(job.id) if t.kind == "capture"]
    assert len(captures) == 2
    assert after.coins.charged == 2 * job.price_per_image
    assert all(im.charged for im in await repos.images.list_for_job(job.id, status="done"))
    ledger = Ledger(repos.db)
    assert await ledger.balance(user) == await ledger.ledger_sum(user) == 10 - 3 * job.price_per_image
