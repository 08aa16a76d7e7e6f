"""Times one training step of each tutorial network in PyTorch, for comparison with
benches/tutorial_step.rs (the same networks, data, losses and optimizers).

A step is what the tutorials write: optimizer.zero_grad(), the forward pass, the loss,
loss.backward(), optimizer.step(). Each is timed with time.perf_counter over many iterations
after a warm-up, five times; the table gives the median and the fastest of the five, per step.
It runs once with torch.set_num_threads(1) and once with PyTorch's default thread count.

    python3 scripts/bench_pytorch_step.py
"""

import json
import os
import statistics
import time

import torch
from torch import nn

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
WARMUP = 500
REPEATS = 5
# Enough for ~0.1-0.5 s a repeat at the tens to hundreds of microseconds a step takes here.
ITERATIONS = 2000


def load(model, tensors):
    model.load_state_dict({k: torch.tensor(v) for k, v in tensors.items()})
    return model


def mlp(sizes, activation):
    layers = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append(nn.Linear(a, b))
        if activation is not None and (i + 2 < len(sizes) or activation is nn.Sigmoid):
            layers.append(activation())
    return nn.Sequential(*layers)


def cases(fixture):
    """(name, model, x, y, loss, optimizer) for each tutorial step."""
    s = fixture["simple_network"]
    r = fixture["train_regression"]
    m = fixture["manual_update"]
    t = fixture["two_layer_sigmoid"]

    def sequential_names(tensors, layer_names):
        # fc1.weight -> 0.weight, fc2.weight -> 2.weight (the activation sits between).
        out = {}
        for k, v in tensors.items():
            layer, kind = k.split(".")
            out[f"{layer_names[layer]}.{kind}"] = v
        return out

    simple = load(mlp([10, 20, 1], nn.ReLU), sequential_names(s["initial"], {"fc1": 0, "fc2": 2}))
    regression = load(
        mlp([10, 5, 1], nn.ReLU), sequential_names(r["initial"], {"fc1": 0, "fc2": 2})
    )
    model0 = load(
        mlp([3, 3, 2, 3], nn.ReLU),
        sequential_names(m["initial"], {"layer1": 0, "layer2": 2, "layer3": 4}),
    )
    sigmoid = mlp([3, 2, 2], nn.Sigmoid)
    load(
        sigmoid,
        {
            "0.weight": t["w1"],
            "0.bias": t["b1"],
            "2.weight": t["w2"],
            "2.bias": t["b2"],
        },
    )
    sgd = torch.optim.SGD
    return [
        (
            "simple_network (10-20-1, batch 5)",
            simple,
            torch.tensor(s["x"]),
            torch.tensor(s["y"]),
            nn.MSELoss(),
            sgd(simple.parameters(), lr=0.01),
        ),
        (
            "train_regression (10-5-1, batch 100)",
            regression,
            torch.tensor(r["x"]),
            torch.tensor(r["y"]),
            nn.MSELoss(),
            sgd(regression.parameters(), lr=0.01),
        ),
        (
            "manual_update (Model0 3-3-2-3, batch 3, momentum)",
            model0,
            torch.tensor(m["x"]),
            torch.tensor(m["y"]),
            nn.CrossEntropyLoss(),
            sgd(model0.parameters(), lr=0.01, momentum=0.9),
        ),
        (
            "two_layer_sigmoid (3-2-2, batch 1)",
            sigmoid,
            torch.tensor(t["x"]),
            torch.tensor(t["y"]),
            nn.MSELoss(),
            sgd(sigmoid.parameters(), lr=0.1),
        ),
    ]


def time_step(model, x, y, criterion, optimizer):
    def step():
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()

    for _ in range(WARMUP):
        step()
    per_step = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        for _ in range(ITERATIONS):
            step()
        per_step.append((time.perf_counter() - start) / ITERATIONS)
    return statistics.median(per_step), min(per_step)


def main():
    with open(os.path.join(ROOT, "tests", "fixtures", "tutorials.json")) as f:
        fixture = json.load(f)
    default_threads = torch.get_num_threads()
    print(f"torch {torch.__version__}, {os.cpu_count()} CPUs, default threads {default_threads}")
    # Other jobs on the machine distort the timings, the multi-threaded ones most.
    print("load average at start: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    print()
    print("| step | threads | median | fastest |")
    print("|---|---:|---:|---:|")
    for threads in [1, default_threads]:
        torch.set_num_threads(threads)
        # Fresh models and optimizers for each thread count, from the same initial weights.
        for name, model, x, y, criterion, optimizer in cases(fixture):
            median, fastest = time_step(model, x, y, criterion, optimizer)
            print(f"| {name} | {threads} | {median * 1e6:.1f} µs | {fastest * 1e6:.1f} µs |")


if __name__ == "__main__":
    main()
