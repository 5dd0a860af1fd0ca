//! The Python environment with AutoGluon that local training and serving run in: the one
//! `automl local setup` creates (`<state dir>/venv`, from the requirements compiled into
//! this binary, the same pins the test environment uses), or one the user points at with
//! `--python`. A missing or incomplete one is an error that names the command fixing it.

use anyhow::{bail, Context as _};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The AutoGluon scripts' runtime requirements (scripts/autogluon/requirements.txt).
pub(crate) const REQUIREMENTS: &str = include_str!("../../scripts/autogluon/requirements.txt");
/// What local multi-host runs need beyond them: Ray, pinned
/// (scripts/autogluon/requirements-local.txt; the training container has its own).
pub(crate) const LOCAL_REQUIREMENTS: &str =
    include_str!("../../scripts/autogluon/requirements-local.txt");

/// The interpreter inside a venv.
pub(crate) fn venv_python(venv: &Path) -> PathBuf {
    venv.join("bin").join("python")
}

/// Finds the interpreter to use: `--python` when given, else the state directory's venv.
/// Checks that it runs and that `autogluon.tabular` is importable (without importing it:
/// a few milliseconds).
pub(crate) fn resolve(given: Option<&Path>, venv: &Path) -> anyhow::Result<PathBuf> {
    let setup = format!(
        "run `automl local setup` (creates {} with AutoGluon), or pass --python with the interpreter of an environment that has autogluon.tabular",
        venv.display()
    );
    let python = match given {
        Some(path) => {
            let found = if path.components().count() > 1 || path.exists() {
                Some(super::objects::absolute(path)).filter(|p| p.exists())
            } else {
                // A bare name (`python3.11`): look it up on PATH.
                std::env::var_os("PATH").and_then(|paths| {
                    std::env::split_paths(&paths)
                        .map(|dir| dir.join(path))
                        .find(|p| p.is_file())
                })
            };
            found.ok_or_else(|| {
                anyhow::anyhow!("--python {}: no such file; {setup}", path.display())
            })?
        }
        None => {
            let python = venv_python(venv);
            if !python.exists() {
                bail!("no Python environment for local runs: {setup}");
            }
            python
        }
    };
    let probe = Command::new(&python)
        .args([
            "-c",
            "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('autogluon') and importlib.util.find_spec('autogluon.tabular') else 3)",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .with_context(|| format!("cannot run {}; {setup}", python.display()))?;
    match probe.code() {
        Some(0) => Ok(python),
        Some(3) => bail!("{} has no autogluon.tabular; {setup}", python.display()),
        _ => bail!("{} does not run ({probe}); {setup}", python.display()),
    }
}

/// The Python versions AutoGluon 1.4 supports, newest first.
const SUPPORTED: [&str; 4] = ["3.12", "3.11", "3.10", "3.9"];

/// The `major.minor` version of an interpreter.
fn version(python: &Path) -> Option<String> {
    let output = Command::new(python)
        .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// A Python to build the venv from: `base` when given, else the first supported one on
/// PATH (`python3.12` ... `python3.9`, then `python3`).
fn base_python(base: Option<&Path>) -> anyhow::Result<PathBuf> {
    let wanted = SUPPORTED.join(", ");
    if let Some(base) = base {
        let v = version(base).with_context(|| format!("cannot run {}", base.display()))?;
        if !SUPPORTED.contains(&v.as_str()) {
            bail!(
                "{} is Python {v}; AutoGluon needs one of {wanted}",
                base.display()
            );
        }
        return Ok(base.to_path_buf());
    }
    let mut seen = Vec::new();
    for name in SUPPORTED
        .iter()
        .map(|v| format!("python{v}"))
        .chain(["python3".to_string()])
    {
        if let Some(v) = version(Path::new(&name)) {
            if SUPPORTED.contains(&v.as_str()) {
                return Ok(PathBuf::from(name));
            }
            seen.push(format!("{name} is {v}"));
        }
    }
    bail!(
        "no Python {wanted} found on PATH{}; install one, or pass --base-python /path/to/python3.11",
        if seen.is_empty() { String::new() } else { format!(" ({})", seen.join(", ")) }
    )
}

fn stamp(base: &Path) -> String {
    let digest = Sha256::digest(format!(
        "{REQUIREMENTS}\n{LOCAL_REQUIREMENTS}\n{}",
        base.display()
    ));
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Creates (or completes) the venv: `python -m venv`, then `pip install -r` the compiled-in
/// requirements. Returns at once when a previous setup with the same requirements is
/// complete. Reports each step to `progress`. An existing directory that an earlier setup
/// did not create is never deleted without `force`.
pub(crate) fn setup(
    venv: &Path,
    base: Option<&Path>,
    force: bool,
    progress: &mut dyn crate::report::Progress,
) -> anyhow::Result<PathBuf> {
    let base = base_python(base)?;
    let python = venv_python(venv);
    let stamp_file = venv.join(".automl-setup");
    let want = stamp(&base);
    if !force
        && python.exists()
        && std::fs::read_to_string(&stamp_file).ok().as_deref() == Some(want.as_str())
    {
        progress.line(&format!(
            "{} is already set up (AutoGluon as pinned in scripts/autogluon/requirements.txt)",
            venv.display()
        ));
        return Ok(python);
    }
    let started = std::time::Instant::now();
    if venv.exists() && !force && !stamp_file.exists() {
        bail!(
            "{} exists and was not created by `automl local setup`: nothing was changed; \
             pass --force to replace it, or choose another --state-dir",
            venv.display()
        );
    }
    if venv.exists() {
        std::fs::remove_dir_all(venv)
            .with_context(|| format!("cannot remove the old {}", venv.display()))?;
    }
    // From here on an interrupt stops the step that runs (its whole process group) and
    // removes the half-made venv: nothing is left running or looking ready.
    super::interrupt::install();
    let total = 4;
    let mut step = |number: usize, what: &str, work: &mut dyn FnMut() -> anyhow::Result<()>| {
        let text = format!("[{number}/{total}] {what}");
        progress.step(&text);
        let began = std::time::Instant::now();
        let result = work();
        let took = began.elapsed().as_secs_f64();
        match &result {
            Ok(()) => progress.line(&format!("✓ {text} ({took:.1} s)")),
            Err(_) => progress.line(&format!("✗ {text}: failed after {took:.1} s")),
        }
        result
    };
    let mut steps = || -> anyhow::Result<()> {
        step(
            1,
            &format!("creating {} with {}", venv.display(), base.display()),
            &mut || {
                run(
                    Command::new(&base).arg("-m").arg("venv").arg(venv),
                    "python -m venv",
                )
            },
        )?;
        // Ours from now on, not ready until the stamp says so: a setup that fails later (PyPI
        // unreachable) or is killed outright (SIGKILL) is redone by the next one without --force.
        std::fs::write(&stamp_file, "incomplete\n")
            .with_context(|| format!("cannot write {}", stamp_file.display()))?;
        let requirements = venv.join("requirements.txt");
        std::fs::write(&requirements, REQUIREMENTS)
            .with_context(|| format!("cannot write {}", requirements.display()))?;
        let local_requirements = venv.join("requirements-local.txt");
        std::fs::write(&local_requirements, LOCAL_REQUIREMENTS)
            .with_context(|| format!("cannot write {}", local_requirements.display()))?;
        let pip = || {
            let mut pip = Command::new(&python);
            pip.env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
                .env("PIP_NO_INPUT", "1");
            pip
        };
        step(2, "upgrading pip (PyPI)", &mut || {
            run(
                pip().args(["-m", "pip", "install", "--quiet", "--upgrade", "pip"]),
                "pip install --upgrade pip",
            )
        })?;
        step(
            3,
            "installing AutoGluon (tabular, LightGBM) and Ray from PyPI: about two minutes and 1 GB",
            &mut || {
                run(
                    pip()
                        .args(["-m", "pip", "install", "--quiet", "-r"])
                        .arg(&requirements)
                        .arg("-r")
                        .arg(&local_requirements),
                    "pip install -r requirements.txt -r requirements-local.txt",
                )
            },
        )?;
        step(
            4,
            "checking that autogluon.tabular, lightgbm and ray import",
            &mut || {
                run(
                Command::new(&python).args(["-c", "import autogluon.tabular, lightgbm, ray; print('autogluon.tabular', autogluon.tabular.__version__, 'ray', ray.__version__)"]),
                "import autogluon.tabular, ray",
            )
            },
        )
    };
    let done = steps();
    if let Some(signal) = super::interrupt::requested() {
        let removed = std::fs::remove_dir_all(venv);
        bail!(
            "interrupted ({}): setup stopped, its pip and python processes ended; {} {}; run `automl local setup` again",
            super::interrupt::signal_name(signal),
            venv.display(),
            match removed {
                Ok(()) => "was incomplete and is removed".to_string(),
                Err(e) => format!("is incomplete and could not be removed ({e}); the next setup redoes it"),
            }
        );
    }
    done?;
    std::fs::write(&stamp_file, want)?;
    progress.line(&format!(
        "{} is ready ({} s)",
        venv.display(),
        started.elapsed().as_secs()
    ));
    Ok(python)
}

/// Runs one setup step; an interrupt stops it (see [`super::process::run_attended`]).
fn run(command: &mut Command, what: &str) -> anyhow::Result<()> {
    let status = super::process::run_attended(command)
        .with_context(|| format!("{what}: cannot start it"))?;
    match status {
        None => bail!("{what} was stopped"),
        Some(status) if !status.success() => {
            bail!("{what} failed ({status}); see the output above (PyPI must be reachable)")
        }
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_environments_name_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let error = resolve(None, &dir.path().join("venv"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("automl local setup"), "{error}");
        let error = resolve(Some(&dir.path().join("nope")), &dir.path().join("venv"))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("--python") && error.contains("automl local setup"),
            "{error}"
        );
        assert!(REQUIREMENTS.contains("autogluon.tabular"));
        assert!(LOCAL_REQUIREMENTS.contains("ray[default]=="));
    }
}
