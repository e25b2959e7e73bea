#!/usr/bin/env bash
# Proof that every rendered fixture is what Kubernetes accepts (issue 4):
#
#   1. Go's sigs.k8s.io/yaml (what kubectl, Argo CD and Flux read YAML with) reads our YAML
#      stream back exactly as our `--format json` output says, object by object;
#   2. what Go read passes Kubernetes 1.33's JSON schemas in strict mode (no unknown or
#      mistyped field), using kubernetes-validate from PyPI.
#
# Usage: scripts/validate-fixtures.sh [FIXTURE.yaml|DIR]...
#   Default: fixtures/servers/ and tests/data/hardening/valid/ (*.yaml, *.json).
#   A fixture X.yaml is rendered with `--owners fixtures/owners/X.yaml` when that file exists
#   (as tests/it/snapshots.rs does), and with the extra arguments of a sibling X.args file
#   (tests/data only: fixtures/servers holds only inputs).
#   A fixture that does not render (exit 2) is skipped: it is an error fixture.
# Environment:
#   MCP_RENDER               the binary to use (default: `cargo build`, then target/debug)
#   VALIDATE_ALLOW_NO_SCHEMA regex of `apiVersion` values allowed to have no schema (CRDs);
#                            default: ToolHive's own group
#   XDG_CACHE_HOME           tools are cached in ${XDG_CACHE_HOME:-$HOME/.cache}/mcp-render-ci
#
# Installs what it needs, idempotently: python3-venv with kubernetes-validate==1.37.0, and
# Debian's golang-go, golang-k8s-sigs-yaml-dev and golang-gopkg-yaml.v2-dev (built offline).
# Ends with `validate-fixtures: N passed, M failed`; exits non-zero on any failure.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/mcp-render-ci"
mkdir -p "$CACHE"
ALLOW="${VALIDATE_ALLOW_NO_SCHEMA:-^toolhive\.stacklok\.dev/}"

# --- tools ------------------------------------------------------------------------------
KV="$CACHE/kv/bin/kubernetes-validate"
if [ ! -x "$KV" ] || ! "$KV" --version 2>/dev/null | grep -q '1\.37\.0'; then
  echo "validate-fixtures: installing kubernetes-validate==1.37.0 into $CACHE/kv" >&2
  rm -rf "$CACHE/kv"
  python3 -m venv "$CACHE/kv"
  "$CACHE/kv/bin/pip" install -q --disable-pip-version-check kubernetes-validate==1.37.0
fi

if ! dpkg -s golang-go golang-k8s-sigs-yaml-dev golang-gopkg-yaml.v2-dev >/dev/null 2>&1; then
  echo "validate-fixtures: installing Go and sigs.k8s.io/yaml from Debian" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    golang-go golang-k8s-sigs-yaml-dev golang-gopkg-yaml.v2-dev >/dev/null
fi
Y2J="$CACHE/yaml2json"
if [ ! -x "$Y2J" ] || [ scripts/yaml2json/main.go -nt "$Y2J" ]; then
  (cd scripts/yaml2json &&
    GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off GOFLAGS= CGO_ENABLED=0 \
      GOCACHE="$CACHE/gocache" go build -o "$Y2J" .)
fi

if [ -n "${MCP_RENDER:-}" ]; then
  BIN="$MCP_RENDER"
else
  cargo build --quiet --bin mcp-render
  BIN="$ROOT/target/debug/mcp-render"
fi

