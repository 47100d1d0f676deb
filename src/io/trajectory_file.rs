//! Trajectory files. CSV: header `t,<state names>`, one row per sample. NPY: a
//! `samples × dim` little-endian f64 array (no time column; the sidecar has `dt`).
//! Both get a sidecar `<file>.provenance.json` with the provenance and `dt`.

use std::path::Path;

use anyhow::{Context, bail};
use npyz::WriterBuilder;

use super::write_atomic;
use crate::data::{Provenance, Trajectory};

/// Writes `traj` as CSV or NPY (by extension) plus its provenance sidecar.
pub fn write_trajectory(path: &Path, traj: &Trajectory) -> anyhow::Result<()> {
    let ext = extension(path);
    let bytes = match ext.as_str() {
        "csv" => csv_bytes(traj)?,
        "npy" => npy_bytes(traj)?,
        other => bail!("cannot write '.{other}' files: give the output a .csv or .npy extension"),
    };
    write_atomic(path, &bytes)?;
    let sidecar = serde_json::json!({
        "dt": traj.dt(),
        "t0": traj.t0(),
        "state_names": traj.names(),
        "samples": traj.len(),
        "provenance": traj.provenance,
    });
    let side_path = sidecar_path(path);
    write_atomic(
        &side_path,
        serde_json::to_string_pretty(&sidecar)
            .context("serialising provenance")?
            .as_bytes(),
    )
}

fn sidecar_path(path: &Path) -> std::path::PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".provenance.json");
    s.into()
}

fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

fn csv_bytes(traj: &Trajectory) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["t".to_string()];
    header.extend(traj.names().iter().cloned());
    w.write_record(&header)?;
    let mut record = Vec::with_capacity(traj.dim() + 1);
    for k in 0..traj.len() {
        record.clear();
        record.push(format!("{}", traj.time(k)));
        record.extend(traj.row(k).iter().map(|v| format!("{v}")));
        w.write_record(&record)?;
    }
    w.into_inner().context("finishing the CSV")
}

fn npy_bytes(traj: &Trajectory) -> anyhow::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut writer = npyz::WriteOptions::<f64>::new()
        .default_dtype()
        .shape(&[traj.len() as u64, traj.dim() as u64])
        .writer(&mut buf)
        .begin_nd()?;
    writer.extend(traj.samples().iter().copied())?;
    writer.finish()?;
    Ok(buf)
}

/// Reads a trajectory from CSV or NPY.
///
/// CSV: a header row is detected by non-numeric cells; a first column named `t` or
/// `time` gives the times, which must be uniformly spaced (within 1e-6 relative);
/// otherwise `dt` comes from `dt_override` or the sidecar, else 1. NPY: f64 or f32,
/// 1-D (one variable) or 2-D (`samples × dim`).
pub fn read_trajectory(path: &Path, dt_override: Option<f64>) -> anyhow::Result<Trajectory> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).with_context(|| format!("could not read '{shown}'"))?;
    let sidecar_dt = std::fs::read_to_string(sidecar_path(path))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v.get("dt").and_then(|d| d.as_f64()));
    parse_trajectory(&bytes, &extension(path), &shown, dt_override, sidecar_dt)
}

/// Parses a trajectory file's bytes as [`read_trajectory`] does: `ext` (`csv`, `txt` or
/// `npy`) picks the parser, `shown` names the file in errors; the step is `dt_override`,
/// else the time column's, else `sidecar_dt`, else 1.
pub fn parse_trajectory(
    bytes: &[u8],
    ext: &str,
    shown: &str,
    dt_override: Option<f64>,
    sidecar_dt: Option<f64>,
) -> anyhow::Result<Trajectory> {
    let (names, times, samples) = match ext {
        "csv" | "txt" => parse_csv(bytes, shown)?,
        "npy" => parse_npy(bytes, shown)?,
        other => bail!("cannot read '.{other}' files: give a .csv or .npy file"),
    };
    let dim = names.len();
    let len = samples.len() / dim;
    if len < 2 {
        bail!("'{shown}' has {len} sample(s); at least 2 rows are needed to fit a model");
    }
    if let Some(i) = samples.iter().position(|v| !v.is_finite()) {
        bail!(
            "'{shown}' has a non-finite value (NaN or inf) in row {}, column '{}'; remove or fill those rows",
            i / dim + 1,
            names[i % dim]
        );
    }
    let dt = match (dt_override, &times) {
        (Some(dt), _) => dt,
        (None, Some(t)) => uniform_step(t, shown)?,
        (None, None) => sidecar_dt.unwrap_or(1.0),
    };
    if !(dt.is_finite() && dt > 0.0) {
        bail!("the time step must be positive, got {dt}");
    }
    let t0 = times.as_ref().map(|t| t[0]).unwrap_or(0.0);
    Ok(Trajectory::new(
        names,
        t0,
        dt,
        samples,
        Provenance::file(shown),
    ))
}

