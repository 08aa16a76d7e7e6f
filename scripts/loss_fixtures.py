"""Values and gradients of the losses, computed by PyTorch (float32, autograd).

Writes tests/fixtures/losses.json, which tests/integration/losses.rs replays. Run: python3 scripts/loss_fixtures.py
"""
import json
import pathlib

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float32)
cases = []


def case(name, fn, inputs, **consts):
    x = torch.tensor(inputs, requires_grad=True)
    value = fn(x, **consts)
    value.backward()
    cases.append({
        "name": name,
        "input": inputs,
        "consts": {k: (v.tolist() if torch.is_tensor(v) else v) for k, v in consts.items()},
        "value": value.item(),
        "grad": x.grad.tolist(),
    })


pred = [0.5, -1.25, 2.0, 0.1]
target = [0.0, -1.0, 3.5, 0.1]
t = torch.tensor(target)
case("mse", lambda x, target: F.mse_loss(x, target), pred, target=t)
for delta in [0.5, 1.0, 2.0]:
    case("huber", lambda x, target, delta: F.huber_loss(x, target, delta=delta), pred, target=t, delta=delta)
for beta in [0.5, 1.0, 2.0]:
    case("smooth_l1", lambda x, target, beta: F.smooth_l1_loss(x, target, beta=beta), pred, target=t, beta=beta)

logits = [[1.0, 2.0, 0.5], [1000.0, -1000.0, 0.0], [-3.0, 0.0, 3.0], [0.2, 0.2, 0.2]]
targets = [1, 2, 0, 2]
case("cross_entropy_batch", lambda x, targets: F.cross_entropy(x, targets), logits,
     targets=torch.tensor(targets))
for row, tgt in zip(logits, targets):
    case("cross_entropy", lambda x, target: F.cross_entropy(x[None], target[None]), row,
         target=torch.tensor(tgt))
log_probs = torch.log_softmax(torch.tensor(logits[:3]), dim=1).tolist()
case("nll_batch", lambda x, targets: F.nll_loss(x, targets), log_probs, targets=torch.tensor(targets[:3]))

probs = [0.9, 0.1, 0.5, 0.999, 1e-4]
ys = [1.0, 0.0, 1.0, 0.0, 1.0]
case("binary_cross_entropy", lambda x, targets: F.binary_cross_entropy(x, targets), probs,
     targets=torch.tensor(ys))
blogits = [2.0, -1.0, 0.0, 100.0, -100.0]
case("binary_cross_entropy_with_logits",
     lambda x, targets: F.binary_cross_entropy_with_logits(x, targets), blogits, targets=torch.tensor(ys))

out = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "losses.json"
out.write_text(json.dumps({"torch": torch.__version__, "cases": cases}, indent=1) + "\n")
print(f"wrote {len(cases)} cases to {out.name}")
