//! Data locations for local runs: `s3://bucket/key` maps to `<object root>/bucket/key`;
//! anything else is a path on this machine (relative to the current directory). Listing
//! follows each kind's rules: an S3 URI is a key *prefix* (as SageMaker's `S3Prefix`
//! reads it: `s3://b/data/train` matches `data/train.csv` and `data/train/x.csv`); a
//! plain path is a file, or a directory and everything under it. Also packs and unpacks
//! the `.tar.gz` archives SageMaker writes.

use anyhow::Context as _;
use std::fs;
use std::path::{Path, PathBuf};

/// A location as an input or a machine names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Location {
    S3 { bucket: String, key: String },
    Local(PathBuf),
}

impl Location {
    pub(crate) fn parse(uri: &str) -> Result<Location, String> {
        if let Some(rest) = uri.strip_prefix("s3://") {
            let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() || bucket.contains("..") || bucket == "." {
                return Err(format!(
                    "`{uri}` has no valid bucket name (write s3://bucket/key)"
                ));
            }
            if key.split('/').any(|part| part == "..") {
                return Err(format!(
                    "`{uri}`: `..` in an S3 key is not supported by the local runner"
                ));
            }
            return Ok(Location::S3 {
                bucket: bucket.to_string(),
                key: key.to_string(),
            });
        }
        if uri.contains("://") {
            return Err(format!(
                "`{uri}`: only s3:// URIs and local paths are supported by the local runner"
            ));
        }
        if uri.is_empty() {
            return Err("an empty location".into());
        }
        Ok(Location::Local(PathBuf::from(uri)))
    }

    /// `self` + `/` + `suffix`, in the same style (`s3://b/out` + `job/model.tar.gz`).
    pub(crate) fn join(&self, suffix: &str) -> Location {
        match self {
            Location::S3 { bucket, key } => {
                let key = if key.is_empty() || key.ends_with('/') {
                    format!("{key}{suffix}")
                } else {
                    format!("{key}/{suffix}")
                };
                Location::S3 {
                    bucket: bucket.clone(),
                    key,
                }
            }
            Location::Local(path) => Location::Local(path.join(suffix)),
        }
    }

    /// Written back as it was given (`s3://...` or the path).
    pub(crate) fn to_uri(&self) -> String {
        match self {
            Location::S3 { bucket, key } => format!("s3://{bucket}/{key}"),
            Location::Local(path) => path.display().to_string(),
        }
    }
}

/// Resolves locations against an object root.
#[derive(Debug, Clone)]
pub(crate) struct Objects {
    pub(crate) root: PathBuf,
}

impl Objects {
    pub(crate) fn new(root: PathBuf) -> Objects {
        Objects {
            root: absolute(&root),
        }
    }

    /// The file (or directory) a location names on this machine.
    pub(crate) fn path(&self, location: &Location) -> PathBuf {
        match location {
            Location::S3 { bucket, key } => {
                let mut path = self.root.join(bucket);
                for part in key.split('/').filter(|p| !p.is_empty()) {
                    path.push(part);
                }
                path
            }
            Location::Local(path) => absolute(path),
        }
    }

    /// Every file a location designates, each with the name SageMaker gives its copy:
    /// the key below the prefix's last `/` (S3), or the path below the directory (local).
    pub(crate) fn list(&self, location: &Location) -> anyhow::Result<Vec<(String, PathBuf)>> {
        let mut found = Vec::new();
        match location {
            Location::S3 { bucket, key } => {
                let bucket_dir = self.root.join(bucket);
                let dir_part = match key.rfind('/') {
                    Some(i) => &key[..=i],
                    None => "",
                };
                let start = self.path(&Location::S3 {
                    bucket: bucket.clone(),
                    key: dir_part.to_string(),
                });
                if start.is_dir() {
                    let key_of = |file: &Path| {
                        file.strip_prefix(&bucket_dir)
                            .expect("walked below the bucket")
                            .components()
                            .map(|c| c.as_os_str().to_string_lossy().to_string())
                            .collect::<Vec<_>>()
                            .join("/")
                    };
                    let (files, links) = walk_all(&start)?;
                    if let Some(link) = links.iter().find(|l| key_of(l).starts_with(key.as_str())) {
                        return Err(refuse_link(link));
                    }
                    for file in files {
                        let rel = key_of(&file);
                        if rel.starts_with(key.as_str()) {
                            found.push((rel[dir_part.len()..].to_string(), file));
                        }
                    }
                }
            }
            Location::Local(path) => {
                let path = &absolute(path);
                if path.is_file() {
                    let name = path
                        .file_name()
                        .map(|n| n.to_string_lossy().to_string())
                        .unwrap_or_else(|| "data".into());
                    found.push((name, path.clone()));
                } else if path.is_dir() {
                    let (files, links) = walk_all(path)?;
                    if let Some(link) = links.first() {
                        return Err(refuse_link(link));
                    }
                    for file in files {
                        let rel = file
                            .strip_prefix(path)
                            .expect("walked below the directory")
                            .components()
                            .map(|c| c.as_os_str().to_string_lossy().to_string())
                            .collect::<Vec<_>>()
                            .join("/");
                        found.push((rel, file));
                    }
                }
            }
        }
        found.sort();
        Ok(found)
    }

