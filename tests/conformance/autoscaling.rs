//! Auto Scaling scenarios (on moto through the `autoscaling` adapter; without that feature
//! the moto backend has no Auto Scaling client and the scenarios say so and return).

use super::*;
use aws_facade::autoscaling::{
    AutoScalingGroup, CreateAutoScalingGroupRequest, PolicyConfig, PredefinedMetric, PutScalingPolicyRequest,
    TargetTracking, UpdateAutoScalingGroupRequest,
};
use aws_facade::ec2::{CreateLaunchTemplateRequest, LaunchTemplateData, LaunchTemplateRef};
use aws_facade::id::{AutoScalingGroupName, LaunchTemplateId};

impl Backend {
    /// Whether this backend has an Auto Scaling client (moto needs the `autoscaling` feature).
    fn has_autoscaling(&self) -> bool {
        self.kind != Kind::Moto || cfg!(feature = "autoscaling")
    }

    /// A launch template `SCENARIO-lt` (t3.micro of an available image), tagged for `scenario`.
    pub async fn asg_template(&self, scenario: &str) -> LaunchTemplateId {
        let image = self.image().await;
        let data = LaunchTemplateData::builder()
            .image_id(image.id)
            .instance_type("t3.micro".parse().expect("type"))
            .build()
            .expect("valid");
        self.cloud
            .ec2
            .create_launch_template(
                CreateLaunchTemplateRequest::builder()
                    .name(format!("{scenario}-lt"))
                    .data(data)
                    .tags(self.tags(scenario))
                    .build()
                    .expect("valid"),
            )
            .await
            .expect("create launch template")
            .id
    }

    async fn asg_group(&self, name: &AutoScalingGroupName) -> Option<AutoScalingGroup> {
        self.cloud
            .autoscaling
            .describe_auto_scaling_groups(vec![name.clone()])
            .await
            .expect("describe groups")
            .into_iter()
            .next()
    }

    /// Waits until group `name` has `n` instances (any lifecycle state but leaving).
    async fn asg_wait_instances(&self, name: &AutoScalingGroupName, n: usize) -> AutoScalingGroup {
        let asg = self.cloud.autoscaling.clone();
        self.waiter(format!("group {name} with {n} instances"))
            .until(|| {
                let (asg, name) = (asg.clone(), name.clone());
                async move {
                    let g = asg
                        .describe_auto_scaling_groups(vec![name.clone()])
                        .await?
                        .into_iter()
                        .next();
                    let Some(g) = g else {
                        return Ok(Check::Failed(format!("group {name} is gone")));
                    };
                    let live = g
                        .instances
                        .iter()
                        .filter(|i| !matches!(i.lifecycle_state.as_str(), "Terminating" | "Terminated"))
                        .count();
                    Ok(if live == n && g.instances.len() == n {
                        Check::Done(g)
                    } else {
                        Check::Pending(format!("{} instances", g.instances.len()))
                    })
                }
            })
            .await
            .unwrap_or_else(|e| panic!("waiting for {name}: {e}"))
    }

    /// Force-deletes group `name`, waits until it is gone, then deletes template `lt`.
    async fn asg_cleanup(&self, name: &AutoScalingGroupName, lt: LaunchTemplateId) {
        self.cloud
            .autoscaling
            .delete_auto_scaling_group(name.clone(), true)
            .await
            .expect("force delete");
        let asg = self.cloud.autoscaling.clone();
        self.waiter(format!("group {name} deleted"))
            .until(|| {
                let (asg, name) = (asg.clone(), name.clone());
                async move {
                    let left = asg.describe_auto_scaling_groups(vec![name]).await?;
                    Ok(if left.is_empty() {
                        Check::Done(())
                    } else {
                        Check::Pending(format!("{} instances", left[0].instances.len()))
                    })
                }
            })
            .await
            .expect("group deleted");
        self.cloud
            .ec2
            .delete_launch_template(LaunchTemplateRef::Id(lt))
            .await
            .expect("delete template");
        if self.sim.is_some() {
            // Its instances finish terminating (and leave the inventory) on the clock.
            tokio::time::sleep(Duration::from_secs(120)).await;
        }
    }
}

