//! Stand-in for the server binary that `dx serve` copies into its output directory and runs.
//!
//! Two variants are built from this file (plain and `--cfg variant_b`). They differ in a
//! data blob of a few MiB, which makes a copy take long enough to be overlapped by another,
//! and in the blob's expected checksum, so a file mixing the bytes of both variants (or
//! holding the holes of an interrupted rewrite) notices it when run.
//!
//! Usage: server [run-time-ms]

use std::process::exit;
use std::thread::sleep;
use std::time::Duration;

#[cfg(not(variant_b))]
const VARIANT: &str = "a";
#[cfg(not(variant_b))]
const SEED: u64 = 0x9e37_79b9_7f4a_7c15;

#[cfg(variant_b)]
const VARIANT: &str = "b";
#[cfg(variant_b)]
const SEED: u64 = 0xd1b5_4a32_d192_ed03;

/// Exit status of a server whose blob does not match its checksum; the dx-like driver knows it.
const TORN_EXIT: i32 = 86;

const PAGE: usize = 4096;
const PAGES: usize = 768;

/// Repeating one pseudo-random page keeps compile-time evaluation cheap; any mix of the two
/// variants or a zero-filled hole still changes the sum of the page it lands in.
static BLOB: [[u8; PAGE]; PAGES] = [page(SEED); PAGES];

const EXPECTED: u64 = expected_checksum();

const fn page(seed: u64) -> [u8; PAGE] {
    let mut out = [0u8; PAGE];
    let mut x = seed;
    let mut i = 0;
    while i < PAGE {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out[i] = x as u8;
        i += 1;
    }
    out
}

/// FNV-1a of one page.
const fn page_sum(page: &[u8; PAGE]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < PAGE {
        h ^= page[i] as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    h
}

/// Page sums are folded as a polynomial so that the position of a damaged page matters and
/// two damaged pages cannot cancel out the way they would under a plain xor.
const fn fold(acc: u64, sum: u64) -> u64 {
    acc.wrapping_mul(0x0000_0100_0000_01b3).wrapping_add(sum)
}

const fn expected_checksum() -> u64 {
    let sum = page_sum(&page(SEED));
    let mut acc = 0;
    let mut i = 0;
    while i < PAGES {
        acc = fold(acc, sum);
        i += 1;
    }
    acc
}

fn checksum(blob: &[[u8; PAGE]]) -> u64 {
    blob.iter().fold(0, |acc, p| fold(acc, page_sum(p)))
}

fn main() {
    let run_ms = std::env::args()
        .nth(1)
        .and_then(|a| a.parse::<u64>().ok())
        .unwrap_or(0);
    // A volatile read of the reference hides from the optimizer what it points to, so the sum
    // is computed from the mapped file rather than folded from the constant. Sound: it reads a
    // live local. (Not black_box: that needs a newer rustc than some distributions ship.)
    let blob: &[[u8; PAGE]; PAGES] = unsafe { std::ptr::read_volatile(&&BLOB) };
    let actual = checksum(blob);
    if actual != EXPECTED {
        println!("server {VARIANT} torn: checksum {actual:016x}, expected {EXPECTED:016x}");
        exit(TORN_EXIT);
    }
    println!("server {VARIANT} ok");
    sleep(Duration::from_millis(run_ms));
}
