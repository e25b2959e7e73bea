//! Refusing an output folder that overlaps the inputs, which the render would read back.

use std::path::{Component, Path, PathBuf};

/// Refuses an output directory that is, or lies inside, an input directory (or contains an
/// input file): the render would read its own output back as input. Returns the reason.
pub fn overlaps_inputs(dir: &Path, inputs: &[PathBuf]) -> Option<String> {
    let out = absolute(dir)?;
    for input in inputs.iter().filter(|i| i.as_os_str() != "-") {
        let Some(input_abs) = absolute(input) else {
            continue;
        };
        if out.starts_with(&input_abs) || input_abs.starts_with(&out) {
            return Some(format!(
                "the output directory {} overlaps the input {}: the render would read its own output; keep the rendered folder outside the inputs",
                dir.display(),
                input.display()
            ));
        }
    }
    None
}

/// An absolute, normalised form of `path`: the longest existing ancestor is canonicalised
/// (symbolic links resolved), the rest appended lexically.
fn absolute(path: &Path) -> Option<PathBuf> {
    let joined = std::env::current_dir().ok()?.join(path);
    let mut lexical = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::ParentDir => {
                lexical.pop();
            }
            Component::CurDir => {}
            other => lexical.push(other),
        }
    }
    let mut existing = lexical.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(canonical) = existing.canonicalize() {
            let mut out = canonical;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return Some(out);
        }
        rest.push(existing.file_name()?.to_os_string());
        existing = existing.parent()?;
    }
}
