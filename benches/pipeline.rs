//! Criterion benchmarks of the pure pipeline stages on 1, 100 and 10,000 MCPServers from the
//! deterministic corpus (`examples/gen_servers/corpus.rs`), with an owners lock file for the
//! HTTP servers so the Services carry ownerReferences and no warning is raised.
//!
//! `cargo bench --bench pipeline` (a few minutes on two cores); one stage:
//! `cargo bench --bench pipeline -- render/`. End-to-end timings of the binary are in
//! `scripts/bench.sh`; results and the machine are in BENCHMARKS.md.

#[path = "../examples/gen_servers/corpus.rs"]
mod corpus;

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

use mcp_render::emit;
use mcp_render::load::{self, Document, Limits};
use mcp_render::parse::owners::{Owners, parse_owners};
use mcp_render::parse::{self, ParseOptions};
use mcp_render::render::{self, Rendered};
use mcp_render::validate::{self, OwnerRefs, Validated};

const SIZES: [usize; 3] = [1, 100, 10_000];

/// One corpus size, carried through every stage once so each benchmark starts from the
/// previous stage's real output.
struct Stages {
    count: usize,
    source: load::Source,
    documents: Vec<Document>,
    owners: Owners,
    parsed: mcp_render::model::Parsed,
    valid: Validated,
    rendered: Rendered,
}

fn stages(count: usize) -> Stages {
    let limits = Limits::default();
    let source = load::decode("servers.yaml", corpus::yaml_stream(0..count).into_bytes())
        .unwrap_or_else(|d| panic!("corpus: {d}"));
    let owners_source = load::decode("owners.lock", corpus::owners_lock(count).into_bytes())
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
    let rendered = render::render(&valid, &owners, OwnerRefs::Auto);
    Stages {
        count,
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
            b.iter(|| {
                let documents = load::parse_documents(black_box(&s.source), &limits)
                    .unwrap_or_else(|d| panic!("{d}"));
                parse::parse(&documents, &options)
            })
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
    }
}

criterion_group!(pipeline, benches);
criterion_main!(pipeline);
