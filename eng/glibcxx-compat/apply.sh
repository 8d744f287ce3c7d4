#!/usr/bin/env bash
# Makes TorchSharp's native binding load on systems whose libstdc++ predates GLIBCXX_3.4.32 (Debian 12).
# Run by the build (Directory.Build.targets) on every output folder that holds libLibTorchSharp.so:
#   1. if the system libstdc++ already defines GLIBCXX_3.4.32, do nothing;
#   2. otherwise build (once, cached in obj) the shim and the ELF patcher with the C compiler,
#      mark the GLIBCXX_3.4.32 requirement of the output copy of libLibTorchSharp.so weak (the NuGet cache
#      copy is never touched), and put the shim beside it. POSLayerFreeze preloads the shim (RTLD_GLOBAL)
#      before TorchSharp's first native call (see src/POSLayerFreeze/Runtime/NativeCompat.cs).
# usage: apply.sh OUTPUT_DIR CACHE_DIR
set -euo pipefail
out=${1:?output dir}; cache=${2:?cache dir}
here=$(cd "$(dirname "$0")" && pwd)
need=GLIBCXX_3.4.32
stdcxx=$( (ldconfig -p 2>/dev/null || true) | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')
[[ -n $stdcxx ]] || stdcxx=$(ls /usr/lib/x86_64-linux-gnu/libstdc++.so.6 /lib64/libstdc++.so.6 2>/dev/null | head -n 1 || true)
if [[ -n $stdcxx ]] && grep -qa "$need" "$stdcxx"; then
  exit 0   # new enough: nothing to patch
fi
mapfile -t libs < <(find "$out" -name libLibTorchSharp.so -type f 2>/dev/null)
[[ ${#libs[@]} -gt 0 ]] || exit 0
cc=${CC:-cc}
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "error POSLF001: this system's libstdc++ ($stdcxx) lacks $need, which TorchSharp needs; the build fixes that with a" \
       "small shim compiled by a C compiler, and none was found. Install one: 'sudo apt-get install gcc' (Debian/Ubuntu)" \
       "or set CC to a C compiler." >&2
  exit 1
fi
mkdir -p "$cache"
shim="$cache/libglibcxx_3.4.32_shim.so"; weaken="$cache/weaken"
# -nostartfiles: no crtbegin/crtend, so the shim has no _init/_fini, .init_array or .fini_array at all. With them
# it carried a .fini_array entry (__do_global_dtors_aux) that glibc's _dl_fini calls at every process exit; once
# seen unrelocated (the file's raw offset 0x10b0), that call was a SIGSEGV after a clean exit. A no-op function
# needs no constructor, no destructor and no C runtime start-up code.
[[ $shim -nt $here/shim.c && $shim -nt $here/shim.map && $shim -nt $here/apply.sh ]] || \
  "$cc" -shared -fPIC -O2 -nostartfiles -Wl,--version-script="$here/shim.map" -o "$shim" "$here/shim.c"
[[ $weaken -nt $here/weaken.c ]] || "$cc" -O2 -o "$weaken" "$here/weaken.c"
for lib in "${libs[@]}"; do
  "$weaken" "$lib" "$need" >/dev/null
  cp -f "$shim" "$(dirname "$lib")/"
  # the app folder too: the runtime looks for the shim beside the assemblies
  cp -f "$shim" "$out/"
done
