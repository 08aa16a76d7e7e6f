"""The CNN layers' forward + backward pass in PyTorch on one thread, at the sizes of
examples/digits_cnn (batch 32): the same calls as `benches/layers_cnn.rs`, for
docs/benchmarks-layers.md. Each call is the layer's forward, then `backward` of the output
against a fixed gradient (input, weight and bias gradients); the median of 15 timings of
200 calls each, and the spread (min-max) of those timings.

    taskset -c 0 python3 scripts/layers_cnn_torch.py
"""

import statistics
import time

import torch
from torch import nn

torch.set_num_threads(1)
B = 32
cases = [
    ("conv2d 1->16 3x3 pad 1, 8x8", nn.Conv2d(1, 16, 3, padding=1), (B, 1, 8, 8)),
    ("conv2d 16->32 3x3 pad 1, 4x4", nn.Conv2d(16, 32, 3, padding=1), (B, 16, 4, 4)),
    ("conv1d 16->32 k3 pad 1, 64", nn.Conv1d(16, 32, 3, padding=1), (B, 16, 64)),
    ("maxpool2d 2, 16x8x8", nn.MaxPool2d(2), (B, 16, 8, 8)),
    ("avgpool2d 2, 16x8x8", nn.AvgPool2d(2), (B, 16, 8, 8)),
    ("adaptiveavgpool2d 1, 32x4x4", nn.AdaptiveAvgPool2d(1), (B, 32, 4, 4)),
    ("flatten 32x2x2", nn.Flatten(), (B, 32, 2, 2)),
]
for name, layer, shape in cases:
    x = torch.rand(shape, requires_grad=True)
    d_y = torch.rand_like(layer(x))

    def step():
        layer(x).backward(d_y)

    for _ in range(50):
        step()
    runs = []
    for _ in range(15):
        start = time.perf_counter()
        for _ in range(200):
            step()
        runs.append((time.perf_counter() - start) / 200 * 1e6)
    print(f"{name:32} {statistics.median(runs):8.1f} us  ({min(runs):.1f}-{max(runs):.1f})")
