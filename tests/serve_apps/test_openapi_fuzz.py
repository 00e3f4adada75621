"""A bounded schemathesis run over /openapi.json against the real app: whatever a signed-in client
sends that the schema allows, or nearly allows (wrong types, missing fields, odd strings), no
operation answers 5xx. Bounded by examples per operation (hypothesis), so it ends in minutes.

Admin credentials are not used: a fuzzed price or promotion would change what other tests see.
Logout is left out so the token stays valid for the whole run."""

from __future__ import annotations

import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from tests.serve_apps.conftest import USER_PASSWORD, grant_coins, login

MAX_EXAMPLES = 15
# the ZIP upload's raw body is fuzzed as bytes, like any binary body
schemathesis.serializer.alias("application/zip", "application/octet-stream")


@pytest.fixture(scope="module")
def fuzz_headers(api):
    import httpx

    with httpx.Client(base_url=api.url, timeout=60) as c:
        email = f"fuzz-{uuid.uuid4().hex[:8]}@example.com"
        assert (
            c.post(
                "/v1/auth/register", json={"email": email, "password": USER_PASSWORD, "name": "F"}
            ).status_code
            == 201
        )
        tokens = login(c, email, USER_PASSWORD)
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        grant_coins(api.settings, c.get("/v1/me", headers=headers).json()["id"], 5)
    return headers


def test_no_operation_answers_5xx(api, fuzz_headers):
    schema = schemathesis.openapi.from_url(f"{api.url}/openapi.json").exclude(
        path=["/v1/auth/logout", "/healthz"]  # /healthz answers 503 by contract when Ray is down
    )
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],  # no shrinking: report, do not minimise
        )
        def check(case) -> None:
            response = case.call(headers=fuzz_headers, timeout=60)
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
                )

        check()
    assert operations >= 30  # every router is in the schema
    assert not failures, "\n".join(failures[:20])
