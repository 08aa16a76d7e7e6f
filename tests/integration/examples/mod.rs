//! The examples' own code against the same runs in PyTorch (`scripts/tutorial_fixtures.py`,
//! `scripts/linear_model_fixtures.py`) and, for digits and digits_cnn, their training runs and
//! gradient checks.

// The digits example's data and training loop, which digits_cnn's model reuses too.
#[allow(dead_code)]
#[path = "../../../examples/digits/data.rs"]
mod data;
#[allow(dead_code)]
#[path = "../../../examples/digits/model.rs"]
mod model;

mod digits;
mod digits_cnn;
mod linear_model;
mod manual_update;
mod sequence;
mod simple_network;
mod train_regression;
mod tutorial_fixture;
mod two_layer_sigmoid;
