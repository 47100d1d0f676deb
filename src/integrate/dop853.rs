//! Adaptive explicit Runge–Kutta of order 8 by Dormand & Prince ("DOP853"): twelve
//! stages, FSAL, an error estimate that blends the embedded 5th- and 3rd-order
//! estimators, a PI step-size controller, and the seventh-order continuous extension
//! (three extra stages per accepted step).
//!
//! # References
//! - P. J. Prince, J. R. Dormand, "High order embedded Runge–Kutta formulae",
//!   J. Comput. Appl. Math. 7 (1981) 67–75.
//! - E. Hairer, S. P. Nørsett, G. Wanner, *Solving Ordinary Differential Equations I*,
//!   2nd ed., Springer 1993, §II.10 (the method "DOP853", its error estimator
//!   `err = err5² / sqrt(err5² + 0.01·err3²)` and the dense output of order 7), §IV.2 (PI
//!   control). The coefficients below are the published tableau of Hairer's `dop853.f`
//!   (also the data table of SciPy's `dop853_coefficients.py`); the code is ours.
#![allow(
    clippy::excessive_precision,
    reason = "the published 30-digit tableau is kept digit for digit, so it can be checked against the source"
)]

use super::{SolverStats, StepError, Stepper, initial_step};

/// Stages of the method proper; stage 13 is `f(y_new)` (FSAL), stages 14–16 serve
/// the dense output only.
const STAGES: usize = 12;

/// The Runge–Kutta matrix `a_ij` of all 16 stages (row `i` is stage `i + 1`); row 12
/// holds the weights `b_j` of the 8th-order solution (the FSAL stage).
#[rustfmt::skip]
const A: [[f64; 15]; 16] = [
    [0.0; 15],
    [5.26001519587677318785587544488e-2, 0.,0.,0.,0.,0.,0.,0.,0.,0.,0.,0.,0.,0.,0.],
    [1.97250569845378994544595329183e-2, 5.91751709536136983633785987549e-2, 0.,0.,0.,0.,0.,0.,0.,0.,0.,0.,0.,0.,0.],
    [2.95875854768068491816892993775e-2, 0., 8.87627564304205475450678981324e-2, 0.,0.,0.,0.,0.,0.,0.,0.,0.,0.,0.,0.],
    [2.41365134159266685502369798665e-1, 0., -8.84549479328286085344864962717e-1, 9.24834003261792003115737966543e-1, 0.,0.,0.,0.,0.,0.,0.,0.,0.,0.,0.],
    [3.7037037037037037037037037037e-2, 0., 0., 1.70828608729473871279604482173e-1, 1.25467687566822425016691814123e-1, 0.,0.,0.,0.,0.,0.,0.,0.,0.,0.],
    [3.7109375e-2, 0., 0., 1.70252211019544039314978060272e-1, 6.02165389804559606850219397283e-2, -1.7578125e-2, 0.,0.,0.,0.,0.,0.,0.,0.,0.],
    [3.70920001185047927108779319836e-2, 0., 0., 1.70383925712239993810214054705e-1, 1.07262030446373284651809199168e-1, -1.53194377486244017527936158236e-2, 8.27378916381402288758473766002e-3, 0.,0.,0.,0.,0.,0.,0.,0.],
    [6.24110958716075717114429577812e-1, 0., 0., -3.36089262944694129406857109825, -8.68219346841726006818189891453e-1, 2.75920996994467083049415600797e1, 2.01540675504778934086186788979e1, -4.34898841810699588477366255144e1, 0.,0.,0.,0.,0.,0.,0.],
    [4.77662536438264365890433908527e-1, 0., 0., -2.48811461997166764192642586468, -5.90290826836842996371446475743e-1, 2.12300514481811942347288949897e1, 1.52792336328824235832596922938e1, -3.32882109689848629194453265587e1, -2.03312017085086261358222928593e-2, 0.,0.,0.,0.,0.,0.],
    [-9.3714243008598732571704021658e-1, 0., 0., 5.18637242884406370830023853209, 1.09143734899672957818500254654, -8.14978701074692612513997267357, -1.85200656599969598641566180701e1, 2.27394870993505042818970056734e1, 2.49360555267965238987089396762, -3.0467644718982195003823669022, 0.,0.,0.,0.,0.],
    [2.27331014751653820792359768449, 0., 0., -1.05344954667372501984066689879e1, -2.00087205822486249909675718444, -1.79589318631187989172765950534e1, 2.79488845294199600508499808837e1, -2.85899827713502369474065508674, -8.87285693353062954433549289258, 1.23605671757943030647266201528e1, 6.43392746015763530355970484046e-1, 0.,0.,0.,0.],
    [5.42937341165687622380535766363e-2, 0., 0., 0., 0., 4.45031289275240888144113950566, 1.89151789931450038304281599044, -5.8012039600105847814672114227, 3.1116436695781989440891606237e-1, -1.52160949662516078556178806805e-1, 2.01365400804030348374776537501e-1, 4.47106157277725905176885569043e-2, 0.,0.,0.],
    [5.61675022830479523392909219681e-2, 0., 0., 0., 0., 0., 2.53500210216624811088794765333e-1, -2.46239037470802489917441475441e-1, -1.24191423263816360469010140626e-1, 1.5329179827876569731206322685e-1, 8.20105229563468988491666602057e-3, 7.56789766054569976138603589584e-3, -8.298e-3, 0.,0.],
    [3.18346481635021405060768473261e-2, 0., 0., 0., 0., 2.83009096723667755288322961402e-2, 5.35419883074385676223797384372e-2, -5.49237485713909884646569340306e-2, 0., 0., -1.08347328697249322858509316994e-4, 3.82571090835658412954920192323e-4, -3.40465008687404560802977114492e-4, 1.41312443674632500278074618366e-1, 0.],
    [-4.28896301583791923408573538692e-1, 0., 0., 0., 0., -4.69762141536116384314449447206, 7.68342119606259904184240953878, 4.06898981839711007970213554331, 3.56727187455281109270669543021e-1, 0., 0., 0., -1.39902416515901462129418009734e-3, 2.9475147891527723389556272149, -9.15095847217987001081870187138],
];

