#!/usr/bin/env bash
# The batch benchmark on a GPU machine: same code, same photos, actors take a fraction of a GPU each
# and the matting model runs on onnxruntime's CUDA provider.
#
#   benchmarks/batch/gpu.sh [IMAGE_COUNTS]      (default: 200,1000)
#
# Needs the GPU extra (onnxruntime-gpu instead of onnxruntime) and the model fetched once:
#   .venv/bin/pip install -e '.[gpu]' && .venv/bin/drisya models fetch
# To use an existing Ray cluster (e.g. KubeRay with GPU workers), set DRISYA_RAY_ADDRESS.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
COUNTS=${1:-200,1000}
"$PY" - <<'PY'
import onnxruntime as ort
providers = ort.get_available_providers()
print("onnxruntime providers:", providers)
if "CUDAExecutionProvider" not in providers:
    raise SystemExit("CUDAExecutionProvider missing: install onnxruntime-gpu (pip install -e '.[gpu]')")
PY
"$PY" -m benchmarks.batch.gpu_check                     # CUDA, IOBinding, auto routing
"$PY" -m benchmarks.batch.stages --images 8 --method model  # CPU seconds per stage next to the GPU
exec "$PY" -m benchmarks.batch --gpu --compare "$COUNTS" ${DRISYA_RAY_ADDRESS:+--ray-address "$DRISYA_RAY_ADDRESS"}
