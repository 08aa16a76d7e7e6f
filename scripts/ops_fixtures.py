"""Values and vector-Jacobian products of the primitives in `backprop_runtime::ops`, by PyTorch.

Every input is rounded to float32 (so Rust sees exactly the same numbers), then PyTorch computes
in float64: the fixtures are the exact answers the float32 code is measured against. Each case
draws a fixed random upstream cotangent `d_out` and records `out` and the gradient of
`sum(out * d_out)` with respect to every input (array inputs and scalar inputs alike).

Writes tests/fixtures/ops.json, which tests/integration/ops_vs_pytorch.rs replays.
Run: python3 scripts/ops_fixtures.py
"""
import json
import pathlib

import torch
import torch.nn.functional as F

gen = torch.Generator().manual_seed(20240611)
cases = []


def f32(values):
    """A float64 tensor holding float32-rounded values."""
    return torch.as_tensor(values, dtype=torch.float64).to(torch.float32).to(torch.float64)


def randn(*shape):
    return f32(torch.randn(tuple(shape), generator=gen, dtype=torch.float64))


def case(name, op, fn, tensors, scalars=None, consts=None):
    """Records `fn(**tensors, **scalars, **consts)` and the gradients of every tensor and scalar."""
    scalars = scalars or {}
    consts = consts or {}
    ts = {k: f32(v).requires_grad_() for k, v in tensors.items()}
    ss = {k: f32(v).requires_grad_() for k, v in scalars.items()}
    out = fn(**ts, **ss, **consts)
    d_out = randn(*out.shape)
    (out * d_out).sum().backward()
    grads = {k: t.grad.tolist() for k, t in {**ts, **ss}.items()}
    assert all(torch.isfinite(t.grad).all() for t in {**ts, **ss}.values()), name
    cases.append({
        "name": name,
        "op": op,
        "inputs": {k: t.tolist() for k, t in ts.items()},
        "scalars": {k: s.item() for k, s in ss.items()},
        "consts": consts,
        "d_out": d_out.tolist(),
        "out": out.tolist(),
        "grads": grads,
    })


# Linear algebra. Weights in nn.Linear's layout, [OUT, IN].
case("dot", "dot", lambda a, b: a @ b, {"a": randn(7), "b": randn(7)})
case("matvec", "matvec", lambda w, x: w @ x, {"w": randn(5, 7), "x": randn(7)})
case("linear", "linear", F.linear, {"input": randn(7), "weight": randn(5, 7), "bias": randn(5)})
case("matmul", "matmul", lambda a, b: a @ b, {"a": randn(4, 6), "b": randn(6, 3)})
case("matmul_tall", "matmul", lambda a, b: a @ b, {"a": randn(33, 17), "b": randn(17, 9)})
case("linear_batch", "linear_batch", F.linear,
     {"input": randn(8, 20), "weight": randn(6, 20), "bias": randn(6)})
case("linear_batch_wide", "linear_batch", F.linear,
     {"input": randn(32, 48), "weight": randn(16, 48), "bias": randn(16)})

# Reductions and element-wise arithmetic, on a vector and on a batch.
case("sum_vector", "sum", lambda x: x.sum(), {"x": randn(5)})
case("sum_batch", "sum", lambda x: x.sum(), {"x": randn(3, 4)})
case("mean_vector", "mean", lambda x: x.mean(), {"x": randn(5)})
case("mean_batch", "mean", lambda x: x.mean(), {"x": randn(3, 4)})
case("add", "add", lambda a, b: a + b, {"a": randn(3, 4), "b": randn(3, 4)})
case("sub", "sub", lambda a, b: a - b, {"a": randn(3, 4), "b": randn(3, 4)})
case("mul", "mul", lambda a, b: a * b, {"a": randn(3, 4), "b": randn(3, 4)})
case("scale", "scale", lambda x, s: s * x, {"x": randn(3, 4)}, scalars={"s": -1.75})

# Activations: the kinks (0), the far tails (+-100) and softplus's threshold (20.5), plus
# random values; and a batch.
special = [-100.0, -20.5, -3.0, -1.0, -0.5, 0.0, 0.25, 1.0, 2.5, 20.5, 100.0]
activation_input = torch.cat([f32(special), randn(5)])
batch_input = randn(4, 5) * 3
activations = {
    "relu": F.relu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "softplus": F.softplus,
    "gelu": F.gelu,  # the exact erf form (approximate="none") is PyTorch's default
}
for op, fn in activations.items():
    case(op, op, lambda x, fn=fn: fn(x), {"x": activation_input})
    case(f"{op}_batch", op, lambda x, fn=fn: fn(x), {"x": batch_input})


def leaky_relu(x, slope):
    out = torch.where(x > 0, x, slope * x)
    # The same function as PyTorch's own (whose slope is a constant, so it has no gradient).
    assert torch.equal(out.detach(), F.leaky_relu(x.detach(), slope.item()))
    return out


case("leaky_relu", "leaky_relu", leaky_relu, {"x": activation_input}, scalars={"slope": 0.1})
case("leaky_relu_batch", "leaky_relu", leaky_relu, {"x": batch_input}, scalars={"slope": 0.3})

# The softmax family, on random logits and on the stability cases.
rows = {
    "random": randn(6) * 2,
    "near_1000": [1000.0, 1001.0, 999.0],
    "far_apart": [1000.0, -1000.0, 0.0],
    "ties": [0.5, 0.5, 0.5],
}
for row, x in rows.items():
    case(f"log_sum_exp_{row}", "log_sum_exp", lambda x: torch.logsumexp(x, dim=-1), {"x": x})
    case(f"softmax_{row}", "softmax", lambda x: torch.softmax(x, dim=-1), {"x": x})
    case(f"log_softmax_{row}", "log_softmax", lambda x: torch.log_softmax(x, dim=-1), {"x": x})

# Cross-entropy of one sample is -log_softmax(x)[target]: replayed through log_softmax_vjp.
for target in [0, 1, 2]:
    case(f"cross_entropy_far_apart_{target}", "cross_entropy",
         lambda x, target: F.cross_entropy(x[None], torch.tensor([target])),
         {"x": rows["far_apart"]}, consts={"target": target})

path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "ops.json"
path.parent.mkdir(parents=True, exist_ok=True)
# One case a line: small, and a regenerated file diffs case by case.
lines = ",\n".join(json.dumps(c, separators=(",", ":")) for c in cases)
path.write_text(f'{{"torch":{json.dumps(torch.__version__)},"cases":[\n{lines}\n]}}\n')
print(f"wrote {len(cases)} cases to {path.relative_to(path.parents[2])}")
