//! One `dx serve`-like instance, writing its server binary the way dx does.
//!
//! Usage: dxlike <output-dir W> <built server> <copy|ssg> <rounds> <server run time ms>
//!
//! Every round does what dx does when it opens the app:
//!   copy: create_dir_all(W), copy the built server to W/server, copy W/server to
//!         W/server-<8 hex>, run that copy and remove it;
//!   ssg:  create_dir_all(W), copy the built server to W/server, run W/server itself
//!         (static-site generation).
//! and prints exactly one line, `result ok` or `result <etxtbsy|eperm|enoexec|torn|other> <detail>`.

use std::collections::hash_map::RandomState;
use std::fs;
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{exit, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// Exit status of a server that found its own blob damaged (see server.rs).
const TORN_EXIT: i32 = 86;

const ETXTBSY: i32 = 26;
const EPERM: i32 = 1;
const ENOEXEC: i32 = 8;

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Copy,
    Ssg,
}

struct Failure {
    kind: &'static str,
    detail: String,
}

impl Failure {
    fn new(kind: &'static str, detail: String) -> Failure {
        Failure { kind, detail }
    }

    fn io(step: &str, e: io::Error) -> Failure {
        let kind = match e.raw_os_error() {
            Some(ETXTBSY) => "etxtbsy",
            Some(EPERM) => "eperm",
            Some(ENOEXEC) => "enoexec",
            _ => "other",
        };
        Failure::new(kind, format!("{step}: {e}"))
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 6 {
        eprintln!("usage: dxlike <output-dir> <built-server> <copy|ssg> <rounds> <run-time-ms>");
        exit(2);
    }
    let mode = match args[3].as_str() {
        "copy" => Mode::Copy,
        "ssg" => Mode::Ssg,
        other => {
            eprintln!("dxlike: unknown mode {other}");
            exit(2);
        }
    };
    let (rounds, run_ms) = match (args[4].parse::<u32>(), args[5].parse::<u64>()) {
        (Ok(r), Ok(t)) => (r, t),
        _ => {
            eprintln!("dxlike: rounds and run time must be numbers");
            exit(2);
        }
    };
    let w = PathBuf::from(&args[1]);
    let exe = PathBuf::from(&args[2]);
    // Rounds start in fixed slots, so that an instance whose round failed early does not race
    // through its remaining rounds while another instance's server still runs. Within its slot
    // a round starts after a random delay of up to an eighth of the run time: short enough for
    // the copies of different instances to overlap often, long enough for some of them to
    // come after a server has started running W/server.
    let slot = Duration::from_millis(run_ms + run_ms / 2);
    let first = Instant::now();
    for k in 0..rounds {
        let offset = Duration::from_millis(entropy() % (run_ms / 8).max(1));
        let start = first + slot * k + offset;
        if let Some(wait) = start.checked_duration_since(Instant::now()) {
            sleep(wait);
        }
        match round(&w, &exe, mode, &args[5]) {
            Ok(()) => println!("result ok"),
            Err(f) => println!("result {} {}", f.kind, one_line(&f.detail)),
        }
    }
}

fn round(w: &Path, exe: &Path, mode: Mode, run_ms: &str) -> Result<(), Failure> {
    fs::create_dir_all(w).map_err(|e| Failure::io("create_dir_all(W)", e))?;
    let server = w.join("server");
    fs::copy(exe, &server).map_err(|e| Failure::io("copy to W/server", e))?;
    if mode == Mode::Ssg {
        return serve(&server, "W/server", run_ms);
    }
    let copy = w.join(format!("server-{:08x}", entropy() as u32));
    // Details name the copy by its pattern so that equal failures read the same.
    let shown = "W/server-<hex>";
    fs::copy(&server, &copy).map_err(|e| Failure::io(&format!("copy W/server to {shown}"), e))?;
    let served = serve(&copy, shown, run_ms);
    let removed = fs::remove_file(&copy).map_err(|e| Failure::io(&format!("remove {shown}"), e));
    served.and(removed)
}

fn serve(path: &Path, shown: &str, run_ms: &str) -> Result<(), Failure> {
    let out = Command::new(path)
        .arg(run_ms)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Failure::io(&format!("spawn {shown}"), e))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let said = stdout.lines().next().unwrap_or("").trim();
    if let Some(signal) = out.status.signal() {
        return Err(Failure::new("torn", format!("{shown} killed by signal {signal}")));
    }
    if out.status.code() == Some(TORN_EXIT) || said.contains("torn") {
        return Err(Failure::new("torn", format!("{shown}: {said}")));
    }
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let why = stderr.lines().next().unwrap_or("").trim();
        return Err(Failure::new("other", format!("{shown} exited with {}: {why}", out.status)));
    }
    // Running the other variant, complete, is the last writer winning, not damage.
    if said == "server a ok" || said == "server b ok" {
        Ok(())
    } else {
        Err(Failure::new("torn", format!("{shown} printed {said:?}")))
    }
}

/// std has no RNG, but every RandomState gets fresh keys.
fn entropy() -> u64 {
    RandomState::new().build_hasher().finish()
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}
