"""One photo, one recipe, three ways in, one picture out: `drisya batch` (the staged Ray Data batch),
`drisya enhance` and `POST /v1/enhance` (both the one-image path).

The one-image paths run the same `process_image`, so their files are byte-identical. The batch
hands the colour model's matte from its prepare stage to its finish stage as uint8, so its pixels
may differ by that rounding: decoded, they stay within 3/255 of the one-image output at PSNR >= 45 dB,
and the compliance verdict is the same.
"""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from data_jobs.output_zip import read_manifest
from drisya.cli.main import main as drisya_main
from serve_apps.app import create_app
from serve_apps.startup import prepare
from tests.data_jobs.conftest import make_zip, product_photo
from tests.drisya_cli import batch_env, run_batch
from tests.serve_apps.conftest import NO_DASHBOARD, USER_PASSWORD, api_settings, grant_coins, login, served

RECIPE = {"preset": "amazon", "method": "fast"}
TEMPLATE = "#ffffff"
MAX_DIFF = 3
MIN_PSNR = 45.0


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("photos")
    out = {}
    for seed in (3, 11):
        path = folder / f"shot-{seed}.jpg"
        path.write_bytes(product_photo(640, seed=seed))
        out[path.stem] = path
    return out


@pytest.fixture(scope="module")
def batch_outputs(photos: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """`drisya batch` as a user runs it, in its own process with its own Ray and database."""
    tmp = tmp_path_factory.mktemp("batch")
    src, out = tmp / "in.zip", tmp / "out.zip"
    src.write_bytes(make_zip({p.name: p.read_bytes() for p in photos.values()}))
    args = ["--template", TEMPLATE, "--preset", RECIPE["preset"], "--method", RECIPE["method"], "-q"]
    done = run_batch(str(src), "--out", str(out), *args, env=batch_env(tmp / "data"))
    assert done.returncode == 0, done.stderr[-3000:]
    with zipfile.ZipFile(out) as zf:
        rows = {r["input_name"]: r for r in read_manifest(zf.read("manifest.csv"))}
        assert all(r["status"] == "done" for r in rows.values()), rows
        files = {Path(n).stem: zf.read(n) for n in zf.namelist() if n.endswith(".jpg")}
    files["_manifest"] = json.dumps(rows).encode()
    return files


@pytest.fixture(scope="module")
def api_url(tmp_path_factory: pytest.TempPathFactory, mongo_uri: str) -> Iterator[tuple[str, object]]:
    """The API served over real HTTP on the embedded database, as `drisya up` prepares it."""
    settings = api_settings(tmp_path_factory.mktemp("api"), mongo_uri)
    asyncio.run(prepare(settings, owns_database=True))
    with served(create_app(settings, web_dist=NO_DASHBOARD)) as url:
        yield url, settings


def _decoded(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), np.int16)


def _close(a: bytes, b: bytes) -> None:
    x, y = _decoded(a), _decoded(b)
    assert x.shape == y.shape
    diff = np.abs(x - y)
    mse = float((diff.astype(np.float64) ** 2).mean())
    psnr = 99.0 if mse == 0 else 10 * np.log10(255.0**2 / mse)
    assert diff.max() <= MAX_DIFF and psnr >= MIN_PSNR, f"max diff {diff.max()}, PSNR {psnr:.1f} dB"


@pytest.mark.ray
def test_batch_cli_and_api_give_the_same_output(photos, batch_outputs, api_url, tmp_path, capsys) -> None:
    # drisya enhance, in this process
    out_dir = tmp_path / "enhanced"
    args = ["--template", TEMPLATE, "--preset", RECIPE["preset"], "--method", RECIPE["method"]]
    assert drisya_main(["enhance", *map(str, photos.values()), "--out", str(out_dir), *args]) == 0
    cli = {p.stem: p.read_bytes() for p in out_dir.iterdir()}
    assert sorted(cli) == sorted(photos)

    # POST /v1/enhance, over HTTP
    url, settings = api_url
    with httpx.Client(base_url=url, timeout=120) as client:
        email = "same-output@example.com"
        registered = client.post(
            "/v1/auth/register", json={"email": email, "password": USER_PASSWORD, "name": "S"}
        )
        assert registered.status_code == 201, registered.text
        headers = {"Authorization": f"Bearer {login(client, email, USER_PASSWORD)['access_token']}"}
        grant_coins(settings, client.get("/v1/me", headers=headers).json()["id"], 10)
        api, verdicts = {}, {}
        for stem, path in photos.items():
            response = client.post(
                "/v1/enhance",
                headers=headers,
                files={"image": (path.name, path.read_bytes(), "image/jpeg")},
                data={"template": TEMPLATE, "recipe": json.dumps(RECIPE)},
            )
            assert response.status_code == 200, response.text
            api[stem] = response.content
            verdicts[stem] = response.headers.get("x-drisya-compliance", "")

    manifest = json.loads(batch_outputs["_manifest"])
    for stem in photos:
        assert api[stem] == cli[stem], "the two one-image paths must write the same file"
        assert Image.open(io.BytesIO(batch_outputs[stem])).size == (2000, 2000)
        _close(batch_outputs[stem], cli[stem])
        row = manifest[f"{stem}.jpg"]
        assert row["compliance"] and verdicts[stem].startswith(row["compliance"]), (row, verdicts[stem])
