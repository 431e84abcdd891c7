//! Amazon EC2: VPCs and subnets, images, security groups, instances, volumes, snapshots, tags.
//!
//! The [`Ec2`] trait is implemented by [`SdkEc2`](sdk::SdkEc2) (feature `ec2`), by the
//! simulator ([`SimCloud`](crate::sim::SimCloud)), by any [`Layered`](crate::layer::Layered)
//! wrapper, and by `MockEc2` (feature `mock`).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> aws_facade::Result<()> {
//! use aws_facade::ec2::{DescribeInstancesRequest, DescribeVolumesRequest, RunInstancesRequest};
//! let cloud = aws_facade::Cloud::sim();
//! let image = cloud.ec2.describe_images(Default::default()).await?.remove(0);
//! let req = RunInstancesRequest::builder()
//!     .image_id(image.id)
//!     .instance_type("t3.micro".parse()?)
//!     .count(2)
//!     .build()?;
//! let launched = cloud.ec2.run_instances(req).await?;
//! assert_eq!(launched.len(), 2);
//! assert!(launched.iter().all(|i| i.http_tokens_required), "IMDSv2 is required by default");
//! let root = launched[0].root_volume_id().cloned().expect("a root volume");
//! let req = DescribeVolumesRequest::builder().volume_ids(vec![root]).build()?;
//! assert!(cloud.ec2.describe_volumes(req).await?[0].encrypted, "so is an encrypted root volume");
//! let all = cloud.ec2.describe_instances(DescribeInstancesRequest::default()).await?;
//! assert_eq!(all.len(), 2);
//! # Ok(()) }
//! ```

pub mod cidr;
mod ext;
pub use ext::Ec2Ext;
#[cfg(feature = "ec2")]
pub mod sdk;

pub use cidr::Cidr;
mod addresses;
mod instances;
mod network;
mod templates;
mod volumes;
pub use addresses::*;
pub use instances::*;
pub use network::*;
pub use templates::*;
pub use volumes::*;

use std::time::SystemTime;

use bon::Builder;
use serde::{Deserialize, Serialize};

use crate::Tags;
use crate::error::{Error, Result, Service};
use crate::id::{
    AllocationId, AssociationId, AvailabilityZone, ImageId, InstanceId, InstanceType, SecurityGroupId, SnapshotId,
    SubnetId, VolumeId, VpcId,
};
use crate::macros::{service_trait, validated_builder};
use crate::page::{Page, PageRequest};
use crate::validate::{self, Validate};

