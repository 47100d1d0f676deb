//! `chaoslab compare` on the Lorenz set-up: SINDy's forecast lasts longest.

use crate::common::json;

/// Lorenz with dysts' parameters at 100 points per period, 125 periods split 80/20:
/// 10 001 clean training points. SINDy (order-8 finite differences) recovers the
/// equations to four digits, so its median VPT over 20 held-out starts passes 10
/// Lyapunov times (measured 12.3; order-4 differences gave 5.2); DMD fails within one
/// Lyapunov time; every model has its numbers, PE(20) included.
#[test]
fn sindy_forecasts_lorenz_for_ten_lyapunov_times() {
    let v = json(&[
        "compare",
        "--system",
        "Lorenz",
        "--models",
        "sindy,dmd",
        "--periods",
        "125",
        "--points-per-period",
        "100",
        "--json",
    ]);
    assert_eq!(v["train_samples"], 10_001);
    let models = v["models"].as_array().expect("array");
    assert_eq!(models.len(), 2);
    for m in models {
        assert!(m["error"].is_null(), "{m}");
        for key in [
            "vpt_lyapunov_times",
            "smape",
            "d_stsp",
            "d_h",
            "pe20",
            "fit_seconds",
        ] {
            assert!(m[key].is_number(), "{}: {key} is {}", m["model"], m[key]);
        }
    }
    let vpt = |i: usize| models[i]["vpt_lyapunov_times"].as_f64().expect("number");
    assert_eq!(models[0]["model"], "sindy");
    assert!(vpt(0) >= 10.0, "SINDy VPT {}", vpt(0));
    assert!(vpt(1) < 1.0, "DMD VPT {}", vpt(1));
    // SINDy's 20-step error is at the integrator's level; DMD's is of order one.
    assert!(models[0]["pe20"].as_f64().expect("number") < 1e-6);
    assert!(models[1]["pe20"].as_f64().expect("number") > 0.1);
}
