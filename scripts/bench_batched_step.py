"""Times the training steps of benches/medium_step.rs in JAX and in PyTorch: the same shapes,
loss, optimizers and statistics, for the side-by-side table of docs/benchmarks-medium.md.

Steps (inputs uniform in [-1, 1), labels (7 i + 3) mod 10, ReLU MLPs, mean cross-entropy,
gradient with respect to the parameters only):
  - 784-128-10, batch 64, SGD at lr 0.01;
  - 784-128-10, batch 64, Adam with PyTorch's defaults (lr 1e-3, betas (0.9, 0.999), eps 1e-8);
  - 784-1024-10, batch 128, Adam likewise.
  - JAX: jax.jit of value_and_grad plus the update (Adam written out, as torch.optim.Adam
    computes it), parameters and state donated, blocked on every step;
  - PyTorch: nn.Sequential(Linear, ReLU, Linear), F.cross_entropy, optimizer.zero_grad(),
    loss.backward(), optimizer.step() (torch.optim.SGD / torch.optim.Adam, foreach default).

Statistics as the Rust bench's: steps timed in batches of two (one for the large net) with
time.perf_counter after a warm-up, many batches, and the fastest and the median batch reported
per step. The fastest holds up on a loaded machine; the median shows the spread.

One thread (XLA_FLAGS as below; the script sets them itself from --threads if unset):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \\
        XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1" \\
        taskset -c 0 python3 scripts/bench_batched_step.py --threads 1

Two threads:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \\
        XLA_FLAGS="--xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads=2" \\
        taskset -c 0,1 python3 scripts/bench_batched_step.py --threads 2

(`pip install torch numpy "jax[cpu]"`.)
"""

import argparse
import os
import statistics
import sys
import time


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1, choices=(1, 2))
    parser.add_argument(
        "--only", choices=("jax", "torch"), default=None, help="one framework only"
    )
    return parser.parse_args()


ARGS = parse_args()
os.environ.setdefault(
    "XLA_FLAGS",
    f"--xla_cpu_multi_thread_eigen={'true' if ARGS.threads > 1 else 'false'} "
    f"intra_op_parallelism_threads={ARGS.threads}",
)

import numpy as np  # noqa: E402

LR_SGD = 0.01
ADAM = {"lr": 1e-3, "b1": 0.9, "b2": 0.999, "eps": 1e-8}

# (name, inputs, hidden, classes, batch, optimizer, steps per timed batch, batches)
STEPS = [
    ("784-128-10 b64 sgd", 784, 128, 10, 64, "sgd", 2, 1500),
    ("784-128-10 b64 adam", 784, 128, 10, 64, "adam", 2, 1500),
    ("784-1024-10 b128 adam", 784, 1024, 10, 128, "adam", 1, 200),
]
WARMUP = 100


def flops(inputs, hidden, classes, batch):
    """Multiply-adds times two: both layers' forward and weight gradients, the second layer's
    input gradient (the first layer's input is data)."""
    return 2 * 2 * batch * inputs * hidden + 3 * 2 * batch * hidden * classes


def data(inputs, hidden, classes, batch):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1.0, 1.0, size=(batch, inputs)).astype(np.float32)
    y = np.array([(7 * i + 3) % classes for i in range(batch)], dtype=np.int64)
    bound1, bound2 = 1.0 / np.sqrt(inputs), 1.0 / np.sqrt(hidden)
    params = {
        "w1": rng.uniform(-bound1, bound1, size=(hidden, inputs)).astype(np.float32),
        "b1": rng.uniform(-bound1, bound1, size=(hidden,)).astype(np.float32),
        "w2": rng.uniform(-bound2, bound2, size=(classes, hidden)).astype(np.float32),
        "b2": rng.uniform(-bound2, bound2, size=(classes,)).astype(np.float32),
    }
    return x, y, params


def timed(step, per_batch, batches):
    """The fastest and the median batch, in seconds per step."""
    for _ in range(WARMUP):
        step()
    per_step = []
    for _ in range(batches):
        start = time.perf_counter()
        for _ in range(per_batch):
            step()
        per_step.append((time.perf_counter() - start) / per_batch)
    return min(per_step), statistics.median(per_step)


