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
}
