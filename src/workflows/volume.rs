//! EBS volumes for an instance: provision (create in the instance's zone, wait, attach at the
//! next free device, wait), snapshot with progress, restore from a snapshot, detach and delete.
//!
//! Defaults are the secure and current ones: gp3, encrypted. Size, IOPS and throughput are
//! checked against the volume type's limits before any call (see
//! [`VolumeType`]). A failure midway removes what the workflow
//! created; re-provisioning the same name for the same instance reuses the volume.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> aws_facade::Result<()> {
//! use aws_facade::ec2::RunInstancesRequest;
//! use aws_facade::workflows::volume::{self, VolumeSpec};
//! let cloud = aws_facade::Cloud::sim();
//! let image = cloud.ec2.describe_images(Default::default()).await?.remove(0).id;
//! let req = RunInstancesRequest::builder().image_id(image).instance_type("t3.micro".parse()?).build()?;
//! let instance = cloud.ec2.run_instances(req).await?.remove(0).id;
//! # aws_facade::wait::Waiter::new("running").until(|| async {
//! #     let i = cloud.ec2.describe_instances(aws_facade::ec2::DescribeInstancesRequest::builder().instance_ids(vec![instance.clone()]).build()?).await?;
//! #     Ok(if i[0].state == aws_facade::ec2::InstanceState::Running { aws_facade::wait::Check::Done(()) } else { aws_facade::wait::Check::Pending(i[0].state.to_string()) })
//! # }).await?;
//! let spec = VolumeSpec::builder().name("data").instance_id(instance).size_gib(20).build()?;
//! let out = volume::provision(&cloud, &spec, None).await?;
//! assert_eq!(out.device, "/dev/sdf");
//! let snap = volume::snapshot(&cloud, &out.volume_id, Some("nightly".into()), None).await?;
//! volume::destroy(&cloud, &out, false, None).await?;
//! # let _ = snap;
//! # Ok(()) }
//! ```

use std::time::Duration;

use bon::Builder;
use serde::{Deserialize, Serialize};

use crate::Tags;
use crate::cloud::Cloud;
use crate::ec2::{
    AttachVolumeRequest, AttachmentState, CreateSnapshotRequest, CreateVolumeRequest, DescribeInstancesRequest,
    DescribeSnapshotsRequest, DescribeVolumesRequest, DetachVolumeRequest, InstanceState, Snapshot, SnapshotState,
    Volume, VolumeState, VolumeType,
};
use crate::error::{Error, Result};
use crate::id::{AvailabilityZone, InstanceId, SnapshotId, VolumeId};
use crate::macros::validated_builder;
use crate::validate::{self, Validate};
use crate::wait::{Backoff, Check, Waiter};
use crate::workflows::plan::{Progress, Run, call_retry};

/// The tag key naming the workflow kind.
pub const TAG_WORKFLOW: &str = "aws-facade:workflow";
/// The tag key naming the volume.
pub const TAG_NAME: &str = "aws-facade:name";

/// A volume to provision for an instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct VolumeSpec {
    /// A name (tagged), used to find the volume again: 1-128 characters.
    pub name: String,
    /// The instance to attach to.
    pub instance_id: InstanceId,
    /// Size in GiB (required unless restoring from a snapshot).
    pub size_gib: Option<u32>,
    /// The type (default gp3).
    #[builder(default)]
    #[serde(default)]
    pub volume_type: VolumeType,
    /// Provisioned IOPS.
    pub iops: Option<u32>,
    /// Throughput in MiB/s (gp3).
    pub throughput: Option<u32>,
    /// Encrypt (default true).
    #[builder(default = true)]
    #[serde(default = "yes")]
    pub encrypted: bool,
    /// A KMS key.
    pub kms_key_id: Option<String>,
    /// Restore from this snapshot.
    pub snapshot_id: Option<SnapshotId>,
    /// The device name (default: the next free one from `/dev/sdf` to `/dev/sdp`).
    pub device: Option<String>,
    /// Extra tags.
    #[builder(default)]
    #[serde(default)]
    pub tags: Tags,
}
validated_builder!(VolumeSpec, VolumeSpecBuilder, volume_spec_builder);

fn yes() -> bool {
    true
}

impl VolumeSpec {
    fn create_request(&self, az: AvailabilityZone) -> Result<CreateVolumeRequest> {
        let mut tags = self.tags.clone();
        tags.insert(TAG_WORKFLOW.into(), "volume".into());
        tags.insert(TAG_NAME.into(), self.name.clone());
        tags.entry("Name".into()).or_insert_with(|| self.name.clone());
        CreateVolumeRequest::builder()
            .availability_zone(az)
            .maybe_size_gib(self.size_gib)
            .volume_type(self.volume_type)
            .maybe_iops(self.iops)
            .maybe_throughput(self.throughput)
            .encrypted(self.encrypted)
            .maybe_kms_key_id(self.kms_key_id.clone())
            .maybe_snapshot_id(self.snapshot_id.clone())
            .tags(tags)
            .client_token(
                format!("{}-{}", self.instance_id, self.name)
                    .chars()
                    .take(64)
                    .collect::<String>(),
            )
            .build()
    }
}

