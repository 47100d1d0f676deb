//! Printing a coefficient matrix as equations: takes `Ξ` (`n × p`), the feature names
//! and the state names, and produces one line per state variable.
//!
//! The default format is PySINDy 2.1's `SINDy.print` byte for byte (spec §7.1): each
//! term is the coefficient with a space sign flag and `precision` decimals, a space and
//! the feature name; terms that round to zero at that precision are omitted; terms are
//! joined by `" + "` (so `+ -0.998 y` appears); an empty right-hand side prints
//! ` 0.000`; the line reads `(x)' = …`. The pretty form merges signs (`- 0.998 y`).

/// PySINDy's default number of decimals.
pub const DEFAULT_PRECISION: usize = 3;

/// `c` rounded to `precision` decimals is zero (numpy's `round`, half to even).
fn rounds_to_zero(c: f64, precision: usize) -> bool {
    (c * 10f64.powi(precision as i32)).round_ties_even() == 0.0
}

/// PySINDy's `f"{c: .{precision}f}"`: a leading space for non-negative numbers.
fn space_signed(c: f64, precision: usize) -> String {
    let s = format!("{c:.precision$}");
    if s.starts_with('-') {
        s
    } else {
        format!(" {s}")
    }
}

/// The right-hand sides in PySINDy 2.1's format, one string per row of `coef`.
pub fn pysindy_rhs(coef: &[Vec<f64>], features: &[String], precision: usize) -> Vec<String> {
    coef.iter()
        .map(|row| {
            let terms: Vec<String> = row
                .iter()
                .zip(features)
                .filter(|(c, _)| !rounds_to_zero(**c, precision))
                .map(|(c, name)| format!("{} {name}", space_signed(*c, precision)))
                .collect();
            if terms.is_empty() {
                space_signed(0.0, precision)
            } else {
                terms.join(" + ")
            }
        })
        .collect()
}

/// Whole lines `(x)' = <rhs>` in PySINDy 2.1's format.
pub fn pysindy_lines(
    coef: &[Vec<f64>],
    features: &[String],
    states: &[String],
    precision: usize,
) -> Vec<String> {
    pysindy_rhs(coef, features, precision)
        .into_iter()
        .zip(states)
        .map(|(rhs, name)| format!("({name})' = {rhs}"))
        .collect()
}

/// Readable lines with merged signs: `x' = -10.000 x + 10.000 y`; a constant term is
/// written without its `1`.
pub fn pretty_lines(
    coef: &[Vec<f64>],
    features: &[String],
    states: &[String],
    precision: usize,
) -> Vec<String> {
    coef.iter()
        .zip(states)
        .map(|(row, state)| {
            let mut out = String::new();
            for (c, name) in row.iter().zip(features) {
                if rounds_to_zero(*c, precision) {
                    continue;
                }
                let mag = format!("{:.precision$}", c.abs());
                let body = if name == "1" {
                    mag
                } else {
                    format!("{mag} {name}")
                };
                if out.is_empty() {
                    out = if *c < 0.0 { format!("-{body}") } else { body };
                } else {
                    out.push_str(if *c < 0.0 { " - " } else { " + " });
                    out.push_str(&body);
                }
            }
            if out.is_empty() {
                out = format!("{:.precision$}", 0.0);
            }
            format!("{state}' = {out}")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn lorenz_lines_match_pysindy_byte_for_byte() {
        // The v2.1.0 output quoted in spec §7.1 (double spaces from the sign flag).
        let features = s(&["1", "x", "y", "z", "x^2", "x y", "x z", "y^2", "y z", "z^2"]);
        let mut coef = vec![vec![0.0; 10]; 3];
        coef[0][1] = -9.99916502;
        coef[0][2] = 9.99916232;
        coef[1][1] = 27.99241663;
        coef[1][2] = -0.99755872;
        coef[1][6] = -0.99978456;
        coef[2][3] = -2.66636211;
        coef[2][5] = 0.99988419;
        coef[2][0] = 0.0004; // rounds to zero at 3 decimals: omitted
        let lines = pysindy_lines(&coef, &features, &s(&["x", "y", "z"]), 3);
        assert_eq!(
            lines,
            [
                "(x)' = -9.999 x +  9.999 y",
                "(y)' =  27.992 x + -0.998 y + -1.000 x z",
                "(z)' = -2.666 z +  1.000 x y",
            ]
        );
        let pretty = pretty_lines(&coef, &features, &s(&["x", "y", "z"]), 3);
        assert_eq!(pretty[1], "y' = 27.992 x - 0.998 y - 1.000 x z");
        let empty = pysindy_rhs(&[vec![0.0; 10]], &features, 3);
        assert_eq!(empty, [" 0.000"]);
    }
}
