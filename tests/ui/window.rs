//! Window behaviour through egui_kittest: the app opens with Lorenz running, a DMD fit
//! started from the card finishes and its result appears, a running fit can be cancelled.
//! These run without a GPU (no wgpu renderer: the 3-D view shows its text note).

use std::time::Duration;

use chaoslab::app::ChaosApp;
use chaoslab::app::bench::FitStatus;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

use crate::common::{harness, harness_of_height, replace_text, step_until};

/// Clicks `button` on card `i` and waits until the card stops running; the fitted
/// model's report (panics if the fit did not succeed).
fn click_and_wait_for_fit(
    h: &mut Harness<'_, ChaosApp>,
    button: &str,
    i: usize,
) -> serde_json::Value {
    h.get_by_label(button).click();
    h.step();
    step_until(h, Duration::from_secs(120), |a| {
        !matches!(a.bench.cards[i].status, FitStatus::Running(_))
    });
    let FitStatus::Done(out) = &h.state().bench.cards[i].status else {
        panic!("'{button}' did not succeed")
    };
    out.model.report()
}

/// Presses "Fit DMD" (the first card) and steps until the fit is no longer running.
fn fit_dmd_and_wait(h: &mut Harness<'_, ChaosApp>) {
    h.get_by_label("Fit DMD").click();
    h.step();
    step_until(h, Duration::from_secs(60), |a| {
        !matches!(a.bench.cards[0].status, FitStatus::Running(_))
    });
}

#[test]
fn opens_with_lorenz_running() {
    let mut h = harness();
    h.run_steps(30);
    assert_eq!(h.state().live.system.name(), "Lorenz");
    assert!(h.state().live.playing);
    assert!(
        h.state().live.time() > 0.0,
        "the attractor integrates while the window is open"
    );
    h.get_by_label("Fit DMD");
    h.get_by_label("Pause");
}

#[test]
fn fit_dmd_from_the_card_shows_the_result() {
    let mut h = harness();
    h.run_steps(2);
    h.get_by_label("Fit DMD").click();
    h.step();
    assert!(matches!(
        h.state().bench.cards[0].status,
        FitStatus::Running(_)
    ));
    step_until(&mut h, Duration::from_secs(60), |a| {
        !matches!(a.bench.cards[0].status, FitStatus::Running(_))
    });
    let FitStatus::Done(out) = &h.state().bench.cards[0].status else {
        panic!("fit did not succeed")
    };
    let spec = out.model.spectrum().expect("DMD has eigenvalues");
    assert_eq!(spec.eigenvalues.len(), 3);
    assert!(
        out.lyapunov > 0.7 && out.lyapunov < 1.1,
        "λ = {}",
        out.lyapunov
    );
    h.run_steps(2);
    // The card shows the valid prediction time.
    let vpt_label = format!("VPT = {:.2} Lyapunov times", out_vpt(&h));
    h.get_by_label(&vpt_label);
}

fn out_vpt(h: &Harness<'_, ChaosApp>) -> f64 {
    match &h.state().bench.cards[0].status {
        FitStatus::Done(o) => o.comparison.vpt,
        _ => f64::NAN,
    }
}

#[test]
fn a_running_fit_can_be_cancelled() {
    let mut h = harness();
    // A long fit (many periods) so it is still running when Cancel is pressed.
    h.state_mut().bench.data.periods = 1000.0;
    h.run_steps(2);
    h.get_by_label("Fit DMD").click();
    h.step();
    assert!(matches!(
        h.state().bench.cards[0].status,
        FitStatus::Running(_)
    ));
    h.step(); // the card draws its Cancel button once it knows the fit runs
    h.get_by_label("Cancel DMD").click();
    h.step();
    assert!(matches!(
        h.state().bench.cards[0].status,
        FitStatus::Cancelled
    ));
    h.run_steps(2);
    h.get_by_label("cancelled");
    assert!(!h.state().busy());
}

#[test]
fn compare_all_shows_one_progress_view_and_cancel_all_stops_every_fit() {
    let mut h = harness();
    h.state_mut().bench.data.periods = 1000.0;
    h.run_steps(2);
    h.get_by_label("Compare all").click();
    h.run_steps(2);
    let running = |h: &Harness<'_, ChaosApp>| {
        h.state()
            .bench
            .cards
            .iter()
            .filter(|c| matches!(c.status, FitStatus::Running(_)))
            .count()
    };
    assert_eq!(running(&h), 7, "every card fits");
    assert!(h.state().views.side_by_side.open);
    h.get_by_label("Cancel all").click();
    h.step();
    assert_eq!(running(&h), 0);
    assert!(
        h.state()
            .bench
            .cards
            .iter()
            .all(|c| matches!(c.status, FitStatus::Cancelled))
    );
    h.run_steps(2);
    assert_eq!(
        h.query_all_by_label("Cancel all").count(),
        0,
        "the combined progress goes once nothing runs"
    );
    assert!(!h.state().busy());
}

#[test]
fn a_parameter_slider_changes_the_running_system() {
    let mut h = harness();
    h.run_steps(2);
    h.state_mut()
        .live
        .system
        .set_param("rho", 10.0)
        .expect("rho");
    h.state_mut().live.parameters_changed();
    h.run_steps(5);
    assert_eq!(h.state().live.system.params()[1], 10.0);
}

