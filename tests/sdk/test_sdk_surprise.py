"""Surprise for You through the SDK (issue 13): `jobs.submit(..., module="surprise", theme=, variants=,
video=, seed=)` reaches the API as sent, the job and its upload carry the quote per output, the
server's refusal comes back as a ValidationError in its words, and `Image.outputs` lists every output."""

from __future__ import annotations

import asyncio

import pytest
from drisya_client import AsyncClient
from drisya_client.errors import ValidationError

from tests.sdk.conftest import photos
from tests.serve_apps.test_jobs_surprise import _finish_as_the_runner_does, _jpeg


def test_submit_passes_the_surprise_choices_and_shows_the_quote(sdk_user, tmp_path):
    sdk = sdk_user()
    folder = photos(tmp_path / "bags", 2)
    job = sdk.jobs.submit(
        folder,
        module="surprise",
        theme="nature",
        variants=2,
        video=True,
        seed=11,
        recipe={"size": 256},
        start=False,
    )
    data = job.refresh().data
    price = data["price_per_output"]
    assert data["module"] == "surprise" and data["status"] == "created"
    assert data["surprise"] == {"theme": "nature", "variants": 2, "video": True, "seed": 11}
    assert (data["outputs_per_image"], data["price_per_image"]) == (3, 3 * price)
    assert job.upload["quote"] == data["quote"] == 2 * 3 * price

    with pytest.raises(ValidationError, match="variants must be a whole number from 1 to 8"):
        sdk.jobs.create(module="surprise", theme="nature", variants=12)
    with pytest.raises(ValidationError, match="for module surprise, not 'ready'"):
        sdk.jobs.create(theme="nature")


def test_async_create_and_image_outputs(api, sdk_user, tmp_path):
    sdk = sdk_user()
    job = sdk.jobs.submit(
        [photos(tmp_path / "one", 1) / "item-0.jpg"], module="surprise", theme="pastel", start=False
    )
    jpeg = _jpeg((10, 200, 120))
    _finish_as_the_runner_does(
        api.settings,
        job.id,
        [("item-0-pastel-1.jpg", "image", jpeg), ("item-0-pastel.mp4", "video", b"mp4 bytes")],
    )
    [image] = job.images()
    assert [(o["kind"], o["variant"], o["content_type"]) for o in image.outputs] == [
        ("image", 1, "image/jpeg"),
        ("video", 0, "video/mp4"),
    ]

    key = sdk.create_api_key("async surprise")

    async def go() -> dict:
        async with AsyncClient(api.url, api_key=key) as c:
            made = await c.jobs.create(module="surprise", theme="bold", variants=1, video=False, seed=0)
            return made.data

    made = asyncio.run(go())
    assert (made["outputs_per_image"], made["surprise"]["theme"]) == (1, "bold")
