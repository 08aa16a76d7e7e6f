//! Scalar maths on `f32` for generated code.
//!
//! With the `std` feature these are `f32`'s own methods; without it they are `libm`'s, so the
//! same generated gradient compiles on `#![no_std]` targets. Users of a `no_std` build get the
//! method syntax (`x.sin()`) from [`Float`].

macro_rules! unary {
    ($($name:ident => $libm:ident),* $(,)?) => {$(
        #[doc = concat!("`f32::", stringify!($name), "`")]
        #[inline(always)]
        pub fn $name(x: f32) -> f32 {
            #[cfg(feature = "std")]
            { x.$name() }
            #[cfg(not(feature = "std"))]
            { libm::$libm(x) }
        }
    )*};
}

macro_rules! binary {
    ($($name:ident => $libm:ident),* $(,)?) => {$(
        #[doc = concat!("`f32::", stringify!($name), "`")]
        #[inline(always)]
        pub fn $name(x: f32, y: f32) -> f32 {
            #[cfg(feature = "std")]
            { x.$name(y) }
            #[cfg(not(feature = "std"))]
            { libm::$libm(x, y) }
        }
    )*};
}

unary! {
    exp => expf, exp2 => exp2f, ln => logf, log2 => log2f, log10 => log10f, sqrt => sqrtf,
    cbrt => cbrtf, sin => sinf, cos => cosf, tan => tanf, tanh => tanhf, sinh => sinhf,
    cosh => coshf, asin => asinf, acos => acosf, atan => atanf, abs => fabsf,
    exp_m1 => expm1f, ln_1p => log1pf, floor => floorf, ceil => ceilf, round => roundf,
}

binary! { powf => powf, atan2 => atan2f, hypot => hypotf, max => fmaxf, min => fminf }

/// `f32::powi`
#[inline(always)]
pub fn powi(x: f32, n: i32) -> f32 {
    #[cfg(feature = "std")]
    {
        x.powi(n)
    }
    #[cfg(not(feature = "std"))]
    {
        libm::powf(x, n as f32)
    }
}

/// `f32::mul_add`: `x * a + b` with one rounding.
#[inline(always)]
pub fn mul_add(x: f32, a: f32, b: f32) -> f32 {
    #[cfg(feature = "std")]
    {
        x.mul_add(a, b)
    }
    #[cfg(not(feature = "std"))]
    {
        libm::fmaf(x, a, b)
    }
}

/// `f32::clamp` (panics like it when `lo > hi` or either is NaN).
#[inline(always)]
pub fn clamp(x: f32, lo: f32, hi: f32) -> f32 {
    x.clamp(lo, hi)
}

/// `f32::recip`
#[inline(always)]
pub fn recip(x: f32) -> f32 {
    1.0 / x
}

/// `f32::signum`
#[inline(always)]
pub fn signum(x: f32) -> f32 {
    if x.is_nan() {
        f32::NAN
    } else if x.is_sign_negative() {
        -1.0
    } else {
        1.0
    }
}

/// Method syntax for the maths of [`math`](self) on `no_std` targets, where `f32` has no
/// `sin`, `exp`, ... of its own. With `std`, `f32`'s inherent methods take precedence.
pub trait Float: Sized {
    /// `e^self`
    fn exp(self) -> Self;
    /// `2^self`
    fn exp2(self) -> Self;
    /// natural logarithm
    fn ln(self) -> Self;
    /// base-2 logarithm
    fn log2(self) -> Self;
    /// base-10 logarithm
    fn log10(self) -> Self;
    /// square root
    fn sqrt(self) -> Self;
    /// cube root
    fn cbrt(self) -> Self;
    /// sine
    fn sin(self) -> Self;
    /// cosine
    fn cos(self) -> Self;
    /// tangent
    fn tan(self) -> Self;
    /// hyperbolic tangent
    fn tanh(self) -> Self;
    /// hyperbolic sine
    fn sinh(self) -> Self;
    /// hyperbolic cosine
    fn cosh(self) -> Self;
    /// arcsine
    fn asin(self) -> Self;
    /// arccosine
    fn acos(self) -> Self;
    /// arctangent
    fn atan(self) -> Self;
    /// `e^self - 1`, accurate near 0
    fn exp_m1(self) -> Self;
    /// `ln(1 + self)`, accurate near 0
    fn ln_1p(self) -> Self;
    /// largest integer not above
    fn floor(self) -> Self;
    /// smallest integer not below
    fn ceil(self) -> Self;
    /// nearest integer, ties away from zero
    fn round(self) -> Self;
    /// `self^n`
    fn powi(self, n: i32) -> Self;
    /// `self^y`
    fn powf(self, y: Self) -> Self;
    /// four-quadrant arctangent of `self / x`
    fn atan2(self, x: Self) -> Self;
    /// `sqrt(self^2 + y^2)`
    fn hypot(self, y: Self) -> Self;
    /// `self * a + b` with one rounding
    fn mul_add(self, a: Self, b: Self) -> Self;
}

macro_rules! float_methods {
    ($($name:ident),*) => {$(
        #[inline(always)]
        fn $name(self) -> Self {
            $name(self)
        }
    )*};
}

impl Float for f32 {
    float_methods!(
        exp, exp2, ln, log2, log10, sqrt, cbrt, sin, cos, tan, tanh, sinh, cosh, asin, acos, atan,
        exp_m1, ln_1p, floor, ceil, round
    );
    #[inline(always)]
    fn powi(self, n: i32) -> Self {
        powi(self, n)
    }
    #[inline(always)]
    fn powf(self, y: Self) -> Self {
        powf(self, y)
    }
    #[inline(always)]
    fn atan2(self, x: Self) -> Self {
        atan2(self, x)
    }
    #[inline(always)]
    fn hypot(self, y: Self) -> Self {
        hypot(self, y)
    }
    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        mul_add(self, a, b)
    }
}
