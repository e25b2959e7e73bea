//! The parallel, streaming pipeline (`run::validate` + `run::stream`, what `mcp-render render`
//! runs) gives exactly what the plain stage-by-stage pipeline gives, byte for byte and
//! diagnostic for diagnostic, whatever the number of threads: for one big stream (cut into
//! pieces at document starts), for many files, for warnings, for errors, for syntax errors
//! (a source is parsed again whole) and for collisions (placed with the locations parse
//! recorded, the documents long gone).

#[path = "../../examples/gen_servers/corpus.rs"]
mod corpus;

use std::path::{Path, PathBuf};

use mcp_render::parse::owners::{Owners, parse_owners};
use mcp_render::parse::{self, ParseOptions};
use mcp_render::{Diagnostic, Diagnostics, Format, Limits, Options, PieceSize};
use mcp_render::{emit, load, render, run, validate};

const THREADS: [usize; 4] = [1, 2, 3, 8];

/// The reference: every stage in turn, on one thread, each source parsed whole.
fn reference(options: &Options, stdin: &[u8], format: Format) -> Result<String, Vec<Diagnostic>> {
    let (sources, mut diagnostics) =
        load::read_sources(&options.inputs, &mut &stdin[..], &options.limits);
    let mut documents = Vec::new();
    for source in &sources {
        match load::parse_documents(source, &options.limits) {
            Ok(docs) => documents.extend(docs),
            Err(d) => diagnostics.push(d),
        }
    }
    let owners = if options.owners.is_empty() {
        Owners::default()
    } else {
        let (owner_sources, found) =
            load::read_sources(&options.owners, &mut &stdin[..], &options.limits);
        diagnostics.extend(found);
        let mut owner_documents = Vec::new();
        for source in &owner_sources {
            match load::parse_documents(source, &options.limits) {
                Ok(docs) => owner_documents.extend(docs),
                Err(d) => diagnostics.push(d),
            }
        }
        let (owners, found) = parse_owners(&owner_documents);
        diagnostics.extend(found);
        owners
    };
    let parse_options = ParseOptions {
        default_namespace: options.namespace.clone(),
        accounts: options.accounts.clone(),
        crd: options.crd,
        strict: options.strict,
        platform: options.platform,
    };
    let (parsed, found) = parse::parse_sequential(&documents, &parse_options);
    diagnostics.extend(found);
    let (valid, found) = validate::validate(parsed, &documents, &owners, options.owner_refs);
    diagnostics.extend(found);
    match valid {
        Some(valid) if !diagnostics.has_errors() => {
            let rendered = render::render(&valid, &owners, options.owner_refs)
                .unwrap_or_else(|e| panic!("{e}"));
            Ok(emit::to_format(&rendered, format).unwrap_or_else(|e| panic!("{e}")))
        }
        _ => Err(diagnostics.into_sorted()),
    }
}

/// What the command runs, on `threads` threads; warnings are part of the result.
fn pipeline(
    options: &Options,
    stdin: &[u8],
    format: Format,
    threads: usize,
) -> Result<(String, Vec<Diagnostic>), Vec<Diagnostic>> {
    pool(threads).install(|| {
        let valid = run::validate(options, &mut &stdin[..]).map_err(Diagnostics::into_sorted)?;
        let warnings = valid.warnings.clone().into_sorted();
        let stream = run::stream(valid.clone(), format).unwrap_or_else(|e| panic!("{e}"));
        let text = stream.into_string();
        // Written out window by window, as the binary writes stdout: the same bytes for any
        // window size (1: every server on its own; 7: windows that do not divide the input).
        for window in [1, 7] {
            let mut chunks = Vec::new();
            run::write_stream_in(valid.clone(), format, &mut chunks, window)
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(chunks.concat() == text, "windows of {window}: other bytes");
        }
        Ok((text, warnings))
    })
}

/// A pool of `threads` threads: what `MCP_RENDER_THREADS` gives the binary.
fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Runs the pipeline on every thread count and checks it against the reference; returns
/// the reference result.
fn assert_same(options: &Options, stdin: &[u8], format: Format) -> Result<String, Vec<Diagnostic>> {
    let expected = reference(options, stdin, format);
    let mut first_warnings = None;
    for threads in THREADS {
        let got = pipeline(options, stdin, format, threads);
        match (&expected, &got) {
            (Ok(text), Ok((got, warnings))) => {
                assert!(
                    text == got,
                    "{threads} threads: the output differs from the reference ({} vs {} bytes)",
                    got.len(),
                    text.len()
                );
                // Warnings do not depend on the thread count either.
                assert_eq!(
                    first_warnings.get_or_insert_with(|| warnings.clone()),
                    warnings
                );
            }
            (Err(want), Err(got)) => {
                assert_eq!(got, want, "{threads} threads: different diagnostics")
            }
            _ => panic!(
                "{threads} threads: reference {:?}, pipeline {:?}",
                expected.as_ref().map(String::len),
                got.as_ref().map(|(t, _)| t.len())
            ),
        }
    }
    expected
}

