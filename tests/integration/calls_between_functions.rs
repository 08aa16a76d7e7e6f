use backprop::differentiable;

#[differentiable]
fn square(x: f32) -> f32 {
    x * x
}

#[differentiable]
fn dot3(a: &[f32; 3], b: &[f32; 3]) -> f32 {
    let mut s = 0.0;
    for i in 0..3 {
        s += a[i] * b[i];
    }
    s
}

#[differentiable]
fn layer(w: &[[f32; 3]; 2], x: &[f32; 3]) -> [f32; 2] {
    let mut out = [0.0; 2];
    for j in 0..2 {
        out[j] = dot3(&w[j], x).tanh();
    }
    out
}

#[differentiable]
fn model(w: &[[f32; 3]; 2], x: &[f32; 3], k: f32) -> f32 {
    let h = layer(w, x);
    square(h[0] * k) + square(h[1]) + dot3(x, x) * square(k)
}

struct Lin {
    w: [[f32; 3]; 2],
}

impl Lin {
    #[differentiable]
    fn energy(&self, x: &[f32; 3]) -> f32 {
        let h = layer(&self.w, x);
        h[0] + h[1] * h[1]
    }
}

#[test]
fn composition() {
    let w = [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]];
    let x = [1.0, 2.0, -1.0];
    let k = 0.7;
    let mut dw = [[0.0; 3]; 2];
    let mut dx = [0.0; 3];
    let (v, dk) = model_grad(&w, &mut dw, &x, &mut dx, k);
    assert!((v - model(&w, &x, k)).abs() < 1e-6);
    let eps = 1e-3;
    let num = (model(&w, &x, k + eps) - model(&w, &x, k - eps)) / (2.0 * eps);
    assert!((dk - num).abs() < 1e-2, "{dk} {num}");
    for j in 0..2 {
        for i in 0..3 {
            let mut wp = w;
            wp[j][i] += eps;
            let mut wm = w;
            wm[j][i] -= eps;
            let num = (model(&wp, &x, k) - model(&wm, &x, k)) / (2.0 * eps);
            assert!((dw[j][i] - num).abs() < 1e-2, "w{j}{i}: {} {num}", dw[j][i]);
        }
    }
    for i in 0..3 {
        let mut xp = x;
        xp[i] += eps;
        let mut xm = x;
        xm[i] -= eps;
        let num = (model(&w, &xp, k) - model(&w, &xm, k)) / (2.0 * eps);
        assert!((dx[i] - num).abs() < 1e-2, "x{i}: {} {num}", dx[i]);
    }
    let lin = Lin { w };
    let mut dlin = Lin { w: [[0.0; 3]; 2] };
    let e = lin.energy_grad(&mut dlin, &x, &mut [0.0; 3]);
    assert!((e - lin.energy(&x)).abs() < 1e-6);
    let mut lp = Lin { w };
    lp.w[1][2] += eps;
    let mut lm = Lin { w };
    lm.w[1][2] -= eps;
    let num = (lp.energy(&x) - lm.energy(&x)) / (2.0 * eps);
    assert!((dlin.w[1][2] - num).abs() < 1e-2, "{} {num}", dlin.w[1][2]);
}