fn uniform_step(t: &[f64], shown: &str) -> anyhow::Result<f64> {
    let dt = (t[t.len() - 1] - t[0]) / (t.len() - 1) as f64;
    for (k, w) in t.windows(2).enumerate() {
        if ((w[1] - w[0]) - dt).abs() > 1e-6 * dt.abs().max(1e-300) {
            bail!(
                "'{shown}' is not uniformly sampled: rows {} and {} are {} apart, the mean step is {dt}; resample the data to a fixed step",
                k + 1,
                k + 2,
                w[1] - w[0]
            );
        }
    }
    Ok(dt)
}

type Parsed = (Vec<String>, Option<Vec<f64>>, Vec<f64>);

/// Picks the delimiter from the first non-empty line: the most frequent of `,`, `;` and
/// tab; `None` when the line has none of them (then columns are split on whitespace).
fn sniff_delimiter(bytes: &[u8]) -> Option<u8> {
    let line = bytes
        .split(|&b| b == b'\n')
        .find(|l| l.iter().any(|b| !b.is_ascii_whitespace()))?;
    [b',', b';', b'\t']
        .into_iter()
        .map(|d| (line.iter().filter(|&&b| b == d).count(), d))
        .filter(|(n, _)| *n > 0)
        .max_by_key(|(n, _)| *n)
        .map(|(_, d)| d)
}

