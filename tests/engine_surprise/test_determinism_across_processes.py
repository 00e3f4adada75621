"""A seller reproduces a variant they liked days later, in another process: the pixels of every
variant and the bytes of the video must not depend on the process (no `hash()` seeds, no clock)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import hashlib, json, sys
import cv2
import numpy as np
from engine.pipeline import parse_recipe
from engine.surprise.render import render_surprise
from tests.engine_surprise.conftest import product

rgb, alpha = product((40, 150, 60))
recipe = parse_recipe({"module": "look", "size": 240, "aspect": "4:5"})
outs = render_surprise(rgb, alpha, recipe, {"theme": "nature", "variants": 3, "video": True, "seed": 77})
digests = []
for o in outs:
    if o.kind == "video":
        digests.append(hashlib.sha256(o.data).hexdigest())
    else:
        pixels = cv2.imdecode(np.frombuffer(o.data, np.uint8), cv2.IMREAD_COLOR)
        digests.append(hashlib.sha256(pixels.tobytes()).hexdigest())
print(json.dumps({"digests": digests, "templates": [o.template for o in outs]}))
"""


def _run() -> dict:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "random", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_two_processes_give_the_same_variants_and_video() -> None:
    first, second = _run(), _run()
    assert first["templates"] == second["templates"]
    assert first["digests"] == second["digests"]
    assert len(set(first["digests"])) == 4  # and the variants are not all the same picture
    assert hashlib.sha256(b"").hexdigest() not in first["digests"]
