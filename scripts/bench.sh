#!/usr/bin/env bash
# End-to-end benchmark of the release binary (issue 5; results go in BENCHMARKS.md).
#
#   scripts/bench.sh            # full run: 1, 1,000, 10,000 and 100,000 servers (~10 min)
#   scripts/bench.sh --quick    # fewer runs, no 100,000 (~3 min)
#
# It builds the release binary and the corpus generator (examples/gen_servers), writes the
# input sets deterministically under target/bench/input (same bytes every time), and times
# with hyperfine (installed with apt-get when missing):
#   - a YAML stream on stdout, one input file (1k, 10k, 100k servers) and 10k one-server files;
#   - one server, start-up included;
#   - directory output (`-o DIR`) and `--check` on an up-to-date directory, when the binary
#     has them (`render --help` lists `--output-dir`); skipped with a message otherwise;
#   - peak RSS with /usr/bin/time -v;
#   - `kubectl kustomize` on a rendered directory (the consumer step), when kubectl exists;
#   - callgrind instruction counts (one thread; independent of machine load), when valgrind
#     exists and BENCH_CALLGRIND is not 0.
# Environment: BENCH_DIR (default target/bench), BENCH_OUT (where directory renders go:
# default /dev/shm when it is a tmpfs, see below), BENCH_KUSTOMIZE_10K=1 to also time
# kustomize on 10,000 servers (minutes), MCP_RENDER_THREADS to pin the renderer's thread count.
#
# Directory renders go to a tmpfs by default: each timed run starts from an empty directory,
# and on ext4, creating 10,000 files right after deleting 10,000 costs seconds of kernel time
# (the inode allocator skips inodes freed in the last minutes: find_inode_bit/recently_deleted),
# which would measure the file system, not mcp-render. BENCH_OUT=target/bench/out measures ext4.
set -euo pipefail

cd "$(dirname "$0")/.."
QUICK=0
[[ "${1:-}" == "--quick" ]] && QUICK=1
WORK=${BENCH_DIR:-target/bench}
IN=$WORK/input
OUT=$WORK/results
if [[ -z ${BENCH_OUT:-} ]]; then
  if [[ $(stat -f -c %T /dev/shm 2>/dev/null) == tmpfs ]]; then BENCH_OUT=/dev/shm/mcp-render-bench; else BENCH_OUT=$WORK/out; fi
