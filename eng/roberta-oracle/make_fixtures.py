#!/usr/bin/python3
"""Test vectors for the RoBERTa / XLM-R families and the pytorch_model.bin reader (issue 25, items 2 and 3).

Written against PyTorch alone (Debian's python3-torch; transformers is not installed here), from the RoBERTa paper
and Hugging Face's published behaviour, importing nothing from this repository: the shared ground is the file
formats (config.json field names, checkpoint key names, torch.save).

    /usr/bin/python3 eng/roberta-oracle/make_fixtures.py tests/POSLayerFreeze.Tests/Fixtures

writes
  tiny-roberta/      config.json, pytorch_model.bin (torch.save's zip format), expected.json
  tiny-xlm-roberta/  config.json, pytorch_model.bin (torch.save's legacy format, as 2019-2020 Hub checkpoints), expected.json
  pytorch/           state-dict-zip.bin, state-dict-legacy.bin (the same awkward state dict in both containers), expected.json,
                     tiny-distilbert.bin (Fixtures/tiny-distilbert/model.safetensors re-saved by torch.save)

expected.json of a model: the RoBERTa token classifier in eval mode run (in float64) on input_ids [4, 10] and
attention_mask: `logits` and `hidden_states` (embeddings output, then each layer's output), as Hugging Face's
output_hidden_states gives them. The rows cover right padding, no padding, left padding and a pad id inside the
attention mask (RoBERTa positions come from the ids, not from the mask).
"""
import collections
import json
import math
import os
import sys

import torch


def roberta_config(model_type, vocab, hidden, layers, heads, ffn, max_pos, labels):
    """config.json as Hugging Face writes it for a *ForTokenClassification (every field, its values)."""
    return {
        "architectures": ["RobertaForTokenClassification" if model_type == "roberta" else "XLMRobertaForTokenClassification"],
        "attention_probs_dropout_prob": 0.1, "bos_token_id": 0, "classifier_dropout": None, "eos_token_id": 2,
        "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "hidden_size": hidden,
        "id2label": {str(i): f"LABEL_{i}" for i in range(labels)}, "initializer_range": 0.02,
        "intermediate_size": ffn, "label2id": {f"LABEL_{i}": i for i in range(labels)}, "layer_norm_eps": 1e-05,
        "max_position_embeddings": max_pos, "model_type": model_type, "num_attention_heads": heads,
        "num_hidden_layers": layers, "pad_token_id": 1, "position_embedding_type": "absolute",
        "torch_dtype": "float32", "type_vocab_size": 1, "use_cache": True, "vocab_size": vocab,
    }


def random_state_dict(cfg, labels, generator):
    """Hugging Face's names for RobertaForTokenClassification (encoder under roberta.), every tensor random so that
    every parameter shows in the outputs: matrices N(0, initializer_range) as Hugging Face initialises them, biases
    N(0, 0.1), LayerNorm weights 1 + N(0, 0.1), embeddings N(0, 1). Larger matrices would make the attention scores
    so large that the key bias, whose gradient is zero in exact arithmetic, gets rounding noise above AdamW's eps:
    Adam then moves it by ±lr a step in directions no two libraries share (seen: 6.6e-4 after 22 steps at std 0.3)."""
    h, f = cfg["hidden_size"], cfg["intermediate_size"]

    def w(*shape, std=cfg["initializer_range"]):
        return (torch.randn(*shape, generator=generator, dtype=torch.float64) * std).float()

    sd = collections.OrderedDict()
    e = "roberta.embeddings."
    sd[e + "word_embeddings.weight"] = w(cfg["vocab_size"], h, std=1.0)
    sd[e + "position_embeddings.weight"] = w(cfg["max_position_embeddings"], h, std=1.0)
    sd[e + "token_type_embeddings.weight"] = w(cfg["type_vocab_size"], h, std=1.0)
    sd[e + "LayerNorm.weight"] = 1 + w(h, std=0.1)
    sd[e + "LayerNorm.bias"] = w(h, std=0.1)
    for i in range(cfg["num_hidden_layers"]):
        p = f"roberta.encoder.layer.{i}."
        for name in ("query", "key", "value"):
            sd[p + f"attention.self.{name}.weight"] = w(h, h)
            sd[p + f"attention.self.{name}.bias"] = w(h, std=0.1)
        sd[p + "attention.output.dense.weight"] = w(h, h)
        sd[p + "attention.output.dense.bias"] = w(h, std=0.1)
        sd[p + "attention.output.LayerNorm.weight"] = 1 + w(h, std=0.1)
        sd[p + "attention.output.LayerNorm.bias"] = w(h, std=0.1)
        sd[p + "intermediate.dense.weight"] = w(f, h)
        sd[p + "intermediate.dense.bias"] = w(f, std=0.1)
        sd[p + "output.dense.weight"] = w(h, f)
        sd[p + "output.dense.bias"] = w(h, std=0.1)
        sd[p + "output.LayerNorm.weight"] = 1 + w(h, std=0.1)
        sd[p + "output.LayerNorm.bias"] = w(h, std=0.1)
    sd["classifier.weight"] = w(labels, h)
    sd["classifier.bias"] = w(labels, std=0.1)
    return sd