    /// A message like SageMaker's when a location holds nothing.
    pub(crate) fn nothing_at(&self, location: &Location) -> String {
        match location {
            Location::S3 { .. } => format!(
                "No S3 objects found under S3 URL \"{}\" (locally: files under {} whose path starts so); put the data there or fix the path",
                location.to_uri(),
                self.path(location).display()
            ),
            Location::Local(path) => format!("no file at {} (a file, or a directory of files)", path.display()),
        }
    }
}

/// `path` made absolute against the current directory (children run elsewhere).
pub(crate) fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Every regular file below `dir`, recursively, skipping nothing (SageMaker copies all),
/// and apart from them every symbolic link found there.
fn walk_all(dir: &Path) -> anyhow::Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    let mut files = Vec::new();
    let mut links = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))? {
            let entry = entry?;
            let path = entry.path();
            let kind = entry.file_type()?;
            if kind.is_symlink() {
                links.push(path);
            } else if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                files.push(path);
            }
        }
    }
    Ok((files, links))
}

/// The files below `dir` that a model directory packs: regular files, and links to files
/// (packed as their contents, `follow_symlinks`).
fn walk(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let (mut files, links) = walk_all(dir)?;
    files.extend(links.into_iter().filter(|l| l.is_file()));
    Ok(files)
}

/// Why a symbolic link in a data location is refused: an S3 prefix holds objects, never
/// links, so a local run that followed one would train on data the same input on AWS could
/// not read (and a link could reach anywhere on this machine).
fn refuse_link(link: &Path) -> anyhow::Error {
    let target = fs::read_link(link)
        .map(|t| format!(" (to {})", t.display()))
        .unwrap_or_default();
    anyhow::anyhow!(
        "{} is a symbolic link{target}: data locations may not hold links, as an S3 prefix holds only objects \
         and SageMaker would not see it; copy the file there instead",
        link.display()
    )
}

/// Copies `from` to `to` (a hard link when the file system allows, else a copy).
pub(crate) fn place(from: &Path, to: &Path) -> anyhow::Result<()> {
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    if fs::hard_link(from, to).is_err() {
        fs::copy(from, to)
            .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
    }
    Ok(())
}

/// Packs the contents of `dir` (not the directory itself) into a gzipped tarball at `to`.
pub(crate) fn pack(dir: &Path, to: &Path) -> anyhow::Result<()> {
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let partial = temporary_beside(to)?;
    let file = partial
        .as_file()
        .try_clone()
        .with_context(|| format!("cannot write {}", partial.path().display()))?;
    let encoder =
        flate2::write::GzEncoder::new(std::io::BufWriter::new(file), flate2::Compression::fast());
    let mut archive = tar::Builder::new(encoder);
    archive.follow_symlinks(true);
    let mut files = walk(dir)?;
    files.sort();
    for file in files {
        let rel = file.strip_prefix(dir).expect("walked below the directory");
        archive
            .append_path_with_name(&file, rel)
            .with_context(|| format!("cannot add {} to {}", file.display(), to.display()))?;
    }
    let encoder = archive.into_inner()?;
    let mut writer = encoder.finish()?;
    std::io::Write::flush(&mut writer)?;
    drop(writer);
    persist(partial, to)
}

/// A new temporary file in `to`'s directory, created exclusively (O_EXCL, a random name):
/// never a file or link that was there before. Removed unless [`persist`]ed.
pub(crate) fn temporary_beside(to: &Path) -> anyhow::Result<tempfile::NamedTempFile> {
    let dir = to.parent().unwrap_or(Path::new("."));
    let name = to
        .file_name()
        .map(|n| format!(".{}.", n.to_string_lossy()))
        .unwrap_or_else(|| ".automl.".into());
    tempfile::Builder::new()
        .prefix(&name)
        .suffix(".partial")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))
}

/// Renames a temporary file onto `to` (a rename replaces a link at `to`, never writes
/// through it).
pub(crate) fn persist(file: tempfile::NamedTempFile, to: &Path) -> anyhow::Result<()> {
    file.persist(to)
        .map(|_| ())
        .map_err(|e| anyhow::anyhow!("cannot write {}: {}", to.display(), e.error))
}

/// Unpacks a gzipped tarball into `dir` (entries cannot escape it).
pub(crate) fn unpack(archive: &Path, dir: &Path) -> anyhow::Result<()> {
    let file =
        fs::File::open(archive).with_context(|| format!("cannot open {}", archive.display()))?;
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    tar::Archive::new(flate2::read::GzDecoder::new(std::io::BufReader::new(file)))
        .unpack(dir)
        .with_context(|| format!("{} is not a readable .tar.gz", archive.display()))
}

#[cfg(test)]
mod tests {

