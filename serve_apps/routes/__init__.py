"""HTTP routers, one module per resource; `serve_apps.app.create_app` includes each explicitly."""
