"""The digits example's recipe in PyTorch, for comparison (not a test fixture).

64-128-10 MLP with ReLU, PyTorch's default initialisation, Adam (lr 5e-3) with cosine annealing
over 30 epochs, mini-batches of 32 (drop_last), a stratified 80/20 split. The split and the
shuffles come from NumPy/PyTorch generators, so they differ from the Rust example's: compare the
accuracy over several seeds, not one run against another.

    python3 scripts/digits_torch.py
"""

import gzip
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

data = np.loadtxt(gzip.open(Path(__file__).parent.parent / "data" / "digits.csv.gz"), delimiter=",")
x_all = torch.tensor(data[:, :64] / 16.0, dtype=torch.float32)
y_all = torch.tensor(data[:, 64], dtype=torch.long)

torch.set_num_threads(2)
for seed in range(5):
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
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, 30)
    loss_fn = nn.CrossEntropyLoss()
    start = time.perf_counter()
    for epoch in range(30):
        order = torch.randperm(len(x_tr))
        for b in range(len(x_tr) // 32):
            i = order[b * 32 : (b + 1) * 32]
            opt.zero_grad()
            loss_fn(model(x_tr[i]), y_tr[i]).backward()
            opt.step()
        sched.step()
    elapsed = time.perf_counter() - start
    with torch.no_grad():
        acc = (model(x_te).argmax(1) == y_te).float().mean().item()
    print(f"seed {seed}: test accuracy {100 * acc:.2f}% ({len(y_te)} images), training {elapsed:.2f} s")
