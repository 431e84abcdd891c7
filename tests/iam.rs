//! Least privilege, proven on the simulator (issue #11 item 5): every workflow's apply,
//! re-apply, scale and destroy pass under the policy it generates, enforced by
//! `iam::Enforce`; removing any single action from any statement makes some run fail (so no
//! statement or action is superfluous); a workflow under another workflow's policy fails
//! cleanly and leaks nothing; and a tier's policy cannot touch another tier's resources.
//! All on tokio's paused clock.
//!
//! The enforcing layer models identity policies only (no SCPs, permission boundaries,
//! resource policies or session policies); see `iam` in the crate docs.
#![cfg(feature = "sim")]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use aws_facade::ec2::RunInstancesRequest;
use aws_facade::iam::{Enforce, Policy};
use aws_facade::sim::{SimCloud, SimConfig};
use aws_facade::workflows::alarms::count_above;
use aws_facade::workflows::lambda_deploy::{Canary, Deployment, deploy, zip_files};
use aws_facade::workflows::metrics::{self, MetricsPublisher};
use aws_facade::workflows::snapshot::{self, DownloadOptions, UploadOptions};
use aws_facade::workflows::volume::{self, VolumeSpec};
use aws_facade::workflows::web_tier::{self, ImageSpec, WebTier};
use aws_facade::{Cloud, Error, Result};

fn sim() -> SimCloud {
    let sim = SimCloud::with_config(SimConfig {
        seed: 11,
        ..SimConfig::instant()
    });
    sim.register_handler(
        "shop-api",
        Arc::new(|inv: &aws_facade::sim::Invocation| Ok(serde_json::json!({"version": inv.version}))),
    );
    sim
}

fn enforced(sim: &SimCloud, policy: Policy) -> (Cloud, Enforce) {
    let layer = sim.enforce(policy).expect("a policy the layer evaluates");
    (sim.cloud().with_seed(5).layer(layer.clone()), layer)
}

/// A scenario: runs a workflow's calls on `cloud` (over `sim`); `ctx` is what its setup made.
type Scenario = fn(SimCloud, Cloud, String) -> Pin<Box<dyn Future<Output = Result<()>>>>;

fn tier() -> WebTier {
    WebTier::builder()
        .name("shop".parse().unwrap())
        .image(ImageSpec::latest("al2023-ami-2023*-x86_64", "amazon"))
        .count(2)
        .build()
        .unwrap()
}

/// Apply, re-apply, scale 2 → 3 → 1, destroy by outputs; apply again and destroy by name.
fn web_tier_run(_sim: SimCloud, cloud: Cloud, _ctx: String) -> Pin<Box<dyn Future<Output = Result<()>>>> {
    Box::pin(async move {
        let spec = tier();
        let out = spec.apply(&cloud, None).await?;
        let again = spec.apply(&cloud, None).await?;
        assert_eq!(again.load_balancer_arn, out.load_balancer_arn, "re-apply converges");
        let up = web_tier::scale(&cloud, &spec, &again, 3, None).await?;
        assert_eq!(up.instance_ids.len(), 3);
        let down = web_tier::scale(&cloud, &spec, &up, 1, None).await?;
        assert_eq!(down.instance_ids.len(), 1);
        web_tier::destroy(&cloud, &down, None).await?;
        spec.apply(&cloud, None).await?;
        web_tier::destroy_by_name(&cloud, "shop", None).await?;
        Ok(())
    })
}

fn elastic_tier() -> WebTier {
    use aws_facade::workflows::web_tier::{ElasticSpec, ScalingTarget};
    WebTier {
        elastic: Some(ElasticSpec::new(2, 4, ScalingTarget::CpuPercent(50.0))),
        ..tier()
    }
}

/// Elastic: apply, re-apply, destroy by outputs; apply again and destroy by name.
fn elastic_tier_run(_sim: SimCloud, cloud: Cloud, _ctx: String) -> Pin<Box<dyn Future<Output = Result<()>>>> {
    Box::pin(async move {
        let spec = elastic_tier();
        let out = spec.apply(&cloud, None).await?;
        assert!(out.auto_scaling_group.is_some());
        let again = spec.apply(&cloud, None).await?;
        assert_eq!(again.auto_scaling_group, out.auto_scaling_group, "re-apply converges");
        // A new instance type: a new template version and an instance refresh.
        let bigger = WebTier {
            instance_type: "t3.small".parse().unwrap(),
            ..spec.clone()
        };
        let again = bigger.apply(&cloud, None).await?;
        web_tier::destroy(&cloud, &again, None).await?;
        spec.apply(&cloud, None).await?;
        web_tier::destroy_by_name(&cloud, "shop", None).await?;
        Ok(())
    })
}

