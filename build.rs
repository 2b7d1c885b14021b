//! Build script: makes the prebuilt DuckDB library available when the `duckdb`
//! feature is on, and nothing else.
//!
//! Compiling DuckDB's C++ takes 30 to 55 minutes on two cores, so by default the
//! crate links the official prebuilt `libduckdb` (DuckDB 1.5.6, the release the
//! pinned `duckdb` crate wraps). DuckDB Labs publish that library inside their
//! npm package `@duckdb/node-bindings-<os>-<cpu>`; npm is the one channel that
//! reaches it on machines whose only outside access is the package registries.
//! This script fetches it into `DUCKDB_LIB_DIR` (set in `.cargo/config.toml`)
//! when it is missing, and records an rpath so the binaries find it at run time.
//! It does nothing for `--no-default-features` builds (the Cloud Run image) or
//! for `duckdb-bundled`, which compiles DuckDB from source instead.
//!
//! With the `report` feature it also takes the charting library the HTML
//! report embeds, uPlot, from its npm package into `OUT_DIR` (a few hundred
//! kB; npm's own cache serves later builds), so that no copy of it lives in
//! this repository and the report needs no network when opened.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// npm release of the node bindings that carries libduckdb 1.5.6.
const NPM_VERSION: &str = "1.5.6-r.1";

/// The uPlot release the report embeds (its `dist/` files).
const UPLOT: &str = "uplot@1.6.32";
const UPLOT_FILES: [&str; 2] = ["dist/uPlot.iife.min.js", "dist/uPlot.min.css"];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if env::var_os("CARGO_FEATURE_REPORT").is_some() {
        fetch_uplot();
    }
    println!("cargo:rerun-if-env-changed=DUCKDB_LIB_DIR");
    let linked = env::var_os("CARGO_FEATURE_DUCKDB").is_some();
    let bundled = env::var_os("CARGO_FEATURE_DUCKDB_BUNDLED").is_some();
    if !linked || bundled {
        return;
    }
    let Some(dir) = env::var_os("DUCKDB_LIB_DIR").map(PathBuf::from) else {
        fail("DUCKDB_LIB_DIR is not set; .cargo/config.toml normally sets it");
    };
    let (package, file) = npm_package();
    let lib = dir.join(file);
    if !lib.exists() {
        fetch(&package, file, &dir);
    }
    println!("cargo:rerun-if-changed={}", lib.display());
    // `$ORIGIN` lets a shipped binary find a libduckdb placed beside it; the
    // absolute directory serves `cargo run`, `cargo test` and the benches.
    println!("cargo:rustc-link-arg=-Wl,-rpath,$ORIGIN");
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.display());
}

fn npm_package() -> (String, &'static str) {
    let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let (npm_os, file) = match os.as_str() {
        "linux" => ("linux", "libduckdb.so"),
        "macos" => ("darwin", "libduckdb.dylib"),
        other => fail(&format!(
            "no prebuilt libduckdb is known for target os `{other}`; build with \
             `--features duckdb-bundled` to compile DuckDB from source"
        )),
    };
    let npm_cpu = match arch.as_str() {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        other => fail(&format!(
            "no prebuilt libduckdb is known for cpu `{other}`; build with \
             `--features duckdb-bundled` to compile DuckDB from source"
        )),
    };
    (
        format!("@duckdb/node-bindings-{npm_os}-{npm_cpu}@{NPM_VERSION}"),
        file,
    )
}

fn fetch(package: &str, file: &str, dir: &Path) {
    println!(
        "cargo:warning=fetching prebuilt {file} ({package}) into {}",
        dir.display()
    );
    if let Err(e) = std::fs::create_dir_all(dir) {
        fail(&format!("cannot create {}: {e}", dir.display()));
    }
    // Unpack beside the destination and rename, so two concurrent builds never
    // see half a library.
    let work = tempdir_in(dir);
    let unpacked = npm_unpack(package, &[file], &work, &[], fail);
    if let Err(e) = std::fs::rename(unpacked.join(file), dir.join(file)) {
        fail(&format!(
            "could not move {file} into {}: {e}",
            dir.display()
        ));
    }
    let _ = std::fs::remove_dir_all(&work);
}

fn fetch_uplot() {
    let Some(out) = env::var_os("OUT_DIR").map(PathBuf::from) else {
        fail_report("OUT_DIR is not set (cargo sets it for build scripts)");
    };
    let names: Vec<&str> = UPLOT_FILES
        .iter()
        .map(|f| f.rsplit('/').next().unwrap_or(f))
        .collect();
    if names.iter().all(|n| out.join(n).exists()) {
        return;
    }
    let work = tempdir_in(&out);
    let unpacked = npm_unpack(
        UPLOT,
        &UPLOT_FILES,
        &work,
        &["--prefer-offline"],
        fail_report,
    );
    for (file, name) in UPLOT_FILES.iter().zip(&names) {
        let from = unpacked.join(file);
        if let Err(e) = std::fs::rename(&from, out.join(name)) {
            fail_report(&format!("could not move {}: {e}", from.display()));
        }
    }
    let _ = std::fs::remove_dir_all(&work);
}

/// `npm pack PACKAGE` into `work`, then unpacks `files` (paths inside the
/// package) and returns the folder they are under. The one place both fetches
/// talk to npm and tar; `fail` says what the missing piece was for.
fn npm_unpack(
    package: &str,
    files: &[&str],
    work: &Path,
    npm_flags: &[&str],
    fail: fn(&str) -> !,
) -> PathBuf {
    let packed = Command::new("npm")
        .args(["pack", "--silent"])
        .args(npm_flags)
        .args([package, "--pack-destination"])
        .arg(work)
        .output();
    let tarball = match packed {
        Ok(out) if out.status.success() => {
            let name = String::from_utf8_lossy(&out.stdout).trim().to_string();
            work.join(name.lines().last().unwrap_or_default())
        }
        Ok(out) => fail(&format!(
            "`npm pack {package}` failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Err(e) => fail(&format!("could not run npm ({e})")),
    };
    let status = Command::new("tar")
        .arg("-xzf")
        .arg(&tarball)
        .arg("-C")
        .arg(work)
        .args(files.iter().map(|f| format!("package/{f}")))
        .status();
    if !matches!(status, Ok(s) if s.success()) {
        fail(&format!(
            "could not unpack {files:?} from {}",
            tarball.display()
        ));
    }
    work.join("package")
}

fn fail_report(why: &str) -> ! {
    panic!(
        "\n\nstrava-warehouse's `report` feature embeds the uPlot charting library from \
         npm ({UPLOT}): {why}.\n\
         Install Node.js/npm and build again, or build without the report: \
         `--no-default-features --features duckdb`.\n"
    )
}

fn tempdir_in(dir: &Path) -> PathBuf {
    let work = dir.join(format!(".fetch-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    if let Err(e) = std::fs::create_dir_all(&work) {
        fail(&format!("cannot create {}: {e}", work.display()));
    }
    work
}

fn fail(why: &str) -> ! {
    panic!(
        "\n\nstrava-warehouse needs libduckdb 1.5.6 for the `duckdb` feature: {why}.\n\
         Choose one:\n\
         - install Node.js/npm and build again (the library is fetched once), or\n\
         - set DUCKDB_LIB_DIR to a directory holding libduckdb 1.5.6, or\n\
         - build with `--features duckdb-bundled` (compiles DuckDB, ~55 min on 2 cores), or\n\
         - build without the embedded warehouse: `--no-default-features`.\n"
    )
}
