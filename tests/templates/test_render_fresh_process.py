"""A spec pickled by the driver must render in a fresh worker process that never imported the library."""

from __future__ import annotations

import pickle
import subprocess
import sys

import engine.templates as tpl


def test_a_pickled_builtin_renders_in_a_fresh_process(tmp_path) -> None:
    path = tmp_path / "spec.pkl"
    path.write_bytes(pickle.dumps(tpl.get("studio-sweep-blue")))
    code = (
        "import pickle, sys\n"
        "from engine.templates.render import render\n"
        f"spec = pickle.loads(open({str(path)!r}, 'rb').read())\n"
        "img = render(spec, 64, 48)\n"
        "assert img.shape == (48, 64, 3) and img.std() > 0, img.shape\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
