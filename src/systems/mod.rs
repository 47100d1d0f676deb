//! Dynamical systems: the catalog (loaded from `presets/systems.json` at start-up), the
//! compiled equations, and [`System`], a catalog entry with chosen parameter values.
//!
//! A system evaluates its vector field (flows) or its image (maps) with [`System::rhs`],
//! and exact Jacobian–vector products with [`System::jvp`] through dual numbers
//! ([`scalar`]). Metadata comes from the dysts catalog (Gilpin, "Chaos as an
//! interpretable benchmark for forecasting and data-driven modelling", NeurIPS 2021).

mod catalog;
#[cfg(test)]
mod catalog_checks;
mod delay;
#[cfg(test)]
mod dysts_parity;
pub mod equations;
pub mod scalar;
pub mod user;

pub use catalog::{Catalog, Kind, ParamSpec, SystemInfo, VectorParam};
pub use delay::DelayHistory;

use std::sync::Arc;

use equations::Equations;
use scalar::Dual;
use user::UserSystem;

/// What can go wrong when choosing a system or its settings.
#[derive(Debug, thiserror::Error)]
pub enum SystemError {
    /// The name is not in the catalog.
    #[error("unknown system '{name}'{}; run `chaoslab list` to see every system", suggest(.suggestions))]
    Unknown {
        /// What the user typed.
        name: String,
        /// The closest catalog names.
        suggestions: Vec<String>,
    },
    /// A parameter name the system does not have.
    #[error("{system} has no parameter '{name}'; its parameters are: {}", .known.join(", "))]
    UnknownParam {
        /// The system.
        system: String,
        /// What the user typed.
        name: String,
        /// The parameters it does have.
        known: Vec<String>,
    },
    /// A state vector of the wrong length.
    #[error("initial condition has {got} values, {system} has {expected} states ({})", .names.join(", "))]
    WrongDimension {
        /// The system.
        system: String,
        /// Its dimension.
        expected: usize,
        /// The length given.
        got: usize,
        /// Its state names.
        names: Vec<String>,
    },
    /// A parameter or state value that is not a finite number.
    #[error("{what} must be a finite number, got {value}")]
    NotFinite {
        /// Which value.
        what: String,
        /// The value given.
        value: f64,
    },
    /// The catalog file is malformed (a bug in the shipped presets, or an edited file).
    #[error("the system catalog is invalid: {0}")]
    Catalog(String),
}

fn suggest(s: &[String]) -> String {
    if s.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", s.join(", "))
    }
}

/// A catalog or user-typed system with concrete parameter values, ready to integrate.
#[derive(Clone)]
pub struct System {
    info: Arc<SystemInfo>,
    /// Scalar parameters, in the order of `info.params`.
    params: Vec<f64>,
    /// Every parameter (vectors flattened) in sorted-name order: what the equations read.
    packed: Vec<f64>,
    /// Where each scalar parameter sits in `packed`.
    slots: Vec<usize>,
    backend: Backend,
    /// How a delay system's history is built from its initial condition.
    delay_history: DelayHistory,
}

/// What evaluates a system: compiled catalog equations, or a user-typed system.
#[derive(Clone)]
enum Backend {
    /// Rust functions (fn pointers), instantiated on `f64` and on dual numbers.
    Compiled(Equations),
    /// Equations parsed with exmex, with symbolic partial derivatives.
    User(Arc<UserSystem>),
}

impl std::fmt::Debug for System {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("System")
            .field("name", &self.info.name)
            .field("params", &self.params)
            .finish()
    }
}

impl System {
    pub(crate) fn new(info: Arc<SystemInfo>, equations: Equations) -> Self {
        Self::with_backend(info, Backend::Compiled(equations))
    }

    /// A user-typed system ([`user`]) with its default parameters.
    pub fn from_user(user: Arc<UserSystem>) -> Self {
        Self::with_backend(Arc::new(user.info().clone()), Backend::User(user))
    }

    /// The user-typed system behind this one, if it is one.
    pub fn user(&self) -> Option<&Arc<UserSystem>> {
        match &self.backend {
            Backend::User(u) => Some(u),
            Backend::Compiled(_) => None,
        }
    }

