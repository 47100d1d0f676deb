//! Sessions end to end on a headless window: fit, save, open in a fresh app, and the
//! same numbers come back bit for bit; a file truncated anywhere fails cleanly; a save
//! interrupted before its rename leaves the previous file intact.

use std::path::Path;

use chaoslab::app::ChaosApp;
use chaoslab::app::bench::FitStatus;
use chaoslab::app::fit_job::FitOutcome;
use chaoslab::app::session::Weights;
use chaoslab::io::StagedWrite;
use chaoslab::io::session::Session;

fn tmp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("chaoslab-session-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

/// A headless app with DMD and SINDy fitted on Lorenz (short data, for speed).
fn fitted_app() -> ChaosApp {
    let mut app = ChaosApp::headless(None).expect("app");
    app.bench.data.periods = 20.0;
    app.bench.data.noise = 0.01;
    app.bench.data.seed = 42;
    for title in ["DMD", "SINDy"] {
        let i = app.bench.index_of(title).expect("card");
        app.start_fit(i);
    }
    app.run_jobs_to_completion();
    app
}

fn outcome<'a>(app: &'a ChaosApp, title: &str) -> &'a FitOutcome {
    let i = app.bench.index_of(title).expect("card");
    match &app.bench.cards[i].status {
        FitStatus::Done(out) => out,
        FitStatus::Failed(e) => panic!("{title} failed: {e}"),
        _ => panic!("{title} did not finish"),
    }
}

fn bits(v: impl IntoIterator<Item = f64>) -> Vec<u64> {
    v.into_iter().map(f64::to_bits).collect()
}

/// Every number the window shows for a fit, as f64 bits: eigenvalues (DMD),
/// coefficients (SINDy), the held-out VPT, the compared VPT and sMAPE.
fn fingerprint(out: &FitOutcome) -> Vec<u64> {
    let mut v = Vec::new();
    if let Some(s) = out.model.spectrum() {
        v.extend(bits(s.eigenvalues.iter().flat_map(|z| [z[0], z[1]])));
    }
    if let Some(c) = out.model.report().get("coefficients") {
        let rows: Vec<Vec<f64>> = serde_json::from_value(c.clone()).expect("rows of numbers");
        v.extend(bits(rows.into_iter().flatten()));
    }
    v.extend(bits([
        out.held_out.score.vpt,
        out.comparison.vpt,
        out.comparison.smape,
        out.lyapunov,
        out.fit_seconds,
    ]));
    v
}

fn open_fresh(path: &Path) -> ChaosApp {
    let mut app = ChaosApp::headless(None).expect("app");
    app.open_session(path).expect("opens");
    app.run_jobs_to_completion();
    app
}

#[test]
fn a_reopened_session_gives_the_same_numbers_bit_for_bit() {
    let mut a = fitted_app();
    // A changed card setting and a changed parameter travel too.
    a.live.system.set_param("rho", 28.5).expect("rho");
    let path = tmp("with-weights.json");
    a.save_session(&path, Weights::Embed).expect("saves");

    let b = open_fresh(&path);
    assert_eq!(b.live.system.named_params(), a.live.system.named_params());
    assert_eq!(b.bench.data, a.bench.data);
    for title in ["DMD", "SINDy"] {
        let (fa, fb) = (outcome(&a, title), outcome(&b, title));
        assert!(fingerprint(fa).len() > 5, "{title} has numbers to compare");
        assert_eq!(fingerprint(fa), fingerprint(fb), "{title}");
        assert_eq!(
            fa.model.to_saved().to_json(),
            fb.model.to_saved().to_json(),
            "{title}: the whole model"
        );
    }
    // Lorenz's λ_max ≈ 0.906: the restored time axis is the real one, not a default.
    assert!((outcome(&b, "DMD").lyapunov - 0.906).abs() < 0.1);

    // Without weights the cards are refitted from the recorded start states: the fit
    // itself is deterministic, so even then every coefficient comes back exactly.
    let path = tmp("settings-only.json");
    a.save_session(&path, Weights::Omit).expect("saves");
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(!text.contains("\"family\""), "no model is embedded");
    let c = open_fresh(&path);
    for title in ["DMD", "SINDy"] {
        let (fa, fc) = (outcome(&a, title), outcome(&c, title));
        let n = fingerprint(fa).len();
        // All but the fit's wall-clock time, which is measured again.
        assert_eq!(
            fingerprint(fa)[..n - 1],
            fingerprint(fc)[..n - 1],
            "{title}"
        );
    }
}

#[test]
fn card_settings_and_a_typed_system_round_trip() {
    let mut a = ChaosApp::headless(None).expect("app");
    let spec = chaoslab::systems::user::UserSystemSpec::lorenz_example();
    let sys = chaoslab::systems::System::from_user(std::sync::Arc::new(
        chaoslab::systems::user::UserSystem::compile(spec.clone()).expect("compiles"),
    ));
    a.switch_system(sys);
    let i = a.bench.index_of("SINDy").expect("card");
    let mut settings = a.bench.cards[i].spec.settings();
    settings["threshold"] = 0.25.into();
    settings["degree"] = 3.into();
    a.bench.cards[i]
        .spec
        .set_settings(&settings)
        .expect("valid settings");
    let path = tmp("typed.json");
    a.save_session(&path, Weights::Embed).expect("saves");
    let b = open_fresh(&path);
    assert_eq!(b.bench.cards[i].spec.settings(), settings);
    let user = b.live.system.user().expect("a typed system");
    assert_eq!(user.spec(), &spec);
    assert_eq!(b.live.initial_condition, a.live.initial_condition);
}