service_trait! {
    /// Amazon EC2 operations used by the workflows. Every describe returns all pages.
    ///
    /// Outputs have builders (defaults for what a fake rarely cares about: an instance is
    /// `running` with IMDSv2, a volume `available`, gp3 and encrypted), so a mock (`MockEc2`,
    /// feature `mock`) answers in a line:
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// use aws_facade::ec2::{Ec2, Instance, InstanceState, MockEc2, Volume, VolumeState};
    ///
    /// let mut ec2 = MockEc2::new();
    /// ec2.expect_describe_instances().returning(|_| {
    ///     Ok(vec![Instance::builder()
    ///         .id("i-0123456789abcdef0".parse()?)
    ///         .image_id("ami-0123456789abcdef0".parse()?)
    ///         .instance_type("t3.micro".parse()?)
    ///         .availability_zone("us-east-1a".parse()?)
    ///         .build()])
    /// });
    /// ec2.expect_describe_volumes().returning(|_| {
    ///     Ok(vec![Volume::builder()
    ///         .id("vol-0123456789abcdef0".parse()?)
    ///         .availability_zone("us-east-1a".parse()?)
    ///         .size_gib(100)
    ///         .build()])
    /// });
    /// let found = futures::executor::block_on(ec2.describe_instances(Default::default())).unwrap();
    /// assert_eq!(found[0].state, InstanceState::Running);
    /// let volumes = futures::executor::block_on(ec2.describe_volumes(Default::default())).unwrap();
    /// assert_eq!((volumes[0].state.clone(), volumes[0].encrypted), (VolumeState::Available, true));
    /// # }
    /// ```
    pub trait Ec2 (Service::Ec2, EC2_OPERATIONS, EC2_IAM_ACTIONS) {
        /// The region's default VPC.
        fn default_vpc() -> Vpc = "DescribeVpcs" => "ec2:DescribeVpcs";
        /// The subnets of a VPC.
        fn describe_subnets(vpc_id: VpcId) -> Vec<Subnet> = "DescribeSubnets" => "ec2:DescribeSubnets";
        /// Images matching the request (ids, owners, name pattern); newest first.
        fn describe_images(req: DescribeImagesRequest) -> Vec<Image> = "DescribeImages" => "ec2:DescribeImages";
        /// Creates a security group (with no ingress rules) and returns its id.
        fn create_security_group(req: CreateSecurityGroupRequest) -> SecurityGroupId = "CreateSecurityGroup" => "ec2:CreateSecurityGroup";
        /// Security groups matching the request.
        fn describe_security_groups(req: DescribeSecurityGroupsRequest) -> Vec<SecurityGroup> = "DescribeSecurityGroups" => "ec2:DescribeSecurityGroups";
        /// Deletes a security group (`DependencyViolation` while anything uses it).
        fn delete_security_group(id: SecurityGroupId) -> () = "DeleteSecurityGroup" => "ec2:DeleteSecurityGroup";
        /// Adds one ingress rule to a security group (refused before any call when the network
        /// guard applies: see [`cidr`]).
        fn authorize_ingress(req: AuthorizeIngressRequest) -> () = "AuthorizeSecurityGroupIngress" => "ec2:AuthorizeSecurityGroupIngress";
        /// Removes one ingress rule, matched on protocol, ports and source (the description
        /// does not matter), e.g. a rule from [`SecurityGroup::ingress`]. `true` when it was
        /// revoked; `false` when AWS reports the rule unknown to the group (a default-VPC group
        /// answers so; in other VPCs AWS answers `InvalidPermission.NotFound`). Never guarded:
        /// revoking a wide rule is always allowed.
        fn revoke_ingress(group_id: SecurityGroupId, rule: IngressRule) -> bool = "RevokeSecurityGroupIngress" => "ec2:RevokeSecurityGroupIngress";
        /// Launches instances; returns them as launched (usually `pending`). Their root volumes
        /// are encrypted unless the request opts out ([`RunInstancesRequest::encrypt_root_volume`]);
        /// without [`RunInstancesRequest::root_device_name`] the SDK adapter first reads the
        /// image's root device with DescribeImages.
        fn run_instances(req: RunInstancesRequest) -> Vec<Instance> = "RunInstances" => "ec2:RunInstances";
        /// Instances matching the request; terminated instances are included unless filtered.
        fn describe_instances(req: DescribeInstancesRequest) -> Vec<Instance> = "DescribeInstances" => "ec2:DescribeInstances";
        /// One page of [`describe_instances`](Ec2::describe_instances) (the instances of its
        /// reservations, in order). `page.size` is `MaxResults`, not sent with instance ids
        /// (AWS refuses the two together). [`Ec2Ext::instances`] streams the pages.
        fn describe_instances_page(req: DescribeInstancesRequest, page: PageRequest) -> Page<Instance> = "DescribeInstances" => "ec2:DescribeInstances";
        /// Terminates instances; returns each one's state change.
        fn terminate_instances(ids: Vec<InstanceId>) -> Vec<InstanceStateChange> = "TerminateInstances" => "ec2:TerminateInstances";
        /// Instances' status checks (all pages). Without `include_all_instances` only running
        /// instances are listed.
        fn describe_instance_status(req: DescribeInstanceStatusRequest) -> Vec<InstanceStatus> = "DescribeInstanceStatus" => "ec2:DescribeInstanceStatus";
        /// What instance types offer: vCPUs, memory, architectures (all pages).
        fn describe_instance_types(req: DescribeInstanceTypesRequest) -> Vec<InstanceTypeInfo> = "DescribeInstanceTypes" => "ec2:DescribeInstanceTypes";
        /// Stops running EBS-backed instances: `stopping`, then `stopped`. Their EBS volumes
        /// stay attached with their data; their public IPv4 address is released. An instance
        /// already stopping or stopped is answered unchanged; one that is `pending` or going
        /// away is `IncorrectInstanceState`. Returns each one's state change.
        fn stop_instances(req: StopInstancesRequest) -> Vec<InstanceStateChange> = "StopInstances" => "ec2:StopInstances";
        /// Starts stopped instances: `pending`, then `running` (with a new public IPv4 address
        /// where the subnet gives one). A running or pending instance is answered unchanged;
        /// one that is still `stopping` is `IncorrectInstanceState`.
        fn start_instances(ids: Vec<InstanceId>) -> Vec<InstanceStateChange> = "StartInstances" => "ec2:StartInstances";
        /// Queues a reboot of running instances (they stay `running`; terminated ones are
        /// ignored, as AWS does; a stopped one is `IncorrectInstanceState`).
        fn reboot_instances(ids: Vec<InstanceId>) -> () = "RebootInstances" => "ec2:RebootInstances";
        /// Creates a key pair; the answer carries its private key, once (a
        /// [`SecretString`](crate::SecretString)). A name in use is `InvalidKeyPair.Duplicate`.
        fn create_key_pair(req: CreateKeyPairRequest) -> CreatedKeyPair = "CreateKeyPair" => "ec2:CreateKeyPair";
        /// Imports the public half of a key pair made elsewhere.
        fn import_key_pair(req: ImportKeyPairRequest) -> KeyPair = "ImportKeyPair" => "ec2:ImportKeyPair";
        /// Key pairs matching the request.
        fn describe_key_pairs(req: DescribeKeyPairsRequest) -> Vec<KeyPair> = "DescribeKeyPairs" => "ec2:DescribeKeyPairs";
        /// Deletes a key pair by name (instances launched with it keep their key; a name of no
        /// key pair succeeds, as AWS answers).
        fn delete_key_pair(name: String) -> () = "DeleteKeyPair" => "ec2:DeleteKeyPair";
        /// Creates a volume (gp3 and encrypted unless asked otherwise).
        fn create_volume(req: CreateVolumeRequest) -> Volume = "CreateVolume" => "ec2:CreateVolume";
        /// Volumes matching the request.
        fn describe_volumes(req: DescribeVolumesRequest) -> Vec<Volume> = "DescribeVolumes" => "ec2:DescribeVolumes";
        /// One page of [`describe_volumes`](Ec2::describe_volumes); `page.size` is
        /// `MaxResults` (not sent with volume ids). [`Ec2Ext::volumes`] streams the pages.
        fn describe_volumes_page(req: DescribeVolumesRequest, page: PageRequest) -> Page<Volume> = "DescribeVolumes" => "ec2:DescribeVolumes";
        /// Attaches a volume to an instance at a device name.
        fn attach_volume(req: AttachVolumeRequest) -> VolumeAttachment = "AttachVolume" => "ec2:AttachVolume";
        /// Detaches a volume.
        fn detach_volume(req: DetachVolumeRequest) -> VolumeAttachment = "DetachVolume" => "ec2:DetachVolume";
        /// Deletes a volume (`VolumeInUse` while attached).
        fn delete_volume(id: VolumeId) -> () = "DeleteVolume" => "ec2:DeleteVolume";
        /// Changes a volume in place (size, type, IOPS, throughput) and returns the
        /// modification, `modifying` at first (see [`ModifyVolumeRequest`] for AWS's rules).
        fn modify_volume(req: ModifyVolumeRequest) -> VolumeModification = "ModifyVolume" => "ec2:ModifyVolume";
        /// The latest modification of each volume (those never modified are left out; an
        /// unknown id is `InvalidVolume.NotFound`).
        fn describe_volumes_modifications(ids: Vec<VolumeId>) -> Vec<VolumeModification> = "DescribeVolumesModifications" => "ec2:DescribeVolumesModifications";
        /// Starts a snapshot of a volume.
        fn create_snapshot(req: CreateSnapshotRequest) -> Snapshot = "CreateSnapshot" => "ec2:CreateSnapshot";
        /// Snapshots matching the request.
        fn describe_snapshots(req: DescribeSnapshotsRequest) -> Vec<Snapshot> = "DescribeSnapshots" => "ec2:DescribeSnapshots";
        /// One page of [`describe_snapshots`](Ec2::describe_snapshots); `page.size` is
        /// `MaxResults` (not sent with snapshot ids). [`Ec2Ext::snapshots`] streams the pages.
        fn describe_snapshots_page(req: DescribeSnapshotsRequest, page: PageRequest) -> Page<Snapshot> = "DescribeSnapshots" => "ec2:DescribeSnapshots";
        /// Deletes a snapshot.
        fn delete_snapshot(id: SnapshotId) -> () = "DeleteSnapshot" => "ec2:DeleteSnapshot";
        /// Creates a launch template with its first version (the default).
        fn create_launch_template(req: CreateLaunchTemplateRequest) -> LaunchTemplate = "CreateLaunchTemplate" => "ec2:CreateLaunchTemplate";
        /// Adds a version to a launch template (it does not become the default: see
        /// [`set_default_launch_template_version`](Ec2::set_default_launch_template_version)).
        fn create_launch_template_version(req: CreateLaunchTemplateVersionRequest) -> LaunchTemplateVersion = "CreateLaunchTemplateVersion" => "ec2:CreateLaunchTemplateVersion";
        /// Makes `version` the template's default (ModifyLaunchTemplate `DefaultVersion`).
        fn set_default_launch_template_version(template: LaunchTemplateRef, version: u64) -> LaunchTemplate = "ModifyLaunchTemplate" => "ec2:ModifyLaunchTemplate";
        /// Describes launch templates (all pages).
        fn describe_launch_templates(req: DescribeLaunchTemplatesRequest) -> Vec<LaunchTemplate> = "DescribeLaunchTemplates" => "ec2:DescribeLaunchTemplates";
        /// Versions of a launch template (empty `versions`: all of them, all pages).
        fn describe_launch_template_versions(template: LaunchTemplateRef, versions: Vec<TemplateVersion>) -> Vec<LaunchTemplateVersion> = "DescribeLaunchTemplateVersions" => "ec2:DescribeLaunchTemplateVersions";
        /// Deletes versions of a launch template (not its default: delete the template for
        /// that). Any version AWS does not delete is an error naming it.
        fn delete_launch_template_versions(template: LaunchTemplateRef, versions: Vec<TemplateVersion>) -> () = "DeleteLaunchTemplateVersions" => "ec2:DeleteLaunchTemplateVersions";
        /// Deletes a launch template with all its versions.
        fn delete_launch_template(template: LaunchTemplateRef) -> () = "DeleteLaunchTemplate" => "ec2:DeleteLaunchTemplate";
        /// Allocates an Elastic IP address (billed hourly until released).
        fn allocate_address(req: AllocateAddressRequest) -> Address = "AllocateAddress" => "ec2:AllocateAddress";
        /// Describes Elastic IP addresses.
        fn describe_addresses(req: DescribeAddressesRequest) -> Vec<Address> = "DescribeAddresses" => "ec2:DescribeAddresses";
        /// Associates an Elastic IP address with an instance; the instance's public address
        /// becomes it. Returns the association id (what DisassociateAddress takes).
        fn associate_address(req: AssociateAddressRequest) -> AssociationId = "AssociateAddress" => "ec2:AssociateAddress";
        /// Ends an association; the address stays allocated (and billed).
        fn disassociate_address(id: AssociationId) -> () = "DisassociateAddress" => "ec2:DisassociateAddress";
        /// Releases an Elastic IP address (it must not be associated:
        /// `InvalidIPAddress.InUse`).
        fn release_address(id: AllocationId) -> () = "ReleaseAddress" => "ec2:ReleaseAddress";
        /// Adds or overwrites tags on resources (any EC2 resource ids).
        fn create_tags(resource_ids: Vec<String>, tags: Tags) -> () = "CreateTags" => "ec2:CreateTags";
        /// Removes the tags with these keys (whatever their values) from resources. At least
        /// one key: AWS deletes every tag when none is named, which the crate refuses.
        fn delete_tags(resource_ids: Vec<String>, keys: Vec<String>) -> () = "DeleteTags" => "ec2:DeleteTags";
    }
}

