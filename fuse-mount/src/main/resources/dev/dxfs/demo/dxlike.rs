//! One `dx serve`-like instance, writing its server binary the way dx does.
//!
//! Usage: dxlike <output-dir W> <built server> <copy|ssg> <rounds> <server run time ms> <seed>
//!
//! Every round first writes the web build into W/public (P) the way dx does, which races with
//! the other instances by dx's own making, and then does what dx does when it opens the app:
//!   P:    remove_dir_all(P/wasm), write the wasm-bindgen output into P/wasm again, write
//!         P/assets/partial.main.css and rename it over P/assets/main.css (a fixed temp name);
//!   copy: create_dir_all(W), copy the built server to W/server, copy W/server to
//!         W/server-<8 hex>, run that copy and remove it;
//!   ssg:  create_dir_all(W), copy the built server to W/server, run W/server itself
//!         (static-site generation).
//! It prints two lines per round: `own ok` or `own race <detail>` for the writes into P, whose
//! failures are the tool's own races, and `result ok` or
//! `result <etxtbsy|eperm|enoexec|torn|other> <detail>` for the server binary.
//! The seed fixes the start offsets and copy names, so that two runs differ in timing alone.

use std::fs;
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
    if args.len() != 7 {
        eprintln!("usage: dxlike <output-dir> <built-server> <copy|ssg> <rounds> <run-time-ms> <seed>");
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
    let (rounds, run_ms, seed) = match (args[4].parse::<u32>(), args[5].parse::<u64>(), args[6].parse::<u64>()) {
        (Ok(r), Ok(t), Ok(s)) => (r, t, s),
        _ => {
            eprintln!("dxlike: rounds, run time and seed must be numbers");
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
    let mut random = Random::new(seed);
    let first = Instant::now();
    for k in 0..rounds {
        let offset = Duration::from_millis(random.next() % (run_ms / 8).max(1));
        let start = first + slot * k + offset;
        if let Some(wait) = start.checked_duration_since(Instant::now()) {
            sleep(wait);
        }
        // The binary is written whatever became of the web build, so that every round counts
        // in both tallies.
        match web_build(&w.join("public")) {
            Ok(()) => println!("own ok"),
            Err(detail) => println!("own race {}", one_line(&detail)),
        }
        match round(&w, &exe, mode, &args[5], random.next() as u32) {
            Ok(()) => println!("result ok"),
            Err(f) => println!("result {} {}", f.kind, one_line(&f.detail)),
        }
    }
}

/// What dx writes into P for a web build (request.rs, web.rs, opt/file.rs). Every step is
/// dx's own: two instances remove a directory the other is filling, or rename a temp file the
/// other already renamed (ENOENT, ENOTEMPTY). dxfs does not claim to fix these.
fn web_build(p: &Path) -> Result<(), String> {
    let wasm = p.join("wasm");
    let step = |what: &str, r: io::Result<()>| r.map_err(|e| format!("{what}: {e}"));
    step("remove_dir_all(P/wasm)", ignore_not_found(fs::remove_dir_all(&wasm)))?;
    step("create_dir_all(P/wasm/snippets)", fs::create_dir_all(wasm.join("snippets")))?;
    step("write P/wasm/app_bg.wasm", fs::write(wasm.join("app_bg.wasm"), vec![0x61u8; 64 * 1024]))?;
    step("write P/wasm/app.js", fs::write(wasm.join("app.js"), "import init from './app_bg.wasm';\n"))?;
    step("write P/wasm/snippets/inline0.js", fs::write(wasm.join("snippets/inline0.js"), "export {};\n"))?;
    let assets = p.join("assets");
    let partial = assets.join("partial.main.css");
    let target = assets.join("main.css");
    step("create_dir_all(P/assets)", fs::create_dir_all(&assets))?;
    step("write P/assets/partial.main.css", fs::write(&partial, "body { margin: 0 }\n"))?;
    step("remove P/assets/main.css", ignore_not_found(fs::remove_file(&target)))?;
    step("rename partial.main.css to main.css", fs::rename(&partial, &target))
}

fn ignore_not_found(r: io::Result<()>) -> io::Result<()> {
    match r {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

fn round(w: &Path, exe: &Path, mode: Mode, run_ms: &str, name: u32) -> Result<(), Failure> {
    fs::create_dir_all(w).map_err(|e| Failure::io("create_dir_all(W)", e))?;
    let server = w.join("server");
    fs::copy(exe, &server).map_err(|e| Failure::io("copy to W/server", e))?;
    if mode == Mode::Ssg {
        return serve(&server, "W/server", run_ms);
    }
    let copy = w.join(format!("server-{name:08x}"));
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

/// xorshift64*: std has no RNG, and a seeded one lets two runs take the same offsets.
struct Random(u64);

impl Random {
    fn new(seed: u64) -> Random {
        Random(seed | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}
