"""PyTorch's timing of what benches/layers_seq.rs measures, for docs/benchmarks-layers.md.

nn.RNN, nn.GRU and nn.LSTM (59 -> 128, batch_first=True) on a batch of 32 one-hot sequences of
32 steps from a zero state: the forward pass alone (under no_grad), and the forward pass with
the backward pass into the weights (the input needs no gradient). One thread; the median and
the spread of 30 samples, each the mean of enough calls to last about 50 ms.

    taskset -c 0 python3 scripts/layers_seq_torch.py
"""

import torch
from torch import nn
from torch_timing import timed

B, T, IN, H = 32, 32, 59, 128
torch.set_num_threads(1)
torch.manual_seed(0)
x = nn.functional.one_hot(torch.randint(0, IN, (B, T)), IN).float()
d_out = torch.rand(B, T, H) * 2 - 1


print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread")
for name, layer in [("rnn", nn.RNN(IN, H, batch_first=True)), ("gru", nn.GRU(IN, H, batch_first=True)), ("lstm", nn.LSTM(IN, H, batch_first=True))]:

    def forward():
        with torch.no_grad():
            layer(x)

    def forward_backward():
        layer.zero_grad()
        out, _ = layer(x)
        out.backward(d_out)

    print(f"{name}_seq_32x32x59-128 / forward: {timed(forward)}")
    print(f"{name}_seq_32x32x59-128 / forward+backward: {timed(forward_backward)}")
