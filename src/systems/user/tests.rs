//! Typed systems against the compiled catalog, analytic Jacobians and finite differences.

use std::sync::Arc;

use super::*;
use crate::systems::{Catalog, System};

fn spec(kind: Kind, states: &[&str], params: &[(&str, f64)], eqs: &[&str]) -> UserSystemSpec {
    UserSystemSpec {
        format: FORMAT.into(),
        version: VERSION,
        name: "test".into(),
        kind,
        state_names: states.iter().map(|s| s.to_string()).collect(),
        params: params
            .iter()
            .map(|(n, d)| UserParam {
                name: n.to_string(),
                default: *d,
                min: None,
                max: None,
            })
            .collect(),
        equations: eqs.iter().map(|s| s.to_string()).collect(),
        initial_conditions: vec![0.1; states.len()],
        period: None,
        description: None,
    }
}

fn compile_err(s: UserSystemSpec) -> String {
    UserSystem::compile(s)
        .expect_err("should be rejected")
        .to_string()
}

/// A reproducible sequence of numbers in [-lo, lo] (an LCG).
fn states(count: usize, dim: usize, scale: f64) -> Vec<Vec<f64>> {
    let mut seed = 987654321u64;
    (0..count)
        .map(|_| {
            (0..dim)
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    ((seed >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) * scale
                })
                .collect()
        })
        .collect()
}

#[test]
fn typed_lorenz_equals_compiled_lorenz_bit_for_bit() {
    let typed = System::from_user(Arc::new(
        UserSystem::compile(UserSystemSpec::lorenz_example()).expect("valid"),
    ));
    let mut compiled = Catalog::builtin().system("Lorenz").expect("Lorenz");
    let mut typed = typed;
    for sys in [&mut compiled, &mut typed] {
        sys.set_param("rho", 24.5).expect("rho");
    }
    for x in states(200, 3, 40.0) {
        let (mut a, mut b) = ([0.0; 3], [0.0; 3]);
        compiled.rhs(&x, &mut a);
        typed.rhs(&x, &mut b);
        assert_eq!(a, b, "at {x:?}");
        assert_eq!(compiled.jacobian(&x), typed.jacobian(&x), "at {x:?}");
    }
}

#[test]
fn jacobian_matches_central_differences_for_every_function() {
    let s = spec(
        Kind::Flow,
        &["u", "v"],
        &[("a", 0.7)],
        &[
            "du/dt = sin(u)*cos(v) + tan(0.3*u) + exp(-v) + log(2 + u^2) + ln(3 + v^2) + sqrt(4 + u*v)",
            "dv/dt = a*tanh(u) + sinh(v/3) + cosh(u/4) + atan(u*v) + u^3/(1 + v^2) - pi*e*v + abs(u - 0.2)*v",
        ],
    );
    let sys = System::from_user(Arc::new(UserSystem::compile(s).expect("valid")));
    let f = |x: &[f64]| {
        let mut out = [0.0; 2];
        sys.rhs(x, &mut out);
        out
    };
    for x in states(50, 2, 1.5) {
        let jac = sys.jacobian(&x);
        for j in 0..2 {
            let h = 1e-6;
            let (mut xp, mut xm) = (x.clone(), x.clone());
            xp[j] += h;
            xm[j] -= h;
            let (fp, fm) = (f(&xp), f(&xm));
            for i in 0..2 {
                let fd = (fp[i] - fm[i]) / (2.0 * h);
                assert!(
                    (jac[i * 2 + j] - fd).abs() < 1e-6 * (1.0 + fd.abs()),
                    "∂f{i}/∂x{j} at {x:?}: {} vs {fd}",
                    jac[i * 2 + j]
                );
            }
        }
        // jvp agrees with the Jacobian.
        let v = [0.3, -1.1];
        let (mut fx, mut jv) = ([0.0; 2], [0.0; 2]);
        let mut work = vec![Default::default(); 4];
        sys.jvp(&x, &v, &mut fx, &mut jv, &mut work);
        assert_eq!(fx, f(&x));
        for i in 0..2 {
            let want = jac[i * 2] * v[0] + jac[i * 2 + 1] * v[1];
            assert!((jv[i] - want).abs() <= 1e-12 * (1.0 + want.abs()));
        }
    }
}

