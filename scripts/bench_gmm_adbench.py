"""ADBench's GMM objective and its gradient in JAX (jit) and PyTorch, on ADBench's input files.

The objective follows GradBench's definition (`evals/gmm`): the log-likelihood of the points
under the mixture plus the Wishart prior, f32, with the precision factor of component k built
from `icf[k]` (log-diagonal, then the strictly lower entries column by column). Each
framework gets one thread; run pinned to one core, beside the Rust benchmark:

    taskset -c 0 cargo bench --bench gmm_adbench
    taskset -c 0 python3 scripts/bench_gmm_adbench.py

Prints, per instance and framework, the fastest and the median of 40 batches of ~20 ms for
the objective and the gradient (with respect to alphas, means and icf), and their ratio.
Method and numbers: docs/benchmarks-gmm.md.
"""

import math
import os
import statistics
import sys
import time

os.environ.setdefault(
    "XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
)
os.environ.setdefault("OMP_NUM_THREADS", "1")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)
DATA = os.path.join(os.path.dirname(__file__), "..", "data", "adbench-gmm")
INSTANCES = [
    ("d = 2, n = 1,000", "1k_gmm_d2_K5.txt"),
    ("d = 10, n = 1,000", "1k_gmm_d10_K5.txt"),
    ("d = 2, n = 10,000", "10k_gmm_d2_K5.txt"),
    ("d = 10, n = 10,000", "10k_gmm_d10_K5.txt"),
]


def read_instance(path):
    """ADBench's `read_gmm_instance`: `d k n`, alphas, means, icf, points, `gamma m`."""
    tokens = open(path).read().split()
    d, k, n = (int(t) for t in tokens[:3])
    values = np.array(tokens[3:], dtype=np.float64)
    l = d * (d + 1) // 2
    sizes = [k, k * d, k * l, n * d]
    parts = np.split(values, np.cumsum(sizes))
    alphas, means, icf, x = (
        p.astype(np.float32) for p in parts[:4]
    )
    gamma, m = parts[4]
    return dict(
        alphas=alphas,
        means=means.reshape(k, d),
        icf=icf.reshape(k, l),
        x=x.reshape(n, d),
        gamma=float(gamma),
        m=int(m),
    )


def multigammaln(a, p):
    return p * (p - 1) / 4 * math.log(math.pi) + sum(
        math.lgamma(a + (1 - j) / 2) for j in range(1, p + 1)
    )


def constants(d, k, n, gamma, m):
    """The terms that depend on no parameter: `-n d/2 ln(2 pi)` and the Wishart normaliser."""
    nw = d + m + 1
    c = nw * d * (math.log(gamma) - 0.5 * math.log(2)) - multigammaln(0.5 * nw, d)
    return -n * d * 0.5 * math.log(2 * math.pi) - k * c


def lower_indices(d):
    """Row and column of each strictly lower entry of `icf[k][d:]`, column by column."""
    rows, cols = [], []
    for j in range(d):
        for i in range(j + 1, d):
            rows.append(i)
            cols.append(j)
    return np.array(rows), np.array(cols)


def jax_objective(d, k, n, gamma, m):
    rows, cols = lower_indices(d)
    const = constants(d, k, n, gamma, m)

    def objective(alphas, means, icf, x):
        qdiags = jnp.exp(icf[:, :d])
        sum_qs = jnp.sum(icf[:, :d], axis=1)
        ls = jnp.zeros((k, d, d), icf.dtype).at[:, rows, cols].set(icf[:, d:])
        xc = x[:, None, :] - means[None, :, :]
        qx = qdiags[None] * xc + jnp.einsum("kij,nkj->nki", ls, xc)
        main = alphas[None] + sum_qs[None] - 0.5 * jnp.sum(qx * qx, axis=2)
        slse = jnp.sum(jax.nn.logsumexp(main, axis=1))
        frobenius = jnp.sum(qdiags * qdiags) + jnp.sum(icf[:, d:] ** 2)
        prior = 0.5 * gamma * gamma * frobenius - m * jnp.sum(sum_qs)
        return const + slse - n * jax.nn.logsumexp(alphas) + prior

    return objective


