"""Reference numbers for the tutorial examples, from PyTorch (float32).

Runs the four tutorials of examples/ the way PyTorch's tutorials write them:

- simple_network: a 10-20-1 ReLU net, MSE, SGD (lr 0.01), one step on a batch of 5 samples;
- train_regression: a 10-5-1 ReLU net, MSE, SGD (lr 0.01), 1000 full-batch epochs over 100
  samples (targets are a noisy linear function of the inputs); also run in float64 from the
  same starting point, to show how far float32 rounding alone moves the trajectory, and in
  float32 with the gradient summed sample by sample (the example's summation order);
- manual_update: Model0 (3-3-2-3 ReLU) with mean cross-entropy: the gradients, a hand-written
  SGD step (lr 0.1), two hand-written momentum steps (gamma 0.9, v = gamma v + lr g,
  p = p - v), then 100 iterations of torch.optim.SGD (lr 0.01, momentum 0.9);
- two_layer_sigmoid: a 3-2-2 net with a sigmoid after both layers and given weights, MSE:
  every gradient.

Random data and initial weights come from torch.manual_seed(...) with PyTorch's default
nn.Linear initialisation; they are stored in the fixture, and the examples embed the same
numbers as constants (examples/data/*.rs, written by this script too; the tests check that the
constants equal the fixture).

    python3 scripts/tutorial_fixtures.py

writes tests/fixtures/tutorials.json and examples/data/{simple_network,train_regression,
manual_update}.rs.
"""

import json
import os

import numpy as np
import torch
from torch import nn

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def floats(t):
    """A tensor as nested lists of Python floats (exact: every float32 is a float64)."""
    return t.detach().to(torch.float64).tolist()


def params(model):
    return {name: floats(p) for name, p in model.named_parameters()}


def grads(model):
    return {name: floats(p.grad) for name, p in model.named_parameters()}


# --- simple_network ---------------------------------------------------------------------------


class SimpleNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 20)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(20, 1)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))


def simple_network():
    torch.manual_seed(0)
    model = SimpleNet()
    x = torch.randn(5, 10)
    y = torch.randn(5, 1)
    initial = params(model)
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

    output = model(x)
    loss = criterion(output, y)
    optimizer.zero_grad()
    loss.backward()
    g = grads(model)
    optimizer.step()
    with torch.no_grad():
        loss_after = criterion(model(x), y).item()
    return {
        "x": floats(x),
        "y": floats(y),
        "initial": initial,
        "lr": 0.01,
        "output": floats(output),
        "loss": loss.item(),
        "grads": g,
        "after": params(model),
        "loss_after": loss_after,
    }


# --- train_regression -------------------------------------------------------------------------


class RegressionNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 5)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(5, 1)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))


