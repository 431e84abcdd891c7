//! The conditions the workflows (and tests) wait for, in one place, over the service traits
//! (after kube-runtime's `wait::conditions`).
//!
//! Each function polls with backoff until its condition holds, and ends early with
//! [`Error::WaitFailed`](crate::Error::WaitFailed) when the resource reaches a terminal state
//! the condition can never leave (an instance terminated while waiting for it to run, a load
//! balancer that failed to provision, a volume or snapshot in `error`, a failed function).
//! Not-found counts as "not visible yet" where EC2's eventual consistency can hide a new
//! resource, and as "done" where the condition is the resource's absence. Transient errors
//! are retried by the cloud's [`Retry`](crate::layer::Retry) layer below; what it gives up on
//! counts as pending until the deadline.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> aws_facade::Result<()> {
//! use aws_facade::ec2::{InstanceState, RunInstancesRequest};
//! use aws_facade::wait::conditions;
//! let cloud = aws_facade::Cloud::sim();
//! let image = cloud.ec2.describe_images(Default::default()).await?.remove(0).id;
//! let req = RunInstancesRequest::builder().image_id(image).instance_type("t3.micro".parse()?).build()?;
//! let ids: Vec<_> = cloud.ec2.run_instances(req).await?.into_iter().map(|i| i.id).collect();
//! conditions::instances_running(cloud.ec2.as_ref(), &ids).await?;
//! cloud.ec2.terminate_instances(ids.clone()).await?;
//! conditions::instances_terminated(cloud.ec2.as_ref(), &ids).await?;
//! # Ok(()) }
//! ```

use std::time::Duration;

use crate::autoscaling::{AutoScaling, AutoScalingGroup, InstanceHealth, LifecycleState};
use crate::ec2::{
    DescribeInstancesRequest, DescribeSnapshotsRequest, DescribeVolumesRequest, Ec2, InstanceState, Snapshot,
    SnapshotState, Volume, VolumeState,
};
use crate::elb::{DescribeLoadBalancersRequest, Elbv2, LoadBalancerState, Target, TargetHealthState};
use crate::error::Result;
use crate::id::{
    AutoScalingGroupName, FunctionName, InstanceId, LoadBalancerArn, SnapshotId, TargetGroupArn, VolumeId,
};
use crate::lambda::{FunctionConfiguration, FunctionState, Lambda, LastUpdateStatus};
use crate::wait::{Backoff, Check, Waiter};

fn poll(initial_secs: u64, max_secs: u64) -> Backoff {
    Backoff {
        initial: Duration::from_secs(initial_secs),
        max: Duration::from_secs(max_secs),
        multiplier: 1.5,
        jitter: true,
    }
}

/// Until every instance in `ids` is `running` (10 minutes). Terminal: `shutting-down`,
/// `terminated`.
pub async fn instances_running(ec2: &dyn Ec2, ids: &[InstanceId]) -> Result<()> {
    let req = DescribeInstancesRequest::builder().instance_ids(ids.to_vec()).build()?;
    Waiter::new(format!("{} instance(s) running", ids.len()))
        .timeout(Duration::from_secs(600))
        .backoff(poll(2, 15))
        .until(|| {
            let req = req.clone();
            async move {
                let found = ec2.describe_instances(req).await?;
                if let Some(bad) = found
                    .iter()
                    .find(|i| matches!(i.state, InstanceState::Terminated | InstanceState::ShuttingDown))
                {
                    return Ok(Check::Failed(format!(
                        "instance {} is {} ({})",
                        bad.id,
                        bad.state,
                        bad.state_reason.as_deref().unwrap_or("no reason given")
                    )));
                }
                let states: Vec<String> = found.iter().map(|i| format!("{}={}", i.id, i.state)).collect();
                Ok(
                    if found.len() == ids.len() && found.iter().all(|i| i.state == InstanceState::Running) {
                        Check::Done(())
                    } else {
                        Check::Pending(states.join(", "))
                    },
                )
            }
        })
        .await
}

/// Until every instance in `ids` is `terminated` or no longer known (15 minutes).
pub async fn instances_terminated(ec2: &dyn Ec2, ids: &[InstanceId]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let req = DescribeInstancesRequest::builder().instance_ids(ids.to_vec()).build()?;
    Waiter::new(format!("{} instance(s) terminated", ids.len()))
        .timeout(Duration::from_secs(900))
        .backoff(poll(2, 15))
        .not_found_is_pending(false)
        .until(|| {
            let req = req.clone();
            async move {
                let found = match ec2.describe_instances(req).await {
                    Ok(f) => f,
                    // EC2 said so: the instances are gone.
                    Err(e) if e.is_not_found() => return Ok(Check::Done(())),
                    Err(e) => return Err(e),
                };
                let left: Vec<String> = found
                    .iter()
                    .filter(|i| i.state != InstanceState::Terminated)
                    .map(|i| format!("{}={}", i.id, i.state))
                    .collect();
                Ok(if left.is_empty() {
                    Check::Done(())
                } else {
                    Check::Pending(left.join(", "))
                })
            }
        })
        .await
}

