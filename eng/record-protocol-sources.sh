#!/bin/bash
# Records the protocol sources for the current RunSpec.ProtocolRevision: writes
# tests/POSLayerFreeze.Tests/Experiments/protocol-sources.sha256 (one fingerprint per file) and
# RunSpec.ProtocolSourceHash (all of them in one value). A fingerprint is the sha256 of the file's C# syntax tree
# without comments, whitespace or exception messages (eng/protocol-sources/ProtocolFingerprint.cs says what counts),
# so only a change that can alter a number needs this. Run it after bumping the revision, or after a change proven
# not to alter any run. The file list is ProtocolSourceSet.Patterns in eng/protocol-sources/ProtocolSourceSet.cs,
# the one the test checks. Works from any folder; prints "rev N hash H".
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dotnet build "$root/eng/protocol-sources" -c Release --nologo -v q -clp:NoSummary >&2
dotnet "$root/eng/protocol-sources/bin/Release/net10.0/ProtocolSources.dll" record "$root"
