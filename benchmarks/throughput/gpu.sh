#!/usr/bin/env bash
# benchmarks.throughput on a GPU machine (one NVIDIA GPU, ~16 cores): the GPU checks, CPU seconds per
# image by stage for this code and the baseline, and images/s end to end through the staged Ray
# batch with the model on CUDA. About 4 minutes on an H100 with 16 cores; it prints the table and
# writes benchmarks/throughput/RESULTS-gpu.md.
#
#   [PY=/usr/bin/python3] benchmarks/throughput/gpu.sh [IMAGES] [BASELINE_IMAGES]   (default 1000 200)
#
# PY: the python that has the platform's dependencies and onnxruntime-gpu (a venv's, or the system's
# with onnxruntime-gpu on PYTHONPATH). The model must be cached (`drisya models fetch`) or named by
# DRISYA_MODEL_PATH. DRISYA_RAY_ADDRESS: join that Ray cluster instead of starting a local one.
# Extra arguments after the two counts go to `python -m benchmarks.throughput`.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -z "${PY:-}" ]; then
  if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=python3; fi
fi
IMAGES=${1:-1000}
BASELINE_IMAGES=${2:-200}
shift $(( $# > 2 ? 2 : $# ))
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
echo "python: $PY ($("$PY" --version 2>&1)); $(nproc) CPUs; $(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)"
"$PY" - <<'PY'
import onnxruntime as ort
providers = ort.get_available_providers()
print("onnxruntime", ort.__version__, "providers:", providers)
if "CUDAExecutionProvider" not in providers:
    raise SystemExit("CUDAExecutionProvider missing: this python needs onnxruntime-gpu (pip install -e '.[gpu]')")
from cluster.model_store import resolve_model
from cluster.settings import Settings
try:
    print("model:", resolve_model(Settings.from_env(), fetch_if_missing=False))
except Exception as exc:
    raise SystemExit(f"no model: {exc} (or set DRISYA_MODEL_PATH)")
PY
"$PY" -m benchmarks.throughput.gpu_check --runs 30   # CUDA + IOBinding, same output, auto -> network
exec "$PY" -m benchmarks.throughput --gpu --photos 16 --rounds 2 --images "$IMAGES" \
  --baseline-images "$BASELINE_IMAGES" --out benchmarks/throughput/RESULTS-gpu.md \
  ${DRISYA_RAY_ADDRESS:+--ray-address "$DRISYA_RAY_ADDRESS"} "$@"
