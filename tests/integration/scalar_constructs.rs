//! Every Rust construct `#[differentiable]` supports on scalars, one function per construct,
//! checked like the rules (`tests/integration/scalar_rules.rs`): PyTorch fixtures at smooth points
//! and at branch switches, central differences of the f64 twin away from them.
// The constructs are written the long way on purpose.
#![allow(
    clippy::assign_op_pattern,
    clippy::needless_return,
    clippy::neg_cmp_op_on_partial_ord,
    clippy::nonminimal_bool,
    clippy::unnecessary_cast
)]

use crate::common::{case, check, check_vjp, twin, Case, Vjp};
use backprop::differentiable;

twin! {
    #[differentiable]
    fn lets(x: f32, y: f32) -> f32 {
        let a = x * y;
        let b = a + x;
        b * b - a
    }
}

twin! {
    #[differentiable]
    fn reassign(x: f32, y: f32) -> f32 {
        let mut s = x;
        s = s * y;
        s = s + x * x;
        s
    }
}

twin! {
    #[differentiable]
    fn compound(x: f32, y: f32) -> f32 {
        let mut s = x;
        s += y;
        s -= 0.5 * x;
        s *= y;
        s /= x * x + 1.0;
        s
    }
}

twin! {
    #[differentiable]
    fn shadowing(x: f32, y: f32) -> f32 {
        let x = x * 2.0;
        let x = x.sin() + y;
        x * y
    }
}

twin! {
    #[differentiable]
    fn annotated(x: f32) -> f32 {
        let a: f32 = x * 3.0;
        let b: f32 = a.exp();
        b / a
    }
}

twin! {
    #[differentiable]
    fn blocks(x: f32, y: f32) -> f32 {
        let a = {
            let t = x * y;
            t + 1.0
        };
        a * x + {
            let u = y * y;
            u * a
        }
    }
}

twin! {
    #[differentiable]
    fn if_statement(x: f32) -> f32 {
        let mut s = x;
        if x > 1.0 {
            s = s * s;
        }
        if x < 0.0 {
            s = -s;
        } else {
            s += 1.0;
        }
        s
    }
}

// relu'(0) = 0, as in PyTorch: the fixture's twin calls torch.relu.
twin! {
    #[differentiable]
    fn relu_like(x: f32) -> f32 {
        let r = if x > 0.0 { x } else { 0.0 };
        r * 3.0 + 0.5 * x
    }
}

twin! {
    #[differentiable]
    fn piecewise(x: f32) -> f32 {
        if x < -1.0 {
            -x
        } else if x < 1.0 {
            x * x
        } else if x < 4.0 {
            x.sqrt()
        } else {
            2.0
        }
    }
}

twin! {
    #[differentiable]
    fn conditions(x: f32, y: f32) -> f32 {
        if x > 0.0 && y > 0.0 || !(x < y) {
            x * y
        } else {
            x - y
        }
    }
}

// bool and integer parameters are constants; `n` is also a runtime powi exponent.
twin! {
    #[differentiable]
    fn constants(x: f32, flip: bool, n: i32) -> f32 {
        let k = n as f32;
        if flip {
            -x * k
        } else {
            x.powi(n) + k
        }
    }
}

twin! {
    #[differentiable]
    fn literals(x: f32) -> f32 {
        let three = 3 as f32;
        1e-3 * x * x + 0.5 * x - 2.5 + three * x + 1_000.0 * x
    }
}

twin! {
    #[differentiable]
    fn returns(x: f32) -> f32 {
        let y = x * x;
        return y + x;
    }
}

twin! {
    #[differentiable(wrt(w))]
    fn narrowed(w: f32, x: f32, b: f32) -> f32 {
        (w * x + b).tanh()
    }
}

// A const generic as a loop bound (its only use, in the range).
twin! {
    #[differentiable]
    fn repeated<const N: usize>(x: f32) -> f32 {
        let mut s = 1.0;
        for _i in 0..N {
            s = s * x + 1.0;
        }
        s
    }
}

twin! {
    #[differentiable]
    pub fn public(x: f32) -> f32 {
        x.sin() * x
    }
}

fn constants_case(name: &'static str, flip: bool, n: i32) -> Case {
    Case::new(
        name,
        move |x| constants(x, flip, n),
        move |x| constants_grad(x, flip, n),
        move |x| constants::exact(x, flip, n),
    )
}

fn constructs() -> Vec<Case> {
    vec![
        case!(lets, lets_grad),
        case!(reassign, reassign_grad),
        case!(compound, compound_grad),
        case!(shadowing, shadowing_grad),
        case!(annotated, annotated_grad),
        case!(blocks, blocks_grad),
        case!(if_statement, if_statement_grad),
        case!(relu_like, relu_like_grad),
        case!(piecewise, piecewise_grad),
        case!(conditions, conditions_grad),
        constants_case("constants_flip_3", true, 3),
        constants_case("constants_3", false, 3),
        constants_case("constants_0", false, 0),
        constants_case("constants_m2", false, -2),
        case!(literals, literals_grad),
        case!(returns, returns_grad),
        // `wrt(w)`: the type says it, `_grad` returns the value and one gradient only.
        Case::new(
            "narrowed",
            narrowed,
            |w, x, b| -> (f32, f32) { narrowed_grad(w, x, b) },
            narrowed::exact,
        ),
        // `_vjp` keeps every float parameter active.
        Case::new(
            "narrowed_vjp",
            narrowed,
            |w, x, b| narrowed_vjp(w, x, b, 1.0),
            narrowed::exact,
        ),
        Case::new(
            "repeated_3",
            repeated::<3>,
            repeated_grad::<3>,
            repeated::exact::<3>,
        ),
        Case::new(
            "repeated_0",
            repeated::<0>,
            repeated_grad::<0>,
            repeated::exact::<0>,
        ),
        case!(public, public_grad),
    ]
}

#[test]
fn every_construct_matches_pytorch_and_finite_differences() {
    check("constructs", &constructs());
}

#[test]
fn vjp_is_d_out_times_the_gradient() {
    let vjps = [
        Vjp::new("compound", compound_vjp),
        Vjp::new("piecewise", piecewise_vjp),
        Vjp::new("conditions", conditions_vjp),
        Vjp::new("narrowed_vjp", narrowed_vjp),
        Vjp::new("repeated_3", repeated_vjp::<3>),
    ];
    check_vjp("constructs", &constructs(), &vjps);
}
