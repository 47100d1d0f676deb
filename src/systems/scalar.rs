//! The scalar types a right-hand side is written over: plain `f64` for integration and
//! forward-mode dual numbers for exact Jacobian–vector products.
//!
//! Every system's equations are written once, generic over [`Scalar`]. Evaluated at
//! `Dual { re: x, eps: v }` they return `f(x)` in the real parts and the directional
//! derivative `J(x) v` in the dual parts — exact to rounding, with no hand-written or
//! finite-difference Jacobian (Griewank & Walther, *Evaluating Derivatives*, 2nd ed.,
//! SIAM 2008, ch. 3).

use std::ops::{Add, Div, Mul, Neg, Sub};

/// A number a right-hand side can be evaluated on: `f64` or [`Dual`].
pub trait Scalar:
    Copy
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + Add<f64, Output = Self>
    + Sub<f64, Output = Self>
    + Mul<f64, Output = Self>
    + Div<f64, Output = Self>
    + Send
    + Sync
    + 'static
{
    /// A constant (zero derivative).
    fn c(value: f64) -> Self;
    /// The real (primal) part.
    fn re(self) -> f64;
    fn sin(self) -> Self;
    fn cos(self) -> Self;
    fn exp(self) -> Self;
    fn tanh(self) -> Self;
    /// Integer power.
    fn powi(self, n: i32) -> Self;
    /// Real power with a constant exponent, `self^n` (d/dx = n·x^(n−1)).
    fn powf(self, n: f64) -> Self;
    /// Square root (d/dx = 1/(2√x); infinite at 0).
    fn sqrt(self) -> Self;
    /// Natural logarithm.
    fn ln(self) -> Self;
    /// Hyperbolic cosine.
    fn cosh(self) -> Self;
    /// Hyperbolic sine.
    fn sinh(self) -> Self;
    /// Inverse cosine on [−1, 1] (d/dx = −1/√(1−x²)).
    fn acos(self) -> Self;
    /// `atan2(self, x)`: the angle of the point `(x, self)` (d = (x dy − y dx)/(x² + y²)).
    fn atan2(self, x: Self) -> Self;
    /// Absolute value; derivative `sign(x)` almost everywhere (0 at x = 0).
    fn abs(self) -> Self;
    /// Sign: −1, 0 or +1 (`sign(0) = 0`, unlike `f64::signum`); derivative 0 almost
    /// everywhere.
    fn sign(self) -> Self;
    /// Heaviside step `H(x)` with `H(0) = 0`; derivative 0 almost everywhere.
    fn heaviside(self) -> Self;
    /// Largest integer not above `x`; derivative 0 almost everywhere.
    fn floor(self) -> Self;
    /// Non-negative remainder `x − m·floor(x/m)` (Python's `%`); derivative 1 almost
    /// everywhere.
    fn rem_euclid(self, m: f64) -> Self;
    /// The larger of two numbers; the derivative is that of the larger one (of `self`
    /// on a tie).
    fn max(self, other: Self) -> Self;
    /// The smaller of two numbers; the derivative is that of the smaller one (of `self`
    /// on a tie).
    fn min(self, other: Self) -> Self;
}

/// `sign(x)` with `sign(0) = 0` and NaN passed through.
fn sign_f64(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        x * 0.0
    }
}

/// `H(x)` with `H(0) = 0` and NaN passed through.
fn heaviside_f64(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x.is_nan() {
        x
    } else {
        0.0
    }
}

impl Scalar for f64 {
    fn c(value: f64) -> Self {
        value
    }
    fn re(self) -> f64 {
        self
    }
    fn sin(self) -> Self {
        f64::sin(self)
    }
    fn cos(self) -> Self {
        f64::cos(self)
    }
    fn exp(self) -> Self {
        f64::exp(self)
    }
    fn tanh(self) -> Self {
        f64::tanh(self)
    }
    fn powi(self, n: i32) -> Self {
        f64::powi(self, n)
    }
    fn powf(self, n: f64) -> Self {
        f64::powf(self, n)
    }
    fn sqrt(self) -> Self {
        f64::sqrt(self)
    }
    fn ln(self) -> Self {
        f64::ln(self)
    }
    fn cosh(self) -> Self {
        f64::cosh(self)
    }
    fn sinh(self) -> Self {
        f64::sinh(self)
    }
    fn acos(self) -> Self {
        f64::acos(self)
    }
    fn atan2(self, x: Self) -> Self {
        f64::atan2(self, x)
    }
    fn abs(self) -> Self {
        f64::abs(self)
    }
    fn sign(self) -> Self {
        sign_f64(self)
    }
    fn heaviside(self) -> Self {
        heaviside_f64(self)
    }
    fn floor(self) -> Self {
        f64::floor(self)
    }
    fn rem_euclid(self, m: f64) -> Self {
        f64::rem_euclid(self, m)
    }
    fn max(self, other: Self) -> Self {
        if other > self { other } else { self }
    }
    fn min(self, other: Self) -> Self {
        if other < self { other } else { self }
    }
}

