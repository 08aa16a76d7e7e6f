"""PyTorch reference values for the scalar gradient tests (tests/integration/scalar_rules.rs,
tests/integration/scalar_constructs.rs).

For every case and point: the value and the gradient, computed by torch autograd in float32,
written to tests/fixtures/scalar.json. Each function below is the PyTorch twin of the Rust
function of the same name. Points marked `kinks` sit where the derivative is not classical
(ties, bounds, branch switches, 0/0): there PyTorch's convention is the reference and the Rust
tests skip finite differences. Run from the repository root:

    python3 scripts/scalar_fixtures.py
"""

import json
import math
from pathlib import Path

import numpy as np
import torch

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "scalar.json"


def case(f, points, kinks=(), wrt=None):
    return {"f": f, "points": points, "kinks": kinks, "wrt": wrt}


def pairs(*ps):
    return list(ps)


def ones(*xs):
    return [(x,) for x in xs]


def cbrt(x):
    # torch has no cbrt; odd extension of x^(1/3), differentiated by autograd.
    return torch.sign(x) * torch.abs(x) ** (1.0 / 3.0)


PAIRS = pairs((1.5, -2.0), (-0.75, 0.5), (3.0, 4.0), (0.0, 2.0))
MAXMIN = pairs((1.0, 2.0), (2.0, 1.0), (-1.0, -3.0), (1.0, 1.001), (1.001, 1.0))
TIES = pairs((1.0, 1.0), (-2.0, -2.0), (0.0, 0.0))

RULES = {
    # operators
    "add": case(lambda a, b: a + b, PAIRS),
    "sub": case(lambda a, b: a - b, PAIRS),
    "mul": case(lambda a, b: a * b, PAIRS),
    "div": case(lambda a, b: a / b, PAIRS),
    "neg": case(lambda a: -a, ones(-2.0, 0.0, 3.5)),
    "square": case(lambda a: a * a, ones(-2.0, 0.0, 0.5, 3.0)),
    "self_ratio": case(lambda a: a / a, ones(-2.0, 0.5, 3.0)),
    # one-argument maths
    "exp": case(torch.exp, ones(-2.0, 0.0, 0.5, 3.0)),
    "exp2": case(torch.exp2, ones(-2.0, 0.0, 0.5, 3.0)),
    "ln": case(torch.log, ones(0.1, 1.0, 2.5, 10.0)),
    "log2": case(torch.log2, ones(0.1, 1.0, 2.5, 10.0)),
    "log10": case(torch.log10, ones(0.1, 1.0, 2.5, 10.0)),
    "sqrt": case(torch.sqrt, ones(0.25, 1.0, 2.0, 9.0), kinks=ones(0.0)),
    "cbrt": case(cbrt, ones(-8.0, -0.5, 0.3, 2.0)),
    "sin": case(torch.sin, ones(-2.0, 0.0, 0.7, 3.0)),
    "cos": case(torch.cos, ones(-2.0, 0.0, 0.7, 3.0)),
    "tan": case(torch.tan, ones(-1.0, 0.0, 0.5, 1.2)),
    "tanh": case(torch.tanh, ones(-3.0, -0.5, 0.0, 0.5, 3.0)),
    "sinh": case(torch.sinh, ones(-2.0, 0.0, 0.5, 2.0)),
    "cosh": case(torch.cosh, ones(-2.0, 0.0, 0.5, 2.0)),
    "asin": case(torch.asin, ones(-0.9, -0.3, 0.0, 0.5, 0.95)),
    "acos": case(torch.acos, ones(-0.9, -0.3, 0.0, 0.5, 0.95)),
    "atan": case(torch.atan, ones(-3.0, 0.0, 0.5, 10.0)),
    "abs": case(torch.abs, ones(-2.0, -0.001, 0.001, 3.0), kinks=ones(0.0)),
    "recip": case(torch.reciprocal, ones(-2.0, -0.25, 0.5, 3.0)),
    "exp_m1": case(torch.expm1, ones(-1.0, 0.0, 1e-4, 2.0)),
    "ln_1p": case(torch.log1p, ones(-0.5, 0.0, 1e-4, 3.0)),
    # piecewise constant: zero gradient (the jumps are kinks); no ties at .5 for round,
    # where Rust rounds half away from zero and torch half to even; signum(0) is 1 in Rust
    # and 0 in torch, so no 0 either.
    "floor": case(torch.floor, ones(-1.3, 0.2, 2.7), kinks=ones(2.0)),
    "ceil": case(torch.ceil, ones(-1.3, 0.2, 2.7), kinks=ones(2.0)),
    "round": case(torch.round, ones(-1.3, 0.2, 2.7), kinks=ones(2.0)),
    "signum": case(torch.sign, ones(-2.0, 0.5, 3.0)),
    # powi with literal exponents
    "powi_0": case(lambda x: x**0, ones(-1.5, 0.0, 0.5, 2.0)),
    "powi_1": case(lambda x: x**1, ones(-1.5, 0.0, 0.5, 2.0)),
    "powi_2": case(lambda x: x**2, ones(-1.5, 0.0, 0.5, 2.0)),
    "powi_3": case(lambda x: x**3, ones(-1.5, 0.0, 0.5, 2.0)),
    "powi_m2": case(lambda x: x**-2, ones(-1.5, 0.5, 2.0)),
    # several arguments, a gradient to each
    "powf": case(
        torch.pow,
        pairs((2.0, 3.0), (0.5, -1.5), (3.0, 0.5), (1.5, 0.0)),
        # 0^e with e >= 0 (torch masks the exponent's gradient there) and a negative base
        # with an integral exponent (the exponent's gradient is NaN: ln of a negative).
        kinks=pairs((0.0, 2.0), (0.0, 0.0), (-2.0, 3.0)),
    ),
    "atan2": case(
        torch.atan2,
        pairs((1.0, 1.0), (1.0, -1.0), (-1.0, -1.0), (-1.0, 1.0), (0.5, 2.0)),
        # on the branch cut: continuous derivative, but central differences straddle the cut
        kinks=pairs((0.0, -1.0)),
    ),
    "hypot": case(
        torch.hypot,
        pairs((3.0, 4.0), (-1.0, 2.0), (0.5, -0.5), (0.0, 2.0)),
        kinks=pairs((0.0, 0.0)),
    ),
    "max": case(torch.maximum, MAXMIN, kinks=TIES),
    "min": case(torch.minimum, MAXMIN, kinks=TIES),
    "fn_max": case(torch.maximum, pairs((1.0, 2.0), (2.0, 1.0)), kinks=pairs((0.5, 0.5))),
    "clamp": case(
        torch.clamp,
        [(0.5, 0.0, 1.0), (-1.0, 0.0, 1.0), (2.0, 0.0, 1.0), (0.001, 0.0, 1.0),
         (-0.001, 0.0, 1.0), (0.999, 0.0, 1.0), (1.001, 0.0, 1.0)],
        # lo == hi == x: torch gives everything to x
        kinks=[(0.5, 0.5, 0.5)],
    ),
    "mul_add": case(
        lambda x, a, b: x * a + b, [(2.0, 3.0, 1.0), (-1.5, 0.5, 4.0), (0.25, -2.0, -1.0)]
    ),
}

