//! The Lambda deploy workflow on the simulator, with tokio's paused clock: create/update with
//! waits, versions and aliases, the alarm-guarded canary (rollback and promotion), pruning,
//! typed invoke, and validation before any call; and the safety tests of issue #10 (chaos with
//! lost answers, a fault at every call index, cancellation at many instants).
#![cfg(feature = "sim")]

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_facade::Error;
use aws_facade::cloudwatch::Unit;
use aws_facade::lambda::{
    AliasRequest, Lambda, MAX_ENVIRONMENT_BYTES, MAX_ZIP_BYTES, UpdateFunctionConfigurationRequest,
};
use aws_facade::layer::{Delay, Faults, Latency, Recording};
use aws_facade::sim::{Inventory, SimCloud, SimConfig};
use aws_facade::workflows::Event;
use aws_facade::workflows::alarms::count_above;
use aws_facade::workflows::lambda_deploy::{
    Canary, Deployment, Outcome, code_sha256, deploy, invoke_json, zip_dir, zip_files,
};
use aws_facade::workflows::metrics::{Clock, MetricsPublisher, PublisherConfig};
use serde::{Deserialize, Serialize};
use support::safety::{Tally, chaos_runs, fault_at, fault_points, trace};

const FUNCTION: &str = "shop-api";

fn spec() -> Deployment {
    Deployment::builder()
        .function(FUNCTION.parse().unwrap())
        .runtime("python3.12")
        .handler("app.handler")
        .role("arn:aws:iam::123456789012:role/shop-api".parse().unwrap())
        .build()
        .unwrap()
}

/// A distinct package per release number.
fn package(release: u32) -> bytes::Bytes {
    let code = format!("def handler(event, ctx):\n    return {{'release': {release}}}\n");
    zip_files(&[("app.py", code.as_bytes())]).unwrap()
}

/// A simulator whose `shop-api` handler echoes the version that ran.
fn sim() -> SimCloud {
    let sim = SimCloud::new();
    sim.register_handler(
        FUNCTION,
        Arc::new(|inv: &aws_facade::sim::Invocation| Ok(serde_json::json!({"version": inv.version}))),
    );
    sim
}

type Events = Arc<Mutex<Vec<Event>>>;

fn recorder() -> (Events, aws_facade::workflows::Progress) {
    let events: Events = Arc::default();
    let e = events.clone();
    (events, Arc::new(move |ev: &Event| e.lock().unwrap().push(ev.clone())))
}

fn finished(events: &Events, step: &str) -> bool {
    events
        .lock()
        .unwrap()
        .iter()
        .any(|e| matches!(e, Event::StepFinished { step: s, .. } if s == step))
}

