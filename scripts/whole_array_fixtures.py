"""Reference values and gradients for the whole-array assignment tests
(`tests/integration/whole_array/`).

The GRU is PyTorch's own `torch.nn.GRUCell` (gates r, z, n), with the biases the Rust
`Gru` does not have set to zero; the attention is two `torch.nn.Linear` projections. Both run
in float32 with autograd on the inputs recorded here. The output,
`tests/fixtures/whole_array.json`, is committed so the Rust tests never need Python.

    python3 scripts/whole_array_fixtures.py
"""

import json
import pathlib

import torch

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "whole_array.json"
D, H, T = 3, 2, 5


def gru(gen):
    cell = torch.nn.GRUCell(D, H)
    bz = torch.randn(H, generator=gen) * 0.5
    with torch.no_grad():
        cell.weight_ih.copy_(torch.randn(3 * H, D, generator=gen) * 0.6)
        cell.weight_hh.copy_(torch.randn(3 * H, H, generator=gen) * 0.6)
        cell.bias_ih.zero_()
        cell.bias_ih[H : 2 * H] = bz
        cell.bias_hh.zero_()
    xs = (torch.randn(T, D, generator=gen)).requires_grad_()
    h0 = (torch.randn(H, generator=gen) * 0.5).requires_grad_()
    h = h0.unsqueeze(0)
    for t in range(T):
        h = cell(xs[t].unsqueeze(0), h)
    h = h[0]
    value = h[0] * h[0] + 2.0 * h[1]
    value.backward()
    w, u, gw, gu = cell.weight_ih, cell.weight_hh, cell.weight_ih.grad, cell.weight_hh.grad
    # PyTorch stacks the gates (r, z, n); the Rust struct names them one by one.
    rows = {"r": slice(0, H), "z": slice(H, 2 * H), "n": slice(2 * H, 3 * H)}
    params, grads = {}, {}
    for g, rs in rows.items():
        params[f"w{g}"], grads[f"w{g}"] = w[rs].tolist(), gw[rs].tolist()
        params[f"u{g}"], grads[f"u{g}"] = u[rs].tolist(), gu[rs].tolist()
    params["bz"], grads["bz"] = bz.tolist(), cell.bias_ih.grad[H : 2 * H].tolist()
    grads["xs"], grads["h0"] = xs.grad.tolist(), h0.grad.tolist()
    return {
        "params": params,
        "xs": xs.tolist(),
        "h0": h0.tolist(),
        "value": value.item(),
        "grads": grads,
    }


def attention(gen):
    wq, wk = torch.nn.Linear(4, 2), torch.nn.Linear(4, 2)
    with torch.no_grad():
        for p in [*wq.parameters(), *wk.parameters()]:
            p.copy_(torch.randn(p.shape, generator=gen) * 0.7)
    x = torch.randn(3, 4, generator=gen).requires_grad_()
    q, k = wq(x), wk(x)
    a = torch.softmax(q @ k.T, dim=1)
    col = torch.arange(1.0, 4.0)
    row = torch.arange(3.0) - 1.0
    value = (a * col[None, :] * row[:, None]).sum()
    value.backward()
    names = {"wq": wq, "wk": wk}
    params = {f"{n}.{p}": getattr(l, p).tolist() for n, l in names.items() for p in ("weight", "bias")}
    grads = {f"{n}.{p}": getattr(l, p).grad.tolist() for n, l in names.items() for p in ("weight", "bias")}
    grads["x"] = x.grad.tolist()
    return {"params": params, "x": x.tolist(), "value": value.item(), "grads": grads}


def main():
    gen = torch.Generator().manual_seed(14)
    out = {"gru": gru(gen), "attention": attention(gen)}
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
