//! The Lambda deploy, metrics and alarm workflows through the real SDK adapters against moto
//! server (CloudWatch through the CBOR -> JSON bridge of tests/support/cw_proxy.rs).
//!
//! Needs moto: `scripts/install-moto`. Without it every test prints a loud SKIPPING banner and
//! passes, unless `AWS_FACADE_REQUIRE_MOTO=1`. Tests share one moto server and run one at a time.
//!
//! moto 5.2.5 differs from AWS here (the simulator tests in tests/lambda_deploy.rs and
//! tests/metrics.rs keep the AWS behaviour):
//! - Invoke without Docker echoes the request payload instead of running the code.
//! - Alarms never evaluate metric data; only SetAlarmState changes their state.
//! - New alarms start in `OK` (AWS: `INSUFFICIENT_DATA`).
//! - Functions are `Active` with `LastUpdateStatus = Successful` at once (no Pending/InProgress).
//! - A version published after a version was deleted reuses a number (len(versions) + 1);
//!   AWS never reuses version numbers.

mod support;

use std::time::Duration;

use aws_facade::Cloud;
use aws_facade::cloudwatch::{AlarmState, DescribeAlarmsRequest, Metric, SetAlarmStateRequest, Unit};
use aws_facade::lambda::Lambda;
use aws_facade::workflows::alarms::{count_above, put_alarm_invoking_lambda, remove_alarm_invoking_lambda};
use aws_facade::workflows::lambda_deploy::{Canary, Deployment, Outcome, code_sha256, deploy, invoke_json, zip_files};
use aws_facade::workflows::metrics::{self, MetricsPublisher};
use support::moto::{self, MotoSession};

/// A moto session with Lambda set up to run without Docker, its cloud and an execution role.
async fn setup() -> Option<(MotoSession, Cloud, String)> {
    let session = moto::session().await?;
    session.lambda_without_docker().await;
    let role = session.create_lambda_role("workflow-exec").await;
    let cloud = support::moto_cloud(&session);
    Some((session, cloud, role))
}

fn spec(name: &str, role: &str) -> Deployment {
    Deployment::builder()
        .function(name.parse().unwrap())
        .runtime("python3.12")
        .handler("app.handler")
        .role(role.parse().unwrap())
        .keep_versions(2)
        .build()
        .unwrap()
}

fn package(release: u32) -> bytes::Bytes {
    let code = format!("def handler(event, context):\n    return {{'release': {release}}}\n");
    zip_files(&[("app.py", code.as_bytes())]).unwrap()
}

#[tokio::test]
async fn deploy_publish_alias_invoke_and_prune_on_moto() {
    let Some((_session, cloud, role)) = setup().await else {
        return;
    };
    let s = spec("moto-deploy", &role);

    let first = deploy(&cloud, &s, package(1), None, None).await.unwrap();
    assert_eq!((first.outcome.clone(), first.version.as_str()), (Outcome::Created, "1"));
    assert_eq!(
        first.code_sha256,
        code_sha256(&package(1)),
        "moto reports our CodeSha256"
    );
    let live = cloud
        .lambda
        .get_function_configuration(s.function.clone(), Some("live".into()))
        .await
        .unwrap();
    assert_eq!(live.version, "1");

    let same = deploy(&cloud, &s, package(1), None, None).await.unwrap();
    assert_eq!((same.outcome, same.version.as_str()), (Outcome::Unchanged, "1"));

    let second = deploy(&cloud, &s, package(2), None, None).await.unwrap();
    assert_eq!(second.outcome, Outcome::Promoted);
    assert_eq!(
        (second.version.as_str(), second.previous_version.as_deref()),
        ("2", Some("1"))
    );
    let alias = cloud
        .lambda
        .get_alias(s.function.clone(), s.alias.clone())
        .await
        .unwrap();
    assert_eq!(alias.function_version, "2");

    let third = deploy(&cloud, &s, package(3), None, None).await.unwrap();
    assert_eq!(third.version, "3");
    // keep_versions = 2: version 1 is unaliased and older than the newest two, so it goes.
    assert_eq!(third.deleted_versions, ["1"]);
    assert_eq!(versions(&cloud, &s).await, ["$LATEST", "2", "3"]);

    // moto deviation: Invoke without Docker echoes the payload (AWS runs the handler and would
    // answer {"release": 3}).
    let echoed: serde_json::Value = invoke_json(
        cloud.lambda.as_ref(),
        &s.function,
        Some("live"),
        &serde_json::json!({"order": 42}),
    )
    .await
    .unwrap();
    assert_eq!(echoed, serde_json::json!({"order": 42}));

    // moto deviation: a version published after a delete reuses a number. moto numbers a new
    // version len(versions) + 1, so with versions 2 and 3 left the next one is "3" again; AWS
    // never reuses version numbers and would answer "4" (the simulator does too).
    let fourth = deploy(&cloud, &s, package(4), None, None).await.unwrap();
    assert_eq!(fourth.version, "3", "moto reuses version numbers (AWS: 4)");
    // Pruning to two then removes version 2, leaving two versions numbered 3.
    assert_eq!(fourth.deleted_versions, ["2"]);
    assert_eq!(versions(&cloud, &s).await, ["$LATEST", "3", "3"]);
    // With two versions numbered 3, moto answers DeleteFunction with a bare 500;
    // the next session's reset removes the function.
}

