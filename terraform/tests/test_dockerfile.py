"""Structural test of the Dockerfile and .dockerignore: the image contract.

hadolint checks Dockerfile practice and checkov its security basics; neither
knows what this image must be. No Docker engine runs here, so this test reads
the files and checks the contract the Cloud Run job relies on (issue 6):

- two stages, both `--platform=linux/amd64` (what Cloud Run runs, whatever
  machine builds): an official Rust image (a pinned version, never `latest`)
  builds, a minimal runtime image runs;
- every `cargo build` is `--release --locked --no-default-features --features
  gcp` (the BigQuery-only build: Google Cloud, no DuckDB, no npm);
- the runtime stage runs as a non-root USER, `ENTRYPOINT ["strava-warehouse"]`,
  `CMD ["sync"]`, and takes nothing from the build context: only the binary,
  copied from the build stage (so no credential file can slip in), and has no
  RUN (no shell, no package manager);
- no ENV or ARG carries a credential;
- .dockerignore is an allow-list: `*` first, then only the files the build reads.

Like test_structure.py, each check also runs on a broken copy and must fail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
ALLOWED_IN_CONTEXT = {"Cargo.toml", "Cargo.lock", "build.rs", ".cargo/", "src/", "sql/"}
CREDENTIAL_WORDS = re.compile(r"SECRET|TOKEN|PASSWORD|CREDENTIAL|GOOGLE_APPLICATION", re.I)


@dataclass
class Instruction:
    keyword: str
    args: str


def parse(text: str) -> list[list[Instruction]]:
    """Dockerfile -> stages, each a list of instructions (continuations joined, comments dropped)."""
    logical, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if current and stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        logical.append(current + stripped)
        current = ""
    assert not current, "a line continuation runs off the end of the file"
    stages: list[list[Instruction]] = []
    for entry in logical:
        keyword, _, args = entry.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stages.append([])
        assert stages, f"instruction before the first FROM: {entry}"
        stages[-1].append(Instruction(keyword, args.strip()))
    return stages


def of(stage: list[Instruction], keyword: str) -> list[str]:
    return [i.args for i in stage if i.keyword == keyword]


# --- the checks -------------------------------------------------------------------------


def check_stages(text: str, _ignore: str):
    stages = parse(text)
    assert len(stages) == 2, f"expected two stages (build, run), found {len(stages)}"
    for stage in stages:
        assert stage[0].args.startswith("--platform=linux/amd64 "), (
            f"FROM {stage[0].args}: every stage is built for linux/amd64, the one platform Cloud Run runs"
        )
    build_from = stages[0][0].args.removeprefix("--platform=linux/amd64 ")
    hit = re.fullmatch(r"(?:docker\.io/library/)?rust:(\d+\.\d+(?:\.\d+)?)(?:-[a-z]+)?(?:@sha256:[0-9a-f]{64})? AS (\w+)", build_from, re.I)
    assert hit, f"the build stage must start from an official rust image with a pinned version, found {build_from!r}"
    run_from = stages[1][0].args.removeprefix("--platform=linux/amd64 ")
    assert re.fullmatch(r"(gcr\.io/distroless/cc-debian\d+(:nonroot)?|debian:[a-z]+-slim)(@sha256:[0-9a-f]{64})?", run_from), (
        f"the runtime stage must be distroless cc or debian slim, found {run_from!r}"
    )


def check_cargo_build(text: str, _ignore: str):
    builds = [r for r in of(parse(text)[0], "RUN") for r in re.findall(r"cargo build[^&;|]*", r)]
    assert builds, "the build stage must run `cargo build`"
    for b in builds:
        for flag in ("--release", "--locked", "--no-default-features"):
            assert flag in b.split(), f"`{b.strip()}` lacks {flag}"
        words = b.split()
        features = [words[i + 1] for i, w in enumerate(words[:-1]) if w == "--features"]
        assert features == ["gcp"], f"`{b.strip()}`: the image is the BigQuery-only build, `--features gcp` alone"


def check_runtime_stage(text: str, _ignore: str):
    stages = parse(text)
    build_name = stages[0][0].args.split()[-1]
    run = stages[-1]
    users = of(run, "USER")
    assert users, "the runtime stage must set a USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0"), f"the runtime stage must not run as root, found USER {users[-1]}"
    assert of(run, "ENTRYPOINT") == ['["strava-warehouse"]'], f"ENTRYPOINT must be [\"strava-warehouse\"], found {of(run, 'ENTRYPOINT')}"
    assert of(run, "CMD") == ['["sync"]'], f"CMD must be [\"sync\"], found {of(run, 'CMD')}"
    assert not of(run, "RUN"), "no RUN in the runtime stage: no shell, no package manager, no build tools"
    assert not of(run, "ADD"), "no ADD in the runtime stage"
    for copy in of(run, "COPY"):
        assert f"--from={build_name}" in copy.split(), f"the runtime stage copies only from the build stage, found COPY {copy}"


def check_no_credentials(text: str, _ignore: str):
    for stage in parse(text):
        for i in stage:
            if i.keyword in ("ENV", "ARG"):
                assert not CREDENTIAL_WORDS.search(i.args), f"{i.keyword} {i.args}: credentials never go into the image"


def check_dockerignore(_text: str, ignore: str):
    patterns = [p.strip() for p in ignore.splitlines() if p.strip() and not p.strip().startswith("#")]
    assert patterns and patterns[0] == "*", ".dockerignore must start with `*` (an allow-list)"
    allowed = {p[1:] for p in patterns if p.startswith("!")}
    assert allowed == ALLOWED_IN_CONTEXT, f"the context must be exactly {sorted(ALLOWED_IN_CONTEXT)}, found {sorted(allowed)}"


CHECKS = [check_stages, check_cargo_build, check_runtime_stage, check_no_credentials, check_dockerignore]


def read() -> tuple[str, str]:
    return (ROOT / "Dockerfile").read_text(), (ROOT / ".dockerignore").read_text()


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__[len("check_"):])
def test_checks_pass(check):
    check(*read())


# (check, "Dockerfile" or ".dockerignore", old text or None to append, new text)
MUTATIONS = [
    (check_stages, "Dockerfile", "FROM --platform=linux/amd64 rust:1.95-bookworm AS build",
     "FROM --platform=linux/amd64 rust:latest AS build"),
    (check_stages, "Dockerfile", "FROM --platform=linux/amd64 gcr.io/distroless/cc-debian12:nonroot",
     "FROM --platform=linux/amd64 rust:1.95-bookworm"),
    (check_stages, "Dockerfile", "FROM --platform=linux/amd64 rust:1.95-bookworm AS build",
     "FROM rust:1.95-bookworm AS build"),
    (check_cargo_build, "Dockerfile", "cargo build --release --locked --no-default-features --features gcp",
     "cargo build --release --locked --features gcp"),
    (check_cargo_build, "Dockerfile", "cargo build --release --locked --no-default-features --features gcp",
     "cargo build --release --no-default-features --features gcp"),
    (check_cargo_build, "Dockerfile", "cargo build --release --locked --no-default-features --features gcp",
     "cargo build --release --locked --no-default-features"),
    (check_runtime_stage, "Dockerfile", "USER 65532:65532", "USER root"),
    (check_runtime_stage, "Dockerfile", 'CMD ["sync"]', "CMD sync"),
    (check_runtime_stage, "Dockerfile", 'ENTRYPOINT ["strava-warehouse"]', 'ENTRYPOINT ["/bin/sh", "-c"]'),
    (check_runtime_stage, "Dockerfile", None, "COPY strava-secrets.json /home/nonroot/\n"),
    (check_no_credentials, "Dockerfile", None, "ENV STRAVA_REFRESH_TOKEN=abc\n"),
    (check_dockerignore, ".dockerignore", "*\n!Cargo.toml", "!Cargo.toml"),
    (check_dockerignore, ".dockerignore", None, "!strava-secrets.json\n"),
]


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[f"{m[0].__name__[len('check_'):]}-{i}" for i, m in enumerate(MUTATIONS)])
def test_check_catches(mutation):
    check, file, old, new = mutation
    texts = dict(zip(("Dockerfile", ".dockerignore"), read()))
    if old is None:
        texts[file] += new
    else:
        assert texts[file].count(old) == 1, f"mutation anchor {old!r} must occur once in {file} (update the test)"
        texts[file] = texts[file].replace(old, new)
    with pytest.raises(AssertionError):
        check(texts["Dockerfile"], texts[".dockerignore"])


def test_every_check_has_a_mutation():
    missing = [c.__name__ for c in CHECKS if c not in {m[0] for m in MUTATIONS}]
    assert not missing, f"checks no mutation proves able to fail: {missing}"
