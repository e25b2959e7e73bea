//! Writes a deterministic benchmark corpus of MCPServers (see `corpus.rs` for what is in it).
//!
//! ```text
//! cargo run --release --example gen_servers -- --count 10000 --out servers.yaml
//! cargo run --release --example gen_servers -- --count 10000 --per-file 1 --out servers/
//! cargo run --release --example gen_servers -- --count 10000 --owners owners.lock
//! ```
//!
//! With `--per-file 1` every server gets its own file, `<out>/<namespace>/<name>.yaml`, the
//! layout of an Argo CD monorepo; with `--per-file N > 1` the servers go in numbered files of
//! N each; without it everything is one stream. The same arguments always write the same bytes.

#[path = "corpus.rs"]
mod corpus;

use std::path::{Path, PathBuf};

use clap::Parser;

/// Write a deterministic corpus of MCPServers for benchmarks.
#[derive(Debug, Parser)]
struct Args {
    /// How many MCPServers.
    #[arg(long)]
    count: usize,
    /// Where to write: a file (one stream), or a directory with `--per-file`.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Servers per file: 1 writes `<out>/<namespace>/<name>.yaml`, more writes
    /// `<out>/part-NNNNNN.yaml` files of that many servers.
    #[arg(long, value_name = "N")]
    per_file: Option<usize>,
    /// Also write an owners lock file with a UID for every HTTP server's StatefulSet.
    #[arg(long, value_name = "FILE")]
    owners: Option<PathBuf>,
}

fn main() -> std::io::Result<()> {
    let args = Args::parse();
    match (&args.out, args.per_file) {
        (Some(dir), Some(per_file)) => write_split(dir, args.count, per_file.max(1))?,
        (Some(file), None) => write(file, &corpus::yaml_stream(0..args.count))?,
        (None, _) => print!("{}", corpus::yaml_stream(0..args.count)),
    }
    if let Some(owners) = &args.owners {
        write(owners, &corpus::owners_lock(args.count))?;
    }
    Ok(())
}

fn write_split(dir: &Path, count: usize, per_file: usize) -> std::io::Result<()> {
    let mut start = 0;
    while start < count {
        let end = (start + per_file).min(count);
        let path = if per_file == 1 {
            dir.join(corpus::namespace(start))
                .join(format!("{}.yaml", corpus::name(start)))
        } else {
            dir.join(format!("part-{:06}.yaml", start / per_file))
        };
        write(&path, &corpus::yaml_stream(start..end))?;
        start = end;
    }
    Ok(())
}

/// Writes one file (and its folder); errors name the path.
fn write(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| {
            std::io::Error::new(e.kind(), format!("creating {}: {e}", parent.display()))
        })?;
    }
    std::fs::write(path, text)
        .map_err(|e| std::io::Error::new(e.kind(), format!("writing {}: {e}", path.display())))
}