fn default_true() -> bool {
    true
}

/// Checks the arguments of DeleteTags: 1 to 1,000 resources (EC2 API reference, DeleteTags,
/// `Resources`) and 1 to 50 keys of 1 to 128 characters, none starting with `aws:`.
pub(crate) fn validate_delete_tags(resource_ids: &[String], keys: &[String]) -> Result<()> {
    validate::non_empty("resource_ids", resource_ids)?;
    validate::at_most("resource_ids", resource_ids, 1000)?;
    if keys.is_empty() {
        return Err(Error::validation(
            "keys",
            "must name at least one key (without keys AWS deletes every tag of the resources)",
        ));
    }
    let tags: Tags = keys.iter().map(|k| (k.clone(), String::new())).collect();
    if tags.len() != keys.len() {
        return Err(Error::validation("keys", "must not repeat a key"));
    }
    validate::tags("keys", &tags)
}

/// Checks the arguments of CreateTags: at least one resource (at most 1,000, EC2 API
/// reference, CreateTags) and 1 to 50 valid tags.
pub(crate) fn validate_create_tags(resource_ids: &[String], tags: &crate::Tags) -> Result<()> {
    validate::non_empty("resource_ids", resource_ids)?;
    validate::at_most("resource_ids", resource_ids, 1000)?;
    if tags.is_empty() {
        return Err(Error::validation("tags", "must not be empty"));
    }
    validate::tags("tags", tags)
}

