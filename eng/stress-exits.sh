#!/usr/bin/env bash
# Issue 29 point 7: poslf's quick error exits, many times over, must all end with the error's exit code. A SIGSEGV at
# exit (139) came from the libstdc++ shim's .fini_array, called by glibc's _dl_fini (eng/glibcxx-compat/apply.sh now
# builds the shim without one); it was seen twice in ~450 exits, so one run proves little and 300 are run here.
# usage: eng/stress-exits.sh [COUNT] [PARALLEL]   (after dotnet build -c Release)
set -euo pipefail
count=${1:-300}; parallel=${2:-2}
root=$(cd "$(dirname "$0")/.." && pwd)
dll="$root/src/POSLayerFreeze.Cli/bin/Release/net10.0/poslf.dll"
[[ -f $dll ]] || { echo "stress-exits: $dll not built (dotnet build -c Release)" >&2; exit 2; }
# shellcheck disable=SC2016  # $1 is expanded by the inner sh, not here
codes=$(seq 1 "$count" | xargs -P "$parallel" -I{} sh -c 'dotnet "$1" run --lr -1 >/dev/null 2>&1; echo $?' _ "$dll" | sort | uniq -c)
echo "stress-exits: $count error exits of 'poslf run --lr -1':"
echo "$codes"
bad=$(echo "$codes" | awk '$2 != 2 {n += $1} END {print n + 0}')
if [[ $bad -gt 0 ]]; then echo "stress-exits: $bad exit(s) with a code other than 2 (139 = SIGSEGV)" >&2; exit 1; fi
echo "stress-exits: all $count exits were the usage error's 2"
