//! The examples as command-line programs: help, clap's usage errors, `--print-iam-policy`,
//! errors reported without panics or Debug dumps, and `--json` output. No network: the one
//! endpoint run goes to a closed port on loopback.
//!
//! The tests run the example binaries `cargo test` builds into `target/<profile>/examples/`
//! (with the same features). `cargo test --all-features` builds them first; with a filter such
//! as `--test examples_cli`, cargo does not, so build them with
//! `cargo build --all-features --examples` before.
#![cfg(all(feature = "sim", feature = "emulator"))]

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const EXAMPLES: [&str; 5] = ["web_tier", "volume", "snapshot", "lambda_deploy", "metrics"];

/// The built example `name`, next to this test binary's directory: `target/debug/deps/..` +
/// `examples/NAME`. Fails if it is missing or older than its sources.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test binary lives in target/<profile>/deps");
    let path = dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "example binary {} is missing: run these tests through `cargo test --all-features` \
         (which builds the examples), or `cargo build --all-features --examples` first",
        path.display()
    );
    let built = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .expect("binary mtime");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples");
    for src in [root.join(format!("{name}.rs")), root.join("common").join("mod.rs")] {
        let changed = std::fs::metadata(&src)
            .and_then(|m| m.modified())
            .expect("source mtime");
        assert!(
            changed <= built,
            "example binary {} is older than {}: rebuild it (`cargo test --all-features`, or \
             `cargo build --all-features --examples`)",
            path.display(),
            src.display()
        );
    }
    path
}

struct Output {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
}

/// Runs example `name` with `args`, killing it after `limit`.
fn run(name: &str, args: &[&str], limit: Duration) -> Output {
    let start = Instant::now();
    let mut child = Command::new(example(name))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // The closed-port run must not find credentials or endpoints of the machine's own.
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_PROFILE")
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        out.read_to_string(&mut s).map(|_| s)
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        err.read_to_string(&mut s).map(|_| s)
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the example") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{name} {args:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        code: status.code(),
        stdout: out.join().expect("stdout reader").expect("stdout is UTF-8"),
        stderr: err.join().expect("stderr reader").expect("stderr is UTF-8"),
        took: start.elapsed(),
    }
}

const QUICK: Duration = Duration::from_secs(30);

fn no_panic(name: &str, o: &Output) {
    assert!(!o.stderr.contains("panicked"), "{name} panicked:\n{}", o.stderr);
}

#[test]
fn help_shows_usage_and_the_common_flags() {
    for name in EXAMPLES {
        let o = run(name, &["--help"], QUICK);
        assert_eq!(o.code, Some(0), "{name} --help: {}", o.stderr);
        for want in [
            "Usage:",
            "--endpoint-url <URL>",
            "--aws",
            "--wire",
            "--keep",
            "--json",
            "--seed <N>",
            "--trace [<FILTER>]",
        ] {
            assert!(o.stdout.contains(want), "{name} --help lacks {want:?}:\n{}", o.stdout);
        }
    }
    let o = run("web_tier", &["--help"], QUICK);
    assert!(o.stdout.contains("--print-iam-policy"), "{}", o.stdout);
}

#[test]
fn a_misspelled_flag_is_a_usage_error() {
    for name in EXAMPLES {
        let o = run(name, &["--endpoit-url", "x"], QUICK);
        assert_eq!(o.code, Some(2), "{name}: {}", o.stderr);
        assert!(
            o.stderr.contains("unexpected argument '--endpoit-url'"),
            "{name}: {}",
            o.stderr
        );
        assert!(o.stderr.contains("Usage:"), "{name}: {}", o.stderr);
        assert_eq!(o.stdout, "", "{name} printed on stdout");
        no_panic(name, &o);
    }
}

#[test]
fn a_flag_without_its_value_is_a_usage_error() {
    for name in EXAMPLES {
        let o = run(name, &["--endpoint-url"], QUICK);
        assert_eq!(o.code, Some(2), "{name}: {}", o.stderr);
        assert!(o.stderr.contains("a value is required"), "{name}: {}", o.stderr);
        assert_eq!(o.stdout, "", "{name} printed on stdout");
        no_panic(name, &o);
    }
}

