#!/bin/bash
# Records the protocol sources for the current RunSpec.ProtocolRevision: writes
# tests/POSLayerFreeze.Tests/Experiments/protocol-sources.sha256 and RunSpec.ProtocolSourceHash. Run it from the
# repository root after bumping the revision (or after a change proven not to alter any run). The file list must
# match ProtocolSource in tests/POSLayerFreeze.Tests/POSLayerFreeze.Tests.csproj.
set -e
rev=$(grep -o 'public const int ProtocolRevision = [0-9]*' src/POSLayerFreeze/Experiments/RunSpec.cs | grep -o '[0-9]*$')
files=$(ls src/POSLayerFreeze/Training/*.cs src/POSLayerFreeze/Freezing/*.cs src/POSLayerFreeze/Tokenization/*.cs src/POSLayerFreeze/Models/{BertModel,DistilBertModel,TokenClassifier,IEncoder}.cs src/POSLayerFreeze/Evaluation/TagMetrics.cs src/POSLayerFreeze/Experiments/{RunExecutor,ExperimentData}.cs src/POSLayerFreeze/Runtime/SplitMix64.cs | LC_ALL=C sort)
body=$(for f in $files; do sha256sum "$f"; done)
out=tests/POSLayerFreeze.Tests/Experiments/protocol-sources.sha256
{ echo "# sha256 of the protocol sources at RunSpec.ProtocolRevision (see ProtocolSourcesTests); regenerate only with a revision bump"; echo "# revision $rev"; echo "$body"; } > $out
h=$(printf '%s\n' "$body" | sha256sum | cut -c1-16)
sed -i "s/public const string ProtocolSourceHash = \"[0-9a-f]*\";/public const string ProtocolSourceHash = \"$h\";/" src/POSLayerFreeze/Experiments/RunSpec.cs
echo "rev $rev hash $h"
