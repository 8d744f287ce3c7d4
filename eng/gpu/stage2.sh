#!/usr/bin/env bash
# Device call 2 (carry: .gpw): rebuild MiniLM's weights (sha256-checked), check CUDA against the CPU on EWT dev,
# run the whole study under the full profile with 3 seeds (several configurations at once), then the GPU
# benchmarks; results come back as archives under $OUT. Every step has its own time limit, and whatever finished
# comes back even if a later step runs out of time (runs are resumable).
set -u
cd "$(dirname "$0")/../.."
R=${POSLF_RUN:-bash .gpu/run.sh}
out=${OUT:?OUT must be set}
device=${POSLF_DEVICE:-cuda}
runs=${POSLF_RUNS:-/tmp/poslf-runs}
[[ -d .gpu/app ]] || tar -C .gpu -xJf .gpu/app.tar.xz
mkdir -p /tmp/w/minilm
python3 eng/gpu/weights.py unpack .gpu/w .gpw /tmp/w/minilm/model.safetensors || exit 1
cp .gpu/minilm/config.json .gpu/minilm/vocab.txt /tmp/w/minilm/
export OMP_NUM_THREADS=2
$R parity --model /tmp/w/minilm --device "$device" --data-dir .gpu/data --sentences 64 --tolerance 1e-4 2>&1 | tee "$out/parity-minilm.txt"
start=$SECONDS
if [[ ${POSLF_STUDY_SECONDS:-360} -gt 0 ]]; then
# shellcheck disable=SC2086
timeout "${POSLF_STUDY_SECONDS:-360}" $R run --suite "${POSLF_SUITE:-study}" --profile "${POSLF_PROFILE:-full}" --device "$device" \
  --parallel "${POSLF_PARALLEL:-8}" --model /tmp/w/minilm --data-dir .gpu/data --out "$runs" --no-summary ${POSLF_SEEDS:+--seeds $POSLF_SEEDS} 2>&1 \
  | grep -v '    step ' | tee "$out/study.log"
echo "study wall time: $((SECONDS - start)) s; finished runs: $(find "$runs" -name metrics.json | wc -l)" | tee -a "$out/study.log"
tar -C "$runs" -cJf "$out/runs.tar.xz" .
fi
export POSLF_BENCH_MINILM_DIR=/tmp/w/minilm
if [[ -f eng/gpu/bench.sh && ${POSLF_BENCH_SECONDS:-110} -gt 0 ]]; then
  timeout "${POSLF_BENCH_SECONDS:-110}" bash eng/gpu/bench.sh /tmp/poslf-bench 2>&1 | tail -n 60 | tee "$out/bench.log"
  [[ -d /tmp/poslf-bench ]] && tar -C /tmp/poslf-bench -cJf "$out/bench.tar.xz" .
fi
echo "stage2 done"
