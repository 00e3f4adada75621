"""POST /v1/enhance latency and jobs side by side, through the real Serve app (python -m benchmarks.api)."""
