//! Level lines of a function sampled on a regular grid, by marching squares (Lorensen &
//! Cline's marching cubes in two dimensions): each grid cell whose corners straddle the
//! level contributes one or two segments with end points linearly interpolated along
//! the cell's edges; segments are then chained into polylines through the edges they
//! share. Cells with a missing (`NaN`) corner are skipped, so a grid that is still
//! filling in gives the contours of the part already known.
//!
//! Used for the log10 τ contours of the ResDMD pseudospectrum in the eigenvalue plane.

use std::collections::HashMap;

/// A grid edge: horizontal from `(i, j)` to `(i + 1, j)`, or vertical from `(i, j)` to
/// `(i, j + 1)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Edge {
    Horizontal(usize, usize),
    Vertical(usize, usize),
}

/// Polylines (closed ones repeat their first point at the end) where the function with
/// values `values[j * nx + i]` at `(x(i), y(j))` crosses `level`.
pub fn contour_lines(
    values: &[f64],
    nx: usize,
    ny: usize,
    x: impl Fn(usize) -> f64,
    y: impl Fn(usize) -> f64,
    level: f64,
) -> Vec<Vec<[f64; 2]>> {
    if nx < 2 || ny < 2 || values.len() != nx * ny || !level.is_finite() {
        return Vec::new();
    }
    let v = |i: usize, j: usize| values[j * nx + i];
    // Where the level crosses an edge, by linear interpolation between its corners.
    let point = |e: Edge| -> [f64; 2] {
        let ((i0, j0), (i1, j1)) = match e {
            Edge::Horizontal(i, j) => ((i, j), (i + 1, j)),
            Edge::Vertical(i, j) => ((i, j), (i, j + 1)),
        };
        let (a, b) = (v(i0, j0), v(i1, j1));
        let t = if b == a { 0.5 } else { (level - a) / (b - a) };
        let t = t.clamp(0.0, 1.0);
        [x(i0) + t * (x(i1) - x(i0)), y(j0) + t * (y(j1) - y(j0))]
    };
    let mut segments: Vec<(Edge, Edge)> = Vec::new();
    for j in 0..ny - 1 {
        for i in 0..nx - 1 {
            let c = [v(i, j), v(i + 1, j), v(i + 1, j + 1), v(i, j + 1)];
            if c.iter().any(|c| !c.is_finite()) {
                continue;
            }
            let above = |k: usize| c[k] > level;
            let case = usize::from(above(0))
                | usize::from(above(1)) << 1
                | usize::from(above(2)) << 2
                | usize::from(above(3)) << 3;
            // Edges of the cell: bottom, right, top, left.
            let (bottom, right, top, left) = (
                Edge::Horizontal(i, j),
                Edge::Vertical(i + 1, j),
                Edge::Horizontal(i, j + 1),
                Edge::Vertical(i, j),
            );
            let centre_above = (c.iter().sum::<f64>() / 4.0) > level;
            match case {
                0 | 15 => {}
                1 | 14 => segments.push((left, bottom)),
                2 | 13 => segments.push((bottom, right)),
                3 | 12 => segments.push((left, right)),
                4 | 11 => segments.push((right, top)),
                6 | 9 => segments.push((bottom, top)),
                7 | 8 => segments.push((left, top)),
                // Saddles: the cell centre's value decides which corners connect.
                5 => {
                    if centre_above {
                        segments.push((left, top));
                        segments.push((bottom, right));
                    } else {
                        segments.push((left, bottom));
                        segments.push((right, top));
                    }
                }
                10 => {
                    if centre_above {
                        segments.push((left, bottom));
                        segments.push((right, top));
                    } else {
                        segments.push((left, top));
                        segments.push((bottom, right));
                    }
                }
                _ => unreachable!("four corners give sixteen cases"),
            }
        }
    }
    chain(&segments)
        .into_iter()
        .map(|edges| edges.into_iter().map(point).collect())
        .collect()
}

