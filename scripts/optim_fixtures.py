#!/usr/bin/env python3
"""Reference trajectories of torch.optim for backprop's optimizer tests.

Runs every optimizer of torch.optim that backprop implements, over each combination of its
options, on a small three-tensor model fed a fixed sequence of gradients; plus parameter
groups and learning-rate schedulers. Writes the parameters after every step (and the learning
rates after every scheduler step) to backprop-runtime/tests/fixtures/optim.json.

    pip install torch
    python3 scripts/optim_fixtures.py
"""

import itertools
import json
import pathlib

import numpy as np
import torch

STEPS = 12
SHAPES = {"layer1.weight": (2, 3), "layer1.bias": (2,), "layer2.weight": (1, 2)}
OUT = pathlib.Path(__file__).resolve().parent.parent / "backprop-runtime/tests/fixtures/optim.json"


def short(x):
    """The shortest decimal that reads back (through f64, as serde_json reads) as this f32."""
    x32 = np.float32(x)
    value = float(str(x32))
    assert np.float32(value) == x32
    return value


def flat(t):
    return [short(x) for x in t.detach().reshape(-1).tolist()]


def make_data():
    gen = torch.Generator().manual_seed(1234)
    params = {n: torch.randn(s, generator=gen) for n, s in SHAPES.items()}
    # Gradients of varying size (so AMSGrad's running maximum matters) and sign, one step
    # of all zeros (pure momentum / decay), all in float32.
    scales = [3.0, 1.0, 0.5, 2.0, 0.0, 0.1, 1.5, 0.25, 4.0, 0.75, 1.0, 0.05]
    grads = [
        {n: torch.randn(s, generator=gen) * scale for n, s in SHAPES.items()}
        for scale in scales[:STEPS]
    ]
    return params, grads


def select(names, selection, taken):
    if selection == "all":
        return list(names)
    if selection == "rest":
        return [n for n in names if n not in taken]
    return [n for n in names if n.startswith(selection["prefix"])]


# The buffers backprop keeps for every tensor, by optimizer; PyTorch keeps some only when an
# option needs them (they stay zero otherwise, so zeros stand in for them).
BUFFERS = {
    "SGD": ["momentum_buffer"],
    "Adam": ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"],
    "AdamW": ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"],
    "RMSprop": ["square_avg", "grad_avg", "momentum_buffer"],
    "Adagrad": ["sum"],
}


def export_state(optimizer, opt, params, steps):
    """opt.state_dict() in the layout of backprop's StateDict (tensors by index)."""
    index = {id(p): k for k, p in enumerate(params.values())}
    names = list(params)
    state = []
    for group in opt.param_groups:
        for p in group["params"]:
            s = opt.state[p]
            assert "step" not in s or int(s["step"]) == steps
            buffers = {
                b: flat(s[b]) if s.get(b) is not None else [0.0] * p.numel()
                for b in BUFFERS[optimizer]
            }
            state.append({"tensor": index[id(p)], "name": names[index[id(p)]], "buffers": buffers})
    state.sort(key=lambda s: s["tensor"])
    groups = [
        {
            "lr": g["lr"],
            "initial_lr": g.get("initial_lr"),
            "params": sorted(index[id(p)] for p in g["params"]),
        }
        for g in opt.param_groups
    ]
    return {"optimizer": optimizer, "step": steps, "param_groups": groups, "state": state}


def run(optimizer, groups, params0, grads, scheduler=None, save_at=None):
    params = {n: p.clone().requires_grad_(True) for n, p in params0.items()}
    names = list(params)
    explicit = set()
    for g in groups:
        if g["select"] != "rest":
            explicit.update(select(names, g["select"], set()))
    torch_groups = []
    for g in groups:
        chosen = select(names, g["select"], explicit)
        config = dict(g["config"])
        if "betas" in config:
            config["betas"] = tuple(config["betas"])
        torch_groups.append({"params": [params[n] for n in chosen], **config})
    if len(groups) == 1:
        # The usual call, optimizer(params, **config); it matters for Adagrad, which reads
        # initial_accumulator_value from its arguments only, never from a group.
        config = {k: v for k, v in torch_groups[0].items() if k != "params"}
        opt = getattr(torch.optim, optimizer)(torch_groups[0]["params"], **config, foreach=False)
    else:
        opt = getattr(torch.optim, optimizer)(torch_groups, foreach=False)
    # ReduceLROnPlateau steps on a metric: the case lists one per epoch.
    metrics = (scheduler or {}).get("metrics")
    sched = make_scheduler(opt, scheduler) if scheduler else None
    trajectory, lrs, saved = [], [], None
    for t, g in enumerate(grads):
        if t == save_at:
            saved = export_state(optimizer, opt, params, t)
        opt.zero_grad()
        for n, p in params.items():
            p.grad = g[n].clone()
        opt.step()
        trajectory.append({n: flat(p) for n, p in params.items()})
        if sched:
            sched.step(metrics[t]) if metrics else sched.step()
            lrs.append([group["lr"] for group in opt.param_groups])
    return trajectory, lrs, saved


