#!/usr/bin/env bash
# Issue 29's hostile-input suite: runs the fast tests under tests/POSLayerFreeze.Tests/Hostile (one class per point
# of the issue, named PointNN…) and prints how many cases each point has and how many passed.
# usage: eng/hostile.sh   (after dotnet build -c Release; set POSLF_DATA_DIR to UD English EWT as for the tests)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
results=$(mktemp -d /tmp/poslf-hostile.XXXXXX)
trap 'rm -rf "$results"' EXIT
status=0
dotnet test "$root/tests/POSLayerFreeze.Tests" -c Release --no-build --filter "FullyQualifiedName~POSLayerFreeze.Tests.Hostile" \
  --logger "trx;LogFileName=hostile.trx" --results-directory "$results" >"$results/test.log" 2>&1 || status=$?
trx="$results/hostile.trx"
[[ -f $trx ]] || { tail -n 30 "$results/test.log" >&2; echo "hostile: no test results" >&2; exit 1; }
python3 - "$trx" <<'PY'
import collections, re, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
root = ET.parse(sys.argv[1]).getroot()
classes = {d.get("id"): d.find("t:TestMethod", ns).get("className") for d in root.iterfind(".//t:UnitTest", ns)}
counts = collections.defaultdict(lambda: collections.Counter())
others = []
for r in root.iterfind(".//t:UnitTestResult", ns):
    point = re.search(r"Point(\d+)", classes.get(r.get("testId"), ""))
    counts[int(point.group(1)) if point else 0][r.get("outcome")] += 1
    if r.get("outcome") != "Passed":
        others.append(f"    {r.get('outcome')}: {r.get('testName')}")
total = collections.Counter()
for point in sorted(counts):
    c = counts[point]; total.update(c)
    print(f"  point {point:>2}: {sum(c.values()):>3} case(s), {c['Passed']:>3} passed" + (f", {sum(c.values()) - c['Passed']} NOT passed" if sum(c.values()) != c['Passed'] else ""))
print(f"hostile-input suite: {sum(total.values())} cases over {len(counts)} points of issue 29, {total['Passed']} passed")
print("\n".join(others)) if others else None
PY
exit "$status"
