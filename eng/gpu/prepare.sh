#!/usr/bin/env bash
# Prepares the payload for the GPU machine of the `device` tool. One call may carry at most 64 MiB, and the app,
# a .NET runtime, the treebank and MiniLM's 90 MB of float32 weights do not fit in one, so the payload is cut in
# two: .gpu/ (runtime, app, data, first part of the weights) travels with call 1 (eng/gpu/stage1.sh), .gpw/ (the
# rest of the weights) with call 2 (eng/gpu/stage2.sh); the machine keeps .gpu/ between the two calls.
# Nothing here is committed: .gpu/ and .gpw/ are ignored.
set -euo pipefail
root=$(git rev-parse --show-toplevel); cd "$root"
shared=${POSLF_SHARED_DIR:-$root/../shared}
grep -qxF '/.gpw/' .git/info/exclude 2>/dev/null || echo '/.gpw/' >> .git/info/exclude
"$shared/tools/gpu-pack.sh" src/POSLayerFreeze.Cli/POSLayerFreeze.Cli.csproj -p:TorchBackend=system -p:POSLFGpuPack=true
dotnet publish src/POSLayerFreeze.Benchmarks -c Release -r linux-x64 --self-contained false -p:TorchBackend=system -o .gpu/app >/dev/null
# libtorch comes from the machine's PyTorch; the figure is drawn here from the results (no Skia there); the
# embedded model travels as converted weights instead of the 91 MB resource assembly.
find .gpu/app -maxdepth 1 \( -name 'libtorch*.so*' -o -name 'libc10*.so*' -o -name 'libgomp*.so*' -o -name 'libglibcxx*' \
  -o -name 'libSkiaSharp.so' -o -name 'libHarfBuzzSharp.so' -o -name '*.pdb' \) -delete
rm -rf .gpu/app/models .gpu/app/runtimes
cp "$(find ~/.nuget/packages/torchsharp -path '*linux-x64/native/libLibTorchSharp.so' | sort -V | tail -n 1)" .gpu/app/libLibTorchSharp.so
mkdir -p .gpu/data && cp "$shared"/datasets/ud-english-ewt/en_ewt-ud-*.conllu.gz .gpu/data/
# The embedded MiniLM, converted once into the per-user cache by the app itself.
dotnet run --project src/POSLayerFreeze.Cli -c Release -- doctor >/dev/null || true
cache=$(ls -d "${XDG_CACHE_HOME:-$HOME/.cache}"/poslayerfreeze/models/minilm-*/ | head -n 1)
mkdir -p .gpu/minilm && cp "$cache/config.json" "$cache/vocab.txt" .gpu/minilm/
# The app is mostly managed assemblies (BenchmarkDotNet brings Roslyn and a disassembler): xz halves it.
tar -C .gpu -cJf .gpu/app.tar.xz app && rm -rf .gpu/app
rm -rf .gpu/w .gpw
used=$(du -sb .gpu | cut -f1); tree=$(git ls-files -z | du -cb --files0-from=- | tail -n 1 | cut -f1)
room=$(( 58 * 1024 * 1024 - used - tree ))
python3 eng/gpu/weights.py pack "$cache/model.safetensors" .gpu/w .gpw "$room"
echo "call 1 carries .gpu: $(du -sh .gpu | cut -f1) + working tree $((tree / 1024)) KiB; call 2 carries .gpw: $(du -sh .gpw | cut -f1)"
