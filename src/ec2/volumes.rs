//! EBS volumes, attachments and snapshots (re-exported from [`crate::ec2`]).

use super::*;

crate::macros::open_enum! {
    /// An EBS volume type, with its limits (EBS User Guide, "Amazon EBS volume types").
    #[derive(Default)]
    pub enum VolumeType {
        /// General Purpose SSD gp3 (the default).
        #[default]
        Gp3 = "gp3",
        /// General Purpose SSD gp2.
        Gp2 = "gp2",
        /// Provisioned IOPS SSD io1.
        Io1 = "io1",
        /// Provisioned IOPS SSD io2 (Block Express).
        Io2 = "io2",
        /// Throughput Optimized HDD.
        St1 = "st1",
        /// Cold HDD.
        Sc1 = "sc1",
        /// Magnetic (previous generation).
        Standard = "standard",
    }
}

impl VolumeType {
    /// Size limits in GiB: gp3 1-65,536, gp2 1-16,384, io1 4-16,384, io2 4-65,536, st1/sc1
    /// 125-16,384, standard 1-1,024 (EC2 model, `CreateVolumeRequest.Size` documentation; EBS
    /// User Guide, "Amazon EBS volume types",
    /// <https://docs.aws.amazon.com/ebs/latest/userguide/ebs-volume-types.html>).
    pub fn size_range_gib(&self) -> (u32, u32) {
        match self {
            VolumeType::Gp3 => (1, 65_536),
            VolumeType::Gp2 => (1, 16_384),
            VolumeType::Io1 => (4, 16_384),
            VolumeType::Io2 => (4, 65_536),
            VolumeType::St1 | VolumeType::Sc1 => (125, 16_384),
            VolumeType::Standard => (1, 1_024),
            // A type this crate does not know: AWS checks its sizes (the widest EBS range).
            VolumeType::Unknown(_) => (1, 65_536),
        }
    }

    /// Provisioned IOPS limits and the maximum IOPS per GiB, where IOPS can be set
    /// (gp3 3,000-80,000 at 500/GiB; io1 100-64,000 at 50/GiB; io2 100-256,000 at 1,000/GiB:
    /// EC2 model, `CreateVolumeRequest.Iops` documentation; EBS User Guide, "General Purpose SSD
    /// volumes", <https://docs.aws.amazon.com/ebs/latest/userguide/general-purpose.html>, and
    /// "Provisioned IOPS SSD volumes",
    /// <https://docs.aws.amazon.com/ebs/latest/userguide/provisioned-iops.html>).
    pub fn iops_range(&self) -> Option<(u32, u32, u32)> {
        match self {
            VolumeType::Gp3 => Some((3_000, 80_000, 500)),
            VolumeType::Io1 => Some((100, 64_000, 50)),
            VolumeType::Io2 => Some((100, 256_000, 1_000)),
            _ => None,
        }
    }

    /// Throughput limits in MiB/s where it can be set (gp3: 125-2,000, at most IOPS / 4: EC2
    /// model, `CreateVolumeRequest.Throughput` documentation, "Valid Range: 125 - 2000 MiB/s";
    /// EBS User Guide, "General Purpose SSD volumes",
    /// <https://docs.aws.amazon.com/ebs/latest/userguide/general-purpose.html>).
    pub fn throughput_range(&self) -> Option<(u32, u32)> {
        match self {
            VolumeType::Gp3 => Some((125, 2_000)),
            _ => None,
        }
    }
}

crate::macros::open_enum! {
    /// A volume's state.
    pub enum VolumeState {
        /// Being created.
        Creating = "creating",
        /// Ready to attach.
        Available = "available",
        /// Attached.
        InUse = "in-use",
        /// Being deleted.
        Deleting = "deleting",
        /// Deleted.
        Deleted = "deleted",
        /// Failed.
        Error = "error",
    }
}

crate::macros::open_enum! {
    /// An attachment's state.
    pub enum AttachmentState {
        /// Being attached.
        Attaching = "attaching",
        /// Attached.
        Attached = "attached",
        /// Being detached.
        Detaching = "detaching",
        /// Detached.
        Detached = "detached",
        /// Busy.
        Busy = "busy",
    }
}

/// A volume attachment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct VolumeAttachment {
    /// The volume.
    pub volume_id: VolumeId,
    /// The instance.
    pub instance_id: InstanceId,
    /// The device name, e.g. `/dev/sdf`.
    #[builder(default = "/dev/sdf".to_string())]
    pub device: String,
    /// The attachment's state.
    #[builder(default = AttachmentState::Attached)]
    pub state: AttachmentState,
    /// Whether the volume is deleted when the instance terminates.
    #[builder(default)]
    pub delete_on_termination: bool,
}