/// A scratch directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("mcp-render-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        Scratch(dir)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        path
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn one_big_stream_renders_the_same_bytes_on_any_number_of_threads() {
    // 300 servers are about 350 KB: big enough to be cut into pieces.
    let servers = corpus::yaml_stream(0..300);
    assert!(servers.len() > 2 * 128 * 1024, "too small to be cut");
    let scratch = Scratch::new("big-stream");
    // More UIDs than servers: a lock file over 64 KiB, which is read on its own thread.
    let owners_text = corpus::owners_lock(3000);
    assert!(owners_text.len() > 64 * 1024);
    let owners = scratch.write("owners.lock", &owners_text);
    let options = Options {
        owners: vec![owners],
        ..Options::default()
    };
    let text = assert_same(&options, servers.as_bytes(), Format::Yaml)
        .unwrap_or_else(|d| panic!("corpus is invalid: {d:?}"));
    assert!(text.starts_with("---\napiVersion: v1\nkind: ServiceAccount\n"));
    assert_same(&options, servers.as_bytes(), Format::Json)
        .unwrap_or_else(|d| panic!("corpus is invalid: {d:?}"));
}

#[test]
fn directory_renders_are_the_same_files_on_any_number_of_threads() {
    let mut servers = corpus::yaml_stream(0..300);
    servers.push_str("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: team-01}\ndata: {a: b}\n");
    let valid = pool(1)
        .install(|| run::validate(&Options::default(), &mut servers.as_bytes()))
        .unwrap_or_else(|d| panic!("{d}"));
    let rendered = render::render(&valid.valid, &valid.owners, valid.owner_refs)
        .unwrap_or_else(|e| panic!("{e}"));
    let expected = emit::dir::plan(&rendered).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        expected.len(),
        300 + 2,
        "one file per server, the ConfigMap, the index"
    );
    for threads in THREADS {
        let files = pool(threads)
            .install(|| run::plan_dir_files(valid.clone()))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(files == expected, "{threads} threads: different files");
    }
}

#[test]
fn many_files_render_the_same_bytes_on_any_number_of_threads() {
    let scratch = Scratch::new("many-files");
    for i in 0..150 {
        let name = format!("servers/{}/{}.yaml", corpus::namespace(i), corpus::name(i));
        scratch.write(&name, &corpus::yaml_stream(i..i + 1));
    }
    // Without owners: one summary line for all the HTTP servers.
    let options = Options {
        inputs: vec![scratch.path().join("servers")],
        ..Options::default()
    };
    assert_same(&options, b"", Format::Yaml).unwrap_or_else(|d| panic!("{d:?}"));
    let (_, warnings) =
        pipeline(&options, b"", Format::Yaml, 2).unwrap_or_else(|d| panic!("{d:?}"));
    // One summary line about owners, and no owner warning per server (the other warnings,
    // stdio, NodePort, v1alpha1, are per object and tested where they are made).
    let owners: Vec<_> = warnings
        .iter()
        .filter(|w| w.message.contains("ownerReferences"))
        .collect();
    assert_eq!(owners.len(), 1, "{owners:?}");
    assert!(
        owners[0]
            .message
            .contains("MCPServers with an HTTP transport")
    );
    assert!(owners[0].location.is_none());
    // With an owners file that names none of them: every HTTP server warns, on its own
    // piece, and the warnings do not depend on the thread count either.
    scratch.write("owners.yaml", "apiVersion: v1\nkind: List\nitems: []\n");
    let options = Options {
        owners: vec![scratch.path().join("owners.yaml")],
        ..options
    };
    assert_same(&options, b"", Format::Yaml).unwrap_or_else(|d| panic!("{d:?}"));
    let (_, warnings) =
        pipeline(&options, b"", Format::Yaml, 2).unwrap_or_else(|d| panic!("{d:?}"));
    assert!(
        warnings.len() > 50,
        "expected owner warnings, got {warnings:?}"
    );
}

