#!/usr/bin/env python3
"""An independent oracle for POSLayerFreeze's training loop, in plain PyTorch (Debian's python3-torch 1.13, CPU).

Given one case folder exported by our C# code (case.json, init.safetensors, batches.json), it rebuilds the BERT or
DistilBERT token classifier from the papers' definitions (Devlin et al. 2019; Sanh et al. 2019) with Hugging Face's
parameter names, loads the initial weights, freezes the plan's units, and trains on exactly the exported batches
with the protocol Hugging Face Trainer runs by default:

- loss: cross-entropy with ignore index -100, averaged over the labelled tokens of the step's batch;
- optimizer: torch.optim.AdamW (decoupled weight decay) given only the trainable parameters, in two groups:
  weight decay on everything except biases and LayerNorm weights (Trainer's default), or on everything;
- schedule: linear warm-up from 0 over W steps, then linear decay to 0 at T (get_linear_schedule_with_warmup),
  stepped after every optimizer step, so step s (0-based) runs at lr * f(s);
- gradient clipping only when the case asks for it (max_grad_norm), applied before the step as Trainer does;
- freezing: requires_grad = False, and frozen parameters never reach the optimizer.

Nothing here is imported from our C# code or from Hugging Face transformers (which is not installed); the only
shared ground is the file formats. It writes, per freeze plan, oracle.json (per-step loss, learning rate and
gradient norm; which parameters trained and which were decayed) and final.safetensors (every parameter after the
last step). The controls random-init and drop-top-K are controls.py's. Usage: train_oracle.py CASE_DIR [--plans baseline,slpf-1,...]
"""

import argparse
import json
import math
import os
import struct
import sys

import torch
import torch.nn.functional as F
from torch import nn

import controls
import schedules  # freeze schedules and layer-wise rates, beside this file

IGNORE_INDEX = -100
# DistilBERT's LayerNorm eps is a constant of its model file, not a config field; BERT's comes from the config.
DISTILBERT_LAYER_NORM_EPS = 1e-12


# ----------------------------------------------------------------------------------------------------------------
# safetensors, by hand (no safetensors package for Debian's torch 1.13): u64 little-endian header length, a JSON
# header {name: {dtype, shape, data_offsets}}, then the raw little-endian data, tensors back to back.

def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (header_len,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + header_len].decode("utf-8"))
    data = blob[8 + header_len:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] != "F32":
            raise SystemExit(f"{path}: tensor {name} has dtype {entry['dtype']}; the oracle reads F32 only")
        begin, end = entry["data_offsets"]
        count = (end - begin) // 4
        values = struct.unpack(f"<{count}f", data[begin:end])
        tensors[name] = torch.tensor(values, dtype=torch.float32).reshape(entry["shape"])
    return tensors


def write_safetensors(path, tensors):
    names = sorted(tensors)
    header = {}
    chunks = []
    offset = 0
    for name in names:
        t = tensors[name].detach().to(torch.float32).contiguous().cpu()
        raw = struct.pack(f"<{t.numel()}f", *t.reshape(-1).tolist())
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    header_bytes += b" " * (-len(header_bytes) % 8)  # the format pads the header so the data is 8-aligned
    atomic_write(path, struct.pack("<Q", len(header_bytes)) + header_bytes + b"".join(chunks))


def atomic_write(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


# ----------------------------------------------------------------------------------------------------------------
# Attention shared by both families: softmax(q k^T / sqrt(d) + mask) v per head. Masked keys get the most negative
# float32 added (as Hugging Face does), so their probability is exactly 0 whenever a row has any real key.

def split_heads(x, heads):
    batch, length, width = x.shape
    return x.view(batch, length, heads, width // heads).transpose(1, 2)  # [B, h, T, d]


def merge_heads(x):
    batch, heads, length, d = x.shape
    return x.transpose(1, 2).reshape(batch, length, heads * d)  # [B, T, H]


def key_padding_bias(attention_mask, dtype):
    # attention_mask [B, T] (1 = real token) -> additive bias [B, 1, 1, T]
    keep = attention_mask[:, None, None, :].to(dtype)
    return (1.0 - keep) * torch.finfo(dtype).min


# ----------------------------------------------------------------------------------------------------------------
# BERT (post-LN): embeddings = LN(word + position + token_type 0); layer = LN(x + dense(attn(x))), then
# LN(h + dense2(gelu(dense1(h)))). Exact (erf) GELU, as hidden_act "gelu" means.

class BertEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c["vocab_size"], c["hidden_size"], padding_idx=c["pad_token_id"])
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], c["hidden_size"])
        self.token_type_embeddings = nn.Embedding(c["type_vocab_size"], c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])

    def forward(self, input_ids):
        length = input_ids.shape[1]
        positions = torch.arange(length, dtype=torch.long)[None, :]  # [1, T]
        x = self.word_embeddings(input_ids) + self.token_type_embeddings(torch.zeros_like(positions)) \
            + self.position_embeddings(positions)  # [B, T, H]
        return self.dropout(self.LayerNorm(x))


class BertSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c["hidden_size"]
        self.heads = c["num_attention_heads"]
        self.query = nn.Linear(h, h)
        self.key = nn.Linear(h, h)
        self.value = nn.Linear(h, h)
        self.dropout = nn.Dropout(c["attention_probs_dropout_prob"])

    def forward(self, x, bias):
        q, k, v = (split_heads(lin(x), self.heads) for lin in (self.query, self.key, self.value))
        scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]) + bias  # [B, h, T, T]
        return merge_heads(self.dropout(scores.softmax(dim=-1)) @ v)


class BertResidual(nn.Module):
    """BertSelfOutput and BertOutput have the same shape: LN(dropout(dense(x)) + residual)."""

    def __init__(self, c, inputs):
        super().__init__()
        self.dense = nn.Linear(inputs, c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])

    def forward(self, x, residual):
        return self.LayerNorm(self.dropout(self.dense(x)) + residual)


class BertAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = BertSelfAttention(c)
        self.output = BertResidual(c, c["hidden_size"])

    def forward(self, x, bias):
        return self.output(self.self(x, bias), x)


class BertIntermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["intermediate_size"])

    def forward(self, x):
        return F.gelu(self.dense(x))


class BertLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = BertAttention(c)
        self.intermediate = BertIntermediate(c)
        self.output = BertResidual(c, c["intermediate_size"])

    def forward(self, x, bias):
        a = self.attention(x, bias)
        return self.output(self.intermediate(a), a)


class BertEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList(BertLayer(c) for _ in range(c["num_hidden_layers"]))


class BertModel(nn.Module):
    prefix = "bert"
    layer_prefix = "bert.encoder.layer."

    def __init__(self, c):
        super().__init__()
        self.embeddings = BertEmbeddings(c)
        self.encoder = BertEncoder(c)
        self.hidden_size = c["hidden_size"]
        self.dropout_prob = c["hidden_dropout_prob"]

    def forward(self, input_ids, attention_mask):
        x = self.embeddings(input_ids)
        bias = key_padding_bias(attention_mask, x.dtype)
        for layer in self.encoder.layer:
            x = layer(x, bias)
        return x


# RoBERTa / XLM-R: BERT's layers under "roberta."; positions are pad + the running count of non-pad ids (pad ids
# at pad), and the position table has padding_idx too (that row gets no gradient).

class RobertaEmbeddings(BertEmbeddings):
    def __init__(self, c):
        super().__init__(c)
        self.pad = c["pad_token_id"]
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], c["hidden_size"], padding_idx=self.pad)

    def forward(self, input_ids):
        real = (input_ids != self.pad).long()
        positions = torch.cumsum(real, dim=1) * real + self.pad  # [B, T]
        x = self.word_embeddings(input_ids) + self.token_type_embeddings(torch.zeros_like(input_ids)) \
            + self.position_embeddings(positions)  # [B, T, H]
        return self.dropout(self.LayerNorm(x))


class RobertaModel(BertModel):
    prefix = "roberta"
    layer_prefix = "roberta.encoder.layer."

    def __init__(self, c):
        super().__init__(c)
        self.embeddings = RobertaEmbeddings(c)


# ----------------------------------------------------------------------------------------------------------------
# DistilBERT (post-LN, no token types): embeddings = LN(word + position); block = LN(x + out_lin(attn(x))), then
# LN(h + dropout(lin2(gelu(lin1(h))))). Queries are scaled by 1/sqrt(d) before the product, as its model file does.

class DistilBertEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c["vocab_size"], c["dim"], padding_idx=c["pad_token_id"])
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], c["dim"])
        self.LayerNorm = nn.LayerNorm(c["dim"], eps=DISTILBERT_LAYER_NORM_EPS)
        self.dropout = nn.Dropout(c["dropout"])

    def forward(self, input_ids):
        positions = torch.arange(input_ids.shape[1], dtype=torch.long)[None, :]  # [1, T]
        return self.dropout(self.LayerNorm(self.word_embeddings(input_ids) + self.position_embeddings(positions)))


class DistilBertAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["dim"]
        self.heads = c["n_heads"]
        self.q_lin = nn.Linear(d, d)
        self.k_lin = nn.Linear(d, d)
        self.v_lin = nn.Linear(d, d)
        self.out_lin = nn.Linear(d, d)
        self.dropout = nn.Dropout(c["attention_dropout"])

    def forward(self, x, bias):
        q = split_heads(self.q_lin(x), self.heads)
        q = q / math.sqrt(q.shape[-1])
        k = split_heads(self.k_lin(x), self.heads)
        v = split_heads(self.v_lin(x), self.heads)
        scores = q @ k.transpose(-1, -2) + bias  # [B, h, T, T]
        return self.out_lin(merge_heads(self.dropout(scores.softmax(dim=-1)) @ v))


