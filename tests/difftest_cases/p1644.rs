// p1644 of `cargo run -p backprop-difftest -- --seed 4242 --count 2000`, as generated: a chaotic
// recurrence (`s1 = (s1 * 3.0 + ...).sin()` sixteen times), kept for the test of `ROUGH`.

#[differentiable(jvp)]
pub fn p1644(x0: f32, b: [f32; 3]) -> f32 {
    let mut s1 = { let t2 = b[2]; t2 * t2 + t2 };
    let mut s3 = h_sq(x0);
    for i0 in 0..=3 { let mut s4: f32 = ((b[(i0 + 1) % 3].round() + b[i0 % 3]) / (x0 * x0 + 0.5)); for i1 in 1..5 { s3 += ((((((s1 * 0.0280).tanh() * 5.00) * ((s1 * 0.0280).tanh() * 5.00) + 2.0).sqrt() * (b[i0 % 3] - x0)) * 0.0642).tanh() * 1.00); if x0 < ((s1 * 0.0280).tanh() * 1.00).tan() { s4 += ((s3 * 0.0284).tanh() * 1.00); s3 /= (b[i1 % 3] * b[i1 % 3] + 2.0); } else { s1 = (s1 * 3.0 + ((s3 * 0.0284).tanh() * 2.00)).sin(); } } }
    let v5 = b[1];
    let v7 = ((((((((s3 - s1) / ((b[1] * b[1] + 1.0).ln() * (b[1] * b[1] + 1.0).ln() + 2.0)) * 0.0282).tanh() * 5.00) * ((((s3 - s1) / ((b[1] * b[1] + 1.0).ln() * (b[1] * b[1] + 1.0).ln() + 2.0)) * 0.0282).tanh() * 5.00) + 0.5) * 0.0392).tanh() * 4.00) + 0.5).powf(((((({ let t6 = ((s3 * 0.0284).tanh() * 4.00); t6 * x0 + t6 } * 0.1000).tanh() * 6.00) * (((((s1 * 0.0280).tanh() * 6.00) * ((s3 * 0.0284).tanh() * 6.00)) * 0.0278).tanh() * 6.00)) * 0.0278).tanh() * 2.00));
    (((((v5 + ((v7 * 0.0494).tanh() * 10.00)) + v5) + ((s3 * 0.0284).tanh() * 10.00)) + ((s1 * 0.0280).tanh() * 10.00)) + b[1])
}

pub fn p1644_ref(x0: f64, b: [f64; 3], m: &mut f64) -> f64 {
    let mut s1 = { let t2 = b[2]; t2 * t2 + t2 };
    let mut s3 = h_sq_ref(x0, m);
    for i0 in 0..=3 { let mut s4: f64 = ((round_(b[(i0 + 1) % 3], m) + b[i0 % 3]) / (x0 * x0 + 0.5)); for i1 in 1..5 { s3 += ((((((s1 * 0.0280).tanh() * 5.00) * ((s1 * 0.0280).tanh() * 5.00) + 2.0).sqrt() * (b[i0 % 3] - x0)) * 0.0642).tanh() * 1.00); if lt(x0, ((s1 * 0.0280).tanh() * 1.00).tan(), m) { s4 += ((s3 * 0.0284).tanh() * 1.00); s3 /= (b[i1 % 3] * b[i1 % 3] + 2.0); } else { s1 = (s1 * 3.0 + ((s3 * 0.0284).tanh() * 2.00)).sin(); } } }
    let v5 = b[1];
    let v7 = ((((((((s3 - s1) / ((b[1] * b[1] + 1.0).ln() * (b[1] * b[1] + 1.0).ln() + 2.0)) * 0.0282).tanh() * 5.00) * ((((s3 - s1) / ((b[1] * b[1] + 1.0).ln() * (b[1] * b[1] + 1.0).ln() + 2.0)) * 0.0282).tanh() * 5.00) + 0.5) * 0.0392).tanh() * 4.00) + 0.5).powf(((((({ let t6 = ((s3 * 0.0284).tanh() * 4.00); t6 * x0 + t6 } * 0.1000).tanh() * 6.00) * (((((s1 * 0.0280).tanh() * 6.00) * ((s3 * 0.0284).tanh() * 6.00)) * 0.0278).tanh() * 6.00)) * 0.0278).tanh() * 2.00));
    (((((v5 + ((v7 * 0.0494).tanh() * 10.00)) + v5) + ((s3 * 0.0284).tanh() * 10.00)) + ((s1 * 0.0280).tanh() * 10.00)) + b[1])
}

pub fn p1644_run(x: &[f32]) -> Run {
    let b: [f32; 3] = [x[1], x[2], x[3]];
    let b_dot: [f32; 3] = [tangent(1), tangent(2), tangent(3)];
    let b_dot2: [f32; 3] = [tangent2(1), tangent2(2), tangent2(3)];
    let (value, g_x0, g_b) = p1644_grad(x[0], b);
    let (vjp_value, v_x0, v_b) = p1644_vjp(x[0], b, D_OUT);
    let (jvp_value, jvp) = p1644_jvp(x[0], tangent(0), b, b_dot);
    let (jvpk_value, jvpk) = p1644_jvpk(x[0], [tangent(0), tangent2(0)], b, [b_dot, b_dot2]);
    Run { plain: p1644(x[0], b), value, vjp_value, grad: vec![g_x0, g_b[0], g_b[1], g_b[2]], vjp: vec![v_x0, v_b[0], v_b[1], v_b[2]], jvp_value, jvp, jvpk_value, jvpk, hvp: None }
}

pub fn p1644_ref_flat(x: &[f64], m: &mut f64) -> f64 {
    p1644_ref(x[0], [x[1], x[2], x[3]], m)
}