/// Writes a Lorenz trajectory as CSV for the import tests.
fn lorenz_csv(name: &str) -> std::path::PathBuf {
    use chaoslab::integrate::{Simulation, solve};
    use chaoslab::jobs::JobContext;
    use chaoslab::systems::Catalog;
    let sys = Catalog::builtin().system("Lorenz").expect("Lorenz");
    let (traj, _) = solve(
        &sys,
        &Simulation::for_system(&sys, 30.0),
        &JobContext::detached(),
    )
    .expect("integrates");
    let dir = ui_temp_dir();
    let path = dir.join(name);
    chaoslab::io::write_trajectory(&path, &traj).expect("writes");
    path
}

#[test]
fn imported_data_is_fitted_like_a_system() {
    let path = lorenz_csv("import.csv");
    let mut h = harness();
    h.run_steps(2);
    h.get_by_label("Your data").click();
    h.run_steps(2);
    type_into(&mut h, "file", path.to_str().expect("utf8"));
    h.get_by_label("Load").click();
    h.step();
    step_until(&mut h, Duration::from_secs(30), |a| a.data.loaded.is_some());
    assert_eq!(h.state().data.loaded.as_ref().map(|d| d.len()), Some(3001));
    h.run_steps(2);
    fit_dmd_and_wait(&mut h);
    let FitStatus::Done(out) = &h.state().bench.cards[0].status else {
        panic!("fit on imported data failed")
    };
    // Without a known λ the forecast is scored in time units.
    assert_eq!(out.lyapunov, 0.0);
    // 3001 samples split at round(0.8 · 3001) = 2401: the test part has 600.
    assert_eq!(out.test.len(), 600);
}