/// A volume for an instance that is not the workflow's: provision, re-provision, destroy;
/// provision again and destroy by name.
fn volume_spec(instance: &str) -> VolumeSpec {
    VolumeSpec::builder()
        .name("data")
        .instance_id(instance.parse().unwrap())
        .size_gib(8)
        .build()
        .unwrap()
}

async fn someone_elses_instance(sim: &SimCloud) -> String {
    let cloud = sim.cloud();
    let image = cloud
        .ec2
        .describe_images(
            aws_facade::ec2::DescribeImagesRequest::builder()
                .owners(vec!["amazon".into()])
                .build()
                .unwrap(),
        )
        .await
        .unwrap()[0]
        .id
        .clone();
    let req = RunInstancesRequest::builder()
        .image_id(image)
        .instance_type("t3.micro".parse().unwrap())
        .build()
        .unwrap();
    cloud.ec2.run_instances(req).await.unwrap()[0].id.to_string()
}

fn volume_run(_sim: SimCloud, cloud: Cloud, instance: String) -> Pin<Box<dyn Future<Output = Result<()>>>> {
    Box::pin(async move {
        let spec = volume_spec(&instance);
        let out = volume::provision(&cloud, &spec, None).await?;
        let again = volume::provision(&cloud, &spec, None).await?;
        assert_eq!(
            again.volume_id, out.volume_id,
            "re-provision finds the volume by its tags"
        );
        volume::destroy(&cloud, &out, false, None).await?;
        volume::provision(&cloud, &spec, None).await?;
        volume::destroy_by_name(&cloud, "data", None).await?;
        Ok(())
    })
}

fn upload_options() -> UploadOptions {
    UploadOptions {
        name: "backup".into(),
        ..UploadOptions::default()
    }
}

/// Upload (waiting for `completed`); an upload whose source ends early (rolled back: its
/// snapshot deleted); destroy by name (nothing unfinished is left); the user deletes the
/// completed snapshot, under the same policy (it carries the workflow's tags).
fn snapshot_run(_sim: SimCloud, cloud: Cloud, _ctx: String) -> Pin<Box<dyn Future<Output = Result<()>>>> {
    Box::pin(async move {
        let data = vec![7u8; 3 * 512 * 1024];
        let opts = upload_options();
        let up = snapshot::upload_reader(&cloud, &data[..], data.len() as u64, &opts).await?;
        match snapshot::upload_reader(&cloud, &data[..], 2 * data.len() as u64, &opts).await {
            Ok(_) => panic!("a source shorter than its length must fail"),
            Err(e) if has_access_denied(&e) => return Err(e),
            Err(_) => {}
        }
        let gone = snapshot::destroy_by_name(&cloud, "backup", None).await?;
        assert!(gone.removed.is_empty(), "the failed upload was rolled back: {gone:?}");
        cloud.ec2.delete_snapshot(up.snapshot_id).await?;
        Ok(())
    })
}

fn deployment() -> Deployment {
    Deployment::builder()
        .function("shop-api".parse().unwrap())
        .runtime("python3.12")
        .handler("app.handler")
        .role("arn:aws:iam::123456789012:role/shop-api".parse().unwrap())
        .build()
        .unwrap()
}

fn package(release: u32) -> bytes::Bytes {
    let code = format!("def handler(event, ctx):\n    return {{'release': {release}}}\n");
    zip_files(&[("app.py", code.as_bytes())]).unwrap()
}

/// First deploy, an unchanged re-deploy, a canary deploy of release 2 with more memory,
/// destroy by name.
fn lambda_run(_sim: SimCloud, cloud: Cloud, _ctx: String) -> Pin<Box<dyn Future<Output = Result<()>>>> {
    Box::pin(async move {
        let spec = deployment();
        deploy(&cloud, &spec, package(1), None, None).await?;
        deploy(&cloud, &spec, package(1), None, None).await?;
        let canary = Canary::new(
            0.1,
            std::time::Duration::from_secs(60),
            vec!["shop-api-errors".parse().unwrap()],
        );
        let bigger = Deployment {
            memory_mb: 256,
            ..spec.clone()
        };
        deploy(&cloud, &bigger, package(2), Some(canary), None).await?;
        aws_facade::workflows::lambda_deploy::destroy_by_name(&cloud, &spec.function, None).await?;
        Ok(())
    })
}

