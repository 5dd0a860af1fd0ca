//! A full disk, in words: a write that fails with ENOSPC (no space), EDQUOT (over quota)
//! or EFBIG (over the file-size limit) is said as "the file system holding X is full"
//! with what it has free, so the user knows which disk to clean, not just that an
//! `os error 28` happened somewhere.

use std::path::Path;

/// The sentence for `error` when it is a full disk while writing `path`.
pub(crate) fn full(path: &Path, error: &std::io::Error) -> Option<String> {
    // By kind as well as by number: wrappers (tempfile's "at path" errors) keep the kind
    // and lose the number.
    let code = match (error.raw_os_error(), error.kind()) {
        (Some(code), _) => code,
        (None, std::io::ErrorKind::StorageFull) => libc::ENOSPC,
        (None, std::io::ErrorKind::QuotaExceeded) => libc::EDQUOT,
        (None, std::io::ErrorKind::FileTooLarge) => libc::EFBIG,
        _ => return None,
    };
    if code == libc::EFBIG {
        return Some(format!(
            "writing {} went over the file-size limit of this process (`ulimit -f`)",
            path.display()
        ));
    }
    if code != libc::ENOSPC && code != libc::EDQUOT {
        return None;
    }
    let mut dir = path;
    while !dir.exists() {
        dir = dir.parent()?;
    }
    let space = statvfs(dir)
        .map(|(free, total)| format!(" ({} free of {})", bytes(free), bytes(total)))
        .unwrap_or_default();
    let what = if code == libc::EDQUOT {
        "is over its disk quota"
    } else {
        "is full"
    };
    Some(format!(
        "the file system holding {} {what}{space}: free space there (or choose another --state-dir / --object-root) and run again",
        dir.display()
    ))
}

/// The full-disk sentence for an I/O error in `error`'s chain, if one is a full disk.
pub(crate) fn explain(path: &Path, error: &anyhow::Error) -> Option<String> {
    // Archive writers wrap the system's error in their own: look through every layer.
    error
        .chain()
        .filter_map(|cause| cause.downcast_ref::<std::io::Error>())
        .find_map(|io| full(path, io))
}

/// The full-disk sentence for a child's own error message (`OSError: [Errno 28] No space
/// left on device`), naming the file system of `path`, where the child wrote.
pub(crate) fn in_message(message: &str, path: &Path) -> Option<String> {
    let code = if message.contains("[Errno 28]") || message.contains("No space left on device") {
        libc::ENOSPC
    } else if message.contains("[Errno 122]") || message.contains("Disk quota exceeded") {
        libc::EDQUOT
    } else {
        return None;
    };
    full(path, &std::io::Error::from_raw_os_error(code))
}

/// (free bytes for an unprivileged user, total bytes) of the file system of `dir`.
fn statvfs(dir: &Path) -> Option<(u64, u64)> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs(3) fills the zeroed struct we own from a NUL-terminated path.
    unsafe {
        let mut stat: libc::statvfs = std::mem::zeroed();
        if libc::statvfs(path.as_ptr(), &mut stat) != 0 {
            return None;
        }
        let block = stat.f_frsize as u64;
        Some((stat.f_bavail as u64 * block, stat.f_blocks as u64 * block))
    }
}

fn bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GiB", n as f64 / (1u64 << 30) as f64),
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64),
        n if n >= 1 << 10 => format!("{} KiB", n >> 10),
        n => format!("{n} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};
    use std::process::Command;

    /// A 256 KiB tmpfs, unmounted on drop: a real full disk without filling a real one.
    struct SmallDisk {
        dir: tempfile::TempDir,
    }

    impl SmallDisk {
        fn mount() -> SmallDisk {
            let dir = tempfile::tempdir().unwrap();
            let status = Command::new("mount")
                .args(["-t", "tmpfs", "-o", "size=256k", "tmpfs"])
                .arg(dir.path())
                .status();
            assert!(
                status.is_ok_and(|s| s.success()),
                "this test mounts a 256 KiB tmpfs to fill it: run it as root (or with CAP_SYS_ADMIN)"
            );
            SmallDisk { dir }
        }

        fn path(&self) -> &Path {
            self.dir.path()
        }
    }

    impl Drop for SmallDisk {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(self.dir.path()).status();
        }
    }

    fn fill(disk: &Path) -> PathBuf {
        let filler = disk.join("filler");
        let mut file = std::fs::File::create(&filler).unwrap();
        let block = vec![7u8; 4096];
        while std::io::Write::write_all(&mut file, &block).is_ok() {}
        filler
    }

    #[test]
    fn a_full_disk_is_named_records_still_end_and_no_partial_file_stays() {
        let disk = SmallDisk::mount();
        let record = disk.path().join("job/record.json");
        crate::local::store::write_json(
            &record,
            &serde_json::json!({"TrainingJobStatus": "InProgress", "pad": "x".repeat(300)}),
        )
        .unwrap();
        // A model too big for the disk.
        let model = tempfile::tempdir().unwrap();
        // Incompressible bytes (xorshift), so the archive is as big as the model.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let noise: Vec<u8> = (0..600_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        std::fs::write(model.path().join("weights"), noise).unwrap();
        let to = disk.path().join("out/model.tar.gz");
        let error = crate::local::objects::pack(model.path(), &to).unwrap_err();
        let said = super::explain(&to, &error).expect("a full disk is recognised");
        assert!(
            said.starts_with(&format!(
                "the file system holding {} is full (",
                disk.path().join("out").display()
            )),
            "{said}"
        );
        let left: Vec<_> = std::fs::read_dir(disk.path().join("out"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert!(left.is_empty(), "no partial archive may stay: {left:?}");
        // Now nothing at all is free: the record still says how the job ended.
        let filler = fill(disk.path());
        crate::local::store::write_json(
            &record,
            &serde_json::json!({"TrainingJobStatus": "Failed"}),
        )
        .unwrap();
        let text = std::fs::read_to_string(&record).unwrap();
        assert!(text.contains("\"Failed\""), "{text}");
        // A new file on a full disk fails naming the disk, and leaves no temporary file.
        let error = crate::local::store::write_json(
            &disk.path().join("job/new.json"),
            &serde_json::json!({"a": "b".repeat(5000)}),
        )
        .unwrap_err();
        assert!(format!("{error:#}").contains("is full ("), "{error:#}");
        let left: Vec<_> = std::fs::read_dir(disk.path().join("job"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(left, vec![std::ffi::OsString::from("record.json")]);
        drop(filler);
        // A child's own words for it (Python's OSError) get the same sentence.
        let said = super::in_message(
            "OSError: [Errno 28] No space left on device: 'model.pkl'",
            &record,
        )
        .unwrap();
        assert!(
            said.starts_with(&format!(
                "the file system holding {} is full",
                record.display()
            )),
            "{said}"
        );
        assert!(super::in_message("ValueError: bad", &record).is_none());
    }
}
