//! One remove function per resource kind, used by the rollback ledger and by teardown alike.
//!
//! Each one is idempotent: what AWS says is not found counts as removed (an answer the crate
//! cannot read is an error, never "gone"; see [`Error::UnrecognizedResponse`]). Each waits until
//! the removal is done where later steps depend on it (instances terminated, load balancer
//! deleted, volume detached). Conflicts that clear by themselves (a security group still held
//! by a load balancer's network interfaces, a target group still used by a listener) are
//! retried with backoff for up to 15 minutes. Transient errors are the cloud's
//! [`Retry`](crate::layer::Retry) layer's business.
//!
//! None of them checks ownership: callers pass only what is theirs (the ledger holds what a
//! run created; teardown checks tags first).

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::autoscaling::AutoScaling;
use crate::cloudwatch::CloudWatch;
use crate::ec2::{DescribeVolumesRequest, DetachVolumeRequest, Ec2, LaunchTemplateRef, VolumeState};
use crate::elb::Elbv2;
use crate::error::{Error, Result};
use crate::id::{
    AlarmName, AliasName, AutoScalingGroupName, FunctionName, InstanceId, LaunchTemplateId, ListenerArn,
    LoadBalancerArn, SecurityGroupId, SnapshotId, TargetGroupArn, VolumeId,
};
use crate::lambda::Lambda;
use crate::wait::{Backoff, conditions};

/// How long a removal that conflicts with a dependency is retried (load balancer network
/// interfaces can hold a security group for many minutes).
pub const DEPENDENCY_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// Turns "not found" (as AWS says it) into `Ok(None)`: kube's `get_opt`.
pub trait NotFoundExt<T> {
    /// `Ok(Some(v))`, `Ok(None)` on not-found, other errors as they are.
    fn ok_if_not_found(self) -> Result<Option<T>>;
}

