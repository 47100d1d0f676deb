//! Local stretching along an orbit: how fast nearby orbits separate right here.
//!
//! One tangent vector `v` rides along the orbit under the variational equation
//! `v' = J(x(t)) v` (flows) or `v ↦ J(x_n) v` (maps) and is renormalised at every sample;
//! the growth over one sample interval `Δ` is the local (finite-time) Lyapunov exponent
//! `λ_loc = ln(|v(t+Δ)| / |v(t)|) / Δ` — per time unit, per iterate for maps. After a
//! transient `v` lines up with the most unstable direction, so the time average of
//! `λ_loc` over a long orbit is the largest Lyapunov exponent (Benettin's method with a
//! single vector: G. Benettin, L. Galgani, A. Giorgilli, J.-M. Strelcyn, Meccanica 15
//! (1980) 9–30), while its values along the orbit show where the stretching happens and
//! where the flow contracts (B. Eckhardt, D. Yao, "Local Lyapunov exponents in chaotic
//! systems", Physica D 65 (1993) 100–108). On the Lorenz attractor it is large near the
//! saddle between the wings and negative on the outer loops.
//!
//! # Why the variational equation, riding on the live stepper
//! The orbit itself is not integrated a second time: the tangent is carried through
//! every step the orbit's own adaptive stepper takes, reading `x(s)` from that step's
//! dense output (Dormand–Prince's continuous extension), with two classical Runge–Kutta
//! substeps per solver step. So `v` follows exactly the drawn orbit, the orbit's step
//! sizes stay its own (nothing is added to its error control), and `J v` is exact to
//! rounding ([`System::jvp`]: dual numbers, or symbolic derivatives for typed systems).
//! A renormalised shadow orbit would instead need a second adaptive integration and
//! a separation large enough to stand above the solver's tolerance noise. Two substeps
//! keep RK4 stable where a stiff orbit's steps sit on Dormand–Prince's stability bound
//! (`h|λ| ≈ 3.3`, beyond RK4's 2.8). The dense output interpolates the state to fourth
//! order in the step, and the steps are the live view's (relative tolerance 1e-9), so
//! the tangent's error is far below the fluctuations of `λ_loc` itself.
//!
//! Delay equations have an infinite-dimensional tangent space (see
//! [`super::lyapunov_delay`]) and get no local stretching here.

use crate::eval::tangent_growth::renormalise;
use crate::integrate::{Method, Stepper, solve_defaults, stepper_for};
use crate::systems::scalar::Dual;
use crate::systems::{Kind, System};

/// A tangent vector riding along an orbit's stepper; call [`Self::before_step`] before
/// each of the stepper's steps and [`Self::sample`] at each sample time.
pub struct LocalStretching {
    kind: Kind,
    /// The unit tangent at time `t`.
    tangent: Vec<f64>,
    /// The time the tangent belongs to (for maps, the iterate it applies to next).
    t: f64,
    /// The time of the last sample.
    t_sample: f64,
    /// `ln |v|` gained since the last sample (NaN once the tangent broke down).
    log_growth: f64,
    x: Vec<f64>,
    k: [Vec<f64>; 4],
    stage: Vec<f64>,
    fx: Vec<f64>,
    work: Vec<Dual>,
}

impl LocalStretching {
    /// A tangent starting at time `t0` along `(1, …, 1)/√n`; `None` for delay equations.
    pub fn new(system: &System, t0: f64) -> Option<Self> {
        if system.kind() == Kind::Delay {
            return None;
        }
        let n = system.dim();
        let zeros = vec![0.0; n];
        Some(Self {
            kind: system.kind(),
            tangent: vec![1.0 / (n.max(1) as f64).sqrt(); n],
            t: t0,
            t_sample: t0,
            log_growth: 0.0,
            x: zeros.clone(),
            k: [zeros.clone(), zeros.clone(), zeros.clone(), zeros.clone()],
            stage: zeros.clone(),
            fx: zeros,
            work: vec![Dual::default(); 2 * n],
        })
    }

    /// Carries the tangent through what the stepper has done since the last call, before
    /// it takes its next step: a flow's tangent up to `stepper.t()` along the last step's
    /// dense output; a map's tangent through `J` at the state about to be mapped.
    pub fn before_step(&mut self, system: &System, stepper: &dyn Stepper) {
        match self.kind {
            Kind::Map => {
                self.x.copy_from_slice(stepper.state());
                system.jvp(
                    &self.x,
                    &self.tangent,
                    &mut self.fx,
                    &mut self.k[0],
                    &mut self.work,
                );
                self.tangent.copy_from_slice(&self.k[0]);
                self.accumulate();
                self.t = stepper.t() + 1.0;
            }
            _ => self.follow_flow(system, stepper, stepper.t()),
        }
    }

