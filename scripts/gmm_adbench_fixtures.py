"""Reference values and gradients of ADBench's GMM on its input files, for the loop tests.

PyTorch autograd in float64 on the objective of `bench_gmm_adbench.py` (GradBench's
definition), inputs read as float32 as the Rust side reads them. Writes
`tests/fixtures/gmm_adbench.json`; `tests/integration/loops/gmm_adbench.rs` reads it.

    python3 scripts/gmm_adbench_fixtures.py
"""

import json
import os

import torch

from bench_gmm_adbench import DATA, read_instance, torch_objective

FILES = ["1k_gmm_d2_K5.txt", "1k_gmm_d10_K5.txt", "10k_gmm_d10_K5.txt"]


def case(file):
    p = read_instance(os.path.join(DATA, file))
    k, d = p["means"].shape
    n = p["x"].shape[0]
    f = torch_objective(d, k, n, gamma=p["gamma"], m=p["m"])
    params = [
        torch.tensor(p[a], dtype=torch.float64, requires_grad=True)
        for a in ("alphas", "means", "icf")
    ]
    value = f(*params, torch.tensor(p["x"], dtype=torch.float64))
    grads = torch.autograd.grad(value, params)
    return {
        "value": value.item(),
        "grads": {
            name: g.tolist() for name, g in zip(("alphas", "means", "icf"), grads)
        },
    }


def main():
    out = {file.removesuffix(".txt"): case(file) for file in FILES}
    path = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "gmm_adbench.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
