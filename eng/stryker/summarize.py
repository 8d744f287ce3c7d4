#!/usr/bin/env python3
"""Score per folder and the survivors list from eng/stryker/reports/*.json (written by eng/stryker/run.sh).

Stryker's score: killed (incl. timeouts) / (killed + survived + no coverage); compile errors and ignored mutants
do not count. Prints Markdown to stdout.

    summarize.py [REPORT.json ...]     default: every eng/stryker/reports/*.json (give the reports of one
                                       measurement when several cover the same folder, or they are added up)
"""
import collections, glob, json, os, sys

here = os.path.dirname(os.path.abspath(__file__))
reports = sys.argv[1:] or sorted(glob.glob(os.path.join(here, "reports", "*.json")))
if not reports:
    sys.exit("no reports under eng/stryker/reports")
counts = collections.defaultdict(collections.Counter)
per_file = collections.defaultdict(collections.Counter)
survivors = []
commits = set()
for path in reports:
    report = json.load(open(path))
    commits.add(report["commit"])
    for file, mutants in sorted(report["files"].items()):
        folder = file.split("/")[0]
        for m in mutants:
            counts[folder][m["status"]] += 1
            per_file[file][m["status"]] += 1
            if m["status"] in ("Survived", "NoCoverage"):
                survivors.append((file, m["line"], m["status"], m["mutator"], m["replacement"]))

def score(c):
    detected = c["Killed"] + c["Timeout"]
    valid = detected + c["Survived"] + c["NoCoverage"]
    return (100.0 * detected / valid if valid else float("nan")), detected, valid

print(f"Commit(s): {', '.join(sorted(commits))}\n")
print("| folder | killed | timeout | survived | no coverage | compile error | ignored | score |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
total = collections.Counter()
for folder, c in sorted(counts.items()):
    total.update(c)
    s, _, _ = score(c)
    print(f"| {folder} | {c['Killed']} | {c['Timeout']} | {c['Survived']} | {c['NoCoverage']} | {c['CompileError']} | {c['Ignored']} | {s:.1f}% |")
s, d, v = score(total)
print(f"| **all** | {total['Killed']} | {total['Timeout']} | {total['Survived']} | {total['NoCoverage']} | {total['CompileError']} | {total['Ignored']} | **{s:.1f}%** ({d}/{v}) |")
print("\n| file | killed | timeout | survived | no coverage | score |")
print("| --- | --- | --- | --- | --- | --- |")
for file, c in sorted(per_file.items()):
    s, _, _ = score(c)
    if c["Killed"] + c["Timeout"] + c["Survived"] + c["NoCoverage"]:
        print(f"| {file} | {c['Killed']} | {c['Timeout']} | {c['Survived']} | {c['NoCoverage']} | {s:.1f}% |")
print(f"\nSurvivors ({len(survivors)}):\n")
print("| file:line | status | mutator | replacement |")
print("| --- | --- | --- | --- |")
for file, line, status, mutator, replacement in sorted(survivors):
    r = replacement.replace("|", "\\|").replace("\n", " ")
    r = r if len(r) <= 80 else r[:77] + "..."
    print(f"| {file}:{line} | {status} | {mutator} | `{r}` |")
