//! Snapshot tests: the formatted expansion of known functions, compared with committed files
//! (`tests/expand/*.expanded.rs`). Refresh with `BACKPROP_BLESS=1 cargo test -p backprop-macros`
//! and review the diff.

use std::path::PathBuf;

/// The formatted expansion of `item` under `#[differentiable(<attr>)]`.
fn expanded(attr: &str, item: &str) -> String {
    let attr: proc_macro2::TokenStream = attr.parse().expect("attribute tokens");
    let item: proc_macro2::TokenStream = item.parse().expect("item tokens");
    let out = crate::expand::differentiable(attr, item);
    let file: syn::File = syn::parse2(out).expect("the expansion parses as a file");
    prettyplease::unparse(&file)
}

fn check(name: &str, attr: &str, item: &str) {
    let text = expanded(attr, item);
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/expand")
        .join(format!("{name}.expanded.rs"));
    if std::env::var_os("BACKPROP_BLESS").is_some() {
        std::fs::write(&path, &text).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == text,
        "expansion of `{name}` changed; run with BACKPROP_BLESS=1 and review the diff.\n--- new ---\n{text}"
    );
}

#[test]
fn tutorial_loss() {
    check(
        "loss",
        "wrt(w)",
        "fn loss(w: f32, x: f32, y: f32) -> f32 { let y_hat = x * w; (y_hat - y) * (y_hat - y) }",
    );
}

#[test]
fn shared_subexpression() {
    check(
        "shared",
        "",
        "fn f(x: f32, y: f32) -> f32 { let a = x * y; a.sin() + a * a }",
    );
}

#[test]
fn tanh_recurrence() {
    check(
        "recurrence",
        "",
        "fn r(w: f32, x: &[f32; 6]) -> f32 { let mut h = 0.0; for i in 0..6 { h = (w * h + x[i]).tanh(); } h * h }",
    );
}

#[test]
fn nested_loop_snapshot() {
    check(
        "dense",
        "",
        "fn dense(w: &[[f32; 3]; 2], x: &[f32; 3], y: &[f32; 2]) -> f32 { let mut loss = 0.0; for o in 0..2 { let mut z = 0.0; for i in 0..3 { z += w[o][i] * x[i]; } let r = z.tanh() - y[o]; loss += r * r; } loss }",
    );
}

#[test]
fn branch_expression() {
    check(
        "branch",
        "",
        "pub fn leaky(x: f32, slope: f32) -> f32 { let y = if x > 0.0 { x } else { slope * x }; y * 2.0 }",
    );
}

#[test]
fn array_result_with_calls() {
    check(
        "layer",
        "",
        "fn layer(w: &[[f32; 3]; 2], x: &[f32; 3]) -> [f32; 2] { let mut out = [0.0; 2]; for j in 0..2 { out[j] = dot3(&w[j], x).tanh(); } out }",
    );
}

#[test]
fn calls_into_arrays_and_scalars() {
    check(
        "model",
        "",
        "fn model(w: &[[f32; 3]; 2], x: &[f32; 3], k: f32) -> f32 { let h = layer(w, x); square(h[0] * k) + square(h[1]) + dot3(x, x) * square(k) }",
    );
}

/// A loss over a run-time number of points: the loop is replayed point by point (buffers of one
/// point, `stored_t*` without a point index), and the fresh `h` needs no saves (its old values
/// are the zeros it was declared with).
#[test]
fn replayed_loop() {
    check(
        "replayed",
        "",
        "fn pointwise<const N: usize>(w: &[f32; 3], x: &[[f32; 3]; N], n: usize) -> f32 { let mut loss = 0.0; for p in 0..n { let mut h = [0.0; 3]; for i in 0..3 { h[i] = (w[i] * x[p][i]).tanh(); } let mut s = 0.0; for i in 0..3 { s += h[i] * h[i]; } loss += s; } loss }",
    );
}

