//! EDMD dictionaries `ψ(x) = [ψ_1(x) … ψ_N(x)]`: monomials up to a total degree, radial
//! basis functions (Gaussian or thin-plate spline) at k-means centres, random Fourier
//! features, the learned dictionary of kernel EDMD, concatenations of these, and delay
//! coordinates (any of them evaluated on delay vectors).
//!
//! Takes the fit pairs' `x_m` (to learn the centring, scaling, centres, frequencies or
//! kernel expansion) and produces a [`FittedDictionary`] that evaluates `ψ` at any state
//! and builds the `M × N` matrix `Ψ_X`. Every dictionary works in centred, scaled
//! coordinates `u = (x − mean)/std`, so monomials of degree 3 on Lorenz data stay well
//! conditioned. Delay coordinates act on the data, not on one state: the EDMD fit embeds
//! the trajectory ([`crate::models::dmd::hankel::delay_embed`]) and fits the inner
//! dictionary on the delay vectors.
//!
//! # References
//! - M. O. Williams, I. G. Kevrekidis, C. W. Rowley, "A data-driven approximation of the
//!   Koopman operator: extending dynamic mode decomposition", J. Nonlinear Sci. 25
//!   (2015) — EDMD dictionaries (monomials, RBFs, thin-plate splines).
//! - M. O. Williams, C. W. Rowley, I. G. Kevrekidis, "A kernel-based method for
//!   data-driven Koopman spectral analysis", J. Comput. Dyn. 2 (2015) — kernel EDMD:
//!   with `Ĝ_ij = k(x_i, x_j) = (QΣ²Q*)_ij`, the functions
//!   `ψ_j(x) = Σ_i k(x, x_i)(Q_r Σ_r⁻¹)_ij` make EDMD's matrix `Σ_r⁻¹Q_r*ÂQ_rΣ_r⁻¹`
//!   with `Â_ij = k(y_i, x_j)`, the paper's `K̂` (spec §1.8).
//! - A. Rahimi, B. Recht, "Random features for large-scale kernel machines", NIPS 2007 —
//!   `cos(w·u), sin(w·u)` with `w ~ N(0, 2γI)` approximate `exp(−γ‖u − u'‖²)`.
//! - M. J. Colbrook, A. Townsend, CPAM 77 (2024) — RBFs with k-means centres; kernel
//!   bandwidth `d` = mean distance of the data to their centroid.

use faer::Mat;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use super::kmeans::kmeans;
use crate::models::FitError;

/// Default total degree of the monomial dictionary.
pub const DEFAULT_DEGREE: usize = 3;
/// Default number of RBF centres.
pub const DEFAULT_CENTERS: usize = 50;
/// Default k-means seed.
pub const DEFAULT_KMEANS_SEED: u64 = 0;
/// Default number of random Fourier frequencies (each gives a cosine and a sine).
pub const DEFAULT_RFF_FEATURES: usize = 50;
/// Default number of kernel EDMD functions (at most; fewer where the kernel matrix is
/// numerically singular).
pub const DEFAULT_KERNEL_FUNCTIONS: usize = 200;
/// Default number of fit states the kernel expansion uses (evenly spaced when there
/// are more): kernel EDMD costs `O(P³)` in this number.
pub const DEFAULT_KERNEL_POINTS: usize = 1000;
/// Kernel matrix eigenvalues below this fraction of the largest are dropped.
pub const KERNEL_EIGEN_TOL: f64 = 1e-11;
/// Dictionaries larger than this are refused (the EDMD eigenproblem is `O(N³)`).
pub const MAX_DICTIONARY_SIZE: usize = 2000;
/// Kernel expansions over more states than this are refused (`O(P³)`, `P²` memory).
pub const MAX_KERNEL_POINTS: usize = 4000;

/// Whether the state coordinates themselves are dictionary functions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StateFeatures {
    /// `ψ` contains the constant and `u_1 … u_n` (so the state is read off exactly).
    #[default]
    Include,
    /// Only the dictionary's own functions (the state is regressed on them).
    Exclude,
}

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

