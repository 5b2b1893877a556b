#!/usr/bin/env bash
# mixnb on a CUDA machine, in about 5 minutes (each half capped, see below) and without nbdev or pip installs (python3 with torch + triton + numpy):
#   (a) the checks of every notebook with Triton kernels or `#| gpu` cells, run on the GPU (bench/gpu_checks.py);
#   (b) every benchmark case on CUDA (python3 -m mixnb.bench --device cuda);
#   (c) one Markdown summary of both, printed and written to OUT/summary.md.
# Usage: bench/gpu.sh [OUT_DIR]     (or OUT=DIR bench/gpu.sh; default bench/results/gpu-<UTC time>)
# Environment: PYTHON (default python3), CHECKS_TIMEOUT / BENCH_TIMEOUT in seconds (default 170 / 150).
# Exit code: 0 all passed, 1 a notebook check or the benchmark failed, 3 no CUDA device.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-${OUT:-$repo/bench/results/gpu-$(date -u +%Y%m%d-%H%M%S)}}"
py="${PYTHON:-python3}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
export PYTHONPATH="$repo${PYTHONPATH:+:$PYTHONPATH}"
export MPLBACKEND=Agg
unset TRITON_INTERPRET   # the kernels must compile for the GPU, not run in the interpreter

if ! "$py" - <<'EOF'
import sys
try: import torch
except ImportError: print("gpu.sh: this python has no torch; set PYTHON=/path/to/python", file=sys.stderr); sys.exit(3)
if not torch.cuda.is_available():
    print("gpu.sh: no CUDA device visible to torch; run this on a GPU machine", file=sys.stderr); sys.exit(3)
import triton, numpy
print(f"gpu.sh: {torch.cuda.get_device_name(0)}; torch {torch.__version__}, triton {triton.__version__}, numpy {numpy.__version__}")
EOF
then exit 3; fi

start=$SECONDS
checks=0
timeout "${CHECKS_TIMEOUT:-170}" "$py" "$repo/bench/gpu_checks.py" --out "$out" || checks=$?
echo "gpu.sh: notebook checks finished with status $checks after $((SECONDS - start)) s"

bench=0
(cd "$repo" && timeout "${BENCH_TIMEOUT:-150}" "$py" -m mixnb.bench --device cuda --out "$out") 2>&1 | tee "$out/bench.log" || bench=$?
echo "gpu.sh: benchmarks finished with status $bench after $((SECONDS - start)) s"

table="$(ls -t "$out"/*_cuda_*.md 2>/dev/null | head -n 1 || true)"
{
  echo "# mixnb on $("$py" -c 'import torch; print(torch.cuda.get_device_name(0))')"
  echo
  echo "## Notebook checks"
  echo
  if [[ -f "$out/checks.md" ]]; then cat "$out/checks.md"; else echo "(no result: status $checks; see $out/checks/)"; fi
  echo
  echo "## Benchmarks"
  echo
  if [[ $bench -eq 0 && -n "$table" ]]; then cat "$table"; else echo "(failed with status $bench; see $out/bench.log)"; fi
} > "$out/summary.md"

echo
cat "$out/summary.md"
echo
echo "gpu.sh: $((SECONDS - start)) s; results in $out"
[[ $checks -eq 0 && $bench -eq 0 ]] || exit 1