/// An EBS volume.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct Volume {
    /// Its id.
    pub id: VolumeId,
    /// Size in GiB.
    #[builder(default = 8)]
    pub size_gib: u32,
    /// Its type.
    #[builder(default)]
    pub volume_type: VolumeType,
    /// Provisioned IOPS.
    pub iops: Option<u32>,
    /// Provisioned throughput in MiB/s (gp3).
    pub throughput: Option<u32>,
    /// Whether it is encrypted.
    #[builder(default = true)]
    pub encrypted: bool,
    /// The KMS key, where one was named.
    pub kms_key_id: Option<String>,
    /// Its Availability Zone.
    pub availability_zone: AvailabilityZone,
    /// Its state.
    #[builder(default = VolumeState::Available)]
    pub state: VolumeState,
    /// The snapshot it was created from.
    pub snapshot_id: Option<SnapshotId>,
    /// Its attachments.
    #[builder(default)]
    pub attachments: Vec<VolumeAttachment>,
    /// Its tags.
    #[builder(default)]
    pub tags: Tags,
}

/// Checks a setting that only some volume types take (IOPS, throughput): refused for a type
/// without it (`range` `None`), else within `range`.
fn check_setting(field: &str, value: Option<u32>, range: Option<(u32, u32)>, t: &VolumeType) -> Result<()> {
    match (value, range) {
        (Some(_), None) => Err(Error::validation(
            field,
            format!("cannot be set for {} volumes", t.as_str()),
        )),
        (Some(v), Some((lo, hi))) => validate::in_range(field, v, lo, hi),
        _ => Ok(()),
    }
}

/// A request to create a volume. Defaults: gp3, encrypted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct CreateVolumeRequest {
    /// The Availability Zone (must be the instance's to attach).
    pub availability_zone: AvailabilityZone,
    /// Size in GiB (required unless `snapshot_id` is given).
    pub size_gib: Option<u32>,
    /// The type (default gp3).
    #[builder(default)]
    pub volume_type: VolumeType,
    /// Provisioned IOPS (gp3, io1, io2).
    pub iops: Option<u32>,
    /// Throughput in MiB/s (gp3).
    pub throughput: Option<u32>,
    /// Encrypt the volume (default `true`: secure by default).
    #[builder(default = true)]
    pub encrypted: bool,
    /// A KMS key for encryption (default: the account's EBS key).
    pub kms_key_id: Option<String>,
    /// Create from this snapshot.
    pub snapshot_id: Option<SnapshotId>,
    /// Tags.
    #[builder(default)]
    pub tags: Tags,
    /// An idempotency token.
    pub client_token: Option<String>,
}
validated_builder!(
    CreateVolumeRequest,
    CreateVolumeRequestBuilder,
    create_volume_request_builder
);

impl Validate for CreateVolumeRequest {
    fn validate(&self) -> Result<()> {
        check_volume_settings(
            "",
            &self.volume_type,
            self.size_gib,
            self.iops,
            self.throughput,
            self.snapshot_id.is_some(),
        )?;
        self.validate_rest()
    }
}

/// The rules of one volume's type, size, IOPS and throughput, shared by CreateVolume and the
/// extra volumes of RunInstances ([`LaunchVolume`]); `path` prefixes each field name (`""`, or
/// `volumes[2].`). A type newer than this crate is left to AWS beyond the size rule.
pub(crate) fn check_volume_settings(
    path: &str,
    t: &VolumeType,
    size_gib: Option<u32>,
    iops: Option<u32>,
    throughput: Option<u32>,
    from_snapshot: bool,
) -> Result<()> {
    let f = |name: &str| format!("{path}{name}");
    match (size_gib, from_snapshot) {
        (None, false) => {
            return Err(Error::validation(
                f("size_gib"),
                "is required unless snapshot_id is given",
            ));
        }
        (Some(size), _) => {
            let (lo, hi) = t.size_range_gib();
            validate::in_range(&f("size_gib"), size, lo, hi)?;
        }
        _ => {}
    }
    if t.is_unknown() {
        // A type newer than this crate: AWS checks its IOPS and throughput.
        return Ok(());
    }
    check_setting(&f("iops"), iops, t.iops_range().map(|(lo, hi, _)| (lo, hi)), t)?;
    match (iops, t.iops_range()) {
        (Some(iops), Some((_, _, per_gib))) => {
            if let Some(size) = size_gib
                && iops > size.saturating_mul(per_gib)
                && !(*t == VolumeType::Gp3 && iops <= 3_000)
            {
                return Err(Error::validation(
                    f("iops"),
                    format!(
                        "must be at most {per_gib} per GiB for {} ({} for {size} GiB)",
                        t.as_str(),
                        size * per_gib
                    ),
                ));
            }
        }
        (None, Some(_)) if matches!(t, VolumeType::Io1 | VolumeType::Io2) => {
            return Err(Error::validation(
                f("iops"),
                format!("is required for {} volumes", t.as_str()),
            ));
        }
        _ => {}
    }
    check_setting(&f("throughput"), throughput, t.throughput_range(), t)?;
    if let (Some(tp), Some(_)) = (throughput, t.throughput_range()) {
        let iops = iops.unwrap_or(3_000);
        // gp3: at most 0.25 MiB/s per provisioned IOPS.
        if tp > iops / 4 {
            return Err(Error::validation(
                f("throughput"),
                format!("must be at most iops / 4 = {} MiB/s for gp3", iops / 4),
            ));
        }
    }
    Ok(())
}

