//! The web tier in elastic mode (an Auto Scaling group over a launch template, tracking a
//! target) on the simulator, on tokio's paused clock with AWS-like durations: apply, re-apply,
//! the issue #15 load ramp, replacement of an unhealthy instance, rollback, destroy and
//! destroy-by-name, and nothing left.
#![cfg(feature = "sim")]

use std::time::Duration;

use aws_facade::layer::Faults;
use aws_facade::sim::{LoadProfile, SimCloud};
use aws_facade::workflows::web_tier::{self, ElasticSpec, ImageSpec, ScalingTarget, WebTier};
use aws_facade::{Cloud, Error};
use tokio::time::sleep;

fn spec(name: &str, target: ScalingTarget) -> WebTier {
    WebTier::builder()
        .name(name.parse().unwrap())
        .image(ImageSpec::latest("al2023-ami-2023*-x86_64", "amazon"))
        .elastic(ElasticSpec {
            health_check_grace_period_secs: 120,
            instance_warmup_secs: 60,
            ..ElasticSpec::new(2, 12, target)
        })
        .build()
        .unwrap()
}

async fn group(cloud: &Cloud, name: &str) -> aws_facade::autoscaling::AutoScalingGroup {
    let mut g = cloud
        .autoscaling
        .describe_auto_scaling_groups(vec![name.parse().unwrap()])
        .await
        .unwrap();
    assert_eq!(g.len(), 1, "one group named {name}");
    g.remove(0)
}

fn assert_empty(sim: &SimCloud) {
    let inv = sim.inventory();
    // The default VPC's own resources are not counted by the inventory.
    assert!(inv.is_empty(), "left: {inv}");
}

#[tokio::test(start_paused = true)]
async fn an_elastic_tier_applies_reapplies_scales_with_load_and_destroys() {
    let sim = SimCloud::new();
    let cloud = sim.cloud();
    let tier = spec("shop", ScalingTarget::RequestsPerTarget(1000.0));
    let out = tier.apply(&cloud, None).await.unwrap();
    let name = out.auto_scaling_group.clone().expect("an elastic tier has a group");
    assert!(out.launch_template_id.is_some());
    assert_eq!(out.instance_ids.len(), 2, "min 2 in service: {out:?}");
    // Group alarms, not per-instance ones.
    let alarms: Vec<String> = out.alarm_names.iter().map(ToString::to_string).collect();
    assert!(alarms.contains(&"shop-group-cpu".to_string()), "{alarms:?}");
    assert!(!alarms.iter().any(|a| a.contains("i-")), "{alarms:?}");
    let g = group(&cloud, name.as_str()).await;
    assert_eq!(g.tags.get("aws-facade:workflow").map(String::as_str), Some("web-tier"));
    let policies = cloud.autoscaling.describe_policies(name.clone()).await.unwrap();
    assert_eq!(policies.len(), 1, "{policies:?}");

    // A re-apply converges: same group, template and target group; nothing duplicated.
    let again = tier.apply(&cloud, None).await.unwrap();
    assert_eq!(again.auto_scaling_group, out.auto_scaling_group);
    assert_eq!(again.launch_template_id, out.launch_template_id);
    assert_eq!(again.target_group_arn, out.target_group_arn);
    let inv = sim.inventory();
    assert_eq!(inv.count("auto scaling group"), 1);
    assert_eq!(inv.count("scaling policy"), 1);
    assert_eq!(inv.count("load balancer"), 1);

    // The ramp: 100 -> 10,000 requests/s over 10 minutes, held 20, back over 10.
    let m = |n: u64| Duration::from_secs(60 * n);
    let ramp = LoadProfile::ramp([(m(0), 100.0), (m(10), 10_000.0), (m(30), 10_000.0), (m(40), 100.0)]).unwrap();
    sim.drive_load(&out.load_balancer_arn, ramp);
    let mut samples = Vec::new();
    for _ in 0..100 {
        sleep(m(1)).await;
        let g = group(&cloud, name.as_str()).await;
        assert!(
            (2..=12).contains(&g.desired_capacity),
            "within the policy's bounds: {g:?}"
        );
        samples.push(g.desired_capacity);
    }
    let peak = *samples.iter().max().unwrap();
    assert!((10..=11).contains(&peak), "1,000 per target at 10,000/s: {samples:?}");
    assert_eq!(*samples.last().unwrap(), 2, "back to min: {samples:?}");

    // An instance that fails its health checks is replaced.
    let g = group(&cloud, name.as_str()).await;
    let victim = g.instances[0].instance_id.clone();
    sim.fail_health_checks(&victim);
    sleep(m(8)).await;
    let g = group(&cloud, name.as_str()).await;
    assert!(g.instances.iter().all(|i| i.instance_id != victim), "{g:?}");
    assert_eq!(g.in_service().count(), 2);

    let removed = web_tier::destroy(&cloud, &out, None).await.unwrap();
    assert!(
        removed.removed.iter().any(|r| r.starts_with("auto scaling group")),
        "{removed:?}"
    );
    assert!(
        removed.removed.iter().any(|r| r.starts_with("launch template")),
        "{removed:?}"
    );
    assert!(removed.skipped.is_empty(), "{removed:?}");
    assert_empty(&sim);
}