#[test]
fn abs_derivative_is_the_sign_of_its_argument() {
    let s = spec(
        Kind::Flow,
        &["x", "y"],
        &[],
        &["dx/dt = abs(x - 1)*y", "dy/dt = abs(abs(x) - 2)"],
    );
    let sys = System::from_user(Arc::new(UserSystem::compile(s).expect("valid")));
    // Analytic: ∂/∂x |x-1| y = sign(x-1) y, ∂/∂y = |x-1|; ∂/∂x ||x|-2| = sign(|x|-2) sign(x).
    for (x, y) in [(3.0, 2.0), (0.5, 2.0), (-0.5, -3.0), (-3.0, 1.0)] {
        let j = sys.jacobian(&[x, y]);
        let want = [
            (x - 1.0f64).signum() * y,
            (x - 1.0f64).abs(),
            (x.abs() - 2.0f64).signum() * x.signum(),
            0.0,
        ];
        assert_eq!(j, want, "at ({x}, {y})");
    }
    // At the kink the derivative is finite (one-sided), never NaN.
    assert!(sys.jacobian(&[1.0, 2.0]).iter().all(|v| v.is_finite()));
}

#[test]
fn a_leading_minus_negates_the_power_as_in_mathematics() {
    // exmex alone reads -x^2 as (-x)^2; our rewrite makes it -(x^2).
    let s = spec(Kind::Flow, &["x"], &[], &["dx/dt = -(x^2) + 2^3"]);
    let sys = System::from_user(Arc::new(UserSystem::compile(s).expect("valid")));
    let mut out = [0.0];
    sys.rhs(&[3.0], &mut out);
    assert_eq!(out[0], -1.0);
    let s = spec(Kind::Flow, &["x"], &[], &["dx/dt = -x^2"]);
    let sys = System::from_user(Arc::new(UserSystem::compile(s).expect("valid")));
    sys.rhs(&[3.0], &mut out);
    assert_eq!(out[0], -9.0);
    let s = spec(Kind::Flow, &["x"], &[], &["dx/dt = 2^-x + (-x)^2"]);
    let sys = System::from_user(Arc::new(UserSystem::compile(s).expect("valid")));
    sys.rhs(&[3.0], &mut out);
    assert_eq!(out[0], 0.125 + 9.0);
}

#[test]
fn henon_as_a_typed_map_matches_the_catalog() {
    let henon = Catalog::builtin().system("Henon").expect("Henon");
    let names: Vec<&str> = henon
        .info()
        .params
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["a", "b"]);
    let s = spec(
        Kind::Map,
        &["x", "y"],
        &[("a", henon.params()[0]), ("b", henon.params()[1])],
        &["y_next = b*x", "x_next = 1 - a*x^2 + y"],
    );
    let typed = System::from_user(Arc::new(UserSystem::compile(s).expect("valid")));
    for x in states(20, 2, 1.0) {
        let (mut a, mut b) = ([0.0; 2], [0.0; 2]);
        henon.rhs(&x, &mut a);
        typed.rhs(&x, &mut b);
        for k in 0..2 {
            assert!((a[k] - b[k]).abs() <= 1e-14, "{a:?} vs {b:?}");
        }
        let (ja, jb) = (henon.jacobian(&x), typed.jacobian(&x));
        for k in 0..4 {
            assert!((ja[k] - jb[k]).abs() <= 1e-14, "{ja:?} vs {jb:?}");
        }
    }
}

