#!/usr/bin/env bash
# Regenerates the training-oracle fixtures (tests/POSLayerFreeze.Tests/Fixtures/oracle): our C# code writes each
# case's inputs (initial weights, batches, profile), then the independent PyTorch oracle trains on them and writes
# per-step losses and final weights. Needs the .NET SDK and Debian's python3-torch 1.13
# (`apt-get install -y python3-torch`; it lives under /usr/bin/python3, not a pyenv/venv python).
# Run it when an intended change moves the inputs (sampler, head init, profile of the case), then commit the result
# with a message saying why; CI checks against the committed files without PyTorch.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
python=${ORACLE_PYTHON:-/usr/bin/python3}
if ! "$python" -c 'import torch' 2>/dev/null; then
  echo "regenerate.sh: $python cannot import torch: apt-get install -y python3-torch (or set ORACLE_PYTHON)" >&2
  exit 1
fi
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2} OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
fixtures=tests/POSLayerFreeze.Tests/Fixtures/oracle
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

dotnet build tests/POSLayerFreeze.Tests -c Release -warnaserror
POSLF_ORACLE_EXPORT="$stage" dotnet test tests/POSLayerFreeze.Tests -c Release --no-build \
  --filter "FullyQualifiedName~OracleTests.ExportOracleInputs"
for case in "$stage"/*/; do
  "$python" eng/oracle/train_oracle.py "${case%/}"
done
# Replace the fixtures only once every case has been written.
rm -rf "$fixtures"
mkdir -p "$fixtures"
cp -r "$stage"/. "$fixtures"/
echo "wrote $fixtures ($(du -sh "$fixtures" | cut -f1)); check: dotnet build POSLayerFreeze.sln -c Release -warnaserror &&" \
  "dotnet test tests/POSLayerFreeze.Tests -c Release --no-build --filter FullyQualifiedName~TrainingOracleTests"
