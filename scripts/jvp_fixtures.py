"""Reference tangents, Jacobians and Hessians for the forward-mode tests
(`tests/integration/forward_mode.rs`, `tests/integration/k_tangents.rs`).

Each function is the PyTorch twin of a `#[differentiable]` Rust function in those files,
evaluated in float32 with `torch.func.jvp` (value and tangent along the given tangents),
`torch.func.jacfwd` (the Jacobian of a function of one array, for the K-tangent form) and
`torch.func.hessian` (scalar functions of one array; `oscillator`'s arguments are the Rust
function's five scalars). The output, `tests/fixtures/jvp.json`, is
committed so the Rust tests never need Python.

    python3 scripts/jvp_fixtures.py
"""

import json
import pathlib

import torch
from torch.func import hessian, jacfwd, jvp

torch.set_default_dtype(torch.float32)
OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "jvp.json"


def rosenbrock(p):
    a = 1.0 - p[0]
    b = p[1] - p[0] * p[0]
    return a * a + 100.0 * b * b


def recurrence(w, x):
    h = torch.zeros(())
    for i in range(6):
        h = torch.tanh(w * h + x[i])
        if h > 0.1:
            h = h * h
    return h * h


def oscillator(p, n=300):
    # `p` is (k, c, x0, v0, dt): explicit Euler for n steps (the Rust `oscillator`, whose loop
    # runs a run-time number of times under `max_iters`).
    k, c, x, v, dt = p[0], p[1], p[2], p[3], p[4]
    for _ in range(n):
        a = -k * x - c * v
        x, v = x + dt * v, v + dt * a
    return x * x + 0.5 * v * v


def mlp(w1, b1, w2, b2, x):
    h = torch.tanh(w1 @ x + b1)
    return torch.log_softmax(w2 @ h + b2, dim=0)


def energy(x):
    s = torch.zeros(())
    for i in range(4):
        d = x[i] - x[(i + 1) % 4]
        s = s + torch.sqrt(d * d + 1.0) * torch.exp(-0.5 * x[i])
    return torch.maximum(s, x.sum())


def field(x):
    y2 = sum(x[i] * x[i] * (i + 1.0) for i in range(3))
    return torch.stack([x[0] * torch.sin(x[1]), torch.exp(x[1] * x[2]) - x[0], y2])


def tensors(values):
    return tuple(torch.tensor(v, dtype=torch.float32) for v in values)


def jvp_case(fn, primals, tangents):
    value, tangent = jvp(fn, tensors(primals), tensors(tangents))
    return {
        "primals": primals,
        "tangents": tangents,
        "value": value.reshape(-1).tolist(),
        "tangent": tangent.reshape(-1).tolist(),
    }


def hessian_case(fn, x):
    h = hessian(fn)(torch.tensor(x, dtype=torch.float32))
    return {"x": x, "value": float(fn(torch.tensor(x))), "hessian": h.tolist()}


def jacfwd_case(fn, x):
    x = torch.tensor(x, dtype=torch.float32)
    return {"x": x.tolist(), "value": fn(x).tolist(), "jacobian": jacfwd(fn)(x).tolist()}


def mlp_jacfwd_case(w1, b1, w2, b2, x):
    w1, b1, w2, b2 = tensors([w1, b1, w2, b2])
    case = jacfwd_case(lambda x: mlp(w1, b1, w2, b2, x), x)
    case.update(w1=w1.tolist(), b1=b1.tolist(), w2=w2.tolist(), b2=b2.tolist())
    return case


g = torch.Generator().manual_seed(13)


def rand(*shape):
    return (torch.rand(*shape, generator=g) * 2 - 1).tolist()


fixtures = {
    "jvp": {
        "recurrence": jvp_case(recurrence, [0.8, [0.3, -0.5, 0.9, 0.1, -0.2, 0.6]],
                               [0.5, [1.0, -0.3, 0.2, 0.7, -0.4, 0.25]]),
        "mlp": jvp_case(mlp, [rand(4, 3), rand(4), rand(2, 4), rand(2), rand(3)],
                        [rand(4, 3), rand(4), rand(2, 4), rand(2), rand(3)]),
        "energy": jvp_case(energy, [[0.4, -1.1, 0.7, 1.5]], [[0.3, 0.2, -0.5, 1.0]]),
    },
    "jacfwd": {
        "field": jacfwd_case(field, [0.3, -0.7, 0.5]),
    },
    "hessian": {
        "rosenbrock": hessian_case(rosenbrock, [-1.2, 1.0]),
        "energy": hessian_case(energy, [0.4, -1.1, 0.7, 1.5]),
        "oscillator": hessian_case(oscillator, [4.0, 0.3, 1.0, -0.5, 0.01]),
    },
}

# Drawn after the others, which keep their values.
fixtures["jacfwd"]["mlp"] = mlp_jacfwd_case(rand(4, 3), rand(4), rand(2, 4), rand(2), rand(3))

OUT.write_text(json.dumps(fixtures, indent=1) + "\n")
print(f"wrote {OUT}")
