//! The examples' own code against the same runs in PyTorch (`scripts/tutorial_fixtures.py`,
//! `scripts/linear_model_fixtures.py`) and, for digits, its training run and gradient check.

mod digits;
mod linear_model;
mod manual_update;
mod simple_network;
mod train_regression;
mod tutorial_fixture;
mod two_layer_sigmoid;
