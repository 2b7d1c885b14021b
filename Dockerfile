# The Cloud Run image of strava-warehouse: the BigQuery-only build (no DuckDB,
# so no npm and no libduckdb), run as a non-root user from a distroless base.
#
#   docker build -t strava-warehouse .
#
# README.md, section "Deploy", has the whole sequence (push to Artifact
# Registry, terraform apply). CI lints this file (hadolint, checkov) and
# terraform/tests/test_dockerfile.py checks the contract below; no image is
# built in CI.
#
# checkov:skip=CKV_DOCKER_2:A batch job that runs to completion and serves nothing; Cloud Run jobs never read a Docker HEALTHCHECK (success is the exit code).

# --- build ----------------------------------------------------------------------
FROM rust:1.95-bookworm AS build
WORKDIR /src

# Dependencies first, in their own layer: this layer is rebuilt only when the
# manifest, the lock file or the build script change, not on every source edit.
# A stub crate stands in for the sources (main.rs and lib.rs) while the
# dependencies compile.
COPY Cargo.toml Cargo.lock build.rs ./
COPY .cargo .cargo
RUN mkdir src \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && cargo build --release --locked --no-default-features \
    && rm -rf src

# The real sources. The SQL views are compiled into the binary (include_str!).
# `touch` makes the sources newer than the stub's build, whatever timestamps
# COPY gave them, so cargo rebuilds the crate itself.
COPY src src
COPY sql sql
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked --no-default-features \
    && cp target/release/strava-warehouse /strava-warehouse

# --- run ------------------------------------------------------------------------
# glibc, libgcc and CA certificates (rustls reads the system store), no shell,
# no package manager, no compiler. Same Debian 12 (bookworm) glibc as the build.
FROM gcr.io/distroless/cc-debian12:nonroot

LABEL org.opencontainers.image.title="strava-warehouse" \
      org.opencontainers.image.description="Keeps an athlete's whole Strava history in BigQuery with a fixed schema." \
      org.opencontainers.image.licenses="MIT"

COPY --from=build /strava-warehouse /usr/local/bin/strava-warehouse

# The image's own non-root user (65532, "nonroot"), stated so that it holds
# whatever base the image is rebuilt on.
USER 65532:65532

ENTRYPOINT ["strava-warehouse"]
CMD ["sync"]