fn metrics_run(_sim: SimCloud, cloud: Cloud, _ctx: String) -> Pin<Box<dyn Future<Output = Result<()>>>> {
    Box::pin(async move {
        let p = MetricsPublisher::new(cloud.cloudwatch.clone(), "Shop")?;
        p.record("Latency", &[], 5.0, aws_facade::cloudwatch::Unit::Milliseconds)?;
        let report = p.flush().await?;
        assert_eq!(report.requests, 1, "{report:?}");
        Ok(())
    })
}

/// What a scenario's setup makes (outside the workflow's policy).
#[derive(Clone, Copy, PartialEq)]
enum Setup {
    Nothing,
    /// An instance for the volume to attach to; the context is its id.
    Instance,
    /// The alarm the canary watches.
    Alarm,
}

struct Case {
    name: &'static str,
    /// The workflow's policy, given what the setup made.
    policy: fn(&str) -> Policy,
    /// Makes what the workflow uses but does not own, without the policy.
    setup: Setup,
    run: Scenario,
}

impl Case {
    /// A fresh simulator with the setup done, and the setup's answer.
    async fn prepare(&self) -> (SimCloud, String) {
        let sim = sim();
        let ctx = match self.setup {
            Setup::Nothing => String::new(),
            Setup::Instance => someone_elses_instance(&sim).await,
            Setup::Alarm => {
                let alarm = count_above("shop-api-errors".parse().unwrap(), "Shop", "Errors", &[], 5.0).unwrap();
                sim.cloud().cloudwatch.put_metric_alarm(alarm).await.unwrap();
                String::new()
            }
        };
        (sim, ctx)
    }
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "web tier",
            policy: |_| tier().iam_policy(),
            setup: Setup::Nothing,
            run: web_tier_run,
        },
        Case {
            name: "elastic web tier",
            policy: |_| elastic_tier().iam_policy(),
            setup: Setup::Nothing,
            run: elastic_tier_run,
        },
        Case {
            name: "volume",
            // Under another workflow's run there is no instance: any id will do.
            policy: |instance| {
                volume_spec(if instance.is_empty() {
                    "i-0123456789abcdef0"
                } else {
                    instance
                })
                .iam_policy()
            },
            setup: Setup::Instance,
            run: volume_run,
        },
        Case {
            name: "snapshot upload",
            policy: |_| upload_options().iam_policy(),
            setup: Setup::Nothing,
            run: snapshot_run,
        },
        Case {
            name: "lambda deploy",
            policy: |_| deployment().iam_policy(),
            setup: Setup::Alarm,
            run: lambda_run,
        },
        Case {
            name: "metrics",
            policy: |_| metrics::iam_policy("Shop"),
            setup: Setup::Nothing,
            run: metrics_run,
        },
    ]
}

#[tokio::test(start_paused = true)]
async fn every_workflow_passes_under_its_own_policy_and_leaves_nothing() {
    for case in cases() {
        let (sim, ctx) = case.prepare().await;
        let before = sim.inventory();
        let (cloud, layer) = enforced(&sim, (case.policy)(&ctx));
        let out = (case.run)(sim.clone(), cloud, ctx).await;
        assert!(
            out.is_ok(),
            "{}: {:?}; denied: {:?}",
            case.name,
            out.err(),
            layer.denials()
        );
        assert!(layer.denials().is_empty(), "{}: {:?}", case.name, layer.denials());
        // Only what the setup made (the volume's instance, not the workflow's) stays.
        assert_eq!(sim.inventory(), before, "{}: left {}", case.name, sim.inventory());
        let policy = (case.policy)("");
        eprintln!(
            "{}: passed under {} statements, {} actions: {}",
            case.name,
            policy.statement.len(),
            policy.allowed_actions().len(),
            policy.allowed_actions().join(" ")
        );
    }
}

#[tokio::test(start_paused = true)]
async fn every_action_of_every_policy_is_needed() {
    let mut checked = 0;
    for case in cases() {
        let full = (case.policy)(&case.prepare().await.1);
        for (i, statement) in full.statement.iter().enumerate() {
            for action in &statement.action {
                let (sim, ctx) = case.prepare().await;
                let (cloud, layer) = enforced(&sim, full.without_action(i, action));
                let out = (case.run)(sim.clone(), cloud, ctx).await;
                let sid = statement.sid.as_deref().unwrap_or("?");
                let err = out.expect_err(&format!(
                    "{}: the run passed without {action} in statement {sid}: the policy is not minimal",
                    case.name
                ));
                assert!(
                    has_access_denied(&err),
                    "{}: without {action} ({sid}) the run failed, but not with access denied: {err}",
                    case.name
                );
                assert!(
                    layer.denials().iter().any(|d| &d.action == action),
                    "{}: without {action} ({sid}) another action was denied: {:?}",
                    case.name,
                    layer.denials()
                );
                checked += 1;
            }
        }
    }
    eprintln!("minimality: {checked} single-action removals, each made a run fail with AccessDenied");
    assert!(checked >= 40, "{checked}");
}

