"""Configuration and lifecycle: settings, the embedded MongoDB, local Ray, resources.

Every entry point (the CLI, the Serve app, batch runners) reads `Settings` from here; nothing
else in the code base reads `DRISYA_*` variables directly.
"""
