"""Serving the built dashboard (`web/dist`) from the same origin as the API.

The dashboard is a single-page app: a browser navigation (Accept: text/html) to any non-API path that is
not a file in `dist` answers `index.html`, so deep links like /jobs/123 work after a reload. API paths keep their JSON 404s. This is
hooked into the 404 handler rather than a catch-all route, so unknown API methods still get 405/404.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response

DEFAULT_DIST = Path(__file__).resolve().parent.parent / "web" / "dist"
API_PATHS = ("/v1", "/healthz", "/docs", "/openapi.json", "/redoc")


class Dashboard:
    def __init__(self, dist: Path) -> None:
        self.dist = dist.resolve()
        self.index = self.dist / "index.html"

    @classmethod
    def find(cls, dist: Path | None = None) -> Dashboard | None:
        """The dashboard at `dist` (default: the repository's web/dist) if it has been built."""
        candidate = dist or DEFAULT_DIST
        return cls(candidate) if (candidate / "index.html").is_file() else None

    def response_for(self, request: Request) -> Response | None:
        if request.method not in ("GET", "HEAD"):
            return None
        path = request.url.path
        if any(path == p or path.startswith(p + "/") for p in API_PATHS):
            return None
        target = (self.dist / path.lstrip("/")).resolve()
        if not target.is_relative_to(self.dist):
            return None
        if target.is_file():
            cache = "public, max-age=31536000, immutable" if "/assets/" in path else "no-cache"
            return FileResponse(target, headers={"cache-control": cache})
        if "text/html" not in request.headers.get("accept", ""):
            return None  # only browser navigations get the app shell; scripts and assets get a real 404
        return FileResponse(self.index, headers={"cache-control": "no-cache"})