// `FromStr` for the enums above that parse their AWS names.
crate::macros::from_str_by_parse!(InstanceState => "instance state", VolumeType => "volume type");

#[cfg(test)]
mod tests {
    use super::*;

    fn az() -> AvailabilityZone {
        "us-east-1a".parse().unwrap()
    }

    fn field_of(e: Error) -> String {
        match e {
            Error::Validation { field, .. } => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn launch_volumes_are_checked_by_their_path_before_any_call() {
        let base = || {
            RunInstancesRequest::builder()
                .image_id("ami-0123456789abcdef0".parse().unwrap())
                .instance_type("t3.micro".parse().unwrap())
                .root_device_name("/dev/xvda")
        };
        let vol = |dev: &str| LaunchVolume::builder().device_name(dev).size_gib(10);
        let mut gp2 = vol("/dev/sdg").volume_type(VolumeType::Gp2).build().unwrap();
        gp2.iops = Some(100);
        let e = base()
            .volumes(vec![vol("/dev/sdf").build().unwrap(), gp2])
            .build()
            .unwrap_err();
        assert_eq!(field_of(e), "volumes[1].iops");
        let e = base()
            .volumes(vec![vol("/dev/sdf").build().unwrap(), vol("/dev/sdf").build().unwrap()])
            .build()
            .unwrap_err();
        assert_eq!(field_of(e), "volumes[1].device_name");
        let e = base()
            .volumes(vec![vol("/dev/xvda").build().unwrap()])
            .build()
            .unwrap_err();
        assert_eq!(field_of(e), "volumes[0].device_name", "the root device is taken");
        let e = LaunchVolume::builder().device_name("/dev/sdf").build().unwrap_err();
        assert_eq!(field_of(e), "size_gib");
        let e = LaunchVolume::builder()
            .device_name("/dev/sdf")
            .size_gib(10)
            .encrypted(false)
            .kms_key_id("alias/x")
            .build()
            .unwrap_err();
        assert_eq!(field_of(e), "kms_key_id");
        let e = base()
            .placement(Placement::builder().group_name("").build())
            .build()
            .unwrap_err();
        assert_eq!(field_of(e), "placement.group_name");
        let e = AssociateAddressRequest::builder()
            .allocation_id("eipalloc-0123456789abcdef0".parse().unwrap())
            .instance_id("i-0123456789abcdef0".parse().unwrap())
            .private_ip("10.0.0.300")
            .build()
            .unwrap_err();
        assert_eq!(field_of(e), "private_ip");
        let e = DescribeInstanceStatusRequest::builder()
            .instance_ids(vec!["i-0123456789abcdef0".parse().unwrap(); 101])
            .build()
            .unwrap_err();
        assert_eq!(field_of(e), "instance_ids");
    }

    #[test]
    fn launch_templates_and_template_launches_are_checked_before_any_call() {
        let e = RunInstancesRequest::builder()
            .instance_type("t3.micro".parse().unwrap())
            .build()
            .unwrap_err();
        assert_eq!(field_of(e), "image_id", "required without a template");
        let spec = LaunchTemplateSpec::builder()
            .template(LaunchTemplateRef::Name("web".into()))
            .build();
        assert!(
            RunInstancesRequest::builder()
                .launch_template(spec.clone())
                .build()
                .is_ok()
        );
        let e = RunInstancesRequest::builder()
            .launch_template(spec)
            .root_volume_size_gib(20)
            .build()
            .unwrap_err();
        assert_eq!(
            field_of(e),
            "root_volume_size_gib",
            "the template's root, unless the image is named"
        );
        let e = LaunchTemplateData::builder()
            .instance_type("t3.micro".parse().unwrap())
            .build()
            .unwrap_err();
        assert_eq!(
            field_of(e),
            "data.encrypt_root_volume",
            "the root device is needed to encrypt it"
        );
        let data = LaunchTemplateData::builder()
            .instance_type("t3.micro".parse().unwrap())
            .encrypt_root_volume(false)
            .build()
            .unwrap();
        for bad in ["ab", "has space", &"x".repeat(129)] {
            let e = CreateLaunchTemplateRequest::builder()
                .name(bad)
                .data(data.clone())
                .build()
                .unwrap_err();
            assert_eq!(field_of(e), "name", "{bad:?}");
        }
        let e = crate::ec2::validate_template_versions(
            &LaunchTemplateRef::Name("web".into()),
            &[TemplateVersion::Latest],
            true,
        )
        .unwrap_err();
        assert_eq!(field_of(e), "versions");
        let e = crate::ec2::validate_default_version(&LaunchTemplateRef::Name("web".into()), 0).unwrap_err();
        assert_eq!(field_of(e), "version");
    }

    #[test]
    fn volume_defaults_are_gp3_encrypted() {
        let v = CreateVolumeRequest::builder()
            .availability_zone(az())
            .size_gib(8)
            .build()
            .unwrap();
        assert_eq!(v.volume_type, VolumeType::Gp3);
        assert!(v.encrypted);
    }

    #[test]
    fn volume_limits() {
        let b = || CreateVolumeRequest::builder().availability_zone(az());
        assert_eq!(field_of(b().build().unwrap_err()), "size_gib");
        assert_eq!(field_of(b().size_gib(0).build().unwrap_err()), "size_gib");
        // gp3 since 2025: up to 64 TiB, 80,000 IOPS and 2,000 MiB/s (EC2 model,
        // CreateVolumeRequest Size/Iops/Throughput); gp2 stays at 16 TiB.
        assert!(b().size_gib(65_536).build().is_ok());
        assert_eq!(field_of(b().size_gib(65_537).build().unwrap_err()), "size_gib");
        let gp2 = || b().volume_type(VolumeType::Gp2);
        assert!(gp2().size_gib(16_384).build().is_ok());
        assert_eq!(field_of(gp2().size_gib(16_385).build().unwrap_err()), "size_gib");
        assert!(b().size_gib(160).iops(80_000).build().is_ok());
        assert_eq!(field_of(b().size_gib(1_000).iops(80_001).build().unwrap_err()), "iops");
        assert!(b().size_gib(1_000).iops(8_000).throughput(2_000).build().is_ok());
        assert_eq!(
            field_of(b().size_gib(1_000).iops(80_000).throughput(2_001).build().unwrap_err()),
            "throughput"
        );
        assert_eq!(field_of(b().size_gib(100).iops(2_000).build().unwrap_err()), "iops");
        assert_eq!(field_of(b().size_gib(10).iops(16_000).build().unwrap_err()), "iops");
        assert!(b().size_gib(32).iops(16_000).build().is_ok());
        assert_eq!(
            field_of(b().size_gib(100).throughput(1_001).build().unwrap_err()),
            "throughput"
        );
        assert_eq!(
            field_of(b().size_gib(100).throughput(1_000).build().unwrap_err()),
            "throughput"
        );
        assert!(b().size_gib(100).iops(4_000).throughput(1_000).build().is_ok());
        assert_eq!(
            field_of(b().size_gib(100).volume_type(VolumeType::Io2).build().unwrap_err()),
            "iops"
        );
        assert_eq!(
            field_of(b().size_gib(100).volume_type(VolumeType::St1).build().unwrap_err()),
            "size_gib"
        );
        assert_eq!(
            field_of(
                b().size_gib(500)
                    .volume_type(VolumeType::St1)
                    .iops(100)
                    .build()
                    .unwrap_err()
            ),
            "iops"
        );
    }

    #[test]
    fn security_group_names_use_the_ec2_character_set() {
        let b = |name: &str, desc: &str| {
            CreateSecurityGroupRequest::builder()
                .name(name)
                .description(desc)
                .build()
        };
        assert!(b("web-tier_1 (prod) #2", "aws-facade web tier: a.b/c@d[e]+=&;{f}!$*,").is_ok());
        for (name, desc, field) in [
            ("café", "d", "name"),
            ("it's", "d", "name"),
            ("web", "tab\there", "description"),
            ("web", "caf\u{e9}", "description"),
            ("web", "a%b", "description"),
            ("sg-web", "d", "name"),
            ("web", "", "description"),
        ] {
            assert_eq!(field_of(b(name, desc).unwrap_err()), field, "{name:?} {desc:?}");
        }
        assert!(b(&"n".repeat(MAX_SECURITY_GROUP_NAME_CHARS), "d").is_ok());
        assert_eq!(
            field_of(b(&"n".repeat(MAX_SECURITY_GROUP_NAME_CHARS + 1), "d").unwrap_err()),
            "name"
        );
    }

    #[test]
    fn run_instances_rules() {
        let b = || {
            RunInstancesRequest::builder()
                .image_id("ami-12345678".parse().unwrap())
                .instance_type("t3.micro".parse().unwrap())
        };
        assert!(b().build().unwrap().require_imdsv2);
        assert_eq!(field_of(b().count(0).build().unwrap_err()), "count");
        assert_eq!(
            field_of(b().user_data("x".repeat(16 * 1024 + 1)).build().unwrap_err()),
            "user_data"
        );
        assert_eq!(
            field_of(b().client_token("x".repeat(65)).build().unwrap_err()),
            "client_token"
        );
    }

    #[test]
    fn root_volumes_are_encrypted_by_default() {
        let b = || {
            RunInstancesRequest::builder()
                .image_id("ami-12345678".parse().unwrap())
                .instance_type("t3.micro".parse().unwrap())
        };
        let req = b().build().unwrap();
        assert!(req.encrypt_root_volume);
        assert_eq!((&req.root_kms_key_id, req.root_volume_size_gib), (&None, None));
        assert!(
            b().root_kms_key_id("alias/web")
                .root_volume_size_gib(30)
                .build()
                .is_ok()
        );
        assert!(b().encrypt_root_volume(false).build().is_ok(), "the opt-out");
        // Settings of the encrypted mapping make no sense without it.
        for (req, field) in [
            (
                b().encrypt_root_volume(false).root_kms_key_id("alias/web").build(),
                "root_kms_key_id",
            ),
            (
                b().encrypt_root_volume(false).root_volume_size_gib(30).build(),
                "root_volume_size_gib",
            ),
            (
                b().encrypt_root_volume(false).root_device_name("/dev/xvda").build(),
                "root_device_name",
            ),
            (b().root_volume_size_gib(0).build(), "root_volume_size_gib"),
            (b().root_kms_key_id("").build(), "root_kms_key_id"),
            (b().root_device_name("").build(), "root_device_name"),
        ] {
            assert_eq!(field_of(req.unwrap_err()), field);
        }
        // A request written before the field existed deserializes with encryption on.
        let mut json = serde_json::to_value(b().build().unwrap()).unwrap();
        json.as_object_mut().unwrap().remove("encrypt_root_volume");
        let back: RunInstancesRequest = serde_json::from_value(json).unwrap();
        assert!(back.encrypt_root_volume);
    }

    #[test]
    fn ssh_to_the_world_is_refused() {
        let sg: SecurityGroupId = "sg-12345678".parse().unwrap();
        let b = || AuthorizeIngressRequest::builder().group_id(sg.clone());
        let e = b()
            .from_port(22)
            .source(IngressSource::Cidr("0.0.0.0/0".into()))
            .build()
            .unwrap_err();
        assert_eq!(field_of(e), "source");
        assert!(
            b().from_port(22)
                .source(IngressSource::Cidr("10.0.0.0/8".into()))
                .build()
                .is_ok()
        );
        assert!(
            b().from_port(80)
                .source(IngressSource::Cidr("0.0.0.0/0".into()))
                .build()
                .is_ok()
        );
        assert_eq!(
            field_of(
                b().from_port(80)
                    .source(IngressSource::Cidr("0.0.0.0/33".into()))
                    .build()
                    .unwrap_err()
            ),
            "source"
        );
        assert_eq!(
            field_of(
                b().from_port(80)
                    .to_port(79)
                    .source(IngressSource::Group(sg.clone()))
                    .build()
                    .unwrap_err()
            ),
            "to_port"
        );
    }

    /// The guard matches ranges, not the literal `0.0.0.0/0`: every case here was accepted
    /// before it.
    #[test]
    fn wide_sources_are_refused_by_range_with_a_named_opt_out() {
        let sg: SecurityGroupId = "sg-12345678".parse().unwrap();
        let req = |proto: &str, from: u16, to: u16, cidr: &str| {
            AuthorizeIngressRequest::builder()
                .group_id(sg.clone())
                .protocol(proto)
                .from_port(from)
                .to_port(to)
                .source(IngressSource::cidr(cidr).unwrap())
        };
        let refused = [
            ("tcp", 22, 22, "0.0.0.0/1"),
            ("tcp", 22, 22, "128.0.0.0/1"),
            ("tcp", 22, 22, "1.2.3.4/0"),
            ("tcp", 22, 22, "10.0.0.0/0"),
            ("tcp", 3389, 3389, "52.0.0.0/8"),
            ("udp", 3389, 3389, "0.0.0.0/0"),
            ("tcp", 23, 23, "0.0.0.0/0"),
            ("tcp", 5432, 5432, "0.0.0.0/0"),
            ("tcp", 6379, 6379, "::/0"),
            ("tcp", 27017, 27017, "0.0.0.0/0"),
            ("tcp", 1000, 2000, "0.0.0.0/0"),
            ("tcp", 0, 65535, "0.0.0.0/2"),
            ("-1", 0, 0, "0.0.0.0/0"),
            ("-1", 0, 0, "2001:db8::/32"),
            ("tcp", 22, 22, "::/0"),
            ("tcp", 22, 22, "2001:db8::1/0"),
            ("tcp", 22, 22, "2001:db8::/47"),
        ];
        for (proto, from, to, cidr) in refused {
            let e = req(proto, from, to, cidr).build().unwrap_err();
            let Error::Validation { field, rule } = &e else {
                panic!("{e:?}")
            };
            assert_eq!(field, "source", "{proto} {from}-{to} from {cidr}");
            assert!(rule.contains("allow_wide_admin_access(true)"), "{rule}");
            assert!(
                rule.contains("/16") && rule.contains("/48"),
                "names the threshold: {rule}"
            );
            assert!(
                req(proto, from, to, cidr).allow_wide_admin_access(true).build().is_ok(),
                "the opt-out admits {proto} {from}-{to} from {cidr}"
            );
        }
        let e = req("tcp", 22, 22, "0.0.0.0/1").build().unwrap_err().to_string();
        assert!(e.contains("TCP port 22 (SSH)") && e.contains("0.0.0.0/1"), "{e}");
        let accepted = [
            ("tcp", 22, 22, "203.0.113.0/24"),
            ("tcp", 22, 22, "52.1.0.0/16"),
            ("tcp", 22, 22, "2001:db8:1::/48"),
            ("tcp", 22, 22, "192.168.0.0/16"),
            ("tcp", 5432, 5432, "172.16.0.0/12"),
            ("-1", 0, 0, "fd00::/8"),
            ("tcp", 443, 443, "0.0.0.0/0"),
            ("tcp", 443, 443, "::/0"),
            ("tcp", 8080, 8090, "0.0.0.0/0"),
            ("icmp", 8, 8, "0.0.0.0/0"),
            ("icmpv6", 128, 128, "::/0"),
        ];
        for (proto, from, to, cidr) in accepted {
            assert!(
                req(proto, from, to, cidr).build().is_ok(),
                "{proto} {from}-{to} from {cidr}"
            );
        }
        // The old name of the opt-out still deserializes.
        let mut json = serde_json::to_value(
            req("tcp", 22, 22, "0.0.0.0/0")
                .allow_wide_admin_access(true)
                .build()
                .unwrap(),
        )
        .unwrap();
        let o = json.as_object_mut().unwrap();
        o.remove("allow_wide_admin_access");
        o.insert("allow_admin_ports_from_anywhere".into(), true.into());
        let back: AuthorizeIngressRequest = serde_json::from_value(json).unwrap();
        assert!(back.allow_wide_admin_access && back.validate().is_ok());
    }

    #[test]
    fn cidr_sources_are_canonical_and_of_their_family() {
        let sg: SecurityGroupId = "sg-12345678".parse().unwrap();
        let b = |source| {
            AuthorizeIngressRequest::builder()
                .group_id(sg.clone())
                .from_port(443)
                .source(source)
                .build()
        };
        let r = b(IngressSource::Cidr("100.68.0.18/18".into())).unwrap();
        assert_eq!(r.rule().source, IngressSource::Cidr("100.68.0.0/18".into()));
        let r = b(IngressSource::CidrIpv6("2001:DB8::1/64".into())).unwrap();
        assert_eq!(r.rule().source, IngressSource::CidrIpv6("2001:db8::/64".into()));
        assert!(
            r.rule()
                .admits_tcp(443, &IngressSource::CidrIpv6("2001:db8::/64".into()))
        );
        let e = b(IngressSource::Cidr("2001:db8::/64".into())).unwrap_err();
        assert!(e.to_string().contains("IngressSource::CidrIpv6"), "{e}");
        let e = b(IngressSource::CidrIpv6("10.0.0.0/8".into())).unwrap_err();
        assert!(e.to_string().contains("IngressSource::Cidr"), "{e}");
        assert!(IngressSource::cidr("10.0.0.0/33").is_err());
        assert!(validate_cidr("f", "10.1.2.3/16").is_ok());
        assert!(validate_cidr("f", "::/0").is_err());
    }

    /// A refused rule never reaches a backend: the builder refuses it, so the journal of a
    /// recording cloud shows no call; a request made by hand is refused by the backend before
    /// it changes anything.
    #[cfg(feature = "sim")]
    #[tokio::test(start_paused = true)]
    async fn a_refused_rule_makes_no_call() {
        let journal = crate::layer::Recording::new();
        let cloud = crate::Cloud::sim().layer(journal.clone());
        let sg: SecurityGroupId = "sg-12345678".parse().unwrap();
        let built = AuthorizeIngressRequest::builder()
            .group_id(sg.clone())
            .from_port(22)
            .source(IngressSource::cidr("0.0.0.0/1").unwrap())
            .build();
        let e = match built {
            Ok(req) => cloud.ec2.authorize_ingress(req).await.unwrap_err(),
            Err(e) => e,
        };
        assert!(e.is_validation(), "{e:?}");
        assert!(journal.is_empty(), "no call: {:?}", journal.operations());
        let by_hand = AuthorizeIngressRequest {
            group_id: sg,
            protocol: "-1".into(),
            from_port: 0,
            to_port: None,
            source: IngressSource::CidrIpv6("::/0".into()),
            description: None,
            allow_wide_admin_access: false,
        };
        let e = crate::sim::SimCloud::new()
            .authorize_ingress(by_hand)
            .await
            .unwrap_err();
        assert!(e.is_validation(), "{e:?}");
    }

    #[test]
    fn attach_device_names() {
        let b = |d: &str| {
            AttachVolumeRequest::builder()
                .volume_id("vol-12345678".parse().unwrap())
                .instance_id("i-12345678".parse().unwrap())
                .device(d)
                .build()
        };
        assert!(b("/dev/sdf").is_ok());
        assert!(b("/dev/xvdg").is_ok());
        assert_eq!(field_of(b("sdf").unwrap_err()), "device");
    }
}
