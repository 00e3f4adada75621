"""Folders and image lists are zipped while streaming: the body is a valid ZIP of every image under
its relative name, produced in chunks no bigger than about one read, with progress up to the total."""

from __future__ import annotations

import io
import zipfile

import pytest
from drisya_client import uploads

from tests.sdk.conftest import photos


def test_folder_streams_as_a_zip_in_small_chunks(tmp_path):
    folder = photos(tmp_path / "in", 3, broken=True)
    (folder / "notes.txt").write_text("not an image")
    plan = uploads.plan(folder)
    seen: list[tuple[int, int]] = []
    chunks = list(uploads.iter_body(plan, lambda sent, total: seen.append((sent, total)), chunk_size=4096))
    body = b"".join(chunks)
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert sorted(archive.namelist()) == ["broken.jpg", "item-0.jpg", "item-1.jpg", "more/item-2.jpg"]
    assert archive.read("more/item-2.jpg") == (folder / "more" / "item-2.jpg").read_bytes()
    assert archive.testzip() is None
    # never more than one read (plus a local header) held at once
    assert len(chunks) > 10 and max(len(c) for c in chunks[:-1]) <= 4096 + 200
    assert seen[-1] == (plan.total_bytes, plan.total_bytes)


def test_image_list_gets_unique_names_and_a_zip_path_is_sent_as_is(tmp_path):
    a = photos(tmp_path / "a", 1)
    b = photos(tmp_path / "b", 1, seed=5)
    plan = uploads.plan([a / "item-0.jpg", b / "item-0.jpg"])
    assert [name for name, _ in plan.entries] == ["item-0.jpg", "item-0 (2).jpg"]
    ready = tmp_path / "ready.zip"
    ready.write_bytes(b"".join(uploads.iter_body(plan)))
    zipped = uploads.plan(ready)
    assert zipped.zip_path == ready and b"".join(uploads.iter_body(zipped)) == ready.read_bytes()


def test_sources_with_nothing_to_send_are_refused_with_a_sentence(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="holds no images"):
        uploads.plan(tmp_path / "empty")
    with pytest.raises(ValueError, match="does not exist"):
        uploads.plan(tmp_path / "missing")
    with pytest.raises(ValueError, match="empty"):
        uploads.plan([])
