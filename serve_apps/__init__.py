"""Ray Serve applications: the HTTP/WebSocket API (a FastAPI app behind a Serve ingress deployment).

`serve_apps.app.create_app(settings)` builds the FastAPI app (also runnable under plain uvicorn);
`serve_apps.deployment` wraps it for Ray Serve; `serve_apps.startup` prepares the database once per start.
"""
