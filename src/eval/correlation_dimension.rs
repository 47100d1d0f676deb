//! Correlation dimension `D2` of a sampled attractor by the Grassberger–Procaccia method,
//! with an automatic choice of the scaling region.
//!
//! # Method
//! The correlation sum `C(r) = 2 / (N_p) · #{(i, j) : i < j, |t_i − t_j| > w, ‖x_i − x_j‖ ≤ r}`
//! counts the pairs of points closer than `r` among the `N_p` pairs that are more than
//! `w` samples apart (Theiler's window, which keeps points on the same stretch of orbit
//! from posing as a one-dimensional set). On an attractor `C(r) ∝ r^D2` over a range of
//! `r` (the scaling region) below the attractor's size and above the scale where pairs
//! run out. We
//! 1. take at most [`CorrelationOptions::max_points`] points evenly spread over the
//!    input (the pair count is `O(N²)`: 5 000 points make 12.5 million pairs, a few
//!    tenths of a second on one core, run in parallel over the points with rayon);
//! 2. z-score each variable by default ([`Scaling::ZScore`]; the dimension is invariant
//!    under this affine change, and radii become comparable between variables and
//!    systems), or keep the raw values ([`Scaling::Raw`]);
//! 3. count the pairs into log-spaced radii, [`CorrelationOptions::radii_per_decade`]
//!    per decade over [`CorrelationOptions::decades`] decades below the bounding box's
//!    diagonal;
//! 4. compute the local slopes `d log C / d log r` between neighbouring radii where
//!    `C(r)` rests on at least [`CorrelationOptions::min_pairs`] pairs and is at most
//!    [`CorrelationOptions::max_correlation_sum`] (above that the attractor's size
//!    saturates `C`);
//! 5. choose the scaling region: the longest run of consecutive slopes that all lie
//!    within [`CorrelationOptions::flatness`] (relative) of the run's median and spans at
//!    least [`CorrelationOptions::min_decades`] decades of `r`; if no run is that flat,
//!    the run of the minimum width with the least slope variance;
//! 6. fit `log C = D2 · log r + c` by least squares over that region; `D2` is the slope,
//!    reported with the fit's `R²`.
//!
//! # References
//! - P. Grassberger, I. Procaccia, "Measuring the strangeness of strange attractors",
//!   Physica D 9 (1983) 189–208 — the correlation sum, eq. (1.4)–(1.6); Hénon
//!   `D2 = 1.21 ± 0.01`, Lorenz `D2 = 2.05 ± 0.01`.
//! - J. Theiler, "Spurious dimension from correlation algorithms applied to limited
//!   time-series data", Phys. Rev. A 34 (1986) 2427–2432 — the window `w`.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::integrate::{IntegrateError, Simulation, solve};
use crate::jobs::{Cancelled, JobContext};
use crate::systems::{Kind, System};

/// The fewest points a correlation sum is computed from.
pub const MIN_POINTS: usize = 50;
/// Default number of points the pairs are counted on (see the module docs).
pub const DEFAULT_MAX_POINTS: usize = 5_000;

/// How the variables are scaled before distances are taken.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scaling {
    /// Each variable minus its mean, divided by its standard deviation.
    #[default]
    ZScore,
    /// The values as given.
    Raw,
}

/// Settings of [`correlation_dimension`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CorrelationOptions {
    /// Points the pairs are counted on, evenly spread over the input.
    pub max_points: usize,
    /// Theiler window: pairs at most this many input samples apart are not counted.
    pub theiler_window: usize,
    /// Log-spaced radii per decade.
    pub radii_per_decade: usize,
    /// Decades of radii below the data's bounding-box diagonal.
    pub decades: f64,
    /// Variable scaling.
    pub scaling: Scaling,
    /// A radius enters the fit only if at least this many pairs lie within it.
    pub min_pairs: u64,
    /// Relative tolerance on the local slopes inside the scaling region.
    pub flatness: f64,
    /// The narrowest scaling region, in decades of `r`.
    pub min_decades: f64,
    /// Radii whose correlation sum exceeds this are left out (saturation).
    pub max_correlation_sum: f64,
}

