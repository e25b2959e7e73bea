# The Argo CD config-management-plugin sidecar: a static mcp-render and its plugin.yaml, on an
# empty base (no shell, no libc, nothing else). Argo CD mounts its argocd-cmp-server into the
# container (the repo-server's var-files volume) and runs it as the entrypoint.
#
#   docker build -t ghcr.io/<owner>/mcp-render:v0.1.0 .          # or: buildah bud ...
#
# The plugin.yaml baked in is `mcp-render init argocd`'s default; the scaffold also ships it as
# a ConfigMap mounted over this path, so options can change without a new image.

FROM docker.io/library/rust:1-bookworm AS build
WORKDIR /src
COPY . .
# A static glibc binary: mcp-render does no DNS lookups, user lookups or dlopen, which are what
# static glibc cannot do. `ldd` reports "not a dynamic executable" (scripts/static-check.sh).
# The build platform's own target (amd64 or arm64 builders for the two images).
RUN target="$(uname -m)-unknown-linux-gnu" \
 && RUSTFLAGS='-C target-feature=+crt-static' \
    cargo build --release --locked --target "$target" \
 && install -D "target/$target/release/mcp-render" /out/usr/local/bin/mcp-render \
 && /out/usr/local/bin/mcp-render init argocd --repo-url https://example.invalid/repo.git \
      --path . --namespace default -o /tmp/argocd \
 && install -D -m 0644 /tmp/argocd/plugin.yaml /out/home/argocd/cmp-server/config/plugin.yaml \
 && install -d -m 1777 /out/tmp

FROM scratch
COPY --from=build /out/ /
ENV PATH=/usr/local/bin
# Argo CD's CMP sidecars run as user 999 (argocd).
USER 999:999
WORKDIR /home/argocd
ENTRYPOINT ["/var/run/argocd/argocd-cmp-server"]