class DistilBertFFN(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.lin1 = nn.Linear(c["dim"], c["hidden_dim"])
        self.lin2 = nn.Linear(c["hidden_dim"], c["dim"])
        self.dropout = nn.Dropout(c["dropout"])

    def forward(self, x):
        return self.dropout(self.lin2(F.gelu(self.lin1(x))))


class DistilBertBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = DistilBertAttention(c)
        self.sa_layer_norm = nn.LayerNorm(c["dim"], eps=DISTILBERT_LAYER_NORM_EPS)
        self.ffn = DistilBertFFN(c)
        self.output_layer_norm = nn.LayerNorm(c["dim"], eps=DISTILBERT_LAYER_NORM_EPS)

    def forward(self, x, bias):
        a = self.sa_layer_norm(self.attention(x, bias) + x)
        return self.output_layer_norm(self.ffn(a) + a)


class DistilBertTransformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList(DistilBertBlock(c) for _ in range(c["n_layers"]))


class DistilBertModel(nn.Module):
    prefix = "distilbert"
    layer_prefix = "distilbert.transformer.layer."

    def __init__(self, c):
        super().__init__()
        self.embeddings = DistilBertEmbeddings(c)
        self.transformer = DistilBertTransformer(c)
        self.hidden_size = c["dim"]
        self.dropout_prob = c["dropout"]

    def forward(self, input_ids, attention_mask):
        x = self.embeddings(input_ids)
        bias = key_padding_bias(attention_mask, x.dtype)
        for block in self.transformer.layer:
            x = block(x, bias)
        return x


class TokenClassifier(nn.Module):
    """{Bert,DistilBert}ForTokenClassification: encoder, dropout on the last hidden state, Linear(hidden, labels)."""

    def __init__(self, config, num_labels):
        super().__init__()
        family = {"bert": BertModel, "distilbert": DistilBertModel, "roberta": RobertaModel,
                  "xlm-roberta": RobertaModel}[config["model_type"]]
        encoder = family(config)
        self.family = family
        setattr(self, family.prefix, encoder)
        self.dropout = nn.Dropout(encoder.dropout_prob)
        self.classifier = nn.Linear(encoder.hidden_size, num_labels)

    def forward(self, input_ids, attention_mask):
        hidden = getattr(self, self.family.prefix)(input_ids, attention_mask)  # [B, T, H]
        return self.classifier(self.dropout(hidden))  # [B, T, labels]


# ----------------------------------------------------------------------------------------------------------------
# Freeze plans, from the project's grammar (README): baseline | slpf-K | clpf-A+B+... (emb allowed) | all.

def frozen_units(plan, num_layers):
    if plan == "baseline":
        return set()
    if plan == "all":
        return {"emb", *map(str, range(num_layers))}
    if plan.startswith("slpf-"):
        return {str(int(plan[5:]))}
    if plan.startswith("clpf-"):
        return {m if m == "emb" else str(int(m)) for m in plan[5:].split("+")}
    raise SystemExit(f"unknown freeze plan {plan!r}")


def unit_of(name, family):
    """The freezable unit a parameter belongs to: emb, a layer index, or None (the classifier)."""
    if name.startswith(family.prefix + ".embeddings."):
        return "emb"
    if name.startswith(family.layer_prefix):
        return name[len(family.layer_prefix):].split(".")[0]
    if name.startswith("classifier."):
        return None
    raise SystemExit(f"parameter {name} belongs to no unit")


def no_decay_names(model, rule):
    """Trainer's default: no decay for any bias nor for any parameter of a LayerNorm module."""
    if rule == "none":
        return set()
    if rule != "bias-and-layernorm":
        raise SystemExit(f"unknown weight_decay_exclude {rule!r}")
    in_layer_norm = set()
    for module_name, module in model.named_modules():
        if isinstance(module, nn.LayerNorm):
            in_layer_norm |= {f"{module_name}.{p}" for p, _ in module.named_parameters()}
    return {n for n, _ in model.named_parameters() if n in in_layer_norm or n.endswith("bias")}


def linear_with_warmup(warmup, total):
    """get_linear_schedule_with_warmup's multiplier for (0-based) step s."""
    def factor(s):
        if s < warmup:
            return s / max(1, warmup)
        return max(0.0, (total - s) / max(1, total - warmup))
    return factor


def train(case, plan, init, batches):
    p = case["profile"]
    model = TokenClassifier(case["config"], case["num_labels"])
    missing, unexpected = model.load_state_dict(init, strict=False)
    if missing or unexpected:
        raise SystemExit(f"init.safetensors does not match the model: missing {missing}, unexpected {unexpected}")
    for m in model.modules():
        if isinstance(m, nn.Dropout) and m.p != 0:
            raise SystemExit("the oracle compares deterministic runs: every dropout probability must be 0")
    c = case["config"]
    frozen = frozen_units(plan, c["n_layers"] if c["model_type"] == "distilbert" else c["num_hidden_layers"])
    named = list(model.named_parameters())
    for name, param in named:
        param.requires_grad_(unit_of(name, model.family) not in frozen)
    trainable = [(n, q) for n, q in named if q.requires_grad]
    skip = no_decay_names(model, p["weight_decay_exclude"])
    groups = [
        {"params": [q for n, q in trainable if n not in skip], "weight_decay": p["weight_decay"]},
        {"params": [q for n, q in trainable if n in skip], "weight_decay": 0.0},
    ]
    beta1, beta2 = p["betas"]
    optimizer = torch.optim.AdamW([g for g in groups if g["params"]], lr=p["learning_rate"],
                                  betas=(beta1, beta2), eps=p["eps"], foreach=False)
    total = len(batches)
    if p.get("schedule", "linear") != "linear":
        raise SystemExit(f"schedule {p['schedule']!r}: the oracle knows only Hugging Face's linear schedule")
    # TrainingArguments.get_warmup_steps: explicit steps win when > 0, else ceil(ratio * total steps).
    warmup = p["warmup_steps"] if p["warmup_steps"] > 0 else math.ceil(p["warmup_ratio"] * total)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, linear_with_warmup(warmup, total))

    model.train()  # dropout is 0, so train mode computes exactly what eval would; it is the mode Trainer uses
    log = []
    for step, batch in enumerate(batches, start=1):
        ids = torch.tensor(batch["input_ids"], dtype=torch.long)
        mask = torch.tensor(batch["attention_mask"], dtype=torch.long)
        labels = torch.tensor(batch["labels"], dtype=torch.long)
        logits = model(ids, mask)
        loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), labels.view(-1), ignore_index=IGNORE_INDEX)
        loss.backward()
        grads = [q.grad for _, q in trainable if q.grad is not None]
        grad_norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
        if p.get("max_grad_norm") is not None:
            torch.nn.utils.clip_grad_norm_([q for _, q in trainable], p["max_grad_norm"])
        lr = optimizer.param_groups[0]["lr"]
        optimizer.step()
        schedule.step()
        optimizer.zero_grad(set_to_none=True)
        log.append({"step": step, "loss": loss.item(), "learning_rate": lr, "grad_norm": grad_norm.item()})

    final = {n: t.detach().clone() for n, t in model.state_dict().items()}
    for name, _ in named:
        if unit_of(name, model.family) in frozen and not torch.equal(final[name], init[name]):
            raise SystemExit(f"{plan}: frozen parameter {name} changed")
    result = {
        "plan": plan,
        "steps": log,
        "trainable": [n for n, _ in trainable],
        "decayed": [n for n, _ in trainable if n not in skip],
        "warmup_steps": warmup,
        "torch_version": torch.__version__,
    }
    return result, final


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case_dir")
    parser.add_argument("--plans", help="comma-separated subset of case.json's plans")
    args = parser.parse_args()
    torch.set_num_threads(1)  # deterministic reductions and frugal on a shared machine
    with open(os.path.join(args.case_dir, "case.json"), encoding="utf-8") as f:
        case = json.load(f)
    with open(os.path.join(args.case_dir, "batches.json"), encoding="utf-8") as f:
        batches = json.load(f)["steps"]
    init = read_safetensors(os.path.join(args.case_dir, "init.safetensors"))
    plans = args.plans.split(",") if args.plans else case["plans"]
    for plan in plans:
        if schedules.is_scheduled(plan):
            result, final = schedules.train(case, plan, init, batches, sys.modules[__name__])
        else:
            # The control plans (controls.py) change the model or its initial weights, then train with nothing frozen.
            plan_case, plan_init, freeze, extra = controls.prepare(case, plan, init, args.case_dir, TokenClassifier, read_safetensors)
            result, final = train(plan_case, freeze, plan_init, batches)
            result.update(extra, plan=plan)
        out = os.path.join(args.case_dir, plan)
        os.makedirs(out, exist_ok=True)
        write_safetensors(os.path.join(out, "final.safetensors"), final)
        atomic_write(os.path.join(out, "oracle.json"), (json.dumps(result, indent=1) + "\n").encode("utf-8"))
        losses = [s["loss"] for s in result["steps"]]
        print(f"{args.case_dir} {plan}: {len(losses)} steps, loss {losses[0]:.6f} -> {losses[-1]:.6f}, "
              f"{len(result['trainable'])} trainable tensors")


if __name__ == "__main__":
    sys.exit(main())
