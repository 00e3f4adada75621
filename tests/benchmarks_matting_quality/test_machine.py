"""The results files name the CPU and the flags that decide the network's speed (benchmarks.machine)."""

from pathlib import Path

from benchmarks.machine import describe_cpu

CPUINFO = """processor\t: 0
model name\t: Intel(R) Xeon(R) Processor
flags\t\t: fpu sse avx2 avx512f avx512_bf16 amx_tile amx_bf16
processor\t: 1
model name\t: Intel(R) Xeon(R) Processor
flags\t\t: fpu sse avx2 avx512f avx512_bf16 amx_tile amx_bf16
"""


def test_names_the_model_and_the_speed_flags(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text(CPUINFO)
    line = describe_cpu(info)
    assert line.startswith("Intel(R) Xeon(R) Processor, ")
    assert line.endswith("CPUs, flags amx_bf16 avx512_bf16 avx512f avx2")


def test_a_cpu_without_those_flags_or_cpuinfo_still_gets_a_line(tmp_path: Path) -> None:
    plain = tmp_path / "cpuinfo"
    plain.write_text("model name\t: Some ARM core\nFeatures\t: fp asimd\n")
    assert describe_cpu(plain).startswith("Some ARM core, ")
    assert "flags" not in describe_cpu(plain)
    assert "CPUs" in describe_cpu(tmp_path / "missing")
