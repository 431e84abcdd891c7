//! EC2 Auto Scaling in the simulator, on tokio's paused clock with AWS-like durations
//! (instances boot in 30 s, the load balancer provisions in 120 s, health checks every 30 s):
//! groups meet their desired capacity across zones and register with their target group,
//! replace instances that fail health checks, scale on target-tracking policies driven by
//! synthetic load, refresh their instances, and leave nothing behind when deleted.
#![cfg(feature = "sim")]

use std::time::Duration;

use aws_facade::autoscaling::*;
use aws_facade::ec2::{
    AuthorizeIngressRequest, CreateLaunchTemplateRequest, CreateSecurityGroupRequest, IngressSource,
    LaunchTemplateData, LaunchTemplateRef, Subnet, TemplateVersion,
};
use aws_facade::elb::{
    CreateListenerRequest, CreateLoadBalancerRequest, CreateTargetGroupRequest, LoadBalancer, TargetGroup,
    TargetHealthState,
};
use aws_facade::id::{AutoScalingGroupName, LaunchTemplateId};
use aws_facade::sim::{LoadProfile, SimCloud};
use aws_facade::{Cloud, Tags};
use tokio::time::sleep;

struct World {
    sim: SimCloud,
    cloud: Cloud,
    subnets: Vec<Subnet>,
    template: LaunchTemplateId,
    web_sg: aws_facade::id::SecurityGroupId,
    lb: LoadBalancer,
    tg: TargetGroup,
}