/// Until the load balancer is `active` (15 minutes). Terminal: `failed`.
pub async fn load_balancer_active(elb: &dyn Elbv2, arn: &LoadBalancerArn) -> Result<()> {
    let req = DescribeLoadBalancersRequest::builder()
        .arns(vec![arn.clone()])
        .build()?;
    Waiter::new(format!("load balancer {arn} active"))
        .timeout(Duration::from_secs(900))
        .backoff(poll(2, 15))
        .until(|| {
            let req = req.clone();
            async move {
                let lbs = elb.describe_load_balancers(req).await?;
                Ok(match lbs.first().map(|l| l.state.clone()) {
                    Some(LoadBalancerState::Active) => Check::Done(()),
                    Some(LoadBalancerState::Failed) => Check::Failed("failed to provision".into()),
                    s => Check::Pending(format!("{s:?}")),
                })
            }
        })
        .await
}

/// Until the load balancer is gone (15 minutes).
pub async fn load_balancer_deleted(elb: &dyn Elbv2, arn: &LoadBalancerArn) -> Result<()> {
    let req = DescribeLoadBalancersRequest::builder()
        .arns(vec![arn.clone()])
        .build()?;
    Waiter::new(format!("load balancer {arn} deleted"))
        .timeout(Duration::from_secs(900))
        .backoff(poll(2, 15))
        .not_found_is_pending(false)
        .until(|| {
            let req = req.clone();
            async move {
                match elb.describe_load_balancers(req).await {
                    Err(e) if e.is_not_found() => Ok(Check::Done(())),
                    Ok(v) if v.is_empty() => Ok(Check::Done(())),
                    Ok(v) => Ok(Check::Pending(format!("{:?}", v[0].state))),
                    Err(e) => Err(e),
                }
            }
        })
        .await
}

/// Until every target is `healthy` in the target group (15 minutes).
pub async fn targets_healthy(elb: &dyn Elbv2, tg: &TargetGroupArn, targets: &[Target]) -> Result<()> {
    if targets.is_empty() {
        return Ok(());
    }
    Waiter::new(format!("{} target(s) healthy in {tg}", targets.len()))
        .timeout(Duration::from_secs(900))
        .backoff(poll(2, 15))
        .until(|| async {
            let health = elb.describe_target_health(tg.clone(), targets.to_vec()).await?;
            let states: Vec<String> = health
                .iter()
                .map(|h| {
                    format!(
                        "{}={:?}{}",
                        h.target.id,
                        h.state,
                        h.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default()
                    )
                })
                .collect();
            Ok(
                if health.len() == targets.len() && health.iter().all(|h| h.state == TargetHealthState::Healthy) {
                    Check::Done(())
                } else {
                    Check::Pending(states.join(", "))
                },
            )
        })
        .await
}

/// Until none of `targets` is registered (draining done) in the target group (65 minutes:
/// the deregistration delay may be up to an hour).
pub async fn targets_drained(elb: &dyn Elbv2, tg: &TargetGroupArn, targets: &[Target]) -> Result<()> {
    Waiter::new(format!("{} target(s) drained from {tg}", targets.len()))
        .timeout(Duration::from_secs(3900))
        .backoff(poll(2, 15))
        .until(|| async {
            let health = elb.describe_target_health(tg.clone(), Vec::new()).await?;
            let draining: Vec<String> = health
                .iter()
                .filter(|h| targets.iter().any(|t| t.id == h.target.id))
                .filter(|h| h.state != TargetHealthState::Unused)
                .map(|h| format!("{}={:?}", h.target.id, h.state))
                .collect();
            Ok(if draining.is_empty() {
                Check::Done(())
            } else {
                Check::Pending(draining.join(", "))
            })
        })
        .await
}

/// Until the volume satisfies `done` (10 minutes), e.g. [`volume_is_available`] or
/// [`volume_is_attached`]. Terminal: `error`.
pub async fn volume(ec2: &dyn Ec2, id: &VolumeId, what: &str, done: impl Fn(&Volume) -> bool) -> Result<Volume> {
    let req = DescribeVolumesRequest::builder().volume_ids(vec![id.clone()]).build()?;
    Waiter::new(format!("volume {id} {what}"))
        .timeout(Duration::from_secs(600))
        .backoff(poll(1, 15))
        .until(|| {
            let req = req.clone();
            let done = &done;
            async move {
                let v = ec2.describe_volumes(req).await?;
                Ok(match v.into_iter().next() {
                    Some(v) if done(&v) => Check::Done(v),
                    Some(v) if v.state == VolumeState::Error => Check::Failed("state error".into()),
                    Some(v) => Check::Pending(format!(
                        "{} {:?}",
                        v.state.as_str(),
                        v.attachments.first().map(|a| a.state.clone())
                    )),
                    None => Check::Pending("not visible yet".into()),
                })
            }
        })
        .await
}

