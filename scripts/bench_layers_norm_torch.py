"""Times forward + backward of the `norm` layers in PyTorch on one thread, at the sizes of
benches/layers_norm.rs: 64 x 128 (LayerNorm, BatchNorm1d, Dropout, GELU, SiLU, LeakyReLU),
64 x 65 (Softmax, LogSoftmax along the last dimension), 32 x 16 x 8 x 8 (BatchNorm2d) and 64
lookups into a 65 x 32 Embedding. Training mode where it matters. A call is `y = layer(x)`
then `y.backward(d_out)` with the input requiring a gradient (not for the embedding's
indices); gradients accumulate across calls, as the Rust shadows do.

Each layer is timed with time.perf_counter over ITERATIONS calls after WARMUP calls, REPEATS
times; the report gives the median and the fastest repeat per call, in microseconds:

    taskset -c 0 python3 scripts/bench_layers_norm_torch.py
"""

import statistics
import time

import torch

torch.set_num_threads(1)
torch.manual_seed(0)
WARMUP, ITERATIONS, REPEATS = 200, 2000, 7


def time_call(step):
    for _ in range(WARMUP):
        step()
    per_call = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        for _ in range(ITERATIONS):
            step()
        per_call.append((time.perf_counter() - start) / ITERATIONS * 1e6)
    return statistics.median(per_call), min(per_call)


def layer_step(layer, *shape):
    x = (torch.rand(*shape) * 4 - 2).requires_grad_(True)
    d_out = torch.rand(*shape) * 4 - 2

    def step():
        layer(x).backward(d_out)

    return step


def embedding_step():
    table = torch.nn.Embedding(65, 32)
    ids = torch.tensor([(i * 7 + 3) % 65 for i in range(64)])
    d_out = torch.rand(64, 32)

    def step():
        table(ids).backward(d_out)

    return step


cases = [
    ("layer_norm_64x128", layer_step(torch.nn.LayerNorm(128), 64, 128)),
    ("batch_norm1d_64x128_train", layer_step(torch.nn.BatchNorm1d(128).train(), 64, 128)),
    ("batch_norm2d_32x16x8x8_train", layer_step(torch.nn.BatchNorm2d(16).train(), 32, 16, 8, 8)),
    ("dropout_64x128_train", layer_step(torch.nn.Dropout(0.5).train(), 64, 128)),
    ("gelu_64x128", layer_step(torch.nn.GELU(), 64, 128)),
    ("silu_64x128", layer_step(torch.nn.SiLU(), 64, 128)),
    ("leaky_relu_64x128", layer_step(torch.nn.LeakyReLU(), 64, 128)),
    ("softmax_64x65", layer_step(torch.nn.Softmax(dim=-1), 64, 65)),
    ("log_softmax_64x65", layer_step(torch.nn.LogSoftmax(dim=-1), 64, 65)),
    ("embedding_65x32_64_lookups", embedding_step()),
]
print(f"torch {torch.__version__}, {torch.get_num_threads()} thread")
for name, step in cases:
    median, fastest = time_call(step)
    print(f"{name:32s} median {median:8.2f} us  fastest {fastest:8.2f} us")
