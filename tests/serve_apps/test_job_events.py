"""A real run over HTTP and WebSocket (the app on uvicorn, jobs on the shared local Ray): progress
events while it runs and a final event, ticket and first-message authentication, ownership."""

from __future__ import annotations

import json
import time

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.data_jobs.conftest import mixed_zip

RECIPE = {"method": "fast", "size": 320}


def ws_url(api, path: str) -> str:
    return api.url.replace("http://", "ws://") + path


def collect(ws, limit_s: float = 240) -> list[dict]:
    """Every event until the server closes after the final one."""
    events = []
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        try:
            events.append(json.loads(ws.recv(timeout=30)))
        except ConnectionClosed:
            break
        if events[-1]["type"] == "final":
            continue
    return events


def close_code(ws) -> int | None:
    with pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=15)
    return closed.value.rcvd.code if closed.value.rcvd else None


def test_progress_events_while_running_then_a_final_event(ray_session, api, client, new_user):
    seller = new_user(coins=50)
    job_id = client.post(
        "/v1/jobs", headers=seller.headers, json={"template_id": "#f4f4f4", "recipe": RECIPE}
    ).json()["id"]
    data, good = mixed_zip(good=4, size=320)
    uploaded = client.put(
        f"/v1/jobs/{job_id}/upload",
        headers={**seller.headers, "Content-Type": "application/zip"},
        content=data,
    ).json()
    ticket = client.post(f"/v1/jobs/{job_id}/events-ticket", headers=seller.headers).json()
    assert ticket["ticket"].startswith("wst_") and ticket["expires_in"] == 60

    with connect(ws_url(api, ticket["url"])) as ws:
        started = client.post(f"/v1/jobs/{job_id}/start", headers=seller.headers)
        assert started.status_code == 202, started.text
        assert started.json()["status"] == "queued"
        events = collect(ws)

    assert events, "no events"
    progress, final = events[:-1], events[-1]
    assert final["type"] == "final" and final["status"] == "done"
    assert final["total"] == uploaded["total"] and final["finished"] == final["total"]
    assert final["done"] >= len(good) and final["failed"] >= 1  # the truncated JPEG fails in the run
    assert final["message"].startswith("Done ")
    assert progress and all(e["type"] == "progress" for e in progress)
    assert any(e["status"] == "running" for e in progress)
    assert [e["finished"] for e in progress] == sorted(e["finished"] for e in progress)
    assert all(e["message"] for e in progress)

    # the ticket was used: it opens nothing now
    with connect(ws_url(api, ticket["url"])) as ws:
        assert close_code(ws) == 4401

    # first-message authentication with the access token; a finished job answers its final event
    with connect(ws_url(api, f"/v1/jobs/{job_id}/events")) as ws:
        ws.send(json.dumps({"token": seller.access_token}))
        events = collect(ws, 30)
    assert [e["type"] for e in events] == ["final"] and events[0]["done"] == final["done"]

    job = client.get(f"/v1/jobs/{job_id}", headers=seller.headers).json()
    assert job["status"] == "done" and job["coins_charged"] == final["done"] * job["price_per_image"]
    assert job["coins_held"] == 0 and job["started_at"] and job["finished_at"] and job["eta_s"] is None
    me = client.get("/v1/me", headers=seller.headers).json()
    assert me["coins"] == 50 + 10 - job["coins_charged"]  # grant + signup bonus - successes x price

    failed = client.get(
        f"/v1/jobs/{job_id}/images", headers=seller.headers, params={"status": "failed"}
    ).json()
    assert failed["total"] == final["failed"] and all(i["reason"] for i in failed["items"])
    done = client.get(f"/v1/jobs/{job_id}/images", headers=seller.headers, params={"status": "done"}).json()
    first = done["items"][0]
    assert first["quality"] is not None and first["charged"] is True
    output = client.get(first["output_url"], headers=seller.headers)
    assert output.status_code == 200 and output.headers["content-type"] == "image/jpeg"
    small = client.get(first["preview_url"], headers=seller.headers)
    assert small.status_code == 200 and len(small.content) < len(output.content) * 2
    none = client.get(f"/v1/jobs/{job_id}/images/{failed['items'][0]['id']}/output", headers=seller.headers)
    assert none.status_code == 404 and none.json()["error"] == "no_output"

    # a finished job cannot be started again, and can be deleted
    assert client.post(f"/v1/jobs/{job_id}/start", headers=seller.headers).status_code == 409


def test_websocket_refuses_without_valid_credentials(api, client, new_user):
    owner, stranger = new_user(), new_user()
    job_id = client.post("/v1/jobs", headers=owner.headers, json={"template_id": "#ffffff"}).json()["id"]

    with connect(ws_url(api, f"/v1/jobs/{job_id}/events?ticket=wst_made-up")) as ws:
        assert close_code(ws) == 4401
    with connect(ws_url(api, f"/v1/jobs/{job_id}/events")) as ws:
        ws.send("not json")
        assert close_code(ws) == 4401
    with connect(ws_url(api, f"/v1/jobs/{job_id}/events")) as ws:
        ws.send(json.dumps({"token": "forged.token.value"}))
        assert close_code(ws) == 4401
    with connect(ws_url(api, f"/v1/jobs/{job_id}/events")) as ws:  # another user's job: not revealed
        ws.send(json.dumps({"token": stranger.access_token}))
        assert close_code(ws) == 4404
    # a ticket is bound to the job it was issued for
    other_job = client.post("/v1/jobs", headers=owner.headers, json={"template_id": "#ffffff"}).json()["id"]
    ticket = client.post(f"/v1/jobs/{other_job}/events-ticket", headers=owner.headers).json()["ticket"]
    with connect(ws_url(api, f"/v1/jobs/{job_id}/events?ticket={ticket}")) as ws:
        assert close_code(ws) == 4401
    # a waiting job sends progress (a heartbeat) until it is cancelled, then the final event
    ticket = client.post(f"/v1/jobs/{job_id}/events-ticket", headers=owner.headers).json()["ticket"]
    with connect(ws_url(api, f"/v1/jobs/{job_id}/events?ticket={ticket}")) as ws:
        first = json.loads(ws.recv(timeout=15))
        assert first["type"] == "progress" and first["status"] == "created"
        assert first["message"] == "Waiting for uploads 0/0"
        second = json.loads(ws.recv(timeout=15))  # nothing changed, an event comes anyway
        assert second["type"] == "progress"
        client.post(f"/v1/jobs/{job_id}/cancel", headers=owner.headers)
        events = collect(ws, 30)
    assert events[-1]["type"] == "final" and events[-1]["status"] == "cancelled"