impl CreateVolumeRequest {
    /// The rules that do not depend on the volume type.
    fn validate_rest(&self) -> Result<()> {
        if self.kms_key_id.is_some() && !self.encrypted {
            return Err(Error::validation("kms_key_id", "requires encrypted = true"));
        }
        validate::tags("tags", &self.tags)
    }
}

/// Which volumes to describe (filters combined with AND; empty means all).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""))]
pub struct DescribeVolumesRequest {
    /// Volume ids.
    #[builder(default)]
    pub volume_ids: Vec<VolumeId>,
    /// Tags every volume must carry.
    #[builder(default)]
    pub tags: Tags,
    /// Only volumes attached to this instance.
    pub attached_to: Option<InstanceId>,
}
validated_builder!(
    DescribeVolumesRequest,
    DescribeVolumesRequestBuilder,
    describe_volumes_request_builder
);

impl Validate for DescribeVolumesRequest {
    fn validate(&self) -> Result<()> {
        Ok(())
    }
}

/// A request to attach a volume.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct AttachVolumeRequest {
    /// The volume.
    pub volume_id: VolumeId,
    /// The instance.
    pub instance_id: InstanceId,
    /// The device name, `/dev/sd[f-p]` or `/dev/xvd[f-p]` style.
    pub device: String,
}
validated_builder!(
    AttachVolumeRequest,
    AttachVolumeRequestBuilder,
    attach_volume_request_builder
);

impl Validate for AttachVolumeRequest {
    fn validate(&self) -> Result<()> {
        let ok = ["/dev/sd", "/dev/xvd"].iter().any(|p| {
            self.device
                .strip_prefix(p)
                .is_some_and(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
        });
        if ok {
            Ok(())
        } else {
            Err(Error::validation("device", "must look like /dev/sdf or /dev/xvdf"))
        }
    }
}

/// A request to detach a volume.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""))]
pub struct DetachVolumeRequest {
    /// The volume.
    pub volume_id: VolumeId,
    /// The instance (optional).
    pub instance_id: Option<InstanceId>,
    /// Force detachment (data may be lost).
    #[builder(default)]
    pub force: bool,
}
validated_builder!(
    DetachVolumeRequest,
    DetachVolumeRequestBuilder,
    detach_volume_request_builder
);

impl Validate for DetachVolumeRequest {
    fn validate(&self) -> Result<()> {
        Ok(())
    }
}

crate::macros::open_enum! {
    /// A snapshot's state.
    pub enum SnapshotState {
        /// Being taken.
        Pending = "pending",
        /// Complete.
        Completed = "completed",
        /// Failed.
        Error = "error",
        /// Recoverable (from the recycle bin).
        Recoverable = "recoverable",
        /// Being recovered.
        Recovering = "recovering",
    }
}

/// An EBS snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct Snapshot {
    /// Its id.
    pub id: SnapshotId,
    /// The volume it was taken from (absent for snapshots made through the EBS direct APIs).
    pub volume_id: Option<VolumeId>,
    /// The volume size in GiB.
    #[builder(default = 8)]
    pub volume_size_gib: u32,
    /// Its state.
    #[builder(default = SnapshotState::Completed)]
    pub state: SnapshotState,
    /// Progress in percent.
    pub progress: Option<u8>,
    /// Its description.
    pub description: Option<String>,
    /// Whether it is encrypted.
    #[builder(default = true)]
    pub encrypted: bool,
    /// When it started.
    pub start_time: Option<SystemTime>,
    /// Its tags.
    #[builder(default)]
    pub tags: Tags,
}

/// A request to snapshot a volume.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct CreateSnapshotRequest {
    /// The volume.
    pub volume_id: VolumeId,
    /// A description (at most 255 characters).
    pub description: Option<String>,
    /// Tags.
    #[builder(default)]
    pub tags: Tags,
}
validated_builder!(
    CreateSnapshotRequest,
    CreateSnapshotRequestBuilder,
    create_snapshot_request_builder
);

