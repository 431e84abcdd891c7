//! PLACEHOLDER: simulated EC2 (being written).
use super::{Inventory, SimCloud, SimConfig, SimState};
use crate::Tags;
use crate::ec2::*;
use crate::id::*;
use tokio::time::Instant;

#[derive(Default)]
pub(crate) struct Ec2State {}

pub(crate) fn seed_region(_st: &mut SimState, _config: &SimConfig) {}

pub(crate) fn inventory(_st: &mut SimState, _now: Instant, _inv: &mut Inventory) {}

#[async_trait::async_trait]
impl crate::ec2::Ec2 for SimCloud {
    async fn default_vpc(&self) -> crate::Result<Vpc> {
        todo!("placeholder")
    }
    async fn describe_subnets(&self, _vpc_id: VpcId) -> crate::Result<Vec<Subnet>> {
        todo!("placeholder")
    }
    async fn describe_images(&self, _req: DescribeImagesRequest) -> crate::Result<Vec<Image>> {
        todo!("placeholder")
    }
    async fn create_security_group(&self, _req: CreateSecurityGroupRequest) -> crate::Result<SecurityGroupId> {
        todo!("placeholder")
    }
    async fn describe_security_groups(&self, _req: DescribeSecurityGroupsRequest) -> crate::Result<Vec<SecurityGroup>> {
        todo!("placeholder")
    }
    async fn delete_security_group(&self, _id: SecurityGroupId) -> crate::Result<()> {
        todo!("placeholder")
    }
    async fn authorize_ingress(&self, _req: AuthorizeIngressRequest) -> crate::Result<()> {
        todo!("placeholder")
    }
    async fn run_instances(&self, _req: RunInstancesRequest) -> crate::Result<Vec<Instance>> {
        todo!("placeholder")
    }
    async fn describe_instances(&self, _req: DescribeInstancesRequest) -> crate::Result<Vec<Instance>> {
        todo!("placeholder")
    }
    async fn terminate_instances(&self, _ids: Vec<InstanceId>) -> crate::Result<Vec<InstanceStateChange>> {
        todo!("placeholder")
    }
    async fn create_volume(&self, _req: CreateVolumeRequest) -> crate::Result<Volume> {
        todo!("placeholder")
    }
    async fn describe_volumes(&self, _req: DescribeVolumesRequest) -> crate::Result<Vec<Volume>> {
        todo!("placeholder")
    }
    async fn attach_volume(&self, _req: AttachVolumeRequest) -> crate::Result<VolumeAttachment> {
        todo!("placeholder")
    }
    async fn detach_volume(&self, _req: DetachVolumeRequest) -> crate::Result<VolumeAttachment> {
        todo!("placeholder")
    }
    async fn delete_volume(&self, _id: VolumeId) -> crate::Result<()> {
        todo!("placeholder")
    }
    async fn create_snapshot(&self, _req: CreateSnapshotRequest) -> crate::Result<Snapshot> {
        todo!("placeholder")
    }
    async fn describe_snapshots(&self, _req: DescribeSnapshotsRequest) -> crate::Result<Vec<Snapshot>> {
        todo!("placeholder")
    }
    async fn delete_snapshot(&self, _id: SnapshotId) -> crate::Result<()> {
        todo!("placeholder")
    }
    async fn create_tags(&self, _resource_ids: Vec<String>, _tags: Tags) -> crate::Result<()> {
        todo!("placeholder")
    }
}

// ---------------------------------------------------------------------------------------------
// Contract with the other simulated services (ELBv2, CloudWatch, EBS direct). Signatures are
// fixed; the EC2 simulator owns the bodies.

/// What ELBv2 and CloudWatch need to know about an instance at `now`.
#[derive(Debug, Clone)]
#[allow(dead_code)]
pub(crate) struct InstanceView {
    pub state: InstanceState,
    pub security_groups: Vec<SecurityGroupId>,
    pub availability_zone: AvailabilityZone,
    pub vpc_id: VpcId,
    /// When the instance entered `running` (if it has).
    pub running_since: Option<Instant>,
}

/// The instance `id` settled to `now`, or `None` if it does not exist (terminated instances
/// are returned while they are still visible).
#[allow(dead_code)]
pub(crate) fn instance_view(
    _st: &mut SimState,
    _cfg: &SimConfig,
    _id: &InstanceId,
    _now: Instant,
) -> Option<InstanceView> {
    todo!("placeholder")
}

/// Every instance in state `running` at `now`.
#[allow(dead_code)]
pub(crate) fn running_instances(_st: &mut SimState, _cfg: &SimConfig, _now: Instant) -> Vec<InstanceId> {
    todo!("placeholder")
}

/// Whether any group in `target_groups` has an ingress rule admitting TCP `port` from any
/// group in `from_groups`.
#[allow(dead_code)]
pub(crate) fn groups_admit(
    _st: &SimState,
    _target_groups: &[SecurityGroupId],
    _port: u16,
    _from_groups: &[SecurityGroupId],
) -> bool {
    todo!("placeholder")
}

/// The Availability Zone and VPC of a subnet, if it exists.
#[allow(dead_code)]
pub(crate) fn subnet_info(_st: &SimState, _id: &SubnetId) -> Option<(AvailabilityZone, VpcId)> {
    todo!("placeholder")
}

/// Whether a security group exists.
#[allow(dead_code)]
pub(crate) fn group_exists(_st: &SimState, _id: &SecurityGroupId) -> bool {
    todo!("placeholder")
}

/// Inserts or updates a snapshot made through the EBS direct APIs, so DescribeSnapshots
/// shows it (volume id absent) with the given state.
#[allow(dead_code, clippy::too_many_arguments)]
pub(crate) fn put_direct_snapshot(
    _st: &mut SimState,
    _now: Instant,
    _id: &SnapshotId,
    _volume_size_gib: u32,
    _description: Option<String>,
    _tags: Tags,
    _encrypted: bool,
    _state: SnapshotState,
) {
    todo!("placeholder")
}