/// The error or, for a workflow error, its cause, is an access denial.
fn has_access_denied(e: &Error) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(x) = cur {
        if x.to_string().contains("AccessDenied") || x.to_string().contains("UnauthorizedOperation") {
            return true;
        }
        cur = x.source();
    }
    e.is_access_denied() || e.to_string().contains("not authorized")
}

#[tokio::test(start_paused = true)]
async fn a_workflow_under_another_workflows_policy_fails_cleanly_and_leaks_nothing() {
    let all = cases();
    let mut pairs = 0;
    for run in &all {
        for policy in all.iter().filter(|p| p.name != run.name) {
            let (sim, ctx) = run.prepare().await;
            let before = sim.inventory();
            let (cloud, layer) = enforced(&sim, (policy.policy)(&ctx));
            let out = (run.run)(sim.clone(), cloud, ctx).await;
            let err = out.expect_err(&format!("{} passed under the {} policy", run.name, policy.name));
            assert!(has_access_denied(&err), "{} under {}: {err}", run.name, policy.name);
            assert!(!layer.denials().is_empty());
            let after = sim.inventory();
            // Only what the scenario set up outside the workflow (the volume's instance) remains.
            assert!(
                after.total() <= before.total(),
                "{} under {} left {after}",
                run.name,
                policy.name
            );
            pairs += 1;
        }
    }
    assert_eq!(pairs, 30, "six workflows, each under the five others' policies");
}

