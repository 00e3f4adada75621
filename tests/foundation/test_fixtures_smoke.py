"""The shared fixtures give working real parts."""

from __future__ import annotations


async def test_db_and_user_fixtures(db, repos, user) -> None:
    got = await repos.users.get(user)
    assert got.coins == 0 and got.role == "client"
    unique = [v for v in (await db["users"].index_information()).values() if v.get("unique")]
    assert any(dict(v["key"]).get("email") for v in unique)


def test_blobs_fixture_roundtrip(blobs) -> None:
    blobs.put_bytes("jobs/j1/inputs/a.jpg", b"abc")
    assert blobs.get_bytes("jobs/j1/inputs/a.jpg") == b"abc"