#[test]
fn bad_sessions_are_refused_and_change_nothing() {
    let a = fitted_app();
    let path = tmp("good.json");
    a.save_session(&path, Weights::Embed).expect("saves");
    let good = std::fs::read_to_string(&path).expect("read");
    let cases = [
        (
            good.replace("\"version\": 1", "\"version\": 7"),
            "version 7",
        ),
        (
            good.replacen("\"Lorenz\"", "\"Lorenzz\"", 1),
            "unknown system 'Lorenzz'",
        ),
        (
            good.replacen("\"rank\": 0", "\"rank\": 0, \"command\": \"rm -rf /\"", 1),
            "unknown field `command`",
        ),
        (
            good.replacen("\"train_fraction\": 0.8", "\"train_fraction\": 1.5", 1),
            "train_fraction must lie between 0 and 1",
        ),
        (
            good.replacen("\"rtol\": 1e-9", "\"rtol\": 1e-3", 1),
            "set \"solver\" to those values",
        ),
    ];
    let mut b = ChaosApp::headless(None).expect("app");
    let before = b.session(Weights::Embed).expect("state");
    for (k, (text, needle)) in cases.iter().enumerate() {
        assert_ne!(text, &good, "case {k} edits the file");
        let p = tmp(&format!("bad{k}.json"));
        std::fs::write(&p, text).expect("write");
        let err = format!("{:#}", b.open_session(&p).expect_err("refused"));
        assert!(err.contains(needle), "case {k}: {err}");
        assert_eq!(
            b.session(Weights::Embed).expect("state"),
            before,
            "case {k}"
        );
    }
}

#[test]
fn a_session_truncated_at_any_byte_fails_cleanly() {
    let a = fitted_app();
    let text = a
        .session(Weights::Embed)
        .expect("state")
        .to_json()
        .expect("text");
    let full = Session::from_json(&text, "full").expect("the whole file reads");
    let end = text.trim_end().len();
    assert!(end > 1_000, "a real session with two models: {end} bytes");
    for cut in 0..text.len() {
        // Cut at a byte; a cut inside a UTF-8 character keeps the valid prefix.
        let prefix = String::from_utf8_lossy(&text.as_bytes()[..cut]);
        match Session::from_json(&prefix, "cut") {
            Err(e) => assert!(!e.to_string().is_empty()),
            Ok(s) => {
                assert!(cut >= end, "a file cut at byte {cut} of {end} was accepted");
                assert_eq!(s, full);
            }
        }
    }
}

#[test]
fn a_save_interrupted_before_the_rename_keeps_the_previous_file() {
    let a = fitted_app();
    let path = tmp("interrupted.json");
    a.save_session(&path, Weights::Embed).expect("first save");
    let before = std::fs::read(&path).expect("read");

    let mut b = ChaosApp::headless(None).expect("app");
    b.bench.data.periods = 99.0;
    let newer = b
        .session(Weights::Embed)
        .expect("state")
        .to_json()
        .expect("text");
    // The real save up to its rename, then a "crash": the temporary file stays behind.
    let staged = StagedWrite::stage(&path, newer.as_bytes()).expect("staged");
    let tmp_file = staged.temp_path().to_path_buf();
    std::mem::forget(staged);
    assert_eq!(std::fs::read(&tmp_file).expect("temp"), newer.as_bytes());
    assert_eq!(std::fs::read(&path).expect("read"), before);
    let opened = open_fresh(&path);
    assert_eq!(opened.bench.data.periods, 20.0, "the old session opens");

    // The next save goes through despite the leftover temporary file.
    b.save_session(&path, Weights::Embed).expect("second save");
    assert_eq!(Session::load(&path).expect("reads").training.periods, 99.0);
    assert!(!tmp_file.exists(), "the leftover was replaced and renamed");
}

#[test]
fn a_dataset_session_checks_the_file_hash() {
    let dir = tmp("data");
    std::fs::create_dir_all(&dir).expect("dir");
    let data = dir.join("lorenz.csv");
    let out = assert_cmd::Command::cargo_bin("chaoslab")
        .expect("binary")
        .args(["simulate", "--system", "Lorenz", "--periods", "30", "--out"])
        .arg(&data)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut a = ChaosApp::headless(None).expect("app");
    a.data.load(data.clone(), None);
    while a.data.busy() {
        a.data.poll(None);
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    a.data.lyapunov_text = "0.906".into();
    a.source = chaoslab::app::SourceKind::Dataset;
    let i = a.bench.index_of("DMD").expect("card");
    a.start_fit(i);
    a.run_jobs_to_completion();
    let path = dir.join("s.json");
    a.save_session(&path, Weights::Embed).expect("saves");

    let b = open_fresh(&path);
    assert_eq!(b.source, chaoslab::app::SourceKind::Dataset);
    assert_eq!(
        fingerprint(outcome(&a, "DMD")),
        fingerprint(outcome(&b, "DMD"))
    );

    // One changed digit in the data: the session says so instead of fitting other data.
    let text = std::fs::read_to_string(&data).expect("csv");
    let changed = text.replacen('1', "2", 1);
    std::fs::write(&data, changed).expect("write");
    let mut c = ChaosApp::headless(None).expect("app");
    let err = format!("{:#}", c.open_session(&path).expect_err("changed data"));
    assert!(
        err.contains("has changed since the session was saved"),
        "{err}"
    );
}
