//! The right-hand sides (flows) and images (maps) of the built-in systems, each written
//! once, generic over [`Scalar`], so that the same code gives `f(x)` on `f64` and exact
//! Jacobian–vector products on [`Dual`].
//!
//! Equations follow the dysts catalog (Gilpin 2021, `dysts/flows.py`, `dysts/maps.py`),
//! with parameters passed positionally in sorted-name order, as dysts does.

use super::scalar::{Dual, Scalar};

/// A right-hand side evaluated on `f64`: `(state, params, out)`.
pub type RhsF64 = fn(&[f64], &[f64], &mut [f64]);
/// The same right-hand side evaluated on dual numbers.
pub type RhsDual = fn(&[Dual], &[f64], &mut [Dual]);

/// The compiled equations of one system: the generic function instantiated twice.
#[derive(Clone, Copy)]
pub struct Equations {
    /// `f(x)` on plain numbers.
    pub f: RhsF64,
    /// `f` on dual numbers, for Jacobian–vector products.
    pub dual: RhsDual,
}

macro_rules! equations {
    ($f:ident) => {
        Equations {
            f: $f::<f64>,
            dual: $f::<Dual>,
        }
    };
}

/// Looks up the compiled equations for a catalog name.
pub fn by_name(name: &str) -> Option<Equations> {
    Some(match name {
        "Lorenz" => equations!(lorenz),
        "Rossler" => equations!(rossler),
        "VanDerPol" => equations!(van_der_pol),
        "Duffing" => equations!(duffing),
        "Henon" => equations!(henon),
        _ => return None,
    })
}

/// Lorenz (1963): params `beta, rho, sigma`.
pub fn lorenz<S: Scalar>(x: &[S], p: &[f64], dx: &mut [S]) {
    let (beta, rho, sigma) = (p[0], p[1], p[2]);
    dx[0] = (x[1] - x[0]) * sigma;
    dx[1] = x[0] * (S::c(rho) - x[2]) - x[1];
    dx[2] = x[0] * x[1] - x[2] * beta;
}

/// Rössler (1976): params `a, b, c`.
pub fn rossler<S: Scalar>(x: &[S], p: &[f64], dx: &mut [S]) {
    let (a, b, c) = (p[0], p[1], p[2]);
    dx[0] = -x[1] - x[2];
    dx[1] = x[0] + x[1] * a;
    dx[2] = x[2] * (x[0] - c) + b;
}

/// Unforced van der Pol oscillator: params `mu`.
pub fn van_der_pol<S: Scalar>(x: &[S], p: &[f64], dx: &mut [S]) {
    let mu = p[0];
    dx[0] = x[1];
    dx[1] = (S::c(1.0) - x[0] * x[0]) * x[1] * mu - x[0];
}

/// Damped, forced Duffing oscillator with the forcing phase as a state (dysts form):
/// params `alpha, beta, delta, gamma, omega`.
pub fn duffing<S: Scalar>(x: &[S], p: &[f64], dx: &mut [S]) {
    let (alpha, beta, delta, gamma, omega) = (p[0], p[1], p[2], p[3], p[4]);
    dx[0] = x[1];
    dx[1] = -(x[1] * delta) - x[0] * beta - x[0].powi(3) * alpha + x[2].cos() * gamma;
    dx[2] = S::c(omega);
}

/// Hénon (1976) map: params `a, b`; writes the next iterate.
pub fn henon<S: Scalar>(x: &[S], p: &[f64], next: &mut [S]) {
    let (a, b) = (p[0], p[1]);
    next[0] = -(x[0] * x[0] * a) + x[1] + 1.0;
    next[1] = x[0] * b;
}
