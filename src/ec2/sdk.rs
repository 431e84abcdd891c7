//! PLACEHOLDER: the Ec2 adapter over `aws_sdk_ec2` (being written).

use super::*;
use crate::Tags;
use crate::id::*;
use crate::macros::sdk_adapter;

sdk_adapter!(
    /// [`Ec2`](super::Ec2) over `aws_sdk_ec2`.
    SdkEc2, aws_sdk_ec2);

#[async_trait::async_trait]
impl super::Ec2 for SdkEc2 {
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
