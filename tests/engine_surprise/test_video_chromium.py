"""The product video plays in Chromium: Debian's chromium (installed by `make test`, see tests/web)
loads the MP4 in a <video> element, knows its size and duration, and its clock advances."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from engine.pipeline import parse_recipe
from engine.surprise.render import render_surprise

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
PAGE = """<html><body><video id="v" src="v.mp4" muted autoplay playsinline></video><pre id="out">pending</pre>
<script>
const v = document.getElementById('v'), out = document.getElementById('out');
v.addEventListener('error', () => { out.textContent = 'error ' + (v.error && v.error.code); });
setTimeout(() => {
  out.textContent = 'type=' + v.canPlayType('video/mp4; codecs="avc1.640028"') + ' t=' + v.currentTime
    + ' w=' + v.videoWidth + ' h=' + v.videoHeight + ' d=' + v.duration;
}, 2500);
</script></body></html>"""


def test_chromium_plays_the_video(tmp_path: Path, red_product) -> None:
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: `make test` installs Debian's chromium"
    recipe = parse_recipe({"module": "look", "size": 320, "aspect": "4:5"})
    video = render_surprise(*red_product, recipe, {"theme": "bold", "variants": 2, "video": True})[-1]
    (tmp_path / "v.mp4").write_bytes(video.data)
    (tmp_path / "p.html").write_text(PAGE)
    result = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--autoplay-policy=no-user-gesture-required",
            "--allow-file-access-from-files",
            "--virtual-time-budget=4000",
            "--dump-dom",
            (tmp_path / "p.html").as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = re.search(r'<pre id="out">([^<]*)', result.stdout)
    assert found, result.stderr[-2000:]
    report = dict(part.split("=", 1) for part in found.group(1).split())
    assert report["type"] == "probably", report
    assert (int(report["w"]), int(report["h"])) == (video.width, video.height) == (256, 320)
    assert 3.0 <= float(report["d"]) <= 6.0
    assert float(report["t"]) > 0.5, f"the video did not advance: {report}"
