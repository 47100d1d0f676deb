//! Fourier modes of periodic coordinates (spec §1.7; the circle rotation of Colbrook &
//! Townsend, CPAM 77 (2024)): `cos(k x_j)`, `sin(k x_j)`, `k = 1 … K`, a real basis of
//! `e^{ikx_j}`, `|k| ≤ K`, in the raw (unscaled) coordinates in radians.

use super::spec::MAX_DICTIONARY_SIZE;
use crate::models::FitError;

/// Refuses a harmonic count `modes` outside `1 ..` what [`MAX_DICTIONARY_SIZE`] allows
/// for `dim` coordinates.
pub(super) fn check_modes(modes: usize, dim: usize) -> Result<(), FitError> {
    if modes == 0 || 2 * modes * dim + 1 > MAX_DICTIONARY_SIZE {
        return Err(FitError::Options(format!(
            "the Fourier dictionary needs between 1 and {} modes for {dim} coordinates, got {modes}; lower --degree",
            (MAX_DICTIONARY_SIZE - 1) / (2 * dim.max(1))
        )));
    }
    Ok(())
}

/// The constant (if `constant`), then `cos(k θ_j)`, `sin(k θ_j)` for `k = 1 … modes` in
/// each coordinate, into `out`; `θ_j = u_j scale_j + mean_j` undoes the scaling of `u`.
pub(super) fn eval(
    modes: usize,
    (mean, scale): (&[f64], &[f64]),
    constant: bool,
    u: &[f64],
    out: &mut [f64],
) {
    let mut at = 0;
    if constant {
        out[0] = 1.0;
        at = 1;
    }
    for j in 0..u.len() {
        let theta = u[j] * scale[j] + mean[j];
        for k in 1..=modes {
            let (s, c) = (k as f64 * theta).sin_cos();
            out[at] = c;
            out[at + 1] = s;
            at += 2;
        }
    }
}

/// Names `1` (if `constant`), `cos(k x)`, `sin(k x)` into `out`.
pub(super) fn names(
    modes: usize,
    constant: bool,
    dim: usize,
    var: &dyn Fn(usize) -> String,
    out: &mut Vec<String>,
) {
    if constant {
        out.push("1".into());
    }
    for j in 0..dim {
        for k in 1..=modes {
            out.push(format!("cos({k} {})", var(j)));
            out.push(format!("sin({k} {})", var(j)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Dictionary, FittedDictionary};

    #[test]
    fn fourier_dictionary_acts_on_raw_coordinates() {
        let x = [0.5, 2.0, 4.0];
        let f = FittedDictionary::fit(&Dictionary::Fourier { modes: 2 }, &x, 1).expect("fits");
        let psi = f.eval(&[1.25]);
        let want = [
            1.0,
            1.25f64.cos(),
            1.25f64.sin(),
            2.5f64.cos(),
            2.5f64.sin(),
        ];
        for (a, b) in psi.iter().zip(want) {
            assert!((a - b).abs() < 1e-14, "{psi:?}");
        }
        assert_eq!(f.names(&["θ".into()])[3], "cos(2 θ)");
    }
}
