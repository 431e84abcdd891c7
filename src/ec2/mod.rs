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

use std::time::SystemTime;

use bon::Builder;
use serde::{Deserialize, Serialize};

use crate::Tags;
use crate::error::{Error, Result, Service};
use crate::id::{
    AvailabilityZone, ImageId, InstanceId, InstanceType, SecurityGroupId, SnapshotId, SubnetId, VolumeId, VpcId,
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
        /// Starts a snapshot of a volume.
        fn create_snapshot(req: CreateSnapshotRequest) -> Snapshot = "CreateSnapshot" => "ec2:CreateSnapshot";
        /// Snapshots matching the request.
        fn describe_snapshots(req: DescribeSnapshotsRequest) -> Vec<Snapshot> = "DescribeSnapshots" => "ec2:DescribeSnapshots";
        /// One page of [`describe_snapshots`](Ec2::describe_snapshots); `page.size` is
        /// `MaxResults` (not sent with snapshot ids). [`Ec2Ext::snapshots`] streams the pages.
        fn describe_snapshots_page(req: DescribeSnapshotsRequest, page: PageRequest) -> Page<Snapshot> = "DescribeSnapshots" => "ec2:DescribeSnapshots";
        /// Deletes a snapshot.
        fn delete_snapshot(id: SnapshotId) -> () = "DeleteSnapshot" => "ec2:DeleteSnapshot";
        /// Adds or overwrites tags on resources (any EC2 resource ids).
        fn create_tags(resource_ids: Vec<String>, tags: Tags) -> () = "CreateTags" => "ec2:CreateTags";
        /// Removes the tags with these keys (whatever their values) from resources. At least
        /// one key: AWS deletes every tag when none is named, which the crate refuses.
        fn delete_tags(resource_ids: Vec<String>, keys: Vec<String>) -> () = "DeleteTags" => "ec2:DeleteTags";
    }
}

// ---------------------------------------------------------------------------------------------
// Models

/// A VPC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct Vpc {
    /// Its id.
    pub id: VpcId,
    /// Its IPv4 CIDR block.
    #[builder(default)]
    pub cidr_block: String,
    /// Whether it is the region's default VPC.
    #[builder(default)]
    pub is_default: bool,
}

/// A subnet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct Subnet {
    /// Its id.
    pub id: SubnetId,
    /// The VPC it belongs to.
    pub vpc_id: VpcId,
    /// Its Availability Zone.
    pub availability_zone: AvailabilityZone,
    /// Its IPv4 CIDR block.
    #[builder(default)]
    pub cidr_block: String,
    /// Whether it is its zone's default subnet.
    #[builder(default)]
    pub default_for_az: bool,
}

/// An Amazon Machine Image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct Image {
    /// Its id.
    pub id: ImageId,
    /// Its name.
    #[builder(default)]
    pub name: String,
    /// The owner's account id (or alias such as `amazon`).
    #[builder(default)]
    pub owner_id: String,
    /// Its creation date as AWS reports it (ISO 8601), used to find the latest image.
    #[builder(default)]
    pub creation_date: String,
    /// `x86_64` or `arm64`.
    #[builder(default = "x86_64".to_string())]
    pub architecture: String,
    /// `available`, `pending`, ...
    #[builder(default = "available".to_string())]
    pub state: String,
    /// The device name of its root volume (`RootDeviceName`, e.g. `/dev/xvda` or `/dev/sda1`):
    /// where [`RunInstancesRequest`]'s encrypted root volume mapping goes.
    #[serde(default)]
    pub root_device_name: Option<String>,
    /// `ebs` or `instance-store` (`RootDeviceType`; other values are kept as AWS sends them).
    #[serde(default)]
    pub root_device_type: Option<String>,
    /// The root volume's size in GiB from the image's block-device mapping for its root device.
    #[serde(default)]
    pub root_volume_size_gib: Option<u32>,
}

/// Which images to describe. All fields are optional filters (combined with AND).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct DescribeImagesRequest {
    /// Image ids.
    #[builder(default)]
    pub image_ids: Vec<ImageId>,
    /// Owners (`self`, `amazon`, or account ids).
    #[builder(default)]
    pub owners: Vec<String>,
    /// An image name pattern; `*` and `?` are wildcards (the `name` filter).
    pub name_pattern: Option<String>,
    /// `x86_64` or `arm64`.
    pub architecture: Option<String>,
}
validated_builder!(
    DescribeImagesRequest,
    DescribeImagesRequestBuilder,
    describe_images_request_builder
);

