//! The deployable artifact: `bootstrap.zip` from `lambdas/evaluate/build.sh` holds exactly
//! one executable `bootstrap`, an x86-64 ELF that needs no glibc symbol newer than 2.34
//! (what the `provided.al2023` runtime ships).

use std::io::Read;
use std::path::PathBuf;

use object::elf;
use object::read::elf::{ElfFile64, FileHeader};
use object::Endianness;

/// The newest glibc of `provided.al2023`.
const MAX_GLIBC: (u32, u32) = (2, 34);

fn zip_path() -> PathBuf {
    automl_testkit::workspace_root().join("target/lambda/bootstrap/bootstrap.zip")
}

#[test]
fn bootstrap_zip_holds_one_x86_64_binary_for_glibc_2_34() {
    let path = zip_path();
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{} cannot be read ({e}): build it with `bash lambdas/evaluate/build.sh`",
            path.display()
        )
    });
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip file");
    let names: Vec<String> = zip
        .file_names()
        .map(|n| n.map(|n| n.into_owned()))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(names, ["bootstrap"], "{}", path.display());

    let mut entry = zip.by_index(0).unwrap();
    let mode = entry.unix_mode().unwrap_or(0);
    assert_ne!(
        mode & 0o111,
        0,
        "bootstrap must be executable (mode {mode:o})"
    );
    let mut binary = Vec::new();
    entry.read_to_end(&mut binary).unwrap();

    let elf = ElfFile64::<Endianness>::parse(binary.as_slice()).expect("a 64-bit ELF");
    let endian = elf.endian();
    assert_eq!(
        elf.elf_header().e_machine(endian),
        elf::EM_X86_64,
        "not x86-64"
    );

    // A gnu-target build links glibc dynamically, so finding no version need at all would
    // mean this check is reading the wrong thing.
    let glibc = glibc_versions(&elf);
    let newest = glibc
        .iter()
        .max()
        .copied()
        .expect("no GLIBC_ version needs found");
    assert!(
        newest <= MAX_GLIBC,
        "bootstrap needs GLIBC_{}.{} (> 2.34)",
        newest.0,
        newest.1
    );
}

/// Every `GLIBC_x.y` the binary's version-needs section asks for (what `readelf -V` shows).
fn glibc_versions(elf: &ElfFile64<'_, Endianness>) -> Vec<(u32, u32)> {
    let endian = elf.endian();
    let sections = elf.elf_section_table();
    let Some((mut needs, link)) = sections.gnu_verneed(endian, elf.data()).unwrap() else {
        return Vec::new();
    };
    let strings = sections.strings(endian, elf.data(), link).unwrap();
    let mut versions = Vec::new();
    while let Some((_, mut aux)) = needs.next().unwrap() {
        while let Some(vernaux) = aux.next().unwrap() {
            let name = vernaux.name(endian, strings).unwrap();
            let Some(number) = std::str::from_utf8(name).unwrap().strip_prefix("GLIBC_") else {
                continue;
            };
            let mut parts = number.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
            let major = parts.next().unwrap_or(0);
            let minor = parts.next().unwrap_or(0);
            versions.push((major, minor));
        }
    }
    versions
}
