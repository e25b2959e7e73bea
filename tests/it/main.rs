//! The one integration test crate (one binary to link, as ripgrep keeps it): each module is
//! one subject, and every test goes through the code path the binary runs, either the built
//! `mcp-render` binary ([`util::mcp_render`]) or the library entry points it calls
//! ([`mcp_render::render`], [`mcp_render::plan_dir`]).

mod util;

mod cli;
mod crd_table;
mod first_hour;
mod gitops;
mod hardening;
mod impact;
mod incremental;
mod krm;
mod parallel;
mod parity;
mod properties;
mod proxy_fields;
mod quiet;
mod service_accounts;
mod snapshots;
mod yaml11_safety;