/// A first-order dual number `re + eps·ε` with `ε² = 0`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Dual {
    /// The value.
    pub re: f64,
    /// The derivative along the seeded direction.
    pub eps: f64,
}

impl Dual {
    /// A dual number with value `re` and tangent `eps`.
    pub const fn new(re: f64, eps: f64) -> Self {
        Self { re, eps }
    }
}

impl Add for Dual {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        Self::new(self.re + o.re, self.eps + o.eps)
    }
}
impl Sub for Dual {
    type Output = Self;
    fn sub(self, o: Self) -> Self {
        Self::new(self.re - o.re, self.eps - o.eps)
    }
}
impl Mul for Dual {
    type Output = Self;
    fn mul(self, o: Self) -> Self {
        Self::new(self.re * o.re, self.re * o.eps + self.eps * o.re)
    }
}
impl Div for Dual {
    type Output = Self;
    fn div(self, o: Self) -> Self {
        let q = self.re / o.re;
        Self::new(q, (self.eps - q * o.eps) / o.re)
    }
}
impl Neg for Dual {
    type Output = Self;
    fn neg(self) -> Self {
        Self::new(-self.re, -self.eps)
    }
}
impl Add<f64> for Dual {
    type Output = Self;
    fn add(self, o: f64) -> Self {
        Self::new(self.re + o, self.eps)
    }
}
impl Sub<f64> for Dual {
    type Output = Self;
    fn sub(self, o: f64) -> Self {
        Self::new(self.re - o, self.eps)
    }
}
impl Mul<f64> for Dual {
    type Output = Self;
    fn mul(self, o: f64) -> Self {
        Self::new(self.re * o, self.eps * o)
    }
}
impl Div<f64> for Dual {
    type Output = Self;
    fn div(self, o: f64) -> Self {
        Self::new(self.re / o, self.eps / o)
    }
}