impl Validate for DescribeImagesRequest {
    fn validate(&self) -> Result<()> {
        if let Some(p) = &self.name_pattern {
            validate::len_in("name_pattern", p, 1, 128)?;
        }
        Ok(())
    }
}

/// Where an ingress rule admits traffic from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum IngressSource {
    /// An IPv4 CIDR block such as `203.0.113.0/24` (the API's `IpRanges` / `CidrIp`).
    Cidr(String),
    /// An IPv6 CIDR block such as `2001:db8::/48` (the API's `Ipv6Ranges` / `CidrIpv6`).
    CidrIpv6(String),
    /// Another security group (traffic from its members).
    Group(SecurityGroupId),
}

impl IngressSource {
    /// A CIDR source of either family, normalised ([`Cidr`]): IPv4 blocks become
    /// [`IngressSource::Cidr`], IPv6 blocks [`IngressSource::CidrIpv6`].
    ///
    /// ```
    /// use aws_facade::ec2::IngressSource;
    /// assert_eq!(IngressSource::cidr("10.1.2.3/16")?, IngressSource::Cidr("10.1.0.0/16".into()));
    /// assert_eq!(IngressSource::cidr("::/0")?, IngressSource::CidrIpv6("::/0".into()));
    /// # Ok::<(), aws_facade::Error>(())
    /// ```
    pub fn cidr(cidr: &str) -> Result<IngressSource> {
        let c: Cidr = cidr.parse()?;
        Ok(if c.is_ipv4() {
            IngressSource::Cidr(c.to_string())
        } else {
            IngressSource::CidrIpv6(c.to_string())
        })
    }

    /// The source with its CIDR block in AWS's canonical form (host bits cleared), as
    /// DescribeSecurityGroups reports it; unchanged if it does not parse.
    pub fn normalized(&self) -> IngressSource {
        let canon = |s: &String| s.parse::<Cidr>().map_or_else(|_| s.clone(), |c| c.to_string());
        match self {
            IngressSource::Cidr(s) => IngressSource::Cidr(canon(s)),
            IngressSource::CidrIpv6(s) => IngressSource::CidrIpv6(canon(s)),
            IngressSource::Group(g) => IngressSource::Group(g.clone()),
        }
    }

    /// The CIDR block of a `Cidr` or `CidrIpv6` source, checked against its family.
    fn checked_cidr(&self, field: &str) -> Result<Option<Cidr>> {
        let (text, want_v4) = match self {
            IngressSource::Cidr(s) => (s, true),
            IngressSource::CidrIpv6(s) => (s, false),
            IngressSource::Group(_) => return Ok(None),
        };
        let family = if want_v4 {
            "must be an IPv4 CIDR block like 10.0.0.0/16 (IPv6 blocks go in IngressSource::CidrIpv6)"
        } else {
            "must be an IPv6 CIDR block like 2001:db8::/48 (IPv4 blocks go in IngressSource::Cidr)"
        };
        match text.parse::<Cidr>() {
            Ok(c) if c.is_ipv4() == want_v4 => Ok(Some(c)),
            _ => Err(Error::validation(field, format!("{family} (got {text:?})"))),
        }
    }
}

/// One ingress rule of a security group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct IngressRule {
    /// `tcp`, `udp`, `icmp`, `icmpv6` or `-1` (all).
    #[builder(default = "tcp".to_string())]
    pub protocol: String,
    /// First port of the range.
    pub from_port: u16,
    /// Last port of the range.
    pub to_port: u16,
    /// Where traffic may come from.
    pub source: IngressSource,
    /// A description of the rule.
    pub description: Option<String>,
}

impl IngressRule {
    /// Whether the rule admits TCP traffic on `port` from `source` (CIDR blocks compared in
    /// canonical form).
    pub fn admits_tcp(&self, port: u16, source: &IngressSource) -> bool {
        (self.protocol == "tcp" || self.protocol == "-1")
            && self.from_port <= port
            && port <= self.to_port
            && self.source.normalized() == source.normalized()
    }
}

