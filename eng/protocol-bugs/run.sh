#!/usr/bin/env bash
# Realistic protocol bugs against the CI's test phase (issue 13): each *.sed here is applied to a clean copy of a
# commit and run through the fast tests, then (only if those pass) the Baseline smoke spec, then the SLPF smoke
# specs, stopping at the first phase that fails. The table says which phase and which test caught each bug.
#
#   eng/protocol-bugs/run.sh [REF] [BUG...]      REF: a commit (default HEAD); BUG: names like 05-lr-not-decayed
#
# A patch is a sed script whose "# file:" line names the file it edits. A patch that changes nothing (the code it
# targets moved) or whose tree no longer builds is reported as DOES NOT APPLY / DOES NOT BUILD and the script exits
# non-zero: such a bug was not tested, and must never read as caught.
#
# The specs phases compare against goldens approved here, from the clean copy, on this machine (exact rule: same
# platform fingerprint); the repository's golden/ is never read or written, so the measurement does not depend on
# whether the committed smoke goldens are of the current protocol. That control study (Baseline + SLPF, 7 smoke
# configurations) runs only if some bug gets past the fast tests. CPU-heavy: run it once, in the background.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
ref="${1:-HEAD}"; shift || true
if [ $# -gt 0 ]; then bugs=("$@"); else bugs=($(cd "$here" && ls *.sed | sed 's/\.sed$//')); fi
shared="${POSLF_SHARED_DIR:-$(cd "$repo/.." && pwd)/shared}"
[ -d "$shared/datasets/ud-english-ewt" ] || { echo "protocol-bugs: no shared folder at $shared (set POSLF_SHARED_DIR)" >&2; exit 2; }
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}" OMP_WAIT_POLICY=PASSIVE POSLF_SHARED_DIR="$shared" \
  POSLF_DATA_DIR="$shared/datasets/ud-english-ewt" DOTNET_CLI_TELEMETRY_OPTOUT=1
work="$(mktemp -d "${TMPDIR:-/tmp}/poslf-bugs.XXXXXX")"
trap 'rm -rf "$work"' EXIT
commit="$(git -C "$repo" rev-parse --short=12 "$ref")"
mkdir -p "$work/clean" "$work/tree"
git -C "$repo" archive "$ref" | tar -x -C "$work/clean"
git -C "$repo" archive "$ref" | tar -x -C "$work/tree"
cd "$work/tree"
log="$work/log"; mkdir -p "$log"
results="$here/last-run.md"
rows=()
broken=0

say() { echo "protocol-bugs: $*" >&2; }

build() {  # the test phase's two projects (the benchmarks and the CLI build with them through references)
  dotnet build tests/POSLayerFreeze.Tests -c Release -warnaserror >"$log/build.txt" 2>&1 &&
  dotnet build specs/POSLayerFreeze.Specs -c Release -warnaserror >>"$log/build.txt" 2>&1
}

# prints the first failing tests of a dotnet test log, "; "-separated
failed_tests() { grep -E '^\s+Failed [^ ]' "$1" | sed -E 's/^\s+Failed ([^ ]+).*/\1/' | sed -E 's/^POSLayerFreeze\.(Tests|Specs)\.//' | head -3 | paste -sd';' | sed 's/;/; /g'; }

fast() { dotnet test tests/POSLayerFreeze.Tests -c Release --no-build >"$1" 2>&1; }

spec() {  # $1 category, $2 log
  POSLF_GOLDEN_DIR="$work/golden" dotnet test specs/POSLayerFreeze.Specs -c Release --no-build --filter "Category=$1" >"$2" 2>&1
}

control_ready=0
control() {  # the clean copy's own Baseline and SLPF results become the goldens the bugs are compared with
  [ $control_ready = 1 ] && return 0
  say "control: Baseline + SLPF specs of the clean copy, approved into $work/golden ($(date -u +%T))"
  mkdir -p "$work/golden"
  spec Baseline "$log/control-baseline.txt"; spec SLPF "$log/control-slpf.txt"
  dotnet run --no-build --project src/POSLayerFreeze.Cli -c Release -- approve --golden-dir "$work/golden" --all >"$log/control-approve.txt" 2>&1 \
    || { say "control: nothing to approve; see $log/control-*.txt"; return 1; }
  # the clean copy must now pass its own goldens exactly, or the specs phase measures noise
  if ! spec Baseline "$log/control-recheck.txt"; then say "control: the clean copy does not reproduce its own Baseline golden"; return 1; fi
  control_ready=1
}