#[test]
fn parse_errors_name_equation_column_and_token() {
    let mut s = UserSystemSpec::lorenz_example();
    s.equations[0] = "dx/dt = sigma*(y - x".into();
    let msg = compile_err(s);
    assert!(msg.contains("equation 1"), "{msg}");
    assert!(msg.contains("column 15"), "{msg}");
    assert!(msg.contains("never closed"), "{msg}");
}

#[test]
fn unknown_symbols_are_named_with_a_suggestion_and_the_known_names() {
    let mut s = UserSystemSpec::lorenz_example();
    s.equations[0] = "dx/dt = sgma*(y - x)".into();
    let msg = compile_err(s);
    for part in [
        "column 9: unknown symbol 'sgma'",
        "did you mean sigma?",
        "states are x, y, z",
        "parameters are beta, rho, sigma",
    ] {
        assert!(msg.contains(part), "{msg} lacks {part}");
    }
}

#[test]
fn structural_errors_say_what_to_write() {
    let lorenz = UserSystemSpec::lorenz_example;
    let mut s = lorenz();
    s.equations.pop();
    assert!(compile_err(s).contains("state 'z' has no equation; add one line 'dz/dt = ...'"));
    let mut s = lorenz();
    s.equations[2] = "dx/dt = 1".into();
    assert!(compile_err(s).contains("state 'x' has two equations (1 and 3)"));
    let mut s = lorenz();
    s.equations[2] = "dw/dt = x*y".into();
    assert!(compile_err(s).contains("'dw/dt' names no state"));
    let mut s = lorenz();
    s.equations[2] = "z_next = x*y".into();
    assert!(compile_err(s).contains("this system is a flow: write dx/dt"));
    let mut s = lorenz();
    s.equations[2] = "x*y - z".into();
    assert!(compile_err(s).contains("no '='"));
    let mut s = lorenz();
    s.params[0].default = f64::NAN;
    assert!(compile_err(s).contains("parameter beta default must be a finite number"));
    let mut s = lorenz();
    s.params[0].default = 50.0;
    assert!(compile_err(s).contains("must lie in the slider range [0, 10]"));
    let mut s = lorenz();
    s.state_names[2] = "sin".into();
    assert!(compile_err(s).contains("is a function or constant"));
    let mut s = lorenz();
    s.state_names[2] = "y".into();
    assert!(compile_err(s).contains("'y' is used twice"));
    let mut s = lorenz();
    s.initial_conditions.pop();
    assert!(compile_err(s).contains("2 values for 3 states"));
}

#[test]
fn files_round_trip_and_unknown_fields_are_named() {
    let s = UserSystemSpec::lorenz_example();
    assert_eq!(UserSystemSpec::from_json(&s.to_json()).expect("parses"), s);
    let bad = s.to_json().replacen("\"period\"", "\"perod\"", 1);
    let msg = UserSystemSpec::from_json(&bad)
        .expect_err("unknown field")
        .to_string();
    assert!(msg.contains("unknown field `perod`"), "{msg}");
    let old = s.to_json().replacen("\"version\": 1", "\"version\": 2", 1);
    let msg = UserSystemSpec::from_json(&old)
        .expect_err("version")
        .to_string();
    assert!(msg.contains("version 2"), "{msg}");
}

#[test]
fn shipped_example_is_the_typed_lorenz() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/user/lorenz.json");
    let user = UserSystem::load(&path).expect("loads");
    let lorenz = Catalog::builtin().system("Lorenz").expect("Lorenz");
    assert_eq!(
        user.info().initial_conditions,
        lorenz.info().initial_conditions
    );
    assert_eq!(user.info().period, lorenz.info().period);
    let params = |i: &SystemInfo| {
        let mut p: Vec<_> = i
            .params
            .iter()
            .map(|p| (p.name.clone(), p.default, p.min, p.max))
            .collect();
        p.sort_by(|a, b| a.0.cmp(&b.0));
        p
    };
    assert_eq!(params(user.info()), params(lorenz.info()));
    assert!(user.info().user_defined);
}
