#!/usr/bin/env python3
"""Moves a float32 safetensors file through a size-limited channel, losslessly.

pack SRC OUTDIR A_BYTES: splits SRC into its four byte planes (byte k of every 4-byte word), compresses each with
xz (the sign/exponent plane shrinks to ~40%, mantissa planes barely), concatenates them and cuts the result
into part-a (A_BYTES) and part-b, with a manifest holding plane sizes and the sha256 of SRC.
unpack MANIFEST_DIR... DEST: the reverse; refuses to write DEST unless the sha256 matches.
Standard library only (the GPU machine has python3 but nothing of ours)."""
import hashlib, json, lzma, os, sys


def pack(src, outdir, a_bytes):
    data = open(src, "rb").read()
    pad = (-len(data)) % 4
    padded = data + b"\0" * pad
    planes = [lzma.compress(padded[k::4], preset=9 if k == 3 else 1) for k in range(4)]
    blob = b"".join(planes)
    os.makedirs(outdir, exist_ok=True)
    manifest = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "planes": [len(p) for p in planes]}
    return blob[:a_bytes], blob[a_bytes:], manifest


def main():
    if sys.argv[1] == "pack":
        src, out_a, out_b, a_bytes = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
        part_a, part_b, manifest = pack(src, out_a, a_bytes)
        os.makedirs(out_b, exist_ok=True)
        open(os.path.join(out_a, "weights.part-a"), "wb").write(part_a)
        open(os.path.join(out_b, "weights.part-b"), "wb").write(part_b)
        json.dump(manifest, open(os.path.join(out_a, "weights.manifest.json"), "w"))
        print(f"packed {manifest['size']} bytes into {len(part_a)} + {len(part_b)} (planes {manifest['planes']})")
    elif sys.argv[1] == "unpack":
        dir_a, dir_b, dest = sys.argv[2], sys.argv[3], sys.argv[4]
        manifest = json.load(open(os.path.join(dir_a, "weights.manifest.json")))
        blob = open(os.path.join(dir_a, "weights.part-a"), "rb").read() + open(os.path.join(dir_b, "weights.part-b"), "rb").read()
        out = bytearray(sum(len(x) for x in []) or (manifest["size"] + (-manifest["size"]) % 4))
        offset = 0
        for k, n in enumerate(manifest["planes"]):
            out[k::4] = lzma.decompress(blob[offset:offset + n])
            offset += n
        data = bytes(out[:manifest["size"]])
        if hashlib.sha256(data).hexdigest() != manifest["sha256"]:
            sys.exit("weights.py: sha256 mismatch after unpacking; refusing to write " + dest)
        tmp = dest + ".tmp"
        open(tmp, "wb").write(data)
        os.replace(tmp, dest)
        print(f"unpacked {len(data)} bytes, sha256 ok -> {dest}")
    else:
        sys.exit("usage: weights.py pack SRC DIR_A DIR_B A_BYTES | unpack DIR_A DIR_B DEST")


if __name__ == "__main__":
    main()