#[test]
fn errors_are_the_same_on_any_number_of_threads() {
    // Invalid names, a bad env variable and a missing image, spread over a big stream.
    let mut text = corpus::yaml_stream(0..300);
    text = text.replacen("name: fetch-", "name: Fetch_", 3);
    text = text.replacen("- name: GITHUB_0", "- name: 0GITHUB", 2);
    text = text.replacen(
        "image: ghcr.io/example/time-mcp",
        "image: ' '\n  x-image: a",
        1,
    );
    let err = assert_same(&Options::default(), text.as_bytes(), Format::Yaml)
        .expect_err("the input has errors");
    assert!(err.len() >= 6, "{err:?}");
}

#[test]
fn collisions_are_reported_the_same_way() {
    // The same server twice, far apart; and a ConfigMap-free Service that takes the name of
    // a rendered one.
    let mut text = corpus::yaml_stream(0..300);
    text.push_str("---\n");
    text.push_str(&corpus::yaml_stream(5..6));
    let err = assert_same(&Options::default(), text.as_bytes(), Format::Yaml)
        .expect_err("the input has a collision");
    assert!(err.iter().any(|d| d.message.contains("twice")), "{err:?}");
    let mut text = corpus::yaml_stream(0..300);
    let http = (0..300)
        .find(|&i| corpus::transport(i) != "stdio")
        .unwrap_or_else(|| panic!("no HTTP server in the corpus"));
    text.push_str(&format!(
        "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: mcp-{}\n  namespace: {}\nspec:\n  ports: [{{port: 80}}]\n",
        corpus::name(http),
        corpus::namespace(http)
    ));
    let err = assert_same(&Options::default(), text.as_bytes(), Format::Yaml)
        .expect_err("the input has a collision");
    assert!(err.iter().any(|d| d.message.contains("twice")), "{err:?}");
}

#[test]
fn thousands_of_servers_are_sorted_and_checked_the_same_on_any_number_of_threads() {
    // Over 2,000 servers, and over 2,000 claims of names: rayon sorts a slice of more than
    // 2,000 on several threads, so validation's sorts (the claims, the output order) are put
    // together from parts sorted apart. Small servers, in namespaces far from sorted order.
    let server = |i: usize| {
        format!(
            "---\napiVersion: toolhive.stacklok.dev/v1beta1\nkind: MCPServer\nmetadata: {{name: s-{i:04}, namespace: ns-{:02}}}\nspec: {{image: 'example/s:1', transport: sse}}\n",
            (i * 37) % 50
        )
    };
    let servers: String = (0..2_100).map(server).collect();
    let options = Options {
        owner_refs: mcp_render::OwnerRefs::Omit,
        ..Options::default()
    };
    let text = assert_same(&options, servers.as_bytes(), Format::Yaml)
        .unwrap_or_else(|d| panic!("invalid input: {d:?}"));
    assert_eq!(text.matches("\nkind: StatefulSet\n").count(), 2_100);
    // Three servers defined again, far apart: each is one error, the same whoever sorts.
    let again: String = [5, 1_000, 2_050].into_iter().map(server).collect();
    let err = assert_same(
        &options,
        format!("{servers}{again}").as_bytes(),
        Format::Yaml,
    )
    .expect_err("the input has servers defined twice");
    let twice = err
        .iter()
        .filter(|d| d.message.contains("is defined twice"));
    assert_eq!(twice.count(), 3, "{err:?}");
}

#[test]
fn a_syntax_error_late_in_a_big_stream_is_the_sequential_error() {
    let mut text = corpus::yaml_stream(0..300);
    text.push_str("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n");
    let err = assert_same(&Options::default(), text.as_bytes(), Format::Yaml)
        .expect_err("the input has a syntax error");
    assert_eq!(err.len(), 1, "{err:?}");
}