/// The 3rd-order embedded weights `b̂` at stages 1, 9 and 12: `err3 = Σ b_j k_j − (BHH1 k1
/// + BHH2 k9 + BHH3 k12)`.
const BHH: [f64; 3] = [
    0.244094488188976377952755905512,
    0.733846688281611857341361741547,
    0.220588235294117647058823529412e-1,
];

/// The 5th-order error weights `e_j` of stages 1–12 (zero at 2–5).
#[rustfmt::skip]
const ER: [f64; STAGES] = [
    0.1312004499419488073250102996e-1, 0., 0., 0., 0.,
    -0.1225156446376204440720569753e1, -0.4957589496572501915214079952,
    0.1664377182454986536961530415e1, -0.3503288487499736816886487290,
    0.3341791187130174790297318841, 0.8192320648511571246570742613e-1,
    -0.2235530786388629525884427845e-1,
];

/// Dense-output weights `d_{4..7, j}` over stages 1–16 (Hairer's `CONTD8`).
#[rustfmt::skip]
const D: [[f64; 16]; 4] = [
    [-0.84289382761090128651353491142e1, 0., 0., 0., 0., 0.56671495351937776962531783590, -0.30689499459498916912797304727e1, 0.23846676565120698287728149680e1, 0.21170345824450282767155149946e1, -0.87139158377797299206789907490, 0.22404374302607882758541771650e1, 0.63157877876946881815570249290, -0.88990336451333310820698117400e-1, 0.18148505520854727256656404962e2, -0.91946323924783554000451984436e1, -0.44360363875948939664310572000e1],
    [0.10427508642579134603413151009e2, 0., 0., 0., 0., 0.24228349177525818288430175319e3, 0.16520045171727028198505394887e3, -0.37454675472269020279518312152e3, -0.22113666853125306036270938578e2, 0.77334326684722638389603898808e1, -0.30674084731089398182061213626e2, -0.93321305264302278729567221706e1, 0.15697238121770843886131091075e2, -0.31139403219565177677282850411e2, -0.93529243588444783865713862664e1, 0.35816841486394083752465898540e2],
    [0.19985053242002433820987653617e2, 0., 0., 0., 0., -0.38703730874935176555105901742e3, -0.18917813819516756882830838328e3, 0.52780815920542364900561016686e3, -0.11573902539959630126141871134e2, 0.68812326946963000169666922661e1, -0.10006050966910838403183860980e1, 0.77771377980534432092869265740, -0.27782057523535084065932004339e1, -0.60196695231264120758267380846e2, 0.84320405506677161018159903784e2, 0.11992291136182789328035130030e2],
    [-0.25693933462703749003312586129e2, 0., 0., 0., 0., -0.15418974869023643374053993627e3, -0.23152937917604549567536039109e3, 0.35763911791061412378285349910e3, 0.93405324183624310003907691704e2, -0.37458323136451633156875139351e2, 0.10409964950896230045147246184e3, 0.29840293426660503123344363579e2, -0.43533456590011143754432175058e2, 0.96324553959188282948394950600e2, -0.39177261675615439165231486172e2, -0.14972683625798562581422125276e3],
];

