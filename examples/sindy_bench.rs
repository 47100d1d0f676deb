//! Times a SINDy fit (and a 15-time-unit simulation of the fitted model) on a CSV, the
//! same work as `benches/peers/sindy_lorenz.py --bench`, and prints one JSON line per
//! degree: median of `--repeats` fits after one warm-up.
//!
//! `cargo run --release --example sindy_bench -- --csv lorenz.csv --degrees 2 5`
//!
//! With `--suite`, also times the suite's variants (SR3, Savitzky–Golay, TV, weak form,
//! a 20-model ensemble, the threshold sweep) at each degree, one JSON line each.

use std::path::PathBuf;
use std::time::Instant;

use chaoslab::jobs::JobContext;
use chaoslab::models::FittedModel;
use chaoslab::models::sindy::{
    Differentiation, Ensemble, Library, PolynomialLibrary, SavitzkyGolay, Sindy, Sr3, Sweep,
    TotalVariation, WeakForm, fit_sindy,
};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut csv = None;
    let mut degrees = Vec::new();
    let mut repeats = 5usize;
    let mut suite = false;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--csv" => {
                csv = args.get(i + 1).map(PathBuf::from);
                i += 2;
            }
            "--repeats" => {
                repeats = args.get(i + 1).and_then(|s| s.parse().ok()).unwrap_or(5);
                i += 2;
            }
            "--suite" => {
                suite = true;
                i += 1;
            }
            "--degrees" => {
                i += 1;
                while i < args.len() && !args[i].starts_with("--") {
                    degrees.push(args[i].parse()?);
                    i += 1;
                }
            }
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    let Some(csv) = csv else {
        anyhow::bail!("give --csv FILE");
    };
    if degrees.is_empty() {
        degrees = vec![2, 5];
    }
    let data = chaoslab::io::read_trajectory(&csv, None)?;
    let job = JobContext::detached();
    for degree in degrees {
        let opts = Sindy {
            library: Library::Polynomial(PolynomialLibrary {
                degree,
                ..PolynomialLibrary::default()
            }),
            ..Sindy::default()
        };
        let mut times = Vec::new();
        let mut model = fit_sindy(&opts, &data, &job)?;
        for _ in 0..repeats.max(1) {
            let start = Instant::now();
            model = fit_sindy(&opts, &data, &job)?;
            times.push(start.elapsed().as_secs_f64());
        }
        let steps = (15.0 / data.dt()).round() as usize;
        let start = Instant::now();
        let run = model.forecast(data.row(0), steps);
        let simulate = start.elapsed().as_secs_f64();
        println!(
            "{}",
            serde_json::json!({
                "samples": data.len(),
                "degree": degree,
                "fit_s": median(times),
                "simulate_15_s": simulate,
                "simulate_ok": run.is_ok(),
                "nonzero": model.nonzero(),
            })
        );
    }
    if suite {
        for degree in degrees_again(&args) {
            let base = Sindy {
                library: Library::Polynomial(PolynomialLibrary {
                    degree,
                    ..PolynomialLibrary::default()
                }),
                ..Sindy::default()
            };
            let variants: Vec<(&str, Sindy)> = vec![
                ("stlsq_fd", base.clone()),
                (
                    "sr3_fd",
                    Sindy {
                        optimizer: Sr3::default().into(),
                        ..base.clone()
                    },
                ),
                (
                    "stlsq_savgol",
                    Sindy {
                        differentiation: Differentiation::SavitzkyGolay(SavitzkyGolay::default()),
                        ..base.clone()
                    },
                ),
                (
                    "stlsq_tv",
                    Sindy {
                        differentiation: Differentiation::TotalVariation(TotalVariation::default()),
                        ..base.clone()
                    },
                ),
                (
                    "weak",
                    Sindy {
                        weak: Some(WeakForm::default()),
                        ..base.clone()
                    },
                ),
                (
                    "ensemble20",
                    Sindy {
                        ensemble: Some(Ensemble::default()),
                        ..base.clone()
                    },
                ),
                (
                    "sweep",
                    Sindy {
                        sweep: Some(Sweep::default()),
                        ..base.clone()
                    },
                ),
            ];
            for (name, opts) in variants {
                let mut times = Vec::new();
                let mut model = fit_sindy(&opts, &data, &job)?;
                for _ in 0..repeats.max(1) {
                    let start = Instant::now();
                    model = fit_sindy(&opts, &data, &job)?;
                    times.push(start.elapsed().as_secs_f64());
                }
                println!(
                    "{}",
                    serde_json::json!({
                        "variant": name,
                        "samples": data.len(),
                        "degree": degree,
                        "fit_s": median(times),
                        "nonzero": model.nonzero(),
                    })
                );
            }
        }
    }
    Ok(())
}

/// The `--degrees` list again (2 and 5 when absent), for the suite loop.
fn degrees_again(args: &[String]) -> Vec<usize> {
    let mut out = Vec::new();
    if let Some(at) = args.iter().position(|a| a == "--degrees") {
        out.extend(
            args[at + 1..]
                .iter()
                .take_while(|a| !a.starts_with("--"))
                .filter_map(|a| a.parse::<usize>().ok()),
        );
    }
    if out.is_empty() {
        out = vec![2, 5];
    }
    out
}