/// The same loss with `wrt(w)`: the data has no gradient, so `_grad` reverses each point right
/// after it (`d_loss_unit`), into `g_w`, which the reverse sweep scales by `d_loss`; `_fwd`,
/// whose pullback may be asked for the data's gradient, replays the points.
#[test]
fn one_pass_loop() {
    check(
        "one_pass",
        "wrt(w)",
        "fn pointwise<const N: usize>(w: &[f32; 3], x: &[[f32; 3]; N], n: usize) -> f32 { let mut loss = 0.0; for p in 0..n { let mut h = [0.0; 3]; for i in 0..3 { h[i] = (w[i] * x[p][i]).tanh(); } let mut s = 0.0; for i in 0..3 { s += h[i] * h[i]; } loss += s; } loss / n as f32 }",
    );
}

/// The same kind of loop in lanes: four points a block, each point's data gathered
/// (`Lanes::gather`), `w` a scalar broadcast by the operators, the branch on each point's
/// values a mask whose side runs if any lane takes it, with the write and the reverse's writes
/// selects; the block's term added into `loss` lane after lane, the gradient summed from its
/// lanes after the blocks (`add_lane_sums`), and the last `N % 4` points one at a time.
#[test]
fn points_in_lanes() {
    check(
        "lanes",
        "wrt(w)",
        "fn log_sum_exp<const N: usize>(w: &[f32; 2], x: &[[f32; 2]; N]) -> f32 { let mut loss = 0.0; for p in 0..N { let a = w[0] * x[p][0]; let b = w[1] * x[p][1]; let mut m = a; if b > m { m = b; } loss += m + ((a - m).exp() + (b - m).exp()).ln(); } loss }",
    );
}

/// No lanes where they do not fit: a call in the loop, `f64`, an inclusive range, a gradient
/// of data indexed by the loop's variable, a loop bound depending on it.
#[test]
fn lanes_only_where_they_fit() {
    let in_lanes = |attr: &str, item: &str| expanded(attr, item).contains("lanes::Lanes");
    let sum = |float: &str, range: &str, body: &str| {
        format!("fn f<const N: usize>(w: &[{float}; 2], x: &[[{float}; 2]; N]) -> {float} {{ let mut s = 0.0; for p in {range} {{ {body} }} s }}")
    };
    let plain = "s += (w[0] * x[p][0]).tanh() + w[1] * x[p][1];";
    assert!(in_lanes("wrt(w)", &sum("f32", "0..N", plain)));
    assert!(!in_lanes("wrt(w)", &sum("f64", "0..N", plain)));
    assert!(!in_lanes("wrt(w)", &sum("f32", "0..=3", plain)));
    assert!(!in_lanes("", &sum("f32", "0..N", plain)));
    let call = "fn g(a: f32) -> f32 { a * a } #[differentiable] fn f<const N: usize>(w: &[f32; 2], x: &[[f32; 2]; N]) -> f32 { let mut s = 0.0; for p in 0..N { s += g(w[0] * x[p][0]); } s }";
    assert!(!in_lanes(
        "wrt(w)",
        call.split_once("#[differentiable] ").map_or(call, |c| c.1)
    ));
    let bound = "for i in 0..p { s += w[0] * x[i][0]; }";
    assert!(!in_lanes("wrt(w)", &sum("f32", "0..N", bound)));
}

/// No restore that nothing reads. Each point's `h` is fresh, and the loop writing `h[i]`
/// reads no `h` before writing it: the reverse neither zeroes `h[i]` before recomputing it nor
/// after reversing it. The recurrence's `h`, which the next iteration's recomputation reads,
/// is still restored.
#[test]
fn restores_have_readers() {
    let one_pass = expanded(
        "wrt(w)",
        "fn pointwise<const N: usize>(w: &[f32; 3], x: &[[f32; 3]; N]) -> f32 { let mut loss = 0.0; for p in 0..N { let mut h = [0.0; 3]; for i in 0..3 { h[i] = (w[i] * x[p][i]).tanh(); } let mut s = 0.0; for i in 0..3 { s += h[i] * h[i]; } loss += s; } loss }",
    );
    let writes = |value: &str| {
        let write = format!("h[i] = {value};");
        one_pass.lines().filter(|l| l.trim() == write).count()
    };
    // written in the forward sweeps and recomputed in the reverse ones, never zeroed
    assert!(writes("t4") > 2 && writes("0.0") == 0, "{one_pass}");
    let recurrence = expanded(
        "",
        "fn r(w: f32, x: &[f32; 6]) -> f32 { let mut h = 0.0; for i in 0..6 { h = (w * h + x[i]).tanh(); } h * h }",
    );
    assert!(recurrence.contains("h = saved_h[i];"), "{recurrence}");
}