/// A security group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct SecurityGroup {
    /// Its id.
    pub id: SecurityGroupId,
    /// Its name (unique in its VPC).
    #[builder(default)]
    pub name: String,
    /// Its description.
    #[builder(default)]
    pub description: String,
    /// The VPC it belongs to.
    pub vpc_id: VpcId,
    /// Its ingress rules.
    #[builder(default)]
    pub ingress: Vec<IngressRule>,
    /// Its tags.
    #[builder(default)]
    pub tags: Tags,
}

/// The longest security group name, in characters (EC2 model, `CreateSecurityGroupRequest`
/// `GroupName` documentation: "Up to 255 characters in length. Can't start with `sg-`").
pub const MAX_SECURITY_GROUP_NAME_CHARS: usize = 255;
/// The longest security group description, in characters (EC2 model,
/// `CreateSecurityGroupRequest` `Description`: "Up to 255 characters in length").
pub const MAX_SECURITY_GROUP_DESCRIPTION_CHARS: usize = 255;
/// The punctuation a security group name or description may contain besides ASCII letters,
/// digits and spaces (EC2 model, `CreateSecurityGroupRequest` `GroupName`/`Description`: "Valid
/// characters: a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*").
pub const SECURITY_GROUP_PUNCTUATION: &str = "._-:/()#,@[]+=&;{}!$*";

/// Whether `c` may appear in a security group name or description (in a VPC).
pub fn is_security_group_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == ' ' || SECURITY_GROUP_PUNCTUATION.contains(c)
}

fn check_security_group_text(field: &str, s: &str) -> Result<()> {
    match s.chars().find(|c| !is_security_group_char(*c)) {
        None => Ok(()),
        Some(c) => Err(Error::validation(
            field,
            format!(
                "contains {c:?}: only a-z, A-Z, 0-9, spaces and {SECURITY_GROUP_PUNCTUATION} are allowed (got {s:?})"
            ),
        )),
    }
}

/// A request to create a security group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct CreateSecurityGroupRequest {
    /// The group name: 1-255 characters, unique in the VPC, not starting with `sg-`, of
    /// [`is_security_group_char`].
    pub name: String,
    /// The description: 1-255 characters of [`is_security_group_char`].
    pub description: String,
    /// The VPC (default: the default VPC).
    pub vpc_id: Option<VpcId>,
    /// Tags.
    #[builder(default)]
    pub tags: Tags,
}
validated_builder!(
    CreateSecurityGroupRequest,
    CreateSecurityGroupRequestBuilder,
    create_security_group_request_builder
);

impl Validate for CreateSecurityGroupRequest {
    fn validate(&self) -> Result<()> {
        // EC2 API reference, CreateSecurityGroup: GroupName and GroupDescription are up to 255
        // characters of a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*; a name cannot start
        // with `sg-`.
        validate::len_in("name", &self.name, 1, MAX_SECURITY_GROUP_NAME_CHARS)?;
        if self.name.starts_with("sg-") {
            return Err(Error::validation("name", "must not start with `sg-`"));
        }
        check_security_group_text("name", &self.name)?;
        validate::len_in(
            "description",
            &self.description,
            1,
            MAX_SECURITY_GROUP_DESCRIPTION_CHARS,
        )?;
        check_security_group_text("description", &self.description)?;
        validate::tags("tags", &self.tags)
    }
}

/// Which security groups to describe (filters combined with AND; empty means all).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""))]
pub struct DescribeSecurityGroupsRequest {
    /// Group ids.
    #[builder(default)]
    pub group_ids: Vec<SecurityGroupId>,
    /// Group names.
    #[builder(default)]
    pub group_names: Vec<String>,
    /// The VPC.
    pub vpc_id: Option<VpcId>,
    /// Tags every group must carry (key = value).
    #[builder(default)]
    pub tags: Tags,
}
validated_builder!(
    DescribeSecurityGroupsRequest,
    DescribeSecurityGroupsRequestBuilder,
    describe_security_groups_request_builder
);

impl Validate for DescribeSecurityGroupsRequest {
    fn validate(&self) -> Result<()> {
        Ok(())
    }
}

