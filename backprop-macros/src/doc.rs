//! The doc comment of a generated function: the derivative it computes, as maths.

use crate::analyze::Activity;
use crate::expand::Flavor;
use crate::ir::Function;

pub fn describe(
    func: &syn::ItemFn,
    ir: &Function,
    _act: &Activity,
    wrt: &[bool],
    flavor: Flavor,
) -> String {
    let name = func.sig.ident.to_string();
    let active: Vec<&str> = ir
        .params
        .iter()
        .zip(wrt)
        .filter(|(_, w)| **w)
        .map(|(p, _)| p.name.as_str())
        .collect();
    match flavor {
        Flavor::Grad => format!(
            " The value of [`{name}`] and its gradient with respect to {}, by reverse-mode differentiation generated at compile time.",
            active.join(", ")
        ),
        Flavor::Vjp => format!(
            " The value of [`{name}`] and the vector-Jacobian product with the cotangent `d_out`: the composition contract of `#[differentiable]`."
        ),
    }
}
