// Written by scripts/tutorial_fixtures.py; do not edit.
// PyTorch's initial weights after `torch.manual_seed(42)`.

/// `layer1.weight` at initialisation.
pub const LAYER1_WEIGHT: [[f32; 3]; 3] = [
    [0.44140652, 0.47920528, -0.13525727],
    [0.53036046, -0.1264995, 0.11650391],
    [-0.28108588, 0.3390678, 0.50895905],
];

/// `layer1.bias` at initialisation.
pub const LAYER1_BIAS: [f32; 3] = [-0.4235604, 0.50183064, 0.10805647];

/// `layer2.weight` at initialisation.
pub const LAYER2_WEIGHT: [[f32; 3]; 2] = [
    [0.4265515, 0.07819088, 0.27839142],
    [-0.08151666, 0.44507113, 0.08533751],
];

/// `layer2.bias` at initialisation.
pub const LAYER2_BIAS: [f32; 2] = [-0.26953015, 0.14716561];

/// `layer3.weight` at initialisation.
pub const LAYER3_WEIGHT: [[f32; 2]; 3] = [
    [-0.32579, -0.082924426],
    [-0.2871973, 0.4690741],
    [-0.558169, -0.32598352],
];

/// `layer3.bias` at initialisation.
pub const LAYER3_BIAS: [f32; 3] = [-0.1996691, -0.42516384, 0.06673894];