pub async fn asg_group_lifecycle_with_a_launch_template(b: &Backend) {
    if !b.has_autoscaling() {
        eprintln!("asg scenario skipped: built without the autoscaling feature");
        return;
    }
    let scenario = "asg-lifecycle";
    let lt = b.asg_template(scenario).await;
    let [a, c] = b.subnets_in_two_zones().await;
    let name: AutoScalingGroupName = "conf-asg".parse().unwrap();
    b.cloud
        .autoscaling
        .create_auto_scaling_group(
            CreateAutoScalingGroupRequest::builder()
                .name(name.clone())
                .launch_template(lt.clone())
                .min_size(1)
                .max_size(4)
                .desired_capacity(2)
                .subnets(vec![a.id.clone(), c.id.clone()])
                .tags(b.tags(scenario))
                .build()
                .unwrap(),
        )
        .await
        .expect("create group");
    if !b.deviates(DeviationId::AsgDuplicateNameAccepted) {
        let e = expect_err(
            b.cloud
                .autoscaling
                .create_auto_scaling_group(
                    CreateAutoScalingGroupRequest::builder()
                        .name(name.clone())
                        .launch_template(lt.clone())
                        .min_size(1)
                        .max_size(4)
                        .subnets(vec![a.id.clone()])
                        .build()
                        .unwrap(),
                )
                .await,
            ErrorKind::Conflict,
            "a group name in use",
        );
        assert_eq!(e.code(), Some("AlreadyExists"), "{e:?}");
    }
    let g = b.asg_group(&name).await.expect("the group");
    assert_eq!((g.min_size, g.max_size, g.desired_capacity), (1, 4, 2));
    assert_eq!(g.tags.get("conformance").map(String::as_str), Some(scenario));
    assert!(g.arn.starts_with("arn:aws:autoscaling:"), "{}", g.arn);
    let mut zones = g.availability_zones.clone();
    zones.sort();
    let mut want = vec![a.availability_zone.clone(), c.availability_zone.clone()];
    want.sort();
    assert_eq!(zones, want);
    let g = b.asg_wait_instances(&name, 2).await;
    let mut ids: Vec<_> = g.instances.iter().map(|i| i.instance_id.clone()).collect();
    ids.sort();
    // The instances are EC2's, with the group's tags propagated.
    let found = b
        .cloud
        .ec2
        .describe_instances(DescribeInstancesRequest::builder().instance_ids(ids).build().unwrap())
        .await
        .expect("the group's instances");
    assert_eq!(found.len(), 2);
    for i in &found {
        assert_eq!(
            i.tags.get("conformance").map(String::as_str),
            Some(scenario),
            "{:?}",
            i.tags
        );
    }
    b.cloud
        .autoscaling
        .set_desired_capacity(name.clone(), 3, false)
        .await
        .expect("set desired");
    b.asg_wait_instances(&name, 3).await;
    if !b.deviates(DeviationId::AsgDesiredNotCheckedAgainstBounds) {
        let e = expect_err(
            b.cloud.autoscaling.set_desired_capacity(name.clone(), 5, false).await,
            ErrorKind::Validation,
            "desired above max",
        );
        assert_eq!(e.code(), Some("ValidationError"));
    }
    b.cloud
        .autoscaling
        .update_auto_scaling_group(
            UpdateAutoScalingGroupRequest::builder()
                .name(name.clone())
                .max_size(5)
                .build()
                .unwrap(),
        )
        .await
        .expect("update");
    assert_eq!(b.asg_group(&name).await.expect("group").max_size, 5);
    let acts = b
        .cloud
        .autoscaling
        .describe_scaling_activities(name.clone())
        .await
        .expect("activities");
    if !b.deviates(DeviationId::AsgNoScalingActivities) {
        assert!(
            acts.iter()
                .filter(|a| a.description.starts_with("Launching a new EC2 instance"))
                .count()
                >= 3,
            "launches are activities: {acts:?}"
        );
    }
    if b.deviates(DeviationId::AsgDeleteWithInstancesWithoutForce) {
        // moto deletes a group with instances without ForceDelete.
    } else {
        let e = expect_err(
            b.cloud.autoscaling.delete_auto_scaling_group(name.clone(), false).await,
            ErrorKind::Conflict,
            "a group with instances, without force",
        );
        assert!(
            matches!(e.code(), Some("ResourceInUse" | "ScalingActivityInProgress")),
            "{e:?}"
        );
    }
    b.asg_cleanup(&name, lt).await;
}

