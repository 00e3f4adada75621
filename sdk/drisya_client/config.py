"""Where `drisya login` keeps the server URL and the API key: `client.json` in the user's config dir,
readable by the owner only (0600, in a 0700 folder), since the key spends the account's coins.

`DRISYA_URL` and `DRISYA_API_KEY` override the file (CI and ERP servers set them instead of logging in);
`DRISYA_CONFIG_DIR` moves the folder.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

FILE_NAME = "client.json"


def config_dir() -> Path:
    explicit = os.environ.get("DRISYA_CONFIG_DIR")
    if explicit:
        return Path(explicit)
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming") / "drisya"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "drisya"
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "drisya"


@dataclass(frozen=True)
class Credentials:
    url: str
    api_key: str


def save(credentials: Credentials) -> Path:
    """Write the file atomically with mode 0600 (created so, never widened and narrowed later)."""
    folder = config_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / FILE_NAME
    tmp = folder / f".{FILE_NAME}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"url": credentials.url, "api_key": credentials.api_key}, f)
        os.chmod(tmp, 0o600)  # umask cannot widen it, but an existing tmp file might have been wider
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def load() -> Credentials | None:
    """The saved credentials with the environment's overrides; None when neither gives URL and key."""
    saved: dict[str, str] = {}
    try:
        saved = json.loads((config_dir() / FILE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    url = os.environ.get("DRISYA_URL") or saved.get("url")
    key = os.environ.get("DRISYA_API_KEY") or saved.get("api_key")
    return Credentials(url, key) if url and key else None