/// A dictionary family with its size.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Dictionary {
    /// All monomials `u^α` with `|α| ≤ degree` (the constant and the state included).
    Monomials {
        /// Highest total degree.
        degree: usize,
    },
    /// Gaussian RBFs `exp(−‖u − c_k‖² / (2h²))` with `k`-means centres `c_k` and width
    /// `h` = the mean distance from a centre to its nearest other centre (one centre:
    /// the mean distance of the scaled data to their centroid, the kernel rule of spec
    /// §1.8). Tying `h` to the centre spacing keeps `Ψ_X` well conditioned as `k` grows;
    /// the centroid rule alone makes 300 Gaussians on Lorenz numerically rank 191.
    Rbf {
        /// Number of centres.
        centers: usize,
        /// k-means seed.
        seed: u64,
        /// Whether the constant and the state are added.
        state: StateFeatures,
    },
    /// Thin-plate splines `ρ² log ρ` (0 at `ρ = 0`), `ρ = ‖u − c_k‖/h`, at k-means
    /// centres with the width `h` of [`Dictionary::Rbf`].
    #[serde(rename = "thin-plate")]
    ThinPlate {
        /// Number of centres.
        centers: usize,
        /// k-means seed.
        seed: u64,
        /// Whether the constant and the state are added.
        state: StateFeatures,
    },
    /// Random Fourier features `cos(w_k·u)`, `sin(w_k·u)`, `w_k ~ N(0, (2/d²) I)` with `d`
    /// the mean distance of the scaled data to their centroid (they approximate the
    /// Gaussian kernel `exp(−‖u − u'‖²/d²)`; Rahimi & Recht 2007). Seeded.
    Rff {
        /// Number of frequencies `w_k` (twice as many functions).
        features: usize,
        /// Seed of the frequencies.
        seed: u64,
        /// Whether the constant and the state are added.
        state: StateFeatures,
    },
    /// Kernel EDMD's dictionary (Williams, Rowley & Kevrekidis 2015): the leading
    /// `functions` eigenvectors of the kernel matrix of (up to `points`) fit states,
    /// scaled so that EDMD on the fit pairs reproduces kernel EDMD's matrix
    /// `K̂ = Σ_r⁻¹Q_r*ÂQ_rΣ_r⁻¹` exactly when every fit state is in the expansion
    /// (`points` ≥ fit pairs); with fewer it is the same construction on a subsample
    /// (a Nyström approximation of the kernel).
    Kernel {
        /// The kernel.
        kernel: Kernel,
        /// At most this many functions.
        functions: usize,
        /// At most this many fit states in the expansion (evenly spaced).
        points: usize,
    },
    /// Fourier modes of periodic coordinates (spec §1.7, the CPAM circle rotation): the
    /// constant and `cos(k x_j)`, `sin(k x_j)` for `k = 1 … modes` in each state
    /// coordinate `x_j` (radians, not scaled). A real basis of `e^{ikx_j}`, `|k| ≤ modes`.
    Fourier {
        /// Highest harmonic `K`.
        modes: usize,
    },
    /// The functions of several dictionaries side by side, with the constant and the
    /// state once, first (a monomial part adds its degrees ≥ 2).
    Concat {
        /// The parts (not themselves concatenations or delays).
        parts: Vec<Dictionary>,
    },
    /// `inner` evaluated on delay vectors `[x_k, …, x_{k+d−1}]` (spec §1.5): on its own
    /// (`inner` = monomials of degree 1) the constant and the delay coordinates.
    Delay {
        /// The number of stacked samples `d`.
        delays: usize,
        /// The dictionary of the delay vectors.
        inner: Box<Dictionary>,
    },
}

impl Default for Dictionary {
    fn default() -> Self {
        Dictionary::Monomials {
            degree: DEFAULT_DEGREE,
        }
    }
}

impl Dictionary {
    /// The delay count and the dictionary of the (possibly delay-embedded) states.
    pub fn split_delays(&self) -> (usize, &Dictionary) {
        match self {
            Dictionary::Delay { delays, inner } => (*delays, inner),
            other => (1, other),
        }
    }

    /// True for kernel EDMD's dictionary (alone or under delays).
    pub fn is_kernel(&self) -> bool {
        matches!(self.split_delays().1, Dictionary::Kernel { .. })
    }
}