fn steps_started(events: &Events) -> Vec<String> {
    events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            Event::StepStarted { step, .. } => Some(step.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn directory_zips_are_deterministic() {
    // Same files written in a different order, at different times: same bytes and SHA-256.
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(a.path().join("lib")).unwrap();
    std::fs::create_dir_all(b.path().join("lib")).unwrap();
    std::fs::write(a.path().join("app.py"), "x = 1\n").unwrap();
    std::fs::write(a.path().join("lib/util.py"), "y = 2\n").unwrap();
    std::fs::write(b.path().join("lib/util.py"), "y = 2\n").unwrap();
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(b.path().join("app.py"), "x = 1\n").unwrap();
    let za = zip_dir(a.path()).unwrap();
    let zb = zip_dir(b.path()).unwrap();
    assert_eq!(za, zb);
    assert_eq!(code_sha256(&za), code_sha256(&zb));
    // The same files given as bytes zip to the same archive as the directory.
    let direct = zip_files(&[
        ("lib/util.py", b"y = 2\n".as_slice()),
        ("app.py", b"x = 1\n".as_slice()),
    ])
    .unwrap();
    assert_eq!(direct, za);
    // And the archive really holds them.
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(za.to_vec())).unwrap();
    let mut names: Vec<String> = (0..archive.len())
        .map(|i| archive.by_index(i).unwrap().name().unwrap().to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["app.py", "lib/util.py"]);
    std::fs::write(b.path().join("app.py"), "x = 2\n").unwrap();
    assert_ne!(
        code_sha256(&zip_dir(b.path()).unwrap()),
        code_sha256(&zip_dir(a.path()).unwrap())
    );
}

#[tokio::test(start_paused = true)]
async fn first_deploy_creates_then_same_code_is_unchanged_and_new_code_promotes() {
    let sim = sim();
    let journal = Recording::new();
    let cloud = sim.cloud().layer(journal.clone());
    let (events, progress) = recorder();

    let first = deploy(&cloud, &spec(), package(1), None, Some(progress)).await.unwrap();
    assert_eq!(first.outcome, Outcome::Created);
    assert_eq!(first.version, "1");
    assert_eq!(first.code_sha256, code_sha256(&package(1)));
    assert_eq!(
        steps_started(&events),
        ["create function", "publish version", "create alias", "prune versions"]
    );
    let config = cloud
        .lambda
        .get_function_configuration(FUNCTION.parse().unwrap(), Some("live".into()))
        .await
        .unwrap();
    assert_eq!(config.code_sha256, first.code_sha256, "Lambda's CodeSha256 is ours");
    assert_eq!(config.version, "1");

    // The same code again: no update, no new version.
    journal.clear();
    let again = deploy(&cloud, &spec(), package(1), None, None).await.unwrap();
    assert_eq!(again.outcome, Outcome::Unchanged);
    assert_eq!(again.version, "1");
    assert_eq!(journal.count("UpdateFunctionCode"), 0);
    assert_eq!(journal.count("UpdateFunctionConfiguration"), 0);

    // New code and a new setting: one update each, a new version, the alias moves.
    let mut bigger = spec();
    bigger.memory_mb = 512;
    let second = deploy(&cloud, &bigger, package(2), None, None).await.unwrap();
    assert_eq!(second.outcome, Outcome::Promoted);
    assert_eq!(
        (second.version.as_str(), second.previous_version.as_deref()),
        ("2", Some("1"))
    );
    assert_eq!(journal.count("UpdateFunctionCode"), 1);
    assert_eq!(journal.count("UpdateFunctionConfiguration"), 1);
    let live: serde_json::Value = invoke_json(
        cloud.lambda.as_ref(),
        &FUNCTION.parse().unwrap(),
        Some("live"),
        &serde_json::json!({}),
    )
    .await
    .unwrap();
    assert_eq!(live["version"], "2");
    let v2 = cloud
        .lambda
        .get_function_configuration(FUNCTION.parse().unwrap(), Some("2".into()))
        .await
        .unwrap();
    assert_eq!(v2.memory_mb, 512);
    assert!(
        journal.entries().iter().all(|e| e.error.is_none()),
        "{:?}",
        journal.entries()
    );
}

#[tokio::test(start_paused = true)]
async fn deploy_while_an_update_is_in_progress_waits_instead_of_conflicting() {
    let sim = sim();
    let journal = Recording::new();
    let cloud = sim.cloud().layer(journal.clone());
    deploy(&cloud, &spec(), package(1), None, None).await.unwrap();

    // Someone else changes the configuration: the function is InProgress for a few seconds.
    cloud
        .lambda
        .update_function_configuration(
            UpdateFunctionConfigurationRequest::builder()
                .name(FUNCTION.parse().unwrap())
                .description("changed by hand")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    // A naive update now would conflict (this is what the workflow must avoid).
    let naive = cloud
        .lambda
        .update_function_code(
            aws_facade::lambda::UpdateFunctionCodeRequest::builder()
                .name(FUNCTION.parse().unwrap())
                .zip(package(9))
                .build()
                .unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(naive.code(), Some("ResourceConflictException"));

    journal.clear();
    let t0 = tokio::time::Instant::now();
    let mut bigger = spec();
    bigger.memory_mb = 256;
    let out = deploy(&cloud, &bigger, package(2), None, None).await.unwrap();
    assert_eq!(out.outcome, Outcome::Promoted);
    assert!(
        t0.elapsed() >= Duration::from_secs(1),
        "it waited for the update to finish"
    );
    let conflicts: Vec<_> = journal
        .entries()
        .into_iter()
        .filter(|e| e.error.as_deref() == Some("ResourceConflictException"))
        .collect();
    assert!(conflicts.is_empty(), "no call hit a conflict: {conflicts:?}");
    // Each change waited for the previous one: code, configuration (memory), publish.
    let ops = journal.operations();
    let code = ops.iter().position(|o| *o == "UpdateFunctionCode").unwrap();
    let config = ops.iter().position(|o| *o == "UpdateFunctionConfiguration").unwrap();
    let publish = ops.iter().position(|o| *o == "PublishVersion").unwrap();
    assert!(code < config && config < publish, "{ops:?}");
    assert!(ops[code + 1..config].contains(&"GetFunctionConfiguration"), "{ops:?}");
    assert!(
        ops[config + 1..publish].contains(&"GetFunctionConfiguration"),
        "{ops:?}"
    );
}

/// Deploys release 1, creates the guard alarm, and starts deploying release 2 behind a canary
/// (10 % for 10 minutes, alarms looked at every 30 s) on a task. Returns when the canary
/// routing is in place.
async fn start_canary(
    sim: &SimCloud,
) -> (
    tokio::task::JoinHandle<aws_facade::Result<aws_facade::workflows::lambda_deploy::DeployOutputs>>,
    Events,
) {
    let cloud = sim.cloud();
    deploy(&cloud, &spec(), package(1), None, None).await.unwrap();
    let alarm = count_above("shop-api-errors".parse().unwrap(), "Shop", "CheckoutErrors", &[], 5.0).unwrap();
    cloud.cloudwatch.put_metric_alarm(alarm).await.unwrap();

    let (events, progress) = recorder();
    let canary = Canary::new(0.1, Duration::from_secs(600), vec!["shop-api-errors".parse().unwrap()]);
    let task = tokio::spawn(async move { deploy(&cloud, &spec(), package(2), Some(canary), Some(progress)).await });
    while !finished(&events, "canary") {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let alias = sim
        .get_alias(FUNCTION.parse().unwrap(), "live".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(alias.function_version, "1");
    let routing = alias.routing.expect("canary routing in place");
    assert_eq!((routing.version.as_str(), routing.weight), ("2", 0.1));
    (task, events)
}

#[tokio::test(start_paused = true)]
async fn canary_rolls_back_when_published_errors_fire_the_alarm() {
    let sim = sim();
    let started = tokio::time::Instant::now();
    let (task, events) = start_canary(&sim).await;

    // Two minutes into the bake, the application reports checkout errors.
    tokio::time::sleep(Duration::from_secs(120)).await;
    let config = PublisherConfig {
        clock: Clock::sim(&sim),
        ..Default::default()
    };
    let publisher = MetricsPublisher::with_config(sim.cloud().cloudwatch, "Shop", config).unwrap();
    for _ in 0..20 {
        publisher.record("CheckoutErrors", &[], 1.0, Unit::Count).unwrap();
    }
    publisher.flush().await.unwrap();

    let out = task.await.unwrap().unwrap();
    assert_eq!(
        out.outcome,
        Outcome::RolledBack {
            alarm: "shop-api-errors".parse().unwrap()
        }
    );
    assert!(
        started.elapsed() < Duration::from_secs(600),
        "rolled back before the bake time ran out ({:?})",
        started.elapsed()
    );
    let alias = sim
        .get_alias(FUNCTION.parse().unwrap(), "live".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(alias.function_version, "1");
    assert_eq!(alias.routing, None);
    assert!(finished(&events, "roll back"));
    assert!(!steps_started(&events).contains(&"promote".to_string()));
    assert!(
        events
            .lock()
            .unwrap()
            .iter()
            .any(|e| matches!(e, Event::Note { message } if message.contains("alarm shop-api-errors fired")))
    );
}

#[tokio::test(start_paused = true)]
async fn canary_promotes_when_the_alarms_stay_quiet() {
    let sim = sim();
    let started = tokio::time::Instant::now();
    let (task, events) = start_canary(&sim).await;
    // Some successful traffic through the alias meanwhile; both versions serve.
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..200 {
        let v: serde_json::Value = invoke_json(
            sim.cloud().lambda.as_ref(),
            &FUNCTION.parse().unwrap(),
            Some("live"),
            &1,
        )
        .await
        .unwrap();
        seen.insert(v["version"].as_str().unwrap().to_string());
    }
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        ["1", "2"],
        "10 % reached the canary"
    );

    let out = task.await.unwrap().unwrap();
    assert_eq!(out.outcome, Outcome::Promoted);
    assert!(started.elapsed() >= Duration::from_secs(600), "baked the full time");
    let alias = sim
        .get_alias(FUNCTION.parse().unwrap(), "live".parse().unwrap())
        .await
        .unwrap();
    assert_eq!((alias.function_version.as_str(), alias.routing), ("2", None));
    assert_eq!(
        steps_started(&events),
        [
            "check alarms",
            "update function",
            "publish version",
            "canary",
            "bake",
            "promote",
            "prune versions"
        ]
    );
    let notes = events
        .lock()
        .unwrap()
        .iter()
        .filter(|e| matches!(e, Event::Note { message } if message.contains("alarms OK")))
        .count();
    assert!(notes >= 20, "a progress note per look at the alarms ({notes})");
}

#[tokio::test(start_paused = true)]
async fn prune_keeps_the_newest_versions_and_every_aliased_one() {
    let sim = sim();
    let cloud = sim.cloud();
    let mut s = spec();
    s.keep_versions = 2;
    deploy(&cloud, &s, package(1), None, None).await.unwrap();
    // A second alias pins version 1.
    cloud
        .lambda
        .create_alias(
            AliasRequest::builder()
                .function(FUNCTION.parse().unwrap())
                .name("stable".parse().unwrap())
                .version("1")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let mut deleted = Vec::new();
    for release in 2..=5 {
        deleted.extend(
            deploy(&cloud, &s, package(release), None, None)
                .await
                .unwrap()
                .deleted_versions,
        );
    }
    assert_eq!(deleted, ["2", "3"]);
    let mut left: Vec<String> = cloud
        .lambda
        .list_versions(FUNCTION.parse().unwrap())
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.version)
        .collect();
    left.sort();
    assert_eq!(left, ["$LATEST", "1", "4", "5"]);
}

#[derive(Serialize)]
struct Order {
    items: u32,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Receipt {
    total_cents: u64,
}

#[tokio::test(start_paused = true)]
async fn typed_invoke_round_trips_and_function_errors_carry_payload_and_log() {
    let sim = SimCloud::new();
    sim.register_handler(
        "pricing",
        Arc::new(|inv: &aws_facade::sim::Invocation| {
            let items = inv.payload["items"].as_u64().unwrap_or(0);
            if items == 0 {
                Err("an order needs at least one item".to_string())
            } else {
                Ok(serde_json::json!({"total_cents": items * 250}))
            }
        }),
    );
    let cloud = sim.cloud();
    let mut s = spec();
    s.function = "pricing".parse().unwrap();
    deploy(&cloud, &s, package(1), None, None).await.unwrap();
    let f = "pricing".parse().unwrap();
    let r: Receipt = invoke_json(cloud.lambda.as_ref(), &f, Some("live"), &Order { items: 3 })
        .await
        .unwrap();
    assert_eq!(r, Receipt { total_cents: 750 });
    let e = invoke_json::<_, Receipt>(cloud.lambda.as_ref(), &f, Some("live"), &Order { items: 0 })
        .await
        .unwrap_err();
    match e {
        Error::FunctionError {
            function,
            error_type,
            payload,
            log_tail,
        } => {
            assert_eq!(function, "pricing:live");
            assert_eq!(error_type, "Unhandled");
            assert!(payload.contains("an order needs at least one item"), "{payload}");
            let log = log_tail.expect("log tail");
            assert!(
                log.starts_with("START RequestId:") && log.contains("Version: 1"),
                "{log}"
            );
        }
        other => panic!("{other:?}"),
    }
    // A response of the wrong shape is an error, not a panic.
    let wrong = invoke_json::<_, Vec<u8>>(cloud.lambda.as_ref(), &f, None, &Order { items: 1 })
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), Some("InvalidResponse"));
}

#[tokio::test(start_paused = true)]
async fn every_rule_is_checked_before_any_call() {
    let sim = sim();
    let journal = Recording::new();
    let cloud = sim.cloud().layer(journal.clone());
    let field = |e: Error| match e {
        Error::Validation { field, .. } => field,
        other => panic!("expected a validation error, got {other:?}"),
    };
    let with = |f: &dyn Fn(&mut Deployment)| {
        let mut s = spec();
        f(&mut s);
        s
    };
    let env = |k: &str, v: String| -> aws_facade::lambda::Environment { [(k.to_string(), v)].into_iter().collect() };
    let cases: Vec<(&str, Deployment, bytes::Bytes)> = vec![
        ("memory_mb", with(&|s| s.memory_mb = 127), package(1)),
        ("memory_mb", with(&|s| s.memory_mb = 10_241), package(1)),
        ("timeout_secs", with(&|s| s.timeout_secs = 0), package(1)),
        ("timeout_secs", with(&|s| s.timeout_secs = 901), package(1)),
        ("runtime", with(&|s| s.runtime = "Python 2.7".into()), package(1)),
        ("handler", with(&|s| s.handler = None), package(1)),
        ("handler", with(&|s| s.handler = Some("app handler".into())), package(1)),
        (
            "role",
            with(&|s| s.role = "arn:aws:iam::123456789012:user/bob".parse().unwrap()),
            package(1),
        ),
        (
            "environment",
            with(&|s| s.environment = env("BIG", "v".repeat(MAX_ENVIRONMENT_BYTES))),
            package(1),
        ),
        (
            "environment",
            with(&|s| s.environment = env("AWS_REGION", "x".into())),
            package(1),
        ),
        (
            "description",
            with(&|s| s.description = Some("d".repeat(257))),
            package(1),
        ),
        ("keep_versions", with(&|s| s.keep_versions = 0), package(1)),
        ("zip", spec(), bytes::Bytes::from_static(b"not a zip")),
        ("zip", spec(), {
            let mut big = b"PK\x03\x04".to_vec();
            big.resize(MAX_ZIP_BYTES + 1, 0);
            bytes::Bytes::from(big)
        }),
    ];
    for (expected, s, zip) in cases {
        let e = deploy(&cloud, &s, zip, None, None).await.unwrap_err();
        assert_eq!(field(e), expected);
    }
    let alarm = || vec!["a".parse().unwrap()];
    let canaries = [
        ("canary.weight", Canary::new(0.0, Duration::from_secs(60), alarm())),
        ("canary.weight", Canary::new(1.0, Duration::from_secs(60), alarm())),
        ("canary.weight", Canary::new(f64::NAN, Duration::from_secs(60), alarm())),
        ("canary.alarms", Canary::new(0.1, Duration::from_secs(60), vec![])),
        ("canary.bake", Canary::new(0.1, Duration::ZERO, alarm())),
        (
            "canary.poll",
            Canary {
                poll: Duration::ZERO,
                ..Canary::new(0.1, Duration::from_secs(60), alarm())
            },
        ),
    ];
    for (expected, c) in canaries {
        let e = deploy(&cloud, &spec(), package(1), Some(c), None).await.unwrap_err();
        assert_eq!(field(e), expected);
    }
    // Names are checked when parsed, so a bad one cannot reach a request at all.
    assert!("has space".parse::<aws_facade::id::FunctionName>().is_err());
    assert!("x".repeat(65).parse::<aws_facade::id::FunctionName>().is_err());
    assert!(
        "1234".parse::<aws_facade::id::AliasName>().is_err(),
        "alias names cannot be all digits"
    );
    let json = serde_json::json!({"function": "bad name", "runtime": "python3.12",
        "role": "arn:aws:iam::123456789012:role/r", "handler": "a.b"});
    assert!(serde_json::from_value::<Deployment>(json).is_err());
    assert!(journal.is_empty(), "no call was made: {:?}", journal.operations());
}

#[tokio::test(start_paused = true)]
async fn a_missing_canary_alarm_is_refused_before_the_function_changes() {
    let sim = sim();
    let journal = Recording::new();
    let cloud = sim.cloud().layer(journal.clone());
    deploy(&cloud, &spec(), package(1), None, None).await.unwrap();
    journal.clear();
    let canary = Canary::new(0.1, Duration::from_secs(60), vec!["no-such-alarm".parse().unwrap()]);
    let e = deploy(&cloud, &spec(), package(2), Some(canary), None)
        .await
        .unwrap_err();
    assert!(e.chain().to_string().contains("no-such-alarm"), "{}", e.chain());
    // The check comes first; the rest is the rollback's sweep looking for what the run made
    // (reads only): nothing changed.
    let ops = journal.operations();
    assert_eq!(ops[0], "DescribeAlarms");
    assert!(
        ops.iter()
            .all(|o| o.starts_with("Describe") || o.starts_with("Get") || o.starts_with("List")),
        "{ops:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_failed_first_deploy_removes_the_function_it_created() {
    let sim = sim();
    let journal = Recording::new();
    let cloud = sim
        .cloud()
        .layer(Faults::new(1).script("CreateAlias", 1, "InvalidParameterValueException"))
        .layer(journal.clone());
    let e = deploy(&cloud, &spec(), package(1), None, None).await.unwrap_err();
    match &e {
        Error::Workflow(w) => {
            assert_eq!(w.step, "create alias");
            assert_eq!(w.cleaned_up.len(), 1, "{w}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(journal.count("DeleteFunction"), 1);
    assert!(sim.inventory().is_empty(), "left: {}", sim.inventory());
}

#[tokio::test(start_paused = true)]
async fn a_failure_during_the_canary_puts_the_alias_back() {
    let sim = sim();
    let cloud = sim.cloud();
    deploy(&cloud, &spec(), package(1), None, None).await.unwrap();
    let alarm = count_above("guard".parse().unwrap(), "Shop", "Errors", &[], 1.0).unwrap();
    cloud.cloudwatch.put_metric_alarm(alarm).await.unwrap();
    // The 3rd DescribeAlarms (the 2nd look during the bake) fails for good.
    let faulty = sim
        .cloud()
        .layer(Faults::new(2).script("DescribeAlarms", 3, "AccessDenied"));
    let canary = Canary::new(0.2, Duration::from_secs(300), vec!["guard".parse().unwrap()]);
    let e = deploy(&faulty, &spec(), package(2), Some(canary), None)
        .await
        .unwrap_err();
    assert!(matches!(&e, Error::Workflow(w) if w.step == "bake"), "{e}");
    let alias = sim
        .get_alias(FUNCTION.parse().unwrap(), "live".parse().unwrap())
        .await
        .unwrap();
    assert_eq!((alias.function_version.as_str(), alias.routing), ("1", None));
}

// ---------------------------------------------------------------------------------------------
// Safety (issue #10): chaos, a fault at every call index, cancellation at many instants.
//
// Two deploys are exercised: the first one (creates the function and the alias) and a canary
// (release 2 over release 1, 10 % for 60 s, the guard alarm looked at every 10 s). A canary
// deploy that fails is rolled back by putting the alias back on version 1 with no routing; the
// code it uploaded to `$LATEST` and the version it published stay (as `deploy` documents: only
// what it created is deleted and the alias it moved is put back), so "nothing left" for a
// canary means: the same functions, aliases and alarms as before, and the alias as before.
//
// Where the simulator's faults differ from AWS: a lost answer's call has taken effect, whole,
// before the error comes back (on AWS a timed-out request may still be in flight and take
// effect after the retry, or never); the simulated Lambda is strongly consistent (a new
// function, alias, version or tag is read back at once).

/// A simulator of the safety tests: AWS-like durations, 3 s of EC2 eventual consistency (which
/// Lambda does not show here), seeded.
fn safety_sim(seed: u64) -> SimCloud {
    let sim = SimCloud::with_config(SimConfig {
        seed,
        eventual_consistency: Some(Duration::from_secs(3)),
        ..SimConfig::default()
    });
    sim.register_handler(
        FUNCTION,
        Arc::new(|inv: &aws_facade::sim::Invocation| Ok(serde_json::json!({"version": inv.version}))),
    );
    sim
}

/// Which deploy a safety test runs.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// The first deploy: function and alias created.
    First,
    /// Release 2 behind a canary, over release 1 (deployed cleanly by [`prepare`]).
    Canary,
}

/// Makes what `kind` deploys over (nothing, or release 1 and the guard alarm, without faults)
/// and returns the inventory the deploy starts from.
async fn prepare(sim: &SimCloud, kind: Kind) -> Inventory {
    if kind == Kind::Canary {
        let cloud = sim.cloud();
        deploy(&cloud, &spec(), package(1), None, None).await.unwrap();
        let alarm = count_above("guard".parse().unwrap(), "Shop", "Errors", &[], 5.0).unwrap();
        cloud.cloudwatch.put_metric_alarm(alarm).await.unwrap();
    }
    sim.inventory()
}

/// Runs the deploy of `kind` on `cloud`.
async fn run_deploy(
    cloud: &aws_facade::Cloud,
    kind: Kind,
    progress: Option<aws_facade::workflows::Progress>,
) -> aws_facade::Result<aws_facade::workflows::lambda_deploy::DeployOutputs> {
    match kind {
        Kind::First => deploy(cloud, &spec(), package(1), None, progress).await,
        Kind::Canary => {
            let canary = Canary {
                poll: Duration::from_secs(10),
                ..Canary::new(0.1, Duration::from_secs(60), vec!["guard".parse().unwrap()])
            };
            deploy(cloud, &spec(), package(2), Some(canary), progress).await
        }
    }
}

/// The alias and the published versions, read through a clean cloud.
async fn alias_and_versions(sim: &SimCloud) -> Option<(aws_facade::lambda::Alias, Vec<String>)> {
    let lambda = sim.cloud().lambda;
    let alias = lambda
        .get_alias(FUNCTION.parse().unwrap(), "live".parse().unwrap())
        .await
        .ok()?;
    let mut versions: Vec<String> = lambda
        .list_versions(FUNCTION.parse().unwrap())
        .await
        .ok()?
        .into_iter()
        .map(|v| v.version)
        .collect();
    versions.sort();
    Some((alias, versions))
}

/// Whether the simulator is as the deploy of `kind` found it (after a rollback or a
/// cancellation): the same resources, and a canary's alias back on version 1 alone.
async fn as_before(sim: &SimCloud, kind: Kind, baseline: &Inventory) -> Result<(), String> {
    if sim.inventory() != *baseline {
        return Err(format!("left {} (before: {baseline})", sim.inventory()));
    }
    if kind == Kind::Canary {
        match alias_and_versions(sim).await {
            Some((a, _)) if a.function_version == "1" && a.routing.is_none() => {}
            other => return Err(format!("the alias was not put back: {other:?}")),
        }
    }
    Ok(())
}

/// Whether an applied deploy of `kind` made exactly what it should: one function, one alias on
/// the new version with no routing, one version per release (no duplicate from a retried
/// publish), the expected outcome, and nothing else.
async fn applied_rightly(
    sim: &SimCloud,
    kind: Kind,
    baseline: &Inventory,
    out: &aws_facade::workflows::lambda_deploy::DeployOutputs,
) -> Result<(), String> {
    let (want_version, want_versions, want_outcome): (&str, &[&str], _) = match kind {
        Kind::First => ("1", &["$LATEST", "1"], Outcome::Created),
        Kind::Canary => ("2", &["$LATEST", "1", "2"], Outcome::Promoted),
    };
    let inv = sim.inventory();
    let state = alias_and_versions(sim).await;
    let ok = out.version == want_version
        && out.outcome == want_outcome
        && inv.count("function") == 1
        && inv.count("alias") == 1
        && inv.total() == baseline.count("alarm") + 2
        && state.as_ref().is_some_and(|(a, v)| {
            a.function_version == want_version && a.routing.is_none() && v.as_slice() == want_versions
        });
    if ok {
        Ok(())
    } else {
        Err(format!("applied wrongly: {out:?}; {inv}; {state:?}"))
    }
}

/// How one deploy ended, checked: `Ok(true)` applied rightly, `Ok(false)` rolled back with
/// nothing left (after the rollback's sweep has had time), `Err` what is wrong.
async fn judge(
    sim: &SimCloud,
    kind: Kind,
    baseline: &Inventory,
    result: aws_facade::Result<aws_facade::workflows::lambda_deploy::DeployOutputs>,
) -> Result<bool, String> {
    match result {
        Ok(out) => applied_rightly(sim, kind, baseline, &out).await.map(|_| true),
        Err(Error::Workflow(w)) => {
            tokio::time::sleep(Duration::from_secs(60)).await;
            if !w.left_behind.is_empty() {
                return Err(format!("left behind: {w}"));
            }
            as_before(sim, kind, baseline).await.map(|_| false)
        }
        Err(e) => Err(format!("not a workflow error: {e}")),
    }
}

/// `destroy_by_name` on `cloud`: the function goes (with its alias and versions), the alarm the
/// test made stays.
async fn destroy_and_check(sim: &SimCloud, cloud: &aws_facade::Cloud, baseline: &Inventory) -> Result<(), String> {
    let function = FUNCTION.parse().unwrap();
    let t = aws_facade::workflows::lambda_deploy::destroy_by_name(cloud, &function, None)
        .await
        .map_err(|e| format!("destroy_by_name: {e}"))?;
    let inv = sim.inventory();
    if t.removed != [format!("function {FUNCTION}")]
        || inv.total() != baseline.count("alarm")
        || inv.count("alarm") != baseline.count("alarm")
    {
        return Err(format!("destroy_by_name removed {:?}, left {inv}", t.removed));
    }
    Ok(())
}

/// Deploys of `kind` under 10 % transient faults (lost answers included) for seeds
/// `0..runs`, each followed by `destroy_by_name` under the same faults.
async fn chaos(kind: Kind, runs: u64) {
    let mut tally = Tally::default();
    let (mut injected, mut lost) = (0, 0);
    for seed in 0..runs {
        let sim = safety_sim(seed);
        let baseline = prepare(&sim, kind).await;
        let faults = Faults::new(seed).transient(0.10);
        let cloud = sim.cloud().layer(faults.clone()).with_seed(seed);
        let events: Arc<Mutex<Vec<String>>> = Arc::default();
        let ev = events.clone();
        let progress: aws_facade::workflows::Progress =
            Arc::new(move |e: &Event| ev.lock().unwrap().push(e.to_string()));
        let result = run_deploy(&cloud, kind, Some(progress)).await;
        if trace() {
            eprintln!(
                "seed {seed}: {:?}\n{}",
                result.as_ref().err(),
                events.lock().unwrap().join("\n")
            );
        }
        let outcome = match judge(&sim, kind, &baseline, result).await {
            Ok(true) => destroy_and_check(&sim, &cloud, &baseline).await.map(|_| true),
            other => other,
        };
        tally.record(seed, outcome);
        injected += faults.injected();
        lost += faults.lost();
    }
    eprintln!("lambda {kind:?} chaos: {injected} faults injected, {lost} of them lost answers");
    assert!(lost > 0, "the faults included lost answers");
    tally.check(&format!("lambda {kind:?} deploy+destroy_by_name"));
}

/// The first deploy under 10 % transient faults with lost answers, then `destroy_by_name` under
/// the same faults, for seeds `0..AWS_FACADE_CHAOS_RUNS` (default 200: about a second on a
/// debug build): each ends applied with exactly one function, alias and version, or rolled
/// back with nothing left; the teardown leaves nothing.
#[tokio::test(start_paused = true)]
async fn chaos_first_deploy_and_destroy_end_applied_or_rolled_back() {
    chaos(Kind::First, chaos_runs(200)).await;
}

/// A canary deploy (release 2 over release 1, 60 s bake) under 10 % transient faults with lost
/// answers, then `destroy_by_name` under the same faults, for seeds
/// `0..AWS_FACADE_CHAOS_RUNS` (default 200: about a second on a debug build): each ends
/// promoted with one version per release, or rolled back with the alias on version 1 again.
#[tokio::test(start_paused = true)]
async fn chaos_canary_deploy_and_destroy_end_applied_or_rolled_back() {
    chaos(Kind::Canary, chaos_runs(200)).await;
}

/// Every call of a clean deploy of `kind` (seeded, so a faulty run repeats it up to the fault)
/// failed in turn with `AccessDenied` (the deploy must roll back) and with its answer lost
/// (it must end applied rightly or rolled back); nothing is left either way.
async fn fault_at_every_call(kind: Kind) {
    let points = {
        let sim = safety_sim(0);
        prepare(&sim, kind).await;
        let journal = Recording::new();
        run_deploy(&sim.cloud().layer(journal.clone()).with_seed(0), kind, None)
            .await
            .unwrap();
        fault_points(&journal)
    };
    let (mut applied, mut rolled_back) = (0, 0);
    for &(op, nth) in &points {
        for lost in [false, true] {
            let what = format!(
                "{kind:?}: {} at {op} #{nth}",
                if lost { "lost answer" } else { "AccessDenied" }
            );
            let sim = safety_sim(0);
            let baseline = prepare(&sim, kind).await;
            let faults = fault_at(op, nth, lost);
            let result = run_deploy(&sim.cloud().layer(faults.clone()).with_seed(0), kind, None).await;
            assert_eq!(faults.injected(), 1, "{what}: the faulty run reached the call");
            if !lost {
                match &result {
                    Err(Error::Workflow(w)) => assert!(w.cause.is_access_denied(), "{what}: {w}"),
                    other => panic!("{what}: must roll back, got {other:?}"),
                }
            }
            match judge(&sim, kind, &baseline, result).await {
                Ok(true) => applied += 1,
                Ok(false) => rolled_back += 1,
                Err(why) => panic!("{what}: {why}"),
            }
        }
    }
    eprintln!(
        "lambda {kind:?} deploy: {} fault points; AccessDenied: {} rolled back; lost answers: {applied} applied, {} rolled back",
        points.len(),
        points.len(),
        rolled_back - points.len()
    );
}

#[tokio::test(start_paused = true)]
async fn a_fault_at_every_call_of_a_first_deploy_rolls_back_or_adopts() {
    fault_at_every_call(Kind::First).await;
}

#[tokio::test(start_paused = true)]
async fn a_fault_at_every_call_of_a_canary_deploy_rolls_back_or_adopts() {
    fault_at_every_call(Kind::Canary).await;
}

/// Every call of a clean `destroy_by_name` with its answer lost: it still removes the function.
#[tokio::test(start_paused = true)]
async fn a_lost_answer_at_every_call_of_destroy_by_name_still_removes_the_function() {
    let setup = || async {
        let sim = safety_sim(0);
        deploy(&sim.cloud(), &spec(), package(1), None, None).await.unwrap();
        sim
    };
    let sim = setup().await;
    let journal = Recording::new();
    let cloud = sim.cloud().layer(journal.clone()).with_seed(0);
    destroy_and_check(&sim, &cloud, &Inventory::default()).await.unwrap();
    let points = fault_points(&journal);
    assert!(points.iter().any(|(op, _)| *op == "DeleteFunction"), "{points:?}");
    for (op, nth) in points {
        let sim = setup().await;
        let faults = Faults::new(0).script_lost(op, nth);
        let cloud = sim.cloud().layer(faults.clone()).with_seed(0);
        destroy_and_check(&sim, &cloud, &Inventory::default())
            .await
            .unwrap_or_else(|e| panic!("lost {op} #{nth}: {e}"));
        assert_eq!(faults.injected(), 1, "lost {op} #{nth}");
    }
}

/// A deploy of `kind` cancelled (its future dropped by `tokio::time::timeout`) every `step` of
/// its run, from 0 to past its end, with calls that take time on the way there and back (so a
/// cancellation also lands between a call taking effect and its answer): two minutes later
/// the simulator is as the deploy found it, without any destroy.
async fn cancelled_at_every_instant(kind: Kind, step: Duration) {
    let latency = || Latency::fixed(Duration::from_millis(150)).after_call(Delay::Fixed(Duration::from_millis(150)));
    // How long a whole deploy takes on this setup, and when each call's answer is on its way
    // back (the call took effect; cancelling then loses its answer).
    let (whole, in_flight) = {
        let sim = safety_sim(0);
        prepare(&sim, kind).await;
        let journal = Recording::new();
        let t0 = tokio::time::Instant::now();
        run_deploy(
            &sim.cloud().layer(latency()).layer(journal.clone()).with_seed(0),
            kind,
            None,
        )
        .await
        .unwrap();
        let answers: Vec<Duration> = journal
            .entries()
            .iter()
            .map(|e| e.finished - Duration::from_millis(75))
            .collect();
        (t0.elapsed(), answers)
    };
    // Every `step` from 0 to past the end, and the middle of every answer's way back.
    let mut at: Vec<Duration> = (0..)
        .map(|k| step * k)
        .take_while(|t| *t <= whole + 2 * step)
        .chain(in_flight.iter().copied())
        .collect();
    at.sort();
    at.dedup();
    let (mut cancelled, mut finished, instants) = (0usize, 0usize, at.len());
    for t in at {
        let sim = safety_sim(0);
        let baseline = prepare(&sim, kind).await;
        let cloud = sim.cloud().layer(latency()).with_seed(0);
        match tokio::time::timeout(t, run_deploy(&cloud, kind, None)).await {
            Err(_) => {
                cancelled += 1;
                tokio::time::sleep(Duration::from_secs(120)).await;
                if let Err(why) = as_before(&sim, kind, &baseline).await {
                    panic!("{kind:?} cancelled at {t:?}: {why}");
                }
            }
            Ok(result) => {
                assert!(
                    !in_flight.contains(&t),
                    "at {t:?} an answer was on its way back: not finished"
                );
                finished += 1;
                let out = result.unwrap_or_else(|e| panic!("{kind:?} at {t:?}: {e}"));
                if let Err(why) = applied_rightly(&sim, kind, &baseline, &out).await {
                    panic!("{kind:?} at {t:?}: {why}");
                }
            }
        }
    }
    eprintln!(
        "lambda {kind:?} deploy ({whole:?}): cancelled at {cancelled} of {instants} instants ({} with an answer \
         on its way back), {finished} finished",
        in_flight.len()
    );
    assert!(
        cancelled * 10 >= instants * 7 && cancelled >= 8,
        "{cancelled} of {instants}"
    );
    assert!(finished >= 1, "the last instants are past the end of the deploy");
}

#[tokio::test(start_paused = true)]
async fn a_first_deploy_cancelled_at_any_instant_leaves_nothing() {
    cancelled_at_every_instant(Kind::First, Duration::from_millis(500)).await;
}

#[tokio::test(start_paused = true)]
async fn a_canary_deploy_cancelled_at_any_instant_puts_the_alias_back() {
    cancelled_at_every_instant(Kind::Canary, Duration::from_secs(1)).await;
}
