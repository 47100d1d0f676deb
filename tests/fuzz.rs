//! Fuzzing with a seeded generator: the CSV/NPY importer, the typed-equation compiler
//! and the session loader get random bytes and mutated valid inputs and must return
//! (an error or a value) without panicking. Each target runs `CHAOSLAB_FUZZ_CASES`
//! inputs (default [`SMOKE_CASES`]); the 1 000 000-case runs are
//! `CHAOSLAB_FUZZ_CASES=1000000 cargo test --release --test fuzz -- --nocapture`.
//! `CHAOSLAB_FUZZ_SEED` changes the seed (default 0); a failure prints the seed, the
//! case number and the input.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;

use chaoslab::io::parse_trajectory;
use chaoslab::io::session::Session;
use chaoslab::systems::System;
use chaoslab::systems::user::{UserSystem, UserSystemSpec};

/// Inputs per target when `CHAOSLAB_FUZZ_CASES` is unset: a few seconds in all.
const SMOKE_CASES: u64 = 3_000;

fn cases() -> u64 {
    std::env::var("CHAOSLAB_FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(SMOKE_CASES)
}

fn seed() -> u64 {
    std::env::var("CHAOSLAB_FUZZ_SEED")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// One random edit of `input`: flip, insert, delete, duplicate or splice in a token.
fn mutate(rng: &mut Pcg64, input: &mut Vec<u8>, tokens: &[&[u8]]) {
    let len = input.len();
    let at = if len == 0 {
        0
    } else {
        rng.random_range(0..=len)
    };
    match rng.random_range(0..7) {
        0 if len > 0 => {
            let i = rng.random_range(0..len);
            input[i] ^= 1 << rng.random_range(0..8);
        }
        1 => input.insert(at, rng.random()),
        2 if len > 0 => {
            let end = (at + rng.random_range(1..=16)).min(len);
            input.drain(at.min(end)..end);
        }
        3 if len > 0 => {
            let start = rng.random_range(0..len);
            let end = (start + rng.random_range(1..=64)).min(len);
            let chunk = input[start..end].to_vec();
            input.splice(at..at, chunk);
        }
        4 if len > 0 => input.truncate(rng.random_range(0..len)),
        _ => {
            let t = tokens[rng.random_range(0..tokens.len())];
            if len > 0 && rng.random_bool(0.5) {
                // Overwrite rather than insert.
                let end = (at + t.len()).min(len);
                input.splice(at..end, t.iter().copied());
            } else {
                input.splice(at..at, t.iter().copied());
            }
        }
    }
}

/// Runs `target` on `cases()` inputs: one in eight random bytes, the rest a seed input
/// with one to eight mutations. `target` says whether it accepted the input; both
/// outcomes must occur (a fuzzer whose every input fails the first check tests little).
/// Prints the counts and the time taken.
fn fuzz(name: &str, seeds: &[Vec<u8>], tokens: &[&[u8]], mut target: impl FnMut(&[u8]) -> bool) {
    let (n, seed) = (cases(), seed());
    let mut rng = Pcg64::seed_from_u64(seed ^ name.len() as u64);
    let started = Instant::now();
    let mut accepted = 0u64;
    // The slowest input (seconds, case, text): what a hang would look like, printed.
    let mut slowest = (0.0, 0, String::new());
    for case in 0..n {
        let input: Vec<u8> = if rng.random_range(0..8) == 0 {
            let len = rng.random_range(0..512);
            (0..len).map(|_| rng.random()).collect()
        } else {
            let mut input = seeds[rng.random_range(0..seeds.len())].clone();
            // Half the inputs carry one edit (they reach deep), half two to eight.
            let edits = if rng.random_bool(0.5) {
                1
            } else {
                rng.random_range(2..=8)
            };
            for _ in 0..edits {
                mutate(&mut rng, &mut input, tokens);
            }
            input
        };
        let one = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| target(&input)));
        let took = one.elapsed().as_secs_f64();
        if took > slowest.0 {
            slowest = (
                took,
                case,
                String::from_utf8_lossy(&input).chars().take(300).collect(),
            );
        }
        if (case + 1) % 100_000 == 0 {
            eprintln!(
                "fuzz {name}: {} inputs, {:.1} s",
                case + 1,
                started.elapsed().as_secs_f64()
            );
        }
        match outcome {
            Ok(ok) => accepted += u64::from(ok),
            Err(_) => panic!(
                "{name}: case {case} (seed {seed}) panicked on {:?}",
                String::from_utf8_lossy(&input)
            ),
        }
    }
    println!(
        "fuzz {name}: {n} inputs ({accepted} accepted) in {:.1} s; slowest {:.3} s (case {})",
        started.elapsed().as_secs_f64(),
        slowest.0,
        slowest.1
    );
    assert!(
        n < 1_000 || (accepted > 0 && accepted < n),
        "{name}: {accepted} of {n} accepted; the seeds or mutations are broken"
    );
}