impl Validate for VolumeSpec {
    fn validate(&self) -> Result<()> {
        validate::len_in("name", &self.name, 1, 128)?;
        if let Some(d) = &self.device {
            AttachVolumeRequest::builder()
                .volume_id("vol-00000000".parse()?)
                .instance_id(self.instance_id.clone())
                .device(d.clone())
                .build()?;
        }
        // The volume-type limits are checked by the create request itself.
        self.create_request("us-east-1a".parse()?).map(|_| ())
    }
}

/// A provisioned, attached volume (serde).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VolumeOutputs {
    /// The volume.
    pub volume_id: VolumeId,
    /// The instance it is attached to.
    pub instance_id: InstanceId,
    /// The device name.
    pub device: String,
    /// Its zone.
    pub availability_zone: AvailabilityZone,
}

/// The devices the workflow chooses from, in order.
pub const DEVICES: &[&str] = &[
    "/dev/sdf", "/dev/sdg", "/dev/sdh", "/dev/sdi", "/dev/sdj", "/dev/sdk", "/dev/sdl", "/dev/sdm", "/dev/sdn",
    "/dev/sdo", "/dev/sdp",
];

/// Creates a volume in the instance's zone (or finds the one this name already made), waits
/// until it is available, attaches it at the next free device and waits until it is attached.
pub async fn provision(cloud: &Cloud, spec: &VolumeSpec, progress: Option<Progress>) -> Result<VolumeOutputs> {
    spec.validate()?;
    let run = Run::new(format!("volume {}", spec.name), progress);
    match provision_in(cloud, spec, &run).await {
        Ok(o) => {
            run.commit();
            Ok(o)
        }
        Err(e) => Err(run.fail(e).await),
    }
}

async fn provision_in(cloud: &Cloud, spec: &VolumeSpec, run: &Run) -> Result<VolumeOutputs> {
    let instance = run
        .step("find instance", &[], async {
            let req = DescribeInstancesRequest::builder()
                .instance_ids(vec![spec.instance_id.clone()])
                .build()?;
            let mut found = call_retry().run(|| cloud.ec2.describe_instances(req.clone())).await?;
            let i = found.pop().ok_or_else(|| {
                Error::api(
                    crate::Service::Ec2,
                    "InvalidInstanceID.NotFound",
                    format!("The instance ID '{}' does not exist", spec.instance_id),
                )
            })?;
            if !matches!(
                i.state,
                InstanceState::Running | InstanceState::Stopped | InstanceState::Pending
            ) {
                return Err(Error::api(
                    crate::Service::Ec2,
                    "IncorrectInstanceState",
                    format!("instance '{}' is {}", i.id, i.state),
                ));
            }
            Ok(i)
        })
        .await?;

    // Re-apply: a volume with this name already attached to the instance is the answer.
    let mut tags = Tags::new();
    tags.insert(TAG_NAME.into(), spec.name.clone());
    tags.insert(TAG_WORKFLOW.into(), "volume".into());
    let existing = call_retry()
        .run(|| {
            cloud.ec2.describe_volumes(
                DescribeVolumesRequest::builder()
                    .tags(tags.clone())
                    .build()
                    .expect("valid"),
            )
        })
        .await?;
    if let Some(v) = existing
        .iter()
        .find(|v| v.attachments.iter().any(|a| a.instance_id == spec.instance_id))
    {
        run.reused("volume", v.id.to_string());
        let a = v
            .attachments
            .iter()
            .find(|a| a.instance_id == spec.instance_id)
            .expect("found");
        return Ok(VolumeOutputs {
            volume_id: v.id.clone(),
            instance_id: spec.instance_id.clone(),
            device: a.device.clone(),
            availability_zone: v.availability_zone.clone(),
        });
    }

    let az = instance.availability_zone.clone();
    // Creating the volume and choosing its device are independent: run them together.
    let create = run.step("create volume", &["find instance"], async {
        let req = spec.create_request(az.clone())?;
        let v = match existing
            .into_iter()
            .find(|v| v.state != VolumeState::Deleting && v.availability_zone == az && v.attachments.is_empty())
        {
            Some(v) => {
                run.reused("volume", v.id.to_string());
                v
            }
            None => {
                let v = call_retry().run(|| cloud.ec2.create_volume(req.clone())).await?;
                run.created_with("volume", cloud.ec2.clone(), v.id.clone(), |ec2, id| async move {
                    detach_and_delete(ec2.as_ref(), &id, true).await
                });
                v
            }
        };
        wait_volume(cloud, &v.id, "available", |v| v.state == VolumeState::Available).await
    });

    let choose = run.step("choose device", &["find instance"], async {
        if let Some(d) = &spec.device {
            return Ok(d.clone());
        }
        let attached = call_retry()
            .run(|| {
                cloud.ec2.describe_volumes(
                    DescribeVolumesRequest::builder()
                        .attached_to(spec.instance_id.clone())
                        .build()
                        .expect("valid"),
                )
            })
            .await?;
        let used: Vec<&str> = attached
            .iter()
            .flat_map(|v| v.attachments.iter().map(|a| a.device.as_str()))
            .collect();
        DEVICES
            .iter()
            .find(|d| !used.iter().any(|u| u == *d || u.replace("/dev/xvd", "/dev/sd") == **d))
            .map(|d| d.to_string())
            .ok_or_else(|| Error::validation("device", "no free device between /dev/sdf and /dev/sdp"))
    });
    let (volume, device) = tokio::try_join!(create, choose)?;

    run.step("attach", &["create volume", "choose device"], async {
        let req = AttachVolumeRequest::builder()
            .volume_id(volume.id.clone())
            .instance_id(spec.instance_id.clone())
            .device(device.clone())
            .build()?;
        call_retry().run(|| cloud.ec2.attach_volume(req.clone())).await?;
        wait_volume(cloud, &volume.id, "attached", |v| {
            v.state == VolumeState::InUse && v.attachments.iter().any(|a| a.state == AttachmentState::Attached)
        })
        .await
    })
    .await?;

    Ok(VolumeOutputs {
        volume_id: volume.id,
        instance_id: spec.instance_id.clone(),
        device,
        availability_zone: az,
    })
}