/// Controller constants (Hairer's DOP853: safety 0.9, step ratio in [1/3, 6]); the PI
/// exponent `BETA` is the value Hairer recommends for DOPRI5, which also damps DOP853's
/// step-size oscillations at loose tolerances.
const SAFETY: f64 = 0.9;
const FAC_MIN: f64 = 0.333;
const FAC_MAX: f64 = 6.0;
const BETA: f64 = 0.04;

/// Dormand–Prince 8(5,3) over a vector field `f(x, out)`.
pub struct Dop853<F> {
    f: F,
    rtol: f64,
    atol: f64,
    h_max: f64,
    h: f64,
    t: f64,
    t_prev: f64,
    x: Vec<f64>,
    /// Stage derivatives, stage `s` at `k[s*n..(s+1)*n]`; stage 0 is `f(x)`.
    k: Vec<f64>,
    y_new: Vec<f64>,
    tmp: Vec<f64>,
    /// The eight coefficient vectors of the continuous extension, `cont[r*n..]`.
    cont: Vec<f64>,
    err_prev: f64,
    stats: SolverStats,
}

impl<F: FnMut(&[f64], &mut [f64]) + Send> Dop853<F> {
    /// Starts at `(t0, x0)` with relative and absolute tolerances and a maximal step.
    pub fn new(mut f: F, t0: f64, x0: &[f64], rtol: f64, atol: f64, h_max: f64) -> Self {
        let n = x0.len();
        let mut k = vec![0.0; 16 * n];
        f(x0, &mut k[..n]);
        let h = initial_step(&mut f, x0, &k[..n], 8, rtol, atol, h_max);
        let mut cont = vec![0.0; 8 * n];
        cont[..n].copy_from_slice(x0);
        Self {
            f,
            rtol,
            atol,
            h_max,
            h,
            t: t0,
            t_prev: t0,
            x: x0.to_vec(),
            k,
            y_new: vec![0.0; n],
            tmp: vec![0.0; n],
            cont,
            err_prev: 1e-4,
            stats: SolverStats {
                evaluations: 2,
                ..SolverStats::default()
            },
        }
    }

    /// The step size the next step will try.
    pub fn h(&self) -> f64 {
        self.h
    }

    /// Evaluates stage `s` (1-based index `s + 1`) from `x` with step `h`: the stage
    /// state goes to `tmp` (or `y_new` for the FSAL row 12) and `f` of it to `k[s]`.
    fn stage(&mut self, s: usize, h: f64) {
        let n = self.x.len();
        let (done, rest) = self.k.split_at_mut(s * n);
        let target = if s == STAGES {
            &mut self.y_new
        } else {
            &mut self.tmp
        };
        target.copy_from_slice(&self.x);
        for (j, &a) in A[s][..s].iter().enumerate() {
            if a != 0.0 {
                let kj = &done[j * n..(j + 1) * n];
                for i in 0..n {
                    target[i] += h * a * kj[i];
                }
            }
        }
        (self.f)(target, &mut rest[..n]);
    }

    /// The scaled error of the step just computed (Hairer's DOP853 estimator).
    fn error(&self, h: f64) -> f64 {
        let n = self.x.len();
        let k = |s: usize, i: usize| self.k[s * n + i];
        let (mut err5, mut err3) = (0.0, 0.0);
        for i in 0..n {
            let sk = self.atol + self.rtol * self.x[i].abs().max(self.y_new[i].abs());
            let bsum = (self.y_new[i] - self.x[i]) / h;
            let e3 = bsum - BHH[0] * k(0, i) - BHH[1] * k(8, i) - BHH[2] * k(11, i);
            let e5: f64 = (0..STAGES).map(|s| ER[s] * k(s, i)).sum();
            err3 += (e3 / sk).powi(2);
            err5 += (e5 / sk).powi(2);
        }
        let mut deno = err5 + 0.01 * err3;
        if deno <= 0.0 {
            deno = 1.0;
        }
        h.abs() * err5 * (1.0 / (n.max(1) as f64 * deno)).sqrt()
    }

