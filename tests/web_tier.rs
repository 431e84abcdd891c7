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

#[tokio::test(start_paused = true)]
async fn validation_happens_before_any_call() {
    let sim = SimCloud::new();
    let journal = Recording::new();
    let cloud = sim.cloud().layer(journal.clone());
    let mut bad = spec("valid", 2);
    bad.allowed_cidrs = vec!["10.0.0.0/99".into()];
    let err = bad.apply(&cloud, None).await.unwrap_err();
    assert!(
        matches!(&err, Error::Validation { field, .. } if field == "allowed_cidrs"),
        "{err}"
    );
    assert!(journal.is_empty(), "no call was made: {:?}", journal.operations());
}

/// Many applies (seeded: `AWS_FACADE_CHAOS_RUNS`, default 200) under 10 % transient faults on
/// every operation, lost answers included, and eventual consistency: each ends fully applied or
/// fully rolled back, nothing is left behind, and destroy (under the same faults) removes all.
#[tokio::test(start_paused = true)]
async fn chaos_applies_end_applied_or_rolled_back() {
    let n: u64 = std::env::var("AWS_FACADE_CHAOS_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let (mut applied, mut rolled_back) = (0, 0);
    for seed in 0..n {
        let sim = SimCloud::with_config(SimConfig {
            seed,
            eventual_consistency: Some(Duration::from_secs(3)),
            ..SimConfig::default()
        });
        let cloud: Cloud = sim.cloud().layer(Faults::new(seed).transient(0.10)).with_seed(seed);
        let name = format!("chaos{seed}");
        let events = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let ev = events.clone();
        let progress: aws_facade::workflows::Progress =
            std::sync::Arc::new(move |e: &aws_facade::workflows::Event| ev.lock().unwrap().push(e.to_string()));
        let result = spec(&name, 2).apply(&cloud, Some(progress)).await;
        if std::env::var("AWS_FACADE_CHAOS_TRACE").is_ok() {
            eprintln!(
                "seed {seed}: {:?}\n{}",
                result.as_ref().err(),
                events.lock().unwrap().join("\n")
            );
        }
        match result {
            Ok(out) => {
                applied += 1;
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
                web_tier::destroy(&cloud, &out, None)
                    .await
                    .unwrap_or_else(|e| panic!("seed {seed}: destroy: {e}"));
            }
            Err(Error::Workflow(w)) => {
                rolled_back += 1;
                assert!(w.left_behind.is_empty(), "seed {seed}: {:?}", w.left_behind);
            }
            Err(e) => panic!("seed {seed}: unexpected error {e}"),
        }
        assert!(sim.inventory().is_empty(), "seed {seed}: left {}", sim.inventory());
    }
    eprintln!("chaos: {applied} applied, {rolled_back} rolled back of {n}");
    // Pass threshold: at least 99 % applied (the retry layer carries applies through 10 %
    // transient faults, lost answers included); every other run fully rolled back.
    assert!(
        applied * 100 >= n * 99,
        "only {applied} of {n} applied under 10 % transient faults (threshold 99 %)"
    );
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
