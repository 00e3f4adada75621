"""Where the matting network's graph runs: onnxruntime (CUDA or CPU), or OpenVINO on a CPU that
computes in bfloat16.

Why two: on the CPUs this project runs on (Intel Xeon with AMX and AVX-512 BF16) OpenVINO runs the
1024 px ISNet graph in bfloat16 about four times faster than onnxruntime runs it in float32, and
white-on-white photos need the network for every image, often twice
(`benchmarks/matting_speed/RESULTS.md`, README "Matting speed"). The matte it gives differs from
onnxruntime's by a few thousandths where it differs at all, and `auto`'s mattes on the tune whites
were judged end to end before it became the default (README). On a GPU, or a CPU without bfloat16,
onnxruntime stays: OpenVINO in float32 gains little there, and onnxruntime-gpu owns the GPU path.

`choose_runtime` is the one place that decides; `ModelSession` asks it once per model file.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

RUNTIMES = ("auto", "onnxruntime", "openvino")


@functools.cache
def openvino_bf16() -> bool:
    """Whether OpenVINO is installed and its CPU plugin computes in bfloat16 on this machine.
    Cached: the answer cannot change while the process lives, and asking loads the plugin."""
    try:
        import openvino as ov
    except ImportError:
        return False
    try:
        return "BF16" in ov.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")
    except Exception:  # noqa: BLE001 - a plugin that cannot start is a plugin we do not use
        log.warning("OpenVINO is installed but its CPU plugin does not start; using onnxruntime")
        return False


def cuda_available() -> bool:
    import onnxruntime as ort

    return "CUDAExecutionProvider" in ort.get_available_providers()


def choose_runtime(requested: str = "auto") -> str:
    """`onnxruntime` or `openvino` for a `requested` runtime (one of `RUNTIMES`). `auto`: onnxruntime
    where it offers CUDA (the GPU path), else OpenVINO where it computes in bfloat16, else
    onnxruntime. Asking for `openvino` where it is not installed is an error, not a silent swap."""
    if requested not in RUNTIMES:
        raise ValueError(f"unknown model runtime {requested!r}; known: {', '.join(RUNTIMES)}")
    if requested == "openvino":
        try:
            import openvino  # noqa: F401
        except ImportError as exc:
            raise RuntimeError(
                "DRISYA_MODEL_RUNTIME=openvino but the openvino package is not installed"
            ) from exc
        return "openvino"
    if requested == "onnxruntime":
        return "onnxruntime"
    if cuda_available():
        return "onnxruntime"
    return "openvino" if openvino_bf16() else "onnxruntime"


class GraphLoadError(RuntimeError):
    """The runtime cannot load or compile the graph file."""


class OrtGraph:
    """The graph in an onnxruntime session: CUDA first where onnxruntime-gpu offers it, the CPU
    always as the fallback, IOBinding on CUDA."""

    runtime = "onnxruntime"

    def __init__(self, path: Path, threads: int | None) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            options.intra_op_num_threads = threads
            # threads that spin between runs take CPU from the stages sharing the node (issue 12)
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self.session = ort.InferenceSession(str(path), options, providers=_ort_providers())
        except Exception as exc:  # onnxruntime raises its own classes, not OSError/ValueError
            raise GraphLoadError(str(exc)) from exc
        self.providers = self.session.get_providers()
        inp = self.session.get_inputs()[0]
        self.input_name = inp.name
        self.input_shape = list(inp.shape)
        self.output_name = self.session.get_outputs()[0].name
        # IOBinding per batch length (a binding keeps its device buffer for one input shape, so a
        # network stage alternating groups of 8 with further looks of one reallocates neither)
        self._bound: dict[int, _DeviceBinding] | None = {} if self.uses_gpu else None

    @property
    def uses_gpu(self) -> bool:
        """Whether this session really got CUDA. onnxruntime falls back to the CPU without an error when
        onnxruntime-gpu is installed but CUDA/cuDNN cannot load, so the session's providers, not the
        available ones, are the truth."""
        return "CUDAExecutionProvider" in self.providers

    @property
    def uses_iobinding(self) -> bool:
        return self._bound is not None

    def run(self, x: np.ndarray) -> np.ndarray:
        """Callers hold the model session's lock."""
        if self._bound is not None:
            bound = self._bound.get(len(x))
            if bound is None:
                bound = self._bound[len(x)] = _DeviceBinding(self.session)
            return bound.run(x, self.input_name, self.output_name)
        (out,) = self.session.run([self.output_name], {self.input_name: x})
        return out