def jax_step(x_np, y_np, params_np, optimizer):
    import jax
    import jax.numpy as jnp

    def loss(p, x, y):
        h = jax.nn.relu(x @ p["w1"].T + p["b1"])
        logits = h @ p["w2"].T + p["b2"]
        logp = jax.nn.log_softmax(logits)
        return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1))

    def sgd(state, x, y):
        value, grads = jax.value_and_grad(loss)(state["p"], x, y)
        p = jax.tree_util.tree_map(lambda w, g: w - LR_SGD * g, state["p"], grads)
        return value, {"p": p}

    def adam(state, x, y):
        value, grads = jax.value_and_grad(loss)(state["p"], x, y)
        t = state["t"] + 1
        b1, b2, lr, eps = ADAM["b1"], ADAM["b2"], ADAM["lr"], ADAM["eps"]
        m = jax.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, state["m"], grads)
        v = jax.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g, state["v"], grads)
        step_size = lr / (1 - b1**t)
        root = jnp.sqrt(1 - b2**t)
        p = jax.tree_util.tree_map(
            lambda w, m, v: w - step_size * m / (jnp.sqrt(v) / root + eps), state["p"], m, v
        )
        return value, {"p": p, "m": m, "v": v, "t": t}

    x, y = jnp.asarray(x_np), jnp.asarray(y_np.astype(np.int32))
    p = jax.tree_util.tree_map(jnp.asarray, params_np)
    if optimizer == "sgd":
        update, state = sgd, {"p": p}
    else:
        zeros = jax.tree_util.tree_map(jnp.zeros_like, p)
        update = adam
        state = {"p": p, "m": zeros, "v": jax.tree_util.tree_map(jnp.zeros_like, p)}
        state["t"] = jnp.asarray(0.0, dtype=jnp.float32)
    update = jax.jit(update, donate_argnums=0)
    box = {"state": state}

    def one():
        value, box["state"] = update(box["state"], x, y)
        value.block_until_ready()

    return f"jax {jax.__version__}", one


def torch_step(x_np, y_np, params_np, optimizer):
    import torch
    from torch import nn

    torch.set_num_threads(ARGS.threads)
    inputs, hidden = params_np["w1"].shape[1], params_np["w1"].shape[0]
    classes = params_np["w2"].shape[0]
    model = nn.Sequential(nn.Linear(inputs, hidden), nn.ReLU(), nn.Linear(hidden, classes))
    with torch.no_grad():
        model[0].weight.copy_(torch.from_numpy(params_np["w1"]))
        model[0].bias.copy_(torch.from_numpy(params_np["b1"]))
        model[2].weight.copy_(torch.from_numpy(params_np["w2"]))
        model[2].bias.copy_(torch.from_numpy(params_np["b2"]))
    if optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=LR_SGD)
    else:
        opt = torch.optim.Adam(
            model.parameters(), lr=ADAM["lr"], betas=(ADAM["b1"], ADAM["b2"]), eps=ADAM["eps"]
        )
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)

    def one():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    return f"torch {torch.__version__.split('+')[0]} ({torch.get_num_threads()} threads)", one


def main():
    print(
        f"XLA_FLAGS={os.environ['XLA_FLAGS']!r}, affinity {sorted(os.sched_getaffinity(0))}, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print("fastest / median batch, us a step (GFLOP/s at the fastest):")
    frameworks = [("jax", jax_step), ("torch", torch_step)]
    for name, inputs, hidden, classes, batch, optimizer, per_batch, batches in STEPS:
        x, y, params = data(inputs, hidden, classes, batch)
        for framework, build in frameworks:
            if ARGS.only and framework != ARGS.only:
                continue
            label, one = build(x, y, params, optimizer)
            fastest, median = timed(one, per_batch, batches)
            gflops = flops(inputs, hidden, classes, batch) / fastest / 1e9
            print(
                f"  {name:24} {label:28} {fastest * 1e6:9.1f} / {median * 1e6:9.1f} us "
                f"({gflops:5.1f})"
            )
            sys.stdout.flush()
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
