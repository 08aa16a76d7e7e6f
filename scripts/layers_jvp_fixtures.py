"""Reference tangents for the layers' forward mode (`forward_jvp`), from `torch.func.jvp`, for
`backprop-runtime/tests/layers_jvp.rs`.

Each case is a layer called on a seeded random input, differentiated along seeded random
tangents of every parameter and of every float input at once. The numbers are rounded to
float32 first (the Rust test starts from the same ones), then the layer runs in float64: the
JSON holds, per case, the point (`layer.<name>` for the layer's tensors, then the inputs, by
the names the Rust test's structs give them), the direction (the same names), any constant
(indices, running statistics) and the value `y` and tangent `y_dot` of the output, flattened
row-major. Tests read the JSON; CI runs no Python.

    python3 scripts/layers_jvp_fixtures.py
"""

import json
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call, jvp

OUT = Path(__file__).resolve().parent.parent / "backprop-runtime" / "tests" / "fixtures"
torch.manual_seed(2026)
torch.set_default_dtype(torch.float64)


def f32(t):
    return t.float().double()


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).float().tolist()]


def randn(*shape):
    return f32(torch.randn(*shape))


def module_case(layer, inputs, call=None, scale=1.0):
    """`layer` called on `inputs` (name -> tensor, in the Rust struct's order) by `call(layer,
    params, *inputs)`, differentiated along random tangents of every parameter and input."""
    layer = layer.double()
    params = {name: f32(p.detach() * scale) for name, p in layer.named_parameters()}
    call = call or (lambda m, p, *xs: functional_call(m, p, xs))
    names = list(params)
    primals = [params[n] for n in names] + list(inputs.values())
    tangents = [randn(*p.shape) for p in primals]

    def fn(*args):
        return call(layer, dict(zip(names, args[: len(names)])), *args[len(names) :])

    y, y_dot = jvp(fn, tuple(primals), tuple(tangents))
    keys = ["layer." + n for n in names] + list(inputs)
    return {
        "point": {k: flat(v) for k, v in zip(keys, primals)},
        "dir": {k: flat(v) for k, v in zip(keys, tangents)},
        "y": flat(y),
        "y_dot": flat(y_dot),
    }


def conv2d(in_shape, out_channels, kernel, **kw):
    return module_case(nn.Conv2d(in_shape[1], out_channels, kernel, **kw), {"x": randn(*in_shape)})


def conv1d(in_shape, out_channels, kernel, **kw):
    return module_case(nn.Conv1d(in_shape[1], out_channels, kernel, **kw), {"x": randn(*in_shape)})


def plain(layer, in_shape):
    return module_case(layer, {"x": randn(*in_shape)})


def batch_norm(in_shape, train):
    channels = in_shape[1]
    running_mean, running_var = randn(channels), f32(torch.rand(channels) + 0.5)
    bn = nn.BatchNorm1d(channels)
    with torch.no_grad():
        bn.weight.copy_(torch.randn(channels))
        bn.bias.copy_(torch.randn(channels))

    def call(m, p, x):
        if train:
            return F.batch_norm(x, None, None, p["weight"], p["bias"], training=True, eps=1e-5)
        return F.batch_norm(x, running_mean, running_var, p["weight"], p["bias"], training=False, eps=1e-5)

    case = module_case(bn, {"x": randn(*in_shape) * 2.0 + 0.5}, call)
    case["running_mean"], case["running_var"] = flat(running_mean), flat(running_var)
    return case


def layer_norm(in_shape):
    ln = nn.LayerNorm(in_shape[-1])
    with torch.no_grad():
        ln.weight.copy_(torch.randn(in_shape[-1]))
        ln.bias.copy_(torch.randn(in_shape[-1]))
    return module_case(ln, {"x": randn(*in_shape)})


def embedding(num, dim, ids):
    def call(m, p):
        return F.embedding(torch.tensor(ids), p["weight"])

    case = module_case(nn.Embedding(num, dim), {}, call)
    case["ids"] = ids
    return case