/// A request to add one ingress rule.
///
/// Secure by default: `build()` refuses a rule that opens SSH (22), RDP (3389), a sensitive
/// data-store port ([`cidr::SENSITIVE_PORTS`]) or every port (`-1`, or a range covering one of
/// them) to a wide public source (an IPv4 range shorter than /16, IPv6 shorter than /48,
/// `0.0.0.0/0`, `::/0`; see [`cidr`]), unless
/// [`allow_wide_admin_access`](Self::allow_wide_admin_access) is set.
///
/// ```
/// use aws_facade::ec2::{AuthorizeIngressRequest, IngressSource};
/// let b = || AuthorizeIngressRequest::builder().group_id("sg-12345678".parse().unwrap());
/// // Both halves of the internet are still the internet.
/// let e = b().from_port(22).source(IngressSource::cidr("0.0.0.0/1")?).build().unwrap_err();
/// assert!(e.to_string().contains("allow_wide_admin_access"), "{e}");
/// assert!(b().from_port(22).source(IngressSource::cidr("203.0.113.0/24")?).build().is_ok());
/// assert!(b().from_port(22).source(IngressSource::cidr("::/0")?).allow_wide_admin_access(true).build().is_ok());
/// # Ok::<(), aws_facade::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct AuthorizeIngressRequest {
    /// The group to change.
    pub group_id: SecurityGroupId,
    /// `tcp` (default), `udp`, `icmp`, `icmpv6` or `-1`.
    #[builder(default = "tcp".to_string())]
    pub protocol: String,
    /// First port.
    pub from_port: u16,
    /// Last port (default: `from_port`).
    pub to_port: Option<u16>,
    /// Where traffic may come from. CIDR blocks are sent in canonical form (host bits cleared).
    pub source: IngressSource,
    /// A description of the rule.
    pub description: Option<String>,
    /// The opt-out of the network guard: allow a rule that opens SSH/RDP, a sensitive port or
    /// every port to a wide public source ([`cidr`]). Off by default: such a rule is a
    /// validation error on `source`.
    #[builder(default)]
    #[serde(default, alias = "allow_admin_ports_from_anywhere")]
    pub allow_wide_admin_access: bool,
}
validated_builder!(
    AuthorizeIngressRequest,
    AuthorizeIngressRequestBuilder,
    authorize_ingress_request_builder
);

impl AuthorizeIngressRequest {
    /// The rule this request adds (its CIDR block in canonical form).
    pub fn rule(&self) -> IngressRule {
        IngressRule {
            protocol: self.protocol.clone(),
            from_port: self.from_port,
            to_port: self.to_port.unwrap_or(self.from_port),
            source: self.source.normalized(),
            description: self.description.clone(),
        }
    }
}

impl Validate for AuthorizeIngressRequest {
    fn validate(&self) -> Result<()> {
        if !["tcp", "udp", "icmp", "icmpv6", "-1"].contains(&self.protocol.as_str()) {
            return Err(Error::validation("protocol", "must be tcp, udp, icmp, icmpv6 or -1"));
        }
        let to = self.to_port.unwrap_or(self.from_port);
        if to < self.from_port {
            return Err(Error::validation("to_port", "must not be below from_port"));
        }
        if let Some(cidr) = self.source.checked_cidr("source")?
            && !self.allow_wide_admin_access
        {
            cidr::guard(
                "source",
                &self.protocol,
                self.from_port,
                to,
                &cidr,
                "set allow_wide_admin_access(true) to insist",
            )?;
        }
        Ok(())
    }
}

/// Checks an IPv4 CIDR block (`a.b.c.d/n`; host bits may be set, AWS clears them).
pub fn validate_cidr(field: &str, cidr: &str) -> Result<()> {
    match cidr.parse::<Cidr>() {
        Ok(c) if c.is_ipv4() => Ok(()),
        _ => Err(Error::validation(
            field,
            format!("must be an IPv4 CIDR block like 10.0.0.0/16 (got {cidr:?})"),
        )),
    }
}

crate::macros::open_enum! {
    /// An instance's lifecycle state.
    pub enum InstanceState {
        /// Launching.
        Pending = "pending",
        /// Running.
        Running = "running",
        /// Terminating.
        ShuttingDown = "shutting-down",
        /// Gone (visible for a while after termination).
        Terminated = "terminated",
        /// Stopping.
        Stopping = "stopping",
        /// Stopped.
        Stopped = "stopped",
    }
}