/// The functions of a fitted dictionary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum Features {
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

/// A fitted Gaussian RBF dictionary's parameters ([`FittedDictionary::rbf_parameters`]):
/// `ψ(x) = [1, u, exp(−‖u − c_k‖²/(2h²))]` with `u = (x − mean)/scale`.
#[derive(Clone, Copy, Debug)]
pub struct RbfParameters<'a> {
    /// Centring of each coordinate.
    pub mean: &'a [f64],
    /// Scaling of each coordinate.
    pub scale: &'a [f64],
    /// Centres, row-major, in scaled coordinates.
    pub centres: &'a [f64],
    /// Width `h`.
    pub width: f64,
    /// Whether `1, u` come first.
    pub with_state: bool,
}

/// A dictionary with its centring, scaling and centres learned from data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FittedDictionary {
    mean: Vec<f64>,
    scale: Vec<f64>,
    features: Features,
}

/// Exponent vectors of all monomials in `n` variables of total degree ≤ `degree`,
/// ordered by degree (the constant first, then `u_1 … u_n`).
fn monomial_exponents(n: usize, degree: usize) -> Vec<Vec<u32>> {
    let mut out = vec![vec![0u32; n]];
    let mut last: Vec<Vec<u32>> = out.clone();
    for _ in 0..degree {
        let mut next = Vec::new();
        for e in &last {
            // Raise variables at or after the last one raised, so each monomial appears once.
            let start = e.iter().rposition(|&p| p > 0).unwrap_or(0);
            for j in start..n {
                let mut f = e.clone();
                f[j] += 1;
                next.push(f);
            }
        }
        out.extend(next.iter().cloned());
        last = next;
    }
    out
}

/// `C(n + d, d)`, saturating, for the size check before building anything.
fn monomial_count(n: usize, degree: usize) -> usize {
    let mut c: u128 = 1;
    for i in 1..=degree as u128 {
        c = c * (n as u128 + i) / i;
        if c > u128::from(u32::MAX) {
            return usize::MAX;
        }
    }
    c as usize
}

/// The mean over centres of the distance to the nearest other centre.
fn mean_nearest_spacing(centres: &[f64], dim: usize) -> f64 {
    let k = centres.len() / dim;
    let c = |i: usize| &centres[i * dim..(i + 1) * dim];
    (0..k)
        .map(|i| {
            (0..k)
                .filter(|&j| j != i)
                .map(|j| {
                    c(i).iter()
                        .zip(c(j))
                        .map(|(a, b)| (a - b) * (a - b))
                        .sum::<f64>()
                })
                .fold(f64::INFINITY, f64::min)
                .sqrt()
        })
        .sum::<f64>()
        / k as f64
}

/// Mean distance of the rows of `u` (scaled data, centroid ≈ 0) to their centroid.
fn centroid_distance(u: &[f64], dim: usize) -> f64 {
    let m = u.len() / dim;
    let mut c = vec![0.0; dim];
    for r in u.chunks_exact(dim) {
        for j in 0..dim {
            c[j] += r[j] / m as f64;
        }
    }
    let d = u
        .chunks_exact(dim)
        .map(|r| {
            r.iter()
                .zip(&c)
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>()
                .sqrt()
        })
        .sum::<f64>()
        / m as f64;
    if d > 0.0 && d.is_finite() { d } else { 1.0 }
}

fn dist2(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(p, q)| (p - q) * (p - q)).sum()
}

/// k-means centres of `u` and the RBF width rule of [`Dictionary::Rbf`].
fn centres_and_width(
    u: &[f64],
    dim: usize,
    centers: usize,
    seed: u64,
    what: &str,
) -> Result<(Vec<f64>, f64), FitError> {
    let m = u.len() / dim;
    if centers == 0 || centers > MAX_DICTIONARY_SIZE {
        return Err(FitError::Options(format!(
            "the {what} dictionary needs between 1 and {MAX_DICTIONARY_SIZE} centres, got {centers}"
        )));
    }
    if centers > m {
        return Err(FitError::Options(format!(
            "{centers} {what} centres for {m} snapshot pairs; use fewer --centers or more data"
        )));
    }
    let centres = kmeans(u, dim, centers, seed);
    let width = if centers > 1 {
        mean_nearest_spacing(&centres, dim)
    } else {
        centroid_distance(u, dim)
    };
    Ok((
        centres,
        if width > 0.0 && width.is_finite() {
            width
        } else {
            1.0
        },
    ))
}