pub async fn asg_target_tracking_policy_owns_its_alarms(b: &Backend) {
    if !b.has_autoscaling() {
        eprintln!("asg scenario skipped: built without the autoscaling feature");
        return;
    }
    let scenario = "asg-policy";
    let lt = b.asg_template(scenario).await;
    let [a, _] = b.subnets_in_two_zones().await;
    let name: AutoScalingGroupName = "conf-asg-policy".parse().unwrap();
    b.cloud
        .autoscaling
        .create_auto_scaling_group(
            CreateAutoScalingGroupRequest::builder()
                .name(name.clone())
                .launch_template(lt.clone())
                .min_size(1)
                .max_size(3)
                .subnets(vec![a.id.clone()])
                .build()
                .unwrap(),
        )
        .await
        .expect("create group");
    let put = b
        .cloud
        .autoscaling
        .put_scaling_policy(
            PutScalingPolicyRequest::builder()
                .group(name.clone())
                .name("cpu50")
                .config(TargetTracking::new(PredefinedMetric::AsgAverageCpuUtilization, 50.0).into())
                .build()
                .unwrap(),
        )
        .await;
    if b.deviates(DeviationId::AsgPutScalingPolicyAnswersNoArn) {
        let e = put.expect_err("moto answers no PolicyARN");
        assert!(!e.is_not_found(), "{e:?}");
    } else {
        let out = put.expect("put policy");
        assert!(out.policy_arn.starts_with("arn:aws:autoscaling:"), "{}", out.policy_arn);
        assert_eq!(out.alarms.len(), 2, "AlarmHigh and AlarmLow: {:?}", out.alarms);
        assert!(out.alarms.iter().any(|a| a.name.contains("AlarmHigh")));
    }
    let policies = b
        .cloud
        .autoscaling
        .describe_policies(name.clone())
        .await
        .expect("policies");
    assert_eq!(policies.len(), 1);
    let p = &policies[0];
    assert_eq!(p.name, "cpu50");
    match &p.config {
        Some(PolicyConfig::TargetTracking(t)) => {
            assert_eq!(t.metric, PredefinedMetric::AsgAverageCpuUtilization);
            assert_eq!(t.target_value, 50.0);
        }
        other => panic!("expected target tracking, got {other:?}"),
    }
    b.cloud
        .autoscaling
        .delete_policy(name.clone(), "cpu50".into())
        .await
        .expect("delete policy");
    assert!(
        b.cloud
            .autoscaling
            .describe_policies(name.clone())
            .await
            .expect("policies")
            .is_empty()
    );
    b.asg_cleanup(&name, lt).await;
}

pub async fn asg_unknown_group_is_not_found(b: &Backend) {
    if !b.has_autoscaling() {
        eprintln!("asg scenario skipped: built without the autoscaling feature");
        return;
    }
    let name: AutoScalingGroupName = "conf-no-such-group".parse().unwrap();
    assert!(b.asg_group(&name).await.is_none(), "describe leaves unknown names out");
    let e = expect_err(
        b.cloud.autoscaling.delete_auto_scaling_group(name.clone(), true).await,
        ErrorKind::NotFound,
        "deleting an unknown group",
    );
    assert_eq!(e.code(), Some("ValidationError"), "Auto Scaling's not-found: {e:?}");
    let e = b
        .cloud
        .autoscaling
        .set_desired_capacity(name, 1, false)
        .await
        .expect_err("set desired on an unknown group");
    if b.deviates(DeviationId::AsgSetDesiredOnUnknownGroupFails) {
        // Only AWS says "not found": a 500 is never read as gone.
        assert!(!e.is_not_found(), "{e:?}");
    } else {
        assert!(e.is_not_found(), "{e:?}");
    }
}
