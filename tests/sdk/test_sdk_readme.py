"""The complete example of sdk/README.md runs as written against a real server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.sdk.conftest import SDK, photos


def test_readme_example_runs(ray_session, api, sdk_user, tmp_path):
    text = (SDK / "README.md").read_text()
    example = next(b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "jobs.submit" in b)
    script = tmp_path / "example.py"
    script.write_text(example)
    photos(tmp_path / "photos", 2, broken=True)
    key = sdk_user(coins=10)._http.credential
    env = {**os.environ, "DRISYA_URL": api.url, "DRISYA_API_KEY": key, "PYTHONPATH": str(SDK)}
    run = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    assert "done 2 done, 1 failed" in run.stdout and "failed: broken.jpg" in run.stdout
    assert "manifest.csv" in zipfile.ZipFile(Path(tmp_path / "result.zip")).namelist()
