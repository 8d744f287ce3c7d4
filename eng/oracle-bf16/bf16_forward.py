#!/usr/bin/env python3
"""An independent check of POSLayerFreeze's bf16 mixed precision (Models/Autocast.cs), in plain PyTorch.

It takes the training oracle's models (eng/oracle/train_oracle.py, written from the papers, not from our C# code)
and the committed oracle cases (tests/POSLayerFreeze.Tests/Fixtures/oracle/<case>: init.safetensors, batches.json),
and runs the forward of the first two steps' batches twice: in fp32, and with the protocol's bf16 rule applied by
hand — every nn.Linear multiplies its input and weights rounded to bfloat16 (F.linear on bf16 tensors) and returns
fp32; attention sees q, k, v rounded to bfloat16 and its context is rounded to bfloat16 (what libtorch's SDPA does
with bf16 inputs: it computes in fp32 and returns bf16); LayerNorm, softmax and GELU stay fp32. It writes both sets
of logits to <out>/<case>.json; AutocastOracleTests compares our forward against them.
Regenerate (after eng/oracle/regenerate.sh changed the cases' inputs):
  /usr/bin/python3 eng/oracle-bf16/bf16_forward.py tests/POSLayerFreeze.Tests/Fixtures/oracle-bf16
(Debian's python3-torch; the pyenv python3 first on PATH does not see it).
"""

import json
import os
import sys

import torch
import torch.nn.functional as F
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "eng", "oracle"))
import train_oracle as oracle  # noqa: E402

CASES = os.path.join(ROOT, "tests", "POSLayerFreeze.Tests", "Fixtures", "oracle")
STEPS = 2


def round_bf16(x):
    return x.to(torch.bfloat16).to(torch.float32)


def bf16_linear(self, x):
    bias = None if self.bias is None else self.bias.to(torch.bfloat16)
    return F.linear(x.to(torch.bfloat16), self.weight.to(torch.bfloat16), bias).to(torch.float32)


fp32_linear = nn.Linear.forward
fp32_split, fp32_merge = oracle.split_heads, oracle.merge_heads


def precision(bf16):
    nn.Linear.forward = bf16_linear if bf16 else fp32_linear
    oracle.split_heads = (lambda x, heads: round_bf16(fp32_split(x, heads))) if bf16 else fp32_split
    oracle.merge_heads = (lambda x: fp32_merge(round_bf16(x))) if bf16 else fp32_merge


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for case_name in ("tiny-bert", "tiny-distilbert"):
        case_dir = os.path.join(CASES, case_name)
        with open(os.path.join(case_dir, "case.json"), encoding="utf-8") as f:
            case = json.load(f)
        with open(os.path.join(case_dir, "batches.json"), encoding="utf-8") as f:
            steps = json.load(f)["steps"][:STEPS]
        model = oracle.TokenClassifier(case["config"], case["num_labels"])
        missing, unexpected = model.load_state_dict(oracle.read_safetensors(os.path.join(case_dir, "init.safetensors")), strict=False)
        if missing or unexpected:
            raise SystemExit(f"{case_name}: init.safetensors does not match: {missing} {unexpected}")
        model.eval()
        result = {"case": case_name, "steps": []}
        with torch.no_grad():
            for step in steps:
                ids = torch.tensor(step["input_ids"], dtype=torch.long)
                mask = torch.tensor(step["attention_mask"], dtype=torch.long)
                entry = {}
                for name, bf16 in (("fp32", False), ("bf16", True)):
                    precision(bf16)
                    entry[name] = model(ids, mask).reshape(-1).tolist()
                precision(False)
                result["steps"].append(entry)
        oracle.atomic_write(os.path.join(out, case_name + ".json"), (json.dumps(result) + "\n").encode("utf-8"))
        print(f"{case_name}: {len(steps)} batches written")


if __name__ == "__main__":
    main()