/// A source (cut into pieces, or not when `cut` is false) parses into exactly the documents
/// and errors of the whole: given in memory (kept whole for an error) and as a file (let go
/// once cut, and read again for an error).
fn assert_cut_parses_like_whole(text: &str, cut: bool) {
    let limits = Limits {
        pieces: SMALL_PIECES,
        ..Limits::default()
    };
    let in_memory =
        load::decode("input.yaml", text.as_bytes().to_vec()).unwrap_or_else(|d| panic!("{d}"));
    let scratch = Scratch::new(&format!("cut-{}", text.len()));
    let path = scratch.write("input.yaml", text);
    let (from_file, read) = load::read_sources(&[path], &mut std::io::empty(), &limits);
    assert!(read.is_empty(), "{read}");
    for source in std::iter::once(in_memory).chain(from_file) {
        let pieces = pool(1).install(|| {
            let (pieces, _) = load::map_pieces(vec![source.clone()], &limits, |_| ());
            pieces.len()
        });
        assert_eq!(pieces > 1, cut, "{pieces} pieces");
        let whole = load::parse_documents(&source, &limits);
        for threads in [1, 8] {
            let (documents, diagnostics) =
                pool(threads).install(|| load::parse_sources(vec![source.clone()], &limits));
            match &whole {
                Ok(expected) => {
                    assert!(diagnostics.is_empty(), "{threads}: {diagnostics}");
                    assert_eq!(documents.len(), expected.len(), "{threads} threads");
                    for (got, want) in documents.iter().zip(expected) {
                        assert_eq!(
                            (&got.source, got.index, &got.root),
                            (&want.source, want.index, &want.root),
                            "{threads} threads"
                        );
                    }
                }
                Err(expected) => {
                    assert!(documents.is_empty(), "{threads} threads");
                    assert_eq!(diagnostics.into_sorted(), vec![expected.clone()]);
                }
            }
        }
    }
}

/// Pieces small enough that a few kilobytes are cut into many (the default is 128 KiB to
/// 256 KiB): the same cutting, in milliseconds.
const SMALL_PIECES: PieceSize = PieceSize {
    min_bytes: 256,
    max_bytes: 1024,
};

/// `block` repeated until the text is big enough to be cut into several [`SMALL_PIECES`].
fn repeated(block: &str) -> String {
    block.repeat((3 * 1024) / block.len() + 1)
}

#[test]
fn cutting_at_document_starts_is_exact() {
    // Plain documents, comments after `---`, empty documents and `...` ends.
    assert_cut_parses_like_whole(
        &repeated("--- # a comment\na: 1\nb: [x, y]\n---\n...\n---\nc: {d: e}\n"),
        true,
    );
    // Windows line endings, and lone carriage returns (line breaks too, for the marks).
    assert_cut_parses_like_whole(&repeated("---\r\na: 1\r\nb: \"x\ry\"\r\n"), true);
    // A top-level block scalar whose text sits at column 0: `---` ends it.
    assert_cut_parses_like_whole(&repeated("--- |\nline\n---\nk: |\n  text\n"), true);
    // `---x` and ` ---` are not document starts.
    assert_cut_parses_like_whole(&repeated("---\nk: v\n---x: 1\n ---: 2\n"), true);
    // Anchors and aliases stay within their documents.
    assert_cut_parses_like_whole(&repeated("---\nbase: &b {x: 1}\nuse: *b\n"), true);
    // A directive anywhere: the source is not cut (a `%TAG` applies to the next document).
    let half = repeated("---\na: 1\n");
    let tagged = format!("{half}...\n%TAG !! tag:example.com,2000:\n---\nk: !!str x\n{half}");
    assert_cut_parses_like_whole(&tagged, false);
    // An alias to an anchor of an earlier document: an error, whether cut or not.
    let late_alias = format!("{}---\nlate: *b\n", repeated("---\nbase: &b 1\n"));
    assert_cut_parses_like_whole(&late_alias, true);
    // A quoted scalar running over a `---` line: an error, whether cut or not.
    assert_cut_parses_like_whole(&format!("{half}---\nq: \"open\n---\nclose\"\n"), true);
    // A syntax error in the middle.
    assert_cut_parses_like_whole(&format!("{half}---\n: : :\n  - ]\n{half}"), true);
}

#[test]
fn the_binary_writes_a_stream_longer_than_a_window_as_the_reference() {
    // More servers than one window of `run::write_stream` (1,024), so stdout is written in
    // several windows; each window's bytes follow the last one's exactly.
    let servers = corpus::yaml_stream(0..1100);
    let options = Options {
        owner_refs: mcp_render::OwnerRefs::Omit,
        ..Options::default()
    };
    for (format, flag) in [(Format::Yaml, "yaml"), (Format::Json, "json")] {
        let expected = reference(&options, servers.as_bytes(), format)
            .unwrap_or_else(|d| panic!("corpus is invalid: {d:?}"));
        let run = crate::util::mcp_render()
            .args(["render", "--owner-refs", "omit", "--format", flag])
            .stdin(servers.clone())
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            run.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(
            run.stdout == expected.as_bytes(),
            "{flag}: stdout differs from the reference ({} vs {} bytes)",
            run.stdout.len(),
            expected.len()
        );
    }
}