    fn with_backend(info: Arc<SystemInfo>, backend: Backend) -> Self {
        let params: Vec<f64> = info.params.iter().map(|p| p.default).collect();
        let layout = info.param_layout();
        let mut packed = vec![0.0; layout.iter().map(|l| l.2).sum()];
        let mut slots = vec![0; params.len()];
        for (name, at, len) in layout {
            if let Some(i) = info.params.iter().position(|p| p.name == name) {
                packed[at] = params[i];
                slots[i] = at;
            } else if let Some(v) = info.vector_params.iter().find(|v| v.name == name) {
                packed[at..at + len].copy_from_slice(&v.values);
            }
        }
        Self {
            info,
            params,
            packed,
            slots,
            backend,
            delay_history: DelayHistory::default(),
        }
    }

    /// The catalog metadata.
    pub fn info(&self) -> &SystemInfo {
        &self.info
    }

    /// The catalog name.
    pub fn name(&self) -> &str {
        &self.info.name
    }

    /// Flow, delay equation or map.
    pub fn kind(&self) -> Kind {
        self.info.kind
    }

    /// The number of state variables.
    pub fn dim(&self) -> usize {
        self.info.state_names.len()
    }

    /// Current parameter values, in the order of [`SystemInfo::params`].
    pub fn params(&self) -> &[f64] {
        &self.params
    }

    /// `(name, value)` pairs of the current parameters.
    pub fn named_params(&self) -> Vec<(String, f64)> {
        self.info
            .params
            .iter()
            .zip(&self.params)
            .map(|(s, &v)| (s.name.clone(), v))
            .collect()
    }

    /// Sets a parameter by name.
    pub fn set_param(&mut self, name: &str, value: f64) -> Result<(), SystemError> {
        if !value.is_finite() {
            return Err(SystemError::NotFinite {
                what: format!("parameter {name}"),
                value,
            });
        }
        let i = self
            .info
            .params
            .iter()
            .position(|p| p.name == name)
            .ok_or_else(|| SystemError::UnknownParam {
                system: self.info.name.clone(),
                name: name.to_string(),
                known: self.info.params.iter().map(|p| p.name.clone()).collect(),
            })?;
        self.params[i] = value;
        self.packed[self.slots[i]] = value;
        Ok(())
    }

    /// Sets a parameter by index (the slider path; the index comes from `info().params`).
    pub fn set_param_at(&mut self, index: usize, value: f64) {
        if let Some(p) = self.params.get_mut(index)
            && value.is_finite()
        {
            *p = value;
            self.packed[self.slots[index]] = value;
        }
    }

