"""Reference values for the f64 tests: a spring chain's energy, gradient and equilibrium.

PyTorch autograd in float64 on the energy of `tests/integration/float64.rs` (6 masses in the
plane joined by 5 springs, the two ends held), at a fixed start, and the chain's equilibrium
found by L-BFGS from there. Writes `tests/fixtures/f64.json`.

    python3 scripts/f64_fixtures.py
"""

import json
import os

import torch

STIFFNESS = 40.0
REST = 0.8
WEIGHT = 1.5
START = [[0.0, 0.0], [0.7, 0.3], [1.5, -0.2], [2.4, 0.4], [3.1, -0.1], [4.0, 0.0]]


def energy(p):
    d = p[1:] - p[:-1]
    stretch = torch.sqrt((d * d).sum(dim=1)) - REST
    return (0.5 * STIFFNESS * stretch * stretch).sum() + WEIGHT * p[:, 1].sum()


def main():
    torch.set_default_dtype(torch.float64)
    start = torch.tensor(START, requires_grad=True)
    value = energy(start)
    (grad,) = torch.autograd.grad(value, start)

    # The interior masses move; the ends are held.
    ends = torch.tensor(START)[[0, -1]]
    interior = torch.tensor(START)[1:-1].clone().requires_grad_(True)
    opt = torch.optim.LBFGS(
        [interior], lr=1.0, max_iter=1000, tolerance_grad=1e-14, tolerance_change=1e-16,
        line_search_fn="strong_wolfe",
    )

    def closure():
        opt.zero_grad()
        e = energy(torch.cat([ends[:1], interior, ends[1:]]))
        e.backward()
        return e

    for _ in range(5):
        opt.step(closure)
    # Newton's method to the last digits.
    x = interior.detach().reshape(-1)

    def interior_energy(x):
        return energy(torch.cat([ends[:1], x.reshape(-1, 2), ends[1:]]))

    for _ in range(5):
        g = torch.autograd.functional.jacobian(interior_energy, x)
        h = torch.autograd.functional.hessian(interior_energy, x)
        x = x - torch.linalg.solve(h, g)
    equilibrium = torch.cat([ends[:1], x.reshape(-1, 2), ends[1:]])
    p = equilibrium.clone().requires_grad_(True)
    (rest_grad,) = torch.autograd.grad(energy(p), p)
    assert rest_grad[1:-1].abs().max() < 1e-12, rest_grad

    out = {
        "chain": {
            "start": START,
            "energy": value.item(),
            "grad": grad.tolist(),
            "equilibrium": equilibrium.tolist(),
        }
    }
    path = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "f64.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
