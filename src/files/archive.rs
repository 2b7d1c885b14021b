//! Where the export's activity files are: entries of the `.zip`, or files
//! under the unpacked folder. A name from the CSV is data, never trusted as a
//! path: only plain relative names (no root, no `..`, no drive) are looked up,
//! and only under the export's own root. Not responsible for: decoding.

use std::fs::File;
use std::path::{Component, Path, PathBuf};

use super::{SkipReason, is_too_large, read_capped};

pub(crate) enum Archive {
    Folder(PathBuf),
    Zip {
        zip: zip::ZipArchive<File>,
        /// The folder inside the archive that holds `activities.csv` (`""`
        /// at the root, `export_123/` one level down).
        prefix: String,
    },
}

impl Archive {
    /// The export at `path`: a `.zip`, a folder, or `activities.csv` (whose
    /// folder then holds the files).
    pub(crate) fn open(path: &Path) -> Result<Archive, String> {
        if path.is_dir() {
            return Ok(Archive::Folder(path.to_path_buf()));
        }
        let is_zip = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
        if !is_zip {
            let folder = path.parent().map_or_else(PathBuf::new, Path::to_path_buf);
            return Ok(Archive::Folder(folder));
        }
        let file = File::open(path).map_err(|e| e.to_string())?;
        let zip = zip::ZipArchive::new(file).map_err(|e| e.to_string())?;
        let prefix = zip
            .file_names()
            .filter(|n| *n == "activities.csv" || n.ends_with("/activities.csv"))
            .min_by_key(|n| n.len())
            .map(|n| n.trim_end_matches("activities.csv").to_string())
            .unwrap_or_default();
        Ok(Archive::Zip { zip, prefix })
    }

    /// The bytes of the file the CSV names, as stored (still gzipped if it is).
    pub(crate) fn read(&mut self, name: &str, cap: u64) -> Result<Vec<u8>, SkipReason> {
        let relative = safe_relative(name).ok_or(SkipReason::UnsafeName)?;
        match self {
            Archive::Folder(root) => {
                let path = root.join(&relative);
                // A symlink could still lead out of the export: refuse it.
                let meta = std::fs::symlink_metadata(&path).map_err(|e| match e.kind() {
                    std::io::ErrorKind::NotFound => SkipReason::Missing,
                    _ => SkipReason::Unreadable(e.to_string()),
                })?;
                if !meta.is_file() {
                    return Err(if meta.file_type().is_symlink() {
                        SkipReason::UnsafeName
                    } else {
                        SkipReason::Missing
                    });
                }
                if meta.len() > cap {
                    return Err(SkipReason::TooLarge { cap });
                }
                let file = File::open(&path).map_err(|e| SkipReason::Unreadable(e.to_string()))?;
                read_capped(file, cap).map_err(|e| capped_error(e, cap))
            }
            Archive::Zip { zip, prefix } => {
                let entry_name = format!("{prefix}{relative}");
                let entry = match zip.by_name(&entry_name) {
                    Ok(entry) => entry,
                    Err(zip::result::ZipError::FileNotFound) => return Err(SkipReason::Missing),
                    Err(e) => return Err(SkipReason::Unreadable(e.to_string())),
                };
                // The declared size can lie; read_capped enforces the cap anyway.
                if entry.size() > cap {
                    return Err(SkipReason::TooLarge { cap });
                }
                read_capped(entry, cap).map_err(|e| capped_error(e, cap))
            }
        }
    }
}

fn capped_error(e: std::io::Error, cap: u64) -> SkipReason {
    if is_too_large(&e) {
        SkipReason::TooLarge { cap }
    } else {
        SkipReason::Unreadable(e.to_string())
    }
}

/// `activities/1.fit.gz` as `/`-joined normal components; `None` for an
/// absolute name, a `..`, a Windows drive or root, or an empty name.
fn safe_relative(name: &str) -> Option<String> {
    let name = name.trim();
    if name.is_empty() || name.contains('\\') || name.contains('\0') {
        return None;
    }
    let mut parts = Vec::new();
    for component in Path::new(name).components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str()?),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if parts.is_empty() || parts.iter().any(|p| p.contains(':')) {
        return None;
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_names_are_looked_up() {
        assert_eq!(
            safe_relative("activities/1.fit.gz").as_deref(),
            Some("activities/1.fit.gz")
        );
        assert_eq!(
            safe_relative("./activities/1.gpx").as_deref(),
            Some("activities/1.gpx")
        );
        for bad in [
            "/etc/passwd",
            "../secrets.json",
            "activities/../../x.fit",
            "C:/x.fit",
            "activities\\..\\x.fit",
            "",
        ] {
            assert_eq!(safe_relative(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_name_leading_out_of_the_folder_is_refused_even_if_the_file_exists() {
        let outer = tempfile::tempdir().unwrap();
        std::fs::write(outer.path().join("outside.fit"), b"x").unwrap();
        let export = outer.path().join("export");
        std::fs::create_dir_all(&export).unwrap();
        let mut archive = Archive::Folder(export);
        assert_eq!(
            archive.read("../outside.fit", 100).unwrap_err(),
            SkipReason::UnsafeName
        );
        assert_eq!(
            archive.read("activities/none.fit", 100).unwrap_err(),
            SkipReason::Missing
        );
    }
}
