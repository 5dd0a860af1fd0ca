//! Hashes the evaluation Lambda's sources at compile time, so `synth` can name the
//! Lambda's code asset by content (a new key whenever the function changes) without the
//! sources being present where the binary runs.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let crate_dir = root.join("lambdas/evaluate");
    // build.sh carries the size profile the zip is built with: part of what the zip is.
    let mut files = vec![
        crate_dir.join("Cargo.toml"),
        crate_dir.join("build.sh"),
        root.join("Cargo.lock"),
    ];
    files_under(&crate_dir.join("src"), &mut files);
    files.sort();
    let mut hasher = Sha256::new();
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        // Relative names and contents only: the hash must not depend on where the clone lives.
        let relative = file.strip_prefix(root).unwrap_or(file);
        hasher.update(relative.to_string_lossy().replace('\\', "/").as_bytes());
        hasher.update([0]);
        hasher.update(std::fs::read(file).unwrap_or_default());
        hasher.update([0]);
    }
    println!("cargo:rerun-if-changed={}", crate_dir.join("src").display());
    let digest = hasher.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    println!("cargo:rustc-env=AUTOML_EVALUATE_SOURCE_SHA256={hex}");
}