def forward(sd, cfg, ids, mask):
    """RoBERTa token classifier, eval mode, in float64: returns (logits, [embeddings output, layer 1 … L])."""
    P = {k: v.double() for k, v in sd.items() if v.is_floating_point()}
    h, heads, eps, pad = cfg["hidden_size"], cfg["num_attention_heads"], cfg["layer_norm_eps"], cfg["pad_token_id"]
    d = h // heads
    B, T = ids.shape

    def ln(x, name):
        mean = x.mean(-1, keepdim=True)
        var = ((x - mean) ** 2).mean(-1, keepdim=True)
        return (x - mean) / torch.sqrt(var + eps) * P[name + ".weight"] + P[name + ".bias"]

    def linear(x, name):
        return x @ P[name + ".weight"].T + P[name + ".bias"]

    # Positions: pad + running count of non-pad ids for real ids, pad itself for pad ids.
    real = (ids != pad).long()
    positions = torch.cumsum(real, dim=1) * real + pad
    e = "roberta.embeddings."
    x = P[e + "word_embeddings.weight"][ids] + P[e + "token_type_embeddings.weight"][0] + P[e + "position_embeddings.weight"][positions]
    x = ln(x, e + "LayerNorm")
    states = [x]
    blocked = (mask == 0)[:, None, None, :]  # keys that are padding
    for i in range(cfg["num_hidden_layers"]):
        p = f"roberta.encoder.layer.{i}."

        def split(t):
            return t.view(B, T, heads, d).transpose(1, 2)

        q, k, v = (split(linear(x, p + f"attention.self.{n}")) for n in ("query", "key", "value"))
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(d)
        scores = scores.masked_fill(blocked, float("-inf"))
        context = (torch.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(B, T, h)
        attended = ln(linear(context, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
        inner = linear(attended, p + "intermediate.dense")
        inner = 0.5 * inner * (1 + torch.erf(inner / math.sqrt(2)))  # exact GELU
        x = ln(linear(inner, p + "output.dense") + attended, p + "output.LayerNorm")
        states.append(x)
    return linear(x, "classifier"), states


INPUT_IDS = [
    [0, 17, 45, 99, 3, 60, 8, 2, 1, 1],   # right padding
    [0, 5, 6, 7, 8, 9, 10, 11, 12, 2],    # none
    [1, 1, 0, 11, 22, 33, 44, 55, 66, 2],  # left padding
    [0, 7, 1, 9, 1, 12, 2, 1, 1, 1],      # pad ids inside the mask: positions 2 3 1 4 1 5 6 1 1 1
]
ATTENTION_MASK = [
    [1, 1, 1, 1, 1, 1, 1, 1, 0, 0],
    [1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
    [0, 0, 1, 1, 1, 1, 1, 1, 1, 1],
    [1, 1, 1, 1, 1, 1, 1, 0, 0, 0],
]


def write_json(path, value, sort_keys=True):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=None if path.endswith("expected.json") else 2, sort_keys=sort_keys)
        f.write("\n")


def make_model(out, name, cfg, labels, seed, legacy, extra):
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    generator = torch.Generator().manual_seed(seed)
    sd = random_state_dict(cfg, labels, generator)
    ids, mask = torch.tensor(INPUT_IDS), torch.tensor(ATTENTION_MASK)
    logits, states = forward(sd, cfg, ids, mask)
    for key, value in extra.items():
        sd[key] = value
    torch.save(sd, os.path.join(folder, "pytorch_model.bin"), _use_new_zipfile_serialization=not legacy)
    write_json(os.path.join(folder, "config.json"), cfg)
    write_json(os.path.join(folder, "expected.json"), {
        "input_ids": INPUT_IDS, "attention_mask": ATTENTION_MASK,
        "logits": logits.float().tolist(), "hidden_states": [s.float().tolist() for s in states],
    })


def make_reader_fixtures(out):
    """One state dict with everything torch.save does that a reader can get wrong, in both containers."""
    folder = os.path.join(out, "pytorch")
    os.makedirs(folder, exist_ok=True)
    g = torch.Generator().manual_seed(7)
    base = torch.randn(4, 6, generator=g)
    shared = torch.randn(20, generator=g)
    sd = collections.OrderedDict()
    sd["weight"] = base
    sd["transposed"] = base.t()                       # a non-contiguous view: strides (1, 6)
    sd["tied_a"] = shared[2:8].view(2, 3)             # two views of one storage, at offsets 2 and 10
    sd["tied_b"] = shared[10:18].view(4, 2)
    sd["every_other"] = shared[1::3]                  # stride 3
    sd["scalar"] = torch.tensor(3.25)                 # zero dimensions
    sd["empty"] = torch.zeros(0, 3)
    sd["position_ids"] = torch.arange(5).unsqueeze(0)  # an int64 buffer
    sd["half"] = torch.randn(3, generator=g).half()
    sd["parameter"] = torch.nn.Parameter(torch.randn(2, 2, generator=g))  # pickled through _rebuild_parameter
    torch.save(sd, os.path.join(folder, "state-dict-zip.bin"))
    torch.save(sd, os.path.join(folder, "state-dict-legacy.bin"), _use_new_zipfile_serialization=False)
    dtypes = {torch.float32: "F32", torch.int64: "I64", torch.float16: "F16"}
    write_json(os.path.join(folder, "expected.json"), {
        name: {"dtype": dtypes[t.dtype], "shape": list(t.shape), "values": t.detach().double().flatten().tolist()}
        for name, t in sd.items()
    }, sort_keys=False)  # in torch.save's order


def read_safetensors(path):
    """The F32 tensors of a safetensors file (8-byte header length, JSON header, data), by name in header order."""
    with open(path, "rb") as f:
        length = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(length))
        data = f.read()
    sd = collections.OrderedDict()
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        assert entry["dtype"] == "F32"
        sd[name] = torch.frombuffer(bytearray(data[begin:end]), dtype=torch.float32).reshape(entry["shape"]).clone()
    return sd


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/POSLayerFreeze.Tests/Fixtures"
    torch.set_num_threads(1)
    make_model(out, "tiny-roberta", roberta_config("roberta", 100, 32, 2, 4, 64, 66, 5), 5, seed=1, legacy=False, extra={})
    # An older checkpoint's extras: the position-id buffer (I64) and the pooler, which a token classifier does not read.
    xlm = roberta_config("xlm-roberta", 120, 24, 3, 3, 48, 34, 4)
    make_model(out, "tiny-xlm-roberta", xlm, 4, seed=2, legacy=True, extra={
        "roberta.embeddings.position_ids": torch.arange(34).unsqueeze(0),
        "roberta.pooler.dense.weight": torch.zeros(24, 24), "roberta.pooler.dense.bias": torch.zeros(24)})
    make_reader_fixtures(out)
    # Hugging Face's tiny DistilBERT (Fixtures/tiny-distilbert) as pytorch_model.bin: the same model from either file.
    torch.save(read_safetensors(os.path.join(out, "tiny-distilbert", "model.safetensors")), os.path.join(out, "pytorch", "tiny-distilbert.bin"))


if __name__ == "__main__":
    main()
