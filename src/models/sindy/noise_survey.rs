//! Not checks: surveys (ignored tests that print tables) of the weak form at 10 % noise
//! and of ensemble inclusion probabilities at 1 %, at the notebooks' noise convention
//! (noise std = fraction × RMS of the whole array), over noise seeds 1–6. They chose
//! the settings the tests in `suite_tests` pin; run with
//! `cargo test --release --lib noise_survey -- --ignored --nocapture --test-threads 1`.

use super::suite_tests::spec_noisy;
use super::*;

const TRUE: [(usize, usize); 7] = [(0, 1), (0, 2), (1, 1), (1, 2), (1, 6), (2, 3), (2, 5)];

fn support_ok(m: &SindyModel) -> bool {
    (0..3).all(|i| (0..10).all(|j| (m.coefficients[i][j] != 0.0) == TRUE.contains(&(i, j))))
}

#[test]
#[ignore = "survey"]
fn weak_ten_percent_survey() {
    for seed in [1u64, 2, 3] {
        let data = spec_noisy(5000, 0.10, seed);
        for k in [100usize, 200, 400, 1000] {
            for h in [0.25, 0.5, 1.0] {
                for p in [2u32, 4, 8] {
                    for thr in [0.1, 0.5, 1.0] {
                        let opts = Sindy {
                            weak: Some(WeakForm {
                                subdomains: k,
                                half_width: Some(h),
                                p,
                                ..WeakForm::default()
                            }),
                            optimizer: Stlsq {
                                threshold: thr,
                                ..Stlsq::default()
                            }
                            .into(),
                            ..Sindy::default()
                        };
                        match fit_sindy(&opts, &data, &JobContext::detached()) {
                            Ok(m) => println!(
                                "seed {seed} K {k} H {h} p {p} thr {thr}: {} {} terms: {}",
                                if support_ok(&m) { "EXACT" } else { "-" },
                                m.nonzero(),
                                m.pretty_equations().join("; ")
                            ),
                            Err(e) => println!("seed {seed} K {k} H {h} p {p}: {e}"),
                        }
                    }
                }
            }
        }
    }
}

#[test]
#[ignore = "survey"]
fn weak_ten_percent_normalized_survey() {
    let seeds = [1u64, 2, 3, 4, 5, 6];
    let data: Vec<Trajectory> = seeds.iter().map(|&s| spec_noisy(5000, 0.10, s)).collect();
    for k in [100usize, 300, 1000] {
        for h in [0.25, 0.5, 1.0] {
            for p in [4u32, 8] {
                for thr in [1.0, 2.0, 3.0, 4.0, 6.0] {
                    let opts = Sindy {
                        weak: Some(WeakForm {
                            subdomains: k,
                            half_width: Some(h),
                            p,
                            ..WeakForm::default()
                        }),
                        optimizer: Stlsq {
                            threshold: thr,
                            normalize: Normalize::Rms,
                            ..Stlsq::default()
                        }
                        .into(),
                        ..Sindy::default()
                    };
                    let mut exact = 0;
                    let mut worst = String::new();
                    for d in &data {
                        match fit_sindy(&opts, d, &JobContext::detached()) {
                            Ok(m) if support_ok(&m) => exact += 1,
                            Ok(m) => {
                                worst = format!(
                                    "{} terms: {}",
                                    m.nonzero(),
                                    m.pretty_equations().join("; ")
                                )
                            }
                            Err(e) => worst = e.to_string(),
                        }
                    }
                    println!(
                        "K {k} H {h} p {p} thr {thr}: exact {exact}/{} | {worst}",
                        data.len()
                    );
                }
            }
        }
    }
}

fn all_true_present(m: &SindyModel) -> bool {
    TRUE.iter().all(|&(i, j)| m.coefficients[i][j] != 0.0)
}

fn spurious(m: &SindyModel) -> usize {
    m.nonzero()
        - TRUE
            .iter()
            .filter(|&&(i, j)| m.coefficients[i][j] != 0.0)
            .count()
}

