//! The one directory walker: input folders (`load`) and the output folder (`emit::dir`) are
//! both read with it, so a symbolic link means the same thing everywhere.
//!
//! [`walkdir`] in sorted order, never following a symbolic link found inside the tree (a
//! link named as the root, on the command line, is followed): a link back to a parent can
//! neither hang a render nor make it read the same file again and again.

use std::path::Path;

use walkdir::WalkDir;

/// Every entry below `root` (not `root` itself), parents before children, siblings sorted by
/// name; links inside the tree are entries, never followed.
pub fn below(root: &Path) -> WalkDir {
    WalkDir::new(root)
        .min_depth(1)
        .follow_links(false)
        .follow_root_links(true)
        .sort_by_file_name()
}
