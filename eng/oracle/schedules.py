"""The training oracle for freeze schedules and layer-wise learning rates (issue 26, items 1 and 2), beside train_oracle.py.

Plans (the project's grammar, docs/usage.md "Schedules"):
- gradual-N{s|e}: gradual unfreezing as Lightning's BackboneFinetuning does it: the optimizer starts with the head only;
  before 0-based step s (epoch e) the top min(L+1, s // N) (e // N) units train, units counted from the top (layer L-1,
  ..., layer 0, embeddings); a unit that unfreezes joins with optimizer.add_param_group, so its AdamW state is created
  at its first update (zero moments, step 1 bias correction).
- freezeout-T: FreezeOut's linear schedule: layer i stops training once the fraction t_i = T + (1 - T) * i / (L - 1) of
  the S steps has passed, i.e. from step ceil(t_i * S) on (exact, with fractions); the embeddings freeze with layer 0.
  A frozen unit gets requires_grad False, so its grad stays None and torch's AdamW skips it entirely.
- llrd-X: nothing frozen, each unit's rate scaled: head 1, layer i X ** (L - i), embeddings X ** (L + 1) (BEiT's
  param_groups_lrd). A profile's layer_decay scales the same way for any plan.

The learning rate of every group is set by hand before each step (base rate * scale * linear factor): LambdaLR would
not schedule a group added after it was built. Written from the definitions above, not from our C# code.
"""

import math
from fractions import Fraction

import torch
import torch.nn.functional as F


def is_scheduled(plan):
    return plan.split("-")[0] in ("gradual", "freezeout", "llrd")


def top_down(num_layers):
    return [str(i) for i in reversed(range(num_layers))] + ["emb"]


def trainable_units(plan, step, epoch, total, num_layers):
    """The encoder units that train in 0-based step `step` (epoch `epoch`) of `total`."""
    units = top_down(num_layers)
    if plan.startswith("gradual-"):
        every, by = int(plan[len("gradual-"):-1]), plan[-1]
        return set(units[:min(num_layers + 1, (epoch if by == "e" else step) // every)])
    if plan.startswith("freezeout-"):
        start = Fraction(plan[len("freezeout-"):])
        def t(i):
            return start if num_layers == 1 else start + (1 - start) * Fraction(i, num_layers - 1)
        layers = {str(i) for i in range(num_layers) if step < math.ceil(t(i) * total)}
        return layers | ({"emb"} if "0" in layers else set())
    if plan.startswith("llrd-"):
        return set(units)
    raise SystemExit(f"unknown scheduled plan {plan!r}")


def train(case, plan, init, batches, base):
    """Trains `plan` on the case; `base` is train_oracle (model, units, decay rule, schedule)."""
    p = case["profile"]
    c = case["config"]
    num_layers = c["num_hidden_layers"] if c["model_type"] == "bert" else c["n_layers"]
    model = base.TokenClassifier(c, case["num_labels"])
    missing, unexpected = model.load_state_dict(init, strict=False)
    if missing or unexpected:
        raise SystemExit(f"init.safetensors does not match the model: missing {missing}, unexpected {unexpected}")
    decay = float(plan[len("llrd-"):]) if plan.startswith("llrd-") else p.get("layer_decay", 1.0)
    if plan.startswith("llrd-") and p.get("layer_decay", 1.0) != 1.0:
        raise SystemExit("llrd-X with a profile layer_decay: the project refuses the pair")

    def scale(unit):
        if unit is None:
            return 1.0
        return decay ** (num_layers + 1) if unit == "emb" else decay ** (num_layers - int(unit))

    named = list(model.named_parameters())
    skip = base.no_decay_names(model, p["weight_decay_exclude"])
    by_unit = {}
    for name, param in named:
        by_unit.setdefault(base.unit_of(name, model.family), []).append((name, param))

    def groups(unit):
        members = by_unit[unit]
        made = [
            {"params": [q for n, q in members if n not in skip], "weight_decay": p["weight_decay"]},
            {"params": [q for n, q in members if n in skip], "weight_decay": 0.0},
        ]
        for g in made:
            g["unit"] = unit
            g["base_lr"] = p["learning_rate"] * scale(unit)
            g["lr"] = g["base_lr"]
        return [g for g in made if g["params"]]

    total = len(batches)
    warmup = p["warmup_steps"] if p["warmup_steps"] > 0 else math.ceil(p["warmup_ratio"] * total)
    factor = base.linear_with_warmup(warmup, total)
    beta1, beta2 = p["betas"]
    optimizer = torch.optim.AdamW(groups(None), lr=p["learning_rate"], betas=(beta1, beta2), eps=p["eps"], foreach=False)
    joined, ever = set(), set()

    model.train()  # dropout is 0 in the oracle's cases
    log, schedule = [], []
    for step, batch in enumerate(batches):
        training = trainable_units(plan, step, batch["epoch"], total, num_layers)
        for unit in top_down(num_layers):
            for _, q in by_unit[unit]:
                q.requires_grad_(unit in training)
            if unit in training and unit not in joined:
                for g in groups(unit):
                    optimizer.add_param_group(g)
                joined.add(unit)
        ids = torch.tensor(batch["input_ids"], dtype=torch.long)
        mask = torch.tensor(batch["attention_mask"], dtype=torch.long)
        labels = torch.tensor(batch["labels"], dtype=torch.long)
        logits = model(ids, mask)
        loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), labels.view(-1), ignore_index=base.IGNORE_INDEX)
        loss.backward()
        grads = [q.grad for _, q in named if q.grad is not None]
        grad_norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
        if p.get("max_grad_norm") is not None:
            torch.nn.utils.clip_grad_norm_([q for _, q in named if q.requires_grad], p["max_grad_norm"])
        for g in optimizer.param_groups:
            g["lr"] = g["base_lr"] * factor(step)
        rates = {("head" if g["unit"] is None else g["unit"]): g["lr"] for g in optimizer.param_groups}
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        log.append({"step": step + 1, "loss": loss.item(), "learning_rate": rates["head"], "grad_norm": grad_norm.item(),
                    "learning_rates": rates})
        schedule.append(sorted(training))
        ever |= training

    final = {n: t.detach().clone() for n, t in model.state_dict().items()}
    result = {
        "plan": plan,
        "steps": log,
        "trainable_units": schedule,
        "trainable": [n for n, _ in named if base.unit_of(n, model.family) in ever | {None}],
        "decayed": [n for n, _ in named if n not in skip],
        "warmup_steps": warmup,
        "layer_decay": decay,
        "torch_version": torch.__version__,
    }
    return result, final
