//! Child processes of the local back-ends: a job (training, batch transform) runs to its
//! end with its output in a log file, in its own process group (so its own children —
//! Ray workers, AutoGluon's fold processes — are stopped with it), and is stopped at its
//! deadline or when the run is interrupted (see [`super::interrupt`]). While it runs, a
//! pid file in its directory names it and its owner, so a run killed outright is cleaned
//! up by the next command; the kernel also ends the job when its owner dies
//! (PR_SET_PDEATHSIG). A group of jobs (the hosts of a multi-instance training job) runs
//! side by side and the first to fail stops the rest. A server (an endpoint) is detached
//! into its own process group so it outlives
//! the run. Liveness and
//! stopping go by process id, checked against the command line so a recycled id is
//! never mistaken for our server.

use anyhow::Context as _;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How a job process ended.
#[derive(Debug)]
pub(crate) enum JobEnd {
    Exited(Option<i32>),
    /// Killed at the deadline.
    TimedOut,
    /// Stopped because the run was interrupted (SIGINT, SIGTERM, SIGHUP).
    Interrupted,
}

/// The file in a job's directory that names its running process (removed at its end).
pub(crate) const PID_FILE: &str = "job.pid.json";

/// Runs `command` with stdout and stderr appended to `log`; stops it (its whole process
/// group) at `deadline` or when the run is interrupted.
pub(crate) fn run_job(
    command: Command,
    log: &Path,
    deadline: Option<Instant>,
) -> anyhow::Result<JobEnd> {
    run_job_following(command, log, deadline, &mut |_| {})
}

/// [`run_job`], handing each complete line the job writes to `on_line` as it comes.
pub(crate) fn run_job_following(
    mut command: Command,
    log: &Path,
    deadline: Option<Instant>,
    on_line: &mut dyn FnMut(&str),
) -> anyhow::Result<JobEnd> {
    if let Some(parent) = log.parent() {
        fs::create_dir_all(parent)?;
    }
    let out = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .with_context(|| format!("cannot write the log {}", log.display()))?;
    let err = out.try_clone()?;
    command.stdin(Stdio::null()).stdout(out).stderr(err);
    new_process_group(&mut command);
    die_with_parent(&mut command);
    let program = command.get_program().to_string_lossy().to_string();
    let started = Instant::now();
    let start = fs::metadata(log).map(|m| m.len()).unwrap_or(0);
    let mut child = command
        .spawn()
        .with_context(|| format!("cannot start {program}"))?;
    let pid_file = log.parent().map(|dir| dir.join(PID_FILE));
    if let Some(pid_file) = &pid_file {
        let pid = child.id();
        let record = serde_json::json!({
            "pid": pid,
            "started": super::interrupt::start_time(pid),
            "owner": super::interrupt::owner(),
        });
        let _ = super::store::write_json(pid_file, &record);
    }
    let result = wait_job(&mut child, log, deadline, started, start, on_line);
    if let Some(pid_file) = &pid_file {
        let _ = fs::remove_file(pid_file);
    }
    result
}

fn wait_job(
    child: &mut std::process::Child,
    log: &Path,
    deadline: Option<Instant>,
    started: Instant,
    start: u64,
    on_line: &mut dyn FnMut(&str),
) -> anyhow::Result<JobEnd> {
    let mut tail = Tail::open(log, start);
    let mut follow = |tail: &mut Option<Tail>| {
        if let Some(tail) = tail {
            tail.lines(on_line);
        }
    };
    let footer = |what: &str| {
        use std::io::Write;
        if let Ok(mut log) = fs::OpenOptions::new().append(true).open(log) {
            let _ = writeln!(
                log,
                "[automl] the process {what} after {:.3} s",
                started.elapsed().as_secs_f64()
            );
        }
    };
    loop {
        follow(&mut tail);
        if let Some(status) = child.try_wait()? {
            follow(&mut tail);
            footer(&format!("exited with {status}"));
            // Whatever it left in its group (daemonised workers) ends with it.
            signal_group(child.id(), libc::SIGKILL);
            return Ok(JobEnd::Exited(status.code()));
        }
        let (why, end) = if let Some(signal) = super::interrupt::requested() {
            (
                format!(
                    "was stopped: automl was interrupted ({})",
                    super::interrupt::signal_name(signal)
                ),
                JobEnd::Interrupted,
            )
        } else if deadline.is_some_and(|d| Instant::now() >= d) {
            (
                "reached its deadline and was stopped".to_string(),
                JobEnd::TimedOut,
            )
        } else {
            std::thread::sleep(Duration::from_millis(50));
            continue;
        };
        footer(&why);
        stop_group(child, Duration::from_secs(5));
        return Ok(end);
    }
}