/// The published versions of the function, sorted.
async fn versions(cloud: &Cloud, s: &Deployment) -> Vec<String> {
    let mut v: Vec<String> = cloud
        .lambda
        .list_versions(s.function.clone())
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.version)
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn canary_rolls_back_on_an_alarm_set_by_hand_and_promotes_otherwise_on_moto() {
    let Some((_session, cloud, role)) = setup().await else {
        return;
    };
    let s = spec("moto-canary", &role);
    deploy(&cloud, &s, package(1), None, None).await.unwrap();
    let alarm = count_above("moto-canary-errors".parse().unwrap(), "Shop", "Errors", &[], 5.0).unwrap();
    cloud.cloudwatch.put_metric_alarm(alarm).await.unwrap();
    // moto deviation: alarms do not evaluate data, so the alarm is put in ALARM by hand.
    cloud
        .cloudwatch
        .set_alarm_state(
            SetAlarmStateRequest::builder()
                .alarm_name("moto-canary-errors".parse().unwrap())
                .state(AlarmState::Alarm)
                .reason("test: errors during the canary")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let canary = || Canary {
        poll: Duration::from_secs(1),
        ..Canary::new(0.1, Duration::from_secs(2), vec!["moto-canary-errors".parse().unwrap()])
    };
    let out = deploy(&cloud, &s, package(2), Some(canary()), None).await.unwrap();
    assert!(matches!(out.outcome, Outcome::RolledBack { .. }), "{:?}", out.outcome);
    let alias = cloud
        .lambda
        .get_alias(s.function.clone(), s.alias.clone())
        .await
        .unwrap();
    assert_eq!((alias.function_version.as_str(), alias.routing), ("1", None));

    cloud
        .cloudwatch
        .set_alarm_state(
            SetAlarmStateRequest::builder()
                .alarm_name("moto-canary-errors".parse().unwrap())
                .state(AlarmState::Ok)
                .reason("test: quiet again")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let out = deploy(&cloud, &s, package(2), Some(canary()), None).await.unwrap();
    assert_eq!(out.outcome, Outcome::Promoted);
    let alias = cloud
        .lambda
        .get_alias(s.function.clone(), s.alias.clone())
        .await
        .unwrap();
    assert_eq!((alias.function_version.as_str(), alias.routing), ("2", None));
    cloud
        .cloudwatch
        .delete_alarms(vec!["moto-canary-errors".parse().unwrap()])
        .await
        .unwrap();
    cloud.lambda.delete_function(s.function.clone(), None).await.unwrap();
}

#[tokio::test]
async fn alarm_wired_to_a_function_create_describe_delete_on_moto() {
    let Some((_session, cloud, role)) = setup().await else {
        return;
    };
    let s = spec("moto-pager", &role);
    deploy(&cloud, &s, package(1), None, None).await.unwrap();
    let alarm = count_above("moto-orders-failing".parse().unwrap(), "Shop", "FailedOrders", &[], 3.0).unwrap();
    let wired = put_alarm_invoking_lambda(&cloud, alarm, &s.function, Some("live"))
        .await
        .unwrap();
    assert_eq!(
        wired.alarm_arn,
        "arn:aws:cloudwatch:us-east-1:123456789012:alarm:moto-orders-failing"
    );
    let policy: serde_json::Value = serde_json::from_str(
        &cloud
            .lambda
            .get_policy(s.function.clone(), Some("live".into()))
            .await
            .unwrap(),
    )
    .unwrap();
    let statement = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|st| st["Sid"] == wired.statement_id.as_str())
        .unwrap_or_else(|| panic!("statement in {policy}"));
    assert_eq!(
        statement["Principal"]["Service"],
        "lambda.alarms.cloudwatch.amazonaws.com"
    );
    let described = cloud
        .cloudwatch
        .describe_alarms(
            DescribeAlarmsRequest::builder()
                .names(vec![wired.alarm_name.clone()])
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(described.len(), 1);
    assert_eq!(described[0].alarm_actions, std::slice::from_ref(&wired.function_arn));
    // moto deviation: a new alarm starts OK (AWS: INSUFFICIENT_DATA).
    assert_eq!(described[0].state, AlarmState::Ok);

    remove_alarm_invoking_lambda(&cloud, &wired).await.unwrap();
    let after = cloud
        .cloudwatch
        .describe_alarms(
            DescribeAlarmsRequest::builder()
                .names(vec![wired.alarm_name.clone()])
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert!(after.is_empty());
    cloud.lambda.delete_function(s.function.clone(), None).await.unwrap();
}

#[tokio::test]
async fn publisher_batches_reach_moto_and_query_back() {
    let Some((_session, cloud, _role)) = setup().await else {
        return;
    };
    let p = MetricsPublisher::new(cloud.cloudwatch.clone(), "Shop/Moto").unwrap();
    for i in 0..1_200 {
        p.record(
            "Latency",
            &[("Route", &format!("/r{}", i % 1_100))],
            10.0,
            Unit::Milliseconds,
        )
        .unwrap();
    }
    let report = p.flush().await.unwrap();
    assert_eq!((report.requests, report.datums, report.datapoints), (2, 1_100, 1_200));
    let m = Metric::builder()
        .namespace("Shop/Moto")
        .metric_name("Latency")
        .dimensions(vec![aws_facade::cloudwatch::Dimension::new("Route", "/r0")])
        .build();
    let now = std::time::SystemTime::now();
    let sum = metrics::series(
        cloud.cloudwatch.as_ref(),
        &m,
        "Sum",
        60,
        now - Duration::from_secs(600),
        now + Duration::from_secs(120),
    )
    .await
    .unwrap();
    assert_eq!(sum.total(), 20.0, "two datapoints of 10 ms for /r0");
}