/// `available`: detached and ready.
pub fn volume_is_available(v: &Volume) -> bool {
    v.state == VolumeState::Available
}

/// `in-use` with an attachment in state `attached`.
pub fn volume_is_attached(v: &Volume) -> bool {
    v.state == VolumeState::InUse
        && v.attachments
            .iter()
            .any(|a| a.state == crate::ec2::AttachmentState::Attached)
}

/// Until the snapshot is `completed` (6 hours: AWS takes minutes to hours), calling
/// `on_progress` with its percentage while pending. Terminal: `error`.
pub async fn snapshot_completed(ec2: &dyn Ec2, id: &SnapshotId, on_progress: impl Fn(u8)) -> Result<Snapshot> {
    let req = DescribeSnapshotsRequest::builder()
        .snapshot_ids(vec![id.clone()])
        .build()?;
    Waiter::new(format!("snapshot {id} completed"))
        .timeout(Duration::from_secs(6 * 3600))
        .backoff(poll(2, 30))
        .until(|| {
            let req = req.clone();
            let on_progress = &on_progress;
            async move {
                let s = ec2.describe_snapshots(req).await?;
                Ok(match s.into_iter().next() {
                    Some(s) if s.state == SnapshotState::Completed => Check::Done(s),
                    Some(s) if s.state == SnapshotState::Error => Check::Failed("state error".into()),
                    Some(s) => {
                        let p = s.progress.unwrap_or(0);
                        on_progress(p);
                        Check::Pending(format!("pending {p}%"))
                    }
                    None => Check::Pending("not visible yet".into()),
                })
            }
        })
        .await
}

/// Until the function is `Active` and its last update `Successful` (5 minutes), returning its
/// configuration then. Terminal: state `Failed` or last update `Failed`.
pub async fn function_ready(lambda: &dyn Lambda, name: &FunctionName) -> Result<FunctionConfiguration> {
    Waiter::new(format!("function {name} ready"))
        .timeout(Duration::from_secs(300))
        .backoff(poll(1, 5))
        .until(|| async {
            let c = lambda.get_function_configuration(name.clone(), None).await?;
            Ok(match (c.state.clone(), c.last_update_status.clone()) {
                (FunctionState::Failed, _) | (_, LastUpdateStatus::Failed) => Check::Failed(format!(
                    "{:?}/{:?}: {}",
                    c.state,
                    c.last_update_status,
                    c.state_reason.as_deref().unwrap_or("no reason given")
                )),
                (FunctionState::Active, LastUpdateStatus::Successful) => Check::Done(c),
                (s, u) => Check::Pending(format!("{s:?}/{u:?}")),
            })
        })
        .await
}

/// Until Auto Scaling group `name` has its desired capacity in service and healthy (15
/// minutes); returns the group. Terminal: the group is gone or being deleted.
pub async fn group_in_service(asg: &dyn AutoScaling, name: &AutoScalingGroupName) -> Result<AutoScalingGroup> {
    Waiter::new(format!("auto scaling group {name} in service"))
        .timeout(Duration::from_secs(900))
        .backoff(poll(5, 30))
        .until(|| async move {
            let Some(g) = asg
                .describe_auto_scaling_groups(vec![name.clone()])
                .await?
                .into_iter()
                .next()
            else {
                return Ok(Check::Failed(format!("auto scaling group {name} does not exist")));
            };
            if g.status.is_some() {
                return Ok(Check::Failed(format!("auto scaling group {name} is being deleted")));
            }
            let ready = g
                .instances
                .iter()
                .filter(|i| i.lifecycle_state == LifecycleState::InService && i.health == InstanceHealth::Healthy)
                .count();
            Ok(if ready >= g.desired_capacity as usize {
                Check::Done(g)
            } else {
                Check::Pending(format!("{ready} of {} in service", g.desired_capacity))
            })
        })
        .await
}

/// Until Auto Scaling group `name` is gone (20 minutes: a forced delete terminates its
/// instances first).
pub async fn group_deleted(asg: &dyn AutoScaling, name: &AutoScalingGroupName) -> Result<()> {
    Waiter::new(format!("auto scaling group {name} deleted"))
        .timeout(Duration::from_secs(1200))
        .backoff(poll(5, 30))
        .until(|| async move {
            let groups = asg.describe_auto_scaling_groups(vec![name.clone()]).await?;
            Ok(match groups.first() {
                None => Check::Done(()),
                Some(g) => Check::Pending(format!("{} instance(s) left", g.instances.len())),
            })
        })
        .await
}
