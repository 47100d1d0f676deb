//! The six delay-differential equations of the dysts catalog, `dx/dt = f(x(t), x(t − τ))`,
//! written from the dysts reference `EQUATIONS.md` (Gilpin 2021, `dysts/flows.py`).
//!
//! Each function takes the pair `[x(t), x(t − τ)]` as its "state" and writes `dx/dt` to
//! `out[0]`; the parameters arrive in sorted-name order as for every catalog system
//! (`tau` is among them; the solver reads it by name, the right-hand sides ignore it).
//! They are integrated by the method-of-steps solver in
//! [`crate::integrate::dde`]; a trajectory records the ten-column delay embedding
//! `x(t − kτ/9)`, `k = 0..9`, as dysts does.

use crate::systems::scalar::Scalar;

/// IkedaDelay (Ikeda & Matsumoto 1987): `dx/dt = μ sin(x(t − τ) − x0) − c x`.
/// Params: `c`, `mu`, `tau`, `x0`.
pub fn ikeda_delay<S: Scalar>(x: &[S], p: &[f64], out: &mut [S]) {
    let (c, mu, x0) = (p[0], p[1], p[3]);
    out[0] = (x[1] - x0).sin() * mu - x[0] * c;
}

/// MackeyGlass (Glass & Mackey 1979): `dx/dt = β x(t − τ)/(1 + x(t − τ)^n) − γ x`.
/// Params: `beta`, `gamma`, `n`, `tau`.
pub fn mackey_glass<S: Scalar>(x: &[S], p: &[f64], out: &mut [S]) {
    let (beta, gamma, n) = (p[0], p[1], p[2]);
    let xt = x[1];
    out[0] = xt * beta / (xt.powf(n) + 1.0) - x[0] * gamma;
}

/// PiecewiseCircuit (Tamaševičius, Mykolaitis & Bumelienė, Electron. Lett. 42, 2006):
/// `dx/dt = −α x(t − τ) + β (3 x(t − τ)/c − (x(t − τ)/c)³)`. Params: `alpha`, `beta`,
/// `c`, `tau`. The right-hand side depends only on the delayed value.
pub fn piecewise_circuit<S: Scalar>(x: &[S], p: &[f64], out: &mut [S]) {
    let (alpha, beta, c) = (p[0], p[1], p[2]);
    let xt = x[1];
    out[0] = -xt * alpha + (xt * 3.0 / c - (xt / c).powi(3)) * beta;
}

/// ScrollDelay (dysts cites Driver, *Ordinary and Delay Differential Equations*, 1977):
/// `dx/dt = −α x(t − τ) + β tanh(10 x(t − τ))`. Params: `alpha`, `beta`, `tau`.
pub fn scroll_delay<S: Scalar>(x: &[S], p: &[f64], out: &mut [S]) {
    let (alpha, beta) = (p[0], p[1]);
    let xt = x[1];
    out[0] = -xt * alpha + (xt * 10.0).tanh() * beta;
}

/// SprottDelay (Sprott 2007, "A simple chaotic delay differential equation"):
/// `dx/dt = μ sin(x(t − τ) − x0) − c x`, the Ikeda form. Params: `c`, `mu`, `tau`, `x0`.
pub fn sprott_delay<S: Scalar>(x: &[S], p: &[f64], out: &mut [S]) {
    ikeda_delay(x, p, out);
}

/// VossDelay (Voss 2002, an electronic circuit with delayed feedback): `dx/dt = −α x + (−10.44 x_τ³ − 13.95 x_τ² − 3.63 x_τ + 0.85)`
/// with `x_τ = x(t − τ)`. Params: `alpha`, `tau`.
pub fn voss_delay<S: Scalar>(x: &[S], p: &[f64], out: &mut [S]) {
    let alpha = p[0];
    let xt = x[1];
    let poly = xt.powi(3) * -10.44 - xt.powi(2) * 13.95 - xt * 3.63 + 0.85;
    out[0] = -x[0] * alpha + poly;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(f: fn(&[f64], &[f64], &mut [f64]), x: f64, xt: f64, p: &[f64]) -> f64 {
        let mut out = [f64::NAN];
        f(&[x, xt], p, &mut out);
        out[0]
    }

    /// Each right-hand side against the formula evaluated by hand at one point.
    #[test]
    fn delay_right_hand_sides_match_the_formulas() {
        let (x, xt) = (0.7, -1.3);
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-13 * (1.0 + b.abs()), "{a} {b}");
        close(
            eval(ikeda_delay, x, xt, &[1.0, -20.0, 2.0, 0.1]),
            -20.0 * (xt - 0.1f64).sin() - x,
        );
        close(
            eval(mackey_glass, x, xt, &[0.2, 0.1, 10.0, 16.0]),
            0.2 * xt / (1.0 + xt.powi(10)) - 0.1 * x,
        );
        close(
            eval(piecewise_circuit, x, xt, &[1.0, 1.0, 2.24, 4.9]),
            -xt + (3.0 * xt / 2.24 - (xt / 2.24).powi(3)),
        );
        close(
            eval(scroll_delay, x, xt, &[0.2, 0.2, 10.0]),
            -0.2 * xt + 0.2 * (10.0 * xt).tanh(),
        );
        close(
            eval(voss_delay, x, xt, &[3.24, 13.28]),
            -3.24 * x - 10.44 * xt.powi(3) - 13.95 * xt * xt - 3.63 * xt + 0.85,
        );
    }
}
