"""The two control plans of issue 26 for the training oracle, kept apart from train_oracle.py's protocol.

- drop-top-K: the top K transformer layers are removed before fine-tuning. The oracle builds the model with L - K
  layers (the config's layer field lowered) and loads the case's initial weights without the removed layers' tensors;
  nothing is frozen. Layers keep their indices, as `model.encoder.layer = model.encoder.layer[:L-K]` would leave them.
- random-init: the encoder is re-initialised before fine-tuning by Hugging Face's `_init_weights` rule for BERT and
  DistilBERT (Linear weight ~ N(0, initializer_range), bias 0; Embedding weight ~ N(0, initializer_range) with the
  padding_idx row 0; LayerNorm weight 1, bias 0); the head is left as it was. Random streams differ between
  libraries by construction, so the oracle trains from the weights our code drew (RANDOM_INIT_FILE, exported beside
  the plan's outputs) and checks those weights independently: (a) the rule's exact parts (zeros, ones, the padding
  row, the untouched head), (b) per-kind statistics against N(0, initializer_range), and (c) a redraw: Hugging Face's
  rule applied with `Module.apply` and one `torch.Generator` seeded with the case's seed, as our code documents its
  draws; the largest difference is recorded (the C# test judges it).
"""

import copy
import math
import os

import torch
from torch import nn

RANDOM_INIT = "random-init"
DROP_TOP = "drop-top-"
RANDOM_INIT_FILE = "init.safetensors"


def is_control(plan):
    return plan == RANDOM_INIT or plan.startswith(DROP_TOP)


def layer_field(config):
    return {"bert": "num_hidden_layers", "distilbert": "n_layers"}[config["model_type"]]


def prepare(case, plan, init, case_dir, make_model, read_safetensors):
    """(case to train, its initial weights, the plan to freeze, extra result fields); other plans pass through."""
    if plan.startswith(DROP_TOP):
        return drop_top(case, plan, init, make_model)
    if plan == RANDOM_INIT:
        ours = read_safetensors(os.path.join(case_dir, plan, RANDOM_INIT_FILE))
        return case, ours, "baseline", {"init_check": check_random_init(case, init, ours, make_model)}
    return case, init, plan, {}


def drop_top(case, plan, init, make_model):
    k = int(plan[len(DROP_TOP):])
    config = case["config"]
    layers = config[layer_field(config)]
    if not 1 <= k < layers:
        raise SystemExit(f"{plan}: K must be 1..{layers - 1} for a model of {layers} layers")
    smaller = copy.deepcopy(case)
    smaller["config"][layer_field(config)] = layers - k
    prefix = make_model(smaller["config"], case["num_labels"]).family.layer_prefix
    kept = {n: t for n, t in init.items()
            if not (n.startswith(prefix) and int(n[len(prefix):].split(".")[0]) >= layers - k)}
    return smaller, kept, "baseline", {"pretrained_layers": layers, "kept_layers": layers - k}


def hf_init_weights(std, generator):
    """Hugging Face's BertPreTrainedModel/DistilBertPreTrainedModel._init_weights, with an explicit generator."""
    def init(module):
        if isinstance(module, nn.Linear):
            module.weight.data.normal_(mean=0.0, std=std, generator=generator)
            if module.bias is not None:
                module.bias.data.zero_()
        elif isinstance(module, nn.Embedding):
            module.weight.data.normal_(mean=0.0, std=std, generator=generator)
            if module.padding_idx is not None:
                module.weight.data[module.padding_idx].zero_()
        elif isinstance(module, nn.LayerNorm):
            module.bias.data.zero_()
            module.weight.data.fill_(1.0)
    return init


def check_random_init(case, pretrained, ours, make_model):
    config = case["config"]
    std = config["initializer_range"]
    model = make_model(config, case["num_labels"])
    encoder_name = model.family.prefix
    encoder = getattr(model, encoder_name)
    if sorted(ours) != sorted(pretrained):
        raise SystemExit(f"{RANDOM_INIT_FILE}: other tensors than the case's init.safetensors")

    # (a) exact parts of the rule, and the head left alone
    kinds = {}
    for module_name, module in encoder.named_modules():
        full = f"{encoder_name}.{module_name}"
        if isinstance(module, nn.LayerNorm):
            exact = {"weight": 1.0, "bias": 0.0}
        elif isinstance(module, nn.Linear):
            exact = {"bias": 0.0}
            kinds.setdefault("linear.weight", []).append(ours[f"{full}.weight"])
        elif isinstance(module, nn.Embedding):
            exact = {}
            weight = ours[f"{full}.weight"]
            if module.padding_idx is not None:
                if not torch.equal(weight[module.padding_idx], torch.zeros_like(weight[module.padding_idx])):
                    raise SystemExit(f"{full}.weight: padding row {module.padding_idx} is not 0")
                weight = torch.cat([weight[:module.padding_idx], weight[module.padding_idx + 1:]])
            kinds.setdefault("embedding.weight", []).append(weight)
        else:
            continue
        for param, value in exact.items():
            if not torch.equal(ours[f"{full}.{param}"], torch.full_like(ours[f"{full}.{param}"], value)):
                raise SystemExit(f"{full}.{param}: not all {value}")
    for name in ours:
        if name.startswith("classifier.") and not torch.equal(ours[name], pretrained[name]):
            raise SystemExit(f"{name}: random-init must leave the head as the run drew it")

    # (b) statistics of the drawn weights per kind
    stats = {}
    for kind, tensors in kinds.items():
        values = torch.cat([t.reshape(-1) for t in tensors]).double()
        stats[kind] = {"count": values.numel(), "mean": values.mean().item(), "std": values.std().item()}
        # mean of n draws has sd std/sqrt(n); 5 of those is far outside chance for a correct draw
        if abs(stats[kind]["mean"]) > 5 * std / math.sqrt(values.numel()) or abs(stats[kind]["std"] / std - 1) > 0.1:
            raise SystemExit(f"{kind}: mean {stats[kind]['mean']}, std {stats[kind]['std']} is not N(0, {std})")

    # (c) the redraw: Hugging Face's rule in Module.apply order from a generator seeded with the case's seed
    model.load_state_dict(pretrained, strict=False)
    generator = torch.Generator().manual_seed(case["seed"])
    with torch.no_grad():
        encoder.apply(hf_init_weights(std, generator))
    redrawn = model.state_dict()
    worst = max(((n, (redrawn[n] - ours[n]).abs().max().item()) for n in ours), key=lambda x: x[1])
    return {"initializer_range": std, "statistics": stats, "redraw_max_abs_diff": worst[1], "redraw_worst": worst[0]}
