//! What `dx serve` does when it publishes and starts the server executable (Dioxus CLI,
//! build/request.rs and serve/builder.rs): `create_dir_all(W)`, `std::fs::copy(SRC, W/server)`
//! in place, then spawn `W/server` and wait for it.
//!
//! Usage: dxcopy SRC W [ARGS FOR THE SERVER...]
//! Prints the server's output; on failure prints the step and the io::Error (with its os error
//! number) and exits 1.

use std::env;
use std::fs;
use std::path::PathBuf;
use std::process::{exit, Command};

fn fail(step: &str, error: std::io::Error) -> ! {
    eprintln!("dxcopy: {} failed: {} (raw os error {:?})", step, error, error.raw_os_error());
    exit(1);
}

fn main() {
    let args: Vec<String> = env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: dxcopy SRC W [ARGS...]");
        exit(2);
    }
    let dir = PathBuf::from(&args[2]);
    let server = dir.join("server");
    if let Err(e) = fs::create_dir_all(&dir) {
        fail("create_dir_all", e);
    }
    if let Err(e) = fs::copy(&args[1], &server) {
        fail("copy", e);
    }
    let output = match Command::new(&server).args(&args[3..]).current_dir(&dir).output() {
        Ok(output) => output,
        Err(e) => fail("spawn", e),
    };
    print!("{}", String::from_utf8_lossy(&output.stdout));
    if !output.status.success() {
        eprintln!("dxcopy: server exited with {}: {}", output.status, String::from_utf8_lossy(&output.stderr));
        exit(1);
    }
}