    /// Checks that a state vector fits this system.
    pub fn check_state(&self, x: &[f64]) -> Result<(), SystemError> {
        if x.len() != self.dim() {
            return Err(SystemError::WrongDimension {
                system: self.info.name.clone(),
                expected: self.dim(),
                got: x.len(),
                names: self.info.state_names.clone(),
            });
        }
        if let Some((i, &v)) = x.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(SystemError::NotFinite {
                what: format!("state {}", self.info.state_names[i]),
                value: v,
            });
        }
        Ok(())
    }

    /// The vector field `f(x)` of a flow, or the image of `x` under a map. For a delay
    /// system `x` is the pair `[x(t), x(t − τ)]` and `out` receives the one value
    /// `dx/dt` (see [`Self::delay_rhs`]).
    pub fn rhs(&self, x: &[f64], out: &mut [f64]) {
        match &self.backend {
            Backend::Compiled(eq) => (eq.f)(x, &self.packed, out),
            Backend::User(u) => u.rhs(x, &self.packed, out),
        }
    }

    /// Whether the system has an output map (dysts' sin/cos of unbounded angles, phases
    /// and clocks), so that trajectories record `observe(x)` rather than `x`.
    pub fn has_output_map(&self) -> bool {
        matches!(&self.backend, Backend::Compiled(eq) if eq.output.is_some())
    }

    /// The observed coordinates `y = g(x)` of a state, as dysts' `make_trajectory`
    /// returns them (`postprocess=True`); the state itself when there is no output map.
    /// `out` has [`Self::observed_dim`] entries.
    pub fn observe(&self, x: &[f64], out: &mut [f64]) {
        match &self.backend {
            Backend::Compiled(Equations {
                output: Some(g), ..
            }) => g(x, &self.packed, out),
            _ => out.copy_from_slice(x),
        }
    }

    /// The number of observed coordinates: the dimension, except where the output map
    /// drops a clock state (Torus).
    pub fn observed_dim(&self) -> usize {
        self.observed_names().len()
    }

    /// Names of the observed coordinates (the state names when there is no output map).
    pub fn observed_names(&self) -> &[String] {
        self.info
            .output_names
            .as_deref()
            .unwrap_or(&self.info.state_names)
    }

    /// `f(x)` and the directional derivative `J(x) v`, exact to rounding (forward-mode
    /// dual numbers for compiled systems; exmex's symbolic partial derivatives for
    /// user-typed ones). `work` must hold `2 * dim` duals.
    pub fn jvp(&self, x: &[f64], v: &[f64], fx: &mut [f64], jv: &mut [f64], work: &mut [Dual]) {
        let eq = match &self.backend {
            Backend::Compiled(eq) => eq,
            Backend::User(u) => {
                u.rhs(x, &self.packed, fx);
                u.jacobian_times(x, &self.packed, v, jv);
                return;
            }
        };
        let n = self.dim();
        let (input, output) = work.split_at_mut(n);
        for i in 0..n {
            input[i] = Dual::new(x[i], v[i]);
        }
        (eq.dual)(input, &self.packed, &mut output[..n]);
        for i in 0..n {
            fx[i] = output[i].re;
            jv[i] = output[i].eps;
        }
    }

    /// The Jacobian `∂f_i/∂x_j` at `x`, row-major `dim × dim`: one dual pass per column
    /// (compiled systems), or the symbolic partial derivatives (user-typed systems).
    pub fn jacobian(&self, x: &[f64]) -> Vec<f64> {
        let n = self.dim();
        if let Backend::User(u) = &self.backend {
            return (0..n * n)
                .map(|k| u.jacobian_entry(k / n, k % n, x, &self.packed))
                .collect();
        }
        let mut jac = vec![0.0; n * n];
        let mut work = vec![Dual::default(); 2 * n];
        let (mut fx, mut col, mut e) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        for j in 0..n {
            e.iter_mut().for_each(|v| *v = 0.0);
            e[j] = 1.0;
            self.jvp(x, &e, &mut fx, &mut col, &mut work);
            for i in 0..n {
                jac[i * n + j] = col[i];
            }
        }
        jac
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lorenz() -> System {
        Catalog::builtin()
            .system("Lorenz")
            .expect("Lorenz is in the catalog")
    }

    #[test]
    fn dual_jacobian_equals_analytic_lorenz_jacobian() {
        let mut sys = lorenz();
        sys.set_param("beta", 8.0 / 3.0).expect("beta exists");
        let (sigma, rho, beta) = (10.0, 28.0, 8.0 / 3.0);
        // A fixed pseudo-random sequence of states (LCG), so the test is reproducible.
        let mut seed = 12345u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 11) as f64 / (1u64 << 53) as f64) * 60.0 - 30.0
        };
        for _ in 0..50 {
            let x = [next(), next(), next()];
            let jac = sys.jacobian(&x);
            let exact = [
                -sigma,
                sigma,
                0.0, //
                rho - x[2],
                -1.0,
                -x[0], //
                x[1],
                x[0],
                -beta,
            ];
            for (a, b) in jac.iter().zip(exact) {
                assert!((a - b).abs() <= 1e-12 * (1.0 + b.abs()), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn unknown_name_suggests_close_matches() {
        let err = Catalog::builtin()
            .system("Lorenzz")
            .expect_err("not a system");
        let msg = err.to_string();
        assert!(msg.contains("did you mean Lorenz"), "{msg}");
    }

    #[test]
    fn wrong_dimension_names_expected_dimension() {
        let err = lorenz().check_state(&[1.0, 2.0]).expect_err("too short");
        assert!(
            err.to_string().contains("2 values, Lorenz has 3 states"),
            "{err}"
        );
    }

    #[test]
    fn unknown_parameter_lists_known_ones() {
        let err = lorenz().set_param("r", 1.0).expect_err("no such parameter");
        assert!(err.to_string().contains("beta, rho, sigma"), "{err}");
    }
}