impl Scalar for Dual {
    fn c(value: f64) -> Self {
        Self::new(value, 0.0)
    }
    fn re(self) -> f64 {
        self.re
    }
    fn sin(self) -> Self {
        Self::new(self.re.sin(), self.eps * self.re.cos())
    }
    fn cos(self) -> Self {
        Self::new(self.re.cos(), -self.eps * self.re.sin())
    }
    fn exp(self) -> Self {
        let e = self.re.exp();
        Self::new(e, self.eps * e)
    }
    fn tanh(self) -> Self {
        let t = self.re.tanh();
        Self::new(t, self.eps * (1.0 - t * t))
    }
    fn powi(self, n: i32) -> Self {
        if n == 0 {
            return Self::c(1.0);
        }
        Self::new(
            self.re.powi(n),
            self.eps * f64::from(n) * self.re.powi(n - 1),
        )
    }
    fn powf(self, n: f64) -> Self {
        if n == 0.0 {
            return Self::c(1.0);
        }
        Self::new(self.re.powf(n), self.eps * n * self.re.powf(n - 1.0))
    }
    fn sqrt(self) -> Self {
        let r = self.re.sqrt();
        Self::new(r, self.eps / (2.0 * r))
    }
    fn ln(self) -> Self {
        Self::new(self.re.ln(), self.eps / self.re)
    }
    fn cosh(self) -> Self {
        Self::new(self.re.cosh(), self.eps * self.re.sinh())
    }
    fn sinh(self) -> Self {
        Self::new(self.re.sinh(), self.eps * self.re.cosh())
    }
    fn acos(self) -> Self {
        Self::new(self.re.acos(), -self.eps / (1.0 - self.re * self.re).sqrt())
    }
    fn atan2(self, x: Self) -> Self {
        let (y, r2) = (self, x.re * x.re + self.re * self.re);
        Self::new(y.re.atan2(x.re), (x.re * y.eps - y.re * x.eps) / r2)
    }
    fn abs(self) -> Self {
        Self::new(self.re.abs(), self.eps * sign_f64(self.re))
    }
    fn sign(self) -> Self {
        Self::c(sign_f64(self.re))
    }
    fn heaviside(self) -> Self {
        Self::c(heaviside_f64(self.re))
    }
    fn floor(self) -> Self {
        Self::c(self.re.floor())
    }
    fn rem_euclid(self, m: f64) -> Self {
        Self::new(self.re.rem_euclid(m), self.eps)
    }
    fn max(self, other: Self) -> Self {
        if other.re > self.re { other } else { self }
    }
    fn min(self, other: Self) -> Self {
        if other.re < self.re { other } else { self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Central difference of a scalar function, for checking the dual rules.
    fn fd(f: impl Fn(f64) -> f64, x: f64) -> f64 {
        let h = 1e-6;
        (f(x + h) - f(x - h)) / (2.0 * h)
    }

    #[test]
    fn elementary_derivatives_match_finite_differences() {
        for &x in &[-1.3, 0.2, 0.9, 2.5] {
            let d = Dual::new(x, 1.0);
            assert!((d.sin().eps - fd(f64::sin, x)).abs() < 1e-8);
            assert!((d.cos().eps - fd(f64::cos, x)).abs() < 1e-8);
            assert!((d.exp().eps - fd(f64::exp, x)).abs() < 1e-7);
            assert!((d.tanh().eps - fd(f64::tanh, x)).abs() < 1e-8);
            assert!((d.powi(3).eps - fd(|y| y.powi(3), x)).abs() < 1e-6);
            let q = (Dual::c(1.0) / (d * d + 1.0)).eps;
            assert!((q - fd(|y| 1.0 / (y * y + 1.0), x)).abs() < 1e-8);
        }
    }

    /// Every added rule against a central difference with h = 1e-6: the truncation
    /// error is O(h²·|f‴|) ~ 1e-12 and the rounding error O(ε·|f|/h) ~ 1e-10·|f|, so
    /// 1e-7 relative (plus 1e-7 absolute) cannot hide a wrong rule (those are off by
    /// O(1)). Points stay farther than h from the kinks of the non-smooth functions.
    #[test]
    fn added_derivatives_match_finite_differences() {
        type Rule = (&'static str, fn(Dual) -> Dual, fn(f64) -> f64);
        let rules: [Rule; 16] = [
            ("powf", |d| d.powf(1.25), |x| x.powf(1.25)),
            ("sqrt", |d| d.sqrt(), f64::sqrt),
            ("ln", |d| d.ln(), f64::ln),
            ("cosh", |d| d.cosh(), f64::cosh),
            ("sinh", |d| d.sinh(), f64::sinh),
            ("acos", |d| (d * 0.3).acos(), |x| (x * 0.3).acos()),
            ("atan2 y", |d| d.atan2(Dual::c(-0.7)), |x| x.atan2(-0.7)),
            ("atan2 x", |d| Dual::c(0.4).atan2(d), |x| 0.4f64.atan2(x)),
            ("abs", |d| (d - 1.0).abs(), |x| (x - 1.0).abs()),
            ("sign", |d| d.sign() * d, |x| sign_f64(x) * x),
            (
                "heaviside",
                |d| (d - 1.0).heaviside() * d,
                |x| heaviside_f64(x - 1.0) * x,
            ),
            ("floor", |d| d.floor() + d * 2.0, |x| x.floor() + 2.0 * x),
            (
                "rem_euclid",
                |d| (d * 3.0).rem_euclid(0.7),
                |x| (x * 3.0).rem_euclid(0.7),
            ),
            ("max", |d| d.max(d * d), |x| x.max(x * x)),
            ("min", |d| d.min(d * d), |x| x.min(x * x)),
            ("powi", |d| d.powi(-2), |x| x.powi(-2)),
        ];
        for &x in &[0.23, 0.61, 1.37, 2.9] {
            for (name, dual, real) in &rules {
                let d = dual(Dual::new(x, 1.0));
                assert_eq!(d.re, real(x), "{name} value at {x}");
                let want = fd(*real, x);
                assert!(
                    (d.eps - want).abs() <= 1e-7 * (1.0 + want.abs()),
                    "{name}'({x}) = {} but finite differences give {want}",
                    d.eps
                );
            }
        }
    }

    #[test]
    fn sign_and_step_follow_the_dysts_conventions_at_zero() {
        assert_eq!(Scalar::sign(0.0f64), 0.0);
        assert_eq!(Scalar::sign(-2.0f64), -1.0);
        assert_eq!(Scalar::heaviside(0.0f64), 0.0);
        assert_eq!(Scalar::heaviside(1e-300f64), 1.0);
        // Python: -0.25 % 1.0 == 0.75
        assert_eq!(Scalar::rem_euclid(-0.25f64, 1.0), 0.75);
    }
}