impl Validate for CreateSnapshotRequest {
    fn validate(&self) -> Result<()> {
        if let Some(d) = &self.description {
            validate::len_in("description", d, 0, 255)?;
        }
        validate::tags("tags", &self.tags)
    }
}

/// Which snapshots to describe (filters combined with AND; by default the caller's own).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""))]
pub struct DescribeSnapshotsRequest {
    /// Snapshot ids.
    #[builder(default)]
    pub snapshot_ids: Vec<SnapshotId>,
    /// Tags every snapshot must carry.
    #[builder(default)]
    pub tags: Tags,
    /// Only snapshots of this volume.
    pub volume_id: Option<VolumeId>,
}
validated_builder!(
    DescribeSnapshotsRequest,
    DescribeSnapshotsRequestBuilder,
    describe_snapshots_request_builder
);

impl Validate for DescribeSnapshotsRequest {
    fn validate(&self) -> Result<()> {
        Ok(())
    }
}

/// A request to change a volume in place (ModifyVolume): grow it, change its type, IOPS or
/// throughput. At least one change. The volume must be `available` or `in-use`; a size can only
/// grow; AWS allows one modification per volume every 6 hours (a new one before is
/// `VolumeModificationRateExceeded`) and none while one is `modifying` or `optimizing`
/// (`IncorrectModificationState`). Watch [`VolumeModification::state`] with
/// [`Ec2::describe_volumes_modifications`]: the new size is usable once it is `optimizing`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""))]
pub struct ModifyVolumeRequest {
    /// The volume.
    pub volume_id: VolumeId,
    /// The new size in GiB (only larger).
    pub size_gib: Option<u32>,
    /// The new type.
    pub volume_type: Option<VolumeType>,
    /// The new provisioned IOPS (gp3, io1, io2).
    pub iops: Option<u32>,
    /// The new throughput in MiB/s (gp3).
    pub throughput: Option<u32>,
}
validated_builder!(
    ModifyVolumeRequest,
    ModifyVolumeRequestBuilder,
    modify_volume_request_builder
);

impl Validate for ModifyVolumeRequest {
    fn validate(&self) -> Result<()> {
        if self.size_gib.is_none() && self.volume_type.is_none() && self.iops.is_none() && self.throughput.is_none() {
            return Err(Error::validation(
                "size_gib",
                "a modification changes at least one of size_gib, volume_type, iops, throughput",
            ));
        }
        // The limits of the target type where it is named (the volume's current type and size
        // are AWS's to check otherwise); an unknown type is AWS's to check.
        match &self.volume_type {
            Some(t) if !t.is_unknown() => {
                if let Some(size) = self.size_gib {
                    let (lo, hi) = t.size_range_gib();
                    validate::in_range("size_gib", size, lo, hi)?;
                }
                check_setting("iops", self.iops, t.iops_range().map(|(lo, hi, _)| (lo, hi)), t)?;
                check_setting("throughput", self.throughput, t.throughput_range(), t)
            }
            _ => {
                if let Some(size) = self.size_gib {
                    // The widest EBS range (gp3 and io2).
                    validate::in_range("size_gib", size, 1, 65_536)?;
                }
                Ok(())
            }
        }
    }
}

crate::macros::open_enum! {
    /// The state of a volume modification.
    pub enum VolumeModificationState {
        /// The change is being applied.
        Modifying = "modifying",
        /// Applied (the new size and performance are usable); the volume is being optimized.
        Optimizing = "optimizing",
        /// Done.
        Completed = "completed",
        /// Failed (the volume keeps its previous settings).
        Failed = "failed",
    }
}

/// A volume modification and its progress (ModifyVolume, DescribeVolumesModifications).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct VolumeModification {
    /// The volume.
    pub volume_id: VolumeId,
    /// Where the modification is.
    #[builder(default = VolumeModificationState::Modifying)]
    pub state: VolumeModificationState,
    /// Progress, 0 to 100.
    #[builder(default)]
    pub progress: u8,
    /// The size before, in GiB.
    pub original_size_gib: Option<u32>,
    /// The size after, in GiB.
    pub target_size_gib: Option<u32>,
    /// The type before.
    pub original_volume_type: Option<VolumeType>,
    /// The type after.
    pub target_volume_type: Option<VolumeType>,
    /// IOPS before.
    pub original_iops: Option<u32>,
    /// IOPS after.
    pub target_iops: Option<u32>,
    /// Throughput before, in MiB/s.
    pub original_throughput: Option<u32>,
    /// Throughput after, in MiB/s.
    pub target_throughput: Option<u32>,
    /// When it started.
    pub start_time: Option<SystemTime>,
    /// When it ended.
    pub end_time: Option<SystemTime>,
    /// Why it failed, if it did.
    pub status_message: Option<String>,
}
