"""The FastAPI app served by real uvicorn on a free port, spoken to over real HTTP."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter
from pydantic import BaseModel

from cluster.embedded_mongo import free_port
from serve_apps import health
from serve_apps.app import create_app
from serve_apps.errors import ApiError
from serve_apps.state import StateDep
from store.errors import NotFound
from store.ledger import InsufficientCoins
from tests.serve_apps.conftest import served

probe = APIRouter()
NO_DASHBOARD = Path("/nonexistent/drisya-web-dist")


class Payload(BaseModel):
    name: str
    count: int


@probe.post("/probe/validate")
async def validate(body: Payload) -> dict:
    return {"ok": body.count}


@probe.get("/probe/api-error")
async def api_error() -> None:
    raise ApiError(403, "admins only")


@probe.get("/probe/not-found")
async def not_found() -> None:
    raise NotFound("no job abc")


@probe.get("/probe/coins")
async def coins() -> None:
    raise InsufficientCoins(shortfall=7, balance=3, needed=10)


@probe.get("/probe/job/{kind}")
async def job_error(kind: str) -> None:
    from data_jobs.errors import IntakeRefused, JobNotFound, JobStateError
    from engine.templates.catalog import UnknownTemplate

    raise {
        "missing": JobNotFound("j1"),
        "state": JobStateError("no_images", "the job has no images"),
        "too_large": IntakeRefused("too_large", "the upload is larger than 10 bytes"),
        "not_a_zip": IntakeRefused("not_a_zip", "this is not a ZIP"),
        "no_images": IntakeRefused("no_images", "no usable images"),
        "template": UnknownTemplate("no-such"),
    }[kind]


@probe.get("/probe/crash")
async def crash() -> None:
    raise RuntimeError("secret internals")


@probe.get("/probe/state")
async def state_probe(state: StateDep) -> dict:
    return {"users": await state.repos.users.count(), "db": state.db.name}


@pytest.fixture
def app_settings(settings, mongo_uri):
    return settings.with_(mongodb_uri=mongo_uri, mongodb_db=f"app_{uuid.uuid4().hex[:10]}")


def _is_ray_up() -> bool:
    import ray

    return ray.is_initialized()


def test_healthz_reports_each_part(app_settings) -> None:
    with served(create_app(app_settings, web_dist=NO_DASHBOARD)) as url:
        response = httpx.get(f"{url}/healthz", timeout=30)
    body = response.json()
    assert body["mongodb"]["status"] == "up" and body["mongodb"]["database"] == app_settings.mongodb_db
    assert body["storage"] == {**body["storage"], "status": "up", "backend": "local"}
    ray_up = _is_ray_up()  # plain uvicorn has no Ray unless another test in this process started one
    assert body["ray"]["status"] == ("up" if ray_up else "down")
    assert response.status_code == (200 if ray_up else 503)
    assert body["status"] == ("ok" if ray_up else "degraded")


def test_healthz_reports_a_dead_database(app_settings, monkeypatch) -> None:
    monkeypatch.setattr(health, "CHECK_TIMEOUT_S", 1.0)
    dead = app_settings.with_(mongodb_uri=f"mongodb://127.0.0.1:{free_port()}/?serverSelectionTimeoutMS=500")
    with served(create_app(dead)) as url:
        response = httpx.get(f"{url}/healthz", timeout=30)
    assert response.status_code == 503
    assert response.json()["mongodb"]["status"] == "down"
    assert response.json()["storage"]["status"] == "up"


def test_errors_are_json_with_the_right_status(app_settings) -> None:
    app = create_app(app_settings, routers=[health.router, probe], web_dist=NO_DASHBOARD)
    with served(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        cases = {
            ("GET", "/nowhere"): (404, "not_found"),
            ("DELETE", "/healthz"): (405, "method_not_allowed"),
            ("GET", "/probe/api-error"): (403, "forbidden"),
            ("GET", "/probe/not-found"): (404, "not_found"),
            ("GET", "/probe/coins"): (402, "insufficient_coins"),
            ("GET", "/probe/crash"): (500, "internal"),
            # errors that carry their own HTTP status are answered with it, never a 500
            ("GET", "/probe/job/missing"): (404, "job_not_found"),
            ("GET", "/probe/job/state"): (409, "no_images"),
            ("GET", "/probe/job/too_large"): (413, "too_large"),
            ("GET", "/probe/job/not_a_zip"): (415, "not_a_zip"),
            ("GET", "/probe/job/no_images"): (422, "no_images"),
            ("GET", "/probe/job/template"): (404, "not_found"),
        }
        for (method, path), (status, code) in cases.items():
            response = client.request(method, path)
            assert response.status_code == status, (path, response.text)
            assert response.headers["content-type"].startswith("application/json")
            body = response.json()
            assert body["error"] == code and isinstance(body["detail"], str) and body["detail"], (path, body)
        assert client.get("/probe/coins").json()["shortfall"] == 7
        assert "no-such" in client.get("/probe/job/template").json()["detail"]
        assert "secret internals" not in client.get("/probe/crash").text

        invalid = client.post("/probe/validate", json={"name": "x", "count": "many"})
        assert invalid.status_code == 422
        assert invalid.json()["error"] == "invalid" and "count" in invalid.json()["detail"]
        assert (
            client.post(
                "/probe/validate", content=b"{not json", headers={"content-type": "application/json"}
            ).status_code
            == 422
        )
        assert client.post("/probe/validate", json={"name": "x", "count": 2}).json() == {"ok": 2}
        assert client.get("/probe/state").json() == {"users": 0, "db": app_settings.mongodb_db}


def test_create_app_needs_a_database_uri(settings) -> None:
    with pytest.raises(ValueError, match="mongodb_uri"):
        create_app(settings)


def test_dashboard_is_served_next_to_the_api(app_settings, tmp_path) -> None:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><div id=root></div>")
    (dist / "assets" / "app-1234.js").write_text("console.log('drisya')")
    (tmp_path / "secret.txt").write_text("outside")
    app = create_app(app_settings, web_dist=dist)
    with served(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        home = client.get("/", headers={"accept": "text/html"})
        assert home.status_code == 200 and "id=root" in home.text
        deep = client.get("/jobs/abc123", headers={"accept": "text/html"})
        assert deep.status_code == 200 and "id=root" in deep.text  # client-side routes reload fine
        asset = client.get("/assets/app-1234.js")
        assert asset.status_code == 200 and "immutable" in asset.headers["cache-control"]
        assert client.get("/jobs/abc123").status_code == 404  # not a browser navigation
        missing_asset = client.get("/assets/gone.js")
        assert missing_asset.status_code == 404 and missing_asset.json()["error"] == "not_found"
        api_miss = client.get("/v1/nothing", headers={"accept": "text/html"})
        assert api_miss.status_code == 404 and api_miss.json()["error"] == "not_found"
        lookalike = client.get("/v1abc", headers={"accept": "text/html"})  # a page, not under /v1/
        assert lookalike.status_code == 200 and "id=root" in lookalike.text
        assert client.post("/jobs/abc123").json()["error"] == "not_found"
        escape = client.get("/..%2Fsecret.txt")
        assert "outside" not in escape.text
        assert client.get("/healthz").json()["mongodb"]["status"] == "up"


def test_without_a_built_dashboard_unknown_paths_are_json_404(app_settings, tmp_path) -> None:
    with served(create_app(app_settings, web_dist=tmp_path / "no-dist")) as url:
        response = httpx.get(f"{url}/", headers={"accept": "text/html"}, timeout=30)
    assert response.status_code == 404 and response.json()["error"] == "not_found"
