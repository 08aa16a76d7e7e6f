"""Parameter-file fixtures written by PyTorch, for tests/integration/params_vs_pytorch.rs.

Builds two small modules, saves each state_dict with safetensors.torch.save_file, and writes
the module's outputs on a few inputs to JSON. The Rust test loads the weights into a derived
struct, runs a hand-written forward pass and compares with these outputs.

Run from the repository root:  python3 scripts/params_fixtures.py
"""

import json
from pathlib import Path

import torch
from torch import nn
from safetensors.torch import save_file

OUT = Path("tests/fixtures")


class Net(nn.Module):
    """Nested names: `encoder.0.weight`, `encoder.0.bias`, `head.weight`, `head.bias`, `temperature`."""

    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(3, 4), nn.Tanh())
        self.head = nn.Linear(4, 2)
        self.temperature = nn.Parameter(torch.tensor(0.75))

    def forward(self, x):
        return self.head(self.encoder(x)) / self.temperature


def write(name, module, inputs):
    module.eval()
    with torch.no_grad():
        outputs = module(inputs)
    state = {k: v.detach().contiguous() for k, v in module.state_dict().items()}
    save_file(state, OUT / f"{name}.safetensors", metadata={"format": "pt"})
    doc = {
        "generated_by": "scripts/params_fixtures.py",
        "torch": torch.__version__,
        "names": {k: list(v.shape) for k, v in state.items()},
        "inputs": inputs.tolist(),
        "outputs": outputs.tolist(),
    }
    (OUT / f"{name}.json").write_text(json.dumps(doc, indent=1) + "\n")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    inputs = torch.randn(5, 3)
    # Make the ReLU cut some units off, so the forward pass is not linear on these inputs.
    inputs[0] = torch.tensor([2.0, -1.0, 0.5])

    torch.manual_seed(1)
    sequential = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    write("params_sequential", sequential, inputs)

    torch.manual_seed(2)
    write("params_net", Net(), inputs)


if __name__ == "__main__":
    main()
