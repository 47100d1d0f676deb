//! Whole-catalog checks (test-only): every entry loads and has equations, its vector
//! field is finite at its initial condition, its dual-number Jacobian matches central
//! finite differences, and a short Dormand–Prince run stays finite.

use super::{Catalog, Kind, System};
use crate::integrate::{Simulation, solve};
use crate::jobs::JobContext;

fn all() -> Vec<System> {
    Catalog::builtin()
        .infos()
        .map(|i| {
            Catalog::builtin()
                .system(&i.name)
                .expect("every entry loads")
        })
        .collect()
}

#[test]
fn catalog_has_the_dysts_flows_and_maps() {
    let systems = all();
    let flows = systems.iter().filter(|s| s.kind() == Kind::Flow).count();
    let maps = systems.iter().filter(|s| s.kind() == Kind::Map).count();
    let delays = systems.iter().filter(|s| s.kind() == Kind::Delay).count();
    // dysts' 135 flows are 129 ODEs (Torus included, with its clock state) and 6 delay
    // equations; chaoslab adds the unforced VanDerPol. All 23 implemented maps.
    assert_eq!(flows, 129 + 1, "ODE flows");
    assert_eq!(delays, 6, "delay equations");
    assert_eq!(maps, 23, "maps");
    let outputs = systems.iter().filter(|s| s.has_output_map()).count();
    // dysts' 19 output maps plus Torus, whose output drops chaoslab's clock state.
    assert_eq!(outputs, 19 + 1, "dysts has 19 output maps");
}

#[test]
fn every_rhs_and_output_is_finite_at_the_initial_condition() {
    for sys in all() {
        let x = &sys.info().initial_conditions;
        if sys.kind() == Kind::Delay {
            let f = sys.delay_rhs(x[0], x[x.len() - 1]);
            assert!(f.is_finite(), "{}: f = {f}", sys.name());
            assert_eq!(x.len(), 10, "{}: dysts' ten-column embedding", sys.name());
            assert!(sys.delay_tau().is_some_and(|t| t > 0.0), "{}", sys.name());
            continue;
        }
        let mut f = vec![f64::NAN; sys.dim()];
        sys.rhs(x, &mut f);
        assert!(
            f.iter().all(|v| v.is_finite()),
            "{}: f(x0) = {f:?}",
            sys.name()
        );
        let mut y = vec![f64::NAN; sys.observed_dim()];
        sys.observe(x, &mut y);
        assert!(
            y.iter().all(|v| v.is_finite()),
            "{}: g(x0) = {y:?}",
            sys.name()
        );
        if sys.name() != "Torus" {
            assert_eq!(sys.observed_dim(), sys.dim(), "{}", sys.name());
        }
    }
}