def cell_step(cell_type, batch, inputs, hidden, lstm=False):
    cell = cell_type(inputs, hidden)
    x, h = randn(batch, inputs), randn(batch, hidden) * 0.5
    if lstm:
        state = randn(2, batch, hidden) * 0.5

        def call(m, p, x, state):
            return torch.stack(functional_call(m, p, (x, (state[0], state[1]))))

        return module_case(cell, {"x": x, "state": state}, call, scale=2.0)
    return module_case(cell, {"x": x, "state": h}, scale=2.0)


def cell_sequence(cell_type, batch, steps, inputs, hidden, lstm=False):
    cell = cell_type(inputs, hidden)
    x = randn(batch, steps, inputs)

    def call(m, p, x, state):
        outs = []
        for t in range(steps):
            if lstm:
                h, c = functional_call(m, p, (x[:, t], (state[0], state[1])))
                state = torch.stack([h, c])
            else:
                h = state = functional_call(m, p, (x[:, t], state))
            outs.append(h)
        return torch.stack(outs, dim=1)

    state = randn(2, batch, hidden) * 0.5 if lstm else randn(batch, hidden) * 0.5
    return module_case(cell, {"x": x, "state": state}, call, scale=2.0)


def attention(batch, steps, embed, heads, causal):
    mha = nn.MultiheadAttention(embed, heads, batch_first=True)
    mask = torch.triu(torch.full((steps, steps), float("-inf")), diagonal=1) if causal else None

    # need_weights=True takes PyTorch's explicit softmax path, which forward AD supports (the
    # fused kernel does not).
    def call(m, p, x):
        return functional_call(m, p, (x, x, x), {"attn_mask": mask, "need_weights": True})[0]

    with torch.no_grad():
        mha.in_proj_bias.copy_(torch.randn(3 * embed) * 0.3)
        mha.out_proj.bias.copy_(torch.randn(embed) * 0.3)
    return module_case(mha, {"x": randn(batch, steps, embed)}, call, scale=2.0)


cases = {
    "conv2d_pad1": conv2d((2, 2, 5, 5), 3, 3, padding=1),
    "conv2d_all": conv2d((1, 4, 7, 6), 6, (3, 2), stride=2, padding=1, dilation=2, groups=2),
    "conv1d_all": conv1d((2, 4, 11), 6, 3, stride=2, padding=2, dilation=2, groups=2),
    "maxpool2d_3_s2_p1_d2": plain(nn.MaxPool2d(3, stride=2, padding=1, dilation=2), (2, 2, 9, 8)),
    "avgpool2d_3_s2_p1": plain(nn.AvgPool2d(3, stride=2, padding=1), (2, 2, 7, 6)),
    "adaptiveavgpool2d_3x2": plain(nn.AdaptiveAvgPool2d((3, 2)), (2, 2, 7, 5)),
    "flatten": plain(nn.Flatten(), (2, 3, 2, 2)),
    "softmax": plain(nn.Softmax(dim=-1), (3, 5)),
    "log_softmax": plain(nn.LogSoftmax(dim=-1), (3, 5)),
    "batchnorm1d_train": batch_norm((4, 3), train=True),
    "batchnorm1d_seq_train": batch_norm((3, 2, 4), train=True),
    "batchnorm2d_train": batch_norm((2, 3, 3, 2), train=True),
    "batchnorm2d_eval": batch_norm((2, 3, 3, 2), train=False),
    "layernorm": layer_norm((3, 5)),
    "embedding": embedding(5, 3, [4, 0, 4, 2]),
    "rnn_step": cell_step(nn.RNNCell, 2, 3, 4),
    "gru_step": cell_step(nn.GRUCell, 2, 3, 4),
    "lstm_step": cell_step(nn.LSTMCell, 2, 3, 4, lstm=True),
    "rnn_seq": cell_sequence(nn.RNNCell, 2, 4, 3, 4),
    "gru_seq": cell_sequence(nn.GRUCell, 2, 4, 3, 4),
    "lstm_seq": cell_sequence(nn.LSTMCell, 2, 4, 3, 4, lstm=True),
    "mha_causal": attention(2, 3, 8, 2, causal=True),
    "mha_full": attention(1, 4, 8, 4, causal=False),
}

(OUT / "layers_jvp.json").write_text(json.dumps(cases, indent=None, separators=(",", ":")) + "\n")
print(f"wrote {len(cases)} cases to {OUT / 'layers_jvp.json'}")