/// An EC2 instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct Instance {
    /// Its id.
    pub id: InstanceId,
    /// The image it was launched from.
    pub image_id: ImageId,
    /// Its type.
    pub instance_type: InstanceType,
    /// Its state.
    #[builder(default = InstanceState::Running)]
    pub state: InstanceState,
    /// Why it is in that state, where AWS says.
    pub state_reason: Option<String>,
    /// Its Availability Zone.
    pub availability_zone: AvailabilityZone,
    /// Its subnet.
    pub subnet_id: Option<SubnetId>,
    /// Its VPC.
    pub vpc_id: Option<VpcId>,
    /// Its private IPv4 address.
    pub private_ip: Option<String>,
    /// Its public IPv4 address.
    pub public_ip: Option<String>,
    /// Its security groups.
    #[builder(default)]
    pub security_groups: Vec<SecurityGroupId>,
    /// Whether the metadata service requires session tokens (IMDSv2).
    #[builder(default = true)]
    pub http_tokens_required: bool,
    /// When it was launched.
    pub launch_time: Option<SystemTime>,
    /// Its tags.
    #[builder(default)]
    pub tags: Tags,
    /// The device name of its root volume (`RootDeviceName`), where AWS says.
    #[serde(default)]
    pub root_device_name: Option<String>,
    /// Its EBS volumes by device, the root volume among them (`BlockDeviceMappings`; AWS may
    /// list none while the instance is `pending`). Encryption is a property of the volume:
    /// DescribeVolumes reports it.
    #[serde(default)]
    #[builder(default)]
    pub block_devices: Vec<InstanceBlockDevice>,
}

impl Instance {
    /// The id of its root volume (the block device at [`root_device_name`](Self::root_device_name)),
    /// once AWS reports it.
    pub fn root_volume_id(&self) -> Option<&VolumeId> {
        let root = self.root_device_name.as_deref()?;
        self.block_devices
            .iter()
            .find(|b| b.device_name == root)
            .map(|b| &b.volume_id)
    }
}

/// An EBS volume attached to an instance, as DescribeInstances lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct InstanceBlockDevice {
    /// The device name, e.g. `/dev/xvda`.
    pub device_name: String,
    /// The volume.
    pub volume_id: VolumeId,
    /// Whether the volume is deleted when the instance terminates.
    #[builder(default)]
    pub delete_on_termination: bool,
}

/// User data for an instance: at most 16 KB before base64 encoding (EC2 User Guide, "Run
/// commands when you launch an EC2 instance with user data input"); [`RunInstancesRequest`]
/// encodes it.
pub const MAX_USER_DATA_BYTES: usize = 16 * 1024;

/// A request to launch instances.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct RunInstancesRequest {
    /// The image.
    pub image_id: ImageId,
    /// The instance type.
    pub instance_type: InstanceType,
    /// How many instances (1-1000; launched as MinCount = MaxCount = count).
    #[builder(default = 1)]
    pub count: u32,
    /// The subnet (default: a default subnet chosen by EC2).
    pub subnet_id: Option<SubnetId>,
    /// Security groups (default: the VPC's default group).
    #[builder(default)]
    pub security_group_ids: Vec<SecurityGroupId>,
    /// User data as plain text (at most 16 KB); the adapter base64-encodes it. A
    /// [`SecretString`](crate::SecretString): redacted in `Debug` and serde output (it often
    /// carries bootstrap secrets); the builder takes any string.
    #[builder(into)]
    pub user_data: Option<crate::SecretString>,
    /// Tags for the instances (and their volumes).
    #[builder(default)]
    pub tags: Tags,
    /// Require IMDSv2 session tokens (default `true`: secure by default).
    #[builder(default = true)]
    pub require_imdsv2: bool,
    /// An idempotency token (up to 64 ASCII characters): a retry with the same token launches
    /// nothing new.
    pub client_token: Option<String>,
    /// An IAM instance profile name.
    pub instance_profile: Option<String>,
    /// Encrypt the root volume (default `true`: secure by default). The launch then carries a
    /// block-device mapping for the image's root device: gp3, `Encrypted`, deleted on
    /// termination, with [`root_kms_key_id`](Self::root_kms_key_id) and
    /// [`root_volume_size_gib`](Self::root_volume_size_gib) if given. `false` is the opt-out:
    /// no mapping is sent and the image's own mapping applies (unencrypted for most public
    /// images, unless the account turned on EBS encryption by default).
    #[builder(default = true)]
    #[serde(default = "default_true")]
    pub encrypt_root_volume: bool,
    /// The KMS key (id, alias or ARN) for the root volume (default: the account's default EBS
    /// key, `aws/ebs`). Needs `encrypt_root_volume`.
    pub root_kms_key_id: Option<String>,
    /// The root volume's size in GiB (default: the image's). AWS refuses a size below the
    /// image's snapshot. Needs `encrypt_root_volume`.
    pub root_volume_size_gib: Option<u32>,
    /// The image's root device name ([`Image::root_device_name`]). Default: looked up from the
    /// image; the SDK adapter then makes one DescribeImages call before RunInstances (and takes
    /// the image's root volume size as the default size). Needs `encrypt_root_volume`.
    pub root_device_name: Option<String>,
}
validated_builder!(
    RunInstancesRequest,
    RunInstancesRequestBuilder,
    run_instances_request_builder
);

