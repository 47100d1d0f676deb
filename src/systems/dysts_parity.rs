//! Parity with an independent implementation (test-only): chaoslab's compiled equations
//! against the dysts Python package (`dysts==0.96` from PyPI, whose data equal the
//! reference snapshot), evaluated by `tools/dysts_rhs_fixture.py` at three states per
//! system and committed as `testdata/dysts_rhs.json`.

use serde_json::Value;

use super::Catalog;

const FIXTURE: &str = include_str!("testdata/dysts_rhs.json");

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("fixture arrays")
        .iter()
        .map(|x| x.as_f64().expect("fixture numbers"))
        .collect()
}

/// Agreement to 1e-9 relative to the largest component of the vector: both sides
/// evaluate the same formulas in double precision, possibly in a different operation
/// order, so they differ by a few ulps of the largest term (a component that nearly
/// cancels can lose relative accuracy, hence the vector norm as the scale). A wrong
/// term or parameter is off by far more.
fn agree(what: &str, ours: &[f64], theirs: &[f64], failures: &mut Vec<String>) {
    let scale = theirs
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()))
        .max(1e-300);
    if ours.len() != theirs.len()
        || ours
            .iter()
            .zip(theirs)
            .any(|(a, b)| (a - b).abs() > 1e-9 * scale)
    {
        failures.push(format!("{what}: chaoslab {ours:?} vs dysts {theirs:?}"));
    }
}

#[test]
fn right_hand_sides_and_output_maps_match_dysts() {
    let fixture: Value = serde_json::from_str(FIXTURE).expect("fixture is JSON");
    let systems = fixture["systems"].as_object().expect("systems");
    let mut failures = Vec::new();
    let mut checked = 0;
    for info in Catalog::builtin().infos() {
        let Some(entry) = systems.get(&info.name) else {
            assert_eq!(info.name, "VanDerPol", "only VanDerPol is not in dysts");
            continue;
        };
        let sys = Catalog::builtin().system(&info.name).expect("loads");
        // The catalog's defaults are dysts' defaults, in dysts' positional order.
        assert_eq!(
            sys.packed,
            numbers(&entry["params"]),
            "{} params",
            info.name
        );
        for point in entry["points"].as_array().expect("points") {
            let x = numbers(&point["state"]);
            // Delay systems are evaluated at the pair [x(t), x(t − τ)] and give dx/dt.
            let out_len = if sys.kind() == super::Kind::Delay {
                1
            } else {
                sys.dim()
            };
            let mut f = vec![0.0; out_len];
            sys.rhs(&x, &mut f);
            agree(
                &format!("{} f({x:?})", info.name),
                &f,
                &numbers(&point["rhs"]),
                &mut failures,
            );
            if let Some(out) = point.get("output") {
                let mut f = vec![0.0; sys.observed_dim()];
                sys.observe(&x, &mut f);
                agree(
                    &format!("{} g({x:?})", info.name),
                    &f,
                    &numbers(out),
                    &mut failures,
                );
            } else {
                assert!(
                    !sys.has_output_map(),
                    "{} has no output map in dysts",
                    info.name
                );
            }
            checked += 1;
        }
    }
    assert_eq!(
        checked,
        3 * 158,
        "three states for each of the 158 dysts systems (135 flows, 23 maps)"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