/// A triangular product: the reverse of `i`'s body leaves out the rerun of the `j` loop (it
/// writes nothing outside it), and sums `x[i]`'s adjoint across the `j` loop in two locals, by
/// the parity of `j`.
#[test]
fn triangular() {
    check(
        "triangular",
        "wrt(l, x)",
        "fn tri(l: &[f32; 9], x: &[f32; 3]) -> f32 { let mut q = [0.0; 3]; for i in 0..3 { for j in (i + 1)..3 { q[j] += l[i * 3 + j] * x[i]; } } let mut s = 0.0; for i in 0..3 { s += q[i] * q[i]; } s }",
    );
}

/// Markers choose per loop: the first loop's iterations are stored (`stored_t5`, `after_d`,
/// one entry per point) and the second is replayed in the reverse sweep, where the function's
/// cost model would have reversed both in one pass.
#[test]
fn loop_markers() {
    check(
        "loop_markers",
        "",
        "fn loss(w: &[f32; 4], x: &[[f32; 4]; 3]) -> f32 { let mut s = 0.0; #[loops = store] for p in 0..3 { let mut d = 0.0; for i in 0..4 { d += w[i] * x[p][i]; } s += d.tanh(); } let mut t = 0.0; #[loops = recompute] for p in 0..3 { t += (w[p] * x[p][0]).sin(); } s * t }",
    );
}

/// Prints the expansion of the function in the file `BACKPROP_SHOW` names, for working on the
/// macro without cargo-expand:
/// `BACKPROP_SHOW=f.rs cargo test -p backprop-macros show -- --ignored --nocapture`, with the
/// attribute's arguments in `BACKPROP_SHOW_ATTR` (`wrt(x)`) if any.
#[test]
#[ignore = "a tool: prints an expansion"]
fn show() {
    let path =
        std::env::var("BACKPROP_SHOW").expect("BACKPROP_SHOW names a file with one function");
    let item: proc_macro2::TokenStream = std::fs::read_to_string(path)
        .expect("read BACKPROP_SHOW")
        .parse()
        .expect("item tokens");
    let attr = std::env::var("BACKPROP_SHOW_ATTR").unwrap_or_default();
    let out = crate::expand::differentiable(attr.parse().expect("attribute tokens"), item);
    let file: syn::File = syn::parse2(out).expect("the expansion parses as a file");
    println!("{}", prettyplease::unparse(&file));
}

#[test]
fn second_order() {
    check(
        "hvp",
        "hvp",
        "fn energy(x: &[f32; 4], k: f32) -> f32 { let mut s = 0.0; for i in 0..3 { let d = x[i + 1] - x[i]; s += k * d * d; } s.sqrt() }",
    );
}

/// The formatted expansion of a chain of `n` statements (each a product, a `sin` and a
/// loop-carried sum), with `#[differentiable(<attr>)]`.
fn expanded_chain(attr: &str, n: usize) -> String {
    let mut body = String::from("let mut s = 0.0; let a0 = x * y;");
    for i in 1..=n {
        body += &format!(
            "let a{i} = (a{} * y + x).sin(); s += a{i} * w[{}];",
            i - 1,
            i % 4
        );
    }
    expanded(
        attr,
        &format!("fn f(x: f32, y: f32, w: &[f32; 4]) -> f32 {{ {body} s * x }}"),
    )
}

