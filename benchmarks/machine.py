"""One line that says which machine a benchmark ran on, for its results file.

The network's speed depends on the CPU's matrix units more than on its core count: OpenVINO's bfloat16
kernels ran ISNet at 1024 px in 0.35 s on one 2-core Xeon with AMX and in 0.69 s on another (stop 25),
while rembg's float32 run moved only from 1.65 to 2.35 s. `platform.processor()` is empty on Linux,
so the CPU's model name and the flags that decide the runtime's speed are read from /proc/cpuinfo."""

from __future__ import annotations

import os
import platform
from pathlib import Path

# flags that decide how fast the network runs (OpenVINO's bfloat16 path, onnxruntime's int8/float paths)
SPEED_FLAGS = ("amx_bf16", "avx512_bf16", "avx512f", "avx2")


def describe_cpu(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """E.g. "Intel(R) Xeon(R) Processor, 2 CPUs, flags amx_bf16 avx512_bf16 avx512f avx2"."""
    name, flags = platform.processor() or platform.machine(), set()
    try:
        text = cpuinfo.read_text()
    except OSError:
        text = ""
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name" and value.strip():
            name = value.strip()
        elif key.strip() == "flags":
            flags = set(value.split())
    present = [f for f in SPEED_FLAGS if f in flags]
    return f"{name}, {os.cpu_count()} CPUs" + (f", flags {' '.join(present)}" if present else "")
