"""`drisya login` keeps the URL and API key in the user's config dir, readable by the owner only."""

from __future__ import annotations

import stat

from drisya_client import config


def test_credentials_are_saved_0600_and_read_back(tmp_path, monkeypatch):
    monkeypatch.setenv("DRISYA_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.delenv("DRISYA_URL", raising=False)
    monkeypatch.delenv("DRISYA_API_KEY", raising=False)
    assert config.load() is None
    path = config.save(config.Credentials("http://127.0.0.1:8000", "dk_secret"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert config.load() == config.Credentials("http://127.0.0.1:8000", "dk_secret")
    config.save(config.Credentials("http://other:8000", "dk_new"))  # replaced, still 0600
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and config.load().api_key == "dk_new"


def test_environment_overrides_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("DRISYA_CONFIG_DIR", str(tmp_path / "cfg"))
    config.save(config.Credentials("http://127.0.0.1:8000", "dk_file"))
    monkeypatch.setenv("DRISYA_API_KEY", "dk_env")
    monkeypatch.setenv("DRISYA_URL", "http://ci:9000")
    assert config.load() == config.Credentials("http://ci:9000", "dk_env")