fn poll() -> Backoff {
    Backoff {
        initial: Duration::from_secs(1),
        max: Duration::from_secs(15),
        multiplier: 1.5,
        jitter: true,
    }
}

async fn wait_volume(cloud: &Cloud, id: &VolumeId, what: &str, done: impl Fn(&Volume) -> bool) -> Result<Volume> {
    wait_volume_on(cloud.ec2.as_ref(), id, what, done).await
}

async fn wait_volume_on(
    ec2: &dyn crate::ec2::Ec2,
    id: &VolumeId,
    what: &str,
    done: impl Fn(&Volume) -> bool,
) -> Result<Volume> {
    let req = DescribeVolumesRequest::builder().volume_ids(vec![id.clone()]).build()?;
    Waiter::new(format!("volume {id} {what}"))
        .timeout(Duration::from_secs(600))
        .backoff(poll())
        .until(|| {
            let req = req.clone();
            let done = &done;
            async move {
                let v = ec2.describe_volumes(req).await?;
                match v.into_iter().next() {
                    Some(v) if done(&v) => Ok(Check::Done(v)),
                    Some(v) if v.state == VolumeState::Error => Err(Error::api(
                        crate::Service::Ec2,
                        "VolumeError",
                        format!("volume '{}' is in state error", v.id),
                    )),
                    Some(v) => Ok(Check::Pending(format!(
                        "{} {:?}",
                        v.state.as_str(),
                        v.attachments.first().map(|a| a.state)
                    ))),
                    None => Ok(Check::Pending("not visible yet".into())),
                }
            }
        })
        .await
}

/// Detaches the volume if attached (forcing if asked), waits until it is available, and
/// deletes it. A volume that is already gone counts as deleted.
pub async fn detach_and_delete(ec2: &dyn crate::ec2::Ec2, id: &VolumeId, force: bool) -> Result<()> {
    let req = DescribeVolumesRequest::builder().volume_ids(vec![id.clone()]).build()?;
    let v = match ec2.describe_volumes(req).await {
        Ok(v) => v,
        Err(e) if e.is_not_found() => return Ok(()),
        Err(e) => return Err(e),
    };
    let Some(v) = v.into_iter().next() else { return Ok(()) };
    if !v.attachments.is_empty() && v.state == VolumeState::InUse {
        // Naming the instance is precise (and moto fails a DetachVolume without it).
        let req = DetachVolumeRequest::builder()
            .volume_id(id.clone())
            .maybe_instance_id(v.attachments.first().map(|a| a.instance_id.clone()))
            .force(force)
            .build()?;
        match call_retry().run(|| ec2.detach_volume(req.clone())).await {
            Ok(_) => {}
            Err(e) if e.code() == Some("IncorrectState") => {}
            Err(e) => return Err(e),
        }
    }
    if v.state != VolumeState::Available {
        wait_volume_on(ec2, id, "available", |v| v.state == VolumeState::Available).await?;
    }
    match call_retry().run(|| ec2.delete_volume(id.clone())).await {
        Err(e) if e.is_not_found() => Ok(()),
        other => other,
    }
}

