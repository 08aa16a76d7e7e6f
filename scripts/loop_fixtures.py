"""Reference values and gradients for the loop/array tests (`tests/integration/loops/mod.rs`, `tests/integration/loops/mlp.rs`,
`tests/integration/loops/gmm.rs`).

Every function here is the PyTorch twin of a `#[differentiable]` Rust function in
`tests/integration/loops/programs/` (`small.rs`, `mlp.rs`, `gmm.rs`), evaluated in float32 with autograd on the
same inputs. The output, `tests/fixtures/loops.json`, is committed so the Rust tests never need
Python.

    python3 scripts/loop_fixtures.py
"""

import json
import math
import pathlib

import torch

torch.set_default_dtype(torch.float32)
OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "loops.json"


def t(x):
    return torch.tensor(x, dtype=torch.float32, requires_grad=True)


def case(fn, **inputs):
    """Evaluates `fn` on `inputs` (float lists become leaf tensors) and records the gradients."""
    leaves = {k: t(v) for k, v in inputs.items() if isinstance(v, (list, float))}
    consts = {k: v for k, v in inputs.items() if k not in leaves}
    value = fn(**leaves, **consts)
    value.backward()
    return {
        "inputs": inputs,
        "value": value.item(),
        "grads": {k: leaf.grad.tolist() for k, leaf in leaves.items()},
    }


def rand(*shape, scale=1.0, gen):
    return (torch.randn(*shape, generator=gen) * scale).tolist()


# ---------------------------------------------------------------- small loop programs


def matvec_sq(w, x):
    return ((w @ x) ** 2).sum()


def matvec_tanh_sum(w, x):
    return torch.tanh(w @ x).sum()


def horner(c, x):
    acc = torch.zeros(())
    for i in range(c.shape[0]):
        acc = acc * x + c[i]
    return acc


def horner_rev(c, x):
    acc = torch.zeros(())
    for i in reversed(range(c.shape[0])):
        acc = acc * x + c[i]
    return acc


def tanh_rnn(w, x):
    h = torch.zeros(())
    for i in range(8):
        h = torch.tanh(w * h + x[i])
    return h * h


def branchy(x):
    # running maximum written with `if`, plus a Huber-like piecewise function per element
    m = x[0]
    s = torch.zeros(())
    for i in range(x.shape[0]):
        if i > 0 and x[i] > m:
            m = x[i]
        xi = x[i]
        if xi < -1.0:
            s = s - xi - 0.5
        elif xi < 1.0:
            s = s + 0.5 * xi * xi
        else:
            s = s + xi - 0.5
    return m * m + s


def branch_state(x, a0):
    # outer state updated by different formulas in each branch
    a = a0
    for i in range(x.shape[0]):
        if x[i] > 0.0:
            a = a * x[i] + 1.0
        else:
            a = (a * a + x[i]).sin()
    return a


def nested_matmul_sq(a, b):
    return ((a @ b) ** 2).sum()


def nested_state(a, h0):
    h = h0
    for i in range(3):
        for j in range(4):
            h = torch.sin(h * a[i][j]) + 1.0
    return h


def inclusive_chain(x):
    s = torch.zeros(())
    for i in range(1, 5):  # 1..=4
        s = s + x[i] * x[i - 1]
    return s


def two_pass(x, y):
    # local array written in one loop, read in two more (a softmax-weighted sum)
    e = torch.exp(x)
    s = e.sum()
    return (e / s * y).sum()


def cumprod_sum(x):
    p = [x[0]]
    for i in range(1, x.shape[0]):
        p.append(p[i - 1] * x[i])
    return sum(p)


def quad_method(a, b, x):
    # `Quad { a, b }.eval(&x)`
    return (a * x * x).sum() + b * x.sum()


def by_value(x):
    return (x * x * x).sum() + x[0] * x[3]


def sumsq5(x):
    return (x * x).sum() / x.shape[0]


def ring_rnn(w, x):
    h = [torch.zeros(()), torch.zeros(())]
    for i in range(6):
        h[i % 2] = torch.tanh(h[(i + 1) % 2] * w + x[i])
    return h[0] + 2.0 * h[1]


def masked_square(x):
    y = torch.where(x > 0.0, x * x, x)
    return (y * torch.arange(1, 6, dtype=torch.float32)).sum()