fn parse_csv(bytes: &[u8], shown: &str) -> anyhow::Result<Parsed> {
    // Whitespace-separated text (as written by numpy.savetxt) becomes comma-separated.
    let normalised;
    let (bytes, delimiter) = match sniff_delimiter(bytes) {
        Some(d) => (bytes, d),
        None => {
            normalised = String::from_utf8_lossy(bytes)
                .lines()
                .map(|l| l.split_whitespace().collect::<Vec<_>>().join(","))
                .collect::<Vec<_>>()
                .join("\n");
            (normalised.as_bytes(), b',')
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let mut rows = reader.records();
    let first = match rows.next() {
        Some(r) => r.with_context(|| format!("'{shown}' is not valid CSV"))?,
        None => bail!("'{shown}' is empty"),
    };
    let numeric = |s: &str| s.parse::<f64>().is_ok() || s.eq_ignore_ascii_case("nan");
    let has_header = first.iter().any(|c| !numeric(c));
    let width = first.len();
    let mut header: Vec<String> = if has_header {
        first.iter().map(|s| s.to_string()).collect()
    } else {
        (0..width).map(|i| format!("x{i}")).collect()
    };
    let time_col = has_header
        && header
            .first()
            .is_some_and(|h| h.eq_ignore_ascii_case("t") || h.eq_ignore_ascii_case("time"));
    let mut values = Vec::new();
    let mut push_row = |rec: &csv::StringRecord, line: usize| -> anyhow::Result<()> {
        if rec.len() != width {
            bail!(
                "'{shown}' line {line} has {} fields, the first row has {width}; every row needs the same number of columns",
                rec.len()
            );
        }
        for (j, cell) in rec.iter().enumerate() {
            let v: f64 = cell.parse().map_err(|_| {
                anyhow::anyhow!(
                    "'{shown}' line {line}, column {}: '{cell}' is not a number",
                    j + 1
                )
            })?;
            values.push(v);
        }
        Ok(())
    };
    if !has_header {
        push_row(&first, 1)?;
    }
    for (i, rec) in rows.enumerate() {
        let rec = rec.with_context(|| format!("'{shown}' is not valid CSV"))?;
        push_row(&rec, i + 2)?;
    }
    if !time_col {
        return Ok((header, None, values));
    }
    if width < 2 {
        bail!("'{shown}' has only a time column; add at least one state column");
    }
    header.remove(0);
    let times = values.iter().step_by(width).copied().collect();
    let states = values
        .chunks_exact(width)
        .flat_map(|r| r[1..].iter().copied())
        .collect();
    Ok((header, Some(times), states))
}

fn parse_npy(bytes: &[u8], shown: &str) -> anyhow::Result<Parsed> {
    let npy =
        npyz::NpyFile::new(bytes).with_context(|| format!("'{shown}' is not a valid .npy file"))?;
    let shape = npy.shape().to_vec();
    let fortran = npy.order() == npyz::Order::Fortran;
    let type_str = npy.dtype().descr();
    let data: Vec<f64> = if type_str.contains("f8") {
        npy.into_vec::<f64>()?
    } else if type_str.contains("f4") {
        npy.into_vec::<f32>()?.into_iter().map(f64::from).collect()
    } else {
        bail!("'{shown}' holds {type_str} values; chaoslab reads float64 or float32 arrays");
    };
    let (rows, cols) = match shape.as_slice() {
        [n] => (*n as usize, 1),
        [n, d] => (*n as usize, *d as usize),
        other => {
            bail!("'{shown}' has shape {other:?}; give a 1-D or 2-D array (samples × variables)")
        }
    };
    if cols == 0 {
        bail!("'{shown}' has no columns");
    }
    let data = if fortran && cols > 1 {
        (0..rows)
            .flat_map(|i| (0..cols).map(move |j| (i, j)))
            .map(|(i, j)| data[j * rows + i])
            .collect()
    } else {
        data
    };
    Ok(((0..cols).map(|i| format!("x{i}")).collect(), None, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("chaoslab-io-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir.join(name)
    }

    fn sample() -> Trajectory {
        let samples = (0..50)
            .flat_map(|k| [k as f64 * 0.1, (k as f64).sin()])
            .collect();
        Trajectory::new(
            vec!["u".into(), "v".into()],
            0.0,
            0.25,
            samples,
            Provenance::file("x"),
        )
    }

    #[test]
    fn csv_and_npy_round_trip() {
        for name in ["a.csv", "a.npy"] {
            let p = tmp(name);
            write_trajectory(&p, &sample()).expect("writes");
            let back = read_trajectory(&p, None).expect("reads");
            assert_eq!(back.samples(), sample().samples());
            assert_eq!(back.dt(), 0.25);
        }
    }

    #[test]
    fn delimiters_and_headerless_files_are_detected() {
        let p = tmp("semi.csv");
        std::fs::write(&p, "time;u;v\n0;1;2\n0.5;3;4\n1.0;5;6\n").expect("write");
        let t = read_trajectory(&p, None).expect("semicolons");
        assert_eq!(
            (t.names(), t.dt(), t.row(2)),
            (
                &["u".to_string(), "v".to_string()][..],
                0.5,
                &[5.0, 6.0][..]
            )
        );
        let p = tmp("plain.txt");
        std::fs::write(&p, "1.0  2.0\n3.0\t4.0\n  5 6\n").expect("write");
        let t = read_trajectory(&p, Some(0.1)).expect("whitespace, no header");
        assert_eq!((t.names().len(), t.len(), t.dt()), (2, 3, 0.1));
        assert_eq!(t.row(1), &[3.0, 4.0]);
    }

    #[test]
    fn bad_csv_gets_a_message_with_the_line() {
        let p = tmp("bad.csv");
        std::fs::write(&p, "t,x\n0,1\n1,oops\n").expect("write");
        let err = read_trajectory(&p, None).expect_err("bad");
        assert!(err.to_string().contains("line 3"), "{err}");
        std::fs::write(&p, "t,x\n0,1\n1,2,3\n").expect("write");
        let err = read_trajectory(&p, None).expect_err("ragged");
        assert!(err.to_string().contains("same number of columns"), "{err}");
        std::fs::write(&p, "t,x\n0,1\n1,2\n3,3\n").expect("write");
        let err = read_trajectory(&p, None).expect_err("non-uniform");
        assert!(err.to_string().contains("not uniformly sampled"), "{err}");
    }
}
