"""examples/sequence's recipe in PyTorch, timed the same way, for docs/benchmarks-layers.md.

nn.GRU(59, 128, batch_first=True) over one-hot characters, nn.Linear(128, 59) on every step,
PyTorch's default initialisation, Adam (lr 3e-3) for 600 steps on batches of 32 windows of 32
characters drawn uniformly from the first 90% of data/genesis.txt, every window from a zero
state; the mean cross-entropy over the batch's 1,024 predictions. The windows come from
PyTorch's generator, so they differ from the Rust example's: compare the curves' shape and the
time per step, not one loss against another. The held-out evaluations are not timed.

    taskset -c 0 python3 scripts/sequence_torch.py            # one thread, as in the docs
    taskset -c 0 python3 scripts/sequence_torch.py --steps 100
"""

import argparse
import time
from pathlib import Path

import torch
from torch import nn

ALPHABET = b"\n '(),.:;?ABCDEFGHIJKLMNOPRSTUWYZabcdefghijklmnopqrstuvwxyz"
V, HIDDEN, BATCH, STEPS = len(ALPHABET), 128, 32, 32

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=600)
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()

torch.set_num_threads(1)
torch.manual_seed(args.seed)
raw = (Path(__file__).resolve().parent.parent / "data" / "genesis.txt").read_bytes()
text = torch.tensor([ALPHABET.index(b) for b in raw])
split = len(text) * 9 // 10
train_text, valid_text = text[:split], text[split:]


class CharGru(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(V, HIDDEN, batch_first=True)
        self.head = nn.Linear(HIDDEN, V)

    def forward(self, x):
        out, _ = self.gru(x)
        return self.head(out)


def batch(source, starts):
    idx = starts[:, None] + torch.arange(STEPS + 1)[None, :]
    window = source[idx]
    return nn.functional.one_hot(window[:, :-1], V).float(), window[:, 1:]


loss_fn = nn.CrossEntropyLoss()


def loss(model, x, y):
    return loss_fn(model(x).reshape(-1, V), y.reshape(-1))


def evaluate(model):
    windows = (len(valid_text) - 1) // STEPS
    batches = windows // BATCH
    total = 0.0
    with torch.no_grad():
        for k in range(batches):
            starts = (k * BATCH + torch.arange(BATCH)) * STEPS
            total += loss(model, *batch(valid_text, starts)).item()
    return total / batches


model = CharGru()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread")
print(" step  train loss  held-out loss")
print(f"    0  {'':>10}  {evaluate(model):>13.4f}")
recent, training = 0.0, 0.0
for step in range(1, args.steps + 1):
    start = time.perf_counter()
    starts = torch.randint(0, len(train_text) - STEPS - 1 + 1, (BATCH,))
    x, y = batch(train_text, starts)
    opt.zero_grad()
    l = loss(model, x, y)
    l.backward()
    opt.step()
    training += time.perf_counter() - start
    recent += l.item()
    if step % 50 == 0:
        print(f"{step:>5}  {recent / 50:>10.4f}  {evaluate(model):>13.4f}")
        recent = 0.0
print(f"trained in {training:.2f} s ({1e3 * training / args.steps:.2f} ms a step)")
