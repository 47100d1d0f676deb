//! Kernel EDMD's dictionary (Williams, Rowley & Kevrekidis, J. Comput. Dyn. 2 (2015)):
//! the kernel ([`Kernel`]), the expansion learned from the fit states, and its
//! evaluation `ψ_j(u) = Σ_i k(u, u_i) (Q_r Σ_r⁻¹)_ij`.

use faer::Mat;
use serde::{Deserialize, Serialize};

use super::distances::{centroid_distance, dist2};
use super::features::Features;
use super::spec::MAX_DICTIONARY_SIZE;
use crate::models::FitError;

/// Kernel matrix eigenvalues below this fraction of the largest are dropped.
pub const KERNEL_EIGEN_TOL: f64 = 1e-11;
/// Kernel expansions over more states than this are refused (`O(P³)`, `P²` memory).
pub const MAX_KERNEL_POINTS: usize = 4000;

/// The kernel of kernel EDMD, with bandwidth `d` = mean distance of the (scaled) data to
/// their centroid (spec §1.8).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kernel {
    /// `exp(−‖u − u'‖²/d²)`.
    #[default]
    Gaussian,
    /// `exp(−‖u − u'‖/d)`.
    Laplacian,
}

impl Kernel {
    /// The CLI name.
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Gaussian => "gaussian",
            Kernel::Laplacian => "laplacian",
        }
    }

    /// `k` at squared distance `r2` for bandwidth `d`.
    fn eval(self, r2: f64, d: f64) -> f64 {
        match self {
            Kernel::Gaussian => (-r2 / (d * d)).exp(),
            Kernel::Laplacian => (-r2.sqrt() / d).exp(),
        }
    }
}

impl std::str::FromStr for Kernel {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "gaussian" => Ok(Kernel::Gaussian),
            "laplacian" => Ok(Kernel::Laplacian),
            other => Err(format!(
                "unknown kernel '{other}'; use gaussian or laplacian"
            )),
        }
    }
}

/// Kernel EDMD's expansion on the scaled fit states `u` (row-major, `dim` columns):
/// the kernel matrix `Ĝ = QΣ²Q*` of up to `points` evenly spaced states, and the
/// coefficients `Q_r Σ_r⁻¹` of its leading `r ≤ functions` eigenpairs (Williams, Rowley
/// & Kevrekidis 2015, §3; spec §1.8).
pub(super) fn fit(
    u: &[f64],
    dim: usize,
    kernel: Kernel,
    functions: usize,
    points: usize,
) -> Result<Features, FitError> {
    let m = u.len() / dim;
    if functions == 0 || functions > MAX_DICTIONARY_SIZE {
        return Err(FitError::Options(format!(
            "kernel EDMD needs between 1 and {MAX_DICTIONARY_SIZE} functions, got {functions}"
        )));
    }
    if !(2..=MAX_KERNEL_POINTS).contains(&points) {
        return Err(FitError::Options(format!(
            "kernel EDMD's expansion needs between 2 and {MAX_KERNEL_POINTS} states, got {points}; lower --kernel-points"
        )));
    }
    // Evenly spaced fit states (all of them when there are few enough).
    let p = points.min(m);
    let picks: Vec<usize> = (0..p).map(|i| i * m / p).collect();
    let pts: Vec<f64> = picks
        .iter()
        .flat_map(|&i| u[i * dim..(i + 1) * dim].iter().copied())
        .collect();
    let width = centroid_distance(u, dim);
    let row = |i: usize| &pts[i * dim..(i + 1) * dim];
    let gram = Mat::from_fn(p, p, |i, j| kernel.eval(dist2(row(i), row(j)), width));
    let evd = gram.self_adjoint_eigen(faer::Side::Lower).map_err(|e| {
        FitError::Numerical(format!("kernel matrix eigen-decomposition failed: {e:?}"))
    })?;
    // Eigenvalues in nondecreasing order: keep the largest, above the tolerance, and
    // fewer than the fit pairs (EDMD needs more pairs than functions).
    let s = evd.S();
    let top = s[p - 1].max(0.0);
    let keep = (0..p)
        .rev()
        .take_while(|&i| s[i] > KERNEL_EIGEN_TOL * top)
        .take(functions.min(m.saturating_sub(1)))
        .collect::<Vec<_>>();
    if keep.is_empty() {
        return Err(FitError::Data(
            "the kernel matrix of the data is zero; check the data".into(),
        ));
    }
    let r = keep.len();
    let q = evd.U();
    let mut coefficients = vec![0.0; p * r];
    for (c, &k) in keep.iter().enumerate() {
        let inv = 1.0 / s[k].sqrt();
        for i in 0..p {
            coefficients[i * r + c] = q[(i, k)] * inv;
        }
    }
    Ok(Features::Kernel {
        kernel,
        points: pts,
        width,
        coefficients,
        functions: r,
    })
}

/// `ψ_j(u) = Σ_i k(u, p_i) c_ij` for the expansion states `p_i` (row-major) and
/// coefficients `c` (row-major `P × functions`) into `out[..functions]`.
pub(super) fn eval_expansion(
    kernel: Kernel,
    points: &[f64],
    width: f64,
    coefficients: &[f64],
    functions: usize,
    u: &[f64],
    out: &mut [f64],
) {
    let (n, r) = (u.len(), functions);
    out[..r].iter_mut().for_each(|v| *v = 0.0);
    for (i, p) in points.chunks_exact(n).enumerate() {
        let k = kernel.eval(dist2(p, u), width);
        if k == 0.0 {
            continue;
        }
        let row = &coefficients[i * r..(i + 1) * r];
        for (o, c) in out[..r].iter_mut().zip(row) {
            *o += k * c;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_data::spiral;
    use super::super::{Dictionary, FittedDictionary};
    use super::*;

    #[test]
    fn kernel_dictionary_columns_are_orthogonal_with_the_kernel_singular_values() {
        // ψ_j = Σ_i k(·, x_i) Q_ij/σ_j ⇒ Ψ_X = ĜQΣ⁻¹ = QΣ on the expansion states, so
        // Ψ_XᵀΨ_X = Σ² = diag of Ĝ's leading eigenvalues (Williams et al. 2015).
        let x = spiral();
        for kernel in [Kernel::Gaussian, Kernel::Laplacian] {
            let dict = Dictionary::Kernel {
                kernel,
                functions: 20,
                points: 1000,
            };
            let f = FittedDictionary::fit(&dict, &x, 2).expect("fits");
            assert_eq!(f.len(), 20);
            let psi = f.weighted_matrix(&x, &[1.0; 200]);
            let gram = psi.transpose() * &psi;
            for i in 0..20 {
                for j in 0..20 {
                    if i != j {
                        let rel = gram[(i, j)].abs() / (gram[(i, i)] * gram[(j, j)]).sqrt();
                        assert!(rel < 1e-8, "{kernel:?} ({i}, {j}): {rel}");
                    }
                }
            }
            // Largest first, decreasing.
            assert!((1..20).all(|i| gram[(i, i)] <= gram[(i - 1, i - 1)] * (1.0 + 1e-9)));
        }
    }
}
