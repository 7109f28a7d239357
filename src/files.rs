//! Writing files so that a failure never costs the previous file: everything goes into a
//! temporary file beside the destination, renamed into place only when complete; on any error
//! (unwritable folder, full disk, a cancelled export) the temporary file is removed and the
//! destination is untouched. The model save, the CSV save and the GIF export all write this way.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Writes `destination` through a `TemporaryFile`: `write` fills it, then it is synced and
/// renamed into place. Returns the file size. On any error nothing is left behind and an
/// existing `destination` keeps its contents.
pub fn write_atomically(
    destination: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> std::io::Result<u64> {
    let temporary = TemporaryFile::create_beside(destination)?;
    let mut out = BufWriter::new(temporary.file.try_clone()?);
    write(&mut out)?;
    out.flush()?;
    drop(out);
    temporary.commit(destination)
}

/// A file beside the destination that is deleted on drop unless committed (renamed into place).
pub(crate) struct TemporaryFile {
    path: PathBuf,
    /// The open temporary file.
    pub file: File,
    committed: bool,
}

impl TemporaryFile {
    /// Creates `.<name>.<pid>-<export number>.partial` in the destination's directory.
    pub(crate) fn create_beside(destination: &Path) -> std::io::Result<Self> {
        static EXPORTS: AtomicUsize = AtomicUsize::new(0);
        let name = destination.file_name().ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name")
        })?;
        let export_number = EXPORTS.fetch_add(1, Ordering::Relaxed);
        let mut temporary_name = std::ffi::OsString::from(".");
        temporary_name.push(name);
        temporary_name.push(format!(".{}-{export_number}.partial", std::process::id()));
        let path = destination.with_file_name(temporary_name);
        let file = File::create(&path)?;
        Ok(Self {
            path,
            file,
            committed: false,
        })
    }

    /// Syncs, renames onto `destination`, and returns the file size.
    pub(crate) fn commit(mut self, destination: &Path) -> std::io::Result<u64> {
        self.file.sync_all()?;
        let bytes = self.file.metadata()?.len();
        std::fs::rename(&self.path, destination)?;
        self.committed = true;
        Ok(bytes)
    }
}

impl Drop for TemporaryFile {
    fn drop(&mut self) {
        if !self.committed {
            // Best effort: the export already failed and reports that error.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