def rev_offset(x):
    s = torch.ones(())
    for i in reversed(range(1, 5)):
        s = s * x[i] + torch.sin(x[i - 1])
    return s


def pair_energy(x):
    e = torch.zeros(())
    n = x.shape[0]
    for i in range(n - 1):
        for j in range(i + 1, n):
            d = x[i] - x[j]
            e = e + 1.0 / (1.0 + d * d)
    return e


def runtime_points(w, x):
    """The first n = 4 of 6 points: the loop's bound is a run-time `n` on the Rust side."""
    return (torch.tanh(w[None, :] * x[:4]) ** 2).sum()


def small_cases(gen):
    w43 = rand(4, 3, gen=gen)
    x3 = rand(3, gen=gen)
    x6 = [0.9, -1.7, 0.3, 2.2, -0.4, 1.3]
    return {
        "matvec_sq": case(matvec_sq, w=w43, x=x3),
        "matvec_tanh_sum": case(matvec_tanh_sum, w=w43, x=x3),
        "horner": case(horner, c=[0.5, -1.0, 2.0, 0.25, -0.75, 1.5], x=0.8),
        "horner_rev": case(horner_rev, c=[0.5, -1.0, 2.0, 0.25, -0.75, 1.5], x=0.8),
        "tanh_rnn": case(tanh_rnn, w=0.9, x=[0.5, -0.3, 0.8, 0.1, -0.6, 0.4, 0.2, -0.1]),
        "branchy": case(branchy, x=x6),
        "branch_state": case(branch_state, x=[0.5, -0.3, 1.2, -0.8, 0.7, 0.4], a0=0.3),
        "nested_matmul_sq": case(nested_matmul_sq, a=rand(2, 3, gen=gen), b=rand(3, 4, gen=gen)),
        "nested_state": case(nested_state, a=rand(3, 4, scale=0.5, gen=gen), h0=0.4),
        "inclusive_chain": case(inclusive_chain, x=[0.3, -1.1, 0.7, 1.9, -0.5]),
        "two_pass": case(two_pass, x=[0.2, -0.4, 1.1, 0.5, -0.9], y=[1.0, 2.0, -1.0, 0.5, 3.0]),
        "cumprod_sum": case(cumprod_sum, x=[1.1, -0.7, 0.9, 1.3, 0.6]),
        "quad_method": case(quad_method, a=[0.5, -1.0, 2.0], b=0.7, x=[0.3, -0.6, 1.4]),
        "by_value": case(by_value, x=[0.4, -1.2, 0.8, 1.5]),
        "sumsq5": case(sumsq5, x=[0.1, 0.2, -0.3, 0.4, -0.5]),
        "ring_rnn": case(ring_rnn, w=0.7, x=[0.5, -0.3, 0.8, 0.1, -0.6, 0.4]),
        "masked_square": case(masked_square, x=[0.5, -0.3, 1.2, -0.8, 0.7]),
        "rev_offset": case(rev_offset, x=[0.3, -1.1, 0.7, 1.9, -0.5]),
        "pair_energy": case(pair_energy, x=[0.3, -1.1, 0.7, 1.9, -0.5, 0.2]),
        "runtime_points": case(
            runtime_points,
            w=[0.5, -1.2, 0.8],
            x=[[0.3, -0.7, 1.1], [-0.4, 0.9, 0.2], [1.3, 0.1, -0.8], [0.6, -1.5, 0.4], [2.0, 2.0, 2.0], [-2.0, 1.0, 0.5]],
        ),
    }


# ---------------------------------------------------------------- MLPs


