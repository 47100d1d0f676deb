//! The delay equations on the command line: the ten-column embedding, the history
//! setting, the right-hand side at `(x(t), x(t − τ))` and the largest exponent.

use crate::common::{fails_with, json, tmp};

/// With `dt = τ/90` the embedding's column `k` at sample `i` is the first column ten·k
/// samples earlier: the recorded columns really are `x(t − kτ/9)`, read from one
/// solution.
#[test]
fn the_embedding_columns_are_the_lagged_solution() {
    let out = tmp("mackey.csv");
    let dt = 16.0 / 90.0;
    json(&[
        "simulate",
        "--system",
        "MackeyGlass",
        "--t-end",
        "100",
        "--dt",
        &dt.to_string(),
        "--out",
        out.to_str().expect("utf-8 path"),
        "--json",
    ]);
    let text = std::fs::read_to_string(&out).expect("written");
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    assert_eq!(header, "t,x0,x1,x2,x3,x4,x5,x6,x7,x8,x9");
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|v| v.parse().expect("number")).collect())
        .collect();
    assert!(rows.len() > 500);
    for i in [200usize, 377, 450] {
        for k in 1..10 {
            let lagged = rows[i][1 + k];
            let earlier = rows[i - 10 * k][1];
            assert!(
                (lagged - earlier).abs() < 1e-9,
                "row {i} column {k}: {lagged} vs {earlier}"
            );
        }
    }
}

#[test]
fn rhs_takes_the_current_and_the_delayed_value() {
    // IkedaDelay at dysts' defaults c = 1, mu = -20, x0 = 0.
    let v = json(&[
        "rhs",
        "--system",
        "IkedaDelay",
        "--state",
        "0.5,1.0",
        "--json",
    ]);
    let f = v["rhs"][0].as_f64().expect("number");
    let exact = -20.0 * 1.0f64.sin() - 0.5;
    assert!((f - exact).abs() < 1e-12, "{f} vs {exact}");
    fails_with(
        &["rhs", "--system", "IkedaDelay", "--state", "1,2,3"],
        "give --state x(t),x(t-tau)",
    );
}

#[test]
fn lyapunov_reports_the_largest_exponent_only() {
    for history in ["constant", "embedding"] {
        let v = json(&[
            "lyapunov",
            "--system",
            "MackeyGlass",
            "--param",
            "tau=17",
            "--history",
            history,
            "--no-dimension",
            "--json",
        ]);
        let ex = v["exponents"].as_array().expect("array");
        assert_eq!(ex.len(), 1);
        let l = ex[0].as_f64().expect("number");
        assert!(l > 0.004 && l < 0.008, "{history}: λ = {l}");
        assert!(v["kaplan_yorke"].is_null(), "{v}");
    }
}

#[test]
fn history_setting_is_checked() {
    fails_with(
        &["simulate", "--system", "MackeyGlass", "--history", "flat"],
        "choose constant",
    );
    fails_with(
        &["simulate", "--system", "Lorenz", "--history", "constant"],
        "delay equations only",
    );
    fails_with(
        &["simulate", "--system", "MackeyGlass", "--param", "tau=-1"],
        "tau",
    );
}
