//! Benchmarks of the numerical core: integrating Lorenz, its Lyapunov spectrum, and an
//! exact-DMD fit. Run with `cargo bench --bench core`.

use criterion::{Criterion, criterion_group, criterion_main};

use chaoslab::eval::{LyapunovOptions, lyapunov_spectrum};
use chaoslab::integrate::{Method, Simulation, solve};
use chaoslab::jobs::JobContext;
use chaoslab::models::Model;
use chaoslab::models::dmd::Dmd;
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
}

criterion_group! {
    name = core;
    config = Criterion::default().sample_size(10);
    targets = benches
}
criterion_main!(core);
