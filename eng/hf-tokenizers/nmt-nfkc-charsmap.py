#!/usr/bin/python3
# Writes SentencePiece's nmt_nfkc normalization rules as the binary precompiled_charsmap that XLM-R's tokenizer.json
# carries (its "Precompiled" normalizer): SentencePiece compiles the rule into every model it trains, whatever the
# text, so a tiny throw-away model is trained and the charsmap taken out of its ModelProto (normalizer_spec field 3,
# precompiled_charsmap field 2; read with a few lines of protobuf wire format, no protobuf package needed).
# Needs Debian's python3-sentencepiece (apt-get install python3-sentencepiece). usage: nmt-nfkc-charsmap.py OUT
import os
import sys
import tempfile

import sentencepiece as spm


def fields(blob):
    """(field number, value) of one protobuf message; length-delimited values as bytes, others skipped."""
    i = 0

    def varint():
        nonlocal i
        value, shift = 0, 0
        while True:
            byte = blob[i]
            i += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value

    while i < len(blob):
        key = varint()
        number, wire = key >> 3, key & 7
        if wire == 0:
            varint()
            yield number, None
        elif wire == 2:
            length = varint()
            yield number, blob[i:i + length]
            i += length
        elif wire in (1, 5):
            i += 8 if wire == 1 else 4
            yield number, None
        else:
            raise ValueError(f"unexpected wire type {wire}")


def main():
    out = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        text = os.path.join(tmp, "text.txt")
        with open(text, "w", encoding="utf-8") as f:
            f.write("\n".join(f"the quick brown fox jumps over the lazy dog {i}" for i in range(200)))
        prefix = os.path.join(tmp, "m")
        spm.SentencePieceTrainer.train(input=text, model_prefix=prefix, vocab_size=40, model_type="unigram",
                                       normalization_rule_name="nmt_nfkc", minloglevel=2)
        with open(prefix + ".model", "rb") as f:
            model = f.read()
    normalizer = next(v for n, v in fields(model) if n == 3)
    assert next(v for n, v in fields(normalizer) if n == 1) == b"nmt_nfkc"
    charsmap = next(v for n, v in fields(normalizer) if n == 2)
    with open(out, "wb") as f:
        f.write(charsmap)
    print(f"{out}: {len(charsmap)} bytes (nmt_nfkc, sentencepiece {spm.__version__})")


if __name__ == "__main__":
    main()
