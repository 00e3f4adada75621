"""The staged batch (prepare -> network -> finish) gives the one-image path's output for the same
input and recipe, a bad image is a failed row in every stage, and the pipeline runs end to end on
Ray with the real model."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from cluster.settings import Settings
from data_jobs.pipeline import ImageRef, JobArgs, PoolPlan, build_dataset, plan_actor_pool
from data_jobs.stages import (
    NetworkStage,
    auto_network_first,
    finish_stage,
    plan_stages,
    prepare_stage,
)
from engine.pipeline import (
    matting_options,
    matting_route,
    parse_recipe,
    prepare_background,
    process_image,
)
from engine.templates.catalog import resolve
from tests.data_jobs.conftest import product_photo


def _busy_photo(size: int = 700, seed: int = 3) -> bytes:
    """A product on a cluttered, uneven backdrop: the colour model is unsure, `auto` needs the network."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size]
    img = np.stack(
        [120 + 60 * np.sin(x / 37.0), 110 + 50 * np.cos(y / 23.0), 90 + 40 * np.sin((x + y) / 51.0)], -1
    )
    img += rng.normal(0, 18, img.shape)
    img[size // 4 : size * 3 // 4, size // 3 : size * 2 // 3] = (200, 40, 60)
    buf = io.BytesIO()
    Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def _decode(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.int16)


def _staged(blobs, settings, recipe: dict, photos: dict[str, bytes], *, network_first: bool | str = False):
    """Run the three stage functions on one batch in this process (the same code Ray runs)."""
    args = JobArgs(settings, recipe, resolve("#ffffff"), network_first=network_first)
    for key, data in photos.items():
        blobs.put_bytes(key, data)
    refs = {
        "image_id": np.array(list(photos)),
        "input_key": np.array(list(photos)),
        "output_stem": np.array([f"out/{k}" for k in photos]),
    }
    prepared = prepare_stage(refs, args)
    if parse_recipe(recipe).method != "fast":
        prepared = NetworkStage(args)(prepared)
    rows = finish_stage(prepared, args)
    return [dict(zip(rows, values, strict=True)) for values in zip(*rows.values(), strict=True)]


def _one_image(settings, recipe: dict, data: bytes, *, network_first: bool | str = False):
    from cluster.model_store import model_family, resolve_model
    from engine.matting.model import get_session

    parsed = parse_recipe(recipe)
    template = resolve("#ffffff")
    session = None
    if parsed.method != "fast":
        session = get_session(resolve_model(settings, fetch_if_missing=False), model_family(settings))
    return process_image(
        data,
        parsed,
        template,
        background=prepare_background(parsed, template),
        session=session,
        max_pixels=settings.limits.max_image_pixels,
        working_size=settings.limits.working_size,
        network_first=network_first,
    )


@pytest.mark.model
@pytest.mark.parametrize(
    ("method", "photo", "expected"),
    [
        ("fast", "clean", "fast"),
        ("auto", "clean", "auto:fast"),
        ("auto", "busy", "auto:model"),
        ("model", "clean", "model"),
    ],
)
def test_stages_give_the_one_image_output(blobs, settings, method, photo, expected) -> None:
    settings = settings.with_(blob_dir=str(blobs.root))
    data = product_photo(640, seed=5) if photo == "clean" else _busy_photo()
    recipe = {"method": method, "size": 600, "format": "png"}

    (row,) = _staged(blobs, settings, recipe, {"a.jpg": data})
    alone = _one_image(settings, recipe, data)

    assert row["status"] == "done", row["error"]
    assert row["method"] == alone.method == expected
    assert (row["width"], row["height"]) == (alone.width, alone.height)
    assert abs(row["quality"] - alone.quality) < 0.02
    staged, single = _decode(blobs.get_bytes(row["output_key"])), _decode(alone.data)
    diff = np.abs(staged - single)
    # the mattes handed between stages are uint8: a few edge pixels move by a step or two
    assert float(diff.mean()) < 0.05 and np.percentile(diff, 99.9) <= 3, (diff.mean(), diff.max())


@pytest.mark.model
def test_auto_with_a_gpu_sends_every_image_to_the_network(blobs, settings) -> None:
    """Network-first: a clean photo that the colour model would decide alone goes to the network
    (the prepare stage hands on the image, not a matte), and the batch gives the one-image output."""
    settings = settings.with_(blob_dir=str(blobs.root))
    data, recipe = product_photo(480), {"method": "auto", "size": 400, "format": "png"}
    args = JobArgs(settings, recipe, resolve("#ffffff"), network_first="network-first")
    blobs.put_bytes("c.jpg", data)
    refs = {"image_id": np.array(["c"]), "input_key": np.array(["c.jpg"]), "output_stem": np.array(["out/c"])}
    prepared = prepare_stage(refs, args)
    assert len(prepared["net_input"][0]) and not len(prepared["alpha"][0])
    (row,) = _staged(blobs, settings, recipe, {"c.jpg": data}, network_first="network-first")
    alone = _one_image(settings, recipe, data, network_first="network-first")
    assert row["status"] == "done" and row["method"] == alone.method == "auto:model"
    diff = np.abs(_decode(blobs.get_bytes(row["output_key"])) - _decode(alone.data))
    assert float(diff.mean()) < 0.05 and np.percentile(diff, 99.9) <= 3
    # without a GPU the same clean photo is decided by the colour model alone
    assert _one_image(settings, recipe, data).method == "auto:fast"


def test_a_bad_image_is_a_failed_row_and_the_others_finish(blobs, settings) -> None:
    settings = settings.with_(blob_dir=str(blobs.root))
    photos = {"good.jpg": product_photo(300), "bad.jpg": product_photo(300)[:200], "text.jpg": b"hello" * 50}
    for method in ("fast", "auto"):
        rows = {r["image_id"]: r for r in _staged(blobs, settings, {"method": method, "size": 300}, photos)}
        assert rows["good.jpg"]["status"] == "done"
        for bad in ("bad.jpg", "text.jpg"):
            assert rows[bad]["status"] == "failed" and rows[bad]["error_code"], rows[bad]
            assert rows[bad]["output_key"] == ""


def test_stage_plan_follows_the_cluster() -> None:
    cpu = plan_stages(PoolPlan(min_size=1, max_size=7, num_cpus=1.0, num_gpus=0.0, batch_size=4))
    assert (cpu.cpu_tasks, cpu.network_actors, cpu.network_gpus) == (7, 5, 0.0)
    # without a GPU the network may grow to most of the slots (it is ~88 % of an image's CPU there),
    # never to all of them, and at least one actor runs on the smallest machine
    node = plan_stages(plan_actor_pool({"CPU": 16.0}, images=1000))
    assert (node.cpu_tasks, node.network_actors, node.network_gpus) == (15, 12, 0.0)
    laptop = plan_stages(plan_actor_pool({"CPU": 2.0}, images=1000))
    assert (laptop.cpu_tasks, laptop.network_actors) == (1, 1)
    # the memory cap on the slots caps the actors too (each holds a ~1.3 GB session)
    tight = plan_actor_pool({"CPU": 16.0, "memory": 8.0 * 2**30}, images=1000, worker_bytes=2 * 2**30)
    assert (tight.max_size, plan_stages(tight).network_actors) == (4, 3)
    gpu = plan_stages(plan_actor_pool({"CPU": 16.0, "GPU": 1.0}, images=1000))
    # two network actors share the card, each with a CPU; the CPU stages get the other 13 slots
    assert (gpu.cpu_tasks, gpu.network_actors, gpu.network_gpus, gpu.in_flight) == (13, 2, 0.5, 4)
    two = plan_stages(plan_actor_pool({"CPU": 32.0, "GPU": 2.0}, images=1000))
    assert (two.cpu_tasks, two.network_actors, two.network_gpus) == (27, 4, 0.5)
    # DRISYA_NETWORK_ACTORS_PER_GPU: more actors share the card, the CPU stages get what they leave
    more = Settings.from_env(env={"DRISYA_NETWORK_ACTORS_PER_GPU": "6"}).network_actors_per_gpu
    six = plan_stages(plan_actor_pool({"CPU": 16.0, "GPU": 1.0}, images=1000), actors_per_gpu=more)
    assert (six.cpu_tasks, six.network_actors, six.network_gpus) == (9, 6, 0.166)
    with pytest.raises(ValueError, match="DRISYA_NETWORK_ACTORS_PER_GPU"):
        Settings.from_env(env={"DRISYA_NETWORK_ACTORS_PER_GPU": "0"})
    small = plan_stages(plan_actor_pool({"CPU": 2.0, "GPU": 1.0}, images=1000))
    assert (small.cpu_tasks, small.network_actors, small.network_gpus) == (1, 1, 1.0)


def test_auto_route_follows_the_hardware_unless_chosen() -> None:
    """`hardware`: network-first where the cluster has a GPU, colour-first without; the other values
    of DRISYA_AUTO_ROUTE choose a mode outright on any cluster; a misspelt one is refused."""
    assert auto_network_first({"CPU": 16.0, "GPU": 1.0}) == "network-first"
    assert auto_network_first({"CPU": 16.0, "GPU": 0.0}) == "colour"
    assert auto_network_first({"CPU": 16.0}, "hardware") == "colour"
    for route in ("network-first", "network", "colour"):
        assert auto_network_first({"CPU": 16.0}, route) == route
        assert auto_network_first({"GPU": 1.0}, route) == route
        assert Settings.from_env(env={"DRISYA_AUTO_ROUTE": route}).auto_route == route
    with pytest.raises(ValueError, match="DRISYA_AUTO_ROUTE"):
        auto_network_first({}, "gpu")
    with pytest.raises(ValueError, match="DRISYA_AUTO_ROUTE"):
        Settings.from_env(env={"DRISYA_AUTO_ROUTE": "gpu"})
    # how each mode runs a recipe's `auto` (`model` for the network alone) and only `auto`
    assert matting_route("auto", network_first="network") == "model"
    assert matting_route("auto", network_first="network-first") == "auto"
    assert matting_options("auto", network_first="network-first").network_first
    assert not matting_options("auto", network_first="colour").network_first
    assert not matting_options("fast", network_first="network-first").network_first
    assert matting_route("fast", network_first="network") == "fast"
    with pytest.raises(ValueError, match="network_first"):
        matting_route("auto", network_first="gpu")


@pytest.mark.ray
@pytest.mark.model
def test_the_staged_dataset_runs_on_ray(ray_session, blobs, settings) -> None:
    settings = settings.with_(blob_dir=str(blobs.root))
    photos = {f"in/{i}.jpg": product_photo(400, seed=i) for i in range(3)} | {"in/busy.jpg": _busy_photo(500)}
    photos["in/broken.jpg"] = b"\xff\xd8\xff" + b"\x00" * 100
    for key, data in photos.items():
        blobs.put_bytes(key, data)
    refs = [ImageRef(k, k, f"out/{i:03d}") for i, k in enumerate(photos)]
    plan = PoolPlan(min_size=1, max_size=1, num_cpus=1.0, num_gpus=0.0, batch_size=2)
    ds = build_dataset(
        refs,
        settings=settings,
        recipe={"method": "auto", "size": 400},
        template=resolve("#ffffff"),
        plan=plan,
    )
    rows = {r["image_id"]: r for r in ds.iter_rows()}
    assert set(rows) == set(photos)
    assert rows["in/broken.jpg"]["status"] == "failed"
    assert rows["in/busy.jpg"]["method"] == "auto:model" and rows["in/0.jpg"]["method"] == "auto:fast"
    for key in photos:
        if key != "in/broken.jpg":
            assert rows[key]["status"] == "done" and blobs.exists(rows[key]["output_key"])
            assert rows[key]["prepare_s"] > 0 and rows[key]["finish_s"] > 0
    assert rows["in/busy.jpg"]["network_s"] > 0 and rows["in/0.jpg"]["network_s"] == 0
