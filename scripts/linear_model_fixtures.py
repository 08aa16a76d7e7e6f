"""Reference numbers for examples/linear_model.rs, from PyTorch.

The linear-model tutorial (y = w * x, data (1, 2), (2, 4), (3, 6), w = 1.0, SGD with lr 0.01,
one update per sample, 100 epochs), written the way the tutorial writes it. Records the
gradient of every sample, the loss the tutorial prints after each epoch (the last sample's),
the final weight and the prediction for x = 4.

    python3 scripts/linear_model_fixtures.py > tests/fixtures/linear_model.json
"""

import json

import torch

x_data = [1.0, 2.0, 3.0]
y_data = [2.0, 4.0, 6.0]
w = torch.tensor([1.0], requires_grad=True)
lr = 0.01
epochs = 100


def forward(x):
    return x * w


def loss(y_pred, y_val):
    return (y_pred - y_val) ** 2


prediction_before = forward(4).item()
grads = []
losses = []
for epoch in range(epochs):
    for x_val, y_val in zip(x_data, y_data):
        y_pred = forward(x_val)
        l = loss(y_pred, y_val)
        l.backward()
        grads.append(w.grad.item())
        w.data = w.data - lr * w.grad.item()
        w.grad.data.zero_()
    losses.append(l.item())

fixture = {
    "torch_version": torch.__version__,
    "x": x_data,
    "y": y_data,
    "w0": 1.0,
    "lr": lr,
    "epochs": epochs,
    "prediction_before": prediction_before,
    "grads": grads,
    "losses": losses,
    "w": w.item(),
    "prediction_after": forward(4).item(),
}
print(json.dumps(fixture, indent=1))
