#!/usr/bin/env bash
# Device call 1 (carry: .gpu): unpack the app, report the machine, prove our models on CUDA against Hugging Face's
# tiny reference outputs. Short on purpose: call 2 must follow while the machine is still warm.
set -u
cd "$(dirname "$0")/../.."
R=${POSLF_RUN:-bash .gpu/run.sh}
[[ -d .gpu/app ]] || tar -C .gpu -xJf .gpu/app.tar.xz
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
$R doctor --data-dir .gpu/data
for fixture in tiny-distilbert tiny-bert; do
  $R parity "tests/POSLayerFreeze.Tests/Fixtures/$fixture" --device "${POSLF_DEVICE:-cuda}" --tolerance 1e-5
done
echo "stage1 done"
