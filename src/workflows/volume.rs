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

use std::sync::Arc;

use bon::Builder;
use serde::{Deserialize, Serialize};

use crate::Tags;
use crate::cloud::Cloud;
use crate::ec2::{
    AttachVolumeRequest, CreateSnapshotRequest, CreateVolumeRequest, DescribeInstancesRequest,
    DescribeSnapshotsRequest, DescribeVolumesRequest, InstanceState, Snapshot, Volume, VolumeState, VolumeType,
};
use crate::error::{Error, Result};
use crate::id::{AvailabilityZone, InstanceId, SnapshotId, VolumeId};
use crate::macros::validated_builder;
use crate::validate::{self, Validate};
use crate::wait::conditions;
use crate::workflows::plan::{Owned, Progress, Run, Teardown, undo};
use crate::workflows::remove;

pub use crate::workflows::plan::{TAG_NAME, TAG_RUN, TAG_WORKFLOW};
const WORKFLOW: &str = "volume";

/// The ownership tags of `name` (and of the run `run`, if given): [`plan::owner_tags`](crate::workflows::plan::owner_tags).
fn owner_tags(name: &str, run: Option<&str>) -> Tags {
    crate::workflows::plan::owner_tags(WORKFLOW, name, run)
}

/// A volume to provision for an instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
#[serde(deny_unknown_fields)]
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
    fn create_request(&self, az: AvailabilityZone, run_id: &str) -> Result<CreateVolumeRequest> {
        let mut tags = self.tags.clone();
        tags.extend(owner_tags(&self.name, Some(run_id)));
        tags.entry("Name".into()).or_insert_with(|| self.name.clone());
        CreateVolumeRequest::builder()
            .availability_zone(az)
            .maybe_size_gib(self.size_gib)
            .volume_type(self.volume_type.clone())
            .maybe_iops(self.iops)
            .maybe_throughput(self.throughput)
            .encrypted(self.encrypted)
            .maybe_kms_key_id(self.kms_key_id.clone())
            .maybe_snapshot_id(self.snapshot_id.clone())
            .tags(tags)
            // Per run: a retry after a lost answer gets the same volume back, a later run a new one.
            .client_token(format!("{run_id}-{}", self.name).chars().take(64).collect::<String>())
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
        self.create_request("us-east-1a".parse()?, "00000000").map(|_| ())
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
///
/// The volume carries the ownership tags (`aws-facade:workflow = volume`, `aws-facade:name`,
/// `aws-facade:run`) from its creation; a re-provision finds it by them. On failure, or if this
/// future is dropped, what the run created is removed ([`Run`]).
pub async fn provision(cloud: &Cloud, spec: &VolumeSpec, progress: Option<Progress>) -> Result<VolumeOutputs> {
    spec.validate()?;
    let run = Run::new(cloud, format!("volume {}", spec.name), progress);
    run.set_sweep(sweep(cloud, &spec.name, run.id()));
    run.execute(provision_in(cloud, spec, &run)).await
}

/// What carries the run's id: the volumes it made, even those whose answer was lost.
fn sweep(cloud: &Cloud, name: &str, run_id: &str) -> crate::workflows::plan::SweepFn {
    let (cloud, tags) = (cloud.clone(), owner_tags(name, Some(run_id)));
    Arc::new(move || {
        let (cloud, tags) = (cloud.clone(), tags.clone());
        Box::pin(async move { Ok(owned_volumes(&cloud, tags).await?.into_iter().map(|(o, _)| o).collect()) })
    })
}

/// The volumes that carry `tags` (not deleted), each with its removal.
async fn owned_volumes(cloud: &Cloud, tags: Tags) -> Result<Vec<(Owned, Volume)>> {
    let found = cloud
        .ec2
        .describe_volumes(DescribeVolumesRequest::builder().tags(tags).build()?)
        .await?;
    Ok(found
        .into_iter()
        .filter(|v| !matches!(v.state, VolumeState::Deleting | VolumeState::Deleted))
        .map(|v| (volume_removal(cloud, &v.id, true), v))
        .collect())
}

fn volume_removal(cloud: &Cloud, id: &VolumeId, force: bool) -> Owned {
    let (ec2, vid) = (cloud.ec2.clone(), id.clone());
    Owned {
        kind: "volume".into(),
        id: id.to_string(),
        remove: undo(move || {
            let (ec2, vid) = (ec2.clone(), vid.clone());
            async move { remove::volume(ec2.as_ref(), &vid, force).await }
        }),
    }
}

async fn provision_in(cloud: &Cloud, spec: &VolumeSpec, run: &Run) -> Result<VolumeOutputs> {
    let instance = run
        .step("find instance", &[], async {
            let req = DescribeInstancesRequest::builder()
                .instance_ids(vec![spec.instance_id.clone()])
                .build()?;
            let mut found = cloud.ec2.describe_instances(req).await?;
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

    // Re-apply: a volume with this name's ownership tags already attached to the instance is
    // the answer.
    let existing = cloud
        .ec2
        .describe_volumes(
            DescribeVolumesRequest::builder()
                .tags(owner_tags(&spec.name, None))
                .build()?,
        )
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
        let req = spec.create_request(az.clone(), run.id())?;
        let v = match existing
            .into_iter()
            .find(|v| v.state == VolumeState::Available && v.availability_zone == az && v.attachments.is_empty())
        {
            Some(v) => {
                run.reused("volume", v.id.to_string());
                v
            }
            None => {
                // The client token makes a retry after a lost answer return the same volume.
                let v = cloud.ec2.create_volume(req).await?;
                let o = volume_removal(cloud, &v.id, true);
                run.created(&o.kind, o.id, o.remove);
                v
            }
        };
        conditions::volume(cloud.ec2.as_ref(), &v.id, "available", conditions::volume_is_available).await
    });

    let choose = run.step("choose device", &["find instance"], async {
        if let Some(d) = &spec.device {
            return Ok(d.clone());
        }
        let attached = cloud
            .ec2
            .describe_volumes(
                DescribeVolumesRequest::builder()
                    .attached_to(spec.instance_id.clone())
                    .build()?,
            )
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
        match cloud.ec2.attach_volume(req).await {
            Ok(_) => {}
            // A retried attach whose first attempt took effect: the volume is ours already.
            Err(e) if e.code() == Some("VolumeInUse") => {}
            Err(e) => return Err(e),
        }
        conditions::volume(
            cloud.ec2.as_ref(),
            &volume.id,
            "attached",
            conditions::volume_is_attached,
        )
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

/// Detaches the volume if attached (forcing if asked), waits until it is available, and
/// deletes it ([`remove::volume`]). A volume that is already gone counts as deleted.
pub async fn detach_and_delete(ec2: &dyn crate::ec2::Ec2, id: &VolumeId, force: bool) -> Result<()> {
    remove::volume(ec2, id, force).await
}

/// Snapshots a volume and waits for completion, reporting progress as notes. The snapshot
/// carries the run's id as a tag (`aws-facade:run`): CreateSnapshot has no idempotency token,
/// so a create whose answer was lost is found by it instead of being made twice.
pub async fn snapshot(
    cloud: &Cloud,
    volume_id: &VolumeId,
    description: Option<String>,
    progress: Option<Progress>,
) -> Result<Snapshot> {
    let run = Run::new(cloud, format!("snapshot {volume_id}"), progress);
    let mut tags = Tags::new();
    tags.insert(TAG_WORKFLOW.into(), "volume-snapshot".into());
    tags.insert(TAG_NAME.into(), volume_id.to_string());
    tags.insert(TAG_RUN.into(), run.id().to_string());
    let req = CreateSnapshotRequest::builder()
        .volume_id(volume_id.clone())
        .maybe_description(description)
        .tags(tags.clone())
        .build()?;
    let find = DescribeSnapshotsRequest::builder().tags(tags).build()?;
    {
        let (cloud, find) = (cloud.clone(), find.clone());
        run.set_sweep(Arc::new(move || {
            let (cloud, find) = (cloud.clone(), find.clone());
            Box::pin(async move {
                Ok(cloud
                    .ec2
                    .describe_snapshots(find)
                    .await?
                    .into_iter()
                    .map(|s| snapshot_removal(&cloud, &s.id))
                    .collect())
            })
        }));
    }
    run.execute(async {
        let snap = run
            .step("create snapshot", &[], async {
                match cloud.ec2.create_snapshot(req).await {
                    Ok(s) => Ok(s),
                    // The answer may have been lost after the snapshot was made: look for it.
                    Err(e) if e.is_retryable() => {
                        let found = cloud.ec2.describe_snapshots(find).await?;
                        found.into_iter().next().ok_or(e)
                    }
                    Err(e) => Err(e),
                }
            })
            .await?;
        let o = snapshot_removal(cloud, &snap.id);
        run.created(&o.kind, o.id, o.remove);
        run.step(
            "wait completed",
            &["create snapshot"],
            wait_snapshot(cloud, &snap.id, &run),
        )
        .await
    })
    .await
}

fn snapshot_removal(cloud: &Cloud, id: &SnapshotId) -> Owned {
    let (ec2, sid) = (cloud.ec2.clone(), id.clone());
    Owned {
        kind: "snapshot".into(),
        id: id.to_string(),
        remove: undo(move || {
            let (ec2, sid) = (ec2.clone(), sid.clone());
            async move { remove::snapshot(ec2.as_ref(), &sid).await }
        }),
    }
}

/// Waits until snapshot `id` is `completed` ([`conditions::snapshot_completed`]), noting its
/// progress on `run`.
pub(crate) async fn wait_snapshot(cloud: &Cloud, id: &SnapshotId, run: &Run) -> Result<Snapshot> {
    conditions::snapshot_completed(cloud.ec2.as_ref(), id, |p| run.note(format!("snapshot {id} {p}%"))).await
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

/// Detaches (forcing if asked) and deletes the volume in `outputs`. Idempotent. A volume
/// without this workflow's ownership tags is not deleted: that is an `Error::Conflict`.
pub async fn destroy(cloud: &Cloud, outputs: &VolumeOutputs, force: bool, progress: Option<Progress>) -> Result<()> {
    let run = Run::new(cloud, format!("volume {} destroy", outputs.volume_id), progress);
    run.scope(run.step("detach and delete", &[], async {
        let req = DescribeVolumesRequest::builder()
            .volume_ids(vec![outputs.volume_id.clone()])
            .build()?;
        let found = cloud.ec2.describe_volumes(req).await;
        let Some(v) = remove::NotFoundExt::ok_if_not_found(found)?.and_then(|v| v.into_iter().next()) else {
            return Ok(());
        };
        if v.tags.get(TAG_WORKFLOW).map(String::as_str) != Some(WORKFLOW) || !v.tags.contains_key(TAG_NAME) {
            return Err(remove::not_ours(
                "volume",
                v.id.as_str(),
                crate::Service::Ec2,
                &owner_tags("NAME", None),
            ));
        }
        remove::volume(cloud.ec2.as_ref(), &outputs.volume_id, force).await
    }))
    .await?;
    run.emit(crate::workflows::Event::Removed {
        kind: "volume".into(),
        id: outputs.volume_id.to_string(),
    });
    run.commit();
    Ok(())
}

/// What the volume `name` owns (volumes with its ownership tags, not deleted), as
/// `"volume vol-..."` labels: to see orphans without removing them.
pub async fn find_owned(cloud: &Cloud, name: &str) -> Result<Vec<String>> {
    Ok(owned_volumes(cloud, owner_tags(name, None))
        .await?
        .into_iter()
        .map(|(o, _)| format!("{} {}", o.kind, o.id))
        .collect())
}

/// Finds every volume carrying the ownership tags of `name` (attached or not, after an
/// interrupted provision too) and detaches (forcing) and deletes it. Idempotent.
pub async fn destroy_by_name(cloud: &Cloud, name: &str, progress: Option<Progress>) -> Result<Teardown> {
    let run = Run::new(cloud, format!("volume {name} destroy"), progress);
    let out = run
        .scope(async {
            let mut report = Teardown::default();
            for (o, _) in owned_volumes(cloud, owner_tags(name, None)).await? {
                (o.remove)().await?;
                run.emit(crate::workflows::Event::Removed {
                    kind: o.kind.clone(),
                    id: o.id.clone(),
                });
                report.removed.push(format!("{} {}", o.kind, o.id));
            }
            Ok::<_, Error>(report)
        })
        .await;
    run.commit();
    out
}

impl VolumeSpec {
    /// The least-privilege IAM policy for [`provision`] (and re-provision), [`destroy`] and
    /// [`destroy_by_name`] of this volume: the volume must be created with the workflow's
    /// ownership tags and is attached, detached and deleted only while it carries them; the
    /// instance (not the workflow's) is named by its id. ([`snapshot`] and [`restore`] are
    /// not included.)
    pub fn iam_policy(&self) -> crate::iam::Policy {
        use crate::iam::{PolicyBuilder, ec2_arn};
        let volumes = [ec2_arn("volume", "*")];
        let mut b = PolicyBuilder::new(WORKFLOW, &self.name)
            .read("Describe", &["ec2:DescribeInstances", "ec2:DescribeVolumes"])
            .create("CreateTagged", &["ec2:CreateVolume"], &volumes)
            .tag_on_create(
                "TagOnCreate",
                "ec2:CreateTags",
                "ec2:CreateAction",
                &["CreateVolume"],
                &volumes,
            )
            .on(
                "TheInstance",
                &["ec2:AttachVolume", "ec2:DetachVolume"],
                &[ec2_arn("instance", self.instance_id.as_str())],
            )
            .manage(
                "ManageOwned",
                &["ec2:AttachVolume", "ec2:DetachVolume", "ec2:DeleteVolume"],
                &volumes,
            );
        if let Some(snap) = &self.snapshot_id {
            b = b.on(
                "FromSnapshot",
                &["ec2:CreateVolume"],
                &[ec2_arn("snapshot", snap.as_str())],
            );
        }
        b.build()
    }
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
