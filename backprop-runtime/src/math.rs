//! Scalar maths on `f32` for generated code.
//!
//! With the `std` feature these are `f32`'s own methods; without it they are `libm`'s, so the
//! same generated gradient compiles on `#![no_std]` targets. Users of a `no_std` build get the
//! method syntax (`x.sin()`) from [`Float`].

macro_rules! unary {
    ($t:ident; $($name:ident => $libm:ident),* $(,)?) => {$(
        #[doc = concat!("`", stringify!($t), "::", stringify!($name), "`")]
        #[inline(always)]
        pub fn $name(x: $t) -> $t {
            #[cfg(feature = "std")]
            { x.$name() }
            #[cfg(not(feature = "std"))]
            { libm::$libm(x) }
        }
    )*};
}

macro_rules! binary {
    ($t:ident; $($name:ident => $libm:ident),* $(,)?) => {$(
        #[doc = concat!("`", stringify!($t), "::", stringify!($name), "`")]
        #[inline(always)]
        pub fn $name(x: $t, y: $t) -> $t {
            #[cfg(feature = "std")]
            { x.$name(y) }
            #[cfg(not(feature = "std"))]
            { libm::$libm(x, y) }
        }
    )*};
}

/// The maths of one float type that are not one `libm` call of the same name.
macro_rules! composite {
    ($t:ident, powf = $powf:ident, fma = $fma:ident) => {
        #[doc = concat!("`", stringify!($t), "::powi`")]
        #[inline(always)]
        pub fn powi(x: $t, n: i32) -> $t {
            #[cfg(feature = "std")]
            {
                x.powi(n)
            }
            #[cfg(not(feature = "std"))]
            {
                libm::$powf(x, n as $t)
            }
        }

        #[doc = concat!("`", stringify!($t), "::mul_add`: `x * a + b` with one rounding.")]
        #[inline(always)]
        pub fn mul_add(x: $t, a: $t, b: $t) -> $t {
            #[cfg(feature = "std")]
            {
                x.mul_add(a, b)
            }
            #[cfg(not(feature = "std"))]
            {
                libm::$fma(x, a, b)
            }
        }

        #[doc = concat!("`", stringify!($t), "::clamp` (panics like it when `lo > hi` or either is NaN).")]
        #[inline(always)]
        pub fn clamp(x: $t, lo: $t, hi: $t) -> $t {
            x.clamp(lo, hi)
        }

        #[doc = concat!("`", stringify!($t), "::recip`")]
        #[inline(always)]
        pub fn recip(x: $t) -> $t {
            1.0 / x
        }

        #[doc = concat!("`", stringify!($t), "::signum`")]
        #[inline(always)]
        pub fn signum(x: $t) -> $t {
            if x.is_nan() {
                $t::NAN
            } else if x.is_sign_negative() {
                -1.0
            } else {
                1.0
            }
        }
    };
}

/// `Float` for one type, by the maths functions in scope where it is invoked.
macro_rules! impl_float {
    ($t:ident) => {
        impl Float for $t {
            impl_float!(@unary exp, exp2, ln, log2, log10, sqrt, cbrt, sin, cos, tan, tanh, sinh,
                cosh, asin, acos, atan, exp_m1, ln_1p, floor, ceil, round);
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
    };
    (@unary $($name:ident),*) => {$(
        #[inline(always)]
        fn $name(self) -> Self {
            $name(self)
        }
    )*};
}

unary! { f32;
    exp => expf, exp2 => exp2f, ln => logf, log2 => log2f, log10 => log10f, sqrt => sqrtf,
    cbrt => cbrtf, sin => sinf, cos => cosf, tan => tanf, tanh => tanhf, sinh => sinhf,
    cosh => coshf, asin => asinf, acos => acosf, atan => atanf, abs => fabsf,
    exp_m1 => expm1f, ln_1p => log1pf, floor => floorf, ceil => ceilf, round => roundf,
}

binary! { f32; powf => powf, atan2 => atan2f, hypot => hypotf, max => fmaxf, min => fminf }

composite!(f32, powf = powf, fma = fmaf);

impl_float!(f32);

/// The same maths on `f64`, for functions written over `f64`.
pub mod f64 {
    unary! { f64;
        exp => exp, exp2 => exp2, ln => log, log2 => log2, log10 => log10, sqrt => sqrt,
        cbrt => cbrt, sin => sin, cos => cos, tan => tan, tanh => tanh, sinh => sinh,
        cosh => cosh, asin => asin, acos => acos, atan => atan, abs => fabs,
        exp_m1 => expm1, ln_1p => log1p, floor => floor, ceil => ceil, round => round,
    }

    binary! { f64; powf => pow, atan2 => atan2, hypot => hypot, max => fmax, min => fmin }

    composite!(f64, powf = pow, fma = fma);

    use super::Float;
    impl_float!(f64);
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
