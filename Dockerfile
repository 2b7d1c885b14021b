# The Cloud Run image of strava-warehouse: the BigQuery-only build (no DuckDB,
# so no npm and no libduckdb), run as a non-root user from a distroless base.
#
#   docker build -t strava-warehouse .
#
# docs/deploy.md has the whole sequence (push to Artifact
# Registry, terraform apply). CI lints this file (hadolint, checkov) and
# terraform/tests/test_dockerfile.py checks the contract below; no image is
# built in CI.
#
# checkov:skip=CKV_DOCKER_2:A batch job that runs to completion and serves nothing; Cloud Run jobs never read a Docker HEALTHCHECK (success is the exit code).

# --- build ----------------------------------------------------------------------
# --platform: Cloud Run runs linux/amd64 only; without it `docker build` on an
# ARM machine (Apple Silicon) makes an arm64 image that Cloud Run rejects.
#
# Base images are pinned by version, not yet by digest: a digest is read from
# the registry when pinning, none has been read for this file, and a made-up
# one would break every build. To pin, append the digest that
# `docker buildx imagetools inspect rust:1.95-bookworm` (and the same for the
# distroless image) prints: `FROM ... rust:1.95-bookworm@sha256:<digest> AS build`;
# terraform/tests/test_dockerfile.py accepts either form.
#
# hadolint's DL3029 asks to leave the platform to `docker build --platform`;
# here forgetting that flag is exactly the failure (an arm64 image Cloud Run
# rejects), so the platform is fixed in the file.
# hadolint ignore=DL3029
FROM --platform=linux/amd64 rust:1.95-bookworm AS build
WORKDIR /src

# The BigQuery-only build: `gcp` (BigQuery, Secret Manager, Google sign-in)
# without `duckdb` (so no npm and no libduckdb). Cache mounts keep the crate
# registry and target/ between builds on one machine (BuildKit, the default
# builder of current Docker), so a source edit recompiles this crate only;
# they are not part of the image. The binary is copied out of the cached
# target/ in the same step, while the mount is there.
COPY Cargo.toml Cargo.lock build.rs ./
COPY .cargo .cargo
COPY src src
COPY sql sql
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --no-default-features --features gcp \
    && cp target/release/strava-warehouse /strava-warehouse

# --- run ------------------------------------------------------------------------
# glibc, libgcc and CA certificates (rustls reads the system store), no shell,
# no package manager, no compiler. Same Debian 12 (bookworm) glibc as the build.
# hadolint ignore=DL3029
FROM --platform=linux/amd64 gcr.io/distroless/cc-debian12:nonroot

# OCI labels: version and revision are build arguments so the image says which
# commit it is (`docker build --build-arg VERSION=0.1.0 --build-arg REVISION=$(git rev-parse HEAD)`).
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="strava-warehouse" \
      org.opencontainers.image.description="Keeps an athlete's whole Strava history in BigQuery with a fixed schema." \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="gcr.io/distroless/cc-debian12:nonroot"

COPY --from=build /strava-warehouse /usr/local/bin/strava-warehouse

# The image's own non-root user (65532, "nonroot"), stated so that it holds
# whatever base the image is rebuilt on.
USER 65532:65532

ENTRYPOINT ["strava-warehouse"]
CMD ["sync"]
