//! The S3 reads a Distributed Map's `ItemReader` makes (GetObject, ListObjectsV2),
//! served from the object root: `s3://bucket/key` is `<object root>/bucket/key`
//! (`super::super::objects`). A failure is the Map Run's, `States.ItemReaderFailed`,
//! worded with S3's error message (its NoSuchKey/NoSuchBucket messages, S3 API
//! reference, "Error responses") and where the file would be locally.

use super::super::objects::{Location, Objects};
use crate::sfn::errors::Failure;
use serde_json::{json, Value};
use std::time::UNIX_EPOCH;

const READER_FAILED: &str = "States.ItemReaderFailed";

/// The body of `s3://bucket/key`, as text.
pub(crate) fn get_object(objects: &Objects, bucket: &str, key: &str) -> Result<String, Failure> {
    let location = s3(bucket, key)?;
    let path = objects.path(&location);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound || path.is_dir() => {
            return Err(Failure::new(
                READER_FAILED,
                format!(
                    "The specified key does not exist. ({}: locally no file at {}; put the object there)",
                    location.to_uri(),
                    path.display()
                ),
            ))
        }
        Err(e) => {
            return Err(Failure::new(
                READER_FAILED,
                format!("{}: cannot read {}: {e}", location.to_uri(), path.display()),
            ))
        }
    };
    String::from_utf8(bytes).map_err(|e| {
        Failure::new(
            READER_FAILED,
            format!(
                "{} ({}) is not UTF-8 text, which the ItemReader reads: {e}",
                location.to_uri(),
                path.display()
            ),
        )
    })
}

/// The objects of `bucket` whose keys start with `prefix`, in key order, each with the
/// fields a listObjectsV2 ItemReader gives (test_map_item_reader_base_list_objects_v2's
/// recording): `Etag` (the body's MD5 in quotes, as S3 gives a single-part upload's),
/// `Key`, `LastModified`, `Size`, `StorageClass`. `LastModified` is the file's time in
/// seconds since the epoch: the recording masked AWS's value, so its form is unchecked.
pub(crate) fn list_objects(
    objects: &Objects,
    bucket: &str,
    prefix: &str,
) -> Result<Vec<Value>, Failure> {
    let location = s3(bucket, prefix)?;
    let bucket_dir = objects.path(&s3(bucket, "")?);
    if !bucket_dir.is_dir() {
        return Err(Failure::new(
            READER_FAILED,
            format!(
                "The specified bucket does not exist. ({bucket}: locally no directory {}; create it and put the objects there)",
                bucket_dir.display()
            ),
        ));
    }
    let io = |e: &dyn std::fmt::Display| {
        Failure::new(READER_FAILED, format!("{}: {e}", location.to_uri()))
    };
    // `list` names each file below the prefix's last `/`: the key is that part + name.
    let dir_part = prefix.rfind('/').map_or("", |i| &prefix[..=i]);
    let mut listed = vec![];
    for (name, path) in objects.list(&location).map_err(|e| io(&e))? {
        let bytes = std::fs::read(&path).map_err(|e| io(&e))?;
        let modified = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .map_err(|e| io(&e))?
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let digest = <md5::Md5 as md5::Digest>::digest(&bytes);
        let etag: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        listed.push(json!({
            "Etag": format!("\"{etag}\""),
            "Key": format!("{dir_part}{name}"),
            "LastModified": modified,
            "Size": bytes.len(),
            "StorageClass": "STANDARD",
        }));
    }
    Ok(listed)
}

fn s3(bucket: &str, key: &str) -> Result<Location, Failure> {
    Location::parse(&format!("s3://{bucket}/{key}"))
        .map_err(|why| Failure::new(READER_FAILED, format!("the ItemReader's Parameters: {why}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_and_listings_from_the_object_root() {
        let root = tempfile::tempdir().unwrap();
        let objects = Objects::new(root.path().to_path_buf());
        std::fs::create_dir_all(root.path().join("b/in/deep")).unwrap();
        std::fs::write(root.path().join("b/in/a.csv"), "A\n1\n").unwrap();
        std::fs::write(root.path().join("b/in/deep/b.json"), "[]").unwrap();
        std::fs::write(root.path().join("b/other.txt"), "x").unwrap();

        assert_eq!(get_object(&objects, "b", "in/a.csv").unwrap(), "A\n1\n");
        let missing = get_object(&objects, "b", "in/none.csv").unwrap_err();
        assert_eq!(missing.error, READER_FAILED);
        assert!(
            missing
                .cause
                .starts_with("The specified key does not exist. (s3://b/in/none.csv"),
            "{}",
            missing.cause
        );

        let listed = list_objects(&objects, "b", "in/").unwrap();
        let keys: Vec<&str> = listed.iter().map(|o| o["Key"].as_str().unwrap()).collect();
        assert_eq!(keys, ["in/a.csv", "in/deep/b.json"]);
        // MD5 of "A\n1\n" (Python's hashlib.md5).
        assert_eq!(listed[0]["Etag"], "\"82ddb0c6e008771be2a66b678958a772\"");
        assert_eq!(listed[0]["Size"], 4);
        assert_eq!(listed[0]["StorageClass"], "STANDARD");
        assert!(listed[0]["LastModified"].as_u64().unwrap() > 1_600_000_000);
        assert_eq!(list_objects(&objects, "b", "").unwrap().len(), 3);
        assert_eq!(list_objects(&objects, "b", "in/a").unwrap().len(), 1);
        let no_bucket = list_objects(&objects, "nope", "").unwrap_err();
        assert!(
            no_bucket
                .cause
                .starts_with("The specified bucket does not exist."),
            "{}",
            no_bucket.cause
        );
    }
}
