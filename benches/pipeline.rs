//! Criterion benchmarks of the pure pipeline stages on 1, 100 and 10,000 MCPServers from the
//! deterministic corpus (`examples/gen_servers/corpus.rs`), with an owners lock file for the
//! HTTP servers so the Services carry ownerReferences and no warning is raised.
//!
//! - `load+parse`: located documents, then the model (on rayon's threads);
//! - `validate`, `render`, `emit`: each stage on its own, on one thread;
//! - `pipeline`: what `mcp-render render` runs between reading stdin and writing stdout
//!   (`run::validate` + `run::stream`: pieces parsed and checked in parallel, servers rendered
//!   and serialised in parallel chunks).
//!
//! `cargo bench --bench pipeline` (a few minutes on two cores); one group:
//! `cargo bench --bench pipeline -- render/`; one thread: `RAYON_NUM_THREADS=1 cargo bench`.
//! End-to-end timings of the binary are in `scripts/bench.sh`; results in BENCHMARKS.md.

#[path = "../examples/gen_servers/corpus.rs"]
mod corpus;

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

use mcp_render::OwnerRefs;
use mcp_render::load::{self, Document};
use mcp_render::parse::owners::{Owners, parse_owners};
use mcp_render::parse::{self, ParseOptions};
use mcp_render::render::{self, Rendered};
use mcp_render::validate::{self, Validated};
use mcp_render::{Format, Limits, Options};
use mcp_render::{emit, run};

const SIZES: [usize; 3] = [1, 100, 10_000];

/// One corpus size, carried through every stage once so each benchmark starts from the
/// previous stage's real output.
struct Stages {
    count: usize,
    text: String,
    owners_file: std::path::PathBuf,
    source: load::Source,
    documents: Vec<Document>,
    owners: Owners,
    parsed: mcp_render::model::Parsed,
    valid: Validated,
    rendered: Rendered,
}

fn stages(count: usize) -> Stages {
    let limits = Limits::default();
    let text = corpus::yaml_stream(0..count);
    let source = load::decode("servers.yaml", text.clone().into_bytes())
        .unwrap_or_else(|d| panic!("corpus: {d}"));
    let owners_text = corpus::owners_lock(count);
    let owners_file = std::env::temp_dir().join(format!(
        "mcp-render-bench-owners-{count}-{}.lock",
        std::process::id()
    ));
    std::fs::write(&owners_file, &owners_text).unwrap_or_else(|e| panic!("{e}"));
    let owners_source = load::decode("owners.lock", owners_text.into_bytes())
        .unwrap_or_else(|d| panic!("corpus: {d}"));
    let owner_documents =
        load::parse_documents(&owners_source, &limits).unwrap_or_else(|d| panic!("corpus: {d}"));
    let (owners, diagnostics) = parse_owners(&owner_documents);
    assert!(diagnostics.is_empty(), "{diagnostics}");
    let documents =
        load::parse_documents(&source, &limits).unwrap_or_else(|d| panic!("corpus: {d}"));
    let (parsed, diagnostics) = parse::parse(&documents, &ParseOptions::default());
    assert!(diagnostics.is_empty(), "{diagnostics}");
    let (valid, diagnostics) =
        validate::validate(parsed.clone(), &documents, &owners, OwnerRefs::Auto);
    assert!(diagnostics.is_empty(), "{diagnostics}");
    let valid = valid.unwrap_or_else(|| panic!("corpus is invalid"));
    let rendered =
        render::render(&valid, &owners, OwnerRefs::Auto).unwrap_or_else(|e| panic!("{e}"));
    Stages {
        count,
        text,
        owners_file,
        source,
        documents,
        owners,
        parsed,
        valid,
        rendered,
    }
}

/// Few samples for the big corpus, so `cargo bench` stays within minutes on two cores.
fn configure(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    count: usize,
) {
    group.throughput(Throughput::Elements(count as u64));
    if count >= 10_000 {
        group.sample_size(10);
        group.warm_up_time(Duration::from_secs(1));
        group.measurement_time(Duration::from_secs(8));
    } else {
        group.sample_size(30);
        group.warm_up_time(Duration::from_millis(500));
        group.measurement_time(Duration::from_secs(3));
    }
}

fn benches(c: &mut Criterion) {
    for count in SIZES {
        let s = stages(count);
        let limits = Limits::default();
        let options = ParseOptions::default();

        let mut group = c.benchmark_group("load+parse");
        configure(&mut group, count);
        group.bench_function(BenchmarkId::from_parameter(s.count), |b| {
            // The stage takes its sources: each run gets a copy, made outside the timing.
            b.iter_batched(
                || vec![s.source.clone()],
                |sources| {
                    let (documents, _) = load::parse_sources(black_box(sources), &limits);
                    parse::parse(&documents, &options)
                },
                BatchSize::LargeInput,
            )
        });
        group.finish();

        let mut group = c.benchmark_group("validate");
        configure(&mut group, count);
        group.bench_function(BenchmarkId::from_parameter(s.count), |b| {
            b.iter_batched(
                || s.parsed.clone(),
                |parsed| validate::validate(parsed, &s.documents, &s.owners, OwnerRefs::Auto),
                BatchSize::LargeInput,
            )
        });
        group.finish();

        let mut group = c.benchmark_group("render");
        configure(&mut group, count);
        group.bench_function(BenchmarkId::from_parameter(s.count), |b| {
            b.iter(|| render::render(black_box(&s.valid), &s.owners, OwnerRefs::Auto))
        });
        group.finish();

        let mut group = c.benchmark_group("emit");
        configure(&mut group, count);
        group.bench_function(BenchmarkId::from_parameter(s.count), |b| {
            b.iter(|| emit::to_yaml(black_box(&s.rendered)).unwrap_or_else(|e| panic!("{e}")))
        });
        group.finish();

        let mut group = c.benchmark_group("pipeline");
        configure(&mut group, count);
        let run_options = Options {
            owners: vec![s.owners_file.clone()],
            ..Options::default()
        };
        group.bench_function(BenchmarkId::from_parameter(s.count), |b| {
            b.iter(|| {
                let valid = run::validate(&run_options, &mut s.text.as_bytes())
                    .unwrap_or_else(|d| panic!("{d}"));
                run::stream(valid, Format::Yaml).unwrap_or_else(|e| panic!("{e}"))
            })
        });
        group.finish();
        let _ = std::fs::remove_file(&s.owners_file);
    }
}

criterion_group!(pipeline, benches);
criterion_main!(pipeline);