/// This test process's temporary folder.
fn ui_temp_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("chaoslab-ui-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Switches to "Your data", types `path` and presses Load; returns when the read ends.
fn load_in_data_panel(h: &mut Harness<'_, ChaosApp>, path: &std::path::Path) {
    h.run_steps(2);
    h.get_by_label("Your data").click();
    h.run_steps(2);
    type_into(h, "file", path.to_str().expect("utf8"));
    h.get_by_label("Load").click();
    h.step();
    step_until(h, Duration::from_secs(30), |a| !a.data.busy());
}

#[test]
fn a_bad_file_shows_a_message_not_a_panic() {
    let dir = ui_temp_dir();
    let path = dir.join("ragged.csv");
    std::fs::write(&path, "t,x\n0,1\n1,2,3\n").expect("write");
    let mut h = harness();
    load_in_data_panel(&mut h, &path);
    let err = h.state().data.error.clone().expect("an error message");
    assert!(err.contains("same number of columns"), "{err}");
}

#[test]
fn uneven_times_are_explained_then_resampled_from_the_panel() {
    let dir = ui_temp_dir();
    let path = dir.join("uneven.csv");
    let rows: String = [0.0, 0.1, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7]
        .iter()
        .map(|t: &f64| format!("{t},{},{}\n", t.sin(), t.cos()))
        .collect();
    std::fs::write(&path, format!("t,x,y\n{rows}")).expect("write");
    let mut h = harness();
    load_in_data_panel(&mut h, &path);
    let err = h.state().data.error.clone().expect("an error message");
    assert!(err.contains("'uneven times'"), "{err}");
    h.get_by_label("uneven times").click();
    h.run_steps(2);
    h.get_by_label("resample, cubic spline").click();
    h.run_steps(2);
    h.get_by_label("Load").click();
    h.step();
    step_until(&mut h, Duration::from_secs(30), |a| a.data.loaded.is_some());
    let data = h.state().data.loaded.clone().expect("loaded");
    // The median gap is 0.1: eight rows from t = 0 to 0.7.
    assert_eq!(data.len(), 8);
    assert!((data.dt() - 0.1).abs() < 1e-12, "{}", data.dt());
    assert!((data.row(2)[0] - 0.2f64.sin()).abs() < 1e-3);
    assert_eq!(
        h.state().data.loaded_from.as_ref().and_then(|r| r.resample),
        Some(chaoslab::io::Resampling::Cubic)
    );
}

/// Focuses the text field labelled `label` and types `text` into it.
fn type_into(h: &mut Harness<'_, ChaosApp>, label: &str, text: &str) {
    h.get_by_label(label).focus();
    h.step();
    h.get_by_label(label).type_text(text);
    h.step();
}

#[test]
fn the_picker_searches_the_catalog_and_switches_the_system() {
    let mut h = harness();
    h.run_steps(2);
    type_into(&mut h, "search", "rossler");
    h.get_by_label("system").click();
    h.run_steps(2);
    h.get_by_label("Rossler (3-D)").click();
    h.run_steps(3);
    assert_eq!(h.state().live.system.name(), "Rossler");
    assert!(h.state().live.time() > 0.0);
}

#[test]
fn a_typed_system_is_checked_while_typing_and_then_runs_live() {
    let mut h = harness();
    h.run_steps(2);
    h.get_by_label("New system...").click();
    h.run_steps(2);
    assert!(h.state().editor.open);
    // The editor opens with the Lorenz example, which checks out.
    h.get_by_label("OK: a 3-D flow with 3 parameters");

    // A damped linear oscillator p'' + 0.1 p' + w² p = 0, typed with a broken second
    // equation.
    replace_text(&mut h, "name", "Oscillator");
    replace_text(&mut h, "state names", "p, q");
    replace_text(&mut h, "parameters", "w = 2");
    replace_text(&mut h, "equations", "dp/dt = q\ndq/dt = -w^2*p - 0.1*(q");
    replace_text(&mut h, "initial condition", "1, 0");
    replace_text(&mut h, "period", "3.14");
    h.run_steps(2);
    assert_eq!(
        h.state().editor.equations,
        "dp/dt = q\ndq/dt = -w^2*p - 0.1*(q"
    );
    let err = h
        .state()
        .editor
        .status
        .clone()
        .expect_err("broken equation");
    assert!(
        err.contains("equation 2 (dq/dt = -w^2*p - 0.1*(q), column 22 at '('"),
        "{err}"
    );
    h.get_by_label_contains("'(' is never closed");
    // The broken system cannot be used.
    assert_eq!(h.state().live.system.name(), "Lorenz");

    replace_text(&mut h, "equations", "dp/dt = q\ndq/dt = -w^2*p - 0.1*q");
    h.run_steps(2);
    h.get_by_label("OK: a 2-D flow with 1 parameters");
    h.get_by_label("Use this system").click();
    h.run_steps(3);
    assert!(!h.state().editor.open);
    let live = &h.state().live;
    assert_eq!(live.system.name(), "Oscillator");
    // The state panel shows its state names.
    h.get_by_label("(p, q)");
    // The live orbit follows the exact solution from (1, 0):
    // p(t) = e^(−t/20) (cos ω t + sin(ω t) / (20 ω)), ω = sqrt(w² − 1/400).
    let t = live.time();
    assert!(t > 25.0, "fast-forwarded 8 periods of 3.14, t = {t}");
    let omega = (4.0f64 - 0.0025).sqrt();
    let exact = (-t / 20.0).exp() * ((omega * t).cos() + (omega * t).sin() / (20.0 * omega));
    let p = live.state()[0];
    assert!((p - exact).abs() < 1e-5, "p({t}) = {p}, exact {exact}");
    // It is listed in the picker's group of typed systems.
    assert_eq!(h.state().user_systems.len(), 1);

    // The rest of the window works with it: a DMD fit recovers the eigenvalues
    // −0.05 ± i ω of the linear flow.
    fit_dmd_and_wait(&mut h);
    let FitStatus::Done(out) = &h.state().bench.cards[0].status else {
        panic!("fit on the typed system failed")
    };
    let spec = out.model.spectrum().expect("DMD has eigenvalues");
    let mut cont = spec.continuous();
    cont.sort_by(|a, b| a[1].total_cmp(&b[1]));
    assert_eq!(cont.len(), 2);
    for (got, im) in cont.iter().zip([-omega, omega]) {
        assert!(
            (got[0] + 0.05).abs() < 1e-4 && (got[1] - im).abs() < 1e-4,
            "{cont:?}"
        );
    }
    // Its largest Lyapunov exponent is the decay rate −0.05 (from the symbolic Jacobian).
    assert!((out.lyapunov + 0.05).abs() < 0.01, "λ = {}", out.lyapunov);
}

/// The number after `prefix` in the first label that contains it ("λ1 = 0.9081 (dysts …)").
fn number_after(h: &Harness<'_, ChaosApp>, prefix: &str) -> f64 {
    use egui_kittest::kittest::NodeT;
    let node = h.get_by_label_contains(prefix).accesskit_node();
    // AccessKit keeps a plain label's text in its value.
    let label = node.value().or_else(|| node.label()).expect("a label");
    let rest = label.split(prefix).nth(1).expect("prefix present");
    rest.split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no number in {label:?}"))
}

#[test]
fn the_characterise_panel_computes_lorenz_spectrum_and_dimension() {
    use chaoslab::app::characterise_panel::CharacteriseStatus;
    let mut h = harness();
    h.run_steps(2);
    h.get_by_label("Characterise").click();
    h.run_steps(2);
    // A shorter average than the default 1500 periods; still ±0.05 on λ1.
    h.state_mut().characterise.flow_periods = 300.0;
    h.get_by_label("Compute spectrum").click();
    h.step();
    assert!(matches!(
        h.state().characterise.status,
        CharacteriseStatus::Running(_)
    ));
    step_until(&mut h, Duration::from_secs(120), |a| !a.characterise.busy());
    h.run_steps(2);
    assert!(
        matches!(h.state().characterise.status, CharacteriseStatus::Done(_)),
        "the characterisation did not finish"
    );
    // The running estimates streamed in: one per checkpoint, three exponents each.
    let running = &h.state().characterise.running;
    assert!(running.len() >= 300, "{}", running.len());
    assert!(running.iter().all(|c| c.exponents.len() == 3));
    // Sprott (2003): λ1 = 0.9056 for Lorenz; the second exponent of a flow is 0.
    let l1 = number_after(&h, "λ1 = ");
    assert!((l1 - 0.906).abs() < 0.1, "λ1 = {l1}");
    let l2 = number_after(&h, "λ2 = ");
    assert!(l2.abs() < 0.05, "λ2 = {l2}");
    // Grassberger & Procaccia (1983): D2 = 2.05 ± 0.01.
    let d2 = number_after(&h, "correlation dimension = ");
    assert!((d2 - 2.05).abs() < 0.1, "D2 = {d2}");
    // A parameter change marks the result stale.
    assert!(h.query_by_label_contains("stale").is_none());
    h.state_mut()
        .live
        .system
        .set_param("rho", 35.0)
        .expect("rho");
    h.state_mut().live.parameters_changed();
    h.run_steps(2);
    h.get_by_label_contains("stale");
}

#[test]
fn a_running_characterisation_can_be_cancelled() {
    use chaoslab::app::characterise_panel::CharacteriseStatus;
    let mut h = harness();
    h.run_steps(2);
    h.get_by_label("Characterise").click();
    h.run_steps(2);
    // Hours of averaging: only the cancel ends it.
    h.state_mut().characterise.flow_periods = 1e5;
    h.get_by_label("Compute spectrum").click();
    h.step();
    h.step(); // the Cancel button appears once the panel knows the job runs
    h.get_by_label("Cancel spectrum").click();
    h.step();
    assert!(matches!(
        h.state().characterise.status,
        CharacteriseStatus::Cancelled
    ));
    h.run_steps(2);
    h.get_by_label("spectrum cancelled");
    assert!(!h.state().busy());
}

/// The session buttons are in the window; a session saved and opened through the
/// menu's path brings the edited training settings back, and a failure is shown in words.
#[test]
fn session_menu_saves_opens_and_explains_failures() {
    let mut h = harness();
    h.run_steps(2);
    h.get_by_label("Save session…");
    h.get_by_label("Open session…");
    let path =
        std::env::temp_dir().join(format!("chaoslab-ui-session-{}.json", std::process::id()));
    h.state_mut().bench.data.periods = 33.0;
    // The file is written and read off the UI thread; the outcome appears when done.
    let idle = |a: &ChaosApp| !a.session_busy();
    h.state_mut().session_file_picked(true, &path);
    h.step();
    step_until(&mut h, Duration::from_secs(30), idle);
    h.step();
    h.get_by_label_contains("saved ");
    h.state_mut().bench.data.periods = 60.0;
    h.state_mut().session_file_picked(false, &path);
    step_until(&mut h, Duration::from_secs(30), idle);
    h.step();
    assert_eq!(h.state().bench.data.periods, 33.0);
    h.get_by_label_contains("opened ");
    let missing = path.with_extension("missing.json");
    h.state_mut().session_file_picked(false, &missing);
    step_until(&mut h, Duration::from_secs(30), idle);
    h.step();
    h.get_by_label_contains("could not read the session");
    assert_eq!(
        h.state().bench.data.periods,
        33.0,
        "a failed open changes nothing"
    );
}

/// The Views toggle opens the time series, Poincaré section and spectrum windows; the
/// section fills from the trail at once and keeps growing as the orbit runs, the
/// spectrum has its bins, and a pinned time marks the trail's point at that time.
#[test]
fn the_live_views_open_and_fill() {
    let mut h = harness();
    h.run_steps(2);
    h.get_by_label("Views").click();
    h.step();
    h.get_by_label("Time series").click();
    h.get_by_label("Poincaré section").click();
    h.get_by_label("Power spectrum").click();
    h.get_by_label("2-D projection").click();
    h.run_steps(3);
    let v = &h.state().views;
    assert!(v.time_series.open && v.poincare.open && v.spectrum.open && v.projection.open);
    // The projection shows x against z of the trail's newest point.
    let trail = h.state().live.trail();
    let newest = trail.last().expect("trail");
    let projected = v.projection.projected(&trail);
    assert_eq!(
        projected.last().copied(),
        Some([f64::from(newest[0]), f64::from(newest[2])])
    );
    // The plane through the mean of z: Lorenz's mean z is about 23.5 (ρ = 28).
    let z = v.poincare.value.expect("plane set from the mean");
    assert!((20.0..27.0).contains(&z), "z = {z}");
    let first = v.poincare.crossings().len();
    assert!(first > 3, "crossings from the opening trail: {first}");
    // Crossings of z = const upwards lie on Lorenz's two wings, |x| within (0, 20).
    assert!(
        v.poincare
            .crossings()
            .iter()
            .all(|p| p[0].abs() < 25.0 && p[1].abs() < 30.0)
    );
    // The spectrum covers the Nyquist range of the sampling.
    let nyquist = 0.5 / h.state().live.dt;
    let last = v.spectrum.spectrum.last().expect("spectrum computed")[0];
    assert!(
        (last - nyquist).abs() < 0.01 * nyquist,
        "{last} vs {nyquist}"
    );
    h.run_steps(600); // ten seconds at one period per second
    let later = h.state().views.poincare.crossings().len();
    assert!(later > first + 3, "{first} → {later}");
    h.get_by_label_contains("crossings");

    // Pin a time one unit before the newest sample: the marked point is the trail's
    // point at that time.
    let app = h.state_mut();
    let t = app.live.last_sample_time() - 1.0;
    app.views.time_series.pinned = Some(t);
    let trail = app.live.trail();
    let k = (1.0 / app.live.dt).round() as usize;
    let expected = trail[trail.len() - 1 - k];
    assert_eq!(
        app.views.time_series.marked_point(&app.live),
        Some(expected)
    );
    h.run_steps(2);
}

/// The orbit diagram runs in the background and fills column by column; a long run
/// can be cancelled from its window.
#[test]
fn an_orbit_diagram_fills_and_a_long_one_can_be_cancelled() {
    use chaoslab::app::views::orbit_diagram::OrbitStatus;
    let mut h = harness();
    h.run_steps(2);
    let logistic = chaoslab::systems::Catalog::builtin()
        .system("Logistic")
        .expect("Logistic");
    h.state_mut().switch_system(logistic);
    h.run_steps(2);
    h.get_by_label("Views").click();
    h.step();
    h.get_by_label("Orbit diagram").click();
    h.run_steps(2);
    {
        let o = h.state_mut().views.orbit.options.as_mut().expect("options");
        o.range = (2.9, 3.3);
        o.values = 40;
    }
    h.get_by_label("Compute orbit diagram").click();
    h.step();
    step_until(&mut h, Duration::from_secs(60), |a| {
        a.views.orbit.status == OrbitStatus::Done
    });
    let v = &h.state().views.orbit;
    assert_eq!(v.columns, 40);
    // 200 iterates per value below r = 3 sit on one point, above it on two: all kept.
    assert_eq!(v.points.len(), 40 * 200);
    assert!(v.points.iter().all(|p| (2.9..=3.3).contains(&p[0])));
    h.run_steps(2);
    h.get_by_label("40 values, 8000 points");

    // A run far too long to finish: cancel it.
    h.state_mut()
        .views
        .orbit
        .options
        .as_mut()
        .expect("options")
        .values = 4_000;
    h.state_mut()
        .views
        .orbit
        .options
        .as_mut()
        .expect("options")
        .transient = 1e6;
    h.get_by_label("Compute orbit diagram").click();
    h.step();
    h.step();
    h.get_by_label("Cancel orbit diagram").click();
    h.step();
    assert_eq!(h.state().views.orbit.status, OrbitStatus::Cancelled);
    h.run_steps(2);
    h.get_by_label_contains("cancelled after");
    assert!(!h.state().busy());
}

#[test]
fn the_export_menu_offers_models_forecasts_and_every_plot_on_screen() {
    let mut h = harness();
    h.run_steps(2);
    h.get_by_label("Export").click();
    h.run_steps(2);
    // Nothing fitted yet: the model exports are there but disabled.
    assert!(
        h.get_by_label("Fitted models (JSON)…")
            .accesskit_node()
            .is_disabled()
    );
    for plot in ["Window (PNG)…", "Eigenvalue plot (PNG)…", "3-D view (PNG)…"] {
        h.get_by_label(plot);
    }
    // At 2× the plots drawn again offscreen keep their labels; the whole window says
    // it stays at 1×.
    // The menu stays open while a resolution is picked.
    h.get_by_label("2×").click();
    h.run_steps(2);
    h.get_by_label("Window (PNG, 1×)…");
    h.get_by_label("3-D view (PNG)…");
    h.get_by_label("1×").click();
    h.run_steps(2);
    h.get_by_label("Window (PNG)…");
    h.key_press(egui::Key::Escape);
    h.run_steps(2);
    fit_dmd_and_wait(&mut h);
    h.run_steps(2);
    h.get_by_label("Export").click();
    h.run_steps(2);
    assert!(
        !h.get_by_label("Fitted models (JSON)…")
            .accesskit_node()
            .is_disabled()
    );
    assert!(
        !h.get_by_label("Forecasts (CSV)…")
            .accesskit_node()
            .is_disabled()
    );
}

#[test]
fn the_orbit_can_be_coloured_by_time_or_speed() {
    use chaoslab::render::ColourBy;
    let mut h = harness();
    h.run_steps(2);
    assert_eq!(h.state().colour_by, ColourBy::Solid);
    for (label, by) in [("speed", ColourBy::Speed), ("time", ColourBy::Time)] {
        h.get_by_label("colour by").click();
        h.run_steps(2);
        h.get_by_label(label).click();
        h.run_steps(2);
        assert_eq!(h.state().colour_by, by);
    }
}

/// "stretching" in the colour-by menu colours Lorenz's live trail point by point by its
/// local stretching: one value per trail point, spanning the whole colour map, from
/// rates of both signs whose mean is near the largest exponent (0.906), with the
/// legend line under the menu.
#[test]
fn the_orbit_can_be_coloured_by_local_stretching() {
    use chaoslab::render::ColourBy;
    let mut h = harness();
    h.run_steps(2);
    // Some time units of trail, so the mean settles (the window opens after 8 periods).
    h.state_mut().live.fast_forward(60.0);
    h.get_by_label("colour by").click();
    h.run_steps(2);
    h.get_by_label("stretching").click();
    h.run_steps(3);
    assert_eq!(h.state().colour_by, ColourBy::Stretching);
    let colours = h
        .state()
        .stretching_paint
        .last()
        .cloned()
        .expect("stretching colours");
    let trail = h.state().live.trail().len();
    assert!(trail > 5_000, "{trail}");
    assert_eq!(colours.values.len(), trail);
    assert!(!colours.cyclic);
    let below = colours.values.iter().filter(|&&v| v <= 0.0).count() as f64 / trail as f64;
    let above = colours.values.iter().filter(|&&v| v >= 1.0).count() as f64 / trail as f64;
    // 2 % at each clamped end (nearest-rank quantiles, so a little more with ties).
    assert!((0.015..0.05).contains(&below), "{below}");
    assert!((0.015..0.05).contains(&above), "{above}");
    let rates = h.state().live.stretching();
    assert!(rates.iter().any(|&r| r < -1.0) && rates.iter().any(|&r| r > 1.0));
    let range = h.state().stretching_paint.range().expect("range");
    assert!(range.low < 0.0 && range.high > 0.0, "{range:?}");
    assert!((range.mean - 0.906).abs() < 0.15, "{range:?}");
    let mean = number_after(&h, "(yellow); mean ");
    assert!((mean - f64::from(range.mean)).abs() < 1e-3, "{mean}");
    h.get_by_label_contains("stretching per time unit:");
}

#[test]
fn koopman_card_fits_kernel_edmd_and_shows_the_continuous_time_table() {
    let mut h = harness();
    h.run_steps(2);
    // The EDMD card: kernel dictionary with the Laplacian kernel, 40 functions, 2 delays.
    h.get_by_label("kernel").click();
    h.run_steps(2);
    h.get_by_label("Laplacian").click();
    replace_text(&mut h, "kernel functions", "40");
    replace_text(&mut h, "delays (1 = none)", "2");
    h.run_steps(2);
    h.get_by_label("Fit EDMD").click();
    h.step();
    let edmd = h.state().bench.index_of("EDMD").expect("card");
    step_until(&mut h, Duration::from_secs(120), |a| {
        !matches!(a.bench.cards[edmd].status, FitStatus::Running(_))
    });
    let FitStatus::Done(out) = &h.state().bench.cards[edmd].status else {
        panic!("fit did not succeed")
    };
    assert_eq!(out.model.family(), "kernel-edmd");
    let report = out.model.report();
    assert_eq!(report["dictionary"]["kind"], "delay");
    assert_eq!(report["dictionary"]["inner"]["kernel"], "laplacian");
    assert_eq!(report["delays"], 2);
    let n = out.model.spectrum().expect("spectral").eigenvalues.len();
    assert_eq!(n, 40);
    h.run_steps(3);
    // The continuous-time table, the ω toggle and the export buttons.
    h.get_by_label(&format!("continuous time ({n} eigenvalues)"));
    h.get_by_label("Export eigenvalues…");
    assert!(!h.state().continuous);
    h.get_by_label("ω = log λ/Δt").click();
    h.run_steps(2);
    assert!(h.state().continuous);
}

#[test]
fn a_resdmd_fit_draws_its_pseudospectrum_while_the_grid_fills_in() {
    let mut h = harness();
    h.run_steps(2);
    let edmd = h.state().bench.index_of("EDMD").expect("card");
    // Monomials of degree 4 (35 functions) on a 120 × 120 grid: seconds of work, so
    // the rows already computed can be seen before the fit ends.
    h.state_mut().bench.cards[edmd]
        .spec
        .set_settings(&serde_json::json!({"degree": 4, "pseudospectra": "grid", "grid": 120}))
        .expect("settings");
    h.run_steps(2);
    h.get_by_label("Fit EDMD").click();
    h.step();
    step_until(&mut h, Duration::from_secs(120), |a| {
        a.bench.cards[edmd]
            .pseudospectrum()
            .is_some_and(|(ps, partial)| {
                partial
                    && ps.log10_tau.iter().any(|v| v.is_finite())
                    && ps.log10_tau.iter().any(|v| v.is_nan())
            })
    });
    // Drawn while partial, with a line saying how far it has got.
    h.run_steps(2);
    h.get_by_label_contains("EDMD: pseudospectrum computing");
    h.get_by_label("Cancel EDMD").click();
    h.run_steps(2);
    assert!(matches!(
        h.state().bench.cards[edmd].status,
        FitStatus::Cancelled
    ));
}

#[test]
fn verified_only_forecasts_use_the_eigenpairs_under_epsilon() {
    let mut h = harness();
    h.run_steps(2);
    fit_dmd_and_wait(&mut h);
    h.run_steps(2);
    h.get_by_label("forecast with verified eigenpairs only")
        .click();
    // Every eigenpair under ε: the modal expansion is the model's own forecast, so both
    // VPTs agree.
    h.state_mut().epsilon = 10.0;
    h.run_steps(3);
    let f = h
        .state()
        .modal
        .forecasts
        .first()
        .cloned()
        .expect("a modal forecast");
    assert_eq!((f.card, f.kept), (0, f.total));
    assert!(
        (f.vpt - f.full_vpt).abs() < 1e-9,
        "{} vs {}",
        f.vpt,
        f.full_vpt
    );
    assert!(!f.points.is_empty());
    h.get_by_label_contains(&format!(
        "DMD: {0} of {0} eigenpairs verified, VPT",
        f.total
    ));
    // None under ε: no forecast, and the line says why.
    h.state_mut().epsilon = 1e-12;
    h.run_steps(3);
    let f = h
        .state()
        .modal
        .forecasts
        .first()
        .cloned()
        .expect("an entry");
    assert_eq!(f.kept, 0);
    assert!(f.points.is_empty());
    h.get_by_label_contains("no eigenpair has residual ≤ ε");
}

#[test]
fn the_side_by_side_view_shows_the_truth_and_each_free_run() {
    let mut h = harness();
    h.run_steps(2);
    h.get_by_label("Views").click();
    h.run_steps(2);
    h.get_by_label("Attractors side by side").click();
    h.run_steps(2);
    h.get_by_label_contains("Fit one or more models");
    fit_dmd_and_wait(&mut h);
    h.run_steps(3);
    let app = h.state_mut();
    let scenes = app.views.side_by_side.scenes(&app.bench, false);
    let titles: Vec<&str> = scenes.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(scenes.len(), 2, "{titles:?}");
    assert!(titles[0].starts_with("truth"), "{titles:?}");
    assert!(titles[1].starts_with("DMD: free run"), "{titles:?}");
    // The free run is as long as the held-out part it is compared with, and the model's
    // own exponent along it is reported: DMD's is ln of its largest |λ| per Δt, reached
    // slowly by the finite run when its moduli are close (within 0.01 per time unit, 1 %
    // of the true exponent, over the 1200-step run).
    let out = app.bench.cards[0].outcome().expect("fitted");
    let spec = out.model.spectrum().expect("spectrum");
    let largest = spec
        .eigenvalues
        .iter()
        .map(|l| l[0].hypot(l[1]))
        .fold(0.0, f64::max);
    let lambda = out.comparison.max_lyapunov.expect("DMD has a Jacobian");
    assert!(
        (lambda - largest.ln() / spec.dt).abs() < 0.01,
        "{lambda} vs {}",
        largest.ln() / spec.dt
    );
    assert_eq!(scenes[0].1.curves[0].points.len(), out.test.len());
    assert_eq!(scenes[1].1.curves[0].points.len(), out.test.len());
    // The metrics export carries the model's exponent beside the true one.
    let csv = chaoslab::app::metrics_table::to_csv(&h.state().bench, "test");
    let header: Vec<&str> = csv.lines().nth(1).expect("header").split(',').collect();
    let row: Vec<&str> = csv.lines().nth(2).expect("DMD row").split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let exported: f64 = row[at("max_lyapunov")].parse().expect("a number");
    assert!((exported - lambda).abs() < 1e-12);
    let truth: f64 = row[at("true_max_lyapunov")].parse().expect("a number");
    assert!((truth - 0.906).abs() < 0.05, "{truth}");
    h.run_steps(2);
    assert_eq!(
        h.get_all_by_label_contains("DMD: free run").count(),
        1,
        "the cell is titled"
    );
    // The small multiples take the central area in place of the live 3-D view, and a
    // button brings the live view back.
    let views = |h: &Harness<'_, ChaosApp>| {
        // Labelled as a note where no wgpu renderer is installed (this harness).
        [chaoslab::render::VIEW_LABEL, chaoslab::render::NO_WGPU_NOTE]
            .iter()
            .map(|label| h.query_all_by_label(label).count())
            .sum::<usize>()
    };
    assert_eq!(views(&h), 2, "truth and DMD, no live view");
    // The forecast-error plot fills the band of the longest VPT unless told otherwise.
    h.get_by_value("IQR: best (DMD)").click();
    h.run_steps(2);
    h.get_by_label("every model's").click();
    h.run_steps(2);
    h.get_by_value("IQR: all");
    // The legend is a row above the plot; a click hides a model's series and another
    // shows it again.
    let shown = |h: &Harness<'_, ChaosApp>| {
        h.get_by_label_contains("DMD: VPT")
            .accesskit_node()
            .toggled()
            .map(|t| t == egui::accesskit::Toggled::True)
    };
    assert_eq!(shown(&h), Some(true));
    h.get_by_label_contains("DMD: VPT").click();
    h.run_steps(2);
    assert_eq!(shown(&h), Some(false), "hidden after a click");
    h.get_by_label_contains("DMD: VPT").click();
    h.run_steps(2);
    assert_eq!(shown(&h), Some(true));
    h.get_by_label("Show the live orbit").click();
    h.run_steps(2);
    assert!(!h.state().views.side_by_side.open);
    assert_eq!(views(&h), 1, "the live view alone");
    assert!(h.state().views.side_by_side.rect.is_none());
}