/// Central differences with h_j = 1e-6 (1 + |x_j|): truncation error O(h²·f‴) and
/// rounding error O(ε‖f‖/h) ≈ 1e-10‖f‖, both far below the 1e-5 relative tolerance
/// (relative to the largest Jacobian entry and ‖f‖/(1+|x|), so rows near zero do not
/// demand more digits than differences can give). A wrong derivative rule or a
/// transcription slip in a generated term is off by O(1).
#[test]
fn dual_jacobians_match_central_differences_at_every_initial_condition() {
    let mut failures = Vec::new();
    for sys in all() {
        if sys.kind() == Kind::Delay {
            check_delay_partials(&sys, &mut failures);
            continue;
        }
        let n = sys.dim();
        let x = sys.info().initial_conditions.clone();
        let jac = sys.jacobian(&x);
        let mut f0 = vec![0.0; n];
        sys.rhs(&x, &mut f0);
        let fmax = f0.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let jmax = jac.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let (mut fp, mut fm) = (vec![0.0; n], vec![0.0; n]);
        for j in 0..n {
            let h = 1e-6 * (1.0 + x[j].abs());
            let (mut xp, mut xm) = (x.clone(), x.clone());
            xp[j] += h;
            xm[j] -= h;
            sys.rhs(&xp, &mut fp);
            sys.rhs(&xm, &mut fm);
            for i in 0..n {
                let fd = (fp[i] - fm[i]) / (xp[j] - xm[j]);
                let scale = jmax.max(fmax / (1.0 + x[j].abs())).max(1e-300);
                if (jac[i * n + j] - fd).abs() > 1e-5 * scale {
                    failures.push(format!(
                        "{} d f{i}/d x{j}: dual {} vs differences {fd}",
                        sys.name(),
                        jac[i * n + j]
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The dual-number partials `∂f/∂x(t)` and `∂f/∂x(t − τ)` of a delay right-hand side
/// against central differences, at the pair `(x0[0], x0[9])`.
fn check_delay_partials(sys: &System, failures: &mut Vec<String>) {
    use crate::systems::scalar::Dual;
    let x = &sys.info().initial_conditions;
    let (a, b) = (x[0], x[x.len() - 1]);
    let dn = sys.delay_rhs_dual(Dual::new(a, 1.0), Dual::new(b, 0.0)).eps;
    let dd = sys.delay_rhs_dual(Dual::new(a, 0.0), Dual::new(b, 1.0)).eps;
    let (ha, hb) = (1e-6 * (1.0 + a.abs()), 1e-6 * (1.0 + b.abs()));
    let fd_n = (sys.delay_rhs(a + ha, b) - sys.delay_rhs(a - ha, b)) / (2.0 * ha);
    let fd_d = (sys.delay_rhs(a, b + hb) - sys.delay_rhs(a, b - hb)) / (2.0 * hb);
    let scale = dn.abs().max(dd.abs()).max(1e-12);
    for (what, dual, fd) in [("x(t)", dn, fd_n), ("x(t-tau)", dd, fd_d)] {
        if (dual - fd).abs() > 1e-5 * scale {
            failures.push(format!(
                "{} d f/d {what}: dual {dual} vs differences {fd}",
                sys.name()
            ));
        }
    }
}

/// Every flow for 100 dominant periods (maps: 1000 iterations) with the default
/// Dormand–Prince settings: the samples must stay finite.
#[test]
fn every_flow_integrates_100_periods_and_every_map_1000_iterations() {
    let mut failures = Vec::new();
    for sys in all() {
        let periods = if sys.kind() == Kind::Map {
            1000.0
        } else {
            100.0
        };
        let sim = Simulation::for_system(&sys, periods);
        match solve(&sys, &sim, &JobContext::detached()) {
            Ok((traj, _)) => {
                let n = traj.len();
                if !(0..n).all(|k| traj.row(k).iter().all(|v| v.is_finite())) {
                    failures.push(format!("{}: non-finite sample", sys.name()));
                }
            }
            Err(e) => failures.push(format!("{}: {e}", sys.name())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The largest Lyapunov exponent of a handful of chaotic flows, by the QR method on the
/// dual-number tangent dynamics (`eval::lyapunov_spectrum`, 1500 periods after 50 of
/// transient), against dysts' `lyapunov_spectrum_estimated[0]`. dysts' values come from
/// an explicit-Euler tangent propagation (step period/500) with forward-difference
/// Jacobians over about 30 periods (specs/dysts.md); its two estimators disagree by a
/// factor 0.84–1.67 (interquartile) across the catalog, so the comparison can only ask
/// for the same sign and agreement within a factor of 2 (the criterion).
/// Measured: Rossler 0.0716 (dysts 0.0763), Chen 2.010 (2.047), Thomas 0.492 (0.759),
/// Halvorsen 0.693 (0.586), Aizawa 0.0995 (0.0895), SprottB 0.213 (0.220). Thomas is the
/// outlier (dysts' Euler step is coarse against its |J| ~ b = 10).
/// Two sharper checks: Rössler's exponent against the literature value 0.0714 (Sprott,
/// *Chaos and Time-Series Analysis*, 2003, Table A.3) within 0.005, and the sum of the
/// exponents against the independently averaged divergence tr J within 2 % of the
/// spectrum's spread, which checks the tangent integration itself.
#[test]
fn largest_lyapunov_exponents_agree_with_dysts() {
    use crate::eval::lyapunov::{LyapunovOptions, lyapunov_spectrum};
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for name in [
        "Rossler",
        "Chen",
        "Thomas",
        "Halvorsen",
        "Aizawa",
        "SprottB",
    ] {
        let sys = Catalog::builtin().system(name).expect("in the catalog");
        let dysts = sys
            .info()
            .lyapunov_spectrum
            .as_ref()
            .expect("dysts spectrum")[0];
        let res = lyapunov_spectrum(&sys, &LyapunovOptions::default(), &JobContext::detached())
            .expect("integrates");
        let ours = res.exponents[0];
        let spread = res.exponents[0] - res.exponents[res.exponents.len() - 1];
        report.push(format!(
            "{name}: ours {ours:.4} dysts {dysts:.4} sum {:.4} div {:.4}",
            res.sum, res.mean_divergence
        ));
        if name == "Rossler" && (ours - 0.0714).abs() > 0.005 {
            failures.push(format!("Rossler: λ1 = {ours} vs Sprott's 0.0714"));
        }
        if !(ours > 0.0 && ours / dysts > 0.5 && ours / dysts < 2.0) {
            failures.push(format!("{name}: λ1 = {ours} vs dysts {dysts}"));
        }
        if (res.sum - res.mean_divergence).abs() > 0.02 * spread {
            failures.push(format!(
                "{name}: Σλ = {} vs <tr J> = {}",
                res.sum, res.mean_divergence
            ));
        }
    }
    println!("{}", report.join("\n"));
    assert!(
        failures.is_empty(),
        "{}\n{}",
        failures.join("\n"),
        report.join("\n")
    );
}

/// Flows whose largest exponent is not within a factor of 2 of either dysts estimate
/// (`maximum_lyapunov_estimated` or `lyapunov_spectrum_estimated[0]`), with the reason.
/// Measured with the QR method over 100 periods after 10 of transient (and confirmed at
/// 300 periods). dysts' spectra come from an explicit-Euler tangent step of period/500
/// with forward-difference Jacobians on a Radau orbit at rtol 1e-3 (specs/dysts.md); an
/// Euler step multiplies a tangent rotating at frequency ω by |1 + iωΔt| > 1, adding a
/// spurious ω²Δt/2 to every exponent, and its two estimators disagree by more than a
/// factor of 2 for 46 of 133 systems. chaoslab's estimates are checked independently by
/// the exact identity Σλ = ⟨tr J⟩ for every flow (below), Lorenz, Rössler and Hénon
/// against the literature, and the Lambert-W rates of linear delay equations.
pub(crate) const DYSTS_LYAPUNOV_EXCEPTIONS: &[(&str, &str)] = &[
    // Not chaotic at the catalog's parameters and initial condition when integrated
    // accurately (largest exponent ≈ 0: a cycle, a torus, or a collapse).
    (
        "ForcedVanDerPol",
        "quasi-periodic at these parameters: λ1 ≈ 0",
    ),
    (
        "CaTwoPlusQuasiperiodic",
        "quasi-periodic, as its name says: λ1 ≈ 0",
    ),
    (
        "PanXuZhou",
        "transient chaos: the accurate orbit settles on a stable equilibrium",
    ),
    (
        "KawczynskiStrizhak",
        "periodic at these parameters: λ1 ≈ 1e-4",
    ),
    (
        "SprottMore",
        "λ1 ≈ 0.002 over 300 periods: weakly chaotic or quasi-periodic",
    ),
    (
        "Bouali2",
        "λ1 ≈ 0.001 over 300 periods: weakly chaotic or periodic",
    ),
    ("CircadianRhythm", "λ1 ≈ 2e-4: periodic at these parameters"),
    (
        "ForcedFitzHughNagumo",
        "λ1 ≈ 3e-4: quasi-periodic; dysts' two values differ 12×",
    ),
    (
        "Tsucs2",
        "λ1 ≈ 0.004: weakly chaotic; dysts' two values differ 5×",
    ),
    (
        "ExcitableCell",
        "0.35–0.41 against 0.72 and 17: borderline factor 1.7–2.1",
    ),
    (
        "MackeyGlass",
        "dysts' values describe the pre-2024 parameters (specs/dysts.md)",
    ),
    // Conservative systems: the exponent depends on where the orbit starts in a mixed
    // phase space; dysts averaged 20 starts, chaoslab follows the catalog's one.
    (
        "HenonHeiles",
        "Hamiltonian, mixed phase space: λ1 depends on the start",
    ),
    (
        "NoseHoover",
        "conservative, mixed phase space: λ1 depends on the start",
    ),
    (
        "SprottA",
        "conservative (Nosé–Hoover form): λ1 depends on the start",
    ),
    (
        "ArnoldWeb",
        "Hamiltonian, mixed phase space: λ1 depends on the start",
    ),
    (
        "ArnoldBeltramiChildress",
        "volume-preserving, mixed phase space",
    ),
    (
        "BlinkingRotlet",
        "volume-preserving mixing flow with a phase clock",
    ),
    (
        "BlinkingVortex",
        "volume-preserving mixing flow with a phase clock",
    ),
    (
        "DoublePendulum",
        "Hamiltonian; dysts' values describe the pre-2024 equations",
    ),
    (
        "SwingingAtwood",
        "Hamiltonian, mixed phase space: λ1 depends on the start",
    ),
    (
        "InteriorSquirmer",
        "Hamiltonian mixing flow with a phase clock",
    ),
    // Dissipative chaotic flows where chaoslab's value is smaller than both dysts values,
    // as the Euler inflation above predicts.
    (
        "BelousovZhabotinsky",
        "extremely stiff (dysts dt 3.7e-6); Euler inflation",
    ),
    ("Bouali", "dysts larger by 2.0–2.5×: Euler inflation"),
    (
        "DequanLi",
        "0.10–0.39 between runs of 300 and 100 periods (intermittent); dysts 0.74, 1.86",
    ),
    (
        "GlycolyticOscillation",
        "dysts larger by 2.7–3×: values of undocumented origin",
    ),
    (
        "IsothermalChemical",
        "dysts larger by 3–4×: Euler inflation",
    ),
    ("JerkCircuit", "dysts larger by 4–5.6×: Euler inflation"),
    (
        "LiuChen",
        "0.04–0.14 between runs of 300 and 100 periods (intermittent); dysts 0.25",
    ),
    (
        "MacArthur",
        "dysts larger by 10–12×: Euler inflation (10-D, stiff)",
    ),
    ("MooreSpiegel", "dysts larger by 2.2–3.8×: Euler inflation"),
    (
        "SprottTorus",
        "0.05–0.06 against 0.11 and 0.30: dysts larger, Euler inflation",
    ),
    (
        "StickSlipOscillator",
        "dysts larger by 3.6–4×: Euler inflation",
    ),
];

/// The whole catalog's spectra, one QR run per flow (in parallel): for every ODE flow
/// the sum of the exponents equals the independently averaged divergence ⟨tr J⟩ to 2 %
/// (of |⟨tr J⟩|, or of the spectrum's spread where the flow conserves volume) — an
/// exact identity that checks the tangent integration — and for every flow (delay
/// equations included) the largest exponent lies within a factor of 2 of one of dysts'
/// two estimates, except the listed systems. Prints the fraction that agrees.
#[test]
fn every_flow_spectrum_sums_to_its_divergence_and_matches_dysts_or_is_listed() {
    use crate::eval::lyapunov::{LyapunovOptions, lyapunov_spectrum};
    use rayon::prelude::*;
    let flows: Vec<System> = all()
        .into_iter()
        .filter(|s| s.kind() != Kind::Map)
        .collect();
    let results: Vec<(String, Result<crate::eval::LyapunovResult, String>)> = flows
        .par_iter()
        .map(|sys| {
            let options = LyapunovOptions {
                transient_periods: 10.0,
                periods: 100.0,
                ..LyapunovOptions::default()
            };
            let r = lyapunov_spectrum(sys, &options, &JobContext::detached())
                .map_err(|e| e.to_string());
            (sys.name().to_string(), r)
        })
        .collect();
    let mut failures = Vec::new();
    let mut agree = 0;
    for ((name, r), sys) in results.iter().zip(&flows) {
        let res = match r {
            Ok(res) => res,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let info = sys.info();
        let ours = res.exponents[0];
        if info.kind == Kind::Flow {
            let spread = res.exponents[0] - res.exponents[res.exponents.len() - 1];
            let tol = 0.02 * res.mean_divergence.abs().max(spread);
            if (res.sum - res.mean_divergence).abs() > tol {
                failures.push(format!(
                    "{name}: Σλ = {} vs ⟨tr J⟩ = {}",
                    res.sum, res.mean_divergence
                ));
            }
        }
        let mut refs = vec![info.max_lyapunov];
        if let Some(spec) = &info.lyapunov_spectrum {
            refs.push(spec[0]);
        }
        let within = refs.iter().any(|&r| {
            (r > 0.0 && ours / r >= 0.5 && ours / r <= 2.0) || (r == 0.0 && ours.abs() < 0.01)
        });
        let listed = DYSTS_LYAPUNOV_EXCEPTIONS.iter().any(|(n, _)| n == name);
        if within {
            agree += 1;
            if listed {
                // Borderline and slowly converging cases flip between runs; say so.
                println!("{name}: listed, but agrees at this length ({ours} vs {refs:?})");
            }
        } else if !listed {
            failures.push(format!("{name}: λ1 = {ours} vs dysts {refs:?}"));
        }
    }
    println!(
        "{agree} of {} flows within a factor of 2 of a dysts estimate ({:.0} %)",
        results.len(),
        100.0 * agree as f64 / results.len() as f64
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Maps whose exponents are known exactly: the tent map `x' = μ(1 − 2|x − ½|)` stretches
/// by `2μ` everywhere, so `λ = ln 2μ` (at μ = 0.95: ln 1.9); dysts' baker map stretches
/// `x` by `2 − 1e-10` and scales `y` by `a/2`, so `λ = ln(2 − 1e-10), ln(a/2)`.
#[test]
fn tent_and_baker_maps_have_their_exact_exponents() {
    use crate::eval::lyapunov::{LyapunovOptions, lyapunov_spectrum};
    let options = LyapunovOptions {
        transient_periods: 100.0,
        periods: 20_000.0,
        ..LyapunovOptions::default()
    };
    let tent = Catalog::builtin().system("Tent").expect("Tent");
    let mu = tent.params()[0];
    let r = lyapunov_spectrum(&tent, &options, &JobContext::detached()).expect("iterates");
    assert!(
        (r.exponents[0] - (2.0 * mu).ln()).abs() < 1e-9,
        "{:?}",
        r.exponents
    );
    let baker = Catalog::builtin().system("Baker").expect("Baker");
    let a = baker.params()[0];
    let r = lyapunov_spectrum(&baker, &options, &JobContext::detached()).expect("iterates");
    assert!(
        (r.exponents[0] - (2.0f64 - 1e-10).ln()).abs() < 1e-9,
        "{:?}",
        r.exponents
    );
    assert!(
        (r.exponents[1] - (a / 2.0).ln()).abs() < 1e-9,
        "{:?}",
        r.exponents
    );
}