/// Over the data sets: (all seven true terms present, exact support, spurious terms in
/// all, the equations of the last model that was not exact).
fn tally(opts: &Sindy, data: &[Trajectory]) -> (usize, usize, usize, String) {
    let (mut present, mut exact, mut spur) = (0, 0, 0);
    let mut sample = String::new();
    for d in data {
        match fit_sindy(opts, d, &JobContext::detached()) {
            Ok(m) => {
                present += usize::from(all_true_present(&m));
                exact += usize::from(support_ok(&m));
                spur += spurious(&m);
                if !support_ok(&m) {
                    sample = m.pretty_equations().join("; ");
                }
            }
            Err(e) => sample = e.to_string(),
        }
    }
    (present, exact, spur, sample)
}

#[test]
#[ignore = "survey"]
fn weak_ten_percent_presence_survey() {
    let seeds = [1u64, 2, 3, 4, 5, 6];
    let data: Vec<Trajectory> = seeds.iter().map(|&s| spec_noisy(5000, 0.10, s)).collect();
    let mut cases: Vec<(String, Sindy)> = Vec::new();
    for k in [100usize, 300, 1000] {
        for h in [0.25, 0.5, 0.75, 1.0] {
            for p in [4u32, 8] {
                let weak = Some(WeakForm {
                    subdomains: k,
                    half_width: Some(h),
                    p,
                    ..WeakForm::default()
                });
                for thr in [0.1, 0.2, 0.3, 0.4, 0.5] {
                    cases.push((
                        format!("K {k} H {h} p {p} thr {thr}"),
                        Sindy {
                            weak,
                            optimizer: Stlsq {
                                threshold: thr,
                                ..Stlsq::default()
                            }
                            .into(),
                            ..Sindy::default()
                        },
                    ));
                }
                for (name, c) in [("knee", Criterion::Knee), ("aicc", Criterion::Aicc)] {
                    cases.push((
                        format!("K {k} H {h} p {p} sweep {name}"),
                        Sindy {
                            weak,
                            sweep: Some(Sweep {
                                criterion: c,
                                ..Sweep::default()
                            }),
                            ..Sindy::default()
                        },
                    ));
                }
            }
        }
    }
    for (name, opts) in cases {
        let (present, exact, spur, sample) = tally(&opts, &data);
        println!("{name}: all7 {present}/6 exact {exact}/6 spurious {spur} | {sample}");
    }
}

#[test]
#[ignore = "survey"]
fn ensemble_one_percent_survey() {
    let seeds = [1u64, 2, 3, 4, 5, 6];
    let data: Vec<Trajectory> = seeds.iter().map(|&s| spec_noisy(5000, 0.01, s)).collect();
    let derivs: Vec<(&str, Differentiation)> = vec![
        ("fd2", Differentiation::default()),
        (
            "sg11",
            Differentiation::SavitzkyGolay(SavitzkyGolay::default()),
        ),
        (
            "sg21",
            Differentiation::SavitzkyGolay(SavitzkyGolay {
                window: 21,
                ..SavitzkyGolay::default()
            }),
        ),
        (
            "sg41",
            Differentiation::SavitzkyGolay(SavitzkyGolay {
                window: 41,
                ..SavitzkyGolay::default()
            }),
        ),
        (
            "tv",
            Differentiation::TotalVariation(TotalVariation::default()),
        ),
    ];
    let bags: Vec<(&str, Ensemble)> = vec![
        (
            "boot",
            Ensemble {
                seed: 5,
                ..Ensemble::default()
            },
        ),
        (
            "sub60",
            Ensemble {
                seed: 5,
                n_subset: Some(3000),
                replace: false,
                ..Ensemble::default()
            },
        ),
    ];
    let mut cases: Vec<(String, Sindy)> = Vec::new();
    for (dn, d) in &derivs {
        for (bn, b) in &bags {
            for thr in [0.1, 0.2, 0.3, 0.5] {
                cases.push((
                    format!("{dn} {bn} thr {thr}"),
                    Sindy {
                        differentiation: *d,
                        ensemble: Some(*b),
                        optimizer: Stlsq {
                            threshold: thr,
                            ..Stlsq::default()
                        }
                        .into(),
                        ..Sindy::default()
                    },
                ));
            }
        }
    }
    for (bn, b) in &bags {
        for k in [100usize, 300] {
            for thr in [0.1, 0.2, 0.3, 0.5] {
                cases.push((
                    format!("weak K {k} {bn} thr {thr}"),
                    Sindy {
                        weak: Some(WeakForm {
                            subdomains: k,
                            ..WeakForm::default()
                        }),
                        ensemble: Some(*b),
                        optimizer: Stlsq {
                            threshold: thr,
                            ..Stlsq::default()
                        }
                        .into(),
                        ..Sindy::default()
                    },
                ));
            }
        }
    }
    for (name, opts) in cases {
        let (mut min_true, mut max_spur) = (1.0f64, 0.0f64);
        let mut where_spur = String::new();
        for d in &data {
            match fit_sindy(&opts, d, &JobContext::detached()) {
                Ok(m) => {
                    let r = m.ensemble.as_ref().expect("report");
                    for i in 0..3 {
                        for j in 0..10 {
                            let p = r.inclusion_probabilities[i][j];
                            if TRUE.contains(&(i, j)) {
                                min_true = min_true.min(p);
                            } else if p > max_spur {
                                max_spur = p;
                                where_spur = format!("({i},{})", m.feature_names[j]);
                            }
                        }
                    }
                }
                Err(e) => println!("{name}: {e}"),
            }
        }
        let pass = min_true == 1.0 && max_spur < 0.5;
        println!(
            "{name}: min true {min_true:.2} max spurious {max_spur:.2} {where_spur} {}",
            if pass { "PASS" } else { "" }
        );
    }
}