/// Joins segments that share an edge into chains of edges (an edge belongs to at most
/// two cells, so to at most two segments).
fn chain(segments: &[(Edge, Edge)]) -> Vec<Vec<Edge>> {
    let mut at: HashMap<Edge, Vec<usize>> = HashMap::new();
    for (k, (a, b)) in segments.iter().enumerate() {
        at.entry(*a).or_default().push(k);
        at.entry(*b).or_default().push(k);
    }
    let mut used = vec![false; segments.len()];
    let mut lines = Vec::new();
    // The segment other than `k` at edge `e`, if unused.
    let next = |e: Edge, k: usize, used: &[bool]| -> Option<usize> {
        at.get(&e)?.iter().copied().find(|&s| s != k && !used[s])
    };
    // Start open chains at edges with one segment (the grid's border or a gap), then
    // what is left is closed loops.
    let mut starts: Vec<usize> = (0..segments.len()).collect();
    starts.sort_by_key(|&k| {
        let (a, b) = segments[k];
        let ends = at
            .get(&a)
            .map_or(0, Vec::len)
            .min(at.get(&b).map_or(0, Vec::len));
        ends != 1
    });
    for start in starts {
        if used[start] {
            continue;
        }
        used[start] = true;
        let (a, b) = segments[start];
        // Begin from the free end when there is one.
        let (first, mut tail) = if at.get(&b).map_or(0, Vec::len) == 1 {
            (b, a)
        } else {
            (a, b)
        };
        let mut line = vec![first, tail];
        let mut k = start;
        while let Some(s) = next(tail, k, &used) {
            used[s] = true;
            let (p, q) = segments[s];
            tail = if p == tail { q } else { p };
            line.push(tail);
            k = s;
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(n: usize, r: f64) -> impl Fn(usize) -> f64 {
        move |i| -r + 2.0 * r * i as f64 / (n - 1) as f64
    }

    fn sample(n: usize, r: f64, f: impl Fn(f64, f64) -> f64) -> Vec<f64> {
        let g = grid(n, r);
        (0..n * n).map(|k| f(g(k % n), g(k / n))).collect()
    }

    #[test]
    fn the_level_line_of_the_modulus_is_one_closed_circle() {
        let n = 101;
        let values = sample(n, 1.2, |x, y| x.hypot(y));
        let lines = contour_lines(&values, n, n, grid(n, 1.2), grid(n, 1.2), 1.0);
        assert_eq!(lines.len(), 1);
        let line = &lines[0];
        assert_eq!(line.first(), line.last(), "closed");
        // Linear interpolation of a cone along grid edges is exact on the axes and
        // within h²/(2r) elsewhere (h = 0.024): points lie on the unit circle to 3e-4.
        for p in line {
            assert!((p[0].hypot(p[1]) - 1.0).abs() < 3e-4, "{p:?}");
        }
        // It goes all the way round: the enclosed area (shoelace) is π to 0.1 %.
        let area: f64 = line
            .windows(2)
            .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
            .sum::<f64>()
            .abs()
            / 2.0;
        assert!((area - std::f64::consts::PI).abs() < 3e-3, "{area}");
    }

    #[test]
    fn two_wells_give_two_loops_and_levels_outside_the_range_give_none() {
        let n = 81;
        let f = |x: f64, y: f64| ((x - 0.5).hypot(y)).min((x + 0.5).hypot(y));
        let values = sample(n, 1.0, f);
        let loops = contour_lines(&values, n, n, grid(n, 1.0), grid(n, 1.0), 0.3);
        assert_eq!(loops.len(), 2);
        for l in &loops {
            assert_eq!(l.first(), l.last());
            for p in l {
                assert!((f(p[0], p[1]) - 0.3).abs() < 2e-3, "{p:?}");
            }
        }
        assert!(contour_lines(&values, n, n, grid(n, 1.0), grid(n, 1.0), 5.0).is_empty());
        assert!(contour_lines(&values, n, n, grid(n, 1.0), grid(n, 1.0), -1.0).is_empty());
    }

    #[test]
    fn a_line_crossing_the_border_is_open_and_missing_rows_are_skipped() {
        let n = 21;
        // f = x: the level 0.15 is the vertical line x = 0.15, from the bottom border to
        // the top (a level between grid values, so no corner lies on it).
        let mut values = sample(n, 1.0, |x, _| x);
        let lines = contour_lines(&values, n, n, grid(n, 1.0), grid(n, 1.0), 0.15);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].len(), n);
        for p in &lines[0] {
            assert!((p[0] - 0.15).abs() < 1e-12);
        }
        // Rows 8–11 not computed yet (NaN): the line splits into the parts above and below.
        for v in &mut values[8 * n..12 * n] {
            *v = f64::NAN;
        }
        let lines = contour_lines(&values, n, n, grid(n, 1.0), grid(n, 1.0), 0.15);
        assert_eq!(lines.len(), 2);
        let points: usize = lines.iter().map(Vec::len).sum();
        assert_eq!(points, 8 + 9);
    }

    #[test]
    fn a_saddle_cell_connects_by_its_centre_value() {
        // Corners 1, 0, 1, 0 around the cell, centre 0.5: at level 0.4 the centre is
        // above, so the two high corners connect through the middle; at 0.6 they do not.
        let values = [1.0, 0.0, 0.0, 1.0];
        let at = |i: usize| i as f64;
        let high = contour_lines(&values, 2, 2, at, at, 0.4);
        let low = contour_lines(&values, 2, 2, at, at, 0.6);
        assert_eq!(high.len(), 2);
        assert_eq!(low.len(), 2);
        // At 0.4 the segments cut off the low corners (1,0) and (0,1).
        let near = |l: &Vec<[f64; 2]>, c: [f64; 2]| {
            l.iter()
                .all(|p| (p[0] - c[0]).abs() + (p[1] - c[1]).abs() <= 1.0)
        };
        assert!(high.iter().any(|l| near(l, [1.0, 0.0])));
        assert!(high.iter().any(|l| near(l, [0.0, 1.0])));
        assert!(low.iter().any(|l| near(l, [0.0, 0.0])));
        assert!(low.iter().any(|l| near(l, [1.0, 1.0])));
    }
}
