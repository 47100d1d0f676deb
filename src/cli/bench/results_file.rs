//! The benchmark's `results.csv`: one line per [`BenchRow`], appended as each row
//! finishes so that a killed run leaves a readable file, and read back on restart.
//!
//! Every record is exactly one line written with one `write_all` (reasons have their
//! line breaks replaced), so a kill can only leave a last line without its newline; on
//! restart that line, and any line that does not parse, is dropped and the file is
//! rewritten atomically (temporary file, then rename) before new rows are appended.
//! Duplicate rows (same system, seed, model and settings) keep their first copy.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, bail};

use crate::eval::benchmark::{BenchRow, BenchSettings};

/// The identity of a row: system, seed, model, settings.
pub type RowKey = (String, u64, String, String);

/// The key of `row`.
pub fn row_key(row: &BenchRow) -> RowKey {
    (
        row.system.clone(),
        row.seed,
        row.model.clone(),
        row.settings.clone(),
    )
}

/// The header line (field names of [`BenchRow`] in order), without the newline.
pub fn header_line() -> String {
    let blank = crate::eval::benchmark::failed_case_row("", 0, "", &BenchSettings::default(), "");
    let mut w = csv::WriterBuilder::new()
        .has_headers(true)
        .from_writer(Vec::new());
    w.serialize(&blank).expect("a row serialises");
    let bytes = w.into_inner().expect("writing to memory cannot fail");
    let text = String::from_utf8_lossy(&bytes);
    text.lines().next().unwrap_or_default().to_string()
}

/// `row` as one CSV line, newline included.
pub fn row_line(row: &BenchRow) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.serialize(row).expect("a row serialises");
    w.into_inner().expect("writing to memory cannot fail")
}

/// What an existing results file held.
pub struct Loaded {
    /// Rows that parsed, first copy of each key, in file order.
    pub rows: Vec<BenchRow>,
    /// Lines dropped: a truncated last line, unparsable lines, duplicates.
    pub dropped: usize,
}

/// Reads `path` (a missing or empty file holds no rows). Fails when the header is not
/// this version's.
pub fn load(path: &Path) -> anyhow::Result<Loaded> {
    let text = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let mut loaded = Loaded {
        rows: Vec::new(),
        dropped: 0,
    };
    if text.trim().is_empty() {
        return Ok(loaded);
    }
    // A last line without its newline was cut by a kill.
    let complete = match text.rfind('\n') {
        Some(i) => &text[..=i],
        None => "",
    };
    if complete.len() < text.len() {
        loaded.dropped += 1;
    }
    let mut lines = complete.lines();
    let header = lines.next().unwrap_or_default();
    if header.is_empty() {
        // Only a truncated header was written.
        return Ok(loaded);
    }
    if header != header_line() {
        bail!(
            "{} is not a results file of this chaoslab version (its header is '{}'); give another --out or move that file away",
            path.display(),
            header.chars().take(80).collect::<String>()
        );
    }
    let mut seen = HashSet::new();
    for line in lines {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(line.as_bytes());
        match reader.deserialize::<BenchRow>().next() {
            Some(Ok(row)) if seen.insert(row_key(&row)) => loaded.rows.push(row),
            _ => loaded.dropped += 1,
        }
    }
    Ok(loaded)
}

/// Writes `rows` under the header to `path` atomically (temporary file, then rename).
pub fn rewrite(path: &Path, rows: &[BenchRow]) -> anyhow::Result<()> {
    let tmp = temp_path(path);
    let mut text = header_line().into_bytes();
    text.push(b'\n');
    for r in rows {
        text.extend(row_line(r));
    }
    std::fs::write(&tmp, &text).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("replacing {} with {}", path.display(), tmp.display()))?;
    Ok(())
}

fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    path.with_file_name(name)
}

/// An open results file that rows are appended to, one whole line per write.
pub struct Appender {
    file: Mutex<File>,
    path: PathBuf,
}

impl Appender {
    /// Opens `path` for appending, writing the header first when the file is empty.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("opening {} for appending", path.display()))?;
        let empty = file
            .metadata()
            .with_context(|| format!("reading {}", path.display()))?
            .len()
            == 0;
        if empty {
            file.write_all(format!("{}\n", header_line()).as_bytes())
                .with_context(|| format!("writing {}", path.display()))?;
        }
        Ok(Self {
            file: Mutex::new(file),
            path: path.to_path_buf(),
        })
    }

    /// Appends `row` as one line and flushes it to the file.
    pub fn append(&self, row: &BenchRow) -> anyhow::Result<()> {
        let line = row_line(row);
        // A poisoned lock only means another thread panicked mid-write of its own row;
        // the file handle itself is still usable.
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        file.write_all(&line)
            .and_then(|_| file.flush())
            .with_context(|| format!("appending to {}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::benchmark::failed_case_row;

    #[test]
    fn a_truncated_last_line_and_duplicates_are_dropped() {
        let dir = std::env::temp_dir().join(format!("chaoslab-results-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("r.csv");
        let _ = std::fs::remove_file(&path);
        let s = BenchSettings::default();
        let a = failed_case_row("A", 0, "dmd", &s, "why, with \"quotes\"\nand a break");
        let b = failed_case_row("B", 1, "dmd", &s, "");
        let app = Appender::open(&path).expect("opens");
        app.append(&a).expect("appends");
        app.append(&b).expect("appends");
        app.append(&a).expect("appends");
        drop(app);
        let mut bytes = std::fs::read(&path).expect("reads");
        let line = row_line(&b);
        bytes.extend_from_slice(&line[..line.len() / 2]);
        std::fs::write(&path, bytes).expect("writes");
        let loaded = load(&path).expect("loads");
        assert_eq!(loaded.rows, vec![a.clone(), b]);
        assert_eq!(loaded.dropped, 2, "the duplicate and the cut line");
        assert_eq!(loaded.rows[0].reason, "why, with \"quotes\" and a break");
        rewrite(&path, &loaded.rows).expect("rewrites");
        let again = load(&path).expect("loads");
        assert_eq!((again.rows.len(), again.dropped), (2, 0));
    }
}