/// Kernel EDMD's expansion on the scaled fit states `u`.
fn fit_kernel(
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

impl Features {
    /// The features of `dict` on scaled states `u`; inside a concatenation the state
    /// functions are left to the leading affine part.
    fn fit(
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
            Dictionary::Monomials { degree } => {
                let count = monomial_count(dim, *degree);
                if count > MAX_DICTIONARY_SIZE {
                    return Err(FitError::Options(format!(
                        "monomials of degree ≤ {degree} in {dim} variables are {count} functions, more than {MAX_DICTIONARY_SIZE}; lower --degree"
                    )));
                }
                let mut exponents = monomial_exponents(dim, *degree);
                if in_concat {
                    exponents.retain(|e| e.iter().sum::<u32>() >= 2);
                }
                Features::Monomials { exponents }
            }
            Dictionary::Rbf {
                centers,
                seed,
                state,
            } => {
                let (centres, width) = centres_and_width(u, dim, *centers, *seed, "RBF")?;
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
                let (centres, width) = centres_and_width(u, dim, *centers, *seed, "thin-plate")?;
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
            } => {
                if *features == 0 || 2 * features > MAX_DICTIONARY_SIZE {
                    return Err(FitError::Options(format!(
                        "random Fourier features need between 1 and {} frequencies, got {features}",
                        MAX_DICTIONARY_SIZE / 2
                    )));
                }
                // Gaussian kernel exp(−γ‖u − u'‖²), γ = 1/d²: w ~ N(0, 2γ I).
                let d = centroid_distance(u, dim);
                let sd = (2.0f64).sqrt() / d;
                let mut rng = rand_pcg::Pcg64::seed_from_u64(*seed);
                let frequencies = (0..features * dim)
                    .map(|_| {
                        let z: f64 = StandardNormal.sample(&mut rng);
                        sd * z
                    })
                    .collect();
                Features::Rff {
                    frequencies,
                    state: part_state(*state),
                }
            }
            Dictionary::Kernel {
                kernel,
                functions,
                points,
            } => fit_kernel(u, dim, *kernel, *functions, *points)?,
            Dictionary::Fourier { modes } => {
                if *modes == 0 || 2 * modes * dim + 1 > MAX_DICTIONARY_SIZE {
                    return Err(FitError::Options(format!(
                        "the Fourier dictionary needs between 1 and {} modes for {dim} coordinates, got {modes}; lower --degree",
                        (MAX_DICTIONARY_SIZE - 1) / (2 * dim.max(1))
                    )));
                }
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

    fn len(&self, dim: usize) -> usize {
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

    fn names(&self, dim: usize, var: &dyn Fn(usize) -> String, out: &mut Vec<String>) {
        let state = |s: &StateFeatures, out: &mut Vec<String>| {
            if *s == StateFeatures::Include {
                out.push("1".into());
                out.extend((0..dim).map(var));
            }
        };
        match self {
            Features::Monomials { exponents } => {
                for e in exponents {
                    let parts: Vec<String> = e
                        .iter()
                        .enumerate()
                        .filter(|(_, p)| **p > 0)
                        .map(|(j, p)| {
                            if *p == 1 {
                                var(j)
                            } else {
                                format!("{}^{p}", var(j))
                            }
                        })
                        .collect();
                    out.push(if parts.is_empty() {
                        "1".into()
                    } else {
                        parts.join(" ")
                    });
                }
            }
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
            } => {
                if *constant {
                    out.push("1".into());
                }
                for j in 0..dim {
                    for k in 1..=*modes {
                        out.push(format!("cos({k} {})", var(j)));
                        out.push(format!("sin({k} {})", var(j)));
                    }
                }
            }
            Features::Affine => state(&StateFeatures::Include, out),
            Features::Concat { parts } => {
                for p in parts {
                    p.names(dim, var, out);
                }
            }
        }
    }

    /// `ψ` at scaled state `u` into `out` (exactly `self.len()` values).
    fn eval(&self, u: &[f64], out: &mut [f64]) {
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
            Features::Monomials { exponents } => {
                for (o, e) in out.iter_mut().zip(exponents) {
                    *o = e
                        .iter()
                        .zip(u.iter())
                        .map(|(&p, &v)| v.powi(p as i32))
                        .product();
                }
            }
            Features::Rbf {
                centres,
                width,
                state: s,
            } => {
                let k0 = state(s, out);
                let h2 = 2.0 * width * width;
                for (o, c) in out[k0..].iter_mut().zip(centres.chunks_exact(n)) {
                    *o = (-dist2(c, u) / h2).exp();
                }
            }
            Features::ThinPlate {
                centres,
                width,
                state: s,
            } => {
                let k0 = state(s, out);
                let h2 = width * width;
                for (o, c) in out[k0..].iter_mut().zip(centres.chunks_exact(n)) {
                    // ρ² log ρ = ρ² log(ρ²)/2, with the limit 0 at ρ = 0.
                    let rho2 = dist2(c, u) / h2;
                    *o = if rho2 > 0.0 {
                        0.5 * rho2 * rho2.ln()
                    } else {
                        0.0
                    };
                }
            }
            Features::Rff {
                frequencies,
                state: s,
            } => {
                let k0 = state(s, out);
                let d = frequencies.len() / n;
                for (k, w) in frequencies.chunks_exact(n).enumerate() {
                    let phase: f64 = w.iter().zip(u).map(|(a, b)| a * b).sum();
                    out[k0 + k] = phase.cos();
                    out[k0 + d + k] = phase.sin();
                }
            }
            Features::Kernel {
                kernel,
                points,
                width,
                coefficients,
                functions,
            } => {
                let r = *functions;
                out[..r].iter_mut().for_each(|v| *v = 0.0);
                for (i, p) in points.chunks_exact(n).enumerate() {
                    let k = kernel.eval(dist2(p, u), *width);
                    if k == 0.0 {
                        continue;
                    }
                    let row = &coefficients[i * r..(i + 1) * r];
                    for (o, c) in out[..r].iter_mut().zip(row) {
                        *o += k * c;
                    }
                }
            }
            Features::Fourier {
                modes,
                mean,
                scale,
                constant,
            } => {
                let mut at = 0;
                if *constant {
                    out[0] = 1.0;
                    at = 1;
                }
                for j in 0..n {
                    let theta = u[j] * scale[j] + mean[j];
                    for k in 1..=*modes {
                        let (s, c) = (k as f64 * theta).sin_cos();
                        out[at] = c;
                        out[at + 1] = s;
                        at += 2;
                    }
                }
            }
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

impl FittedDictionary {
    /// Learns centring, scaling and the family's parameters from `x` (row-major, `dim`
    /// columns). Delay dictionaries are refused here (the EDMD fit unwraps them).
    pub fn fit(dict: &Dictionary, x: &[f64], dim: usize) -> Result<Self, FitError> {
        let m = x.len() / dim.max(1);
        if m == 0 {
            return Err(FitError::Data(
                "no snapshot pairs to fit the dictionary on".into(),
            ));
        }
        let mut mean = vec![0.0; dim];
        for row in x.chunks_exact(dim) {
            for j in 0..dim {
                mean[j] += row[j] / m as f64;
            }
        }
        let mut scale = vec![0.0; dim];
        for row in x.chunks_exact(dim) {
            for j in 0..dim {
                scale[j] += (row[j] - mean[j]).powi(2) / m as f64;
            }
        }
        for s in &mut scale {
            *s = s.sqrt();
            // A constant column keeps unit scale; the least squares sees it as collinear
            // with the constant and reports that.
            if *s <= 0.0 || !s.is_finite() {
                *s = 1.0;
            }
        }
        let u: Vec<f64> = x
            .chunks_exact(dim)
            .flat_map(|row| {
                let (mean, scale) = (&mean, &scale);
                (0..dim).map(move |j| (row[j] - mean[j]) / scale[j])
            })
            .collect();
        let features = Features::fit(dict, &u, dim, false, (&mean, &scale))?;
        let total = features.len(dim);
        if total > MAX_DICTIONARY_SIZE {
            return Err(FitError::Options(format!(
                "the dictionary has {total} functions, more than {MAX_DICTIONARY_SIZE}; use fewer --centers, --features or a lower --degree"
            )));
        }
        Ok(Self {
            mean,
            scale,
            features,
        })
    }

    /// For a Gaussian RBF dictionary: the centring, scaling, centres (row-major, scaled
    /// coordinates), width `h` and whether `1, u` come first — what a peer
    /// implementation needs to rebuild the same `ψ` (`bench edmd`).
    pub fn rbf_parameters(&self) -> Option<RbfParameters<'_>> {
        match &self.features {
            Features::Rbf {
                centres,
                width,
                state,
            } => Some(RbfParameters {
                mean: &self.mean,
                scale: &self.scale,
                centres,
                width: *width,
                with_state: *state == StateFeatures::Include,
            }),
            _ => None,
        }
    }

    /// The state dimension it was fitted on.
    pub fn dim(&self) -> usize {
        self.mean.len()
    }

    /// The number of functions `N`.
    pub fn len(&self) -> usize {
        self.features.len(self.dim())
    }

    /// True for an empty dictionary (never produced by [`FittedDictionary::fit`]).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Human-readable names of the functions (`1`, `u0`, `u0^2 u1`, `rbf3`, `tps0`,
    /// `cos2`, `kernel5`); `u_j` is the scaled state variable `j`.
    pub fn names(&self, state_names: &[String]) -> Vec<String> {
        let var = |j: usize| {
            state_names
                .get(j)
                .cloned()
                .unwrap_or_else(|| format!("u{j}"))
        };
        let mut out = Vec::with_capacity(self.len());
        self.features.names(self.dim(), &var, &mut out);
        out
    }

    /// `ψ(x)` into `out` (length [`FittedDictionary::len`]).
    pub fn eval_into(&self, x: &[f64], out: &mut [f64]) {
        let n = self.dim();
        let mut u = [0.0f64; 16];
        let mut u_heap;
        let u: &mut [f64] = if n <= 16 {
            &mut u[..n]
        } else {
            u_heap = vec![0.0; n];
            &mut u_heap
        };
        for j in 0..n {
            u[j] = (x[j] - self.mean[j]) / self.scale[j];
        }
        self.features.eval(u, out);
    }

    /// `ψ(x)` as a new vector.
    pub fn eval(&self, x: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.len()];
        self.eval_into(x, &mut out);
        out
    }

    /// The `M × N` matrix with rows `sqrt(w_m) ψ(x_m)` for row-major states `xs`.
    /// Blocks of rows are evaluated in parallel into a small row-major buffer each and
    /// written column by column, so the column-major matrix is filled with contiguous
    /// writes and no per-row allocation.
    pub fn weighted_matrix(&self, xs: &[f64], weights: &[f64]) -> Mat<f64> {
        use rayon::prelude::*;
        const BLOCK: usize = 128;
        let (n, big_n) = (self.dim(), self.len());
        let m = weights.len().min(xs.len() / n.max(1));
        let mut out = Mat::<f64>::zeros(m, big_n);
        out.par_row_chunks_mut(BLOCK)
            .enumerate()
            .for_each(|(b, mut block)| {
                let rows = block.nrows();
                let mut buf = vec![0.0; rows * big_n];
                for r in 0..rows {
                    let i = b * BLOCK + r;
                    let row = &mut buf[r * big_n..(r + 1) * big_n];
                    self.eval_into(&xs[i * n..(i + 1) * n], row);
                    let s = weights[i].sqrt();
                    row.iter_mut().for_each(|v| *v *= s);
                }
                for j in 0..big_n {
                    for r in 0..rows {
                        block[(r, j)] = buf[r * big_n + j];
                    }
                }
            });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monomials_count_and_order() {
        // C(2 + 3, 3) = 10 monomials of degree ≤ 3 in two variables.
        let e = monomial_exponents(2, 3);
        assert_eq!(e.len(), 10);
        assert_eq!(monomial_count(2, 3), 10);
        assert_eq!(monomial_count(3, 4), 35);
        assert_eq!(e[0], vec![0, 0]);
        assert_eq!(&e[1..3], &[vec![1, 0], vec![0, 1]]);
        let mut sorted = e.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 10, "no duplicates");
    }

    #[test]
    fn monomials_evaluate_in_scaled_coordinates() {
        // Data x ∈ {1, 3}: mean 2, std 1 ⇒ u = x − 2.
        let d = FittedDictionary::fit(&Dictionary::Monomials { degree: 2 }, &[1.0, 3.0], 1)
            .expect("fits");
        assert_eq!(d.eval(&[5.0]), vec![1.0, 3.0, 9.0]);
        assert_eq!(d.names(&["x".into()]), vec!["1", "x", "x^2"]);
    }

    #[test]
    fn rbf_includes_state_and_is_one_at_its_centre() {
        let x: Vec<f64> = (0..40).map(|k| (k as f64 * 0.37).sin()).collect();
        let dict = Dictionary::Rbf {
            centers: 5,
            seed: 1,
            state: StateFeatures::Include,
        };
        let d = FittedDictionary::fit(&dict, &x, 1).expect("fits");
        assert_eq!(d.len(), 7);
        let Features::Rbf { centres, .. } = &d.features else {
            unreachable!("an RBF dictionary was fitted")
        };
        // Evaluate at the first centre mapped back to data units: that RBF is exactly 1.
        let x0 = centres[0] * d.scale[0] + d.mean[0];
        let psi = d.eval(&[x0]);
        assert_eq!(psi[0], 1.0);
        assert!((psi[2] - 1.0).abs() < 1e-15, "{psi:?}");
    }

    /// 200 points of a 2-D spiral (data for the kernel tests).
    fn spiral() -> Vec<f64> {
        (0..200)
            .flat_map(|k| {
                let t = k as f64 * 0.07;
                [t.cos() * (1.0 + 0.3 * t), t.sin() * (0.5 + 0.2 * t)]
            })
            .collect()
    }

    #[test]
    fn random_fourier_features_approximate_the_gaussian_kernel_of_the_bandwidth_rule() {
        // Rahimi & Recht (2007): with w ~ N(0, 2γI), E[cos(w·(u − u'))] = exp(−γ‖u − u'‖²).
        // Here γ = 1/d², d = mean distance of the standardised data to their centroid.
        let x = spiral();
        let probe = Dictionary::Monomials { degree: 1 };
        let scaled = FittedDictionary::fit(&probe, &x, 2).expect("fits");
        let u: Vec<[f64; 2]> = x
            .chunks(2)
            .map(|p| {
                let v = scaled.eval(p);
                [v[1], v[2]]
            })
            .collect();
        let d = u.iter().map(|p| p[0].hypot(p[1])).sum::<f64>() / u.len() as f64;
        // z(a)·z(b)/D over 8 seeds × 1000 frequencies: standard error ≈ 0.008.
        let (a, b) = (&x[20..22], &x[150..152]);
        let (ua, ub) = (u[10], u[75]);
        let r2 = (ua[0] - ub[0]).powi(2) + (ua[1] - ub[1]).powi(2);
        let exact = (-r2 / (d * d)).exp();
        let mut sum = 0.0;
        for seed in 0..8 {
            let dict = Dictionary::Rff {
                features: 1000,
                seed,
                state: StateFeatures::Exclude,
            };
            let f = FittedDictionary::fit(&dict, &x, 2).expect("fits");
            let (za, zb) = (f.eval(a), f.eval(b));
            sum += za.iter().zip(&zb).map(|(p, q)| p * q).sum::<f64>() / 1000.0;
        }
        let estimate = sum / 8.0;
        // A kernel far from 0 and 1, so a wrong variance (e.g. γ instead of 2γ) shows.
        assert!((0.2..0.8).contains(&exact), "{exact}");
        assert!((estimate - exact).abs() < 0.04, "{estimate} vs {exact}");
    }

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

    #[test]
    fn too_large_a_dictionary_is_refused_with_advice() {
        let err = FittedDictionary::fit(&Dictionary::Monomials { degree: 40 }, &[0.0; 9], 3)
            .expect_err("refused");
        assert!(err.to_string().contains("lower --degree"), "{err}");
    }
}