    /// The continuous-extension coefficients of the accepted step `x → y_new`: three
    /// more stages (14–16), then Hairer's `CONTD8` form.
    fn dense_output(&mut self, h: f64) {
        for s in 13..16 {
            self.stage(s, h);
        }
        self.stats.evaluations += 3;
        let n = self.x.len();
        let (k, cont) = (&self.k, &mut self.cont);
        for i in 0..n {
            let ydiff = self.y_new[i] - self.x[i];
            let bspl = h * k[i] - ydiff;
            cont[i] = self.x[i];
            cont[n + i] = ydiff;
            cont[2 * n + i] = bspl;
            cont[3 * n + i] = ydiff - h * k[12 * n + i] - bspl;
            for (r, d) in D.iter().enumerate() {
                let sum: f64 = d
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| **c != 0.0)
                    .map(|(s, c)| c * k[s * n + i])
                    .sum();
                cont[(4 + r) * n + i] = h * sum;
            }
        }
    }
}

impl<F: FnMut(&[f64], &mut [f64]) + Send> Stepper for Dop853<F> {
    fn t(&self) -> f64 {
        self.t
    }

    fn state(&self) -> &[f64] {
        &self.x
    }

    fn step(&mut self) -> Result<(), StepError> {
        let n = self.x.len();
        loop {
            let h = self.h.min(self.h_max);
            if !h.is_finite() || h <= self.t.abs().max(1.0) * 1e-14 {
                return Err(StepError::StepCollapse { t: self.t, h });
            }
            for s in 1..=STAGES {
                self.stage(s, h);
            }
            self.stats.evaluations += STAGES as u64;
            let err = self.error(h);
            if !err.is_finite() {
                self.stats.rejected += 1;
                self.h = h * FAC_MIN;
                if self.x.iter().any(|v| !v.is_finite()) {
                    return Err(StepError::NonFinite { t: self.t });
                }
                continue;
            }
            // PI controller (Hairer II, §IV.2): fac = err^(1/8 − 0.2β) / err_prev^β.
            let fac11 = err.powf(1.0 / 8.0 - 0.2 * BETA);
            if err <= 1.0 {
                let fac =
                    (fac11 / self.err_prev.powf(BETA) / SAFETY).clamp(1.0 / FAC_MAX, 1.0 / FAC_MIN);
                self.err_prev = err.max(1e-4);
                self.dense_output(h);
                self.t_prev = self.t;
                self.t += h;
                std::mem::swap(&mut self.x, &mut self.y_new);
                // FSAL: f(y_new) (stage 13) is the next step's first stage.
                self.k.copy_within(12 * n..13 * n, 0);
                self.h = h / fac;
                self.stats.steps += 1;
                return Ok(());
            }
            self.stats.rejected += 1;
            self.h = h / (fac11 / SAFETY).min(1.0 / FAC_MIN);
        }
    }

    fn interpolate(&self, t: f64, out: &mut [f64]) {
        let h = self.t - self.t_prev;
        if h <= 0.0 {
            out.copy_from_slice(&self.x);
            return;
        }
        let n = self.x.len();
        let s = ((t - self.t_prev) / h).clamp(0.0, 1.0);
        let s1 = 1.0 - s;
        let c = |r: usize, i: usize| self.cont[r * n + i];
        for (i, o) in out.iter_mut().enumerate() {
            let conpar = c(4, i) + s * (c(5, i) + s1 * (c(6, i) + s * c(7, i)));
            *o = c(0, i) + s * (c(1, i) + s1 * (c(2, i) + s * (c(3, i) + s1 * conpar)));
        }
    }

    fn set_state(&mut self, x: &[f64]) {
        let n = self.x.len();
        self.x.copy_from_slice(x);
        (self.f)(&self.x, &mut self.k[..n]);
        self.stats.evaluations += 1;
        self.t_prev = self.t;
        self.cont.iter_mut().for_each(|v| *v = 0.0);
        self.cont[..n].copy_from_slice(x);
    }

    fn stats(&self) -> SolverStats {
        self.stats
    }
}

#[cfg(test)]
mod tests {
    use super::super::dopri5::Dopri5;
    use super::*;

    /// The Kepler two-body problem with eccentricity `E`: `q'' = −q/|q|³` from the
    /// pericentre; exact solution through Kepler's equation (Hairer I, §II.10, problem
    /// "AREN"-like orbit test).
    const E: f64 = 0.5;

    fn kepler(x: &[f64], d: &mut [f64]) {
        let r3 = (x[0] * x[0] + x[1] * x[1]).powf(1.5);
        d[0] = x[2];
        d[1] = x[3];
        d[2] = -x[0] / r3;
        d[3] = -x[1] / r3;
    }

    fn kepler_x0() -> [f64; 4] {
        [1.0 - E, 0.0, 0.0, ((1.0 + E) / (1.0 - E)).sqrt()]
    }

