#!/usr/bin/env bash
# Mutation testing of the library against the fast tests (issue 13). Not a CI step: it is slow (about 2 s a mutant
# after set-up on an idle 2-core machine). Runs on a clean copy of a commit (git archive), never in the working
# tree: Stryker rebuilds the projects and swaps the mutated library into the test output folder, which a build in
# the working tree would overwrite mid-run.
#
#   eng/stryker/run.sh [REF] [FOLDER|FILE.cs...]     e.g. eng/stryker/run.sh main Freezing Evaluation
#   STRYKER_ARGS='--concurrency 2 --test-case-filter ...' eng/stryker/run.sh HEAD Training/BatchSampler.cs
#
# FOLDERs narrow tests/POSLayerFreeze.Tests/stryker-config.json's "mutate" to src/POSLayerFreeze/<FOLDER>/, FILEs
# (paths under src/POSLayerFreeze) to those files (the generated accent table stays excluded). STRYKER_ARGS are
# passed to dotnet-stryker and recorded in the report. The JSON report is copied to eng/stryker/reports/<folders>.json;
# eng/stryker/summarize.py turns reports into the score table and survivors list.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
ref="${1:-HEAD}"; shift || true
folders=("$@")
[ ${#folders[@]} -gt 0 ] || folders=(Training Freezing Tokenization Evaluation Golden)
shared="${POSLF_SHARED_DIR:-$(cd "$repo/.." && pwd)/shared}"
[ -d "$shared/datasets/ud-english-ewt" ] || { echo "eng/stryker/run.sh: no shared folder at $shared (set POSLF_SHARED_DIR)" >&2; exit 2; }
work="$(mktemp -d "${TMPDIR:-/tmp}/poslf-stryker.XXXXXX")"
trap 'rm -rf "$work"' EXIT
git -C "$repo" archive "$ref" | tar -x -C "$work"
# the config of the working tree (this script's), so a run of an older commit is measured the same way
cp "$repo/tests/POSLayerFreeze.Tests/stryker-config.json" "$work/tests/POSLayerFreeze.Tests/"
mkdir -p "$work/.config" && cp "$repo/.config/dotnet-tools.json" "$work/.config/"
mutate=()
for f in "${folders[@]}"; do
  case "$f" in
    *.cs) mutate+=(--mutate "**/$f") ;;
    *) mutate+=(--mutate "**/$f/**/*.cs") ;;
  esac
done
mutate+=(--mutate '!**/Tokenization/AccentStripping.Table.g.cs')
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}" OMP_WAIT_POLICY=PASSIVE POSLF_SHARED_DIR="$shared"
cd "$work/tests/POSLayerFreeze.Tests"
dotnet tool restore >/dev/null
commit="$(git -C "$repo" rev-parse --short=12 "$ref")"
started="$(date -u +%FT%TZ)"
echo "stryker: $commit, folders ${folders[*]}, started $started"
# STRYKER_ARGS: extra options for this run, e.g. "--concurrency 2" (word-split on purpose)
# shellcheck disable=SC2086
dotnet stryker --config-file stryker-config.json "${mutate[@]}" ${STRYKER_ARGS:-}
name="$(IFS=-; echo "${folders[*]}" | sed 's/\.cs//g; s|/|_|g')"
mkdir -p "$repo/eng/stryker/reports"
report="$(ls -t StrykerOutput/*/reports/mutation-report.json | head -1)"
python3 - "$report" "$repo/eng/stryker/reports/$name.json" "$commit" "$started" "$(date -u +%FT%TZ)" "${STRYKER_ARGS:-}" <<'PY'
import json, sys
src, dst, commit, started, finished, args = sys.argv[1:]
r = json.load(open(src))
# keep what the summary needs (status, mutator, place, replacement) and drop the sources and the test list
slim = {"commit": commit, "started": started, "finished": finished, "stryker_args": args, "files": {}}
for path, f in r["files"].items():
    key = path.split("src/POSLayerFreeze/", 1)[-1]
    slim["files"][key] = [{"id": m["id"], "status": m["status"], "mutator": m["mutatorName"],
                          "line": m["location"]["start"]["line"], "replacement": m.get("replacement", ""),
                          "description": m.get("description", "")} for m in f["mutants"]]
json.dump(slim, open(dst, "w"), indent=1, sort_keys=True)
PY
echo "stryker: report $repo/eng/stryker/reports/$name.json, finished $(date -u +%FT%TZ)"