#[tokio::test(start_paused = true)]
async fn a_failed_create_rolls_back_under_the_same_policy() {
    // Without CreateListener the tier gets half built; its rollback (with the policy's own
    // delete permissions) removes all of it.
    let policy = tier().iam_policy();
    let (i, _) = policy
        .statement
        .iter()
        .enumerate()
        .find(|(_, s)| s.action.iter().any(|a| a == "elasticloadbalancing:CreateListener"))
        .unwrap();
    let sim = sim();
    let (cloud, layer) = enforced(&sim, policy.without_action(i, "elasticloadbalancing:CreateListener"));
    let err = tier().apply(&cloud, None).await.unwrap_err();
    assert!(has_access_denied(&err), "{err}");
    assert!(
        layer
            .denials()
            .iter()
            .all(|d| d.action == "elasticloadbalancing:CreateListener")
    );
    assert!(sim.inventory().is_empty(), "left {}", sim.inventory());
    assert!(err.to_string().contains("rolled back"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn one_tiers_policy_cannot_touch_another_tiers_resources() {
    let sim = sim();
    let shop = tier().apply(&sim.cloud().with_seed(1), None).await.unwrap();
    let other = WebTier {
        name: "blog".parse().unwrap(),
        ..tier()
    };
    let (cloud, layer) = enforced(&sim, other.iam_policy());
    // Even if code under blog's policy tried to remove shop's resources, IAM refuses.
    let err = cloud
        .ec2
        .terminate_instances(shop.instance_ids.clone())
        .await
        .unwrap_err();
    assert!(err.is_access_denied(), "{err}");
    let err = cloud
        .elb
        .delete_load_balancer(shop.load_balancer_arn.clone())
        .await
        .unwrap_err();
    assert!(err.is_access_denied(), "{err}");
    assert_eq!(layer.denials().len(), 2);
    assert_eq!(sim.inventory().count("instance"), 2, "nothing of shop's was removed");
    // And blog's destroy-by-name finds nothing of its own, removes nothing.
    let gone = web_tier::destroy_by_name(&cloud, "blog", None).await.unwrap();
    assert!(gone.removed.is_empty(), "{gone:?}");
    assert_eq!(sim.inventory().count("instance"), 2);
}

#[test]
fn the_web_tier_policy_is_the_json_iam_takes_and_names_what_it_needs() {
    let p = tier().iam_policy();
    let json: serde_json::Value = serde_json::to_value(&p).unwrap();
    assert_eq!(json["Version"], "2012-10-17");
    let text = p.to_json_pretty();
    for needed in [
        "ec2:RunInstances",
        "ec2:CreateTags",
        "ec2:CreateAction",
        "elasticloadbalancing:AddTags",
        "aws:RequestTag/aws-facade:workflow",
        "aws:ResourceTag/aws-facade:name",
        "arn:aws:elasticloadbalancing:*:*:loadbalancer/app/shop/*",
    ] {
        assert!(text.contains(needed), "{needed} missing from\n{text}");
    }
    assert!(
        !text.contains("\"ec2:*\"") && !text.contains("\"*:*\""),
        "no service-wide wildcard"
    );
    // Lambda's policy passes only its role, only to Lambda.
    let l = serde_json::to_string(&deployment().iam_policy()).unwrap();
    assert!(l.contains("iam:PassRole") && l.contains("lambda.amazonaws.com") && l.contains("role/shop-api"));
    let d = serde_json::to_string(&snapshot::download_policy(&"snap-0123456789abcdef0".parse().unwrap())).unwrap();
    assert!(d.contains("snapshot/snap-0123456789abcdef0") && !d.contains("ebs:PutSnapshotBlock"));
}

#[tokio::test(start_paused = true)]
async fn a_download_needs_only_its_snapshots_blocks() {
    let sim = sim();
    let data = vec![3u8; 512 * 1024];
    let up = snapshot::upload_reader(&sim.cloud(), &data[..], data.len() as u64, &upload_options())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (cloud, layer) = enforced(&sim, snapshot::download_policy(&up.snapshot_id));
    let down = snapshot::download_file(
        &cloud,
        &up.snapshot_id,
        dir.path().join("a.img"),
        &DownloadOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(down.blocks_written, 1);
    assert!(layer.denials().is_empty());
    // Another snapshot is out of reach.
    let other = snapshot::upload_reader(&sim.cloud(), &data[..], data.len() as u64, &upload_options())
        .await
        .unwrap();
    let err = snapshot::download_file(
        &cloud,
        &other.snapshot_id,
        dir.path().join("b.img"),
        &DownloadOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(has_access_denied(&err), "{err}");
}

/// `tests/data/iam_actions.tsv`: (operation or IAM action) → (IAM action, resource-level).
fn reference() -> Vec<(String, String, String, bool)> {
    include_str!("data/iam_actions.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_string(), f[1].to_string(), f[2].to_string(), f[3] == "yes")
        })
        .collect()
}

#[test]
fn every_operations_iam_action_is_the_one_the_service_authorization_reference_names() {
    let reference = reference();
    let tables: [(&str, &[(&str, &str)]); 6] = [
        ("EC2", aws_facade::ec2::EC2_IAM_ACTIONS),
        ("EBS", aws_facade::ebs::EBS_IAM_ACTIONS),
        ("ELBv2", aws_facade::elb::ELBV2_IAM_ACTIONS),
        ("CloudWatch", aws_facade::cloudwatch::CLOUDWATCH_IAM_ACTIONS),
        ("Lambda", aws_facade::lambda::LAMBDA_IAM_ACTIONS),
        ("AutoScaling", aws_facade::autoscaling::AUTOSCALING_IAM_ACTIONS),
    ];
    let mut n = 0;
    for (service, table) in tables {
        for (op, action) in table {
            let row = reference
                .iter()
                .find(|r| r.0 == service && r.1 == *op)
                .unwrap_or_else(|| panic!("{service} {op} is not in tests/data/iam_actions.tsv"));
            assert_eq!(&row.2, action, "{service} {op}");
            n += 1;
        }
    }
    assert_eq!(
        n,
        aws_facade::ec2::EC2_OPERATIONS.len() + 6 + 28 + 22 + 33 + 14,
        "every operation of the six traits (EC2 + EBS 6 + ELBv2 28 + CloudWatch 22 + Lambda 33 + Auto Scaling 14)"
    );
}

#[test]
fn policies_use_resource_star_only_where_iam_has_no_resource_type() {
    let reference = reference();
    let resource_level = |action: &str| {
        reference
            .iter()
            .find(|r| r.2 == action)
            .unwrap_or_else(|| panic!("{action} is not in tests/data/iam_actions.tsv"))
            .3
    };
    for case in cases() {
        let policy = (case.policy)("i-0123456789abcdef0");
        for s in &policy.statement {
            for action in &s.action {
                let level = resource_level(action);
                if s.resource == ["*"] {
                    // PutMetricData's only resource type is the optional `dataset`: it is
                    // scoped by the cloudwatch:namespace condition instead.
                    assert!(
                        !level || (action == "cloudwatch:PutMetricData" && !s.condition.is_empty()),
                        "{}: {action} supports resource-level permissions but is allowed on *",
                        case.name
                    );
                } else {
                    assert!(
                        level,
                        "{}: {action} has no resource type but is scoped to {:?}",
                        case.name, s.resource
                    );
                }
            }
        }
    }
}
