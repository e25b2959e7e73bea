//! Writes the Rust table of the MCPServer CRD (`src/parse/crd/table.rs`) from ToolHive's CRD
//! file:
//!
//! ```sh
//! cargo run --example generate-crd-table -- \
//!     ../shared/upstream/toolhive-v0.44.0/toolhive.stacklok.dev_mcpservers.yaml v0.44.0 \
//!     > src/parse/crd/table.rs
//! ```

use std::process::ExitCode;

use mcp_render::parse::crd::generate;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [file, version] = args.as_slice() else {
        eprintln!("usage: generate-crd-table CRD_FILE TOOLHIVE_VERSION > src/parse/crd/table.rs");
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("{file}: {e}");
            return ExitCode::from(2);
        }
    };
    match generate::load(&text) {
        Ok(crd) => {
            for message in generate::unimplemented_rules(&crd) {
                eprintln!(
                    "warning: {file}: no implementation of the CEL rule \"{message}\" (add it to RULES in src/parse/crd.rs)"
                );
            }
            print!("{}", generate::rust_source(&crd, version));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{file}: {e}");
            ExitCode::from(2)
        }
    }
}