impl<T> NotFoundExt<T> for Result<T> {
    fn ok_if_not_found(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Runs `op` until it succeeds or is not found, retrying conflicts (dependency violations,
/// resource in use) with backoff until `timeout`.
async fn while_in_use<F, Fut>(timeout: Duration, mut op: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<()>>,
{
    let deadline = Instant::now() + timeout;
    let backoff = Backoff {
        initial: Duration::from_secs(2),
        max: Duration::from_secs(30),
        multiplier: 2.0,
        jitter: true,
    };
    let mut attempt = 0;
    loop {
        match op().await.ok_if_not_found() {
            Ok(_) => return Ok(()),
            Err(e) if e.is_conflict() && Instant::now() < deadline => {
                tracing::debug!(error = %e, attempt, "removal waits for a dependency");
                tokio::time::sleep(backoff.delay(attempt)).await;
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Terminates the instances and waits until they are terminated.
pub async fn instances(ec2: &dyn Ec2, ids: &[InstanceId]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    if ec2.terminate_instances(ids.to_vec()).await.ok_if_not_found()?.is_none() {
        return Ok(());
    }
    conditions::instances_terminated(ec2, ids).await
}

/// Deletes the security group, retrying while something still uses it.
pub async fn security_group(ec2: &dyn Ec2, id: &SecurityGroupId) -> Result<()> {
    while_in_use(DEPENDENCY_TIMEOUT, || ec2.delete_security_group(id.clone())).await
}

/// Deletes the load balancer and waits until it is gone.
pub async fn load_balancer(elb: &dyn Elbv2, arn: &LoadBalancerArn) -> Result<()> {
    elb.delete_load_balancer(arn.clone()).await.ok_if_not_found()?;
    conditions::load_balancer_deleted(elb, arn).await
}

/// Deletes the listener.
pub async fn listener(elb: &dyn Elbv2, arn: &ListenerArn) -> Result<()> {
    elb.delete_listener(arn.clone()).await.ok_if_not_found().map(|_| ())
}

/// Deletes the target group, retrying while a listener or load balancer still uses it.
pub async fn target_group(elb: &dyn Elbv2, arn: &TargetGroupArn) -> Result<()> {
    while_in_use(DEPENDENCY_TIMEOUT, || elb.delete_target_group(arn.clone())).await
}

/// Deletes the Auto Scaling group with its instances (a forced delete) and waits until it is
/// gone; its scaling policies and their alarms go with it.
pub async fn auto_scaling_group(asg: &dyn AutoScaling, name: &AutoScalingGroupName) -> Result<()> {
    // A delete already under way answers ScalingActivityInProgress: wait for it.
    while_in_use(DEPENDENCY_TIMEOUT, || asg.delete_auto_scaling_group(name.clone(), true)).await?;
    conditions::group_deleted(asg, name).await
}

/// Deletes the launch template (all its versions).
pub async fn launch_template(ec2: &dyn Ec2, id: &LaunchTemplateId) -> Result<()> {
    ec2.delete_launch_template(LaunchTemplateRef::Id(id.clone()))
        .await
        .ok_if_not_found()
        .map(|_| ())
}

/// Deletes the alarms (100 per call, DeleteAlarms' limit).
pub async fn alarms(cw: &dyn CloudWatch, names: &[AlarmName]) -> Result<()> {
    for chunk in names.chunks(crate::cloudwatch::MAX_ALARM_NAMES) {
        cw.delete_alarms(chunk.to_vec()).await.ok_if_not_found()?;
    }
    Ok(())
}

/// Detaches the volume if attached (forcing if asked), waits until it is available, and
/// deletes it.
pub async fn volume(ec2: &dyn Ec2, id: &VolumeId, force: bool) -> Result<()> {
    let req = DescribeVolumesRequest::builder().volume_ids(vec![id.clone()]).build()?;
    let Some(v) = ec2
        .describe_volumes(req)
        .await
        .ok_if_not_found()?
        .and_then(|v| v.into_iter().next())
    else {
        // EC2 is eventually consistent: a volume created a moment ago (the rollback of the run
        // that made it) may not be described yet. DescribeVolumes' not-found is not retried;
        // DeleteVolume's is, through the consistency window (the Retry layer's
        // EVENTUALLY_CONSISTENT_OPS), so only its not-found says the volume is gone.
        return ec2.delete_volume(id.clone()).await.ok_if_not_found().map(|_| ());
    };
    if v.state == VolumeState::Deleting || v.state == VolumeState::Deleted {
        return Ok(());
    }
    if !v.attachments.is_empty() && v.state == VolumeState::InUse {
        // Naming the instance is precise (and moto fails a DetachVolume without it).
        let req = DetachVolumeRequest::builder()
            .volume_id(id.clone())
            .maybe_instance_id(v.attachments.first().map(|a| a.instance_id.clone()))
            .force(force)
            .build()?;
        match ec2.detach_volume(req).await.ok_if_not_found() {
            Ok(_) => {}
            // Already detaching.
            Err(e) if e.code() == Some("IncorrectState") => {}
            Err(e) => return Err(e),
        }
    }
    if v.state != VolumeState::Available
        && conditions::volume(ec2, id, "available", conditions::volume_is_available)
            .await
            .ok_if_not_found()?
            .is_none()
    {
        return Ok(());
    }
    ec2.delete_volume(id.clone()).await.ok_if_not_found().map(|_| ())
}

/// Deletes the snapshot (EC2 DeleteSnapshot; also ends a pending EBS direct snapshot).
pub async fn snapshot(ec2: &dyn Ec2, id: &SnapshotId) -> Result<()> {
    ec2.delete_snapshot(id.clone()).await.ok_if_not_found().map(|_| ())
}

/// Deletes the function with all its versions and aliases.
pub async fn function(lambda: &dyn Lambda, name: &FunctionName) -> Result<()> {
    lambda
        .delete_function(name.clone(), None)
        .await
        .ok_if_not_found()
        .map(|_| ())
}

/// Deletes one published version of a function.
pub async fn function_version(lambda: &dyn Lambda, name: &FunctionName, version: &str) -> Result<()> {
    lambda
        .delete_function(name.clone(), Some(version.to_string()))
        .await
        .ok_if_not_found()
        .map(|_| ())
}

/// Deletes an alias.
pub async fn alias(lambda: &dyn Lambda, function: &FunctionName, name: &AliasName) -> Result<()> {
    lambda
        .delete_alias(function.clone(), name.clone())
        .await
        .ok_if_not_found()
        .map(|_| ())
}

/// An error for a resource that has the name a workflow would use but not its ownership tags:
/// never adopted, never deleted.
pub fn not_ours(kind: &str, id: &str, service: crate::Service, tags_wanted: &crate::Tags) -> Error {
    let wanted: Vec<String> = tags_wanted.iter().map(|(k, v)| format!("{k}={v}")).collect();
    Error::from_api(crate::ApiError::new(
        service,
        "ResourceNotOwned",
        format!(
            "{kind} '{id}' exists but lacks this workflow's ownership tags ({}); it is not adopted or \
             deleted: rename the workflow, or remove or tag the resource yourself",
            wanted.join(", ")
        ),
    ))
}