fn csv_seeds() -> Vec<Vec<u8>> {
    let mut rows = String::from("t,x,y,z\n");
    for k in 0..40 {
        let t = k as f64 * 0.01;
        rows += &format!("{t},{},{},{}\n", t.sin(), t.cos() * 3.5, -1e-3 * t);
    }
    vec![
        rows.into_bytes(),
        b"1.0  2.0\n3.0\t4.0\n  5 6\n".to_vec(),
        b"time;u;v\n0;1;2\n0.5;3;4\n1.0;5;6\n".to_vec(),
        b"x\n1\n2\n3\nnan\n".to_vec(),
    ]
}

fn npy_seed(shape: &[u64], values: &[f64], fortran: bool) -> Vec<u8> {
    let order = if fortran { "True" } else { "False" };
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape = if dims.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(", "))
    };
    let mut header = format!("{{'descr': '<f8', 'fortran_order': {order}, 'shape': {shape}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

#[test]
fn npy_seed_is_a_valid_file() {
    // The hand-built seed must be what numpy writes, or the NPY fuzzing tests little.
    let values: Vec<f64> = (0..12).map(|k| k as f64 * 0.5).collect();
    let t = parse_trajectory(&npy_seed(&[6, 2], &values, false), "npy", "s", None, None)
        .expect("valid NPY");
    assert_eq!((t.len(), t.dim(), t.row(5)), (6, 2, &[5.0, 5.5][..]));
    let t = parse_trajectory(&npy_seed(&[6, 2], &values, true), "npy", "s", None, None)
        .expect("valid NPY");
    assert_eq!(
        t.row(1),
        &[0.5, 3.5],
        "Fortran order reads column by column"
    );
}

#[test]
fn fuzz_trajectory_importer() {
    let values: Vec<f64> = (0..30).map(|k| (k as f64).sin()).collect();
    let mut seeds = csv_seeds();
    seeds.push(npy_seed(&[10, 3], &values, false));
    seeds.push(npy_seed(&[30], &values, false));
    seeds.push(npy_seed(&[15, 2], &values, true));
    let tokens: &[&[u8]] = &[
        b",",
        b";",
        b"\t",
        b"\n",
        b"\r\n",
        b"\"",
        b" ",
        b"nan",
        b"inf",
        b"-inf",
        b"1e308",
        b"1e-320",
        b"-0",
        b"t",
        b"time",
        b"0.01",
        b"'shape': (",
        b"'<f4'",
        b"'<i8'",
        b"'>f8'",
        b"True",
        b"99999999999999",
        b"18446744073709551615",
        b")",
        b",)",
        b"\x00",
        b"\xff\xfe",
        b"\xc3\xa9",
    ];
    fuzz("trajectory importer", &seeds, tokens, |bytes| {
        let csv = parse_trajectory(bytes, "csv", "fuzz", None, None).is_ok();
        let npy = parse_trajectory(bytes, "npy", "fuzz", None, None).is_ok();
        let _ = parse_trajectory(bytes, "csv", "fuzz", Some(0.1), Some(0.5));
        csv || npy
    });
}

#[test]
fn fuzz_equation_compiler() {
    let lorenz = UserSystemSpec::lorenz_example();
    // The second equation's slot: `dy/dt = …` with a range of functions.
    let seeds: Vec<Vec<u8>> = [
        "dy/dt = x*(rho - z) - y",
        "dy/dt = sin(x)^2 + cos(y)*exp(-z/rho) - atan2(x, y)",
        "dy/dt = abs(x) * sqrt(y) / (1 + z^2) - beta*z",
        "dy/dt = tanh(x) - log(1 + y^2) + min(x, z) * max(y, 2.5e-3) - pi*e",
        "y' = -y",
    ]
    .iter()
    .map(|e| e.as_bytes().to_vec())
    .collect();
    let tokens: &[&[u8]] = &[
        b"x",
        b"y",
        b"z",
        b"sigma",
        b"rho",
        b"beta",
        b"(",
        b")",
        b"+",
        b"-",
        b"*",
        b"/",
        b"^",
        b"**",
        b"sin(",
        b"cos(",
        b"exp(",
        b"log(",
        b"sqrt(",
        b"tanh(",
        b"abs(",
        b"signum(",
        b"atan2(",
        b"min(",
        b"max(",
        b"pi",
        b"e",
        b"1e308",
        b"0",
        b"1.5",
        b".",
        b",",
        b"=",
        b"dx/dt",
        b"\xce\xb1",
        b" ",
        b"!",
        b"?",
        b"{",
        b"fact(",
        b"__",
        b"x_next",
        b"99999999999999999999",
    ];
    let mut state = vec![1.0, -2.0, 0.5];
    state.truncate(lorenz.state_names.len());
    fuzz("equation compiler", &seeds, tokens, |bytes| {
        let text = String::from_utf8_lossy(bytes).into_owned();
        let mut spec = lorenz.clone();
        spec.equations[1] = text;
        let Ok(user) = UserSystem::compile(spec) else {
            return false;
        };
        // A compiled system must also evaluate without panicking.
        let sys = System::from_user(std::sync::Arc::new(user));
        let mut out = vec![0.0; sys.dim()];
        sys.rhs(&state, &mut out);
        let _ = sys.jacobian(&state);
        true
    });
}

#[test]
fn fuzz_session_loader() {
    let mut app = chaoslab::app::ChaosApp::headless(None).expect("app");
    app.bench.data.periods = 10.0;
    let i = app.bench.index_of("DMD").expect("card");
    app.start_fit(i);
    app.run_jobs_to_completion();
    let with_model = app
        .session(chaoslab::app::session::Weights::Embed)
        .expect("state")
        .to_json()
        .expect("text");
    assert!(
        with_model.contains("\"family\": \"dmd\""),
        "the seed has a model"
    );
    let without = app
        .session(chaoslab::app::session::Weights::Omit)
        .expect("state")
        .to_json()
        .expect("text");
    let seeds = vec![with_model.into_bytes(), without.into_bytes()];
    let tokens: &[&[u8]] = &[
        b"null",
        b"true",
        b"[]",
        b"{}",
        b"\"\"",
        b"-1",
        b"1e400",
        b"-0",
        b"0.5",
        b"NaN",
        b"18446744073709551616",
        b"\"version\": 2",
        b"\"format\": \"chaoslab-model\"",
        b",",
        b":",
        b"\"",
        b"[",
        b"]",
        b"{",
        b"}",
        b"\"user\"",
        b"\"catalog\"",
        b"\"dataset\"",
        b"\"embedding\"",
        b"\\u0000",
        b"\\ud800",
        b"\xff",
    ];
    let dir = std::env::temp_dir();
    fuzz("session loader", &seeds, tokens, |bytes| {
        let text = String::from_utf8_lossy(bytes);
        let Ok(mut session) = Session::from_json(&text, "fuzz") else {
            return false;
        };
        // A file that parses is applied to the window, less its fits (which would start
        // background jobs): the values must be checked, not trusted.
        for card in &mut session.cards {
            card.fit = None;
        }
        let _ = app.apply_session(&session, &dir);
        true
    });
}
