"""Limits that kill the process of any Ray worker that reads them: a worker crashing on every image.

A worker reads `limits.max_image_pixels` for each image it decodes; here that read ends its process
the way a segfault in a native decoder would. The driver (the process that built the value) reads
them safely. Test-only: passed in `Settings.limits` to `run_job`, nothing in the product knows it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from cluster.settings import Limits


@dataclass(frozen=True)
class WorkerKillingLimits(Limits):
    driver_pid: int = field(default_factory=os.getpid)

    def __getattribute__(self, name: str):
        if name == "max_image_pixels" and os.getpid() != object.__getattribute__(self, "driver_pid"):
            os._exit(17)
        return super().__getattribute__(name)
