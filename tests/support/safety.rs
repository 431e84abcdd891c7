//! Shared pieces of the safety tests (issue #10): seeds and run counts, fault points derived
//! from a clean run's journal, and the pass threshold of chaos tests.
#![allow(dead_code)]

use std::collections::HashMap;

use aws_facade::layer::{Faults, Recording};

/// Number of chaos runs: `AWS_FACADE_CHAOS_RUNS` if set, else `default`.
pub fn chaos_runs(default: u64) -> u64 {
    std::env::var("AWS_FACADE_CHAOS_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The seeds of a chaos test: `0..chaos_runs(default)`, or only `AWS_FACADE_CHAOS_SEED` when
/// set (a failing seed replays exactly).
pub fn seeds(default: u64) -> Vec<u64> {
    match std::env::var("AWS_FACADE_CHAOS_SEED").ok().and_then(|v| v.parse().ok()) {
        Some(seed) => vec![seed],
        None => (0..chaos_runs(default)).collect(),
    }
}

/// Whether `AWS_FACADE_CHAOS_TRACE` asks chaos tests to print each run's events.
pub fn trace() -> bool {
    std::env::var("AWS_FACADE_CHAOS_TRACE").is_ok()
}

/// Every call of a clean run as `(operation, nth call of that operation)` (1-based), in call
/// order: scripting a fault at each of them with `Faults::script` / `Faults::script_lost`
/// places a fault at every call index of the run.
pub fn fault_points(journal: &Recording) -> Vec<(&'static str, usize)> {
    let mut seen: HashMap<&'static str, usize> = HashMap::new();
    journal
        .operations()
        .into_iter()
        .map(|op| {
            let n = seen.entry(op).or_default();
            *n += 1;
            (op, *n)
        })
        .collect()
}

/// The fault of a fault point: the `nth` call of `op` fails before it reaches the service with
/// AccessDenied (not retryable: the workflow must roll back), or, if `lost`, takes effect and
/// its answer is lost (the retry must carry it through).
pub fn fault_at(op: &'static str, nth: usize, lost: bool) -> Faults {
    if lost {
        Faults::new(0).script_lost(op, nth)
    } else {
        Faults::new(0).script(op, nth, "AccessDenied")
    }
}

/// Tally of a chaos test: runs applied, rolled back, leaked.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    /// Runs that ended applied.
    pub applied: u64,
    /// Runs that ended fully rolled back.
    pub rolled_back: u64,
    /// Runs that left something behind (the test fails on any).
    pub leaked: u64,
}

impl Tally {
    /// Counts one run: `Ok(true)` applied, `Ok(false)` fully rolled back, `Err(why)` leaked
    /// (printed with its seed).
    pub fn record(&mut self, seed: u64, outcome: Result<bool, String>) {
        match outcome {
            Ok(true) => self.applied += 1,
            Ok(false) => self.rolled_back += 1,
            Err(why) => {
                eprintln!("seed {seed}: {why}");
                self.leaked += 1;
            }
        }
    }

    /// Prints `what: a applied, r rolled back, l leaked of n` and fails unless at least 99 %
    /// applied and nothing leaked (the pass threshold every chaos test states).
    pub fn check(&self, what: &str) {
        let n = self.applied + self.rolled_back + self.leaked;
        eprintln!(
            "chaos {what}: {} applied, {} rolled back, {} leaked of {n}",
            self.applied, self.rolled_back, self.leaked
        );
        assert_eq!(self.leaked, 0, "{what}: {} run(s) leaked", self.leaked);
        assert!(
            self.applied * 100 >= n * 99,
            "{what}: only {} of {n} applied under 10 % transient faults (threshold 99 %)",
            self.applied
        );
    }
}