/// Lines of the formatted `f_<flavor>` for [`expanded_chain`]'s `n` statements.
fn generated_lines(attr: &str, flavor: &str, n: usize) -> usize {
    let text = expanded_chain(attr, n);
    let start = text
        .find(&format!("fn f_{flavor}"))
        .expect("the generated function");
    let end = text[start..].find("\n}\n").expect("its end") + start;
    text[start..end].lines().count()
}

/// `#[inline]` on a generated function whose body is small, none on a large one
/// ([`expanded_chain`] with 4 and with 80 statements).
#[test]
fn only_small_functions_are_hinted_inline() {
    for (n, hinted) in [(4, true), (80, false)] {
        let text = expanded_chain("", n);
        let start = text.find("fn f_grad").expect("the gradient");
        let attributes = &text[text[..start].rfind("\n}\n").unwrap_or(0)..start];
        assert_eq!(
            attributes.contains("#[inline]"),
            hinted,
            "{n} statements: {attributes}"
        );
    }
}

/// The sizes of `f_<flavor>` for 4 to 64 statements, asserted to grow by the same number of
/// lines per statement (within 10%).
fn assert_linear(attr: &str, flavor: &str) -> Vec<(usize, usize)> {
    let sizes: Vec<(usize, usize)> = [4, 8, 16, 32, 64]
        .iter()
        .map(|&n| (n, generated_lines(attr, flavor, n)))
        .collect();
    println!("statements -> lines of f_{flavor}: {sizes:?}");
    let per_statement: Vec<f64> = sizes
        .windows(2)
        .map(|w| (w[1].1 - w[0].1) as f64 / (w[1].0 - w[0].0) as f64)
        .collect();
    let (lo, hi) = per_statement
        .iter()
        .fold((f64::MAX, 0.0f64), |(lo, hi), &p| (lo.min(p), hi.max(p)));
    assert!(
        hi <= 1.1 * lo,
        "lines per statement vary: {per_statement:?}"
    );
    sizes
}

/// `_hvp` grows linearly with the function; `cargo test -p backprop-macros hvp_size --
/// --nocapture` prints the sizes.
#[test]
fn hvp_size_grows_linearly() {
    assert_linear("hvp", "hvp");
}

/// The K-tangent form grows linearly too, and stays within three times `_jvp`'s lines (a lane
/// loop of three formatted lines where `_jvp` has one `let`); `cargo test -p backprop-macros
/// jvpk_size -- --nocapture` prints both.
#[test]
fn jvpk_size_grows_linearly() {
    let jvp = assert_linear("jvp", "jvp");
    let jvpk = assert_linear("jvp", "jvpk");
    for ((n, single), (_, k)) in jvp.iter().zip(&jvpk) {
        assert!(
            *k <= 3 * single,
            "{n} statements: _jvpk {k} lines, _jvp {single}"
        );
    }
}

/// Written over `f64`: every local, buffer, literal and zero is `f64`, the maths are
/// `math::f64`'s, and `0.1` keeps its `f64` digits.
#[test]
fn spring_in_f64() {
    check(
        "spring_f64",
        "",
        "fn spring(p: &[[f64; 2]; 3], k: f64) -> f64 { let mut e = 0.0; for i in 0..2 { let dx = p[i + 1][0] - p[i][0]; let dy = p[i + 1][1] - p[i][1]; let s = (dx * dx + dy * dy).sqrt() - 0.1; e += 0.5 * k * s * s; } e }",
    );
}

/// A value used 200 times (`y` in [`expanded_chain`]): its adjoint, the sum of 200
/// contributions, is written flat. Nested once per use, the expansion's parse overflowed a
/// thread's 2 MiB stack.
#[test]
fn a_much_used_value_sums_flat() {
    let depth = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let text = expanded_chain("", 200);
            let mut depth = 0i32;
            let mut deepest = 0;
            for c in text.chars() {
                depth += match c {
                    '(' => 1,
                    ')' => -1,
                    _ => 0,
                };
                deepest = deepest.max(depth);
            }
            deepest
        })
        .expect("spawn")
        .join()
        .expect("200 statements expand and parse on a 2 MiB stack");
    assert!(depth <= 12, "parentheses nest {depth} deep");
}