impl Default for CorrelationOptions {
    /// 5 000 points, 10 radii per decade over 5 decades, z-scored, at least 100 pairs
    /// per radius, `C(r) ≤ 0.1`, slopes flat within 8 % over at least one decade. The
    /// last two were chosen on a sweep (tolerance 5–15 %, cap 0.1–0.3) over a uniform
    /// square, Lorenz and Hénon from six starts: with them Hénon gives 1.196–1.214
    /// (GP: 1.21), Lorenz 2.04 (GP: 2.05) and the square 1.97. A stricter tolerance
    /// lets the Hénon attractor's lacunarity (slopes oscillating by ±5 % in log r)
    /// shrink the region to one decade and scatters the estimate by ±0.03.
    fn default() -> Self {
        Self {
            max_points: DEFAULT_MAX_POINTS,
            theiler_window: 0,
            radii_per_decade: 10,
            decades: 5.0,
            scaling: Scaling::ZScore,
            min_pairs: 100,
            flatness: 0.08,
            min_decades: 1.0,
            max_correlation_sum: 0.1,
        }
    }
}

/// The result of [`correlation_dimension`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CorrelationDimension {
    /// The slope of `log C` against `log r` over the scaling region.
    pub dimension: f64,
    /// The scaling region `[r_lo, r_hi]` (in the scaled units).
    pub r_range: [f64; 2],
    /// Coefficient of determination of the fit.
    pub r_squared: f64,
    /// Every radius, increasing.
    pub radii: Vec<f64>,
    /// `C(r)` at every radius.
    pub correlation_sum: Vec<f64>,
    /// `(r, d log C / d log r)` between neighbouring usable radii, `r` their geometric
    /// mean.
    pub local_slopes: Vec<[f64; 2]>,
    /// Points the pairs were counted on.
    pub points: usize,
    /// Pairs counted (outside the Theiler window).
    pub pairs: u64,
}