/// Snapshots a volume and waits for completion, reporting progress as notes.
pub async fn snapshot(
    cloud: &Cloud,
    volume_id: &VolumeId,
    description: Option<String>,
    progress: Option<Progress>,
) -> Result<Snapshot> {
    let run = Run::new(format!("snapshot {volume_id}"), progress);
    let req = CreateSnapshotRequest::builder()
        .volume_id(volume_id.clone())
        .maybe_description(description)
        .build()?;
    let result = async {
        let snap = run
            .step(
                "create snapshot",
                &[],
                call_retry().run(|| cloud.ec2.create_snapshot(req.clone())),
            )
            .await?;
        run.created_with("snapshot", cloud.ec2.clone(), snap.id.clone(), |ec2, sid| async move {
            ec2.delete_snapshot(sid).await
        });
        run.step(
            "wait completed",
            &["create snapshot"],
            wait_snapshot(cloud, &snap.id, &run),
        )
        .await
    }
    .await;
    match result {
        Ok(s) => {
            run.commit();
            Ok(s)
        }
        Err(e) => Err(run.fail(e).await),
    }
}

/// Polls DescribeSnapshots until snapshot `id` is `completed` (AWS takes minutes; not-found
/// counts as not visible yet), noting its progress on `run`; its `error` state is an error.
pub(crate) async fn wait_snapshot(cloud: &Cloud, id: &SnapshotId, run: &Run) -> Result<Snapshot> {
    let req = DescribeSnapshotsRequest::builder()
        .snapshot_ids(vec![id.clone()])
        .build()?;
    Waiter::new(format!("snapshot {id} completed"))
        .timeout(Duration::from_secs(6 * 3600))
        .backoff(Backoff {
            initial: Duration::from_secs(2),
            max: Duration::from_secs(30),
            multiplier: 1.5,
            jitter: true,
        })
        .until(|| {
            let req = req.clone();
            async move {
                let s = cloud.ec2.describe_snapshots(req).await?;
                match s.into_iter().next() {
                    Some(s) if s.state == SnapshotState::Completed => Ok(Check::Done(s)),
                    Some(s) if s.state == SnapshotState::Error => Err(Error::api(
                        crate::Service::Ec2,
                        "SnapshotError",
                        format!("snapshot '{}' failed", s.id),
                    )),
                    Some(s) => {
                        let p = s.progress.unwrap_or(0);
                        run.note(format!("snapshot {} {p}%", s.id));
                        Ok(Check::Pending(format!("pending {p}%")))
                    }
                    None => Ok(Check::Pending("not visible yet".into())),
                }
            }
        })
        .await
}

/// Restores a snapshot into a new volume for `spec.instance_id` (in its zone) and attaches it:
/// [`provision`] with `snapshot_id` set.
pub async fn restore(
    cloud: &Cloud,
    snapshot_id: &SnapshotId,
    spec: &VolumeSpec,
    progress: Option<Progress>,
) -> Result<VolumeOutputs> {
    let spec = VolumeSpec {
        snapshot_id: Some(snapshot_id.clone()),
        ..spec.clone()
    };
    provision(cloud, &spec, progress).await
}

/// Detaches (forcing if asked) and deletes the volume in `outputs`. Idempotent.
pub async fn destroy(cloud: &Cloud, outputs: &VolumeOutputs, force: bool, progress: Option<Progress>) -> Result<()> {
    let run = Run::new(format!("volume {} destroy", outputs.volume_id), progress);
    run.step(
        "detach and delete",
        &[],
        detach_and_delete(cloud.ec2.as_ref(), &outputs.volume_id, force),
    )
    .await?;
    run.emit(crate::workflows::Event::Removed {
        kind: "volume".into(),
        id: outputs.volume_id.to_string(),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_limits_are_checked_before_any_call() {
        let b = || {
            VolumeSpec::builder()
                .name("data")
                .instance_id("i-12345678".parse().unwrap())
        };
        let field = |e: Error| match e {
            Error::Validation { field, .. } => field,
            o => panic!("{o:?}"),
        };
        assert_eq!(field(b().build().unwrap_err()), "size_gib");
        assert_eq!(field(b().size_gib(20).iops(20_000).build().unwrap_err()), "iops");
        assert_eq!(field(b().size_gib(20).device("sdf").build().unwrap_err()), "device");
        assert!(b().size_gib(20).build().unwrap().encrypted);
    }
}