/// Runs `command` with the terminal's output (a setup step: pip, venv) in its own process
/// group that dies with automl, and stops that whole group when automl is interrupted.
/// `Ok(None)`: it was stopped by the interrupt; `Ok(Some(status))`: it ended by itself.
pub(crate) fn run_attended(
    command: &mut Command,
) -> std::io::Result<Option<std::process::ExitStatus>> {
    command.stdin(Stdio::null());
    new_process_group(command);
    die_with_parent(command);
    let mut child = command.spawn()?;
    loop {
        if let Some(status) = child.try_wait()? {
            // pip's build subprocesses, if any outlived it, end with it.
            signal_group(child.id(), libc::SIGKILL);
            return Ok(Some(status));
        }
        if super::interrupt::requested().is_some() {
            stop_group(&mut child, Duration::from_secs(5));
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// SIGTERM to the child's process group, SIGKILL to what is left after `grace`.
fn stop_group(child: &mut std::process::Child, grace: Duration) {
    let pid = child.id();
    signal_group(pid, libc::SIGTERM);
    let until = Instant::now() + grace;
    while Instant::now() < until {
        if matches!(child.try_wait(), Ok(Some(_))) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    signal_group(pid, libc::SIGKILL);
    let _ = child.kill();
    let _ = child.wait();
}

/// Ends the process group of a job a dead run left behind (a pid file's content). A
/// leader that runs with another start time is a recycled id and is left alone.
pub(crate) fn end_job(job: &serde_json::Value) {
    let Some(pid) = job.get("pid").and_then(serde_json::Value::as_u64) else {
        return;
    };
    let pid = pid as u32;
    if pid == 0 || pid > i32::MAX as u32 {
        return;
    }
    let recorded = job.get("started").and_then(serde_json::Value::as_u64);
    if let (Some(now), Some(recorded)) = (super::interrupt::start_time(pid), recorded) {
        if now != recorded {
            return;
        }
    }
    signal_group(pid, libc::SIGTERM);
    let until = Instant::now() + Duration::from_secs(5);
    while Instant::now() < until && group_exists(pid) {
        std::thread::sleep(Duration::from_millis(50));
    }
    signal_group(pid, libc::SIGKILL);
}

/// Whether any process of group `pgid` still exists.
pub(crate) fn group_exists(pgid: u32) -> bool {
    // SAFETY: signal 0 to a group only checks that it exists.
    unsafe { libc::kill(-(pgid as i32), 0) == 0 }
}

/// The kernel ends the job when the thread that started it dies (SIGKILL of automl
/// included), so a killed run orphans no trainer.
fn die_with_parent(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs between fork and exec and calls only prctl(2), which is
    // async-signal-safe.
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
}

/// The new complete lines of a growing log.
struct Tail {
    file: fs::File,
    pending: Vec<u8>,
}

impl Tail {
    fn open(log: &Path, start: u64) -> Option<Tail> {
        use std::io::Seek;
        let mut file = fs::File::open(log).ok()?;
        file.seek(std::io::SeekFrom::Start(start)).ok()?;
        Some(Tail {
            file,
            pending: Vec::new(),
        })
    }

    fn lines(&mut self, on_line: &mut dyn FnMut(&str)) {
        use std::io::Read;
        let mut chunk = [0u8; 8192];
        while let Ok(n) = self.file.read(&mut chunk) {
            if n == 0 {
                break;
            }
            self.pending.extend_from_slice(&chunk[..n]);
        }
        while let Some(end) = self.pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            on_line(String::from_utf8_lossy(&line).trim_end());
        }
    }
}

/// Starts `command` detached (own process group, stdin closed, output to `log`) and
/// returns its process id. It is not waited for: it outlives this process.
pub(crate) fn spawn_detached(mut command: Command, log: &Path) -> anyhow::Result<u32> {
    if let Some(parent) = log.parent() {
        fs::create_dir_all(parent)?;
    }
    let out =
        fs::File::create(log).with_context(|| format!("cannot write the log {}", log.display()))?;
    let err = out.try_clone()?;
    command.stdin(Stdio::null()).stdout(out).stderr(err);
    new_process_group(&mut command);
    let program = command.get_program().to_string_lossy().to_string();
    let child = command
        .spawn()
        .with_context(|| format!("cannot start {program}"))?;
    Ok(child.id())
}

fn new_process_group(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    command.process_group(0);
}

fn signal_group(pid: u32, signal: i32) {
    // SAFETY: kill(2) with a negative pid signals the process group we created; no memory
    // is shared.
    unsafe {
        libc::kill(-(pid as i32), signal);
    }
}

/// Whether process `pid` runs and its command line contains `marker` (where the system
/// lets us read it). Zombies count as ended.
pub(crate) fn alive(pid: u32, marker: &str) -> bool {
    if pid == 0 || pid > i32::MAX as u32 {
        return false;
    }
    let proc_dir = Path::new("/proc").join(pid.to_string());
    if Path::new("/proc/self").exists() {
        let Ok(stat) = fs::read_to_string(proc_dir.join("stat")) else {
            return false;
        };
        // The state follows the parenthesised command name.
        let state = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next());
        if matches!(state, Some("Z") | Some("X")) {
            return false;
        }
        // An empty command line: the process is between fork and exec (just started).
        return fs::read(proc_dir.join("cmdline"))
            .map(|cmdline| cmdline.is_empty() || String::from_utf8_lossy(&cmdline).contains(marker))
            .unwrap_or(false);
    }
    // SAFETY: signal 0 only checks that the process exists.
    unsafe { libc::kill(pid as i32, 0) == 0 }
}

/// Stops a detached server: SIGTERM to its group, SIGKILL after `grace`.
pub(crate) fn stop(pid: u32, marker: &str, grace: Duration) -> bool {
    if !alive(pid, marker) {
        return false;
    }
    signal_group(pid, libc::SIGTERM);
    let until = Instant::now() + grace;
    while Instant::now() < until {
        if !alive(pid, marker) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    signal_group(pid, libc::SIGKILL);
    true
}

/// The last `error: ...` line of a log (what the AutoGluon scripts print on failure),
/// else its last non-empty line.
pub(crate) fn last_error(log: &Path) -> Option<String> {
    let text = fs::read_to_string(log).ok()?;
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("[automl]"))
        .collect();
    lines
        .iter()
        .rev()
        .find_map(|l| l.strip_prefix("error: "))
        .or_else(|| lines.last().copied())
        .map(str::to_string)
}

/// How a group of job processes (the hosts of a multi-instance training job) ended.
#[derive(Debug)]
pub(crate) enum GroupEnd {
    /// Every process exited with status 0.
    Succeeded,
    /// Process `index` was the first to fail (exit `code`, None for a signal); the others
    /// were stopped.
    Failed { index: usize, code: Option<i32> },
    /// Stopped at the deadline.
    TimedOut,
    /// Stopped because the run was interrupted (SIGINT, SIGTERM, SIGHUP).
    Interrupted,
}

/// Runs `jobs` (each a command and its log) side by side, as `run_job` runs one: the first
/// to fail stops all the others (SIGTERM, then SIGKILL after a grace period), so a failed
/// host never leaves the rest of its cluster running.
pub(crate) fn run_group(
    jobs: Vec<(Command, std::path::PathBuf)>,
    deadline: Option<Instant>,
) -> anyhow::Result<GroupEnd> {
    let started = Instant::now();
    let mut children: Vec<(std::process::Child, std::path::PathBuf, bool)> = Vec::new();
    for (mut command, log) in jobs {
        let spawned = (|| -> anyhow::Result<std::process::Child> {
            if let Some(parent) = log.parent() {
                fs::create_dir_all(parent)?;
            }
            let out = fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log)
                .with_context(|| format!("cannot write the log {}", log.display()))?;
            let err = out.try_clone()?;
            command.stdin(Stdio::null()).stdout(out).stderr(err);
            // Each host dies with automl (a kill of automl alone takes the cluster too).
            die_with_parent(&mut command);
            let program = command.get_program().to_string_lossy().to_string();
            command
                .spawn()
                .with_context(|| format!("cannot start {program}"))
        })();
        match spawned {
            Ok(child) => children.push((child, log, false)),
            Err(e) => {
                stop_children(&mut children);
                return Err(e);
            }
        }
    }
    let footer = |log: &Path, what: &str| {
        use std::io::Write;
        if let Ok(mut file) = fs::OpenOptions::new().append(true).open(log) {
            let _ = writeln!(
                file,
                "[automl] the process {what} after {:.3} s",
                started.elapsed().as_secs_f64()
            );
        }
    };
    loop {
        let mut running = 0;
        for index in 0..children.len() {
            let (child, log, done) = &mut children[index];
            if *done {
                continue;
            }
            match child.try_wait()? {
                Some(status) => {
                    *done = true;
                    footer(log, &format!("exited with {status}"));
                    if !status.success() {
                        let code = status.code();
                        stop_children(&mut children);
                        return Ok(GroupEnd::Failed { index, code });
                    }
                }
                None => running += 1,
            }
        }
        if running == 0 {
            return Ok(GroupEnd::Succeeded);
        }
        let stop = if let Some(signal) = super::interrupt::requested() {
            Some((
                format!(
                    "was stopped: automl was interrupted ({})",
                    super::interrupt::signal_name(signal)
                ),
                GroupEnd::Interrupted,
            ))
        } else if deadline.is_some_and(|d| Instant::now() >= d) {
            Some((
                "reached its deadline and was stopped".to_string(),
                GroupEnd::TimedOut,
            ))
        } else {
            None
        };
        if let Some((why, end)) = stop {
            for (_, log, done) in &children {
                if !done {
                    footer(log, &why);
                }
            }
            stop_children(&mut children);
            return Ok(end);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// SIGTERM to every child still running, SIGKILL to those still there after 15 s (a host
/// unwinds on SIGTERM: it tells its cluster and stops its Ray node).
fn stop_children(children: &mut [(std::process::Child, std::path::PathBuf, bool)]) {
    for (child, _, done) in children.iter_mut() {
        if !*done {
            // SAFETY: kill(2) on our own child's pid; no memory is shared.
            unsafe {
                libc::kill(child.id() as i32, libc::SIGTERM);
            }
        }
    }
    let grace = Instant::now() + Duration::from_secs(15);
    for (child, _, done) in children.iter_mut() {
        if *done {
            continue;
        }
        loop {
            if matches!(child.try_wait(), Ok(Some(_)) | Err(_)) {
                break;
            }
            if Instant::now() >= grace {
                let _ = child.kill();
                let _ = child.wait();
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        *done = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_end_or_time_out() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("job.log");
        let mut ok = Command::new("sh");
        ok.args(["-c", "echo hello; echo 'error: broken' >&2; exit 3"]);
        assert!(matches!(
            run_job(ok, &log, None).unwrap(),
            JobEnd::Exited(Some(3))
        ));
        assert_eq!(last_error(&log).as_deref(), Some("broken"));
        let mut slow = Command::new("sleep");
        slow.arg("30");
        let started = Instant::now();
        let end = run_job(
            slow,
            &log,
            Some(Instant::now() + Duration::from_millis(300)),
        )
        .unwrap();
        assert!(matches!(end, JobEnd::TimedOut));
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn the_first_job_of_a_group_to_fail_stops_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let mut slow = Command::new("sleep");
        slow.arg("30");
        let mut failing = Command::new("sh");
        failing.args(["-c", "sleep 0.2; echo 'error: host down' >&2; exit 3"]);
        let started = Instant::now();
        let end = run_group(
            vec![
                (slow, dir.path().join("a.log")),
                (failing, dir.path().join("b.log")),
            ],
            None,
        )
        .unwrap();
        assert!(
            matches!(
                end,
                GroupEnd::Failed {
                    index: 1,
                    code: Some(3)
                }
            ),
            "{end:?}"
        );
        // The sleeper was stopped, not waited for.
        assert!(started.elapsed() < Duration::from_secs(10));
        assert_eq!(
            last_error(&dir.path().join("b.log")).as_deref(),
            Some("host down")
        );
        let mut a = Command::new("true");
        a.arg("x");
        let b = Command::new("true");
        let end = run_group(
            vec![(a, dir.path().join("c.log")), (b, dir.path().join("d.log"))],
            None,
        )
        .unwrap();
        assert!(matches!(end, GroupEnd::Succeeded), "{end:?}");
        let mut slow = Command::new("sleep");
        slow.arg("30");
        let end = run_group(
            vec![(slow, dir.path().join("e.log"))],
            Some(Instant::now() + Duration::from_millis(300)),
        )
        .unwrap();
        assert!(matches!(end, GroupEnd::TimedOut), "{end:?}");
    }

    #[test]
    fn detached_servers_can_be_stopped() {
        let dir = tempfile::tempdir().unwrap();
        let mut server = Command::new("sleep");
        server.arg("31.5");
        let pid = spawn_detached(server, &dir.path().join("s.log")).unwrap();
        assert!(alive(pid, "31.5"));
        std::thread::sleep(Duration::from_millis(100));
        assert!(!alive(pid, "not-this-one"));
        assert!(stop(pid, "31.5", Duration::from_secs(2)));
        // Our own child: it stays a zombie until reaped, which counts as ended.
        std::thread::sleep(Duration::from_millis(200));
        assert!(!alive(pid, "31.5"));
    }
}