/// Why no correlation dimension could be computed.
#[derive(Debug, thiserror::Error)]
pub enum DimensionError {
    /// Too few points.
    #[error(
        "the correlation dimension needs at least {need} points, got {got}; record a longer trajectory"
    )]
    TooFewPoints {
        /// Points given.
        got: usize,
        /// The minimum.
        need: usize,
    },
    /// The samples do not fill whole rows.
    #[error("{len} values do not split into points of dimension {dim}")]
    Shape {
        /// Values given.
        len: usize,
        /// The stated dimension.
        dim: usize,
    },
    /// A sample is NaN or infinite.
    #[error(
        "sample {index} is not a finite number; remove NaN/inf rows (or a diverged tail) first"
    )]
    NonFinite {
        /// Row of the offending value.
        index: usize,
    },
    /// All points coincide.
    #[error(
        "the data are constant (every point is the same), so they have no dimension; check that the system is not at a fixed point"
    )]
    Constant,
    /// The settings cannot work.
    #[error("{0}")]
    Invalid(String),
    /// No range of radii is usable.
    #[error(
        "no scaling region: only {usable} radii have at least {min_pairs} pairs and C(r) at most {max_sum}; use more points or more radii per decade"
    )]
    NoScalingRegion {
        /// The saturation cap.
        max_sum: f64,
        /// Usable radii.
        usable: usize,
        /// The pair threshold.
        min_pairs: u64,
    },
    /// The trajectory could not be computed.
    #[error(transparent)]
    Integrate(#[from] IntegrateError),
    /// The user cancelled.
    #[error("cancelled")]
    Cancelled(#[from] Cancelled),
}

/// The Grassberger–Procaccia correlation dimension of the points `samples` (row-major,
/// `dim` values per point, in time order). See the module docs for the method.
pub fn correlation_dimension(
    samples: &[f64],
    dim: usize,
    options: &CorrelationOptions,
    job: &JobContext,
) -> Result<CorrelationDimension, DimensionError> {
    check_options(options)?;
    if dim == 0 || !samples.len().is_multiple_of(dim) {
        return Err(DimensionError::Shape {
            len: samples.len(),
            dim,
        });
    }
    let len = samples.len() / dim;
    if len < MIN_POINTS {
        return Err(DimensionError::TooFewPoints {
            got: len,
            need: MIN_POINTS,
        });
    }
    if let Some(bad) = samples.iter().position(|v| !v.is_finite()) {
        return Err(DimensionError::NonFinite { index: bad / dim });
    }
    // Evenly spread subsample; `index` keeps the input sample numbers for the window.
    let n = len.min(options.max_points);
    let index: Vec<usize> = (0..n).map(|k| k * len / n).collect();
    let mut points: Vec<f64> = index
        .iter()
        .flat_map(|&i| samples[i * dim..(i + 1) * dim].iter().copied())
        .collect();
    if options.scaling == Scaling::ZScore {
        zscore(&mut points, dim);
    }
    let diameter = bounding_diagonal(&points, dim);
    if diameter <= 0.0 {
        return Err(DimensionError::Constant);
    }
    if !diameter.is_finite() {
        return Err(DimensionError::Invalid(
            "the data span more than f64 can hold; rescale them".into(),
        ));
    }
    let n_radii = (options.decades * options.radii_per_decade as f64).round() as usize + 1;
    let log_step = std::f64::consts::LN_10 / options.radii_per_decade as f64;
    let log_r0 = diameter.ln() - (n_radii - 1) as f64 * log_step;
    let radii: Vec<f64> = (0..n_radii)
        .map(|k| (log_r0 + k as f64 * log_step).exp())
        .collect();
    job.report(0.0, "correlation sum");
    let (hist, pairs) = pair_histogram(
        &points,
        dim,
        &index,
        options.theiler_window,
        (log_r0, log_step, n_radii),
        job,
    )?;
    if pairs == 0 {
        return Err(DimensionError::TooFewPoints {
            got: 0,
            need: MIN_POINTS,
        });
    }
    let mut counts = Vec::with_capacity(n_radii);
    let mut acc = 0u64;
    for h in &hist {
        acc += h;
        counts.push(acc);
    }
    let correlation_sum: Vec<f64> = counts.iter().map(|&c| c as f64 / pairs as f64).collect();
    let ScalingRegion {
        local_slopes,
        lo,
        hi,
    } = scaling_region(&radii, &counts, pairs, options)?;
    let xs: Vec<f64> = radii[lo..=hi].iter().map(|r| r.ln()).collect();
    let ys: Vec<f64> = correlation_sum[lo..=hi].iter().map(|c| c.ln()).collect();
    let (dimension, r_squared) = least_squares(&xs, &ys);
    job.report(1.0, "correlation dimension");
    Ok(CorrelationDimension {
        dimension,
        r_range: [radii[lo], radii[hi]],
        r_squared,
        radii,
        correlation_sum,
        local_slopes,
        points: n,
        pairs,
    })
}

fn check_options(o: &CorrelationOptions) -> Result<(), DimensionError> {
    let bad = |what: &str| Err(DimensionError::Invalid(what.into()));
    if o.max_points < MIN_POINTS {
        return bad("count the pairs on at least 50 points (max_points)");
    }
    if o.radii_per_decade < 2 {
        return bad("use at least 2 radii per decade");
    }
    if !(o.decades.is_finite() && o.decades >= 1.0 && o.decades <= 15.0) {
        return bad("the radii must span between 1 and 15 decades");
    }
    if !(o.max_correlation_sum > 0.0 && o.max_correlation_sum <= 1.0) {
        return bad("the saturation cap on C(r) must lie in (0, 1]");
    }
    if !(o.flatness.is_finite() && o.flatness > 0.0) {
        return bad("the flatness tolerance must be a positive number");
    }
    if !(o.min_decades.is_finite() && o.min_decades > 0.0 && o.min_decades < o.decades) {
        return bad("the minimum scaling width must be positive and below the radii's span");
    }
    Ok(())
}

/// Subtracts each column's mean and divides by its standard deviation (constant columns
/// are only centred).
fn zscore(points: &mut [f64], dim: usize) {
    let n = (points.len() / dim) as f64;
    for j in 0..dim {
        let mean = points.iter().skip(j).step_by(dim).sum::<f64>() / n;
        let var = points
            .iter()
            .skip(j)
            .step_by(dim)
            .map(|v| (v - mean).powi(2))
            .sum::<f64>()
            / n;
        let scale = if var > 0.0 { var.sqrt() } else { 1.0 };
        for v in points.iter_mut().skip(j).step_by(dim) {
            *v = (*v - mean) / scale;
        }
    }
}

/// The diagonal of the points' bounding box (an upper bound on every distance).
fn bounding_diagonal(points: &[f64], dim: usize) -> f64 {
    (0..dim)
        .map(|j| {
            let col = points.iter().skip(j).step_by(dim);
            let (lo, hi) = col.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
            (hi - lo).powi(2)
        })
        .sum::<f64>()
        .sqrt()
}

/// Pair counts per radius bin (bin `k` holds `r_{k−1} < d ≤ r_k`, bin 0 everything up to
/// `r_0`) and the number of pairs outside the Theiler window.
fn pair_histogram(
    points: &[f64],
    dim: usize,
    index: &[usize],
    window: usize,
    (log_r0, log_step, n_bins): (f64, f64, usize),
    job: &JobContext,
) -> Result<(Vec<u64>, u64), Cancelled> {
    let n = index.len();
    let last = n_bins - 1;
    let (hist, pairs) = (0..n)
        .into_par_iter()
        .with_min_len(8)
        .fold(
            || (vec![0u64; n_bins], 0u64),
            |(mut hist, mut pairs), i| {
                if job.check().is_err() {
                    return (hist, pairs);
                }
                let xi = &points[i * dim..(i + 1) * dim];
                // First partner more than `window` input samples later.
                let start = index.partition_point(|&t| t <= index[i] + window);
                for j in start.max(i + 1)..n {
                    let xj = &points[j * dim..(j + 1) * dim];
                    let d2: f64 = xi.iter().zip(xj).map(|(a, b)| (a - b) * (a - b)).sum();
                    let bin = if d2 > 0.0 {
                        let k = ((0.5 * d2.ln() - log_r0) / log_step).ceil();
                        if k <= 0.0 { 0 } else { (k as usize).min(last) }
                    } else {
                        0
                    };
                    hist[bin] += 1;
                }
                pairs += (n - start.max(i + 1)) as u64;
                (hist, pairs)
            },
        )
        .reduce(
            || (vec![0u64; n_bins], 0u64),
            |(mut a, pa), (b, pb)| {
                for (x, y) in a.iter_mut().zip(&b) {
                    *x += y;
                }
                (a, pa + pb)
            },
        );
    job.check()?;
    Ok((hist, pairs))
}

/// The local slopes between usable radii and the chosen scaling region (inclusive
/// indices into `radii`), as step 5 of the module docs says.
fn scaling_region(
    radii: &[f64],
    counts: &[u64],
    pairs: u64,
    options: &CorrelationOptions,
) -> Result<ScalingRegion, DimensionError> {
    let usable: Vec<usize> = (0..radii.len())
        .filter(|&k| {
            counts[k] >= options.min_pairs.max(1)
                && counts[k] as f64 <= options.max_correlation_sum * pairs as f64
        })
        .collect();
    let no_region = || DimensionError::NoScalingRegion {
        usable: usable.len(),
        min_pairs: options.min_pairs,
        max_sum: options.max_correlation_sum,
    };
    // C is non-decreasing in r, so the usable radii are contiguous.
    let (&first, &last) = usable.first().zip(usable.last()).ok_or_else(no_region)?;
    let slopes: Vec<f64> = (first..last)
        .map(|k| {
            ((counts[k + 1] as f64).ln() - (counts[k] as f64).ln())
                / (radii[k + 1].ln() - radii[k].ln())
        })
        .collect();
    let local_slopes: Vec<[f64; 2]> = (first..last)
        .map(|k| [(radii[k] * radii[k + 1]).sqrt(), slopes[k - first]])
        .collect();
    // The narrowest region, counted in slopes (one slope spans one radius step).
    let min_len = (options.min_decades * options.radii_per_decade as f64).round() as usize;
    if slopes.len() < min_len.max(1) {
        return Err(no_region());
    }
    let mut best: Option<(usize, usize, f64)> = None; // (a, b, variance), slopes a..=b
    for a in 0..slopes.len() {
        for b in a + min_len - 1..slopes.len() {
            let window = &slopes[a..=b];
            let med = median(window);
            if med <= 0.0
                || window
                    .iter()
                    .any(|s| (s - med).abs() > options.flatness * med)
            {
                continue;
            }
            let var = variance(window);
            let better = match best {
                None => true,
                Some((ba, bb, bv)) => b - a > bb - ba || (b - a == bb - ba && var < bv),
            };
            if better {
                best = Some((a, b, var));
            }
        }
    }
    let (a, b) = match best {
        Some((a, b, _)) => (a, b),
        None => {
            // Nothing flat enough: the least-variance window of the minimum width.
            (0..=slopes.len() - min_len)
                .map(|a| (a, a + min_len - 1))
                .filter(|&(a, b)| median(&slopes[a..=b]) > 0.0)
                .min_by(|x, y| {
                    variance(&slopes[x.0..=x.1]).total_cmp(&variance(&slopes[y.0..=y.1]))
                })
                .ok_or_else(no_region)?
        }
    };
    // Slopes a..=b join radii first+a ..= first+b+1.
    Ok(ScalingRegion {
        local_slopes,
        lo: first + a,
        hi: first + b + 1,
    })
}

/// The local slopes and the chosen region (inclusive indices into the radii).
struct ScalingRegion {
    local_slopes: Vec<[f64; 2]>,
    lo: usize,
    hi: usize,
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let m = s.len() / 2;
    if s.len() % 2 == 1 {
        s[m]
    } else {
        0.5 * (s[m - 1] + s[m])
    }
}

fn variance(v: &[f64]) -> f64 {
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64
}

/// Least-squares slope of `y` on `x` and the fit's `R²`.
fn least_squares(x: &[f64], y: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let sxx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let syy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
    let slope = sxy / sxx;
    let r2 = if syy > 0.0 {
        (sxy * sxy) / (sxx * syy)
    } else {
        1.0
    };
    (slope, r2)
}

/// How an attractor is sampled for [`attractor_correlation_dimension`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AttractorSampling {
    /// Discarded transient, in dominant periods (iterations for maps).
    pub transient_periods: f64,
    /// Recorded span, in dominant periods (iterations for maps).
    pub periods: f64,
    /// Start state (default: the catalog's initial condition).
    pub initial_condition: Option<Vec<f64>>,
}

