"""A surprise job's money (issue 13): each image costs the price per output times its outputs, and the
quote, the reserve, each capture and the release of a failed image all move that one amount."""

from __future__ import annotations

import pytest

from data_jobs.jobs import create_job
from engine.errors import RecipeError
from store import job_coins
from store.errors import InvalidValue
from store.ledger import Ledger
from store.repositories import ImageResult

LUXURY = {"theme": "Luxury", "variants": 3, "video": True, "seed": 7}  # 3 variants + 1 video = 4 outputs


async def _with_images(repos, job_id: str, n: int) -> list[str]:
    images = await repos.images.insert_many(
        job_id, [(f"p{i}.jpg", f"jobs/{job_id}/p{i}.jpg") for i in range(n)]
    )
    await repos.jobs.add_total(job_id, n)
    return [im.id for im in images]


def test_image_price_is_price_per_output_times_outputs() -> None:
    assert job_coins.image_price(3, 4) == 12
    assert job_coins.image_price(0, 8) == 0  # a free module stays free
    for bad in [(-1, 1), (2, 0)]:
        with pytest.raises(ValueError):
            job_coins.image_price(*bad)


async def test_a_surprise_job_reserves_captures_and_releases_per_output(db, repos, user) -> None:
    ledger = Ledger(db)
    await repos.settings.set_price("surprise", 3)
    await ledger.credit(user, 100, "grant", "grant")
    job = await create_job(repos, owner=user, module="surprise", template="#ffffff", surprise=LUXURY)
    # the options are stored as the engine normalised them; the recipe stays a composition recipe
    assert job.surprise == {"theme": "luxury", "variants": 3, "video": True, "seed": 7}
    assert (job.outputs_per_image, job.price_per_output, job.price_per_image) == (4, 3, 12)
    assert job.recipe["aspect"] == "1:1"
    images = await _with_images(repos, job.id, 3)
    job = await repos.jobs.get(job.id)
    assert job_coins.quote(job) == 3 * 4 * 3

    assert await job_coins.reserve_quote(ledger, job) == 36
    captured = await job_coins.capture_images(repos, ledger, job, images[:2])  # the third one failed
    assert captured.charged == images[:2]
    assert await job_coins.release_held(repos, ledger, job.id, "end") == 12  # one image's four outputs

    entries = {t.key: t for t in await repos.transactions.list_for_job(job.id)}
    assert entries[job_coins.reserve_key(job.id)].amount == -36
    assert [entries[job_coins.capture_key(job.id, i)].charge for i in images[:2]] == [12, 12]
    assert entries[job_coins.release_key(job.id, "end")].amount == 12
    coins = (await repos.jobs.get(job.id)).coins
    assert (coins.reserved, coins.charged, coins.released, coins.held) == (36, 24, 12, 0)
    snap = await ledger.snapshot(user)
    assert snap.balance == snap.ledger_sum == 100 - 24


async def test_an_admin_price_change_moves_the_next_quote_only(repos, user) -> None:
    await repos.settings.set_price("surprise", 3)
    first = await create_job(repos, owner=user, module="surprise", template="#ffffff", surprise=LUXURY)
    await repos.settings.set_price("surprise", 5)
    second = await create_job(repos, owner=user, module="surprise", template="#ffffff", surprise=LUXURY)
    one = await create_job(
        repos, owner=user, module="surprise", template="#ffffff", surprise={"theme": "tech", "variants": 1}
    )
    await _with_images(repos, first.id, 2)
    await _with_images(repos, second.id, 2)
    assert job_coins.quote(await repos.jobs.get(first.id)) == 2 * 4 * 3  # fixed when it was created
    assert job_coins.quote(await repos.jobs.get(second.id)) == 2 * 4 * 5
    assert (one.outputs_per_image, one.price_per_image) == (1, 5)


async def test_bad_surprise_options_are_refused_before_anything_is_stored(repos, user) -> None:
    cases = [
        ("surprise", None, "surprise options are required"),
        ("surprise", {"theme": "gothic", "variants": 2}, "unknown surprise theme 'gothic'"),
        ("surprise", {"theme": "summer", "variants": 9}, "variants must be a whole number from 1 to 8"),
        ("surprise", {"theme": "summer", "video": "yes"}, "video must be true or false"),
        ("surprise", {"theme": "summer", "colour": "red"}, "unknown surprise field(s): colour"),
        ("ready", {"theme": "summer"}, "for module surprise, not 'ready'"),
    ]
    for module, options, message in cases:
        with pytest.raises(RecipeError, match=message.replace("(", r"\(").replace(")", r"\)")):
            await create_job(repos, owner=user, module=module, template="#ffffff", surprise=options)
    with pytest.raises(RecipeError, match="the recipe is for module 'ready'"):
        await create_job(
            repos,
            owner=user,
            module="surprise",
            template="#ffffff",
            recipe={"module": "ready"},
            surprise=LUXURY,
        )
    assert await repos.jobs.count(user) == 0


async def test_the_repository_keeps_a_surprise_job_and_its_options_together(repos, user) -> None:
    with pytest.raises(InvalidValue):
        await repos.jobs.create(user, "surprise", "#ffffff")
    with pytest.raises(InvalidValue):
        await repos.jobs.create(user, "ready", "#ffffff", surprise={"theme": "tech"})
    job = await repos.jobs.create(user, "ready", "#ffffff")
    assert (job.surprise, job.outputs_per_image, (await repos.jobs.get(job.id)).surprise) == (None, 1, None)


async def test_an_image_keeps_every_output_of_a_surprise_result(repos, user) -> None:
    job = await create_job(repos, owner=user, module="surprise", template="#ffffff", surprise=LUXURY)
    [image_id] = await _with_images(repos, job.id, 1)
    items = [
        {"name": "shoe-luxury-1.jpg", "blob": "o/1.jpg", "kind": "image", "theme": "luxury", "template": "marble-01",
         "seed": 7, "variant": 1},
        {"name": "shoe-luxury-2.jpg", "blob": "o/2.jpg", "kind": "image", "theme": "luxury", "template": "velvet-02",
         "seed": 7, "variant": 2},
        {"name": "shoe-luxury.mp4", "blob": "o/v.mp4", "kind": "video", "theme": "luxury", "template": "",
         "seed": 7, "variant": 0},
    ]  # fmt: skip
    result = ImageResult(image_id, "done", outputs={"image": "o/1.jpg"}, output_items=items)
    assert await repos.images.record_results([result]) == [result]
    stored = await repos.images.get(image_id)
    assert stored.output_items == items and stored.outputs == {"image": "o/1.jpg"}
    for bad in [{"name": "x", "kind": "image"}, {"name": "x", "blob": "b", "kind": "gif"}]:
        with pytest.raises(InvalidValue, match="needs a blob and a kind"):
            ImageResult(image_id, "done", output_items=[bad])
