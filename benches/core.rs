//! Benchmarks of the numerical core: integrating Lorenz, its Lyapunov spectrum, an
//! exact-DMD fit, and the ResDMD pseudospectrum (fast path per grid point against the
//! dense SVD it replaced), the reservoir computers' fits (ESN with N = 500, NVAR), and the
//! live orbit's loop with and without its local stretching.
//! Run with `cargo bench --bench core`.

use criterion::{Criterion, criterion_group, criterion_main};

use chaoslab::eval::local_stretching::LocalStretching;
use chaoslab::eval::{LyapunovOptions, lyapunov_spectrum};
use chaoslab::integrate::solve_defaults::{ATOL, RTOL};
use chaoslab::integrate::{Method, Simulation, solve, stepper_for};
use chaoslab::jobs::JobContext;
use chaoslab::models::Model;
use chaoslab::models::dmd::Dmd;
use chaoslab::models::koopman::{
    Dictionary, Edmd, PseudospectrumGrid, StateFeatures, Symmetry, fit_edmd, pseudospectrum,
};
use chaoslab::models::reservoir::{Esn, Nvar};
use chaoslab::systems::Catalog;

fn benches(c: &mut Criterion) {
    let sys = Catalog::builtin().system("Lorenz").expect("Lorenz");
    let job = JobContext::detached();
    let sim = Simulation::for_system(&sys, 100.0);
    c.bench_function("lorenz dopri5 100 periods (10k samples)", |b| {
        b.iter(|| solve(&sys, &sim, &job).expect("integrates"))
    });
    let rk4 = Simulation {
        method: Method::Rk4,
        ..sim.clone()
    };
    c.bench_function("lorenz rk4 100 periods (10k samples)", |b| {
        b.iter(|| solve(&sys, &rk4, &job).expect("integrates"))
    });
    // The live view's loop (src/app/live.rs): one Dormand–Prince stepper sampled every
    // period/100, alone and with the local stretching riding along. The difference per
    // sample is what colouring by stretching costs.
    let dt = sys.info().period / 100.0;
    let x0 = sys.info().initial_conditions.clone();
    let live_loop = |stretch: bool| {
        let mut stepper = stepper_for(&sys, Method::Dopri5, RTOL, ATOL, dt, 0.0, &x0);
        let mut tangent = LocalStretching::new(&sys, 0.0).filter(|_| stretch);
        let mut x = vec![0.0; 3];
        let mut sum = 0.0;
        for k in 1..=10_000 {
            let t = k as f64 * dt;
            while stepper.t() < t - 1e-12 {
                if let Some(s) = &mut tangent {
                    s.before_step(&sys, stepper.as_ref());
                }
                stepper.step().expect("steps");
            }
            stepper.interpolate(t, &mut x);
            if let Some(s) = &mut tangent {
                sum += s.sample(&sys, stepper.as_ref(), t);
            }
        }
        x[0] + sum
    };
    c.bench_function("live orbit, lorenz 10k samples: stepper alone", |b| {
        b.iter(|| live_loop(false))
    });
    c.bench_function(
        "live orbit, lorenz 10k samples: with local stretching",
        |b| b.iter(|| live_loop(true)),
    );
    let opts = LyapunovOptions {
        periods: 200.0,
        transient_periods: 0.0,
        ..LyapunovOptions::default()
    };
    c.bench_function("lorenz lyapunov spectrum 200 periods", |b| {
        b.iter(|| lyapunov_spectrum(&sys, &opts, &job).expect("runs"))
    });
    let (traj, _) = solve(&sys, &sim, &job).expect("integrates");
    c.bench_function("exact DMD fit, 10k Lorenz samples", |b| {
        b.iter(|| Dmd::default().fit(&traj, &job).expect("fits"))
    });
    c.bench_function("ESN fit N=500, 10k Lorenz samples", |b| {
        b.iter(|| Esn::default().fit(&traj, &job).expect("fits"))
    });
    c.bench_function("NVAR fit k=3, 10k Lorenz samples", |b| {
        b.iter(|| Nvar::default().fit(&traj, &job).expect("fits"))
    });
    // The quadrature set of `fit --model resdmd --dictionary rbf --centers 296` on Lorenz:
    // N = 300 functions, 2500 held-out pairs.
    let edmd = Edmd {
        dictionary: Dictionary::Rbf {
            centers: 296,
            seed: 0,
            state: StateFeatures::Include,
        },
        ..Edmd::default()
    };
    let model = fit_edmd(&edmd, &traj, &job).expect("fits");
    let form = model
        .quadrature
        .expect("2500 held-out pairs ≥ 300 functions");
    // 10 × 10 over [-1.5, 1.5]²: 50 points after mirroring, in parallel.
    let grid = PseudospectrumGrid::square(1.5, 10);
    c.bench_function(
        "resdmd pseudospectrum N=300, 10x10 grid (50 points, fast path)",
        |b| b.iter(|| pseudospectrum(&form, &grid, Symmetry::RealData, &job).expect("runs")),
    );
    let z = faer::c64::new(0.5, 0.5);
    c.bench_function(
        "resdmd tau(z) N=300, one point, dense SVD (the old path)",
        |b| b.iter(|| form.tau_svd(z)),
    );
    c.bench_function(
        "resdmd tau(z) N=300, one point, fast path (cold start)",
        |b| b.iter(|| form.tau(z)),
    );
}

criterion_group! {
    name = core;
    config = Criterion::default().sample_size(10);
    targets = benches
}
criterion_main!(core);
