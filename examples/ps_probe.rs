use std::time::Instant;
use faer::{Mat, c64};
use rand::{Rng, SeedableRng};
use chaoslab::models::koopman::QuadratureForm;
use chaoslab::models::koopman::pseudospectrum::TauWorkspace;

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(300);
    let m = 4 * n;
    let mut rng = rand_pcg::Pcg64::seed_from_u64(1);
    let px = Mat::<f64>::from_fn(m, n, |_, _| rng.random_range(-1.0..1.0));
    // Y close to X times a contraction: mimics a nearly invariant dictionary.
    let a = Mat::<f64>::from_fn(n, n, |_, _| rng.random_range(-1.0..1.0) / (n as f64).sqrt());
    let noise = Mat::<f64>::from_fn(m, n, |_, _| rng.random_range(-1.0..1.0) * 0.05);
    let py = &px * &a + noise;
    let form = if std::env::var_os("LORENZ").is_some() { lorenz_form(n - 4) } else { QuadratureForm::new(px.as_ref(), py.as_ref()).unwrap() };
    let zs: Vec<c64> = (0..400).map(|k| c64::new(-1.2 + 2.4 * (k as f64) / 399.0, 0.3)).collect();
    let t = Instant::now();
    let svd: Vec<f64> = zs.iter().step_by(40).map(|z| form.tau_svd(*z)).collect();
    let t_svd = t.elapsed().as_secs_f64() * 1e3 / 10.0;
    let fast_sub: Vec<f64> = zs.iter().step_by(40).map(|z| form.tau(*z)).collect();
    let _ = fast_sub;
    if std::env::var_os("ONE").is_some() { one(&form); return; }
    if std::env::var_os("DEBUGPTS").is_some() { debug_points(&form, &zs.iter().copied().step_by(40).collect::<Vec<_>>()); return; }
    let c0 = cpu();
    let t = Instant::now();
    let mut ws = TauWorkspace::new(n);
    let fast: Vec<f64> = zs.iter().map(|z| form.tau_with(*z, &mut ws)).collect();
    let t_fast = t.elapsed().as_secs_f64() * 1e3 / zs.len() as f64;
    let c_fast = (cpu() - c0) * 1e3 / zs.len() as f64;
    println!("cpu fast warm {c_fast:.3} ms/pt");
    let t = Instant::now();
    let cold: Vec<f64> = zs.iter().map(|z| form.tau(*z)).collect();
    let t_cold = t.elapsed().as_secs_f64() * 1e3 / zs.len() as f64;
    let worst = svd.iter().zip(fast.iter().step_by(40)).map(|(a, b)| ((a - b) / a).abs()).fold(0.0, f64::max);
    let worst_cold = svd.iter().zip(cold.iter().step_by(40)).map(|(a, b)| ((a - b) / a).abs()).fold(0.0, f64::max);
    println!("N={n}: svd {t_svd:.2} ms/pt, fast warm {t_fast:.3} ms/pt, fast cold {t_cold:.3} ms/pt; max rel diff warm {worst:.2e} cold {worst_cold:.2e}");
    eprintln!("{:?}\n{:?}", &svd[..4], &fast[..4]);
}
#[allow(dead_code)]
fn unused() {}

pub fn lorenz_form(centers: usize) -> QuadratureForm {
    use chaoslab::integrate::{Simulation, solve};
    use chaoslab::jobs::JobContext;
    use chaoslab::models::koopman::{Dictionary, Edmd, StateFeatures, fit_edmd};
    use chaoslab::systems::Catalog;
    let sys = Catalog::builtin().system("Lorenz").expect("Lorenz");
    let (traj, _) = solve(&sys, &Simulation::for_system(&sys, 100.0), &JobContext::detached()).unwrap();
    let opts = Edmd { dictionary: Dictionary::Rbf { centers, seed: 0, state: StateFeatures::Include }, ..Edmd::default() };
    let model = fit_edmd(&opts, &traj, &JobContext::detached()).unwrap();
    model.quadrature.unwrap()
}

fn cpu() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap();
    let f: Vec<&str> = s.rsplit(')').next().unwrap().split_whitespace().collect();
    (f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap()) / 100.0
}
pub fn debug_points(form: &QuadratureForm, zs: &[c64]) {
    for z in zs {
        let a = form.tau_svd(*z);
        let b = form.tau(*z);
        println!("z={z:.3} svd {a:.6e} fast {b:.6e} rel {:.2e}", (a - b).abs() / a);
    }
}
pub fn one(form: &QuadratureForm) { let z = c64::new(0.003, 0.3); eprintln!("{:?}", form.debug_check(z)); println!("svd {} fast {}", form.tau_svd(z), form.tau(z)); }