impl Validate for RunInstancesRequest {
    fn validate(&self) -> Result<()> {
        validate::in_range("count", self.count, 1, 1000)?;
        if let Some(ud) = &self.user_data
            && ud.len() > MAX_USER_DATA_BYTES
        {
            return Err(Error::validation(
                "user_data",
                format!(
                    "must be at most {MAX_USER_DATA_BYTES} bytes before encoding (got {})",
                    ud.len()
                ),
            ));
        }
        if let Some(t) = &self.client_token {
            validate::len_in("client_token", t, 1, 64)?;
            if !t.is_ascii() {
                return Err(Error::validation("client_token", "must be ASCII"));
            }
        }
        self.validate_root_volume()?;
        validate::tags("tags", &self.tags)
    }
}

impl RunInstancesRequest {
    /// The root volume settings: each needs the encrypted mapping; a size within gp3's limits.
    fn validate_root_volume(&self) -> Result<()> {
        let set = [
            ("root_kms_key_id", self.root_kms_key_id.is_some()),
            ("root_volume_size_gib", self.root_volume_size_gib.is_some()),
            ("root_device_name", self.root_device_name.is_some()),
        ];
        if !self.encrypt_root_volume
            && let Some((field, _)) = set.iter().find(|(_, s)| *s)
        {
            return Err(Error::validation(
                *field,
                "applies to the encrypted root volume mapping; it needs encrypt_root_volume = true",
            ));
        }
        if let Some(size) = self.root_volume_size_gib {
            let (lo, hi) = VolumeType::Gp3.size_range_gib();
            validate::in_range("root_volume_size_gib", size, lo, hi)?;
        }
        // KMS API reference: a KeyId (id, ARN, alias name or alias ARN) is 1-2,048 characters.
        if let Some(k) = &self.root_kms_key_id {
            validate::len_in("root_kms_key_id", k, 1, 2048)?;
        }
        if self.root_device_name.as_ref().is_some_and(|d| d.is_empty()) {
            return Err(Error::validation("root_device_name", "must not be empty"));
        }
        Ok(())
    }
}

fn default_true() -> bool {
    true
}

/// Which instances to describe (filters combined with AND; empty means all).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""))]
pub struct DescribeInstancesRequest {
    /// Instance ids.
    #[builder(default)]
    pub instance_ids: Vec<InstanceId>,
    /// Tags every instance must carry (key = value).
    #[builder(default)]
    pub tags: Tags,
    /// Only instances in one of these states.
    #[builder(default)]
    pub states: Vec<InstanceState>,
}
validated_builder!(
    DescribeInstancesRequest,
    DescribeInstancesRequestBuilder,
    describe_instances_request_builder
);

impl Validate for DescribeInstancesRequest {
    fn validate(&self) -> Result<()> {
        Ok(())
    }
}