#[tokio::test(start_paused = true)]
async fn cpu_tracking_tier_scales_out_under_load() {
    let sim = SimCloud::new();
    let cloud = sim.cloud();
    let out = spec("cpu", ScalingTarget::CpuPercent(50.0))
        .apply(&cloud, None)
        .await
        .unwrap();
    sim.drive_load(&out.load_balancer_arn, LoadProfile::constant(5_000.0));
    sleep(Duration::from_secs(20 * 60)).await;
    let g = group(&cloud, "cpu").await;
    // 5 % idle + 0.05 % per request/s: 50 % at 900 requests/s per instance, so 5,000/s wants 6.
    assert!((6..=12).contains(&g.desired_capacity), "{g:?}");
    web_tier::destroy_by_name(&cloud, "cpu", None).await.unwrap();
    assert_empty(&sim);
}

#[tokio::test(start_paused = true)]
async fn a_failed_elastic_apply_rolls_back_the_group_and_its_template() {
    for op in ["CreateAutoScalingGroup", "PutScalingPolicy", "DescribeTargetHealth"] {
        let sim = SimCloud::new();
        let cloud = sim.cloud().layer(Faults::new(1).script(op, 1, "AccessDenied"));
        let err = spec("fails", ScalingTarget::RequestsPerTarget(1000.0))
            .apply(&cloud, None)
            .await
            .unwrap_err();
        match &err {
            Error::Workflow(w) => {
                assert!(w.cause.is_access_denied(), "{op}: {err}");
                assert!(w.left_behind.is_empty(), "{op}: {:?}", w.left_behind);
            }
            other => panic!("{op}: expected a workflow error, got {other}"),
        }
        assert_empty(&sim);
    }
}

#[tokio::test(start_paused = true)]
async fn destroy_by_name_finds_an_aborted_elastic_tier() {
    let sim = SimCloud::new();
    let cloud = sim.cloud();
    let tier = spec("aborted", ScalingTarget::RequestsPerTarget(1000.0));
    let aborted = tokio::time::timeout(Duration::from_secs(20), tier.apply(&cloud, None)).await;
    assert!(aborted.is_err(), "the apply was still running");
    // The dropped apply rolls back on its own; destroy-by-name must also find whatever is left.
    web_tier::destroy_by_name(&cloud, "aborted", None).await.unwrap();
    sleep(Duration::from_secs(1800)).await;
    let owned = web_tier::find_owned(&cloud, "aborted").await.unwrap();
    assert!(owned.is_empty(), "{owned:?}");
    assert_empty(&sim);
}