def torch_objective(d, k, n, gamma, m):
    rows, cols = (torch.tensor(a) for a in lower_indices(d))
    const = constants(d, k, n, gamma, m)

    def objective(alphas, means, icf, x):
        qdiags = torch.exp(icf[:, :d])
        sum_qs = torch.sum(icf[:, :d], dim=1)
        ls = torch.zeros((k, d, d), dtype=icf.dtype)
        ls[:, rows, cols] = icf[:, d:]
        xc = x[:, None, :] - means[None, :, :]
        qx = qdiags[None] * xc + torch.einsum("kij,nkj->nki", ls, xc)
        main = alphas[None] + sum_qs[None] - 0.5 * torch.sum(qx * qx, dim=2)
        slse = torch.sum(torch.logsumexp(main, dim=1))
        frobenius = torch.sum(qdiags * qdiags) + torch.sum(icf[:, d:] ** 2)
        prior = 0.5 * gamma * gamma * frobenius - m * torch.sum(sum_qs)
        return const + slse - n * torch.logsumexp(alphas, dim=0) + prior

    return objective


def interleaved(contenders, rounds=40):
    """Fastest and median batch of each contender, microseconds per call."""
    batches = []
    for f in contenders:
        f()
        start = time.perf_counter()
        f()
        batches.append(max(1, int(0.02 / (time.perf_counter() - start))))
    times = [[] for _ in contenders]
    for _ in range(rounds):
        for f, b, t in zip(contenders, batches, times):
            start = time.perf_counter()
            for _ in range(b):
                f()
            t.append((time.perf_counter() - start) * 1e6 / b)
    return [(min(t), statistics.median(t)) for t in times]


def main():
    print(f"JAX {jax.__version__}, PyTorch {torch.__version__}, f32, one thread")
    for label, file in INSTANCES:
        if len(sys.argv) > 1 and not any(a in file for a in sys.argv[1:]):
            continue
        p = read_instance(os.path.join(DATA, file))
        k, d = p["means"].shape
        n = p["x"].shape[0]
        args = dict(gamma=p["gamma"], m=p["m"])

        f = jax_objective(d, k, n, **args)
        jargs = [jnp.asarray(p[a]) for a in ("alphas", "means", "icf", "x")]
        jvalue = jax.jit(f)
        jgrad = jax.jit(jax.grad(f, argnums=(0, 1, 2)))
        value = float(jvalue(*jargs))

        g = torch_objective(d, k, n, **args)
        targs = [torch.tensor(p[a]) for a in ("alphas", "means", "icf", "x")]
        params = [t.clone().requires_grad_() for t in targs[:3]]

        def tvalue():
            with torch.no_grad():
                return g(*targs)

        def tgrad():
            return torch.autograd.grad(g(*params, targs[3]), params)

        assert abs(float(tvalue()) - value) <= 1e-4 * abs(value), (value, float(tvalue()))
        timed = interleaved(
            [
                lambda: jvalue(*jargs).block_until_ready(),
                lambda: jax.block_until_ready(jgrad(*jargs)),
                tvalue,
                tgrad,
            ]
        )
        print(f"{label} (objective {value:.6g}):")
        for name, (obj, grad) in [("JAX jit", timed[0:2]), ("PyTorch", timed[2:4])]:
            print(
                f"  {name:<8} objective {obj[0]:8.1f} us (median {obj[1]:8.1f})  "
                f"gradient {grad[0]:8.1f} us (median {grad[1]:8.1f})  "
                f"gradient/objective {grad[0] / obj[0]:.2f} (median {grad[1] / obj[1]:.2f})"
            )


if __name__ == "__main__":
    main()
