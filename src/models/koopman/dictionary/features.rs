//! The functions of a fitted dictionary, family by family ([`Features`]), and the one
//! place that dispatches fitting, counting, naming and evaluating to each family's file.
//! Every family can lead with the constant and the state `1, u` ([`StateFeatures`]);
//! a concatenation puts them first once, then each part's own functions.

use serde::{Deserialize, Serialize};

use super::kernel::{self, Kernel};
use super::spec::{Dictionary, StateFeatures};
use super::{fourier, monomials, random_fourier, rbf};
use crate::models::FitError;

/// The functions of a fitted dictionary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub(super) enum Features {
    /// Exponent vectors, one per function.
    Monomials { exponents: Vec<Vec<u32>> },
    /// Centres (row-major `k × n`), width, and whether `1, u` come first.
    Rbf {
        centres: Vec<f64>,
        width: f64,
        state: StateFeatures,
    },
    /// Thin-plate splines: centres, width, and whether `1, u` come first.
    #[serde(rename = "thin-plate")]
    ThinPlate {
        centres: Vec<f64>,
        width: f64,
        state: StateFeatures,
    },
    /// Frequencies (row-major `D × n`): `cos`, then `sin` of each, after `1, u` if asked.
    Rff {
        frequencies: Vec<f64>,
        state: StateFeatures,
    },
    /// Kernel expansion: states (row-major `P × n`), bandwidth, and coefficients
    /// (row-major `P × r`).
    Kernel {
        kernel: Kernel,
        points: Vec<f64>,
        width: f64,
        coefficients: Vec<f64>,
        functions: usize,
    },
    /// Fourier modes: harmonics, and the centring and scaling to undo (they act on the
    /// raw coordinates); the constant first unless inside a concatenation.
    Fourier {
        modes: usize,
        mean: Vec<f64>,
        scale: Vec<f64>,
        constant: bool,
    },
    /// The constant and the state.
    Affine,
    /// Parts side by side.
    Concat { parts: Vec<Features> },
}

impl Features {
    /// The features of `dict` on scaled states `u`; inside a concatenation the state
    /// functions are left to the leading affine part.
    pub(super) fn fit(
        dict: &Dictionary,
        u: &[f64],
        dim: usize,
        in_concat: bool,
        (mean, scale): (&[f64], &[f64]),
    ) -> Result<Self, FitError> {
        let part_state = |s: StateFeatures| {
            if in_concat { StateFeatures::Exclude } else { s }
        };
        Ok(match dict {
            Dictionary::Monomials { degree } => Features::Monomials {
                exponents: monomials::fit(dim, *degree, in_concat)?,
            },
            Dictionary::Rbf {
                centers,
                seed,
                state,
            } => {
                let (centres, width) = rbf::centres_and_width(u, dim, *centers, *seed, "RBF")?;
                Features::Rbf {
                    centres,
                    width,
                    state: part_state(*state),
                }
            }
            Dictionary::ThinPlate {
                centers,
                seed,
                state,
            } => {
                let (centres, width) =
                    rbf::centres_and_width(u, dim, *centers, *seed, "thin-plate")?;
                Features::ThinPlate {
                    centres,
                    width,
                    state: part_state(*state),
                }
            }
            Dictionary::Rff {
                features,
                seed,
                state,
            } => Features::Rff {
                frequencies: random_fourier::frequencies(u, dim, *features, *seed)?,
                state: part_state(*state),
            },
            Dictionary::Kernel {
                kernel,
                functions,
                points,
            } => kernel::fit(u, dim, *kernel, *functions, *points)?,
            Dictionary::Fourier { modes } => {
                fourier::check_modes(*modes, dim)?;
                Features::Fourier {
                    modes: *modes,
                    mean: mean.to_vec(),
                    scale: scale.to_vec(),
                    constant: !in_concat,
                }
            }
            Dictionary::Concat { parts } => {
                if in_concat {
                    return Err(FitError::Options(
                        "a dictionary concatenation cannot contain another one".into(),
                    ));
                }
                if parts.is_empty() {
                    return Err(FitError::Options(
                        "an empty dictionary concatenation".into(),
                    ));
                }
                let mut fitted = vec![Features::Affine];
                for p in parts {
                    fitted.push(Features::fit(p, u, dim, true, (mean, scale))?);
                }
                Features::Concat { parts: fitted }
            }
            Dictionary::Delay { .. } => {
                return Err(FitError::Options(
                    "delay coordinates apply to a whole trajectory, not to snapshot pairs; put them outermost (e.g. delay+rbf) and fit a trajectory".into(),
                ));
            }
        })
    }