fi
mkdir -p "$IN" "$OUT" "$BENCH_OUT"
rm -f "$OUT"/*.json "$OUT"/*.txt

say() { printf '\n== %s\n' "$*"; }

install_deb() { # command package
  command -v "$1" >/dev/null && return 0
  echo "installing $2 (apt-get)"
  if [[ $(id -u) -ne 0 ]]; then echo "not root: install $2 yourself" >&2; return 1; fi
  apt-get install -y -qq "$2" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }
}
install_deb hyperfine hyperfine
[[ -x /usr/bin/time ]] || install_deb /usr/bin/time time

say "machine"
echo "cores: $(nproc); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min)"
echo "threads: ${MCP_RENDER_THREADS:-all cores}"

say "build"
cargo build --release --quiet --bin mcp-render --example gen_servers
TARGET=${CARGO_TARGET_DIR:-$PWD/target}
BIN=$TARGET/release/mcp-render
GEN=$TARGET/release/examples/gen_servers

say "inputs (deterministic; regenerated when the generator changes)"
SIZES=(1 1000 10000 100000)
[[ $QUICK == 1 ]] && SIZES=(1 1000 10000)
STAMP=$(sha256sum examples/gen_servers/*.rs | sha256sum | cut -c1-16)
if [[ "$(cat "$IN/stamp" 2>/dev/null)" != "$STAMP" ]]; then rm -rf "${IN:?}"/*; fi
for n in "${SIZES[@]}"; do
  [[ -f $IN/servers-$n.yaml ]] || "$GEN" --count "$n" --out "$IN/servers-$n.yaml" --owners "$IN/owners-$n.lock"
done
[[ -d $IN/files-10000 ]] || "$GEN" --count 10000 --per-file 1 --out "$IN/files-10000"
echo "$STAMP" >"$IN/stamp"
for n in "${SIZES[@]}"; do
  "$BIN" render --max-file-size 1000000000 --owners "$IN/owners-$n.lock" "$IN/servers-$n.yaml" \
    >"$WORK/out.yaml"
  printf '%7d servers: %.1f MB of YAML in, %d objects and %.1f MB out\n' "$n" \
    "$(($(stat -c %s "$IN/servers-$n.yaml") / 100000))e-1" "$(grep -c '^---$' "$WORK/out.yaml")" \
    "$(($(stat -c %s "$WORK/out.yaml") / 100000))e-1"
done
rm -f "$WORK/out.yaml"

# render ARGS...: the renderer on a corpus (owners given, so no warnings; big files allowed).
render_cmd() { # size [extra args...]
  local n=$1; shift
  echo "$BIN render --max-file-size 1000000000 --owners $IN/owners-$n.lock $* $IN/servers-$n.yaml"
}
runs_for() { # size -> hyperfine run count
  case $1 in 1) echo 200 ;; 1000) echo 30 ;; 10000) echo 15 ;; *) echo 5 ;; esac
}
bench() { # name runs command...
  local name=$1 runs=$2; shift 2
  [[ $QUICK == 1 && $runs -gt 10 ]] && runs=$((runs / 3))
  hyperfine -N --style basic --warmup 2 --runs "$runs" --export-json "$OUT/$name.json" \
    --command-name "$name" "$@" | grep -E '^(  Time|  Range)' || true
}

say "stdout: a YAML stream (one file)"
for n in "${SIZES[@]}"; do
  echo "-- $n servers"
  bench "stdout-$n" "$(runs_for "$n")" "$(render_cmd "$n")"
done
echo "-- 10000 servers, one file each (a monorepo)"
bench "stdout-files-10000" 15 "$BIN render --owners $IN/owners-10000.lock $IN/files-10000"

say "one server, start-up included"
bench "one-server" 200 "$(render_cmd 1)"

say "peak memory (/usr/bin/time -v)"
for n in "${SIZES[@]}"; do
  # shellcheck disable=SC2046
  /usr/bin/time -v $(render_cmd "$n") >/dev/null 2>"$OUT/rss-$n.txt"
  awk -v n="$n" '/Maximum resident set size/ {printf "%7d servers: %.0f MB peak RSS\n", n, $6/1024}' "$OUT/rss-$n.txt"
done

say "directory output and --check"
HELP=$("$BIN" render --help)
DIR_MODE=0
if grep -q -- '--output-dir' <<<"$HELP"; then DIR_MODE=1; fi
echo "directories go to $BENCH_OUT ($(stat -f -c %T "$BENCH_OUT"))"
for n in 1000 10000; do
  dir=$BENCH_OUT/dir-$n
  if [[ $DIR_MODE == 1 ]]; then
    echo "-- $n servers to a directory"
    bench "dir-$n" "$(runs_for "$n")" --prepare "rm -rf $dir" "$(render_cmd "$n" -o "$dir")"
    if grep -q -- '--check' <<<"$HELP"; then
      echo "-- --check, $n servers, directory up to date"
      # shellcheck disable=SC2046
      $(render_cmd "$n" -o "$dir") >/dev/null
      bench "check-$n" "$(runs_for "$n")" "$(render_cmd "$n" -o "$dir" --check)"
    else
      echo "skipped --check: 'mcp-render render --help' has no --check"
    fi
  else
    # No directory mode in this build: a directory kustomize can read, from the stream.
    rm -rf "$dir" && mkdir -p "$dir"
    # shellcheck disable=SC2046
    $(render_cmd "$n") >"$dir/all.yaml"
    printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- all.yaml\n' \
      >"$dir/kustomization.yaml"
  fi
done
[[ $DIR_MODE == 1 ]] || echo "skipped: 'mcp-render render --help' has no --output-dir (directory output is not in this build)"

say "kubectl kustomize on the rendered directory (the consumer step)"
if command -v kubectl >/dev/null; then
  kubectl version --client 2>/dev/null | grep -i kustomize || true
  bench "kustomize-1000" 3 "kubectl kustomize $BENCH_OUT/dir-1000"
  if [[ ${BENCH_KUSTOMIZE_10K:-0} == 1 ]]; then
    bench "kustomize-10000" 1 "kubectl kustomize $BENCH_OUT/dir-10000"
  else
    echo "(10,000 servers: set BENCH_KUSTOMIZE_10K=1; it takes minutes)"
  fi
else
  echo "skipped: no kubectl on this machine"
fi

if command -v valgrind >/dev/null && [[ ${BENCH_CALLGRIND:-1} != 0 ]]; then
  say "callgrind instruction counts (one thread, stdout to /dev/null)"
  for n in 1 1000; do
    # shellcheck disable=SC2046
    MCP_RENDER_THREADS=1 valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind-$n.out" \
      $(render_cmd "$n") 2>&1 >/dev/null | awk -v n="$n" '/refs:/ {printf "%7d servers: %s instructions\n", n, $NF}' |
      tee "$OUT/callgrind-$n.txt"
  done
fi

say "summary (medians)"
python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
def median(name):
    path = os.path.join(out, name + ".json")
    if not os.path.exists(path):
        return None
    return json.load(open(path))["results"][0]["median"]
rows = []
for name in sorted(os.listdir(out)):
    if name.endswith(".json"):
        m = median(name[:-5])
        rows.append((name[:-5], m))
for name, m in rows:
    print(f"{name:22s} {m * 1000:10.1f} ms")
sizes = [n for n in (1000, 10000, 100000) if median(f"stdout-{n}") is not None]
if sizes:
    print("\nstdout, per 1,000 servers:")
    for n in sizes:
        print(f"  {n:7d} servers: {median(f'stdout-{n}') * 1000 / (n / 1000):7.1f} ms per 1,000")
    for a, b in zip(sizes, sizes[1:]):
        ratio = (median(f"stdout-{b}") / median(f"stdout-{a}")) / (b / a)
        print(f"  {a} -> {b}: {ratio:.2f} x linear (1.00 = linear; target <= 1.15)")
targets = [
    ("stdout-10000", 0.5, "10k servers to stdout < 0.5 s"),
    ("dir-10000", 1.0, "10k servers to a directory < 1 s"),
    ("check-10000", 1.0, "--check on 10k servers < 1 s"),
    ("one-server", 0.005, "one server < 5 ms"),
]
print()
for name, limit, what in targets:
    m = median(name)
    if m is None:
        print(f"  {what}: not measured")
    else:
        print(f"  {what}: {m * 1000:.1f} ms -> {'met' if m < limit else 'NOT met'}")
k = median("kustomize-1000")
s = median("stdout-1000")
if k and s:
    print(f"  kubectl kustomize on 1k servers' output: {k:.2f} s, {k / s:.0f}x mcp-render's render of them")
PY
rm -rf "${BENCH_OUT:?}"/dir-*
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min)"
