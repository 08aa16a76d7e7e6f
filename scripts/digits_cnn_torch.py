"""The digits_cnn example's model and recipe in PyTorch, timed on one thread, for
docs/benchmarks-layers.md (not a test fixture).

conv(1->16, 3x3, padding 1) -> ReLU -> max-pool 2 -> conv(16->32, 3x3, padding 1) -> ReLU ->
max-pool 2 -> flatten -> linear(128->10), PyTorch's default initialisation, Adam (lr 5e-3) with
cosine annealing over 30 epochs, mini-batches of 32 (drop_last), each training image moved by a
random -1..=1 pixels along each axis (zeros filling in), a stratified 80/20 split. As in
the example, only the epochs' gradient steps are timed (not the evaluations). The split and the
shuffles come from NumPy/PyTorch generators, so they differ from the Rust example's.

    taskset -c 0 python3 scripts/digits_cnn_torch.py [--seeds N] [--load target/digits-cnn.safetensors]

`--load` reads the Rust example's saved weights into this model (the names match) and prints
its accuracy on the whole data set, instead of training.
"""

import argparse
import gzip
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn


class DigitsCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc = nn.Linear(128, 10)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv1(x)))
        x = self.pool(torch.relu(self.conv2(x)))
        return self.fc(x.flatten(1))


def shifted(xb):
    """Each image of the batch moved by its own random -1..=1 rows and columns."""
    b = len(xb)
    padded = nn.functional.pad(xb, (1, 1, 1, 1))
    rows = torch.randint(0, 3, (b, 1)) + torch.arange(8)
    cols = torch.randint(0, 3, (b, 1)) + torch.arange(8)
    return padded[torch.arange(b)[:, None, None], 0, rows[:, :, None], cols[:, None, :]].unsqueeze(1)


parser = argparse.ArgumentParser()
parser.add_argument("--seeds", type=int, default=3)
parser.add_argument("--epochs", type=int, default=30)
parser.add_argument("--load")
args = parser.parse_args()

torch.set_num_threads(1)
data = np.loadtxt(gzip.open(Path(__file__).parent.parent / "data" / "digits.csv.gz"), delimiter=",")
x_all = torch.tensor(data[:, :64] / 16.0, dtype=torch.float32).reshape(-1, 1, 8, 8)
y_all = torch.tensor(data[:, 64], dtype=torch.long)

if args.load:
    from safetensors.torch import load_file

    model = DigitsCnn()
    model.load_state_dict(load_file(args.load))
    with torch.no_grad():
        acc = (model(x_all).argmax(1) == y_all).float().mean().item()
    print(f"{args.load}: accuracy {100 * acc:.2f}% on all {len(y_all)} images")
    raise SystemExit

for seed in range(args.seeds):
    rng = np.random.default_rng(seed)
    test_idx = []
    for digit in range(10):
        idx = np.flatnonzero(data[:, 64] == digit)
        rng.shuffle(idx)
        test_idx.extend(idx[: round(len(idx) * 0.2)])
    test_mask = np.zeros(len(data), bool)
    test_mask[test_idx] = True
    x_tr, y_tr = x_all[~test_mask], y_all[~test_mask]
    x_te, y_te = x_all[test_mask], y_all[test_mask]

    torch.manual_seed(seed)
    model = DigitsCnn()
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, args.epochs)
    loss_fn = nn.CrossEntropyLoss()
    training = 0.0
    for epoch in range(args.epochs):
        start = time.perf_counter()
        order = torch.randperm(len(x_tr))
        for b in range(len(x_tr) // 32):
            i = order[b * 32 : (b + 1) * 32]
            opt.zero_grad()
            loss_fn(model(shifted(x_tr[i])), y_tr[i]).backward()
            opt.step()
        sched.step()
        training += time.perf_counter() - start
    with torch.no_grad():
        acc = (model(x_te).argmax(1) == y_te).float().mean().item()
    print(f"seed {seed}: test accuracy {100 * acc:.2f}% ({len(y_te)} images), gradient steps {training:.2f} s")
