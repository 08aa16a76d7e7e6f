"""Reference values for the `norm` layers (issue 15), from PyTorch.

Forward values and the gradients of the input, the weight and the bias of LayerNorm,
BatchNorm1d (on [B, C] and [B, C, L]), BatchNorm2d (training and evaluation), Embedding, and
the activation layers GELU, SiLU, LeakyReLU, Softmax and LogSoftmax; BatchNorm's running
statistics after two training batches; and a small model's state_dict saved by PyTorch
(`safetensors.torch.save_file`), with its output in evaluation mode.

Inputs are float32 (what the Rust side sees); the references are computed in float64 from
them. Every tensor is written flat, row-major.

    python3 scripts/layers_norm_fixtures.py
writes backprop-runtime/tests/fixtures/layers_norm.json and layers_norm.safetensors.
"""

import json
import pathlib

import torch
from safetensors.torch import save_file

torch.manual_seed(2026)
OUT = pathlib.Path(__file__).resolve().parent.parent / "backprop-runtime" / "tests" / "fixtures"


def f32(*shape, scale=1.0):
    """A float32 random tensor, as float64 for the reference computation."""
    return (torch.randn(*shape) * scale).float().double()


def flat(t):
    return [float(v) for v in t.detach().double().reshape(-1)]


def case(module, x, **extra):
    """Forward and backward of `module` on `x` with a random cotangent."""
    x = x.clone().requires_grad_(True)
    y = module(x)
    d_out = f32(*y.shape)
    y.backward(d_out)
    out = {"x": flat(x), "d_out": flat(d_out), "y": flat(y), "d_x": flat(x.grad)}
    for name, p in module.named_parameters():
        out[name] = flat(p)
        out["d_" + name] = flat(p.grad)
    for name, b in module.named_buffers():
        out[name] = flat(b) if b.is_floating_point() else int(b)
    out.update(extra)
    return out


def randomise_affine(module):
    with torch.no_grad():
        module.weight.copy_(f32(*module.weight.shape) * 0.5 + 1.0)
        module.bias.copy_(f32(*module.bias.shape) * 0.5)
    return module


fixtures = {}

fixtures["layer_norm"] = case(randomise_affine(torch.nn.LayerNorm(6).double()), f32(4, 6, scale=2.0))

# BatchNorm: weight/bias random; training mode normalises by the batch.
bn1 = randomise_affine(torch.nn.BatchNorm1d(3).double()).train()
fixtures["batch_norm1d_train"] = case(bn1, f32(5, 3, scale=2.0) + 1.0)
bn1s = randomise_affine(torch.nn.BatchNorm1d(3).double()).train()
fixtures["batch_norm1d_seq_train"] = case(bn1s, f32(2, 3, 4, scale=2.0) - 0.5)
bn2 = randomise_affine(torch.nn.BatchNorm2d(2).double()).train()
fixtures["batch_norm2d_train"] = case(bn2, f32(3, 2, 3, 4, scale=1.5) + 0.25)

# Running statistics: two training batches (momentum 0.1, then momentum None), then the
# evaluation forward and its gradients with the statistics reached.
for momentum, key in [(0.1, "batch_norm2d_running"), (None, "batch_norm2d_cumulative")]:
    bn = randomise_affine(torch.nn.BatchNorm2d(2, momentum=momentum).double()).train()
    batches = [f32(3, 2, 3, 4, scale=2.0) + 1.0, f32(3, 2, 3, 4, scale=0.5) - 2.0]
    with torch.no_grad():
        for b in batches:
            bn(b)
    bn.eval()
    weight, bias = flat(bn.weight), flat(bn.bias)
    eval_case = case(bn, f32(3, 2, 3, 4))
    eval_case["batches"] = [flat(b) for b in batches]
    eval_case["weight"], eval_case["bias"] = weight, bias
    fixtures[key] = eval_case

emb = torch.nn.Embedding(7, 3).double()
with torch.no_grad():
    emb.weight.copy_(f32(7, 3))
ids = torch.tensor([4, 0, 4, 6, 1])
y = emb(ids)
d_out = f32(5, 3)
y.backward(d_out)
fixtures["embedding"] = {
    "indices": ids.tolist(),
    "weight": flat(emb.weight),
    "d_out": flat(d_out),
    "y": flat(y),
    "d_weight": flat(emb.weight.grad),
}

x_act = f32(4, 6, scale=3.0)
for name, module in [
    ("gelu", torch.nn.GELU()),
    ("silu", torch.nn.SiLU()),
    ("leaky_relu", torch.nn.LeakyReLU(0.2)),
    ("softmax", torch.nn.Softmax(dim=-1)),
    ("log_softmax", torch.nn.LogSoftmax(dim=-1)),
]:
    fixtures[name] = case(module, x_act)


class Small(torch.nn.Module):
    """Embedding -> LayerNorm -> Linear -> BatchNorm1d, as the Rust test's struct."""

    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(7, 3)
        self.norm = torch.nn.LayerNorm(3)
        self.proj = torch.nn.Linear(3, 4)
        self.bn = torch.nn.BatchNorm1d(4)

    def forward(self, ids):
        return self.bn(self.proj(self.norm(self.emb(ids))))


model = Small()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
model.train()
for _ in range(3):  # a few steps, so every tensor and buffer is off its initial value
    opt.zero_grad()
    model(torch.randint(0, 7, (6,))).square().mean().backward()
    opt.step()
model.eval()
ids = torch.tensor([3, 1, 6, 0])
with torch.no_grad():
    out = model(ids)
save_file(model.state_dict(), str(OUT / "layers_norm.safetensors"))
fixtures["state_dict"] = {
    "indices": ids.tolist(),
    "y": flat(out),
    "running_mean": flat(model.bn.running_mean),
    "num_batches_tracked": int(model.bn.num_batches_tracked),
    "names": list(model.state_dict().keys()),
}

(OUT / "layers_norm.json").write_text(json.dumps(fixtures, indent=1) + "\n")