    /// The exact position and velocity at time `t` (semi-major axis 1, period 2π):
    /// solve `u − e sin u = t` by Newton, then `q = (cos u − e, √(1−e²) sin u)`.
    fn kepler_exact(t: f64) -> [f64; 4] {
        let mut u = t;
        for _ in 0..50 {
            u -= (u - E * u.sin() - t) / (1.0 - E * u.cos());
        }
        let (s, c) = u.sin_cos();
        let b = (1.0 - E * E).sqrt();
        let du = 1.0 / (1.0 - E * c);
        [c - E, b * s, -s * du, b * c * du]
    }

    /// Worst error over samples every 0.1 through dense output on `[0, t_end]`.
    fn run<S: Stepper>(mut s: S, t_end: f64) -> (f64, SolverStats) {
        let mut out = [0.0; 4];
        let mut worst: f64 = 0.0;
        let mut k = 1;
        while s.t() < t_end {
            s.step().expect("smooth problem");
            while (k as f64) * 0.1 <= s.t().min(t_end) {
                let tk = k as f64 * 0.1;
                s.interpolate(tk, &mut out);
                let e = kepler_exact(tk);
                for j in 0..4 {
                    worst = worst.max((out[j] - e[j]).abs());
                }
                k += 1;
            }
        }
        (worst, s.stats())
    }

    type Field = fn(&[f64], &mut [f64]);

    fn dop853(tol: f64) -> Dop853<Field> {
        Dop853::new(kepler, 0.0, &kepler_x0(), tol, tol, f64::INFINITY)
    }

    #[test]
    fn kepler_orbit_error_meets_and_scales_with_the_tolerance() {
        // Two orbits. The global error is the local tolerance times a growth factor:
        // the phase error of an orbit grows linearly in time, and near the pericentre
        // |f| ≈ 3, so for two orbits we allow 1000·tol (a method of the wrong order, or
        // a wrong coefficient, misses this by orders of magnitude). Local error control
        // of an order-8 method makes the error scale like tol^(8/9): 1000× tighter
        // tolerance → a few hundred to a few thousand times less error.
        let t_end = 4.0 * std::f64::consts::PI;
        let (e1, _) = run(dop853(1e-6), t_end);
        let (e2, _) = run(dop853(1e-9), t_end);
        let (e3, st) = run(dop853(1e-12), t_end);
        assert!(e1 < 1e-3 && e2 < 1e-6 && e3 < 1e-9, "{e1} {e2} {e3}");
        for (a, b) in [(e1, e2), (e2, e3)] {
            let ratio = a / b;
            assert!((100.0..=3000.0).contains(&ratio), "ratio {ratio}");
        }
        assert_eq!(st.evaluations, 2 + 15 * st.steps + 12 * st.rejected);
    }

    #[test]
    fn fewer_evaluations_than_dopri5_at_tight_tolerance() {
        let t_end = 4.0 * std::f64::consts::PI;
        let tol = 1e-12;
        let (e8, s8) = run(dop853(tol), t_end);
        let d5 = Dopri5::new(kepler, 0.0, &kepler_x0(), tol, tol, f64::INFINITY);
        let (e5, s5) = run(d5, t_end);
        // Both reach about the same accuracy, DOP853 with well under half the work
        // (counting its three dense-output stages).
        assert!(e8 < 1e-9 && e5 < 1e-9, "{e8} {e5}");
        assert!(
            2 * s8.evaluations < s5.evaluations,
            "dop853 {s8:?} vs dopri5 {s5:?}"
        );
    }

    #[test]
    fn dense_output_is_seventh_order_between_steps() {
        // One step of x' = −y, y' = x from (1, 0); compare the interpolant with
        // (cos t, sin t) inside the step. Halving h divides the interior error by
        // 2^8 = 256 (the local error of an order-7 interpolant is O(h^8)).
        let rot = |x: &[f64], d: &mut [f64]| {
            d[0] = -x[1];
            d[1] = x[0];
        };
        let interior_error = |h: f64| {
            let mut s = Dop853::new(rot, 0.0, &[1.0, 0.0], 1.0, 1.0, h);
            s.h = h;
            s.step().expect("smooth");
            assert!((s.t() - h).abs() < 1e-15);
            let mut worst: f64 = 0.0;
            let mut out = [0.0; 2];
            for j in 1..10 {
                let t = h * j as f64 / 10.0;
                s.interpolate(t, &mut out);
                worst = worst
                    .max((out[0] - t.cos()).abs())
                    .max((out[1] - t.sin()).abs());
            }
            worst
        };
        let (a, b) = (interior_error(0.4), interior_error(0.2));
        assert!(a < 1e-8, "{a}");
        let ratio = a / b;
        assert!((200.0..=320.0).contains(&ratio), "ratio {ratio}");
    }
}
