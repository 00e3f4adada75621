"""Every built-in template renders the pixels it rendered before the module refactor, and a template's
pixels depend on its id alone, never on its place in the list.

`data/render_hashes.json` was recorded from the code before the refactor (two small renders per
template, 64x48 and 40x60, sha256 of the RGB bytes). If a deliberate change alters a template, bump its
`version` in `engine/templates/library.py` and re-record its entry.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

import engine.templates as tpl
from engine.templates import library

RECORDED = json.loads((Path(__file__).parent / "data" / "render_hashes.json").read_text())


def _digest(spec: tpl.TemplateSpec) -> str:
    h = hashlib.sha256()
    for w, hh in RECORDED["sizes"]:
        h.update(tpl.render(spec, w, hh).tobytes())
    return h.hexdigest()[:16]


def test_every_template_renders_the_recorded_pixels() -> None:
    specs = tpl.catalog()
    assert {s.id for s in specs} == set(RECORDED["sha256_16"])
    changed = [s.id for s in specs if _digest(s) != RECORDED["sha256_16"][s.id]]
    assert changed == [], f"{len(changed)} templates render other pixels: {changed[:10]}"


def test_inserting_a_template_changes_no_other_templates_pixels(monkeypatch: pytest.MonkeyPatch) -> None:
    before = {s.id: s for s in library.entries()}
    new_row = ("zz-inserted", "Inserted Gradient", ["#ffffff", "#808080", "#000000"], 45, ("grey",))
    monkeypatch.setattr(library, "GRADIENTS", [new_row, *library.GRADIENTS])
    monkeypatch.setattr(library, "MARBLES", [library.MARBLES[-1], *library.MARBLES[:-1]])  # reordered
    after = {s.id: s for s in library.entries()}
    assert set(after) - set(before) == {"gradient-zz-inserted"}
    inserted = after.pop("gradient-zz-inserted")
    assert inserted.extra["params"]["seed"] == library.id_seed(inserted.id)
    assert after == before  # same ids, same parameters (seeds included)
    for tid, spec in after.items():
        assert spec.extra == before[tid].extra, tid
        assert (tpl.render(spec, 40, 30) == tpl.render(before[tid], 40, 30)).all(), tid


def test_the_seed_is_a_function_of_the_id() -> None:
    assert library.id_seed("gradient-ocean") == library.id_seed("gradient-ocean")
    assert library.id_seed("gradient-ocean") != library.id_seed("gradient-ocean2")
