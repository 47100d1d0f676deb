//! The SINDy fit as the paper lists its steps: check the data, estimate `Ẋ`, build
//! `Θ(X)` (from the smoothed states when the derivative method smooths and says so),
//! drop rows with a missing derivative, solve `Ẋ ≈ Θ Ξᵀ` sparsely, and package the
//! recovered equations with a simulator.
//!
//! Variants: the weak form replaces `(Θ, Ẋ)` by their integrals against test functions
//! ([`super::weak`]); a threshold sweep first picks the threshold ([`super::select`]);
//! an ensemble fits many resampled problems and aggregates ([`super::ensemble`]).
//!
//! # References
//! - S. L. Brunton, J. L. Proctor, J. N. Kutz, PNAS 113 (2016) 3932, eqs. 3–5.

use crate::models::check_finite;
use faer::Mat;

use super::library::{feature_names, theta};
use super::simulate::SparseField;
use super::{Sindy, SindyModel};
use crate::data::Trajectory;
use crate::jobs::JobContext;
use crate::models::FitError;

/// Orbits leaving `DIVERGENCE_FACTOR × max |training value|` count as diverged.
pub const DIVERGENCE_FACTOR: f64 = 100.0;

/// Fits `options` to `data` (spec §1).
pub fn fit_sindy(
    options: &Sindy,
    data: &Trajectory,
    job: &JobContext,
) -> Result<SindyModel, FitError> {
    let n = data.dim();
    check_data(data)?;
    let terms = options.library.terms(data.names())?;
    if terms.is_empty() {
        return Err(FitError::Options("the library has no terms".into()));
    }
    let p = terms.len();
    options.optimizer.validate()?;
    if let Some(sweep) = &options.sweep {
        sweep.validate()?;
    }
    let (th, y) = match &options.weak {
        Some(weak) => {
            job.report(0.05, "weak form: library and test-function integrals");
            weak.validate(
                data.len(),
                data.dt(),
                weak.half_width_for(data.samples(), n, data.dt()),
            )?;
            let th_all = theta(&terms, data.samples(), n);
            check_library(&th_all)?;
            let (g, b) = weak.build(&th_all, data.samples(), n, data.dt())?;
            if g.nrows() < p {
                return Err(FitError::Options(format!(
                    "the weak form has {} subdomains but the library has {p} features: the regression is underdetermined; use more subdomains or a smaller library (lower --degree)",
                    g.nrows()
                )));
            }
            (g, b)
        }
        None => {
            job.report(0.05, "derivatives");
            let estimate = options.differentiation.estimate(data)?;
            job.check()?;
            let x_dot = &estimate.x_dot;
            // Rows whose derivative was not computed are dropped (spec §1 step 3).
            let keep: Vec<usize> = (0..data.len())
                .filter(|&k| x_dot[k * n..(k + 1) * n].iter().all(|v| v.is_finite()))
                .collect();
            if keep.len() < p {
                return Err(FitError::Data(format!(
                    "the library has {p} features but only {} samples have derivatives: the regression is underdetermined; use a longer trajectory or a smaller library (lower --degree)",
                    keep.len()
                )));
            }
            job.report(0.2, "library");
            // Smoothing methods may hand back smoothed states for the library (spec §3.2).
            let states = estimate.smoothed.as_deref().unwrap_or(data.samples());
            let mut rows = Vec::with_capacity(keep.len() * n);
            for &k in &keep {
                rows.extend_from_slice(&states[k * n..(k + 1) * n]);
            }
            let th = theta(&terms, &rows, n);
            check_library(&th)?;
            let y = Mat::from_fn(keep.len(), n, |r, c| x_dot[keep[r] * n + c]);
            (th, y)
        }
    };
    job.check()?;
    let sweep = match &options.sweep {
        Some(s) => {
            job.report(0.4, "threshold sweep");
            Some(s.run(&options.optimizer, th.as_ref(), y.as_ref(), job)?)
        }
        None => None,
    };
    let optimizer = match &sweep {
        Some(r) => options.optimizer.with_threshold(r.chosen_threshold()),
        None => options.optimizer,
    };
    job.report(0.8, "sparse regression");
    let (xi, info, ensemble) = match &options.ensemble {
        Some(e) => {
            let (xi, info, report) = e.fit(&optimizer, th.as_ref(), y.as_ref(), job)?;
            (xi, info, Some(report))
        }
        None => {
            let (xi, info) = optimizer.fit(th.as_ref(), y.as_ref(), job)?;
            (xi, info, None)
        }
    };
    let coefficients: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..p).map(|j| xi[(i, j)]).collect())
        .collect();
    let max_abs = data.samples().iter().fold(0.0f64, |a, v| a.max(v.abs()));
    job.report(1.0, "done");
    Ok(SindyModel {
        names: data.names().to_vec(),
        dt: data.dt(),
        feature_names: feature_names(&terms, data.names()),
        field: SparseField::new(&terms, &coefficients),
        terms,
        coefficients,
        info,
        options: options.clone(),
        divergence_bound: DIVERGENCE_FACTOR * max_abs.max(1.0),
        last_state: data.row(data.len() - 1).to_vec(),
        ensemble,
        sweep,
    })
}

/// Refuses a library matrix with overflowed entries.
fn check_library(th: &Mat<f64>) -> Result<(), FitError> {
    // `v·0` is 0 for every finite `v` and NaN for ±∞ or NaN, so one branch-free sum per
    // column (which the compiler vectorises) finds any non-finite entry.
    let finite = |c: faer::ColRef<'_, f64>| match c.try_as_col_major() {
        Some(c) => c.as_slice().iter().fold(0.0, |acc, v| acc + v * 0.0) == 0.0,
        None => c.iter().all(|v| v.is_finite()),
    };
    if !th.col_iter().all(finite) {
        return Err(FitError::Data(
            "the library overflows on these data (values too large for the chosen degree); rescale the data or lower the degree".into(),
        ));
    }
    Ok(())
}

/// Refuses data SINDy cannot use, with the reason and the fix.
fn check_data(data: &Trajectory) -> Result<(), FitError> {
    if data.provenance.method == "map" {
        return Err(FitError::Data(
            "these data come from a map (one sample per iteration); SINDy here fits continuous-time flows — use a flow, or DMD/PLRNN for maps".into(),
        ));
    }
    check_finite(data)?;
    if data.len() < 3 {
        return Err(FitError::Data(format!(
            "SINDy needs at least 3 samples to estimate derivatives, the data have {}",
            data.len()
        )));
    }
    let n = data.dim();
    for (k, name) in data.names().iter().enumerate() {
        let first = data.row(0)[k];
        if data
            .samples()
            .iter()
            .skip(k)
            .step_by(n)
            .all(|v| *v == first)
        {
            return Err(FitError::Data(format!(
                "state '{name}' is constant ({first} in every sample): its library columns duplicate the constant term, so the regression cannot tell them apart; drop that column or use data where it varies"
            )));
        }
    }
    Ok(())
}