/// An instance's state change (from TerminateInstances).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct InstanceStateChange {
    /// The instance.
    pub id: InstanceId,
    /// Its state before.
    pub previous: InstanceState,
    /// Its state now.
    pub current: InstanceState,
}

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
        let t = &self.volume_type;
        match (self.size_gib, &self.snapshot_id) {
            (None, None) => {
                return Err(Error::validation("size_gib", "is required unless snapshot_id is given"));
            }
            (Some(size), _) => {
                let (lo, hi) = t.size_range_gib();
                validate::in_range("size_gib", size, lo, hi)?;
            }
            _ => {}
        }
        if t.is_unknown() {
            // A type newer than this crate: AWS checks its IOPS and throughput.
            return self.validate_rest();
        }
        match (self.iops, t.iops_range()) {
            (Some(_), None) => {
                return Err(Error::validation(
                    "iops",
                    format!("cannot be set for {} volumes", t.as_str()),
                ));
            }
            (Some(iops), Some((lo, hi, per_gib))) => {
                validate::in_range("iops", iops, lo, hi)?;
                if let Some(size) = self.size_gib
                    && iops > size.saturating_mul(per_gib)
                    && !(*t == VolumeType::Gp3 && iops <= 3_000)
                {
                    return Err(Error::validation(
                        "iops",
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
                    "iops",
                    format!("is required for {} volumes", t.as_str()),
                ));
            }
            _ => {}
        }
        match (self.throughput, t.throughput_range()) {
            (Some(_), None) => {
                return Err(Error::validation(
                    "throughput",
                    format!("cannot be set for {} volumes", t.as_str()),
                ));
            }
            (Some(tp), Some((lo, hi))) => {
                validate::in_range("throughput", tp, lo, hi)?;
                let iops = self.iops.unwrap_or(3_000);
                // gp3: at most 0.25 MiB/s per provisioned IOPS.
                if tp > iops / 4 {
                    return Err(Error::validation(
                        "throughput",
                        format!("must be at most iops / 4 = {} MiB/s for gp3", iops / 4),
                    ));
                }
            }
            _ => {}
        }
        self.validate_rest()
    }
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

/// Checks the arguments of TerminateInstances: 1 to 1,000 ids (EC2 API reference,
/// TerminateInstances: "up to 1000 instance IDs" per request).
pub(crate) fn validate_instance_ids(ids: &[InstanceId]) -> Result<()> {
    validate::non_empty("ids", ids)?;
    validate::at_most("ids", ids, 1000)
}

/// A request to stop instances.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""))]
pub struct StopInstancesRequest {
    /// The instances (1 to 1,000).
    pub instance_ids: Vec<InstanceId>,
    /// Stop without waiting for a graceful shutdown (`Force`: file system caches may not be
    /// flushed). Default off.
    #[builder(default)]
    pub force: bool,
    /// Hibernate instead of stopping (`Hibernate`: only instances launched with hibernation
    /// enabled; AWS answers `UnsupportedHibernationConfiguration` otherwise). Default off.
    #[builder(default)]
    pub hibernate: bool,
}
validated_builder!(
    StopInstancesRequest,
    StopInstancesRequestBuilder,
    stop_instances_request_builder
);

impl StopInstancesRequest {
    /// Stops `ids` gracefully, without hibernation.
    pub fn new(ids: Vec<InstanceId>) -> Self {
        StopInstancesRequest {
            instance_ids: ids,
            force: false,
            hibernate: false,
        }
    }
}

impl Validate for StopInstancesRequest {
    fn validate(&self) -> Result<()> {
        validate::non_empty("instance_ids", &self.instance_ids)?;
        validate::at_most("instance_ids", &self.instance_ids, 1000)
    }
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

/// Checks a rule to revoke: its protocol, port order and source syntax (no network guard:
/// revoking is always allowed).
pub(crate) fn validate_revoke(rule: &IngressRule) -> Result<()> {
    if !["tcp", "udp", "icmp", "icmpv6", "-1"].contains(&rule.protocol.as_str()) {
        return Err(Error::validation(
            "rule.protocol",
            "must be tcp, udp, icmp, icmpv6 or -1",
        ));
    }
    if rule.to_port < rule.from_port {
        return Err(Error::validation("rule.to_port", "must not be below from_port"));
    }
    rule.source.checked_cidr("rule.source").map(|_| ())
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