    /// The number of functions on `dim`-dimensional states.
    pub(super) fn len(&self, dim: usize) -> usize {
        let state = |s: &StateFeatures| match s {
            StateFeatures::Include => 1 + dim,
            StateFeatures::Exclude => 0,
        };
        match self {
            Features::Monomials { exponents } => exponents.len(),
            Features::Rbf {
                centres, state: s, ..
            }
            | Features::ThinPlate {
                centres, state: s, ..
            } => centres.len() / dim + state(s),
            Features::Rff {
                frequencies,
                state: s,
            } => 2 * frequencies.len() / dim + state(s),
            Features::Kernel { functions, .. } => *functions,
            Features::Fourier {
                modes, constant, ..
            } => 2 * modes * dim + usize::from(*constant),
            Features::Affine => 1 + dim,
            Features::Concat { parts } => parts.iter().map(|p| p.len(dim)).sum(),
        }
    }

    /// The functions' names (variable `j` named by `var(j)`) appended to `out`.
    pub(super) fn names(&self, dim: usize, var: &dyn Fn(usize) -> String, out: &mut Vec<String>) {
        let state = |s: &StateFeatures, out: &mut Vec<String>| {
            if *s == StateFeatures::Include {
                out.push("1".into());
                out.extend((0..dim).map(var));
            }
        };
        match self {
            Features::Monomials { exponents } => monomials::names(exponents, var, out),
            Features::Rbf {
                centres, state: s, ..
            } => {
                state(s, out);
                out.extend((0..centres.len() / dim).map(|k| format!("rbf{k}")));
            }
            Features::ThinPlate {
                centres, state: s, ..
            } => {
                state(s, out);
                out.extend((0..centres.len() / dim).map(|k| format!("tps{k}")));
            }
            Features::Rff {
                frequencies,
                state: s,
            } => {
                state(s, out);
                let d = frequencies.len() / dim;
                out.extend((0..d).map(|k| format!("cos{k}")));
                out.extend((0..d).map(|k| format!("sin{k}")));
            }
            Features::Kernel { functions, .. } => {
                out.extend((0..*functions).map(|k| format!("kernel{k}")));
            }
            Features::Fourier {
                modes, constant, ..
            } => fourier::names(*modes, *constant, dim, var, out),
            Features::Affine => state(&StateFeatures::Include, out),
            Features::Concat { parts } => {
                for p in parts {
                    p.names(dim, var, out);
                }
            }
        }
    }

    /// `ψ` at scaled state `u` into `out` (exactly `self.len()` values).
    pub(super) fn eval(&self, u: &[f64], out: &mut [f64]) {
        let n = u.len();
        // Writes 1, u when asked; returns where the family's own functions start.
        let state = |s: &StateFeatures, out: &mut [f64]| -> usize {
            if *s == StateFeatures::Include {
                out[0] = 1.0;
                out[1..=n].copy_from_slice(u);
                n + 1
            } else {
                0
            }
        };
        match self {
            Features::Monomials { exponents } => monomials::eval(exponents, u, out),
            Features::Rbf {
                centres,
                width,
                state: s,
            } => {
                let k0 = state(s, out);
                rbf::eval_gaussian(centres, *width, u, &mut out[k0..]);
            }
            Features::ThinPlate {
                centres,
                width,
                state: s,
            } => {
                let k0 = state(s, out);
                rbf::eval_thin_plate(centres, *width, u, &mut out[k0..]);
            }
            Features::Rff {
                frequencies,
                state: s,
            } => {
                let k0 = state(s, out);
                random_fourier::eval(frequencies, u, &mut out[k0..]);
            }
            Features::Kernel {
                kernel,
                points,
                width,
                coefficients,
                functions,
            } => kernel::eval_expansion(*kernel, points, *width, coefficients, *functions, u, out),
            Features::Fourier {
                modes,
                mean,
                scale,
                constant,
            } => fourier::eval(*modes, (mean, scale), *constant, u, out),
            Features::Affine => {
                state(&StateFeatures::Include, out);
            }
            Features::Concat { parts } => {
                let mut at = 0;
                for p in parts {
                    let len = p.len(n);
                    p.eval(u, &mut out[at..at + len]);
                    at += len;
                }
            }
        }
    }
}