def make_scheduler(opt, s):
    s = dict(s)
    kind = s.pop("kind")
    s.pop("metrics", None)
    if kind == "LambdaLR":
        # A Python expression in `epoch`; the Rust test writes the same function.
        expression = s.pop("lr_lambda")
        s["lr_lambda"] = lambda epoch: eval(expression, {"epoch": epoch})
    return getattr(torch.optim.lr_scheduler, kind)(opt, **s)


def combos(**options):
    keys = list(options)
    for values in itertools.product(*options.values()):
        yield dict(zip(keys, values))


def label(optimizer, config):
    parts = [f"{k}={v}" for k, v in config.items()]
    return f"{optimizer}({', '.join(parts)})"


def cases():
    out = []

    def single(optimizer, config):
        out.append(
            {
                "name": label(optimizer, config),
                "optimizer": optimizer,
                "groups": [{"select": "all", "config": config}],
            }
        )

    for c in combos(
        momentum=[0.0, 0.9],
        dampening=[0.0, 0.3],
        nesterov=[False, True],
        weight_decay=[0.0, 0.05],
        maximize=[False, True],
    ):
        if c["nesterov"] and (c["momentum"] == 0 or c["dampening"] != 0):
            continue
        single("SGD", {"lr": 0.1, **c})
    for name, decays in [("Adam", [0.0, 0.1]), ("AdamW", [0.0, 0.01, 0.1])]:
        for c in combos(
            betas=[[0.9, 0.999], [0.5, 0.8]],
            eps=[1e-8, 1e-3],
            weight_decay=decays,
            amsgrad=[False, True],
            maximize=[False, True],
        ):
            single(name, {"lr": 0.05, **c})
    for c in combos(
        alpha=[0.99, 0.6],
        eps=[1e-8, 0.1],
        weight_decay=[0.0, 0.1],
        momentum=[0.0, 0.5],
        centered=[False, True],
        maximize=[False, True],
    ):
        single("RMSprop", {"lr": 0.01, **c})
    for c in combos(
        lr_decay=[0.0, 0.2],
        weight_decay=[0.0, 0.1],
        initial_accumulator_value=[0.0, 0.5],
        eps=[1e-10, 0.1],
        maximize=[False, True],
    ):
        single("Adagrad", {"lr": 0.1, **c})

    # Parameter groups with their own settings, and tensors in no group.
    out.append(
        {
            "name": "SGD groups: layer1 momentum, rest nesterov",
            "optimizer": "SGD",
            "groups": [
                {"select": {"prefix": "layer1."}, "config": {"lr": 0.1, "momentum": 0.9}},
                {
                    "select": "rest",
                    "config": {"lr": 0.01, "momentum": 0.5, "nesterov": True},
                },
            ],
        }
    )
    out.append(
        {
            "name": "Adam groups: different betas and amsgrad",
            "optimizer": "Adam",
            "groups": [
                {"select": {"prefix": "layer2."}, "config": {"lr": 0.02, "amsgrad": True}},
                {"select": "rest", "config": {"lr": 0.05, "betas": [0.5, 0.9]}},
            ],
        }
    )
    out.append(
        {
            "name": "RMSprop on layer1 only",
            "optimizer": "RMSprop",
            "groups": [{"select": {"prefix": "layer1."}, "config": {"lr": 0.01, "centered": True}}],
        }
    )

    # Schedulers: stepped once after every optimizer step.
    sgd = [{"select": "all", "config": {"lr": 0.1, "momentum": 0.9}}]
    for sched in [
        {"kind": "StepLR", "step_size": 3, "gamma": 0.5},
        {"kind": "MultiStepLR", "milestones": [2, 5, 5, 9], "gamma": 0.3},
        {"kind": "ExponentialLR", "gamma": 0.8},
        {"kind": "CosineAnnealingLR", "T_max": 4, "eta_min": 0.001},
        {"kind": "CosineAnnealingLR", "T_max": 3},
        {"kind": "LinearLR", "start_factor": 0.25, "end_factor": 1.0, "total_iters": 6},
        {"kind": "LinearLR", "start_factor": 1.0, "end_factor": 0.1, "total_iters": 4},
        {"kind": "LambdaLR", "lr_lambda": "0.9 ** epoch / (1 + epoch % 3)"},
    ]:
        out.append({"name": f"SGD + {sched}", "optimizer": "SGD", "groups": sgd, "scheduler": sched})
    # A loss that improves, stalls (0.89995 is within the default relative threshold of 0.9),
    # worsens and improves again; and an accuracy for mode "max".
    loss = [1.0, 0.9, 0.9, 0.89995, 0.95, 0.85, 0.85, 0.85, 0.84999, 0.9, 0.7, 0.7]
    accuracy = [0.5, 0.6, 0.6, 0.6001, 0.55, 0.7, 0.7, 0.69, 0.71, 0.71, 0.71, 0.8]
    for plateau in [
        {"factor": 0.5, "patience": 1},
        {"factor": 0.3, "patience": 0, "cooldown": 2, "threshold": 0.01, "threshold_mode": "abs"},
        {"factor": 0.1, "patience": 0, "min_lr": 0.002},
        {"factor": 0.99999999, "patience": 0},
        {"mode": "max", "factor": 0.5, "patience": 1},
        {"mode": "max", "factor": 0.2, "patience": 0, "threshold": 0.05, "threshold_mode": "abs", "cooldown": 1},
    ]:
        metrics = accuracy if plateau.get("mode") == "max" else loss
        sched = {"kind": "ReduceLROnPlateau", **plateau, "metrics": metrics}
        out.append({"name": f"SGD + {plateau}", "optimizer": "SGD", "groups": sgd, "scheduler": sched})
    adam_groups = [
        {"select": {"prefix": "layer1."}, "config": {"lr": 0.05}},
        {"select": "rest", "config": {"lr": 0.01, "weight_decay": 0.1}},
    ]
    for sched in [
        {"kind": "ReduceLROnPlateau", "factor": 0.5, "patience": 1, "min_lr": 0.004, "metrics": loss},
        {"kind": "CosineAnnealingLR", "T_max": 5, "eta_min": 0.002},
    ]:
        name = f"Adam groups + {sched['kind']}"
        out.append({"name": name, "optimizer": "Adam", "groups": adam_groups, "scheduler": sched})
    # Resuming from PyTorch's own state after 6 steps (the parameters then are those of step 6).
    for optimizer, config in [
        ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05}),
        ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3}),
        ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1}),
        ("Adam", {"lr": 0.05}),
        ("AdamW", {"lr": 0.05, "betas": [0.5, 0.8]}),
        ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True}),
        ("Adagrad", {"lr": 0.1, "lr_decay": 0.2, "initial_accumulator_value": 0.5}),
    ]:
        out.append(
            {
                "name": "resumed from torch state: " + label(optimizer, config),
                "optimizer": optimizer,
                "groups": [{"select": "all", "config": config}],
                "resume_at": 6,
            }
        )
    return out


def main():
    torch.set_default_dtype(torch.float32)
    params0, grads = make_data()
    all_cases = cases()
    for case in all_cases:
        case["params"], lrs, saved = run(
            case["optimizer"],
            case["groups"],
            params0,
            grads,
            case.get("scheduler"),
            case.get("resume_at"),
        )
        if lrs:
            case["lrs"] = lrs
        if saved:
            case["state"] = saved
    data = {
        "torch": torch.__version__,
        "shapes": {n: list(s) for n, s in SHAPES.items()},
        "params0": {n: flat(p) for n, p in params0.items()},
        "grads": [{n: flat(g[n]) for n in SHAPES} for g in grads],
        "cases": all_cases,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    # One case a line: small, and diffs show which cases changed.
    lines = [f" {json.dumps(k)}: {json.dumps(v)}," for k, v in data.items() if k != "cases"]
    body = ",\n".join("  " + json.dumps(case) for case in all_cases)
    OUT.write_text("{\n" + "\n".join(lines) + '\n "cases": [\n' + body + "\n ]\n}\n")
    print(f"{len(all_cases)} cases, {STEPS} steps each -> {OUT.name}")


if __name__ == "__main__":
    main()
