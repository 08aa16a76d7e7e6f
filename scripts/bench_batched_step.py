"""Times one SGD step of a 784-128-10 ReLU network on a batch of 64 in JAX and in PyTorch, for
comparison with the `batched_784_128_10_b64/sgd_step` row of benches/split_mode.rs (the same
shapes, loss, optimizer and learning rate; inputs uniform in [-1, 1), labels (7 i + 3) mod 10).

A step is the forward pass, the mean cross-entropy, the gradient with respect to the parameters
only (the input batch is a constant) and plain SGD at lr 0.01:
  - JAX: jax.jit of value_and_grad plus the update, parameters donated and blocked on;
  - PyTorch: nn.Sequential(Linear, ReLU, Linear), F.cross_entropy, optimizer.zero_grad(),
    loss.backward(), optim.SGD.step().
Each is timed with time.perf_counter over ITERATIONS steps after WARMUP steps, REPEATS times;
the report gives the median and the fastest repeat, per step. One thread each: run it as

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \\
        XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1" \\
        taskset -c 0 python3 scripts/bench_batched_step.py

(`pip install torch numpy "jax[cpu]"`). The script sets XLA_FLAGS itself if it is unset.
"""

import os
import statistics
import time

os.environ.setdefault(
    "XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
)

import numpy as np  # noqa: E402

B, IN, HIDDEN, CLASSES = 64, 784, 128, 10
LR = 0.01
WARMUP = 200
ITERATIONS = 1000
REPEATS = 5
# Multiply-adds times two: both layers' forward and weight gradients, the second layer's input
# gradient (the first layer's input is data).
FLOPS = 2 * 2 * B * IN * HIDDEN + 3 * 2 * B * HIDDEN * CLASSES


def data():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1.0, 1.0, size=(B, IN)).astype(np.float32)
    y = np.array([(7 * i + 3) % CLASSES for i in range(B)], dtype=np.int64)
    bound1, bound2 = 1.0 / np.sqrt(IN), 1.0 / np.sqrt(HIDDEN)
    params = {
        "w1": rng.uniform(-bound1, bound1, size=(HIDDEN, IN)).astype(np.float32),
        "b1": rng.uniform(-bound1, bound1, size=(HIDDEN,)).astype(np.float32),
        "w2": rng.uniform(-bound2, bound2, size=(CLASSES, HIDDEN)).astype(np.float32),
        "b2": rng.uniform(-bound2, bound2, size=(CLASSES,)).astype(np.float32),
    }
    return x, y, params


def timed(step):
    for _ in range(WARMUP):
        step()
    per_step = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        for _ in range(ITERATIONS):
            step()
        per_step.append((time.perf_counter() - start) / ITERATIONS)
    return statistics.median(per_step), min(per_step)


def bench_jax(x_np, y_np, params_np):
    import jax
    import jax.numpy as jnp

    def loss(p, x, y):
        h = jax.nn.relu(x @ p["w1"].T + p["b1"])
        logits = h @ p["w2"].T + p["b2"]
        logp = jax.nn.log_softmax(logits)
        return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1))

    def step(p, x, y):
        value, grads = jax.value_and_grad(loss)(p, x, y)
        return value, jax.tree_util.tree_map(lambda w, g: w - LR * g, p, grads)

    step = jax.jit(step, donate_argnums=0)
    x, y = jnp.asarray(x_np), jnp.asarray(y_np.astype(np.int32))
    state = {"p": jax.tree_util.tree_map(jnp.asarray, params_np)}

    def one():
        value, state["p"] = step(state["p"], x, y)
        value.block_until_ready()

    return f"jax {jax.__version__}", timed(one)


def bench_torch(x_np, y_np, params_np):
    import torch
    from torch import nn

    torch.set_num_threads(1)
    model = nn.Sequential(nn.Linear(IN, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, CLASSES))
    with torch.no_grad():
        model[0].weight.copy_(torch.from_numpy(params_np["w1"]))
        model[0].bias.copy_(torch.from_numpy(params_np["b1"]))
        model[2].weight.copy_(torch.from_numpy(params_np["w2"]))
        model[2].bias.copy_(torch.from_numpy(params_np["b2"]))
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)

    def one():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    return f"torch {torch.__version__} (threads: {torch.get_num_threads()})", timed(one)


def main():
    x, y, params = data()
    print(f"XLA_FLAGS={os.environ['XLA_FLAGS']!r}, affinity {sorted(os.sched_getaffinity(0))}")
    print(f"{FLOPS} flops a step; median / fastest of {REPEATS} x {ITERATIONS} steps:")
    for bench in (bench_jax, bench_torch):
        name, (median, fastest) = bench(x, y, params)
        print(
            f"  {name:40} {median * 1e6:8.1f} / {fastest * 1e6:8.1f} us a step, "
            f"{FLOPS / fastest / 1e9:5.1f} GFLOP/s at the fastest"
        )


if __name__ == "__main__":
    main()