#[tokio::test(start_paused = true)]
async fn a_group_named_like_the_tier_without_its_tags_is_never_adopted_or_deleted() {
    use aws_facade::autoscaling::CreateAutoScalingGroupRequest;
    use aws_facade::ec2::{CreateLaunchTemplateRequest, LaunchTemplateData};
    let sim = SimCloud::new();
    let cloud = sim.cloud();
    // Someone else's group called "shop".
    let image = cloud.ec2.describe_images(Default::default()).await.unwrap().remove(0);
    let data = LaunchTemplateData::builder()
        .image_id(image.id)
        .instance_type("t3.micro".parse().unwrap())
        .build()
        .unwrap();
    let lt = cloud
        .ec2
        .create_launch_template(
            CreateLaunchTemplateRequest::builder()
                .name("theirs")
                .data(data)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let vpc = cloud.ec2.default_vpc().await.unwrap().id;
    let subnets = cloud.ec2.describe_subnets(vpc).await.unwrap();
    cloud
        .autoscaling
        .create_auto_scaling_group(
            CreateAutoScalingGroupRequest::builder()
                .name("shop".parse().unwrap())
                .launch_template(lt.id)
                .min_size(1)
                .max_size(1)
                .subnets(vec![subnets[0].id.clone()])
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let err = spec("shop", ScalingTarget::CpuPercent(50.0))
        .apply(&cloud, None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("auto scaling group"), "{err}");
    // Rolled back what it made; their group is untouched.
    let g = group(&cloud, "shop").await;
    assert_eq!(g.desired_capacity, 1);
    let removed = web_tier::destroy_by_name(&cloud, "shop", None).await.unwrap();
    assert!(
        removed.skipped.iter().any(|s| s.starts_with("auto scaling group")),
        "{removed:?}"
    );
    assert_eq!(group(&cloud, "shop").await.desired_capacity, 1, "never deleted");
}

#[tokio::test(start_paused = true)]
async fn a_reapply_with_new_launch_settings_makes_a_version_and_refreshes_the_instances() {
    use aws_facade::ec2::{LaunchTemplateRef, TemplateVersion};
    let sim = SimCloud::new();
    let cloud = sim.cloud();
    let tier = spec("shop", ScalingTarget::CpuPercent(50.0));
    let out = tier.apply(&cloud, None).await.unwrap();
    let before: Vec<_> = group(&cloud, "shop")
        .await
        .instances
        .into_iter()
        .map(|i| i.instance_id)
        .collect();
    // The same spec again: nothing new.
    tier.apply(&cloud, None).await.unwrap();
    let lt = out.launch_template_id.clone().unwrap();
    let versions = cloud
        .ec2
        .describe_launch_template_versions(LaunchTemplateRef::Id(lt.clone()), vec![])
        .await
        .unwrap();
    assert_eq!(versions.len(), 1, "an unchanged re-apply makes no version");
    let bigger = WebTier {
        instance_type: "t3.small".parse().unwrap(),
        ..tier.clone()
    };
    bigger.apply(&cloud, None).await.unwrap();
    let default = cloud
        .ec2
        .describe_launch_template_versions(LaunchTemplateRef::Id(lt), vec![TemplateVersion::Default])
        .await
        .unwrap()
        .remove(0);
    assert_eq!(default.version, 2);
    assert_eq!(
        default.data.instance_type.as_ref().map(|t| t.as_str()),
        Some("t3.small")
    );
    let refreshes = cloud
        .autoscaling
        .describe_instance_refreshes("shop".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(refreshes.len(), 1, "{refreshes:?}");
    // The refresh replaces both instances, one at a time (90 % of 2 kept in service).
    sleep(Duration::from_secs(30 * 60)).await;
    let r = cloud
        .autoscaling
        .describe_instance_refreshes("shop".parse().unwrap())
        .await
        .unwrap()
        .remove(0);
    assert_eq!(r.status, aws_facade::autoscaling::RefreshStatus::Successful, "{r:?}");
    let g = group(&cloud, "shop").await;
    assert_eq!(g.in_service().count(), 2);
    assert!(g.instances.iter().all(|i| !before.contains(&i.instance_id)), "{g:?}");
    assert!(
        g.instances
            .iter()
            .all(|i| i.instance_type.as_deref() == Some("t3.small")),
        "{g:?}"
    );
    web_tier::destroy_by_name(&cloud, "shop", None).await.unwrap();
    assert_empty(&sim);
}

#[path = "support/safety.rs"]
mod safety;

/// Live resources per kind (ids differ between runs; counts must not).
fn counts(sim: &SimCloud) -> Vec<(&'static str, usize)> {
    sim.inventory()
        .resources
        .iter()
        .map(|(k, v)| (*k, v.len()))
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// The elastic apply with a fault at every call index of a clean run: before the call
/// (AccessDenied: the apply must roll back, leaving nothing) and after it took effect (its
/// answer lost: the retry must carry it through to exactly a clean run's resources, or roll
/// back). Then destroy with a lost answer at every call index: everything removed.
#[tokio::test(start_paused = true)]
async fn a_fault_at_every_call_index_of_an_elastic_apply_leaves_nothing_behind() {
    use aws_facade::layer::Recording;
    let tier = || spec("points", ScalingTarget::CpuPercent(50.0));
    let journal = Recording::new();
    let sim = SimCloud::new();
    let out = tier()
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
            match tier().apply(&cloud, None).await {
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
                    sleep(Duration::from_secs(600)).await;
                    assert!(sim.inventory().is_empty(), "{what}: left {}", sim.inventory());
                }
                Err(e) => panic!("{what}: unexpected error {e}"),
            }
        }
    }
    for &(op, nth) in &destroy_points {
        let sim = SimCloud::new();
        let out = tier().apply(&sim.cloud().with_seed(1), None).await.unwrap();
        let cloud = sim.cloud().layer(safety::fault_at(op, nth, true)).with_seed(2);
        web_tier::destroy(&cloud, &out, None)
            .await
            .unwrap_or_else(|e| panic!("destroy, lost answer of {op} #{nth}: {e}"));
        sleep(Duration::from_secs(600)).await;
        assert!(
            sim.inventory().is_empty(),
            "destroy, lost {op} #{nth}: left {}",
            sim.inventory()
        );
    }
    eprintln!(
        "elastic web tier: apply {} fault points x 2: {adopted} lost answers carried through, {rolled_back} \
         rolled back; destroy {} fault points, all removed everything",
        points.len(),
        destroy_points.len()
    );
}

/// An elastic apply cancelled (its future dropped) at many instants: what it made (the group
/// with its instances, the template, the rest) is rolled back on a spawned task, and once
/// time passes nothing is left, without calling destroy.
#[tokio::test(start_paused = true)]
async fn a_cancelled_elastic_apply_leaves_nothing_behind() {
    let tier = || spec("cancel", ScalingTarget::CpuPercent(50.0));
    let sim = SimCloud::new();
    let start = tokio::time::Instant::now();
    tier().apply(&sim.cloud().with_seed(1), None).await.unwrap();
    let total = start.elapsed();
    let (mut cancelled, mut finished) = (0, 0);
    let step = total / 40;
    let mut t = Duration::ZERO;
    while t < total {
        let sim = SimCloud::new();
        let cloud = sim.cloud().with_seed(1);
        match tokio::time::timeout(t, tier().apply(&cloud, None)).await {
            Ok(done) => {
                // Health checks run on the simulator's schedule: an apply may finish early.
                let out = done.unwrap();
                web_tier::destroy(&cloud, &out, None).await.unwrap();
                finished += 1;
            }
            Err(_) => cancelled += 1,
        }
        sleep(Duration::from_secs(1800)).await;
        assert!(
            sim.inventory().is_empty(),
            "cancelled at {t:?}: left {}",
            sim.inventory()
        );
        t += step;
    }
    assert!(cancelled >= 30, "{cancelled} cancelled, {finished} finished");
    eprintln!("elastic web tier apply ({total:?}) cancelled at {cancelled} instants: nothing left");
}