class OpenVinoGraph:
    """The graph compiled by OpenVINO for the CPU in bfloat16 (its CPU plugin's own choice on AMX
    hardware, asked for explicitly so a changed default cannot change our mattes). One inference
    request, reused: it keeps its buffers between runs of the same shape."""

    runtime = "openvino"
    providers = ["OpenVINO CPU (bfloat16)"]
    uses_gpu = False
    uses_iobinding = False

    def __init__(self, path: Path, threads: int | None) -> None:
        import openvino as ov
        from openvino.frontend import FrontEndManager

        core = ov.Core()
        config = {"INFERENCE_PRECISION_HINT": "bf16", "PERFORMANCE_HINT": "LATENCY"}
        if threads:
            config["INFERENCE_NUM_THREADS"] = int(threads)
        try:
            # the ONNX front end alone: `read_model` would also try TensorFlow's and others on a file
            # that is not ONNX, and they print parse errors of their own to stderr
            frontend = FrontEndManager().load_by_framework("onnx")
            model = frontend.convert(frontend.load(str(path)))
            self.compiled = core.compile_model(model, "CPU", config)
        except Exception as exc:  # openvino raises RuntimeError subclasses of its own
            raise GraphLoadError(_one_line(str(exc))) from exc
        inp = model.inputs[0]
        self.input_name = inp.get_any_name()
        self.input_shape = [d.get_length() if d.is_static else None for d in inp.get_partial_shape()]
        self.output_name = model.outputs[0].get_any_name()
        self._request = self.compiled.create_infer_request()

    def run(self, x: np.ndarray) -> np.ndarray:
        """Callers hold the model session's lock. The output tensor is the request's own buffer,
        overwritten by the next run, hence the copy."""
        self._request.infer({0: np.ascontiguousarray(x)})
        return np.array(self._request.get_output_tensor(0).data, copy=True)


def load_graph(path: Path, runtime: str, threads: int | None) -> OrtGraph | OpenVinoGraph:
    """The graph at `path` in `runtime` (a `choose_runtime` answer)."""
    return OpenVinoGraph(path, threads) if runtime == "openvino" else OrtGraph(path, threads)


def _one_line(message: str) -> str:
    """OpenVINO's error text without its source locations, on one line (the CLI prints one line)."""
    lines = [line.strip() for line in message.splitlines()]
    kept = [line for line in lines if line and not line.startswith(("Exception from", "Check '"))]
    return " ".join(kept) or "OpenVINO cannot read it"


def _ort_providers() -> list[str]:
    import onnxruntime as ort

    available = ort.get_available_providers()
    preferred = [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in available]
    return preferred or available


class _DeviceBinding:
    """IOBinding for a session on the CUDA provider: the input is copied into one buffer kept on
    the device and the output is left on the device by the run, so onnxruntime does not allocate
    and copy both around every run (measured on an H100: 17 ms -> 6.6 ms per ISNet run, issue 12).
    Only the output's copy back to the host remains. Callers hold the session's lock."""

    def __init__(self, session) -> None:
        self._session = session
        self._device_id = _cuda_device_id(session)
        self._input = None  # OrtValue on the device, (re)allocated for the input's shape and dtype
        self._binding = session.io_binding()

    def run(self, x: np.ndarray, input_name: str, output_name: str) -> np.ndarray:
        import onnxruntime as ort

        x = np.ascontiguousarray(x)
        if (
            self._input is None
            or tuple(self._input.shape()) != x.shape
            or self._input.data_type() != _ort_type(x)
        ):
            self._input = ort.OrtValue.ortvalue_from_numpy(x, "cuda", self._device_id)
            self._binding.bind_ortvalue_input(input_name, self._input)
            self._binding.bind_output(output_name, "cuda", self._device_id)
        else:
            self._input.update_inplace(x)
        self._session.run_with_iobinding(self._binding)
        return self._binding.copy_outputs_to_cpu()[0]


def _ort_type(x: np.ndarray) -> str:
    return {np.dtype(np.float32): "tensor(float)", np.dtype(np.float16): "tensor(float16)"}.get(x.dtype, "")


def _cuda_device_id(session) -> int:
    options = session.get_provider_options().get("CUDAExecutionProvider", {})
    return int(options.get("device_id", 0) or 0)
