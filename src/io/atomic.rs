//! Atomic file writes: the data go to a temporary file beside the target, which is then
//! renamed over it, so a crash or a full disk never leaves a half-written file.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    StagedWrite::stage(path, bytes)?.commit()
}

/// A write whose data sit, complete and synced, in a temporary file beside the target
/// until [`StagedWrite::commit`] renames it over the target. Dropped uncommitted, it
/// removes the temporary file and leaves the target as it was.
#[derive(Debug)]
pub struct StagedWrite {
    tmp: PathBuf,
    target: PathBuf,
}

impl StagedWrite {
    /// Writes `bytes` to the temporary file `.<name>.tmp<pid>` in `path`'s folder.
    pub fn stage(path: &Path, bytes: &[u8]) -> anyhow::Result<StagedWrite> {
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = path
            .file_name()
            .with_context(|| format!("'{}' is not a file path", path.display()))?;
        let staged = StagedWrite {
            tmp: dir.join(format!(
                ".{}.tmp{}",
                name.to_string_lossy(),
                std::process::id()
            )),
            target: path.to_path_buf(),
        };
        let written = (|| -> std::io::Result<()> {
            let mut f = std::fs::File::create(&staged.tmp)?;
            f.write_all(bytes)?;
            f.sync_all()
        })();
        written.with_context(|| format!("could not write '{}'", path.display()))?;
        Ok(staged)
    }

    /// The temporary file holding the data.
    pub fn temp_path(&self) -> &Path {
        &self.tmp
    }

    /// Renames the temporary file over the target.
    pub fn commit(self) -> anyhow::Result<()> {
        let renamed = std::fs::rename(&self.tmp, &self.target);
        renamed.with_context(|| format!("could not write '{}'", self.target.display()))
        // Drop then removes the temporary file if the rename failed.
    }
}

impl Drop for StagedWrite {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.tmp);
    }
}