def model0_case():
    """The tutorial's Model0: Linear(3,3)-ReLU-Linear(3,2)-ReLU-Linear(2,3), mean cross-entropy."""
    torch.manual_seed(0)
    layers = [torch.nn.Linear(3, 3), torch.nn.Linear(3, 2), torch.nn.Linear(2, 3)]
    x = torch.tensor([[1.0, 2.0, 1.5], [3.0, 4.0, 2.3], [5.0, 6.0, 1.2]])
    targets = torch.tensor([0, 2, 1])
    h = torch.relu(layers[0](x))
    h = torch.relu(layers[1](h))
    logits = layers[2](h)
    loss = torch.nn.functional.cross_entropy(logits, targets)
    loss.backward()
    names = ["l1", "l2", "l3"]
    params = {}
    grads = {}
    for name, layer in zip(names, layers):
        params[f"{name}.weight"] = layer.weight.tolist()
        params[f"{name}.bias"] = layer.bias.tolist()
        grads[f"{name}.weight"] = layer.weight.grad.tolist()
        grads[f"{name}.bias"] = layer.bias.grad.tolist()
    # the batch must not hit a ReLU kink, or the gradient would depend on the convention
    pre = [layers[0](x), layers[1](torch.relu(layers[0](x)))]
    assert all(bool((p.abs() > 1e-3).all()) for p in pre)
    return {
        "x": x.tolist(),
        "targets": targets.tolist(),
        "params": params,
        "value": loss.item(),
        "grads": grads,
    }


def sigmoid_mlp(w1, b1, w2, b2, x, y):
    h = torch.sigmoid(w1 @ x + b1)
    out = torch.sigmoid(w2 @ h + b2)
    return torch.nn.functional.mse_loss(out, y)


def sigmoid_mlp_case():
    return case(
        sigmoid_mlp,
        w1=[[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]],
        b1=[0.1, 0.2],
        w2=[[0.2, 0.4], [0.3, 0.1]],
        b2=[0.0, 0.0],
        x=[0.2, 0.1, 0.3],
        y=[0.7, 0.3],
    )


# ---------------------------------------------------------------- ADBench GMM


def gmm_objective(alphas, means, icf, x, gamma, m):
    """ADBench's GMM objective (log-likelihood term + Wishart prior term, as ADBench defines it),
    in float32. icf[k] = [log of the diagonal of L_k (d values), then its strictly-lower entries
    column by column (d(d-1)/2 values)]."""
    k, d = means.shape
    n = x.shape[0]
    qdiags = torch.exp(icf[:, :d])
    sum_qs = icf[:, :d].sum(1)
    ls = torch.zeros(k, d, d)
    rows, cols = [], []
    for c in range(d):
        for r in range(c + 1, d):
            rows.append(r)
            cols.append(c)
    ls = ls.index_put((torch.arange(k).repeat_interleave(len(rows)),
                       torch.tensor(rows * k, dtype=torch.long),
                       torch.tensor(cols * k, dtype=torch.long)),
                      icf[:, d:].reshape(-1))
    xc = x[:, None, :] - means[None, :, :]  # n, k, d
    qx = qdiags[None] * xc + torch.einsum("kij,nkj->nki", ls, xc)
    main = alphas[None] + sum_qs[None] - 0.5 * (qx ** 2).sum(2)
    slse = torch.logsumexp(main, 1).sum()
    const = -n * d * 0.5 * math.log(2 * math.pi)
    nw = d + m + 1
    prior = (0.5 * gamma * gamma * ((qdiags ** 2).sum(1) + (icf[:, d:] ** 2).sum(1))
             - m * sum_qs).sum()
    c = nw * d * (math.log(gamma) - 0.5 * math.log(2)) - multigammaln(0.5 * nw, d)
    return const + slse - n * torch.logsumexp(alphas, 0) + prior - k * c


def multigammaln(a, p):
    return torch.special.multigammaln(torch.tensor(a, dtype=torch.float64), p).item()


def gmm_case(d, k, n, gen):
    icf_len = d * (d + 1) // 2
    alphas = rand(k, gen=gen)
    means = rand(k, d, gen=gen)
    icf = rand(k, icf_len, scale=0.3, gen=gen)
    x = rand(n, d, gen=gen)
    gamma, m = 1.0, 2
    out = case(
        lambda alphas, means, icf: gmm_objective(alphas, means, icf, torch.tensor(x), gamma, m),
        alphas=alphas,
        means=means,
        icf=icf,
    )
    out["inputs"].update(x=x, gamma=gamma, m=float(m), multigammaln=multigammaln(0.5 * (d + m + 1), d))
    return out


def main():
    gen = torch.Generator().manual_seed(1234)
    fixtures = {
        "small": small_cases(gen),
        "model0": model0_case(),
        "sigmoid_mlp": sigmoid_mlp_case(),
        "gmm_d2": gmm_case(2, 5, 4, gen),
        "gmm_d10": gmm_case(10, 5, 4, gen),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(fixtures, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