    /// Carries a flow's tangent to `stepper.t()` before the stepper is replaced (a
    /// parameter change restarts the orbit there); nothing for maps.
    pub fn before_restart(&mut self, system: &System, stepper: &dyn Stepper) {
        if self.kind != Kind::Map {
            self.follow_flow(system, stepper, stepper.t());
        }
    }

    /// `λ_loc` since the previous sample, at sample time `t` (the stepper has passed
    /// `t`): `ln(|v(t)|/|v(t_prev)|) / (t − t_prev)`. NaN for the first sample (no time
    /// has passed) and when the tangent broke down (it restarts then).
    pub fn sample(&mut self, system: &System, stepper: &dyn Stepper, t: f64) -> f64 {
        if self.kind != Kind::Map {
            self.follow_flow(system, stepper, t);
        }
        let elapsed = t - self.t_sample;
        let rate = if elapsed > 0.0 {
            self.log_growth / elapsed
        } else {
            f64::NAN
        };
        self.log_growth = 0.0;
        self.t_sample = t;
        rate
    }

    /// Integrates `v' = J(x(s)) v` from `self.t` to `until` (inside the stepper's last
    /// step) with two RK4 substeps, `x(s)` from the dense output.
    fn follow_flow(&mut self, system: &System, stepper: &dyn Stepper, until: f64) {
        const SUBSTEPS: usize = 2;
        if until <= self.t {
            return;
        }
        let h = (until - self.t) / SUBSTEPS as f64;
        for _ in 0..SUBSTEPS {
            let s = self.t;
            // Classical RK4: stage j reads the tangent v + c_j·h·k_{j−1} at time s + c_j·h.
            for (j, c) in [0.0, 0.5, 0.5, 1.0].into_iter().enumerate() {
                if j == 0 {
                    self.stage.copy_from_slice(&self.tangent);
                } else {
                    let prev = &self.k[j - 1];
                    for ((st, v), p) in self.stage.iter_mut().zip(&self.tangent).zip(prev) {
                        *st = v + c * h * p;
                    }
                }
                // Stages 1 and 2 share the midpoint state.
                if j != 2 {
                    stepper.interpolate(s + c * h, &mut self.x);
                }
                system.jvp(
                    &self.x,
                    &self.stage,
                    &mut self.fx,
                    &mut self.k[j],
                    &mut self.work,
                );
            }
            let [k0, k1, k2, k3] = &self.k;
            for (i, v) in self.tangent.iter_mut().enumerate() {
                *v += h / 6.0 * (k0[i] + 2.0 * k1[i] + 2.0 * k2[i] + k3[i]);
            }
            self.t = s + h;
        }
        self.t = until;
        self.accumulate();
    }

    /// Renormalises the tangent and adds its log growth; restarts it along `(1, …, 1)`
    /// (and spoils this sample's rate) when it vanished or overflowed.
    fn accumulate(&mut self) {
        match renormalise(&mut self.tangent) {
            Some(log_norm) => self.log_growth += log_norm,
            None => {
                let n = self.tangent.len().max(1) as f64;
                self.tangent.iter_mut().for_each(|v| *v = 1.0 / n.sqrt());
                self.log_growth = f64::NAN;
            }
        }
    }
}