def train(model, x, y, epochs, lr):
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _epoch in range(epochs):
        outputs = model(x)
        loss = criterion(outputs, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def train_sample_by_sample(model, x, y, epochs, lr):
    """The same full-batch SGD, with the gradient summed one sample at a time, in order.

    This is the summation order of examples/train_regression.rs (PyTorch's batched run sums
    in blocks); it shows how much of the difference between the two is summation order alone.
    """
    losses = []
    for _epoch in range(epochs):
        model.zero_grad()
        total = 0.0
        for b in range(len(x)):
            loss = ((model(x[b]) - y[b]) ** 2).sum() / len(x)
            loss.backward()  # accumulates into .grad, sample after sample
            total += loss.item()
        with torch.no_grad():
            for p in model.parameters():
                p.add_(p.grad, alpha=-lr)
        losses.append(total)
    return losses


def train_regression():
    torch.manual_seed(1)
    x = torch.randn(100, 10)
    true_w = torch.randn(10, 1)
    y = x @ true_w + 0.1 * torch.randn(100, 1)
    model = RegressionNet()
    initial = params(model)

    model64 = RegressionNet().double()
    model64.load_state_dict({k: v.double() for k, v in model.state_dict().items()})
    losses64 = train(model64, x.double(), y.double(), 1000, 0.01)

    model_seq = RegressionNet()
    model_seq.load_state_dict(model.state_dict())
    losses_seq = train_sample_by_sample(model_seq, x, y, 1000, 0.01)

    losses = train(model, x, y, 1000, 0.01)
    return {
        "x": floats(x),
        "y": floats(y),
        "initial": initial,
        "lr": 0.01,
        "epochs": 1000,
        "losses": losses,
        "final": params(model),
        "losses_float64": losses64,
        "final_float64": params(model64),
        "losses_sample_by_sample": losses_seq,
        "final_sample_by_sample": params(model_seq),
    }


# --- manual_update ----------------------------------------------------------------------------


class Model0(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = nn.Linear(3, 3)
        self.layer2 = nn.Linear(3, 2)
        self.layer3 = nn.Linear(2, 3)
        self.relu = nn.ReLU()

    def forward(self, x):
        x = self.relu(self.layer1(x))
        x = self.relu(self.layer2(x))
        return self.layer3(x)


def manual_update():
    x = torch.tensor([[1, 2, 1.5], [3, 4, 2.3], [5, 6, 1.2]])
    y = torch.tensor([0, 2, 1])
    criterion = nn.CrossEntropyLoss()
    torch.manual_seed(42)
    model = Model0()
    initial = params(model)
    state = {k: v.clone() for k, v in model.state_dict().items()}

    loss = criterion(model(x), y)
    loss.backward()
    first_loss = loss.item()
    first_grads = grads(model)

    # A hand-written SGD step: p = p - lr * grad.
    with torch.no_grad():
        for p in model.parameters():
            p -= 0.1 * p.grad
    sgd = params(model)

    # Hand-written momentum from the initial weights: v = gamma v + lr g, p = p - v.
    model.load_state_dict(state)
    velocity = [torch.zeros_like(p) for p in model.parameters()]
    momentum_losses = []
    for _step in range(2):
        model.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        momentum_losses.append(loss.item())
        with torch.no_grad():
            for p, v in zip(model.parameters(), velocity):
                v.copy_(0.9 * v + 0.1 * p.grad)
                p -= v
    momentum = params(model)
    momentum_velocity = {
        name: floats(v) for (name, _), v in zip(model.named_parameters(), velocity)
    }

    # torch.optim.SGD with momentum, from the initial weights.
    model.load_state_dict(state)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    losses = []
    for _iteration in range(100):
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {
        "x": floats(x),
        "y": y.tolist(),
        "initial": initial,
        "loss": first_loss,
        "grads": first_grads,
        "sgd_lr": 0.1,
        "sgd": sgd,
        "momentum_gamma": 0.9,
        "momentum_lr": 0.1,
        "momentum_losses": momentum_losses,
        "momentum": momentum,
        "momentum_velocity": momentum_velocity,
        "train_lr": 0.01,
        "train_momentum": 0.9,
        "losses": losses,
        "final": params(model),
    }


# --- two_layer_sigmoid ------------------------------------------------------------------------


def two_layer_sigmoid():
    x = torch.tensor([0.2, 0.1, 0.3])
    y = torch.tensor([0.7, 0.3])
    w1 = torch.tensor([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]], requires_grad=True)
    b1 = torch.tensor([0.1, 0.2], requires_grad=True)
    w2 = torch.tensor([[0.2, 0.4], [0.3, 0.1]], requires_grad=True)
    b2 = torch.tensor([0.0, 0.0], requires_grad=True)
    h = torch.sigmoid(w1 @ x + b1)
    out = torch.sigmoid(w2 @ h + b2)
    loss = nn.functional.mse_loss(out, y)
    loss.backward()
    return {
        "x": floats(x),
        "y": floats(y),
        "w1": floats(w1),
        "b1": floats(b1),
        "w2": floats(w2),
        "b2": floats(b2),
        "hidden": floats(h),
        "output": floats(out),
        "loss": loss.item(),
        "grads": {
            "layer1.weight": floats(w1.grad),
            "layer1.bias": floats(b1.grad),
            "layer2.weight": floats(w2.grad),
            "layer2.bias": floats(b2.grad),
        },
    }


# --- the constants the examples embed ---------------------------------------------------------


def rust_float(v):
    # The shortest decimal that reads back as the same float32.
    s = np.format_float_positional(np.float32(v), unique=True, trim="0")
    return s if s[-1] != "." else s + "0"


def rust_array(v, indent):
    if not isinstance(v, list):
        return rust_float(v)
    if not isinstance(v[0], list):
        return "[" + ", ".join(rust_float(e) for e in v) + "]"
    pad = " " * (indent + 4)
    rows = ",\n".join(pad + rust_array(e, indent + 4) for e in v)
    return "[\n" + rows + ",\n" + " " * indent + "]"


def rust_type(v):
    if not isinstance(v, list):
        return "f32"
    return f"[{rust_type(v[0])}; {len(v)}]"


def rust_consts(doc, consts):
    out = [
        "// Written by scripts/tutorial_fixtures.py; do not edit.",
        f"// {doc}",
        "",
    ]
    for name, comment, value in consts:
        out.append(f"/// {comment}")
        out.append(f"pub const {name}: {rust_type(value)} = {rust_array(value, 0)};")
        out.append("")
    return "\n".join(out)


def layer_consts(prefix, initial, layer):
    return [
        (f"{prefix}_WEIGHT", f"`{layer}.weight` at initialisation.", initial[f"{layer}.weight"]),
        (f"{prefix}_BIAS", f"`{layer}.bias` at initialisation.", initial[f"{layer}.bias"]),
    ]


def main():
    fixture = {
        "torch_version": torch.__version__,
        "simple_network": simple_network(),
        "train_regression": train_regression(),
        "manual_update": manual_update(),
        "two_layer_sigmoid": two_layer_sigmoid(),
    }
    with open(os.path.join(ROOT, "tests", "fixtures", "tutorials.json"), "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")

    data = os.path.join(ROOT, "examples", "data")
    os.makedirs(data, exist_ok=True)
    s = fixture["simple_network"]
    consts = [
        ("X", "The batch of inputs: `torch.randn(5, 10)` after `torch.manual_seed(0)`.", s["x"]),
        ("Y", "The targets: `torch.randn(5, 1)`.", s["y"]),
    ]
    consts += layer_consts("FC1", s["initial"], "fc1") + layer_consts("FC2", s["initial"], "fc2")
    with open(os.path.join(data, "simple_network.rs"), "w") as f:
        f.write(rust_consts("The data and initial weights of PyTorch's run.", consts))

    r = fixture["train_regression"]
    consts = [
        (
            "X",
            "100 samples: `torch.randn(100, 10)` after `torch.manual_seed(1)`.",
            r["x"],
        ),
        ("Y", "The targets: `x @ true_w + 0.1 * noise`, all from `torch.randn`.", r["y"]),
    ]
    consts += layer_consts("FC1", r["initial"], "fc1") + layer_consts("FC2", r["initial"], "fc2")
    with open(os.path.join(data, "train_regression.rs"), "w") as f:
        f.write(rust_consts("The data and initial weights of PyTorch's run.", consts))

    m = fixture["manual_update"]
    consts = []
    for layer in ["layer1", "layer2", "layer3"]:
        consts += layer_consts(layer.upper(), m["initial"], layer)
    with open(os.path.join(data, "manual_update.rs"), "w") as f:
        f.write(
            rust_consts("PyTorch's initial weights after `torch.manual_seed(42)`.", consts)
        )


if __name__ == "__main__":
    main()
