//! The sweep over the grid: `τ_N(z)` at every point in parallel runs along each row,
//! rows shared by mirror symmetry, each row handed on as soon as it is complete
//! (progressive publishing to a job), with progress and prompt cancellation.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use faer::c64;
use rayon::prelude::*;

use super::grid::{Pseudospectrum, PseudospectrumGrid, Symmetry};
use super::inverse_lanczos::TauWorkspace;
use super::quadrature::QuadratureForm;
use crate::jobs::{Cancelled, JobContext};

/// Grid points per warm-started run along a row (fixed, so results do not depend on
/// the number of threads).
const SEGMENT: usize = 16;

/// `log10 τ_N(z)` on `grid` (ResDMD's R2, Colbrook & Townsend, CPAM 77 (2024),
/// Algorithm 2), parallel over grid points, reporting progress on `job` and
/// stopping promptly with [`Cancelled`] when asked.
pub fn pseudospectrum(
    form: &QuadratureForm,
    grid: &PseudospectrumGrid,
    symmetry: Symmetry,
    job: &JobContext,
) -> Result<Pseudospectrum, Cancelled> {
    pseudospectrum_rows(form, grid, symmetry, job, &|_, _| {})
}

/// Like [`pseudospectrum`], and meanwhile publishes the rows computed so far through
/// [`JobContext::publish`] as a [`Pseudospectrum`] whose missing points are `NaN`, so a
/// window can draw the grid as it fills.
pub fn pseudospectrum_published(
    form: &QuadratureForm,
    grid: &PseudospectrumGrid,
    symmetry: Symmetry,
    job: &JobContext,
) -> Result<Pseudospectrum, Cancelled> {
    let partial = Mutex::new(Pseudospectrum {
        grid: *grid,
        log10_tau: vec![f64::NAN; grid.nx * grid.ny],
    });
    pseudospectrum_rows(form, grid, symmetry, job, &|j, row| {
        if let Ok(mut p) = partial.lock() {
            p.log10_tau[j * grid.nx..(j + 1) * grid.nx].copy_from_slice(row);
            job.publish(Arc::new(p.clone()));
        }
    })
}

/// `log10 τ_N(z)` on `grid`; `on_row(j, values)` is called (from worker threads, in no
/// particular order) for every grid row `j` as soon as all its points are known.
///
/// Work is split into runs of `SEGMENT` points along a row; a run is computed by one
/// thread, each point warm-started from its left neighbour, and runs go in parallel.
pub fn pseudospectrum_rows(
    form: &QuadratureForm,
    grid: &PseudospectrumGrid,
    symmetry: Symmetry,
    job: &JobContext,
    on_row: &(dyn Fn(usize, &[f64]) + Sync),
) -> Result<Pseudospectrum, Cancelled> {
    // Rows to compute: for real data, rows with equal |Im z| share one computation.
    let key = |j: usize| match symmetry {
        Symmetry::RealData => grid.y(j).abs(),
        Symmetry::None => grid.y(j),
    };
    let same = |a: f64, b: f64| (a - b).abs() <= 1e-12 * (1.0 + b.abs());
    let mut unique: Vec<f64> = (0..grid.ny).map(key).collect();
    unique.sort_by(f64::total_cmp);
    unique.dedup_by(|a, b| same(*a, *b));
    // Grid rows served by each unique row.
    let served: Vec<Vec<usize>> = unique
        .iter()
        .map(|u| (0..grid.ny).filter(|&j| same(key(j), *u)).collect())
        .collect();
    let nx = grid.nx;
    let total = unique.len() * nx;
    let values: Vec<AtomicU64> = (0..total)
        .map(|_| AtomicU64::new(f64::NAN.to_bits()))
        .collect();
    let remaining: Vec<AtomicUsize> = (0..unique.len()).map(|_| AtomicUsize::new(nx)).collect();
    let segments: Vec<(usize, usize)> = (0..unique.len())
        .flat_map(|row| (0..nx.div_ceil(SEGMENT)).map(move |s| (row, s * SEGMENT)))
        .collect();
    let done = AtomicUsize::new(0);
    let step = (total / 100).max(1);
    segments.par_iter().try_for_each(|&(row, start)| {
        let end = (start + SEGMENT).min(nx);
        let mut ws = TauWorkspace::new(form.len());
        for col in start..end {
            job.check()?;
            let tau = form.tau_with(c64::new(grid.x(col), unique[row]), &mut ws);
            values[row * nx + col].store(tau.log10().to_bits(), Ordering::Relaxed);
            let k = done.fetch_add(1, Ordering::Relaxed) + 1;
            if k.is_multiple_of(step) {
                job.report(k as f32 / total as f32, "pseudospectrum");
            }
        }
        if remaining[row].fetch_sub(end - start, Ordering::AcqRel) == end - start {
            let vals: Vec<f64> = (0..nx)
                .map(|c| f64::from_bits(values[row * nx + c].load(Ordering::Acquire)))
                .collect();
            for &j in &served[row] {
                on_row(j, &vals);
            }
        }
        Ok::<(), Cancelled>(())
    })?;
    job.check()?;
    let mut log10_tau = vec![f64::NAN; grid.nx * grid.ny];
    for (row, rows) in served.iter().enumerate() {
        for &j in rows {
            for c in 0..nx {
                log10_tau[j * nx + c] =
                    f64::from_bits(values[row * nx + c].load(Ordering::Relaxed));
            }
        }
    }
    Ok(Pseudospectrum {
        grid: *grid,
        log10_tau,
    })
}