#[test]
#[ignore = "survey"]
fn weak_ten_percent_ensemble_survey() {
    let seeds = [1u64, 2, 3, 4, 5, 6];
    let data: Vec<Trajectory> = seeds.iter().map(|&s| spec_noisy(5000, 0.10, s)).collect();
    for k in [300usize, 1000] {
        for h in [0.25, 0.5] {
            for p in [4u32, 8] {
                for thr in [0.1, 0.2, 0.3, 0.5] {
                    for models in [20usize, 100] {
                        let opts = Sindy {
                            weak: Some(WeakForm {
                                subdomains: k,
                                half_width: Some(h),
                                p,
                                ..WeakForm::default()
                            }),
                            optimizer: Stlsq {
                                threshold: thr,
                                ..Stlsq::default()
                            }
                            .into(),
                            ensemble: Some(Ensemble {
                                n_models: models,
                                seed: 5,
                                ..Ensemble::default()
                            }),
                            ..Sindy::default()
                        };
                        let (present, exact, spur, sample) = tally(&opts, &data);
                        println!(
                            "ens K {k} H {h} p {p} thr {thr} models {models}: all7 {present}/6 exact {exact}/6 spurious {spur} | {sample}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
#[ignore = "survey"]
fn weak_ten_percent_sr3_survey() {
    let seeds = [1u64, 2, 3, 4, 5, 6];
    let data: Vec<Trajectory> = seeds.iter().map(|&s| spec_noisy(5000, 0.10, s)).collect();
    for k in [100usize, 300] {
        for h in [0.2, 0.25, 0.3] {
            for p in [8u32, 12] {
                for c in [0.3, 0.5, 0.7, 0.85, 1.0, 1.2] {
                    let opts = Sindy {
                        weak: Some(WeakForm {
                            subdomains: k,
                            half_width: Some(h),
                            p,
                            ..WeakForm::default()
                        }),
                        optimizer: Sr3 {
                            threshold: c * (k as f64).sqrt(),
                            normalize: Normalize::L2,
                            max_iter: 1000,
                            ..Sr3::default()
                        }
                        .into(),
                        ..Sindy::default()
                    };
                    let (present, exact, spur, sample) = tally(&opts, &data);
                    println!(
                        "sr3 K {k} H {h} p {p} c {c}: all7 {present}/6 exact {exact}/6 spurious {spur} | {sample}"
                    );
                }
            }
        }
    }
}
