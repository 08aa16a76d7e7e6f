"""Reference values for the recurrent cells and attention, from PyTorch (float64, then rounded
to float32 in the JSON).

For each cell (RNNCell, GRUCell, LSTMCell): one batched step and the same weights unrolled over a
batch-first sequence by PyTorch's own sequence layer (nn.RNN/nn.GRU/nn.LSTM with
batch_first=True); the loss is the sum of the outputs times a fixed random cotangent, and the
gradients are those of every weight, the input and the initial state. Each cell's state_dict,
as PyTorch initialises it, is saved with safetensors for the loading test, with the output of
one step on it.

    python3 scripts/layers_seq_fixtures.py

writes backprop-runtime/tests/fixtures/layers_seq.json and layers_seq_*.safetensors.
"""

import json
from pathlib import Path

import torch
from safetensors.torch import save_file

OUT = Path(__file__).resolve().parent.parent / "backprop-runtime" / "tests" / "fixtures"
IN, H, B, T = 3, 4, 2, 5

torch.manual_seed(2026)
torch.set_default_dtype(torch.float64)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).float().tolist()]


CELLS = {
    "rnn": (torch.nn.RNNCell, torch.nn.RNN),
    "gru": (torch.nn.GRUCell, torch.nn.GRU),
    "lstm": (torch.nn.LSTMCell, torch.nn.LSTM),
}
NAMES = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]

fixtures = {"sizes": {"in": IN, "hidden": H, "batch": B, "steps": T}}
for kind, (Cell, Seq) in CELLS.items():
    cell = Cell(IN, H)
    # Weights away from PyTorch's small default range, so that the gates saturate unevenly.
    with torch.no_grad():
        for p in cell.parameters():
            p.copy_(torch.randn_like(p) * 0.6)
    # Round everything to float32 first, so that the Rust test starts from the same numbers.
    with torch.no_grad():
        for p in cell.parameters():
            p.copy_(p.float().double())
    x = torch.randn(B, IN).float().double().requires_grad_()
    h = torch.randn(B, H).float().double().requires_grad_()
    entry = {"params": {n: flat(getattr(cell, n)) for n in NAMES}}

    # One step.
    step = {"x": flat(x), "h": flat(h)}
    if kind == "lstm":
        c = torch.randn(B, H).float().double().requires_grad_()
        h1, c1 = cell(x, (h, c))
        gh, gc = torch.randn(B, H).float().double(), torch.randn(B, H).float().double()
        (h1 * gh).sum().add((c1 * gc).sum()).backward()
        step.update(c=flat(c), d_h_new=flat(gh), d_c_new=flat(gc), h_new=flat(h1), c_new=flat(c1))
        step["d_c"] = flat(c.grad)
    else:
        h1 = cell(x, h)
        gh = torch.randn(B, H).float().double()
        (h1 * gh).sum().backward()
        step.update(d_h_new=flat(gh), h_new=flat(h1))
    step["d_x"], step["d_h"] = flat(x.grad), flat(h.grad)
    step["grads"] = {n: flat(getattr(cell, n).grad) for n in NAMES}
    entry["step"] = step

    # The sequence: PyTorch's layer with the cell's weights.
    seq = Seq(IN, H, batch_first=True)
    with torch.no_grad():
        for n in NAMES:
            getattr(seq, n + "_l0").copy_(getattr(cell, n))
    xs = torch.randn(B, T, IN).float().double().requires_grad_()
    h0 = torch.randn(B, H).float().double().requires_grad_()
    s = {"x": flat(xs), "h0": flat(h0)}
    if kind == "lstm":
        c0 = torch.randn(B, H).float().double().requires_grad_()
        out, (hn, cn) = seq(xs, (h0[None], c0[None]))
        s["c0"] = flat(c0)
    else:
        out, hn = seq(xs, h0[None])
    g = torch.randn(B, T, H).float().double()
    (out * g).sum().backward()
    s.update(d_out=flat(g), out=flat(out), d_x=flat(xs.grad), d_h0=flat(h0.grad))
    if kind == "lstm":
        s["c_n"] = flat(cn)
        s["d_c0"] = flat(c0.grad)
    s["grads"] = {n: flat(getattr(seq, n + "_l0").grad) for n in NAMES}
    entry["seq"] = s
    fixtures[kind] = entry

    # A state_dict as PyTorch initialises and saves it, and one step on it.
    torch.manual_seed(7)
    fresh = Cell(IN, H).float()
    save_file(fresh.state_dict(), OUT / f"layers_seq_{kind}_cell.safetensors")
    xf = torch.linspace(-1, 1, B * IN).reshape(B, IN).float()
    hf = torch.linspace(0.5, -0.5, B * H).reshape(B, H).float()
    with torch.no_grad():
        y = fresh(xf, (hf, hf))[0] if kind == "lstm" else fresh(xf, hf)
    entry["state_dict"] = {"x": flat(xf), "h": flat(hf), "h_new": flat(y)}

(OUT / "layers_seq.json").write_text(json.dumps(fixtures, indent=1) + "\n")
print("wrote", OUT / "layers_seq.json")