# Points where the macro and PyTorch disagree (checked by #[ignore]d tests in Rust, so the
# disagreement stays visible until it is settled).
DISAGREEMENTS = {
    # clamp at a bound: torch splits the gradient evenly between x and the bound it touches.
    "clamp_at_bounds": case(
        torch.clamp, [], kinks=[(0.0, 0.0, 1.0), (1.0, 0.0, 1.0), (-2.0, -2.0, 3.0)]
    ),
    # clamp with constant bounds at a bound: torch passes no gradient.
    "clamp_const_at_bounds": case(
        lambda x: torch.clamp(x, 0.0, 1.0), [], kinks=ones(0.0, 1.0)
    ),
    # atan2 at the origin: torch defines the gradient as 0 there.
    "atan2_origin": case(torch.atan2, [], kinks=pairs((0.0, 0.0))),
    # Rust's max/min ignore a NaN argument, like torch.fmax/fmin (not torch.maximum/minimum,
    # which propagate it); the other argument, whose value is returned, gets the gradient.
    "max_nan": case(torch.fmax, [], kinks=pairs((math.nan, 1.0), (1.0, math.nan))),
    "min_nan": case(torch.fmin, [], kinks=pairs((math.nan, 1.0), (1.0, math.nan))),
}


def lets(x, y):
    a = x * y
    b = a + x
    return b * b - a


def reassign(x, y):
    s = x
    s = s * y
    s = s + x * x
    return s


def compound(x, y):
    s = x
    s = s + y
    s = s - 0.5 * x
    s = s * y
    s = s / (x * x + 1.0)
    return s


def shadowing(x, y):
    x = x * 2.0
    x = torch.sin(x) + y
    return x * y


def annotated(x):
    a = x * 3.0
    b = torch.exp(a)
    return b / a


def blocks(x, y):
    a = x * y + 1.0
    u = y * y
    return a * x + u * a


def if_statement(x):
    s = x
    if x > 1.0:
        s = s * s
    if x < 0.0:
        s = -s
    else:
        s = s + 1.0
    return s


def relu_like(x):
    return torch.relu(x) * 3.0 + 0.5 * x


