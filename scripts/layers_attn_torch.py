"""PyTorch's timing of what benches/layers_attn.rs measures, for docs/benchmarks-layers.md.

nn.MultiheadAttention(64, 4, batch_first=True) as self-attention on a batch of 32 sequences of
32 positions, without and with the causal mask (attn_mask and is_causal=True), need_weights=False:
the forward pass alone (under no_grad), and the forward pass with the backward pass into the
weights and the input. One thread; the median and the spread of 30 samples, each the mean of
enough calls to last about 50 ms.

    taskset -c 0 python3 scripts/layers_attn_torch.py
"""

import torch
from torch import nn
from torch_timing import timed

B, T, E, HEADS = 32, 32, 64, 4
torch.set_num_threads(1)
torch.manual_seed(0)
mha = nn.MultiheadAttention(E, HEADS, batch_first=True)
x = (torch.rand(B, T, E) * 2 - 1).requires_grad_()
d_out = torch.rand(B, T, E) * 2 - 1
mask = nn.Transformer.generate_square_subsequent_mask(T)


print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread")
for name, causal in [("mha", False), ("mha_causal", True)]:
    kwargs = dict(need_weights=False, attn_mask=mask if causal else None, is_causal=causal)

    def forward():
        with torch.no_grad():
            mha(x, x, x, **kwargs)

    def forward_backward():
        mha.zero_grad()
        x.grad = None
        out, _ = mha(x, x, x, **kwargs)
        out.backward(d_out)

    print(f"{name}_32x32x64-4 / forward: {timed(forward)}")
    print(f"{name}_32x32x64-4 / forward+backward: {timed(forward_backward)}")
