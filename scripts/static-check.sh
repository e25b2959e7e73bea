#!/usr/bin/env bash
# Checks what can be checked of the plugin image without a container engine:
#   1. the release binary built as the Dockerfile builds it is static (ldd, file);
#   2. it renders, and prints its dynamic parameters, as user 999 inside an empty root that
#      holds only the binary and the input (unshare + chroot: no libc, no shell, no /etc);
#   3. with BUILDAH=1, `buildah bud` (vfs storage) builds the image's FROM scratch stage from
#      that binary (the Dockerfile's first stage needs the rust image from a registry), lists
#      its files, and renders a mounted app folder inside it with `buildah run`.
# Needs root (unshare, chroot). Usage: scripts/static-check.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="$(uname -m)-unknown-linux-gnu"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --locked --target "$target" \
  --manifest-path "$root/Cargo.toml"
bin="$CARGO_TARGET_DIR/$target/release/mcp-render"

echo "== ldd $bin"
if ldd "$bin" 2>&1 | grep -q 'not a dynamic executable\|statically linked'; then
  ldd "$bin" 2>&1 || true
else
  ldd "$bin"; echo "FAIL: dynamically linked" >&2; exit 1
fi

jail="$(mktemp -d)"
trap 'rm -rf "$jail"' EXIT
install -D "$bin" "$jail/usr/local/bin/mcp-render"
mkdir -p "$jail/app" "$jail/tmp"
cp "$root/fixtures/servers/sse.yaml" "$jail/app/"
chmod -R a+rX "$jail"
echo "== render inside an empty root, as 999:999"
unshare="$(command -v unshare)"
chroot="$(command -v chroot)"
expected="$("$bin" render -n tools --owner-refs omit "$root/fixtures/servers/sse.yaml")"
got="$(cd / && env -i PATH=/usr/local/bin ARGOCD_APP_NAME=demo \
  "$unshare" --mount --pid --fork "$chroot" --userspec=999:999 "$jail" \
  /usr/local/bin/mcp-render render -n tools --owner-refs omit /app)"
[[ "$got" == "$expected" ]] || { echo "FAIL: render differs inside the empty root" >&2; exit 1; }
echo "ok: $(grep -c '^kind:' <<<"$got") objects, same bytes as outside"
params="$(env -i "$unshare" --mount --pid --fork "$chroot" --userspec=999:999 "$jail" \
  /usr/local/bin/mcp-render argocd-parameters /app)"
echo "ok: parameters.dynamic prints $params"

if [[ "${BUILDAH:-0}" == 1 ]]; then
  echo "== buildah bud (vfs), FROM scratch stage only"
  ctx="$jail/ctx"
  mkdir -p "$ctx/out/usr/local/bin" "$ctx/out/home/argocd/cmp-server/config"
  install -d -m 1777 "$ctx/out/tmp"
  cp "$bin" "$ctx/out/usr/local/bin/"
  "$bin" init argocd --repo-url https://example.invalid/r.git --path . --namespace default \
    -o "$ctx/argocd" >/dev/null 2>&1
  cp "$ctx/argocd/plugin.yaml" "$ctx/out/home/argocd/cmp-server/config/"
  sed -n '/^FROM scratch/,$p' "$root/Dockerfile" | sed 's#COPY --from=build /out/ /#COPY out/ /#' \
    > "$ctx/Containerfile"
  storage=(--storage-driver vfs --root "$jail/storage" --runroot "$jail/run")
  buildah "${storage[@]}" bud --isolation chroot -f "$ctx/Containerfile" -t mcp-render:check "$ctx"
  buildah "${storage[@]}" inspect --format '{{.OCIv1.Config.User}} {{.OCIv1.Config.Entrypoint}}' mcp-render:check
  echo
  c="$(buildah "${storage[@]}" from mcp-render:check)"
  mnt="$(buildah "${storage[@]}" mount "$c")"
  find "$mnt" -mindepth 1 | sed "s#^$mnt##" | sort
  buildah "${storage[@]}" run --isolation chroot "$c" -- /usr/local/bin/mcp-render --version
  # The image renders (as its USER 999) an app folder mounted read-only, like Argo CD's.
  got="$(buildah "${storage[@]}" run --isolation chroot -v "$jail/app:/app:ro" "$c" -- \
    /usr/local/bin/mcp-render render -n tools --owner-refs omit /app)"
  [[ "$got" == "$expected" ]] || { echo "FAIL: the image renders other bytes" >&2; exit 1; }
  echo "ok: the image renders the same bytes"
  buildah "${storage[@]}" rm "$c" >/dev/null
fi