/// A pod template that uses much of the PodSpec: volumes of several kinds, probes with named
/// and numbered ports, quantities, security contexts, affinity, tolerations, init containers.
const RICH_TEMPLATE: &str = "\
apiVersion: toolhive.stacklok.dev/v1beta1
kind: MCPServer
metadata: {name: rich, namespace: tools}
spec:
  image: ghcr.io/example/rich:1.0
  transport: streamable-http
  podTemplateSpec:
    metadata:
      labels: {team: platform}
      annotations: {example.com/note: 'on', example.com/ratio: '1_000'}
    spec:
      initContainers:
        - name: init
          image: busybox:1.36
          command: [sh, -c, 'echo ready']
          resources: {limits: {cpu: 100m, memory: 64Mi}}
      containers:
        - name: mcp
          env:
            - name: POD_IP
              valueFrom: {fieldRef: {fieldPath: status.podIP}}
          ports: [{containerPort: 9090, name: metrics, protocol: TCP}]
          readinessProbe:
            httpGet: {path: /healthz, port: metrics}
            periodSeconds: 5
          livenessProbe:
            tcpSocket: {port: 8080}
          volumeMounts:
            - {name: cache, mountPath: /cache}
            - {name: config, mountPath: /etc/rich, readOnly: true}
            - {name: token, mountPath: /var/run/token}
          securityContext:
            allowPrivilegeEscalation: false
            capabilities: {drop: [ALL]}
        - name: sidecar
          image: ghcr.io/example/sidecar:2
          args: ['--port=9091']
      volumes:
        - name: cache
          emptyDir: {medium: Memory, sizeLimit: 256Mi}
        - name: config
          configMap:
            name: rich-config
            items: [{key: settings.json, path: settings.json, mode: 0444}]
        - name: token
          projected:
            sources:
              - serviceAccountToken: {path: token, expirationSeconds: 3600, audience: rich}
      nodeSelector: {kubernetes.io/arch: amd64}
      tolerations:
        - {key: dedicated, operator: Equal, value: mcp, effect: NoSchedule}
      affinity:
        nodeAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 10
              preference:
                matchExpressions: [{key: zone, operator: In, values: [a, b]}]
      terminationGracePeriodSeconds: 45
";

#[test]
fn pod_templates_are_held_packed_until_the_render_and_come_back_whole() {
    // What `mcp-render render` holds between the checks and the render.
    let valid = run::validate(&Options::default(), &mut RICH_TEMPLATE.as_bytes())
        .unwrap_or_else(|d| panic!("{d}"));
    let template = valid.valid.servers()[0].spec.pod_template_spec.as_ref();
    assert!(template.is_some_and(|t| t.is_packed()), "{template:?}");
    // ... and what it renders from it is what the reference renders from the typed template.
    let yaml = assert_same(&Options::default(), RICH_TEMPLATE.as_bytes(), Format::Yaml)
        .unwrap_or_else(|d| panic!("{d:?}"));
    for kept in [
        "sizeLimit: 256Mi",
        "port: metrics",
        "expirationSeconds: 3600",
        "mode: 292",
    ] {
        assert!(yaml.contains(kept), "{kept} is missing:\n{yaml}");
    }
    assert_same(&Options::default(), RICH_TEMPLATE.as_bytes(), Format::Json)
        .unwrap_or_else(|d| panic!("{d:?}"));
}

#[test]
fn a_file_that_changes_while_it_is_read_is_an_error() {
    // A file cut into pieces is let go once cut; for the exact message of a syntax error in
    // a piece it is read again. If it then parses, it changed in between: still an error,
    // never a render of half of one version.
    let limits = Limits {
        pieces: SMALL_PIECES,
        ..Limits::default()
    };
    let valid = repeated("---\na: 1\n");
    let scratch = Scratch::new("changes");
    let path = scratch.write("input.yaml", &format!("{valid}---\n: : :\n  - ]\n{valid}"));
    let (sources, read) =
        load::read_sources(std::slice::from_ref(&path), &mut std::io::empty(), &limits);
    assert!(read.is_empty(), "{read}");
    let (pieces, mut wholes) = load::map_pieces(sources, &limits, |_| ());
    assert!(pieces.len() > 1 && pieces.iter().any(|p| p.result.is_err()));
    std::fs::write(&path, &valid).unwrap_or_else(|e| panic!("{e}"));
    let again = wholes
        .parse(0, &limits)
        .unwrap_or_else(|| panic!("not kept"));
    let error = again
        .err()
        .unwrap_or_else(|| panic!("the changed file was accepted"));
    assert!(
        error.message.contains("changed while it was read"),
        "{error}"
    );
    // Read once more, it is gone from what was kept.
    assert!(wholes.parse(0, &limits).is_none());
}
