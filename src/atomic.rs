//! Replacing one file atomically: the only way this crate writes a single file.

use std::io::Write;
use std::path::Path;

/// Replaces `path` with `bytes` in one rename (a temporary sibling renamed over it), so a
/// failed or killed run never leaves half a file, and a symbolic link at `path` is replaced,
/// never written through. `mode` is the file's Unix permission bits (ignored elsewhere).
pub fn write_file_atomically(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".mcp-render-")
        .tempfile_in(parent)?;
    temp.write_all(bytes)?;
    set_mode(temp.as_file(), mode)?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(unix)]
fn set_mode(file: &std::fs::File, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_file: &std::fs::File, _mode: u32) -> std::io::Result<()> {
    Ok(())
}