/// `λ_loc` at `samples` samples `dt` apart along the orbit of `system` from `x0`,
/// integrated as the live view does (Dormand–Prince with the default tolerances, steps
/// at most `dt`; maps iterate with `dt = 1`). The first value is NaN (no time has
/// passed yet). An error names the time where the orbit blew up.
pub fn local_stretching_series(
    system: &System,
    x0: &[f64],
    dt: f64,
    samples: usize,
) -> Result<Vec<f64>, String> {
    let mut stretching = LocalStretching::new(system, 0.0)
        .ok_or("local stretching needs a flow or a map, not a delay equation")?;
    let mut stepper = stepper_for(
        system,
        Method::Dopri5,
        solve_defaults::RTOL,
        solve_defaults::ATOL,
        dt,
        0.0,
        x0,
    );
    let mut out = Vec::with_capacity(samples);
    for k in 0..samples {
        let t = k as f64 * dt;
        while stepper.t() < t - 1e-12 {
            stretching.before_step(system, stepper.as_ref());
            stepper.step().map_err(|e| {
                let (t, reason) = e.describe();
                format!("the orbit blew up at t = {t:.3} ({reason})")
            })?;
        }
        out.push(stretching.sample(system, stepper.as_ref(), t));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::systems::Catalog;
    use crate::systems::user::{UserSystem, UserSystemSpec};
    use std::sync::Arc;

    fn mean(v: &[f64]) -> f64 {
        v.iter().sum::<f64>() / v.len() as f64
    }

    /// x' = diag(0.5, −1, −2) x: once the tangent has lined up with the first axis
    /// (its other parts decay like e^(−1.5 t)), it grows at exactly 0.5 everywhere.
    #[test]
    fn a_linear_flow_stretches_at_its_largest_eigenvalue_everywhere() {
        let mut spec = UserSystemSpec::lorenz_example();
        spec.name = "Diagonal".into();
        spec.params.clear();
        spec.equations = vec![
            "dx/dt = 0.5*x".into(),
            "dy/dt = -y".into(),
            "dz/dt = -2*z".into(),
        ];
        spec.initial_conditions = vec![1.0, 1.0, 1.0];
        spec.period = Some(1.0);
        let sys = System::from_user(Arc::new(UserSystem::compile(spec).expect("compiles")));
        let dt = 0.01;
        let rates = local_stretching_series(&sys, &[1.0, 1.0, 1.0], dt, 2_001).expect("runs");
        assert!(rates[0].is_nan(), "no time has passed at the first sample");
        // After t = 12 the other directions are down by e^(−18): below 1e-6 in the rate.
        let worst = rates[1_200..]
            .iter()
            .fold(0.0f64, |m, r| m.max((r - 0.5).abs()));
        eprintln!("diagonal flow: largest |λ_loc − 0.5| after t = 12: {worst:.2e}");
        for (k, r) in rates.iter().enumerate().skip(1_200) {
            assert!((r - 0.5).abs() < 1e-6, "sample {k}: {r}");
        }
        // Before lining up the tangent grows more slowly (it starts along (1, 1, 1)).
        assert!(rates[1] < 0.0, "{}", rates[1]);
    }

    /// Lorenz (σ = 10, ρ = 28, β = 8/3): the mean over 200 time units is the largest
    /// exponent 0.9056 (Sprott, *Chaos and Time-Series Analysis*, Table A.3), and the
    /// orbit both stretches and contracts along the way.
    #[test]
    fn lorenz_stretching_averages_to_its_largest_exponent_and_takes_both_signs() {
        let mut sys = Catalog::builtin().system("Lorenz").expect("Lorenz");
        sys.set_param("beta", 8.0 / 3.0).expect("beta");
        let dt = sys.info().period / 100.0;
        let x0 = sys.info().initial_conditions.clone();
        let transient = (20.0 / dt) as usize;
        let averaged = (200.0 / dt) as usize;
        let rates = local_stretching_series(&sys, &x0, dt, transient + averaged).expect("runs");
        let tail = &rates[transient..];
        assert!(tail.iter().all(|r| r.is_finite()));
        let m = mean(tail);
        assert!((m - 0.9056).abs() < 0.05, "mean λ_loc {m}");
        let contracting = tail.iter().filter(|&&r| r < 0.0).count() as f64 / tail.len() as f64;
        assert!(
            (0.05..0.95).contains(&contracting),
            "fraction contracting {contracting}"
        );
        let max = tail.iter().copied().fold(f64::MIN, f64::max);
        let min = tail.iter().copied().fold(f64::MAX, f64::min);
        eprintln!(
            "Lorenz: mean λ_loc {m:.4} over 200 time units, contracting {:.1} %, range {min:.2}..{max:.2}",
            100.0 * contracting
        );
        assert!(max > 5.0 && min < -5.0, "range {min}..{max}");
    }

    /// The logistic map at r = 4: λ = ln 2 per iterate (conjugate to the tent map), and
    /// λ_loc = ln|4(1 − 2x)| at each iterate exactly.
    #[test]
    fn the_logistic_map_stretches_by_ln_2_per_iterate_on_average() {
        let mut sys = Catalog::builtin().system("Logistic").expect("Logistic");
        sys.set_param("r", 4.0).expect("r");
        let x0 = [0.3];
        let n = 100_001;
        let rates = local_stretching_series(&sys, &x0, 1.0, n).expect("runs");
        let m = mean(&rates[1_000..]);
        eprintln!("logistic r = 4: mean λ_loc {m:.5} per iterate (ln 2 = 0.69315)");
        assert!((m - 2f64.ln()).abs() < 0.02, "mean {m}");
        // One iterate by hand: from x0 the first rate is ln|f'(x0)| = ln|4(1 − 0.6)|.
        assert!(
            (rates[1] - (4.0f64 * 0.4).ln()).abs() < 1e-12,
            "{}",
            rates[1]
        );
    }

    #[test]
    fn delay_equations_have_no_local_stretching() {
        let sys = Catalog::builtin()
            .system("MackeyGlass")
            .expect("MackeyGlass");
        assert!(LocalStretching::new(&sys, 0.0).is_none());
        let x0 = sys.info().initial_conditions.clone();
        let err = local_stretching_series(&sys, &x0, 0.1, 10).expect_err("delay");
        assert!(err.contains("delay"), "{err}");
    }
}