#[test]
fn dmd_card_variant_reaches_the_fit() {
    let mut h = harness();
    h.run_steps(2);
    // The DMD card comes first; the Hankel DMD card has the same variant choice.
    h.get_all_by_label("tls")
        .next()
        .expect("DMD's variant")
        .click();
    h.run_steps(2);
    fit_dmd_and_wait(&mut h);
    let FitStatus::Done(out) = &h.state().bench.cards[0].status else {
        panic!("fit did not succeed")
    };
    assert_eq!(out.model.report()["dmd_variant"], "tls");
}

/// A preset can choose the orbit diagram's parameter; a name the system lacks is an
/// error that lists the ones it has. (The load-test preset under benches/ uses this.)
#[test]
fn a_preset_picks_the_orbit_diagrams_parameter() {
    use chaoslab::app::preset::Preset;
    let mut h = harness();
    h.run_steps(2);
    let text = include_str!("../../benches/presets/plrnn-and-orbit-diagram.json")
        .replace(r#""fit": ["PLRNN"],"#, r#""fit": [],"#);
    let preset = Preset::from_json(&text, "load test").expect("parses");
    h.state_mut().apply_preset(&preset).expect("applies");
    h.step();
    {
        let o = h.state().views.orbit.options.clone().expect("options");
        assert_eq!(o.parameter, "rho");
        assert_eq!(o.range, (20.0, 200.0));
        assert!(h.state().views.orbit.busy(), "the diagram runs");
    }
    h.state_mut().views.orbit.cancel();
    let wrong = text.replace(r#""orbit_parameter": "rho""#, r#""orbit_parameter": "r""#);
    let preset = Preset::from_json(&wrong, "typo").expect("parses");
    let err = format!(
        "{:#}",
        h.state_mut().apply_preset(&preset).expect_err("no r")
    );
    assert!(
        err.contains("'r' is not a parameter of Lorenz") && err.contains("rho"),
        "{err}"
    );
}

#[test]
fn a_clicked_eigenvalue_paints_its_eigenfunction_on_the_limit_cycle() {
    let mut h = harness();
    h.run_steps(2);
    let preset = chaoslab::app::preset::builtin()
        .into_iter()
        .find(|p| p.paint_eigenfunction.is_some())
        .expect("the Van der Pol preset paints an eigenfunction");
    h.state_mut().apply_preset(&preset).expect("applies");
    h.step();
    step_until(&mut h, Duration::from_secs(120), |a| !a.busy());
    h.run_steps(3);
    h.get_by_label_contains("EDMD: λ =");
    // Its Koopman mode is shown beside the painting.
    h.get_by_label_contains("mode: x: ");
    let colours = h
        .state()
        .eigen_paint
        .last()
        .cloned()
        .expect("painted colours");
    assert!(colours.cyclic, "the phase is painted");
    assert_eq!(colours.values.len(), h.state().live.trail().len());
    // On the limit cycle the eigenfunction of the cycle's frequency has |φ| constant and
    // a phase that winds once: every phase value occurs.
    let (lo, hi) = colours
        .values
        .iter()
        .fold((1.0f32, 0.0f32), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    assert!(lo < 0.05 && hi > 0.95, "phase range {lo}..{hi}");
    // The painted eigenfunction keeps precedence over colouring by stretching…
    h.state_mut().colour_by = chaoslab::render::ColourBy::Stretching;
    h.run_steps(2);
    assert!(h.state().stretching_paint.last().is_none());
    assert!(h.state().eigen_paint.last().is_some());
    h.get_by_label("clear").click();
    h.run_steps(2);
    assert_eq!(h.state().eigen_paint.selected, None);
    // …and the stretching colours take over once it is cleared.
    let stretching = h.state().stretching_paint.last().cloned().expect("colours");
    assert_eq!(stretching.values.len(), h.state().live.trail().len());
}

/// Sets PLRNN card settings (small, so the test trains in seconds) and returns its index.
fn small_plrnn(h: &mut Harness<'_, ChaosApp>, epochs: usize) -> usize {
    let i = h.state().bench.index_of("PLRNN").expect("card");
    let mut settings = h.state().bench.cards[i].spec.settings();
    settings["hidden"] = 16.into();
    settings["epochs"] = epochs.into();
    settings["seq_len"] = 40.into();
    settings["batch"] = 8.into();
    settings["eval_every"] = 2.into();
    h.state_mut().bench.cards[i]
        .spec
        .set_settings(&settings)
        .expect("valid settings");
    i
}

/// The PLRNN card while training streams the free run's scores and its orbit for the
/// 3-D view; the unclipped option reaches the model; a finished model finds its fixed
/// points on request and trains further with "Continue training".
#[test]
fn plrnn_card_trains_live_finds_fixed_points_and_continues() {
    // Tall enough that the fourth card (PLRNN) is on screen without scrolling.
    let mut h = harness_of_height(3000.0);
    h.run_steps(2);
    let i = small_plrnn(&mut h, 3000);
    h.get_by_label("Fit PLRNN").click();
    h.step();
    // Live: the training publishes a scored free run every 2 epochs.
    step_until(&mut h, Duration::from_secs(120), |a| {
        match &a.bench.cards[i].status {
            FitStatus::Running(p) => a.bench.cards[i].spec.live_orbit(p).is_some(),
            _ => false,
        }
    });
    h.run_steps(2);
    h.get_by_label_contains("free run D_stsp = ");
    let FitStatus::Running(p) = &h.state().bench.cards[i].status else {
        panic!("still training")
    };
    let (_, orbit) = h.state().bench.cards[i].spec.live_orbit(p).expect("orbit");
    assert!(orbit.len() > 1000, "{} points", orbit.len());
    h.get_by_label("Cancel PLRNN").click();
    h.run_steps(2);

    small_plrnn(&mut h, 4);
    h.run_steps(2);
    h.get_by_label("unclipped (plain shPLRNN)").click();
    h.run_steps(2);
    let report = click_and_wait_for_fit(&mut h, "Fit PLRNN", i);
    assert_eq!(report["nonlinearity"], "plain");
    assert_eq!(report["epochs"], 4);
    assert_eq!(report["metric_history"].as_array().map(Vec::len), Some(2));
    h.run_steps(2);
    h.get_by_label("Find fixed points").click();
    h.run_steps(2);
    h.get_by_label_contains("fixed point(s) found");

    let report = click_and_wait_for_fit(&mut h, "Continue training PLRNN", i);
    assert_eq!(report["epochs"], 8);
    assert_eq!(report["gradient_steps"], 400);
    assert_eq!(report["metric_history"].as_array().map(Vec::len), Some(4));
}

/// The PLRNN card's read-out choice reaches the model: "affine" with M = 2 < N = 3
/// trains (the identity read-out would refuse it), and the result names the read-out.
#[test]
fn plrnn_card_trains_with_the_affine_readout() {
    let mut h = harness_of_height(3000.0);
    h.run_steps(2);
    let i = small_plrnn(&mut h, 2);
    let mut settings = h.state().bench.cards[i].spec.settings();
    settings["latent"] = 2.into();
    h.state_mut().bench.cards[i]
        .spec
        .set_settings(&settings)
        .expect("valid settings");
    h.run_steps(2);
    h.get_by_label("affine").click();
    h.run_steps(2);
    assert_eq!(
        h.state().bench.cards[i].spec.settings()["readout"],
        "affine"
    );
    let report = click_and_wait_for_fit(&mut h, "Fit PLRNN", i);
    assert_eq!(report["readout"], "affine");
    assert_eq!(report["latent"], 2);
    h.run_steps(2);
    h.get_by_label_contains("affine read-out");
}
