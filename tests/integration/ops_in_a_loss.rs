use backprop::differentiable;
use backprop::ops;

#[differentiable]
fn loss(w: &[[f32; 4]; 3], b: &[f32; 3], x: &[[f32; 4]; 5], slope: f32) -> f32 {
    let h = ops::linear_batch(x, w, b);
    let a = ops::leaky_relu(&h, slope);
    let g = ops::gelu(&a);
    let lp = ops::log_softmax(&g[0]);
    let k = [[1.0, 2.0], [0.5, -1.0], [0.25, 0.0]];
    let m = ops::matmul(&g, &k);
    ops::sum(&ops::sigmoid(&a))
        + lp[1]
        + ops::mean(&m)
        + ops::scalar::softplus(slope)
        + ops::log_sum_exp(&g[2])
        + ops::dot(&ops::tanh(b), &ops::softmax(&ops::scale(b, slope)))
}

#[test]
fn composes() {
    let mut w = [[0.0f32; 4]; 3];
    for (i, v) in w.iter_mut().flatten().enumerate() {
        *v = ((i * 7 % 11) as f32 - 5.0) / 7.0;
    }
    let b = [0.1, -0.2, 0.3];
    let mut x = [[0.0f32; 4]; 5];
    for (i, v) in x.iter_mut().flatten().enumerate() {
        *v = ((i * 5 % 13) as f32 - 6.0) / 5.0;
    }
    let slope = 0.2;
    let (mut dw, mut db, mut dx) = ([[0.0; 4]; 3], [0.0; 3], [[0.0; 4]; 5]);
    let (v, ds) = loss_grad(&w, &mut dw, &b, &mut db, &x, &mut dx, slope);
    assert!((v - loss(&w, &b, &x, slope)).abs() < 1e-5);
    let h = 1e-2f32;
    let fd = |f: &dyn Fn(f32) -> f32| (f(h) as f64 - f(-h) as f64) / (2.0 * h as f64);
    for r in 0..3 {
        for c in 0..4 {
            let g = fd(&|t| {
                let mut w2 = w;
                w2[r][c] += t;
                loss(&w2, &b, &x, slope)
            });
            assert!(
                (g - dw[r][c] as f64).abs() < 2e-3 * (1.0 + g.abs()),
                "w[{r}][{c}]: fd {g} vs {}",
                dw[r][c]
            );
        }
    }
    for r in 0..3 {
        let g = fd(&|t| {
            let mut b2 = b;
            b2[r] += t;
            loss(&w, &b2, &x, slope)
        });
        assert!(
            (g - db[r] as f64).abs() < 2e-3 * (1.0 + g.abs()),
            "b[{r}]: fd {g} vs {}",
            db[r]
        );
    }
    for r in 0..5 {
        for c in 0..4 {
            let g = fd(&|t| {
                let mut x2 = x;
                x2[r][c] += t;
                loss(&w, &b, &x2, slope)
            });
            assert!(
                (g - dx[r][c] as f64).abs() < 2e-3 * (1.0 + g.abs()),
                "x[{r}][{c}]: fd {g} vs {}",
                dx[r][c]
            );
        }
    }
    let g = fd(&|t| loss(&w, &b, &x, slope + t));
    assert!(
        (g - ds as f64).abs() < 2e-3 * (1.0 + g.abs()),
        "slope: fd {g} vs {ds}"
    );
    println!("value {v}, d_slope {ds}, dw {dw:?}");
}
