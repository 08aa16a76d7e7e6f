"""Reference values for the CNN layers (Conv1d, Conv2d, MaxPool2d, AvgPool2d,
AdaptiveAvgPool2d, Flatten) from PyTorch, for `backprop-runtime/tests/layers_cnn.rs`.

Each case runs the PyTorch layer on a seeded random input, back-propagates a seeded random
output gradient, and records the input, the parameters, the output and the gradients of the
input, weight and bias. A small CNN's `state_dict`, saved with `safetensors.torch.save_file`,
checks that PyTorch's files load by name. Tests read the JSON; CI runs no Python.

    python3 scripts/layers_cnn_fixtures.py
"""

import json
from pathlib import Path

import torch
from safetensors.torch import save_file
from torch import nn

OUT = Path(__file__).parent.parent / "backprop-runtime" / "tests" / "fixtures"
torch.manual_seed(2026)


def values(t):
    return t.detach().flatten().tolist()


def run(layer, in_shape):
    x = torch.randn(*in_shape, dtype=torch.float64).float().requires_grad_(True)
    y = layer(x)
    d_y = torch.randn_like(y)
    y.backward(d_y)
    case = {"x": values(x), "y": values(y), "y_shape": list(y.shape), "d_y": values(d_y), "d_x": values(x.grad)}
    for name, p in layer.named_parameters():
        case[name] = values(p)
        case["d_" + name] = values(p.grad)
    return case


def conv2d(name, in_shape, out_channels, kernel, stride=1, padding=0, dilation=1, groups=1):
    layer = nn.Conv2d(in_shape[1], out_channels, kernel, stride=stride, padding=padding, dilation=dilation, groups=groups)
    return name, run(layer, in_shape)


def conv1d(name, in_shape, out_channels, kernel, stride=1, padding=0, dilation=1, groups=1):
    layer = nn.Conv1d(in_shape[1], out_channels, kernel, stride=stride, padding=padding, dilation=dilation, groups=groups)
    return name, run(layer, in_shape)


cases = dict(
    [
        # The digits_cnn layers.
        conv2d("conv2d_digits1", (2, 1, 8, 8), 16, 3, padding=1),
        conv2d("conv2d_digits2", (1, 16, 4, 4), 32, 3, padding=1),
        conv2d("conv2d_rect_stride2", (2, 3, 7, 6), 4, (3, 2), stride=2),
        conv2d("conv2d_pad2_dil2", (1, 2, 6, 5), 3, 3, padding=2, dilation=2),
        conv2d("conv2d_groups2", (2, 4, 5, 5), 6, 3, stride=1, padding=1, groups=2),
        conv2d("conv2d_depthwise", (1, 3, 5, 4), 3, 2, stride=2, padding=1, groups=3),
        conv1d("conv1d_plain", (2, 3, 9), 4, 3),
        conv1d("conv1d_all", (2, 4, 11), 6, 3, stride=2, padding=2, dilation=2, groups=2),
        ("maxpool2d_2", run(nn.MaxPool2d(2), (2, 3, 8, 8))),
        ("maxpool2d_3_s2_p1_d2", run(nn.MaxPool2d(3, stride=2, padding=1, dilation=2), (2, 2, 9, 8))),
        ("maxpool2d_3_s1_p1", run(nn.MaxPool2d(3, stride=1, padding=1), (1, 2, 5, 5))),
        ("avgpool2d_2", run(nn.AvgPool2d(2), (2, 3, 8, 8))),
        ("avgpool2d_3_s2_p1", run(nn.AvgPool2d(3, stride=2, padding=1), (2, 2, 7, 6))),
        ("adaptiveavgpool2d_3x2", run(nn.AdaptiveAvgPool2d((3, 2)), (2, 2, 7, 5))),
        ("adaptiveavgpool2d_1", run(nn.AdaptiveAvgPool2d(1), (2, 3, 4, 4))),
        ("flatten", run(nn.Flatten(), (2, 3, 2, 4))),
    ]
)

# Max pooling with ties: the gradient goes to the first maximum of each window, as in PyTorch.
x = torch.tensor([[[[1.0, 1.0, 0.0, 2.0], [1.0, 0.5, 2.0, 2.0]]]], requires_grad=True)
nn.MaxPool2d(2)(x).sum().backward()
cases["maxpool2d_ties"] = {"x": values(x), "d_x": values(x.grad)}


class DigitsCnn(nn.Module):
    """The examples/digits_cnn model."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc = nn.Linear(128, 10)

    def forward(self, x):
        x = nn.functional.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = nn.functional.max_pool2d(torch.relu(self.conv2(x)), 2)
        return self.fc(x.flatten(1))


model = DigitsCnn()
x = torch.rand(3, 1, 8, 8)
save_file({k: v.contiguous() for k, v in model.state_dict().items()}, OUT / "layers_cnn.safetensors")
labels = torch.tensor([3, 0, 7])
logits = model(x)
nn.functional.cross_entropy(logits, labels).backward()
cases["state_dict"] = {
    "x": values(x),
    "labels": labels.tolist(),
    "logits": values(logits),
    "grads": {name: values(p.grad) for name, p in model.named_parameters()},
}

(OUT / "layers_cnn.json").write_text(json.dumps(cases) + "\n")
print(f"{len(cases)} cases written to {OUT / 'layers_cnn.json'}")