say "commit $commit, $(nproc) cores, OMP_NUM_THREADS=$OMP_NUM_THREADS, bugs: ${bugs[*]}"
start=$(date +%s)
if ! build; then say "the clean copy does not build"; tail -20 "$log/build.txt" >&2; exit 2; fi
if ! fast "$log/clean-fast.txt"; then say "the clean copy fails its fast tests: $(failed_tests "$log/clean-fast.txt")"; exit 2; fi
say "clean copy: built and fast tests pass ($(( $(date +%s) - start )) s)"

for bug in "${bugs[@]}"; do
  patch="$here/$bug.sed"
  [ -f "$patch" ] || { say "no patch $patch"; rows+=("| $bug | — | NO SUCH PATCH |"); broken=1; continue; }
  what="$(sed -n 's/^# bug: //p' "$patch")"
  target="$(sed -n 's/^# file: //p' "$patch")"
  t0=$(date +%s)
  if [ -z "$target" ] || [ ! -f "$target" ]; then
    say "!!! $bug: DOES NOT APPLY — its file '$target' is not in $commit"; rows+=("| $bug | $what | **DOES NOT APPLY** (no $target) |"); broken=1; continue
  fi
  sed -i -f "$patch" "$target"
  # A developer who changes a protocol source re-records its hashes (eng/record-protocol-sources.sh) before
  # committing; do the same, so ProtocolSourcesTests, which fails on any code edit of those files, cannot count as
  # catching the bug: only tests of behaviour can.
  if [ -f eng/record-protocol-sources.sh ]; then bash eng/record-protocol-sources.sh >/dev/null; fi
  if cmp -s "$target" "$work/clean/$target"; then
    say "!!! $bug: DOES NOT APPLY — the patch changed nothing in $target (the code it targets moved)"
    rows+=("| $bug | $what | **DOES NOT APPLY** (nothing matched in $target) |"); broken=1; continue
  fi
  if ! build; then
    say "!!! $bug: DOES NOT BUILD"; grep -E ' error ' "$log/build.txt" | sort -u | head -3 >&2
    rows+=("| $bug | $what | **DOES NOT BUILD** |"); broken=1
  elif ! fast "$log/$bug-fast.txt"; then
    rows+=("| $bug | $what | fast tests: $(failed_tests "$log/$bug-fast.txt") |")
  elif ! control; then
    rows+=("| $bug | $what | **NOT CAUGHT by the fast tests; specs phase unusable (control failed)** |"); broken=1
  elif ! spec Baseline "$log/$bug-baseline.txt"; then
    rows+=("| $bug | $what | Baseline smoke spec: $(failed_tests "$log/$bug-baseline.txt") |")
  elif ! spec SLPF "$log/$bug-slpf.txt"; then
    rows+=("| $bug | $what | SLPF smoke specs: $(failed_tests "$log/$bug-slpf.txt") |")
  else
    rows+=("| $bug | $what | **NOT CAUGHT** |"); broken=1
  fi
  say "${rows[-1]} ($(( $(date +%s) - t0 )) s)"
  cp "$work/clean/$target" "$target"
  for f in src/POSLayerFreeze/Experiments/RunSpec.cs tests/POSLayerFreeze.Tests/Experiments/protocol-sources.sha256; do
    [ -f "$work/clean/$f" ] && cp "$work/clean/$f" "$f"
  done
done

{
  echo "Protocol bugs against commit \`$commit\` ($(date -u +%FT%TZ), $(( ($(date +%s) - start) / 60 )) min, OMP_NUM_THREADS=$OMP_NUM_THREADS):"
  echo
  echo "| bug | what it does | caught by |"
  echo "| --- | --- | --- |"
  printf '%s\n' "${rows[@]}"
} > "$results"
cat "$results"
[ $broken = 0 ] || say "some bugs were not tested or not caught: see above"
exit $broken