impl AttractorSampling {
    /// The defaults: for flows 50 periods of transient, then 500 periods at 100 samples
    /// per period (50 001 samples, thinned to [`DEFAULT_MAX_POINTS`], so the points are
    /// a tenth of a period apart) with a Theiler window of one period; for maps 1 000
    /// iterations of transient, then 50 000 iterations.
    pub fn for_system(system: &System) -> Self {
        match system.kind() {
            Kind::Flow | Kind::Delay => Self {
                transient_periods: 50.0,
                periods: 500.0,
                initial_condition: None,
            },
            Kind::Map => Self {
                transient_periods: 1_000.0,
                periods: 50_000.0,
                initial_condition: None,
            },
        }
    }
}

/// The correlation dimension of `system`'s attractor at its current parameters: a
/// trajectory from [`solve`] after a transient, then [`correlation_dimension`] with a
/// Theiler window of one dominant period for flows (`options.theiler_window` is
/// replaced by it; maps keep the given window).
pub fn attractor_correlation_dimension(
    system: &System,
    sampling: &AttractorSampling,
    options: &CorrelationOptions,
    job: &JobContext,
) -> Result<CorrelationDimension, DimensionError> {
    if !(sampling.periods > 0.0 && sampling.transient_periods >= 0.0) {
        return Err(DimensionError::Invalid(
            "the recorded span must be positive and the transient non-negative".into(),
        ));
    }
    let mut sim = Simulation::for_system(system, sampling.periods);
    sim.transient = sampling.transient_periods * system.info().period;
    if let Some(x0) = &sampling.initial_condition {
        sim.initial_condition = x0.clone();
    }
    job.report(0.0, "trajectory for the correlation dimension");
    let (traj, _) = solve(system, &sim, job)?;
    let mut options = options.clone();
    if system.kind() != Kind::Map {
        options.theiler_window = (system.info().period / sim.dt).round() as usize;
    }
    correlation_dimension(traj.samples(), traj.dim(), &options, job)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::systems::Catalog;
    use rand::{Rng, SeedableRng};

    fn detached() -> JobContext {
        JobContext::detached()
    }

    #[test]
    fn uniform_square_has_dimension_two() {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(7);
        let pts: Vec<f64> = (0..2 * 5_000).map(|_| rng.random::<f64>()).collect();
        let d = correlation_dimension(&pts, 2, &CorrelationOptions::default(), &detached())
            .expect("square");
        assert!((d.dimension - 2.0).abs() < 0.1, "{d:?}");
    }

    #[test]
    fn circle_has_dimension_one() {
        // A limit cycle: the circle traversed at an irrational rate.
        let golden = (5f64.sqrt() - 1.0) / 2.0;
        let pts: Vec<f64> = (0..5_000)
            .flat_map(|k| {
                let a = std::f64::consts::TAU * golden * k as f64;
                [a.cos(), a.sin()]
            })
            .collect();
        let d = correlation_dimension(&pts, 2, &CorrelationOptions::default(), &detached())
            .expect("circle");
        assert!((d.dimension - 1.0).abs() < 0.05, "{d:?}");
    }

    #[test]
    fn henon_matches_grassberger_procaccia() {
        let sys = Catalog::builtin().system("Henon").expect("Henon");
        let d = attractor_correlation_dimension(
            &sys,
            &AttractorSampling::for_system(&sys),
            &CorrelationOptions::default(),
            &detached(),
        )
        .expect("Hénon");
        // GP 1983: 1.21 ± 0.01.
        assert!((d.dimension - 1.21).abs() < 0.05, "{d:?}");
    }

    #[test]
    fn lorenz_matches_grassberger_procaccia() {
        let mut sys = Catalog::builtin().system("Lorenz").expect("Lorenz");
        sys.set_param("beta", 8.0 / 3.0).expect("beta");
        let d = attractor_correlation_dimension(
            &sys,
            &AttractorSampling::for_system(&sys),
            &CorrelationOptions::default(),
            &detached(),
        )
        .expect("Lorenz");
        // GP 1983: 2.05 ± 0.01.
        assert!((d.dimension - 2.05).abs() < 0.1, "{d:?}");
    }

    #[test]
    fn bad_input_is_a_clear_error() {
        let opts = CorrelationOptions::default();
        let few = vec![0.5; 2 * 10];
        let e = correlation_dimension(&few, 2, &opts, &detached()).expect_err("too few");
        assert!(e.to_string().contains("at least 50 points"), "{e}");
        let constant = vec![1.0; 3 * 500];
        let e = correlation_dimension(&constant, 3, &opts, &detached()).expect_err("constant");
        assert!(e.to_string().contains("constant"), "{e}");
        let mut nan: Vec<f64> = (0..1_000).map(|k| (k as f64).sin()).collect();
        nan[301] = f64::NAN;
        let e = correlation_dimension(&nan, 2, &opts, &detached()).expect_err("NaN");
        assert!(e.to_string().contains("sample 150"), "{e}");
        let e = correlation_dimension(&nan[..999], 2, &opts, &detached()).expect_err("shape");
        assert!(e.to_string().contains("dimension 2"), "{e}");
    }
}