#[test]
fn bad_values_and_conflicting_backends_are_usage_errors() {
    for name in EXAMPLES {
        for args in [
            &["--endpoint-url", "127.0.0.1:5000"][..],
            &["--endpoint-url", "http://"][..],
            &["--endpoint-url", "http://127.0.0.1:5000", "--aws"][..],
            &["--seed", "minus-one"][..],
        ] {
            let o = run(name, args, QUICK);
            assert_eq!(o.code, Some(2), "{name} {args:?}: {}", o.stderr);
            assert!(o.stderr.starts_with("error: "), "{name} {args:?}: {}", o.stderr);
            assert_eq!(o.stdout, "", "{name} {args:?} printed on stdout");
            no_panic(name, &o);
        }
    }
    let o = run("lambda_deploy", &["--role", "not-an-arn"], QUICK);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(o.stderr.contains("--role"), "{}", o.stderr);
    let o = run("snapshot", &["0"], QUICK);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
}

#[test]
fn web_tier_prints_its_iam_policy_without_calling_aws() {
    // An endpoint that would fail every call: the policy is printed before any.
    let o = run(
        "web_tier",
        &["--print-iam-policy", "--endpoint-url", "http://127.0.0.1:9"],
        QUICK,
    );
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let policy: serde_json::Value = serde_json::from_str(&o.stdout).expect("the policy is JSON");
    assert_eq!(policy["Version"], "2012-10-17");
    let statements = policy["Statement"].as_array().expect("statements");
    assert!(!statements.is_empty());
    assert!(o.stdout.contains("ec2:RunInstances"), "{}", o.stdout);
}

#[test]
fn an_unreachable_endpoint_is_an_error_not_a_panic() {
    // Port 9 (discard) on loopback: nothing listens, connections are refused at once.
    let o = run(
        "web_tier",
        &["--endpoint-url", "http://127.0.0.1:9", "--seed", "1"],
        Duration::from_secs(120),
    );
    assert_eq!(o.code, Some(1), "{}", o.stderr);
    assert!(
        o.stderr.contains("\nerror: ") || o.stderr.starts_with("error: "),
        "{}",
        o.stderr
    );
    for bad in ["panicked", "ApiError {", "Transport {", "Workflow {"] {
        assert!(!o.stderr.contains(bad), "stderr has {bad:?}:\n{}", o.stderr);
    }
    assert_eq!(o.stdout, "");
    eprintln!("closed-port run took {:?}", o.took);
}

