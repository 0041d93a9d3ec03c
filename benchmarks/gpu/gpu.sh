#!/usr/bin/env bash
# stockpred on a GPU, in one short run (under 5 minutes on a bare machine with an NVIDIA GPU):
# install what the image lacks, run the CUDA-marked tests, then measure training throughput
# on the GPU and on the same machine's CPU (benchmarks/gpu/gpu_speed.py). Results go to $OUT
# (or benchmarks/gpu/out): gpu-results.{json,jsonl,md}, cuda-tests.txt, nvidia-smi.txt.
#
#   bash benchmarks/gpu/gpu.sh             # on the GPU machine
#   bash benchmarks/gpu/gpu.sh --dry-run   # anywhere: tiny and CPU-only, checks the script itself
#
# The GPU machine is offline: what its Python lacks comes as wheels in .whl/ (how to make
# that folder: benchmarks/gpu/README.md), installed into a side folder that goes first on
# PYTHONPATH, never over the image's own packages. stockpred itself runs from src/.
set -uo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-python3}
OUT=${OUT:-benchmarks/gpu/out}
DRY=()
[[ ${1:-} == --dry-run ]] && DRY=(--dry-run)
mkdir -p "$OUT"
SITE=$(mktemp -d)
missing=$("$PY" -c 'import importlib.util as u
print(*(m for m in ("pydantic", "exchange_calendars", "platformdirs") if not u.find_spec(m)))')
if [[ -n $missing ]]; then
    echo "== installing wheels from .whl/ (missing: $missing)"
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target "$SITE" \
        .whl/*.whl || exit 1
fi
export PYTHONPATH="src:$SITE" PYTHONUNBUFFERED=1
# Data: ../shared/data/us-daily beside the repo, or a copy in data/ (pool/ + MSFT.csv.gz).
DATA=()
[[ -d data/pool ]] && DATA=(--pool-dir data/pool --ticker-file data/MSFT.csv.gz)

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader \
    >"$OUT/nvidia-smi.txt" 2>&1 || true
cat "$OUT/nvidia-smi.txt"
echo "== CUDA-marked tests, and the CPU-side tests of the device path (cuDNN settings, bf16)"
timeout 120 "$PY" -m pytest -p no:cacheprovider -rs -k "cuda or bf16" tests/training/test_loop.py 2>&1 |
    tee "$OUT/cuda-tests.txt"
tests=${PIPESTATUS[0]}
echo "== throughput"
timeout 260 "$PY" benchmarks/gpu/gpu_speed.py --out "$OUT" "${DATA[@]}" "${DRY[@]}"
bench=$?
echo "== tests exit $tests, benchmark exit $bench"
[[ $tests == 0 && $bench == 0 ]]