    #[test]
    fn links_in_data_locations_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside.csv");
        std::fs::write(&outside, "a,b\n1,2\n").unwrap();
        let objects = Objects::new(dir.path().join("objects"));
        let data = dir.path().join("objects/bkt/data");
        std::fs::create_dir_all(&data).unwrap();
        std::fs::write(data.join("train.csv"), "a,b\n1,2\n").unwrap();
        let prefix = Location::parse("s3://bkt/data/").unwrap();
        assert_eq!(objects.list(&prefix).unwrap().len(), 1);
        // A link outside the prefix is not the prefix's business.
        std::os::unix::fs::symlink(&outside, dir.path().join("objects/bkt/other.csv")).unwrap();
        assert_eq!(objects.list(&prefix).unwrap().len(), 1);
        for (name, target) in [
            ("absolute.csv", outside.clone()),
            ("relative.csv", PathBuf::from("train.csv")),
        ] {
            let link = data.join(name);
            std::os::unix::fs::symlink(&target, &link).unwrap();
            let error = format!("{:#}", objects.list(&prefix).unwrap_err());
            assert!(
                error.starts_with(&format!(
                    "{} is a symbolic link (to {})",
                    link.display(),
                    target.display()
                )),
                "{error}"
            );
            assert!(error.contains("S3 prefix holds only objects"), "{error}");
            let local = Location::Local(data.clone());
            let error = format!("{:#}", objects.list(&local).unwrap_err());
            assert!(error.contains("is a symbolic link"), "{error}");
            std::fs::remove_file(&link).unwrap();
        }
        // A link to a directory, too.
        std::os::unix::fs::symlink(dir.path(), data.join("sub")).unwrap();
        assert!(objects.list(&prefix).is_err());
    }

    #[test]
    fn packing_never_writes_through_a_planted_link() {
        let dir = tempfile::tempdir().unwrap();
        let model = dir.path().join("model");
        std::fs::create_dir_all(&model).unwrap();
        std::fs::write(model.join("weights"), "w").unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "precious").unwrap();
        let out = dir.path().join("job/output");
        std::fs::create_dir_all(&out).unwrap();
        let to = out.join("model.tar.gz");
        // The names the old code wrote to first, and the target itself.
        std::os::unix::fs::symlink(&victim, to.with_extension("partial")).unwrap();
        std::os::unix::fs::symlink(&victim, out.join("model.tar.gz.partial")).unwrap();
        pack(&model, &to).unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert!(to.is_file() && !to.is_symlink());
        let target = out.join("record.json");
        std::os::unix::fs::symlink(&victim, &target).unwrap();
        std::os::unix::fs::symlink(&victim, target.with_extension("json.tmp")).unwrap();
        super::super::store::write_json(&target, &serde_json::json!({"a": 1})).unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert!(!target.is_symlink());
    }

    use super::*;

    #[test]
    fn s3_prefixes_and_local_paths() {
        let dir = tempfile::tempdir().unwrap();
        let objects = Objects::new(dir.path().join("objects"));
        for key in [
            "b/data/train.csv",
            "b/data/train/part-1.csv",
            "b/data/test.csv",
        ] {
            let path = objects.root.join(key);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, "x").unwrap();
        }
        let names = |uri: &str| -> Vec<String> {
            objects
                .list(&Location::parse(uri).unwrap())
                .unwrap()
                .into_iter()
                .map(|(n, _)| n)
                .collect()
        };
        assert_eq!(
            names("s3://b/data/train"),
            ["train.csv", "train/part-1.csv"]
        );
        assert_eq!(names("s3://b/data/train.csv"), ["train.csv"]);
        assert_eq!(
            names("s3://b/data/"),
            ["test.csv", "train.csv", "train/part-1.csv"]
        );
        assert!(names("s3://b/nothing").is_empty());
        let local = objects.root.join("b/data");
        assert_eq!(
            names(local.to_str().unwrap()),
            ["test.csv", "train.csv", "train/part-1.csv"]
        );
        assert_eq!(
            names(local.join("test.csv").to_str().unwrap()),
            ["test.csv"]
        );
        assert_eq!(
            Location::parse("s3://b/out")
                .unwrap()
                .join("job/model.tar.gz")
                .to_uri(),
            "s3://b/out/job/model.tar.gz"
        );
        assert_eq!(
            Location::parse("s3://b/out/").unwrap().join("x").to_uri(),
            "s3://b/out/x"
        );
        assert!(Location::parse("https://x/y").is_err());
        assert!(Location::parse("s3://b/../x").is_err());
    }

    #[test]
    fn pack_and_unpack() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        fs::create_dir_all(src.join("sub")).unwrap();
        fs::write(src.join("scores.json"), "{}").unwrap();
        fs::write(src.join("sub/a.txt"), "a").unwrap();
        let archive = dir.path().join("out/output.tar.gz");
        pack(&src, &archive).unwrap();
        let out = dir.path().join("unpacked");
        unpack(&archive, &out).unwrap();
        assert_eq!(fs::read_to_string(out.join("sub/a.txt")).unwrap(), "a");
        assert_eq!(fs::read_to_string(out.join("scores.json")).unwrap(), "{}");
    }
}