def piecewise(x):
    if x < -1.0:
        return -x
    elif x < 1.0:
        return x * x
    elif x < 4.0:
        return torch.sqrt(x)
    return torch.zeros_like(x) + 2.0


def conditions(x, y):
    if (x > 0.0 and y > 0.0) or not (x < y):
        return x * y
    return x - y


def constants(flip, n):
    def f(x):
        k = float(n)
        return -x * k if flip else x**n + k

    return f


def literals(x):
    return 1e-3 * x * x + 0.5 * x - 2.5 + 3.0 * x + 1_000.0 * x


def returns(x):
    y = x * x
    return y + x


def narrowed(w, x, b):
    return torch.tanh(w * x + b)


def repeated(n):
    def f(x):
        s = 1.0
        for _ in range(n):
            s = s * x + 1.0
        return s

    return f


def public(x):
    return torch.sin(x) * x


XS = ones(-1.5, -0.5, 0.5, 2.0)
XY = pairs((1.5, -2.0), (-0.75, 0.5), (0.5, 3.0), (2.0, 2.5))
CONSTRUCTS = {
    "lets": case(lets, XY),
    "reassign": case(reassign, XY),
    "compound": case(compound, XY),
    "shadowing": case(shadowing, XY),
    "annotated": case(annotated, ones(-1.0, 0.5, 2.0)),
    "blocks": case(blocks, XY),
    "if_statement": case(if_statement, ones(-1.5, -0.5, 0.5, 2.0), kinks=ones(0.0, 1.0)),
    "relu_like": case(relu_like, ones(-1.5, -1e-3, 1e-3, 2.0), kinks=ones(0.0)),
    "piecewise": case(
        piecewise, ones(-2.0, -0.5, 0.5, 2.0, 5.0), kinks=ones(-1.0, 1.0, 4.0)
    ),
    "conditions": case(
        conditions,
        pairs((1.0, 2.0), (-1.0, 2.0), (3.0, -1.0), (-2.0, -3.0), (-3.0, -2.0)),
        kinks=pairs((1.0, 1.0)),
    ),
    "constants_flip_3": case(constants(True, 3), XS),
    "constants_3": case(constants(False, 3), XS),
    "constants_0": case(constants(False, 0), XS + ones(0.0)),
    "constants_m2": case(constants(False, -2), XS),
    "literals": case(literals, XS),
    "returns": case(returns, XS),
    "narrowed": case(narrowed, [(0.5, 2.0, -0.3), (-1.0, 0.7, 0.2)], wrt=[0]),
    "narrowed_vjp": case(narrowed, [(0.5, 2.0, -0.3), (-1.0, 0.7, 0.2)]),
    "repeated_3": case(repeated(3), XS),
    "repeated_0": case(repeated(0), XS),
    "public": case(public, XS),
}


def number(v):
    """JSON has no NaN or infinities: those are written as strings."""
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def evaluate(c, point, smooth):
    xs = [torch.tensor(np.float32(v), requires_grad=True) for v in point]
    y = c["f"](*xs)
    y = y if torch.is_tensor(y) else torch.tensor(np.float32(y))
    if y.requires_grad:
        y.backward()
    wrt = c["wrt"] if c["wrt"] is not None else range(len(xs))
    grad = [xs[i].grad.item() if xs[i].grad is not None else 0.0 for i in wrt]
    return {
        # float(np.float32(v)) is exactly the f32 the Rust side parses
        "x": [number(float(np.float32(v))) for v in point],
        "value": number(y.item()),
        "grad": [number(g) for g in grad],
        "wrt": list(wrt),
        "smooth": smooth,
    }


def group(cases):
    return {
        name: [evaluate(c, p, True) for p in c["points"]]
        + [evaluate(c, p, False) for p in c["kinks"]]
        for name, c in cases.items()
    }


def dumps(fixtures):
    """JSON with one point a line, so that a regenerated file diffs point by point."""

    def joined(items, indent):
        return (",\n").join(indent + item for item in items)

    def group_text(cases):
        return joined(
            (
                f"{json.dumps(name)}: [\n{joined(map(json.dumps, points), '   ')}\n  ]"
                for name, points in cases.items()
            ),
            "  ",
        )

    items = [f'"torch": {json.dumps(fixtures["torch"])}'] + [
        f"{json.dumps(g)}: {{\n{group_text(cases)}\n }}"
        for g, cases in fixtures.items()
        if g != "torch"
    ]
    return "{\n" + joined(items, " ") + "\n}\n"


def main():
    fixtures = {
        "torch": torch.__version__,
        "rules": group(RULES),
        "constructs": group(CONSTRUCTS),
        "disagreements": group(DISAGREEMENTS),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(dumps(fixtures))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