#[test]
fn json_progress_is_one_object_per_line_on_stdout() {
    let o = run("volume", &["--json", "--seed", "7"], QUICK);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let lines: Vec<&str> = o.stdout.lines().collect();
    assert!(lines.len() > 5, "few events:\n{}", o.stdout);
    for line in &lines {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(v["event"].is_string(), "no event tag: {line}");
        // Every line names its run (8 hex digits), and durations are seconds.
        let run = v["run"].as_str().unwrap_or_else(|| panic!("no run id: {line}"));
        assert!(run.len() == 8 && run.chars().all(|c| c.is_ascii_hexdigit()), "{line}");
        for key in ["at", "elapsed", "delay"] {
            if let Some(d) = v.get(key) {
                assert!(d.is_f64() || d.is_u64(), "{key} is not seconds: {line}");
            }
        }
    }
    assert!(lines.iter().any(|l| l.contains(r#""event":"created""#)), "{}", o.stdout);
    // The run opens with its id and closes with its timings.
    let first: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(first["event"], "run_started", "{}", lines[0]);
    let finished = lines
        .iter()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["event"] == "run_finished")
        .expect("a run_finished event");
    assert_eq!(finished["ok"], true, "{finished}");
    let summary = &finished["summary"];
    assert!(
        summary["wall"].as_f64().unwrap() >= summary["critical_path"].as_f64().unwrap(),
        "{summary}"
    );
    assert!(summary["steps"].as_array().is_some_and(|s| !s.is_empty()), "{summary}");
    // The human lines are not printed as well.
    assert!(!o.stderr.contains("] start "), "{}", o.stderr);

    // Seeded on the simulator's paused clock, a run repeats exactly.
    let again = run("volume", &["--json", "--seed", "7"], QUICK);
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    assert_eq!(again.stdout, o.stdout, "the same seed gave another run");
}

#[test]
fn snapshot_takes_its_image_size_and_keeps_json_on_one_line() {
    // 1 MiB: two blocks (the incremental upload changes the last one), a quick run.
    let o = run("snapshot", &["1", "--json", "--keep", "--seed", "3"], QUICK);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    no_panic("snapshot", &o);
    let lines: Vec<serde_json::Value> = o
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    // Transfer events, then what --keep kept: both snapshots, on one line.
    let kept = lines.last().expect("output");
    assert_eq!(kept.as_array().map(Vec::len), Some(2), "{kept}");
    assert!(lines[..lines.len() - 1].iter().all(|v| v["event"].is_string()));
}

#[test]
fn trace_logs_every_call_and_step_on_stderr() {
    let o = run("volume", &["--trace", "--json"], QUICK);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    // One line per closed span: calls (with their step when inside one) and steps.
    let calls = o.stderr.lines().filter(|l| l.contains("aws_call{")).count();
    assert!(calls > 5, "few aws_call spans:\n{}", o.stderr);
    assert!(
        o.stderr
            .lines()
            .any(|l| l.contains(r#"operation="CreateVolume""#) && l.contains("workflow_step{")),
        "{}",
        o.stderr
    );
    assert!(
        !o.stderr.contains("\u{1b}["),
        "no colours when stderr is not a terminal"
    );
    // The events stay on stdout as JSON lines.
    assert!(
        o.stdout
            .lines()
            .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
    );
    let bad = run("volume", &["--trace", "not a [filter"], QUICK);
    assert_eq!(bad.code, Some(1), "{}", bad.stderr);
    assert!(bad.stderr.contains("--trace"), "{}", bad.stderr);
    no_panic("volume", &bad);
}

/// Every example through the SDK adapters over the simulator's wire front end (`--wire`) says
/// what it says on the direct simulator, seed for seed: a difference is a codec bug. Concurrent
/// steps interleave differently through the wire (more await points), so the simulator hands
/// out its seeded ids in another order: ids are masked and lines compared as a sorted list
/// (same steps, same virtual times, same messages); progress percentages are left out.
#[cfg(feature = "wire")]
#[test]
fn every_example_on_the_wire_says_what_it_says_on_the_simulator() {
    fn mask(line: &str) -> String {
        // Hex runs of 8+ digits (resource ids, ARN suffixes) and the ELB DNS number.
        let mut out = String::with_capacity(line.len());
        let mut run = String::new();
        let flush = |run: &mut String, out: &mut String| {
            if run.len() >= 8 {
                out.push('#');
            } else {
                out.push_str(run);
            }
            run.clear();
        };
        for c in line.chars() {
            if c.is_ascii_hexdigit() {
                run.push(c);
            } else {
                flush(&mut run, &mut out);
                out.push(c);
            }
        }
        flush(&mut run, &mut out);
        out
    }
    // Real-time rates and temporary paths differ from run to run.
    let rates = regex::Regex::new(r"\(\d+ MB/s").unwrap();
    let temp = regex::Regex::new(r"/tmp/\S+").unwrap();
    let comparable = |s: &str| -> Vec<String> {
        let mut lines: Vec<String> = s
            .lines()
            .skip(1) // "... on <backend>"
            .filter(|l| !(l.contains("% (") && l.contains("blocks)")))
            .map(|l| mask(&temp.replace_all(&rates.replace_all(l, "(N MB/s"), "TMP")))
            .collect();
        lines.sort();
        lines
    };
    for name in EXAMPLES {
        let direct = run(name, &["--seed", "11"], Duration::from_secs(120));
        let wire = run(name, &["--seed", "11", "--wire"], Duration::from_secs(120));
        no_panic(name, &wire);
        assert_eq!(direct.code, Some(0), "{name} on the simulator:\n{}", direct.stderr);
        assert_eq!(wire.code, Some(0), "{name} --wire:\n{}", wire.stderr);
        assert!(
            wire.stderr.lines().next().is_some_and(|l| l.contains("on the wire")),
            "{}",
            wire.stderr
        );
        assert!(
            comparable(&direct.stderr).len() > 5,
            "{name} said little:\n{}",
            direct.stderr
        );
        assert_eq!(
            comparable(&direct.stderr),
            comparable(&wire.stderr),
            "{name}: stderr differs"
        );
        assert_eq!(
            comparable(&direct.stdout),
            comparable(&wire.stdout),
            "{name}: stdout differs"
        );
    }
}

/// `raw_sdk`: code written against the raw SDK runs on the simulator through the wire, the
/// SDK's own waiters included.
#[cfg(feature = "wire")]
#[test]
fn raw_sdk_runs_raw_sdk_code_with_its_waiters_on_the_simulator() {
    let o = run("raw_sdk", &[], QUICK);
    no_panic("raw_sdk", &o);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert!(o.stderr.contains("running after"), "{}", o.stderr);
    assert!(o.stderr.contains("load balancer active after"), "{}", o.stderr);
    assert!(
        o.stderr.contains("removed the load balancer and the instances"),
        "{}",
        o.stderr
    );
}
