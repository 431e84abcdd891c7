//! The web tier workflow on the simulator, with tokio's paused clock.
#![cfg(feature = "sim")]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_facade::elb::{DescribeLoadBalancersRequest, TargetHealthState};
use aws_facade::layer::{Faults, Latency, Recording};
use aws_facade::sim::{SimCloud, SimConfig};
use aws_facade::workflows::Event;
use aws_facade::workflows::plan::{critical_path, sequential_time, steps_from_events};
use aws_facade::workflows::web_tier::{self, ImageSpec, WebTier};
use aws_facade::{Cloud, Error};

/// A progress callback that records each event's text.
fn recorder() -> (Arc<Mutex<Vec<String>>>, aws_facade::workflows::Progress) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let ev = events.clone();
    (
        events,
        Arc::new(move |e: &Event| ev.lock().unwrap().push(e.to_string())),
    )
}

fn spec(name: &str, count: u32) -> WebTier {
    WebTier::builder()
        .name(name.parse().unwrap())
        .image(ImageSpec::latest("al2023-ami-2023*-x86_64", "amazon"))
        .count(count)
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn apply_creates_a_secure_healthy_tier_with_alarms() {
    let sim = SimCloud::new();
    let journal = Recording::new();
    // Calls take (virtual) time, as on AWS, so the journal can show which ones overlapped.
    let cloud = sim
        .cloud()
        .layer(Latency::fixed(Duration::from_millis(100)))
        .layer(journal.clone());
    let events = Arc::new(Mutex::new(Vec::new()));
    let ev = events.clone();
    let out = spec("shop", 4)
        .apply(
            &cloud,
            Some(Arc::new(move |e: &Event| ev.lock().unwrap().push(e.clone()))),
        )
        .await
        .unwrap();

    assert_eq!(out.instance_ids.len(), 4);
    // Spread evenly across zones.
    let instances = cloud
        .ec2
        .describe_instances(
            aws_facade::ec2::DescribeInstancesRequest::builder()
                .instance_ids(out.instance_ids.clone())
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let mut zones: Vec<String> = instances.iter().map(|i| i.availability_zone.to_string()).collect();
    zones.sort();
    zones.dedup();
    assert!(zones.len() >= 2, "instances spread over zones: {zones:?}");
    assert!(instances.iter().all(|i| i.http_tokens_required), "IMDSv2 required");

    // Security: the app group admits only the app port from the load balancer's group; the
    // load balancer's group admits only the listener port.
    let groups = cloud
        .ec2
        .describe_security_groups(
            aws_facade::ec2::DescribeSecurityGroupsRequest::builder()
                .group_ids(vec![out.app_security_group.clone(), out.lb_security_group.clone()])
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let app = groups.iter().find(|g| g.id == out.app_security_group).unwrap();
    assert_eq!(app.ingress.len(), 1);
    assert_eq!(
        app.ingress[0].source,
        aws_facade::ec2::IngressSource::Group(out.lb_security_group.clone())
    );
    assert_eq!((app.ingress[0].from_port, app.ingress[0].to_port), (80, 80));
    let lb = groups.iter().find(|g| g.id == out.lb_security_group).unwrap();
    assert!(lb.ingress.iter().all(|r| r.from_port == 80 && r.to_port == 80));

    // Targets healthy, load balancer active.
    let health = cloud
        .elb
        .describe_target_health(out.target_group_arn.clone(), vec![])
        .await
        .unwrap();
    assert_eq!(health.len(), 4);
    assert!(health.iter().all(|h| h.state == TargetHealthState::Healthy));
    // Alarms: 5 for the load balancer and target group, 3 per instance.
    assert_eq!(out.alarm_names.len(), 5 + 3 * 4);

    // Independent steps overlapped: the target group was created while the security groups
    // and instances were being made.
    assert!(
        journal.overlapped("CreateTargetGroup", "CreateSecurityGroup"),
        "{:?}",
        journal.operations()
    );
    // The load balancer provisioned while the instances booted (steps, from the progress
    // events: call-level overlap of two polling loops depends on their jitter).
    {
        let ev = events.lock().unwrap();
        let steps = steps_from_events(ev.iter());
        let step = |name: &str| {
            steps
                .iter()
                .find(|s| s.name == name)
                .unwrap_or_else(|| panic!("step {name} in {steps:?}"))
        };
        let (lb, boot) = (step("wait load balancer active"), step("wait instances running"));
        assert!(
            lb.started < boot.finished && boot.started < lb.finished,
            "{lb:?} {boot:?}"
        );
        assert!(critical_path(&steps) < sequential_time(&steps));
        assert!(
            ev.iter()
                .any(|e| matches!(e, Event::StepFinished { step, .. } if step == "wait targets healthy"))
        );
    }

    // Destroy removes everything.
    let removed = web_tier::destroy(&cloud, &out, None).await.unwrap();
    assert!(removed.removed.len() >= 4 + 17 + 5, "{removed:?}");
    assert!(sim.inventory().is_empty(), "left: {}", sim.inventory());
}

#[tokio::test(start_paused = true)]
async fn apply_twice_converges_without_duplicates_and_scales() {
    let sim = SimCloud::new();
    let cloud = sim.cloud();
    let first = spec("twice", 2).apply(&cloud, None).await.unwrap();
    let before = sim.inventory();
    let second = spec("twice", 2).apply(&cloud, None).await.unwrap();
    assert_eq!(sim.inventory(), before, "a second apply creates nothing");
    assert_eq!(first.load_balancer_arn, second.load_balancer_arn);
    let mut a = first.instance_ids.clone();
    let mut b = second.instance_ids.clone();
    a.sort();
    b.sort();
    assert_eq!(a, b);

    // A changed count converges.
    let third = spec("twice", 3).apply(&cloud, None).await.unwrap();
    assert_eq!(third.instance_ids.len(), 3);
    assert_eq!(sim.inventory().count("instance"), 3);

    web_tier::destroy_by_name(&cloud, "twice", None).await.unwrap();
    assert!(sim.inventory().is_empty(), "left: {}", sim.inventory());
}

#[tokio::test(start_paused = true)]
async fn scale_out_and_in_keeps_zones_balanced() {
    let sim = SimCloud::new();
    let cloud = sim.cloud();
    let s = spec("scaler", 2);
    let out = s.apply(&cloud, None).await.unwrap();
    let out = web_tier::scale(&cloud, &s, &out, 5, None).await.unwrap();
    assert_eq!(out.instance_ids.len(), 5);
    let health = cloud
        .elb
        .describe_target_health(out.target_group_arn.clone(), vec![])
        .await
        .unwrap();
    assert_eq!(
        health.iter().filter(|h| h.state == TargetHealthState::Healthy).count(),
        5
    );
    let out = web_tier::scale(&cloud, &s, &out, 1, None).await.unwrap();
    assert_eq!(out.instance_ids.len(), 1);
    assert_eq!(sim.inventory().count("instance"), 1);
    let health = cloud
        .elb
        .describe_target_health(out.target_group_arn.clone(), vec![])
        .await
        .unwrap();
    assert_eq!(health.len(), 1, "drained targets are gone: {health:?}");
    // Per-instance alarms of removed instances are gone too.
    assert_eq!(sim.inventory().count("alarm"), 5 + 3);
    web_tier::destroy(&cloud, &out, None).await.unwrap();
    assert!(sim.inventory().is_empty(), "left: {}", sim.inventory());
}

/// Every mutating operation the apply makes, failed in turn: each apply ends with nothing left
/// behind, and the error names the cause and what was cleaned up.
#[tokio::test(start_paused = true)]
async fn a_failure_at_any_step_rolls_everything_back() {
    let ops = [
        "CreateSecurityGroup",
        "AuthorizeSecurityGroupIngress",
        "CreateTargetGroup",
        "ModifyTargetGroupAttributes",
        "RunInstances",
        "CreateLoadBalancer",
        "CreateListener",
        "RegisterTargets",
        "PutMetricAlarm",
        "DescribeTargetHealth",
    ];
    for op in ops {
        let sim = SimCloud::new();
        // A permanent failure (not retryable): AccessDenied on the first call of `op`.
        let cloud = sim.cloud().layer(Faults::new(1).script(op, 1, "AccessDenied"));
        let err = spec("fails", 2).apply(&cloud, None).await.unwrap_err();
        match &err {
            Error::Workflow(w) => {
                assert!(w.cause.is_access_denied(), "{op}: {err}");
                assert!(w.left_behind.is_empty(), "{op}: {:?}", w.left_behind);
            }
            other => panic!("{op}: expected a workflow error, got {other}"),
        }
        assert!(sim.inventory().is_empty(), "{op}: left {}", sim.inventory());
    }
}

#[tokio::test(start_paused = true)]
async fn destroy_by_name_after_an_aborted_apply() {
    let sim = SimCloud::new();
    let cloud = sim.cloud();
    // Abort the apply midway (the future is dropped while instances boot).
    let aborted = tokio::time::timeout(Duration::from_secs(10), spec("aborted", 2).apply(&cloud, None)).await;
    assert!(aborted.is_err(), "the apply was still running");
    assert!(!sim.inventory().is_empty());
    let removed = web_tier::destroy_by_name(&cloud, "aborted", None).await.unwrap();
    assert!(!removed.is_empty());
    assert!(sim.inventory().is_empty(), "left: {}", sim.inventory());
    // Idempotent.
    assert!(
        web_tier::destroy_by_name(&cloud, "aborted", None)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Every rule of the spec is checked before the first call: one case per rule, each refused
/// with the field path it names and an empty journal.
#[tokio::test(start_paused = true)]
async fn validation_happens_before_any_call() {
    type Case = (&'static str, fn(&mut WebTier));
    let action: aws_facade::id::Arn = "arn:aws:sns:us-east-1:123456789012:ops".parse().unwrap();
    let many_actions = vec![action; 6];
    let cases: Vec<Case> = vec![
        ("allowed_cidrs[0]", |t| t.allowed_cidrs = vec!["10.0.0.0/99".into()]),
        ("allowed_cidrs", |t| t.allowed_cidrs = vec![]),
        ("count", |t| t.count = 101),
        ("subnets", |t| {
            t.subnets = vec!["subnet-0123456789abcdef0".parse().unwrap()]
        }),
        ("health_check.path", |t| t.health_check.path = "healthz".into()),
        ("health_check.path", |t| {
            t.health_check.path = format!("/{}", "a".repeat(1024))
        }),
        ("health_check.matcher", |t| t.health_check.matcher = "500".into()),
        ("health_check.matcher", |t| t.health_check.matcher = "200-".into()),
        ("health_check.matcher", |t| t.health_check.matcher = String::new()),
        ("health_check.interval_secs", |t| t.health_check.interval_secs = 4),
        ("health_check.interval_secs", |t| t.health_check.interval_secs = 301),
        ("health_check.healthy_threshold", |t| {
            t.health_check.healthy_threshold = 1
        }),
        ("health_check.unhealthy_threshold", |t| {
            t.health_check.unhealthy_threshold = 11
        }),
        ("app_port", |t| t.app_port = 0),
        ("listener.port", |t| t.listener.port = 0),
        ("listener.certificate_arn", |t| t.listener.port = 443),
        ("listener.ssl_policy", |t| {
            t.listener.ssl_policy = Some("ELBSecurityPolicy-TLS13-1-2-Res-2021-06".into())
        }),
        ("alarms.cpu_percent", |t| t.alarms.cpu_percent = Some(f64::NAN)),
        ("alarms.cpu_percent", |t| t.alarms.cpu_percent = Some(150.0)),
        ("alarms.elb_5xx", |t| t.alarms.elb_5xx = Some(f64::INFINITY)),
        ("alarms.target_5xx", |t| t.alarms.target_5xx = Some(-1.0)),
        ("alarms.response_time_p90_secs", |t| {
            t.alarms.response_time_p90_secs = Some(f64::NAN)
        }),
        ("user_data", |t| t.user_data = Some("x".repeat(16 * 1024 + 1).into())),
        ("deregistration_delay_secs", |t| t.deregistration_delay_secs = 3601),
        // The network guard: no listener on SSH or a database for the internet.
        ("allowed_cidrs[0]", |t| t.listener.port = 22),
        ("allowed_cidrs[1]", |t| {
            t.listener.port = 5432;
            t.allowed_cidrs = vec!["203.0.113.0/24".into(), "0.0.0.0/1".into()];
        }),
        ("allowed_cidrs[0]", |t| t.allowed_cidrs = vec!["nope".into()]),
        ("root_volume.kms_key_id", |t| {
            t.root_volume.encrypted = false;
            t.root_volume.kms_key_id = Some("alias/web".into());
        }),
        ("root_volume.size_gib", |t| t.root_volume.size_gib = Some(0)),
    ];
    let sim = SimCloud::new();
    let journal = Recording::new();
    let cloud = sim.cloud().layer(journal.clone());
    for (want, break_it) in cases {
        let mut bad = spec("valid", 2);
        break_it(&mut bad);
        let err = bad.apply(&cloud, None).await.unwrap_err();
        assert!(
            matches!(&err, Error::Validation { field, .. } if field == want),
            "expected a validation error on {want}, got {err}"
        );
        assert!(
            journal.is_empty(),
            "{want}: no call was made: {:?}",
            journal.operations()
        );
    }
    // Six alarm actions: one more than PutMetricAlarm allows.
    let mut bad = spec("valid", 2);
    bad.alarms.actions = many_actions;
    let err = bad.apply(&cloud, None).await.unwrap_err();
    assert!(
        matches!(&err, Error::Validation { field, .. } if field == "alarms.actions"),
        "{err}"
    );
    assert!(journal.is_empty(), "no call was made: {:?}", journal.operations());
}

/// Many applies (seeded: `AWS_FACADE_CHAOS_RUNS`, default 1,000; `AWS_FACADE_CHAOS_SEED` replays
/// one) under 10 % transient faults on every operation, lost answers included, and eventual
/// consistency. One seed in five also fails a create permanently, so its rollback runs under
/// the same faults (it must remove everything). Each other applied tier is then
/// scaled out by one and destroyed (even seeds by its outputs, odd seeds by name), under the
/// same faults. Each apply and each scale ends fully applied or fully rolled back; destroy
/// always removes everything; nothing is left behind. Pass threshold: 99 % applied, per step.
#[tokio::test(start_paused = true)]
async fn chaos_applies_end_applied_or_rolled_back() {
    let (mut apply, mut scale, mut rollback) = (
        safety::Tally::default(),
        safety::Tally::default(),
        safety::Tally::default(),
    );
    for seed in safety::seeds(1000) {
        let sim = SimCloud::with_config(SimConfig {
            seed,
            eventual_consistency: Some(Duration::from_secs(3)),
            ..SimConfig::default()
        });
        // One seed in five also meets a permanent error on a create, so the rollback itself
        // runs under the transient faults.
        const CREATES: [&str; 6] = [
            "CreateTargetGroup",
            "RunInstances",
            "CreateLoadBalancer",
            "CreateListener",
            "RegisterTargets",
            "PutMetricAlarm",
        ];
        let forced = (seed % 5 == 4).then(|| CREATES[(seed / 5) as usize % CREATES.len()]);
        let mut faults = Faults::new(seed).transient(0.10);
        if let Some(op) = forced {
            faults = faults.script(op, 1, "AccessDenied");
        }
        let cloud: Cloud = sim.cloud().layer(faults).with_seed(seed);
        let name = format!("chaos{seed}");
        let (events, progress) = recorder();
        let tier = spec(&name, 2);
        let result = tier.apply(&cloud, Some(progress.clone())).await;
        if safety::trace() {
            eprintln!(
                "seed {seed}: {:?}\n{}",
                result.as_ref().err(),
                events.lock().unwrap().join("\n")
            );
        }
        if let Some(op) = forced {
            match &result {
                Err(Error::Workflow(w)) if w.cause.is_access_denied() => {
                    rollback.rolled_back += 1;
                    assert!(w.left_behind.is_empty(), "seed {seed}: {:?}", w.left_behind);
                }
                other => panic!("seed {seed}: AccessDenied on {op} must roll back, got {other:?}"),
            }
            tokio::time::sleep(Duration::from_secs(120)).await;
            if !sim.inventory().is_empty() {
                rollback.leaked += 1;
                eprintln!("seed {seed}: rollback left {}", sim.inventory());
            }
            continue;
        }
        match result {
            Ok(out) => {
                apply.applied += 1;
                let lbs = sim
                    .cloud()
                    .elb
                    .describe_load_balancers(
                        DescribeLoadBalancersRequest::builder()
                            .arns(vec![out.load_balancer_arn.clone()])
                            .build()
                            .unwrap(),
                    )
                    .await
                    .unwrap();
                assert_eq!(lbs.len(), 1);
                let health = sim
                    .cloud()
                    .elb
                    .describe_target_health(out.target_group_arn.clone(), vec![])
                    .await
                    .unwrap();
                assert!(
                    health.iter().all(|h| h.state == TargetHealthState::Healthy),
                    "seed {seed}"
                );
                assert_eq!(sim.inventory().count("instance"), 2, "seed {seed}: duplicates");
                let out = match web_tier::scale(&cloud, &tier, &out, 3, Some(progress.clone())).await {
                    Ok(scaled) => {
                        scale.applied += 1;
                        assert_eq!(scaled.instance_ids.len(), 3, "seed {seed}");
                        assert_eq!(sim.inventory().count("instance"), 3, "seed {seed}: scale duplicated");
                        scaled
                    }
                    Err(Error::Workflow(w)) => {
                        scale.rolled_back += 1;
                        assert!(w.left_behind.is_empty(), "seed {seed}: scale left {:?}", w.left_behind);
                        tokio::time::sleep(Duration::from_secs(120)).await;
                        assert_eq!(sim.inventory().count("instance"), 2, "seed {seed}: scale rollback");
                        out
                    }
                    Err(e) => panic!("seed {seed}: scale: unexpected error {e}"),
                };
                if seed % 2 == 0 {
                    web_tier::destroy(&cloud, &out, Some(progress.clone())).await
                } else {
                    web_tier::destroy_by_name(&cloud, &name, Some(progress.clone())).await
                }
                .unwrap_or_else(|e| {
                    let trace = if safety::trace() {
                        events.lock().unwrap().join("\n")
                    } else {
                        String::new()
                    };
                    panic!("seed {seed}: destroy: {e}\n{trace}")
                });
            }
            Err(Error::Workflow(w)) => {
                apply.rolled_back += 1;
                assert!(w.left_behind.is_empty(), "seed {seed}: {:?}", w.left_behind);
                tokio::time::sleep(Duration::from_secs(120)).await;
            }
            Err(e) => panic!("seed {seed}: unexpected error {e}"),
        }
        if !sim.inventory().is_empty() {
            // Counted (and reported by `check`) rather than a panic, so every seed's outcome
            // is in the figures.
            apply.leaked += 1;
            eprintln!("seed {seed}: left {}", sim.inventory());
        }
    }
    apply.check("web tier apply+destroy");
    scale.check("web tier scale");
    // Forced rollbacks: every one must end fully rolled back (none applied by design).
    eprintln!(
        "chaos web tier rollback (AccessDenied on a create): {} rolled back, {} leaked",
        rollback.rolled_back, rollback.leaked
    );
    assert_eq!(rollback.leaked, 0, "a rollback under faults left resources");
    assert!(rollback.rolled_back > 0);
}

#[tokio::test(start_paused = true)]
async fn latency_model_shows_concurrency_beats_sequential() {
    let sim = SimCloud::new();
    let cloud = sim.cloud().layer(Latency::uniform(
        Duration::from_millis(50),
        Duration::from_millis(300),
        7,
    ));
    let start = tokio::time::Instant::now();
    let out = spec("fast", 3).apply(&cloud, None).await.unwrap();
    let took = start.elapsed();
    // The load balancer's provisioning (120 s) and instance boot (30 s) overlap, so the apply
    // takes far less than the sum of its waits.
    assert!(took < Duration::from_secs(400), "{took:?}");
    web_tier::destroy(&cloud, &out, None).await.unwrap();
}

#[path = "support/safety.rs"]
mod safety;

/// Live resources per kind (ids differ between runs; counts must not).
fn counts(sim: &SimCloud) -> Vec<(&'static str, usize)> {
    let inv = sim.inventory();
    inv.resources
        .iter()
        .map(|(k, v)| (*k, v.len()))
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// A fault at every call index of a clean apply, before the call (AccessDenied, not retryable:
/// the apply must roll back) and after it took effect (its answer lost: the retry must adopt
/// what the first attempt made, so the apply ends with exactly a clean run's resources, or rolls
/// back). Nothing is left behind in either case, without calling destroy.
#[tokio::test(start_paused = true)]
async fn a_fault_at_every_call_index_leaves_nothing_behind() {
    let journal = Recording::new();
    let sim = SimCloud::new();
    let out = spec("points", 2)
        .apply(&sim.cloud().layer(journal.clone()).with_seed(1), None)
        .await
        .unwrap();
    let clean = counts(&sim);
    let points = safety::fault_points(&journal);
    journal.clear();
    web_tier::destroy(&sim.cloud().layer(journal.clone()).with_seed(2), &out, None)
        .await
        .unwrap();
    let destroy_points = safety::fault_points(&journal);
    assert!(points.len() > 20, "a clean apply makes {} calls", points.len());

    let (mut adopted, mut rolled_back) = (0, 0);
    for &(op, nth) in &points {
        for lost in [false, true] {
            let sim = SimCloud::new();
            let faults = safety::fault_at(op, nth, lost);
            let cloud = sim.cloud().layer(faults.clone()).with_seed(1);
            let what = format!(
                "{} {op} #{nth}",
                if lost { "lost answer of" } else { "AccessDenied on" }
            );
            // Seeded like the clean run, so the same calls come in the same order.
            match spec("points", 2).apply(&cloud, None).await {
                Ok(_) if lost => {
                    assert_eq!(faults.lost(), 1, "{what}: the point was never reached");
                    adopted += 1;
                    assert_eq!(counts(&sim), clean, "{what}: duplicates or missing resources");
                }
                Ok(_) => panic!("{what}: the apply succeeded through a permanent error"),
                Err(Error::Workflow(w)) => {
                    assert_eq!(faults.injected(), 1, "{what}: the point was never reached");
                    rolled_back += 1;
                    assert!(w.left_behind.is_empty(), "{what}: {:?}", w.left_behind);
                    // The sweep for lost creates runs after the settle delay.
                    tokio::time::sleep(Duration::from_secs(120)).await;
                    assert!(sim.inventory().is_empty(), "{what}: left {}", sim.inventory());
                }
                Err(e) => panic!("{what}: unexpected error {e}"),
            }
        }
    }
    eprintln!(
        "web tier apply: {} fault points x 2: {adopted} lost answers carried through, {rolled_back} rolled back",
        points.len()
    );
    // Every lost answer is retried and adopted: none may turn into a rollback.
    assert_eq!(adopted, points.len(), "every lost answer must be carried through");

    // Destroy: a lost answer at every call index still removes everything.
    for &(op, nth) in &destroy_points {
        let sim = SimCloud::new();
        let out = spec("points", 2).apply(&sim.cloud().with_seed(1), None).await.unwrap();
        let cloud = sim.cloud().layer(Faults::new(0).script_lost(op, nth)).with_seed(2);
        web_tier::destroy(&cloud, &out, None)
            .await
            .unwrap_or_else(|e| panic!("destroy, lost answer of {op} #{nth}: {e}"));
        assert!(
            sim.inventory().is_empty(),
            "destroy, lost {op} #{nth}: left {}",
            sim.inventory()
        );
    }
    eprintln!(
        "web tier destroy: {} fault points, all removed everything",
        destroy_points.len()
    );
}

/// An apply cancelled (its future dropped) at many instants: what it made is rolled back on a
/// spawned task, and once time passes nothing is left, without calling destroy.
#[tokio::test(start_paused = true)]
async fn a_cancelled_apply_leaves_nothing_behind() {
    // How long a clean apply takes (virtual time).
    let sim = SimCloud::new();
    let start = tokio::time::Instant::now();
    spec("cancel", 2).apply(&sim.cloud().with_seed(1), None).await.unwrap();
    let total = start.elapsed();
    let mut cancelled = 0;
    let mut t = Duration::ZERO;
    while t < total {
        let sim = SimCloud::new();
        let cloud = sim.cloud().with_seed(1);
        let result = tokio::time::timeout(t, spec("cancel", 2).apply(&cloud, None)).await;
        if let Ok(done) = result {
            // Health checks run on the simulator's own schedule, so an apply can finish a
            // little sooner than the first one did: the end of the window to cancel in.
            web_tier::destroy(&cloud, &done.unwrap(), None).await.unwrap();
            break;
        }
        cancelled += 1;
        tokio::time::sleep(Duration::from_secs(600)).await;
        assert!(
            sim.inventory().is_empty(),
            "cancelled at {t:?}: left {}",
            sim.inventory()
        );
        t += Duration::from_secs(3);
    }
    eprintln!("web tier apply ({total:?}) cancelled at {cancelled} instants: nothing left");
    assert!(cancelled >= 20, "only {cancelled} cancel instants");
}

/// Another tier whose name shares a prefix, a user's alarm that starts with the tier's name, and
/// same-named resources without the ownership tags: destroy-by-name leaves all of them, reports
/// the same-named ones as skipped, and apply refuses to adopt them.
#[tokio::test(start_paused = true)]
async fn shared_account_resources_survive_destroy_by_name_and_apply() {
    use aws_facade::cloudwatch::DescribeAlarmsRequest;
    use aws_facade::elb::{CreateLoadBalancerRequest, CreateTargetGroupRequest};
    use aws_facade::workflows::alarms;

    let sim = SimCloud::new();
    let cloud = sim.cloud();
    let shop = spec("shop", 2).apply(&cloud, None).await.unwrap();
    let eu = spec("shop-eu", 2).apply(&cloud, None).await.unwrap();
    // A user's alarm named with the tier's prefix, and one named exactly like a tier alarm
    // would be on another tier (`shop-eu` is a tier; `shop-x-5xx` is not).
    for name in ["shop-my-own-alarm", "shop-x-elb-5xx"] {
        let req = alarms::count_above(
            name.parse().unwrap(),
            "AWS/ApplicationELB",
            "HTTPCode_ELB_5XX_Count",
            &[],
            1.0,
        )
        .unwrap();
        cloud.cloudwatch.put_metric_alarm(req).await.unwrap();
    }
    let eu_before = sim.inventory();
    let removed = web_tier::destroy_by_name(&cloud, "shop", None).await.unwrap();
    assert!(
        removed
            .removed
            .iter()
            .any(|r| r.contains(shop.load_balancer_arn.as_str()))
    );
    // Everything of `shop-eu` and the user's alarms are still there.
    let user_alarms = cloud
        .cloudwatch
        .describe_alarms(DescribeAlarmsRequest::builder().build().unwrap())
        .await
        .unwrap();
    let names: Vec<&str> = user_alarms.iter().map(|a| a.name.as_str()).collect();
    assert!(
        names.contains(&"shop-my-own-alarm") && names.contains(&"shop-x-elb-5xx"),
        "{names:?}"
    );
    for a in &eu.alarm_names {
        assert!(names.contains(&a.as_str()), "{a} of shop-eu was removed");
    }
    for kind in ["instance", "load balancer", "target group"] {
        assert_eq!(
            sim.inventory().count(kind) * 2,
            eu_before.count(kind),
            "{kind}: only shop's half may go"
        );
    }
    web_tier::destroy(&cloud, &eu, None).await.unwrap();

    // Same-named resources without the ownership tags: a user's own load balancer `shop` and
    // target group `shop-tg`.
    let vpc = cloud.ec2.default_vpc().await.unwrap();
    let subnets: Vec<_> = cloud
        .ec2
        .describe_subnets(vpc.id.clone())
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    let lb = cloud
        .elb
        .create_load_balancer(
            CreateLoadBalancerRequest::builder()
                .name("shop".parse().unwrap())
                .subnets(subnets)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let tg = cloud
        .elb
        .create_target_group(
            CreateTargetGroupRequest::builder()
                .name("shop-tg".parse().unwrap())
                .port(80)
                .vpc_id(vpc.id.clone())
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let users = sim.inventory();
    let torn = web_tier::destroy_by_name(&cloud, "shop", None).await.unwrap();
    assert!(torn.removed.is_empty(), "removed {:?}", torn.removed);
    assert!(
        torn.skipped.iter().any(|s| s.contains(lb.arn.as_str()))
            && torn.skipped.iter().any(|s| s.contains(tg.arn.as_str())),
        "skipped {:?}",
        torn.skipped
    );
    assert_eq!(
        sim.inventory(),
        users,
        "destroy-by-name touched a resource it does not own"
    );
    let err = spec("shop", 2).apply(&cloud, None).await.unwrap_err();
    let cause = match &err {
        Error::Workflow(w) => &w.cause,
        other => other,
    };
    assert!(
        cause.is_conflict(),
        "expected a conflict naming the untagged resource, got {err}"
    );
    assert!(
        cause.to_string().contains("shop"),
        "the error names the resource it refused: {}",
        err.chain()
    );
    tokio::time::sleep(Duration::from_secs(600)).await;
    assert_eq!(
        sim.inventory(),
        users,
        "apply touched or left resources: {}",
        sim.inventory()
    );
}

/// With a certificate: an HTTPS listener with the crate's TLS policy, port 80 redirecting to
/// it, both ports (and only they) open to the clients, invalid header fields dropped. Without
/// one the tier is plain HTTP and says so.
#[tokio::test(start_paused = true)]
async fn https_by_certificate_with_redirect_tls_policy_and_header_hygiene() {
    use aws_facade::ec2::DescribeSecurityGroupsRequest;
    use aws_facade::elb::{DEFAULT_TLS_POLICY, DROP_INVALID_HEADER_FIELDS, Protocol};
    let sim = SimCloud::new();
    let cloud = sim.cloud();
    let mut tier = spec("secure", 2);
    tier.listener.port = 443;
    tier.listener.certificate_arn = Some(
        "arn:aws:acm:us-east-1:123456789012:certificate/0d4a4a1e-7c55-4c3c-9f5b-1b2c3d4e5f60"
            .parse()
            .unwrap(),
    );
    let (events, progress) = recorder();
    let out = tier.apply(&cloud, Some(progress)).await.unwrap();
    assert!(out.https);
    assert!(!events.lock().unwrap().iter().any(|e| e.contains("plain HTTP")));
    let listeners = cloud
        .elb
        .describe_listeners(out.load_balancer_arn.clone())
        .await
        .unwrap();
    assert_eq!(listeners.len(), 2, "{listeners:?}");
    let https = listeners.iter().find(|l| l.port == 443).unwrap();
    assert_eq!(https.protocol, Protocol::Https);
    assert_eq!(https.ssl_policy.as_deref(), Some(DEFAULT_TLS_POLICY));
    assert_eq!(https.default_target_group.as_ref(), Some(&out.target_group_arn));
    let http = listeners.iter().find(|l| l.port == 80).unwrap();
    assert_eq!(
        (http.protocol.clone(), http.redirect_to_https),
        (Protocol::Http, Some(443))
    );
    assert_eq!(out.redirect_listener_arn.as_ref(), Some(&http.arn));
    let attrs = cloud
        .elb
        .describe_load_balancer_attributes(out.load_balancer_arn.clone())
        .await
        .unwrap();
    assert_eq!(attrs.get(DROP_INVALID_HEADER_FIELDS).map(String::as_str), Some("true"));
    let groups = cloud
        .ec2
        .describe_security_groups(
            DescribeSecurityGroupsRequest::builder()
                .group_ids(vec![out.lb_security_group.clone()])
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let mut ports: Vec<u16> = groups[0].ingress.iter().map(|r| r.from_port).collect();
    ports.sort();
    assert_eq!(ports, vec![80, 443], "{:?}", groups[0].ingress);
    // A re-apply converges on the same two listeners.
    let again = tier.apply(&cloud, None).await.unwrap();
    assert_eq!(again, out);
    web_tier::destroy(&cloud, &out, None).await.unwrap();
    assert!(sim.inventory().is_empty(), "left: {}", sim.inventory());

    // No certificate: plain HTTP, reported as such.
    let (events, progress) = recorder();
    let plain = spec("plain", 2).apply(&cloud, Some(progress)).await.unwrap();
    assert!(!plain.https && plain.redirect_listener_arn.is_none());
    assert!(
        events.lock().unwrap().iter().any(|e| e.contains("plain HTTP")),
        "{:?}",
        events.lock().unwrap()
    );
    web_tier::destroy(&cloud, &plain, None).await.unwrap();
}

/// Deletion protection: on after the apply, destroy and destroy-by-name are refused before
/// they remove anything; a re-apply with it off lets destroy through.
#[tokio::test(start_paused = true)]
async fn deletion_protection_refuses_destroy_until_turned_off() {
    let sim = SimCloud::new();
    let cloud = sim.cloud();
    let mut tier = spec("guarded", 2);
    tier.deletion_protection = true;
    let out = tier.apply(&cloud, None).await.unwrap();
    let before = sim.inventory();
    for err in [
        web_tier::destroy(&cloud, &out, None).await.unwrap_err(),
        web_tier::destroy_by_name(&cloud, "guarded", None).await.unwrap_err(),
    ] {
        assert!(
            err.is_conflict() && err.to_string().contains("deletion protection"),
            "{err}"
        );
    }
    assert_eq!(sim.inventory(), before, "a refused destroy removes nothing");
    tier.deletion_protection = false;
    let out = tier.apply(&cloud, None).await.unwrap();
    web_tier::destroy(&cloud, &out, None).await.unwrap();
    assert!(sim.inventory().is_empty(), "left: {}", sim.inventory());
}

/// The tier's instances boot from encrypted root volumes (with the spec's KMS key), deleted with
/// them; the opt-out keeps the image's unencrypted ones; IPv6 clients get an IPv6 rule.
#[tokio::test(start_paused = true)]
async fn instances_boot_from_encrypted_root_volumes() {
    use aws_facade::ec2::{
        DescribeInstancesRequest, DescribeSecurityGroupsRequest, DescribeVolumesRequest, IngressSource,
    };
    use aws_facade::workflows::web_tier::RootVolumeSpec;
    let sim = SimCloud::new();
    let cloud = sim.cloud();
    let root_volumes = |ids: Vec<aws_facade::id::InstanceId>| {
        let cloud = cloud.clone();
        async move {
            let req = DescribeInstancesRequest::builder().instance_ids(ids).build().unwrap();
            let mut out = Vec::new();
            for i in cloud.ec2.describe_instances(req).await.unwrap() {
                let id = i.root_volume_id().cloned().expect("a root volume");
                let req = DescribeVolumesRequest::builder().volume_ids(vec![id]).build().unwrap();
                out.extend(cloud.ec2.describe_volumes(req).await.unwrap());
            }
            out
        }
    };
    let mut encrypted = spec("sealed", 2);
    encrypted.root_volume.kms_key_id = Some("alias/web-tier".into());
    encrypted.allowed_cidrs = vec!["0.0.0.0/0".into(), "::/0".into()];
    let out = encrypted.apply(&cloud, None).await.unwrap();
    let vols = root_volumes(out.instance_ids.clone()).await;
    assert_eq!(vols.len(), 2);
    assert!(
        vols.iter()
            .all(|v| v.encrypted && v.kms_key_id.as_deref() == Some("alias/web-tier")),
        "{vols:?}"
    );
    assert!(vols.iter().all(|v| v.attachments[0].delete_on_termination), "{vols:?}");
    let lb = cloud
        .ec2
        .describe_security_groups(
            DescribeSecurityGroupsRequest::builder()
                .group_ids(vec![out.lb_security_group.clone()])
                .build()
                .unwrap(),
        )
        .await
        .unwrap()
        .remove(0);
    assert!(
        lb.ingress
            .iter()
            .any(|r| r.admits_tcp(80, &IngressSource::CidrIpv6("::/0".into())))
    );

    let mut plain = spec("plain", 1);
    plain.root_volume = RootVolumeSpec {
        encrypted: false,
        ..RootVolumeSpec::default()
    };
    let plain_out = plain.apply(&cloud, None).await.unwrap();
    let vols = root_volumes(plain_out.instance_ids.clone()).await;
    assert!(vols.iter().all(|v| !v.encrypted), "the opt-out: {vols:?}");

    web_tier::destroy(&cloud, &out, None).await.unwrap();
    web_tier::destroy(&cloud, &plain_out, None).await.unwrap();
    tokio::time::sleep(Duration::from_secs(120)).await;
    assert!(sim.inventory().is_empty(), "{}", sim.inventory());
}