# --- fixtures ---------------------------------------------------------------------------
fixtures=()
if [ $# -eq 0 ]; then
  set -- fixtures/servers tests/data/hardening/valid
fi
for arg in "$@"; do
  if [ -d "$arg" ]; then
    while IFS= read -r f; do fixtures+=("$f"); done < <(
      find "$arg" \( -name '*.yaml' -o -name '*.json' \) -not -path '*/invalid/*' | LC_ALL=C sort)
  elif [ -f "$arg" ]; then
    fixtures+=("$arg")
  fi
done

# Compares Go's JSON lines with our JSON List's items: same objects, same order, same
# types (a boolean is not a number), numbers by value (Go writes 1.0 as 1).
compare() {
  python3 - "$1" "$2" <<'PY'
import json, sys

def norm(v):
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return (type(v).__name__, v)
    if isinstance(v, (int, float)):
        return ("number", float(v) if isinstance(v, float) or abs(v) > 2**53 else v)
    if isinstance(v, list):
        return ("list", [norm(x) for x in v])
    return ("map", {k: norm(x) for k, x in v.items()})

go = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
ours = json.load(open(sys.argv[2]))["items"]
if len(go) != len(ours):
    print(f"  Go read {len(go)} objects from the YAML, the JSON output has {len(ours)}")
    sys.exit(1)
bad = 0
for i, (a, b) in enumerate(zip(go, ours)):
    if norm(a) != norm(b):
        bad += 1
        print(f"  object {i} ({b.get('kind')} {b.get('metadata', {}).get('name')}) differs:")
        print("    Go:   " + json.dumps(a, sort_keys=True)[:2000])
        print("    JSON: " + json.dumps(b, sort_keys=True)[:2000])
sys.exit(1 if bad else 0)
PY
}

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0 skipped=0
for f in "${fixtures[@]}"; do
  args=()
  stem=$(basename "${f%.*}")
  if [ -f "fixtures/owners/$stem.yaml" ]; then
    args+=(--owners "fixtures/owners/$stem.yaml")
  fi
  if [ -f "${f%.*}.args" ]; then
    read -r -a extra < "${f%.*}.args"
    args+=("${extra[@]}")
  fi
  rc=0
  "$BIN" render "${args[@]}" "$f" > "$TMP/out.yaml" 2> "$TMP/err" || rc=$?
  if [ $rc -eq 2 ]; then
    echo "skip: $f (does not render: an error fixture)"
    skipped=$((skipped + 1))
    continue
  elif [ $rc -ne 0 ]; then
    echo "FAIL: $f: render exited $rc"; sed 's/^/  /' "$TMP/err"
    fail=$((fail + 1)); continue
  fi
  "$BIN" render "${args[@]}" --format json "$f" > "$TMP/out.json" 2>/dev/null
  ok=1
  if ! "$Y2J" -strict < "$TMP/out.yaml" > "$TMP/go.jsonl"; then
    echo "FAIL: $f: Go's sigs.k8s.io/yaml cannot read the YAML:"; sed 's/^/  /' "$TMP/go.jsonl"
    ok=0
  elif ! compare "$TMP/go.jsonl" "$TMP/out.json"; then
    echo "FAIL: $f: Go reads the YAML differently from the JSON output"
    ok=0
  else
    # Validate exactly what kubectl would send: Go's reading, as JSON documents.
    awk '{ print "---"; print }' "$TMP/go.jsonl" > "$TMP/go.yaml"
    kv_rc=0
    "$KV" --strict --quiet -k 1.33.0 "$TMP/go.yaml" > "$TMP/kv" 2>&1 || kv_rc=$?
    no_schema=$(grep '^WARN' "$TMP/kv" | grep -Ev "with api version [^ ]*" || true)
    unknown=$(grep '^WARN' "$TMP/kv" |
      sed -n 's/.*for kind \([^ ]*\) with api version \([^ ]*\) for kubernetes.*/\2 \1/p' |
      grep -Ev "$ALLOW" || true)
    if [ $kv_rc -ne 0 ] || [ -n "$no_schema" ] || [ -n "$unknown" ]; then
      echo "FAIL: $f: Kubernetes 1.33 strict schema validation:"
      grep -v '^WARN' "$TMP/kv" | sed "s#$TMP/go.yaml#$f#; s/^/  /" || true
      [ -z "$unknown" ] || printf '  no Kubernetes 1.33 schema for %s\n' "${unknown//$'\n'/, }"
      ok=0
    fi
  fi
  if [ $ok -eq 1 ]; then
    echo "ok: $f"
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
  fi
done
[ $skipped -eq 0 ] || echo "($skipped error fixtures skipped)"
echo "validate-fixtures: $pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
