#!/usr/bin/env python3
"""UPOS score of a system CoNLL-U file against gold, as the CoNLL 2018 shared-task scorer computes it.

Written independently of the harness (standard library only) so it can check what `poslf run` reports.
The official conll18_ud_eval.py aligns system and gold words through their character offsets, then
UPOS F1 = 2PR/(P+R) with P = correct/system words, R = correct/gold words. Words are the rows with an
integer ID (the words of a multiword token count; the range row 1-2 and empty nodes 8.1 do not).
When both files have the same tokens and words -- which this script checks first, and refuses otherwise --
that alignment is the identity, so the score reduces to comparing UPOS word by word.

usage: score.py GOLD SYSTEM [--metrics metrics.json]
  prints words, correct, precision, recall, f1 as JSON; with --metrics, exits 1 unless the file's
  test.words and test.accuracy equal what was computed here.
"""
import argparse
import gzip
import json
import sys


def read_sentences(path):
    """Yields, per sentence, (tokens, words): tokens are surface forms (range rows and words not inside a
    range), words are (form, upos) of the integer-ID rows."""
    opener = gzip.open if open(path, "rb").read(2) == b"\x1f\x8b" else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        tokens, words, covered_until = [], [], 0
        for number, raw in enumerate(f, 1):
            line = raw.rstrip("\n").rstrip("\r")
            if not line:
                if words:
                    yield tokens, words
                tokens, words, covered_until = [], [], 0
                continue
            if line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) != 10:
                sys.exit(f"{path}:{number}: expected 10 columns, found {len(cols)}")
            ident = cols[0]
            if "." in ident:
                continue  # empty node: not a word of the UPOS score
            if "-" in ident:
                start, end = (int(x) for x in ident.split("-"))
                tokens.append(cols[1])
                covered_until = end
                continue
            if int(ident) > covered_until:
                tokens.append(cols[1])
            words.append((cols[1], cols[3]))
        if words:
            yield tokens, words


def score(gold_path, system_path):
    gold = list(read_sentences(gold_path))
    system = list(read_sentences(system_path))
    if len(gold) != len(system):
        sys.exit(f"{system_path}: {len(system)} sentences, gold has {len(gold)}")
    gold_words = system_words = correct = 0
    for index, ((g_tokens, g_words), (s_tokens, s_words)) in enumerate(zip(gold, system), 1):
        # The official scorer first checks that both texts are the same characters; same tokens and words
        # make its alignment the identity. Anything else needs the official scorer, not this reduction.
        if "".join(g_tokens) != "".join(s_tokens) or g_tokens != s_tokens:
            sys.exit(f"sentence {index}: tokens differ from gold (this reduction needs identical tokenization)")
        if [w for w, _ in g_words] != [w for w, _ in s_words]:
            sys.exit(f"sentence {index}: words differ from gold (this reduction needs identical tokenization)")
        gold_words += len(g_words)
        system_words += len(s_words)
        correct += sum(1 for (_, g), (_, s) in zip(g_words, s_words) if g == s)
    precision = correct / system_words
    recall = correct / gold_words
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"gold_words": gold_words, "system_words": system_words, "correct": correct,
            "precision": precision, "recall": recall, "f1": f1}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("gold")
    parser.add_argument("system")
    parser.add_argument("--metrics", help="a run's metrics.json whose test.words and test.accuracy must match")
    args = parser.parse_args()
    result = score(args.gold, args.system)
    if args.metrics:
        with open(args.metrics, encoding="utf-8") as f:
            test = json.load(f)["test"]
        result["metrics_json"] = {"words": test["words"], "accuracy": test["accuracy"]}
        result["match"] = test["words"] == result["gold_words"] and test["correct"] == result["correct"] \
            and abs(test["accuracy"] - result["f1"]) < 1e-12
    print(json.dumps(result, indent=2, sort_keys=True))
    if args.metrics and not result["match"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
