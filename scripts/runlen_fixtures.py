"""Reference values and gradients for the tests of data of run-time length and of loops with a
run-time trip count (`tests/integration/runtime_length.rs`).

- `logistic`: logistic regression over a data set of 16 points with 4 features (PyTorch's
  `binary_cross_entropy_with_logits`, mean reduction): the loss and its gradients with respect
  to the weights, the bias and the inputs at the start, and the parameters after 5 steps of
  `torch.optim.Adam(lr=0.1)`.
- `oscillator`: a damped oscillator `x'' = -k x - c x'` integrated by explicit Euler for `n`
  steps, and the energy-like loss `x_n^2 + 0.5 v_n^2`, with its gradients with respect to `k`,
  `c`, `x0`, `v0` and `dt`.

Everything runs in float32. The output, `tests/fixtures/runlen.json`, is committed so the Rust
tests never need Python.

    python3 scripts/runlen_fixtures.py
"""

import json
import pathlib

import torch

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "runlen.json"
POINTS, FEATURES, STEPS, LR = 16, 4, 5, 0.1


def logistic(gen):
    xs = torch.randn(POINTS, FEATURES, generator=gen)
    true_w = torch.tensor([1.5, -2.0, 0.5, 1.0])
    ys = (xs @ true_w + 0.3 * torch.randn(POINTS, generator=gen) > 0).float()
    w0 = torch.randn(FEATURES, generator=gen) * 0.5
    b0 = torch.randn((), generator=gen) * 0.5

    def loss_of(w, b, x):
        z = x @ w + b
        return torch.nn.functional.binary_cross_entropy_with_logits(z, ys)

    w, b, x = w0.clone().requires_grad_(), b0.clone().requires_grad_(), xs.clone().requires_grad_()
    loss = loss_of(w, b, x)
    loss.backward()
    start = {"value": loss.item(), "w": w.grad.tolist(), "b": b.grad.item(), "xs": x.grad.tolist()}

    w, b = w0.clone().requires_grad_(), b0.clone().requires_grad_()
    opt = torch.optim.Adam([w, b], lr=LR)
    losses = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = loss_of(w, b, xs)
        losses.append(loss.item())
        loss.backward()
        opt.step()
    return {
        "xs": xs.tolist(),
        "ys": ys.tolist(),
        "w": w0.tolist(),
        "b": b0.item(),
        "start": start,
        "lr": LR,
        "steps": STEPS,
        "losses": losses,
        "trained": {"w": w.tolist(), "b": b.item()},
    }


def oscillator():
    names = ["k", "c", "x0", "v0", "dt"]
    values = [4.0, 0.3, 1.0, -0.5, 0.01]
    n = 300
    k, c, x0, v0, dt = (torch.tensor(v, requires_grad=True) for v in values)
    x, v = x0, v0
    for _ in range(n):
        a = -k * x - c * v
        x_next = x + dt * v
        v = v + dt * a
        x = x_next
    loss = x * x + 0.5 * v * v
    loss.backward()
    grads = {name: t.grad.item() for name, t in zip(names, (k, c, x0, v0, dt))}
    return {"args": dict(zip(names, values)), "n": n, "value": loss.item(), "grads": grads}


def main():
    gen = torch.Generator().manual_seed(14)
    out = {"logistic": logistic(gen), "oscillator": oscillator()}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
