"""Reference values for MultiheadAttention, from PyTorch (float64, then rounded to float32 in the
JSON).

nn.MultiheadAttention(E, HEADS, batch_first=True) as self-attention, mha(x, x, x), without and
with the causal mask (attn_mask = nn.Transformer.generate_square_subsequent_mask(T),
is_causal=True); the loss is the sum of the output times a fixed random cotangent, and the
gradients are those of every tensor and of the input. A layer as PyTorch initialises it is saved
with safetensors for the loading test, with its output on a fixed input.

    python3 scripts/layers_attn_fixtures.py

writes backprop-runtime/tests/fixtures/layers_attn.json and layers_attn.safetensors.
"""

import json
from pathlib import Path

import torch
from safetensors.torch import save_file

OUT = Path(__file__).resolve().parent.parent / "backprop-runtime" / "tests" / "fixtures"
E, HEADS, B, T = 8, 2, 2, 5
NAMES = ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]

torch.manual_seed(2026)
torch.set_default_dtype(torch.float64)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).float().tolist()]


def f32(t):
    """The float32 value nearest to t, as float64, so the Rust test starts from the same numbers."""
    return t.float().double()


mha = torch.nn.MultiheadAttention(E, HEADS, batch_first=True)
# Weights away from the default small range, so that the attention weights are far from uniform.
with torch.no_grad():
    for p in mha.parameters():
        p.copy_(f32(torch.randn_like(p) * 0.5))
params = dict(mha.named_parameters())
assert sorted(params) == sorted(NAMES), sorted(params)

fixtures = {
    "sizes": {"embed": E, "heads": HEADS, "batch": B, "steps": T},
    "params": {n: flat(params[n]) for n in NAMES},
}
for causal in (False, True):
    mha.zero_grad()
    x = f32(torch.randn(B, T, E)).requires_grad_()
    mask = torch.nn.Transformer.generate_square_subsequent_mask(T) if causal else None
    y, _ = mha(x, x, x, need_weights=False, attn_mask=mask, is_causal=causal)
    g = f32(torch.randn(B, T, E))
    (y * g).sum().backward()
    fixtures["causal" if causal else "full"] = {
        "x": flat(x),
        "d_out": flat(g),
        "out": flat(y),
        "d_x": flat(x.grad),
        "grads": {n: flat(params[n].grad) for n in NAMES},
    }

# A layer as PyTorch initialises and saves it, and its output on a fixed input.
torch.manual_seed(7)
fresh = torch.nn.MultiheadAttention(E, HEADS, batch_first=True).float()
save_file(fresh.state_dict(), OUT / "layers_attn.safetensors")
xf = torch.linspace(-1, 1, B * T * E).reshape(B, T, E).float()
with torch.no_grad():
    yf, _ = fresh(xf, xf, xf, need_weights=False)
fixtures["state_dict"] = {"x": flat(xf), "out": flat(yf)}

(OUT / "layers_attn.json").write_text(json.dumps(fixtures, indent=1) + "\n")
print("wrote", OUT / "layers_attn.json")