/// A load balancer (HTTP:80 to a target group on 8080) over three zones, and a launch
/// template whose instances admit 8080 from the load balancer's group only.
async fn world() -> World {
    let sim = SimCloud::new();
    let cloud = sim.cloud();
    let vpc = cloud.ec2.default_vpc().await.unwrap().id;
    let mut subnets = cloud.ec2.describe_subnets(vpc.clone()).await.unwrap();
    subnets.sort_by(|a, b| a.availability_zone.cmp(&b.availability_zone));
    subnets.dedup_by(|a, b| a.availability_zone == b.availability_zone);
    subnets.truncate(3);
    assert_eq!(subnets.len(), 3, "the simulated region has three zones");
    let group = |name: &'static str| {
        let cloud = cloud.clone();
        let vpc = vpc.clone();
        async move {
            cloud
                .ec2
                .create_security_group(
                    CreateSecurityGroupRequest::builder()
                        .name(name)
                        .description(name)
                        .vpc_id(vpc)
                        .build()
                        .unwrap(),
                )
                .await
                .unwrap()
        }
    };
    let lb_sg = group("lb").await;
    let web_sg = group("web").await;
    for (g, port, source) in [
        (&lb_sg, 80, IngressSource::Cidr("0.0.0.0/0".into())),
        (&web_sg, 8080, IngressSource::Group(lb_sg.clone())),
    ] {
        cloud
            .ec2
            .authorize_ingress(
                AuthorizeIngressRequest::builder()
                    .group_id(g.clone())
                    .from_port(port)
                    .source(source)
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
    }
    let image = cloud.ec2.describe_images(Default::default()).await.unwrap().remove(0);
    let template = cloud
        .ec2
        .create_launch_template(
            CreateLaunchTemplateRequest::builder()
                .name("web-template")
                .data(
                    LaunchTemplateData::builder()
                        .image_id(image.id)
                        .instance_type("t3.micro".parse().unwrap())
                        .security_group_ids(vec![web_sg.clone()])
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .await
        .unwrap()
        .id;
    let lb = cloud
        .elb
        .create_load_balancer(
            CreateLoadBalancerRequest::builder()
                .name("web".parse().unwrap())
                .subnets(subnets.iter().map(|s| s.id.clone()).collect())
                .security_groups(vec![lb_sg])
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let tg = cloud
        .elb
        .create_target_group(
            CreateTargetGroupRequest::builder()
                .name("web-tg".parse().unwrap())
                .port(8080)
                .vpc_id(vpc)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    cloud
        .elb
        .create_listener(
            CreateListenerRequest::builder()
                .load_balancer_arn(lb.arn.clone())
                .port(80)
                .default_target_group(tg.arn.clone())
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    World {
        sim,
        cloud,
        subnets,
        template,
        web_sg,
        lb,
        tg,
    }
}

fn name() -> AutoScalingGroupName {
    "web-asg".parse().unwrap()
}

impl World {
    fn group(&self, min: u32, max: u32, desired: u32) -> CreateAutoScalingGroupRequest {
        CreateAutoScalingGroupRequest::builder()
            .name(name())
            .launch_template(self.template.clone())
            .min_size(min)
            .max_size(max)
            .desired_capacity(desired)
            .subnets(self.subnets.iter().map(|s| s.id.clone()).collect())
            .target_group_arns(vec![self.tg.arn.clone()])
            .health_check_type(HealthCheckType::Elb)
            .health_check_grace_period_secs(120)
            .default_instance_warmup_secs(60)
            .tags(Tags::from([("owner".to_string(), "web-tier-test".to_string())]))
            .build()
            .unwrap()
    }

    async fn describe(&self) -> AutoScalingGroup {
        let mut groups = self
            .cloud
            .autoscaling
            .describe_auto_scaling_groups(vec![name()])
            .await
            .unwrap();
        assert_eq!(groups.len(), 1);
        groups.remove(0)
    }

    /// Puts target-tracking policy `policy` on the group.
    async fn track(&self, policy: &str, config: TargetTracking) -> PutScalingPolicyOutput {
        self.cloud
            .autoscaling
            .put_scaling_policy(
                PutScalingPolicyRequest::builder()
                    .group(name())
                    .name(policy)
                    .config(config.into())
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap()
    }

    async fn healthy_targets(&self) -> usize {
        self.cloud
            .elb
            .describe_target_health(self.tg.arn.clone(), vec![])
            .await
            .unwrap()
            .iter()
            .filter(|h| h.state == TargetHealthState::Healthy)
            .count()
    }

    /// Deletes the group (forced) and the load balancer stack; requires nothing left.
    async fn tear_down(self) {
        let c = &self.cloud;
        c.autoscaling.delete_auto_scaling_group(name(), true).await.unwrap();
        for _ in 0..60 {
            if c.autoscaling
                .describe_auto_scaling_groups(vec![name()])
                .await
                .unwrap()
                .is_empty()
            {
                break;
            }
            sleep(Duration::from_secs(10)).await;
        }
        assert!(
            c.autoscaling
                .describe_auto_scaling_groups(vec![])
                .await
                .unwrap()
                .is_empty(),
            "the group is gone"
        );
        c.elb.delete_load_balancer(self.lb.arn.clone()).await.unwrap();
        sleep(Duration::from_secs(400)).await; // deregistration delay, ENI release
        c.elb.delete_target_group(self.tg.arn.clone()).await.unwrap();
        c.ec2
            .delete_launch_template(LaunchTemplateRef::Id(self.template.clone()))
            .await
            .unwrap();
        let inv = self.sim.inventory();
        for kind in [
            "instance",
            "auto scaling group",
            "scaling policy",
            "alarm",
            "load balancer",
            "target group",
        ] {
            assert_eq!(inv.count(kind), 0, "{kind} left: {inv}");
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_group_meets_its_capacity_across_zones_and_registers_its_instances() {
    let w = world().await;
    w.cloud
        .autoscaling
        .create_auto_scaling_group(w.group(1, 6, 3))
        .await
        .unwrap();
    let e = w
        .cloud
        .autoscaling
        .create_auto_scaling_group(w.group(1, 6, 3))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("AlreadyExists"), "{e:?}");
    sleep(Duration::from_secs(60)).await;
    let g = w.describe().await;
    assert_eq!(g.desired_capacity, 3);
    assert_eq!(g.in_service().count(), 3, "{:?}", g.instances);
    let mut zones: Vec<_> = g.instances.iter().map(|i| i.availability_zone.clone()).collect();
    zones.sort();
    zones.dedup();
    assert_eq!(zones.len(), 3, "one instance per zone: {:?}", g.instances);
    // Tagged by AWS with the group's name, and with the group's propagated tags.
    let ids: Vec<_> = g.instances.iter().map(|i| i.instance_id.clone()).collect();
    let found = w
        .cloud
        .ec2
        .describe_instances(
            aws_facade::ec2::DescribeInstancesRequest::builder()
                .instance_ids(ids)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    for i in &found {
        assert_eq!(
            i.tags.get(GROUP_NAME_TAG).map(String::as_str),
            Some("web-asg"),
            "{:?}",
            i.tags
        );
        assert_eq!(i.tags.get("owner").map(String::as_str), Some("web-tier-test"));
    }
    // Healthy behind the load balancer once it is active and the checks have passed.
    sleep(Duration::from_secs(300)).await;
    assert_eq!(w.healthy_targets().await, 3);
    let acts = w.cloud.autoscaling.describe_scaling_activities(name()).await.unwrap();
    assert_eq!(
        acts.iter()
            .filter(|a| a.description.starts_with("Launching a new EC2 instance: i-"))
            .count(),
        3
    );
    assert!(acts.iter().all(|a| a.status == ActivityStatus::Successful), "{acts:#?}");
    w.tear_down().await;
}

#[tokio::test(start_paused = true)]
async fn set_desired_capacity_scales_out_and_in_within_the_bounds() {
    let w = world().await;
    let asg = &w.cloud.autoscaling;
    asg.create_auto_scaling_group(w.group(1, 6, 2)).await.unwrap();
    sleep(Duration::from_secs(400)).await;
    asg.set_desired_capacity(name(), 6, false).await.unwrap();
    let e = asg.set_desired_capacity(name(), 7, false).await.unwrap_err();
    assert_eq!(e.code(), Some("ValidationError"), "above max: {e:?}");
    let e = asg.set_desired_capacity(name(), 3, true).await.unwrap_err();
    assert_eq!(e.code(), Some("ScalingActivityInProgress"), "in cooldown: {e:?}");
    sleep(Duration::from_secs(400)).await;
    let g = w.describe().await;
    assert_eq!(g.in_service().count(), 6);
    assert_eq!(w.healthy_targets().await, 6);
    let per_zone = |g: &AutoScalingGroup| {
        let mut n = std::collections::BTreeMap::new();
        for i in g.in_service() {
            *n.entry(i.availability_zone.clone()).or_insert(0) += 1;
        }
        n.into_values().collect::<Vec<u32>>()
    };
    assert_eq!(per_zone(&g), vec![2, 2, 2], "balanced over the zones");
    asg.set_desired_capacity(name(), 1, false).await.unwrap();
    sleep(Duration::from_secs(120)).await;
    let g = w.describe().await;
    assert_eq!(g.instances.len(), 1, "{:?}", g.instances);
    // The terminated instances left the target group (draining, then gone).
    sleep(Duration::from_secs(400)).await;
    let health = w
        .cloud
        .elb
        .describe_target_health(w.tg.arn.clone(), vec![])
        .await
        .unwrap();
    assert_eq!(health.len(), 1, "{health:?}");
    w.tear_down().await;
}

#[tokio::test(start_paused = true)]
async fn an_instance_failing_its_health_checks_is_replaced_after_the_grace_period() {
    let w = world().await;
    let asg = &w.cloud.autoscaling;
    asg.create_auto_scaling_group(w.group(3, 3, 3)).await.unwrap();
    sleep(Duration::from_secs(400)).await;
    let before = w.describe().await;
    let victim = before.instances[0].clone();
    w.sim.fail_health_checks(&victim.instance_id);
    // Two failed checks 30 s apart, then the group's next step.
    sleep(Duration::from_secs(90)).await;
    let g = w.describe().await;
    assert!(
        !g.instances
            .iter()
            .any(|i| i.instance_id == victim.instance_id && i.lifecycle_state == LifecycleState::InService),
        "the failing instance left service: {:?}",
        g.instances
    );
    sleep(Duration::from_secs(400)).await;
    let g = w.describe().await;
    assert_eq!(g.in_service().count(), 3);
    assert!(g.instances.iter().all(|i| i.instance_id != victim.instance_id));
    let replacement = g
        .instances
        .iter()
        .find(|i| !before.instances.iter().any(|b| b.instance_id == i.instance_id))
        .expect("a replacement");
    assert_eq!(
        replacement.availability_zone, victim.availability_zone,
        "replaced in its zone"
    );
    assert_eq!(w.healthy_targets().await, 3);
    let acts = asg.describe_scaling_activities(name()).await.unwrap();
    assert!(
        acts.iter().any(|a| a.cause.contains("ELB system health check failure")),
        "{acts:#?}"
    );
    w.tear_down().await;
}

/// Drives `load` for `minutes` of simulated time, sampling the group each minute: returns
/// the (desired, in service) samples.
async fn run(w: &World, minutes: u64) -> Vec<(u32, usize)> {
    let mut samples = Vec::new();
    for _ in 0..minutes {
        sleep(Duration::from_secs(60)).await;
        let g = w.describe().await;
        samples.push((g.desired_capacity, g.in_service().count()));
    }
    samples
}

/// The ramp of issue #15: 100 → 10,000 requests/s over 10 minutes, held for 20, back to 100
/// over 10, then held for an hour.
fn ramp() -> LoadProfile {
    let m = |n: u64| Duration::from_secs(60 * n);
    LoadProfile::ramp([(m(0), 100.0), (m(10), 10_000.0), (m(30), 10_000.0), (m(40), 100.0)]).unwrap()
}

#[tokio::test(start_paused = true)]
async fn request_count_tracking_scales_out_with_the_ramp_and_back_in() {
    let w = world().await;
    let asg = &w.cloud.autoscaling;
    asg.create_auto_scaling_group(w.group(2, 12, 2)).await.unwrap();
    sleep(Duration::from_secs(400)).await;
    // 1,000 requests per second per target: RequestCountPerTarget is a per-minute sum.
    let policy = w
        .track(
            "requests-per-target",
            TargetTracking::request_count_per_target(&w.lb.arn, &w.tg.arn, 60_000.0),
        )
        .await;
    assert_eq!(policy.alarms.len(), 2, "a high and a low alarm: {:?}", policy.alarms);
    w.sim.drive_load(&w.lb.arn, ramp());
    let up = run(&w, 35).await;
    let peak = up.iter().map(|s| s.0).max().unwrap();
    // ceil(600,000 a minute / 60,000) = 10, plus one for the rounding of the per-target sum;
    // more would be the overshoot of counting targets that were not serving yet.
    assert!(
        (10..=11).contains(&peak),
        "10,000 requests/s at 1,000 per target needs 10 instances (peak desired {peak}): {up:?}"
    );
    let mut falls = up.windows(2).filter(|w| w[1].0 < w[0].0);
    assert!(
        falls.next().is_none(),
        "no scale in while the load rises or holds: {up:?}"
    );
    assert!(up.iter().all(|s| (2..=12).contains(&s.0)), "within the bounds: {up:?}");
    let served = up.iter().map(|s| s.1).max().unwrap();
    assert!(served >= 10, "the instances entered service: {up:?}");
    let down = run(&w, 75).await;
    let last = down.last().unwrap();
    assert_eq!(last.0, 2, "back to the minimum once the load is gone: {down:?}");
    assert_eq!(last.1, 2, "{down:?}");
    let acts = asg.describe_scaling_activities(name()).await.unwrap();
    assert!(
        acts.iter()
            .any(|a| a.cause.contains("AlarmHigh") && a.cause.contains("requests-per-target")),
        "{acts:#?}"
    );
    assert!(acts.iter().any(|a| a.cause.contains("AlarmLow")), "{acts:#?}");
    w.tear_down().await;
}

#[tokio::test(start_paused = true)]
async fn cpu_tracking_follows_the_load_cost() {
    let w = world().await;
    let asg = &w.cloud.autoscaling;
    asg.create_auto_scaling_group(w.group(2, 20, 2)).await.unwrap();
    sleep(Duration::from_secs(400)).await;
    w.track(
        "cpu50",
        TargetTracking::new(PredefinedMetric::AsgAverageCpuUtilization, 50.0),
    )
    .await;
    // 0.05 % CPU per request/s over an idle 5 %: 50 % at 900 requests/s per instance, so
    // 10,000 requests/s want ceil(10,000 / 900) = 12 instances.
    w.sim.drive_load(&w.lb.arn, ramp());
    let up = run(&w, 35).await;
    let peak = up.iter().map(|s| s.0).max().unwrap();
    assert!((12..=20).contains(&peak), "peak desired {peak}: {up:?}");
    let down = run(&w, 75).await;
    assert_eq!(down.last().unwrap().0, 2, "{down:?}");
    w.tear_down().await;
}

#[tokio::test(start_paused = true)]
async fn step_scaling_acts_on_an_alarm_of_the_users() {
    use aws_facade::cloudwatch::{ComparisonOperator, Dimension, PutMetricAlarmRequest, Statistic};
    let w = world().await;
    let asg = &w.cloud.autoscaling;
    asg.create_auto_scaling_group(w.group(1, 10, 1)).await.unwrap();
    sleep(Duration::from_secs(400)).await;
    let policy = asg
        .put_scaling_policy(
            PutScalingPolicyRequest::builder()
                .group(name())
                .name("steps")
                .config(PolicyConfig::Step(StepScaling::new(
                    AdjustmentType::ChangeInCapacity,
                    vec![
                        StepAdjustment::new(Some(0.0), Some(100_000.0), 1),
                        StepAdjustment::new(Some(100_000.0), None, 3),
                    ],
                )))
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert!(policy.alarms.is_empty());
    w.cloud
        .cloudwatch
        .put_metric_alarm(
            PutMetricAlarmRequest::builder()
                .alarm_name("web-requests-high".parse().unwrap())
                .namespace("AWS/ApplicationELB")
                .metric_name("RequestCount")
                .dimensions(vec![Dimension::new("LoadBalancer", w.lb.arn.dimension())])
                .statistic(Statistic::Sum)
                .period_secs(60)
                .evaluation_periods(2)
                .threshold(60_000.0)
                .comparison(ComparisonOperator::GreaterThanThreshold)
                .alarm_actions(vec![policy.policy_arn.parse().unwrap()])
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let policies = asg.describe_policies(name()).await.unwrap();
    assert_eq!(
        policies[0].alarms.len(),
        1,
        "the policy lists the alarm acting on it: {policies:?}"
    );
    // 3,000 requests/s = 180,000 a minute: 120,000 over the threshold, the +3 step.
    w.sim.drive_load(&w.lb.arn, LoadProfile::constant(3_000.0));
    let samples = run(&w, 4).await;
    assert!(samples.iter().any(|s| s.0 == 4), "1 + 3: {samples:?}");
    w.sim.stop_load(&w.lb.arn);
    w.cloud
        .cloudwatch
        .delete_alarms(vec!["web-requests-high".parse().unwrap()])
        .await
        .unwrap();
    w.tear_down().await;
}

#[tokio::test(start_paused = true)]
async fn an_instance_refresh_replaces_every_instance_keeping_the_healthy_share() {
    let w = world().await;
    let asg = &w.cloud.autoscaling;
    asg.create_auto_scaling_group(w.group(4, 4, 4)).await.unwrap();
    sleep(Duration::from_secs(400)).await;
    let before: Vec<_> = w
        .describe()
        .await
        .instances
        .into_iter()
        .map(|i| i.instance_id)
        .collect();
    // A new template version (a larger type), made the group's.
    let image = w.cloud.ec2.describe_images(Default::default()).await.unwrap().remove(0);
    w.cloud
        .ec2
        .create_launch_template_version(
            aws_facade::ec2::CreateLaunchTemplateVersionRequest::builder()
                .template(LaunchTemplateRef::Id(w.template.clone()))
                .data(
                    LaunchTemplateData::builder()
                        .image_id(image.id)
                        .instance_type("t3.small".parse().unwrap())
                        .security_group_ids(vec![w.web_sg.clone()])
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    asg.update_auto_scaling_group(
        UpdateAutoScalingGroupRequest::builder()
            .name(name())
            .launch_template(LaunchTemplateRef::Id(w.template.clone()))
            .launch_template_version(TemplateVersion::Latest)
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    let id = asg
        .start_instance_refresh(
            StartInstanceRefreshRequest::builder()
                .group(name())
                .min_healthy_percentage(50)
                .instance_warmup_secs(60)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let e = asg
        .start_instance_refresh(StartInstanceRefreshRequest::builder().group(name()).build().unwrap())
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InstanceRefreshInProgress"));
    let mut least_in_service = usize::MAX;
    for _ in 0..60 {
        sleep(Duration::from_secs(20)).await;
        let g = w.describe().await;
        least_in_service = least_in_service.min(g.in_service().count());
        let r = asg.describe_instance_refreshes(name()).await.unwrap().remove(0);
        assert_eq!(r.id, id);
        if r.status == RefreshStatus::Successful {
            break;
        }
    }
    let r = asg.describe_instance_refreshes(name()).await.unwrap().remove(0);
    assert_eq!(r.status, RefreshStatus::Successful, "{r:?}");
    assert_eq!(r.percentage_complete, 100);
    assert!(
        least_in_service >= 2,
        "50 % of 4 stayed in service throughout (least: {least_in_service})"
    );
    let g = w.describe().await;
    assert_eq!(g.in_service().count(), 4);
    assert!(
        g.instances.iter().all(|i| !before.contains(&i.instance_id)),
        "every instance replaced"
    );
    assert!(
        g.instances
            .iter()
            .all(|i| i.instance_type.as_deref() == Some("t3.small")),
        "{:?}",
        g.instances
    );
    let e = asg.cancel_instance_refresh(name()).await.unwrap_err();
    assert!(e.is_not_found(), "nothing to cancel: {e:?}");
    w.tear_down().await;
}

#[tokio::test(start_paused = true)]
async fn deleting_needs_force_while_instances_run_and_only_aws_says_not_found() {
    let w = world().await;
    let asg = &w.cloud.autoscaling;
    asg.create_auto_scaling_group(w.group(1, 2, 1)).await.unwrap();
    let e = asg.delete_auto_scaling_group(name(), false).await.unwrap_err();
    assert_eq!(e.code(), Some("ResourceInUse"), "{e:?}");
    assert!(e.is_conflict(), "{e:?}");
    let other: AutoScalingGroupName = "nobody".parse().unwrap();
    let e = asg.delete_auto_scaling_group(other.clone(), true).await.unwrap_err();
    assert_eq!(e.code(), Some("ValidationError"));
    assert!(e.is_not_found(), "Auto Scaling's not-found answer: {e:?}");
    let e = asg.set_desired_capacity(other, 1, false).await.unwrap_err();
    assert!(e.is_not_found(), "{e:?}");
    // A missing launch template is the caller's mistake, not a missing group.
    let mut req = w.group(1, 2, 1);
    req.name = "other".parse().unwrap();
    req.launch_template = LaunchTemplateRef::Name("no-such-template".into());
    let e = asg.create_auto_scaling_group(req).await.unwrap_err();
    assert_eq!(e.code(), Some("ValidationError"));
    assert!(!e.is_not_found(), "{e:?}");
    w.tear_down().await;
}

#[tokio::test(start_paused = true)]
async fn cpu_held_high_on_the_instances_scales_the_group_out_then_in() {
    let w = world().await;
    let asg = &w.cloud.autoscaling;
    asg.create_auto_scaling_group(w.group(2, 8, 2)).await.unwrap();
    sleep(Duration::from_secs(400)).await;
    w.track(
        "cpu50",
        TargetTracking::new(PredefinedMetric::AsgAverageCpuUtilization, 50.0),
    )
    .await;
    let ids: Vec<_> = w
        .describe()
        .await
        .instances
        .into_iter()
        .map(|i| i.instance_id)
        .collect();
    for id in &ids {
        w.sim.set_cpu(id, Some(90.0));
    }
    // Three one-minute periods above 50 %: 2 × 90 / 50 = 3.6, so 4; then the two new idle
    // ones (5-15 %) keep the average near 50 %, and one more above it adds a fifth.
    let up = run(&w, 6).await;
    assert!(up.iter().any(|s| s.0 == 4), "{up:?}");
    assert!((4..=5).contains(&up.last().unwrap().0), "no overshoot: {up:?}");
    for id in &ids {
        w.sim.set_cpu(id, None);
    }
    // Idle (5-15 %) for fifteen periods below 45 %: back to the minimum.
    let down = run(&w, 25).await;
    assert_eq!(down.last().unwrap().0, 2, "{down:?}");
    w.tear_down().await;
}
