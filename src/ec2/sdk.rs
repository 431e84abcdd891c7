//! The [`Ec2`] adapter over `aws_sdk_ec2`.
//!
//! Requests are mapped field by field; every describe follows all pages; every SDK error goes
//! through one mapping (`sdk_util::sdk_err`); fields missing from responses are `MalformedResponse` errors, never
//! panics.

use aws_sdk_ec2::types as t;
use base64::Engine as _;

use super::*;
use crate::Tags;
use crate::id::*;
use crate::macros::sdk_adapter;
use crate::sdk_util::{parse_id, sdk_err, tags_from, to_system_time};

sdk_adapter!(
    /// [`Ec2`] over `aws_sdk_ec2`.
    SdkEc2, aws_sdk_ec2);

// ---------------------------------------------------------------------------------------------
// Request helpers

/// The key pair CreateKeyPair or ImportKeyPair answered (`name` and `key_type` as asked,
/// where the answer leaves them out; no creation time, which only DescribeKeyPairs gives).
fn key_pair_made(
    id: Option<&str>,
    name: Option<&str>,
    fingerprint: Option<&str>,
    tags: &[t::Tag],
    asked: &str,
    key_type: KeyType,
) -> crate::Result<KeyPair> {
    Ok(KeyPair {
        id: id.ok_or_else(|| malformed("a key pair without KeyPairId"))?.to_string(),
        name: name.unwrap_or(asked).to_string(),
        fingerprint: fingerprint.unwrap_or_default().to_string(),
        key_type,
        created: None,
        tags: tags_of(tags),
    })
}

/// A volume modification as ModifyVolume and DescribeVolumesModifications answer it.
fn modification_from(m: &t::VolumeModification) -> crate::Result<VolumeModification> {
    let opt = |v: Option<i32>| v.and_then(|v| u32::try_from(v).ok());
    let vtype = |v: Option<&t::VolumeType>| v.map(|t| VolumeType::from(t.as_str()));
    Ok(VolumeModification {
        volume_id: id("VolumeId", m.volume_id())?,
        state: m
            .modification_state()
            .map(|s| VolumeModificationState::from(s.as_str()))
            .ok_or_else(|| malformed("a volume modification without a state"))?,
        progress: m.progress().map_or(0, |p| p.clamp(0, 100) as u8),
        original_size_gib: opt(m.original_size()),
        target_size_gib: opt(m.target_size()),
        original_volume_type: vtype(m.original_volume_type()),
        target_volume_type: vtype(m.target_volume_type()),
        original_iops: opt(m.original_iops()),
        target_iops: opt(m.target_iops()),
        original_throughput: opt(m.original_throughput()),
        target_throughput: opt(m.target_throughput()),
        start_time: m.start_time().and_then(to_system_time),
        end_time: m.end_time().and_then(to_system_time),
        status_message: m.status_message().map(str::to_string),
    })
}

/// One instance's state change, as Stop/Start/TerminateInstances answer it.
fn state_change(c: &t::InstanceStateChange) -> crate::Result<InstanceStateChange> {
    Ok(InstanceStateChange {
        id: id("InstanceId", c.instance_id())?,
        previous: instance_state(c.previous_state().and_then(|s| s.name()))?,
        current: instance_state(c.current_state().and_then(|s| s.name()))?,
    })
}

/// One ingress rule as an EC2 permission (one range or group pair).
fn permission(rule: &IngressRule) -> t::IpPermission {
    let perm = t::IpPermission::builder()
        .ip_protocol(&rule.protocol)
        .from_port(i32::from(rule.from_port))
        .to_port(i32::from(rule.to_port));
    match &rule.source {
        IngressSource::Cidr(cidr) => perm.ip_ranges(
            t::IpRange::builder()
                .cidr_ip(cidr)
                .set_description(rule.description.clone())
                .build(),
        ),
        IngressSource::CidrIpv6(cidr) => perm.ipv6_ranges(
            t::Ipv6Range::builder()
                .cidr_ipv6(cidr)
                .set_description(rule.description.clone())
                .build(),
        ),
        IngressSource::Group(g) => perm.user_id_group_pairs(
            t::UserIdGroupPair::builder()
                .group_id(g.as_str())
                .set_description(rule.description.clone())
                .build(),
        ),
    }
    .build()
}

/// The describe calls shared by the `Vec` methods (through the SDK's paginators) and the page
/// methods (one page).
impl SdkEc2 {
    fn instances_call(
        &self,
        req: &DescribeInstancesRequest,
    ) -> aws_sdk_ec2::operation::describe_instances::builders::DescribeInstancesFluentBuilder {
        let filters = Filters::default()
            .any("instance-state-name", req.states.iter().map(|s| s.as_str()))
            .tags(&req.tags)
            .build();
        self.client
            .describe_instances()
            .set_instance_ids(ids(&req.instance_ids))
            .set_filters(filters)
    }

    fn volumes_call(
        &self,
        req: &DescribeVolumesRequest,
    ) -> aws_sdk_ec2::operation::describe_volumes::builders::DescribeVolumesFluentBuilder {
        let filters = Filters::default()
            .opt(
                "attachment.instance-id",
                req.attached_to.as_ref().map(|i| i.to_string()),
            )
            .tags(&req.tags)
            .build();
        self.client
            .describe_volumes()
            .set_volume_ids(ids(&req.volume_ids))
            .set_filters(filters)
    }

    fn snapshots_call(
        &self,
        req: &DescribeSnapshotsRequest,
    ) -> aws_sdk_ec2::operation::describe_snapshots::builders::DescribeSnapshotsFluentBuilder {
        let filters = Filters::default()
            .opt("volume-id", req.volume_id.as_ref().map(|v| v.to_string()))
            .tags(&req.tags)
            .build();
        // Without ids, only our own snapshots (not every public snapshot in the region).
        let owners = req.snapshot_ids.is_empty().then(|| vec!["self".to_string()]);
        self.client
            .describe_snapshots()
            .set_snapshot_ids(ids(&req.snapshot_ids))
            .set_owner_ids(owners)
            .set_filters(filters)
    }
}

/// One describe filter.
fn filter<I, S>(name: &str, values: I) -> t::Filter
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    t::Filter::builder()
        .name(name)
        .set_values(Some(values.into_iter().map(Into::into).collect()))
        .build()
}

/// The filters of a describe request, built up one by one; `None` when there are none (so no
/// empty `Filters` list is sent).
#[derive(Default)]
struct Filters(Vec<t::Filter>);

impl Filters {
    /// Adds `name = value` when a value is given.
    fn opt(mut self, name: &str, value: Option<impl Into<String>>) -> Self {
        if let Some(v) = value {
            self.0.push(filter(name, [v]));
        }
        self
    }
    /// Adds `name in values` when there are values.
    fn any<S: Into<String>>(mut self, name: &str, values: impl IntoIterator<Item = S>) -> Self {
        let values: Vec<String> = values.into_iter().map(Into::into).collect();
        if !values.is_empty() {
            self.0.push(filter(name, values));
        }
        self
    }
    /// Adds one `tag:KEY = VALUE` filter per tag.
    fn tags(mut self, tags: &Tags) -> Self {
        self.0
            .extend(tags.iter().map(|(k, v)| filter(&format!("tag:{k}"), [v.clone()])));
        self
    }
    fn build(self) -> Option<Vec<t::Filter>> {
        (!self.0.is_empty()).then_some(self.0)
    }
}

/// Ids as SDK strings, `None` when empty.
fn ids<T: AsRef<str>>(ids: &[T]) -> Option<Vec<String>> {
    (!ids.is_empty()).then(|| ids.iter().map(|i| i.as_ref().to_string()).collect())
}

fn sdk_tags(tags: &Tags) -> Vec<t::Tag> {
    tags.iter()
        .map(|(k, v)| t::Tag::builder().key(k).value(v).build())
        .collect()
}

/// A tag specification for `kind`, `None` when there are no tags (AWS rejects empty ones).
fn tag_spec(kind: t::ResourceType, tags: &Tags) -> Option<t::TagSpecification> {
    (!tags.is_empty()).then(|| {
        t::TagSpecification::builder()
            .resource_type(kind)
            .set_tags(Some(sdk_tags(tags)))
            .build()
    })
}

// ---------------------------------------------------------------------------------------------
// Response helpers

fn id<T>(field: &str, value: Option<&str>) -> crate::Result<T>
where
    T: std::str::FromStr<Err = Error>,
{
    parse_id(Service::Ec2, field, value)
}

fn opt_id<T>(value: Option<&str>) -> crate::Result<Option<T>>
where
    T: std::str::FromStr<Err = Error>,
{
    value.map(str::parse).transpose()
}

fn malformed(what: impl std::fmt::Display) -> Error {
    Error::api(Service::Ec2, "MalformedResponse", format!("response has {what}"))
}

fn tags_of(tags: &[t::Tag]) -> Tags {
    tags_from(tags.iter().map(|t| (t.key(), t.value())))
}

/// A non-negative SDK integer as `u32` (missing or negative: 0).
fn u32_of(v: Option<i32>) -> u32 {
    v.and_then(|v| u32::try_from(v).ok()).unwrap_or(0)
}

fn port(v: Option<i32>, default: u16) -> u16 {
    v.and_then(|v| u16::try_from(v).ok()).unwrap_or(default)
}

// The SDK's enums carry unknown names as `Unknown`; `as_str` gives the name AWS sent, so a
// state or type this crate does not know becomes the facade's `Unknown` with that name (never
// a wrong known value, never an error). A missing field is malformed.
fn instance_state(name: Option<&t::InstanceStateName>) -> crate::Result<InstanceState> {
    name.map(|n| InstanceState::from(n.as_str()))
        .ok_or_else(|| malformed("an instance without a state"))
}

fn attachment_state(s: Option<&t::VolumeAttachmentState>) -> AttachmentState {
    // AWS always sends the state; a missing one reads as `busy` (neither attached nor free).
    s.map_or(AttachmentState::Busy, |s| AttachmentState::from(s.as_str()))
}

fn volume_state(s: Option<&t::VolumeState>) -> crate::Result<VolumeState> {
    s.map(|s| VolumeState::from(s.as_str()))
        .ok_or_else(|| malformed("a volume without a state"))
}

fn snapshot_state(s: Option<&t::SnapshotState>) -> crate::Result<SnapshotState> {
    s.map(|s| SnapshotState::from(s.as_str()))
        .ok_or_else(|| malformed("a snapshot without a state"))
}

/// An attachment from any SDK shape with the attachment accessors (`VolumeAttachment`,
/// `AttachVolumeOutput`, `DetachVolumeOutput`).
macro_rules! attachment_from {
    ($a:expr) => {{
        let a = $a;
        Ok::<_, Error>(VolumeAttachment {
            volume_id: id("VolumeId", a.volume_id())?,
            instance_id: id("InstanceId", a.instance_id())?,
            device: a.device().unwrap_or_default().to_string(),
            state: attachment_state(a.state()),
            delete_on_termination: a.delete_on_termination().unwrap_or(false),
        })
    }};
}

/// A volume from `types::Volume` or `CreateVolumeOutput` (same accessors).
macro_rules! volume_from {
    ($v:expr) => {{
        let v = $v;
        Ok::<_, Error>(Volume {
            id: id("VolumeId", v.volume_id())?,
            size_gib: u32_of(v.size()),
            // A type this crate does not know keeps its AWS name (never a wrong known type).
            volume_type: v
                .volume_type()
                .map(|t| VolumeType::from(t.as_str()))
                .ok_or_else(|| malformed("a volume without a type"))?,
            iops: v.iops().map(|i| u32_of(Some(i))),
            throughput: v.throughput().map(|i| u32_of(Some(i))),
            encrypted: v.encrypted().unwrap_or(false),
            kms_key_id: v.kms_key_id().map(str::to_string),
            availability_zone: id("AvailabilityZone", v.availability_zone())?,
            state: volume_state(v.state())?,
            snapshot_id: opt_id(v.snapshot_id().filter(|s| !s.is_empty()))?,
            attachments: v
                .attachments()
                .iter()
                .map(|a| attachment_from!(a))
                .collect::<crate::Result<_>>()?,
            tags: tags_of(v.tags()),
        })
    }};
}

/// A snapshot from `types::Snapshot` or `CreateSnapshotOutput` (same accessors).
macro_rules! snapshot_from {
    ($s:expr) => {{
        let s = $s;
        Ok::<_, Error>(Snapshot {
            id: id("SnapshotId", s.snapshot_id())?,
            // Snapshots not made from a volume (EBS direct APIs, copies) report `vol-ffffffff`.
            volume_id: opt_id(s.volume_id().filter(|v| *v != "vol-ffffffff" && !v.is_empty()))?,
            volume_size_gib: u32_of(s.volume_size()),
            state: snapshot_state(s.state())?,
            progress: s.progress().and_then(|p| p.trim_end_matches('%').parse().ok()),
            description: s.description().filter(|d| !d.is_empty()).map(str::to_string),
            encrypted: s.encrypted().unwrap_or(false),
            start_time: s.start_time().and_then(to_system_time),
            tags: tags_of(s.tags()),
        })
    }};
}

/// The instances of a DescribeInstances page's reservations, their strings moved out of the
/// answer (no copies).
fn instances_of(reservations: Option<Vec<t::Reservation>>) -> crate::Result<Vec<Instance>> {
    reservations
        .into_iter()
        .flatten()
        .flat_map(|r| r.instances.unwrap_or_default())
        .map(instance_owned)
        .collect()
}

fn owned_id<T>(field: &str, value: Option<String>) -> crate::Result<T>
where
    T: TryFrom<String, Error = Error>,
{
    crate::sdk_util::take_id(Service::Ec2, field, value)
}

/// An instance of an answer the adapter owns: strings and lists are moved, not copied.
fn instance_owned(i: t::Instance) -> crate::Result<Instance> {
    let placement = i.placement.unwrap_or_else(|| t::Placement::builder().build());
    Ok(Instance {
        id: owned_id("InstanceId", i.instance_id)?,
        image_id: owned_id("ImageId", i.image_id)?,
        instance_type: owned_id("InstanceType", i.instance_type.map(|t| t.as_str().to_string()))?,
        state: instance_state(i.state.as_ref().and_then(|s| s.name()))?,
        state_reason: i
            .state_reason
            .and_then(|r| r.message)
            .or_else(|| i.state_transition_reason.filter(|r| !r.is_empty())),
        availability_zone: owned_id("Placement.AvailabilityZone", placement.availability_zone)?,
        subnet_id: i
            .subnet_id
            .filter(|s| !s.is_empty())
            .map(TryFrom::try_from)
            .transpose()?,
        vpc_id: i.vpc_id.filter(|s| !s.is_empty()).map(TryFrom::try_from).transpose()?,
        private_ip: i.private_ip_address,
        public_ip: i.public_ip_address,
        key_name: i.key_name.filter(|k| !k.is_empty()),
        security_groups: i
            .security_groups
            .unwrap_or_default()
            .into_iter()
            .map(|g| owned_id("GroupId", g.group_id))
            .collect::<crate::Result<_>>()?,
        http_tokens_required: i
            .metadata_options
            .as_ref()
            .and_then(|m| m.http_tokens())
            .is_some_and(|t| *t == t::HttpTokensState::Required),
        launch_time: i.launch_time.as_ref().and_then(to_system_time),
        tags: i
            .tags
            .unwrap_or_default()
            .into_iter()
            .filter_map(|t| Some((t.key?, t.value.unwrap_or_default())))
            .collect(),
        root_device_name: i.root_device_name.filter(|d| !d.is_empty()),
        block_devices: i
            .block_device_mappings
            .unwrap_or_default()
            .into_iter()
            .filter_map(|m| Some((m.device_name?, m.ebs?)))
            .map(|(device_name, ebs)| {
                Ok(InstanceBlockDevice {
                    device_name,
                    volume_id: owned_id("BlockDeviceMapping.Ebs.VolumeId", ebs.volume_id)?,
                    delete_on_termination: ebs.delete_on_termination.unwrap_or(false),
                })
            })
            .collect::<crate::Result<_>>()?,
        placement_group: placement.group_name.filter(|g| !g.is_empty()),
        tenancy: placement.tenancy.map(|t| Tenancy::from(t.as_str())).unwrap_or_default(),
    })
}

fn rules_from(p: &t::IpPermission) -> crate::Result<Vec<IngressRule>> {
    let protocol = p.ip_protocol().unwrap_or("-1").to_string();
    // Protocol -1 (all) reports no ports, or -1.
    let from_port = port(p.from_port(), 0);
    let to_port = port(p.to_port(), u16::MAX);
    let rule = |source, description: Option<&str>| IngressRule {
        protocol: protocol.clone(),
        from_port,
        to_port,
        source,
        description: description.map(str::to_string),
    };
    let mut out = Vec::new();
    for r in p.ip_ranges() {
        let cidr = r.cidr_ip().ok_or_else(|| malformed("an IpRange without CidrIp"))?;
        out.push(rule(IngressSource::Cidr(cidr.to_string()), r.description()));
    }
    for r in p.ipv6_ranges() {
        let cidr = r
            .cidr_ipv6()
            .ok_or_else(|| malformed("an Ipv6Range without CidrIpv6"))?;
        out.push(rule(IngressSource::CidrIpv6(cidr.to_string()), r.description()));
    }
    for g in p.user_id_group_pairs() {
        out.push(rule(
            IngressSource::Group(id("GroupId", g.group_id())?),
            g.description(),
        ));
    }
    Ok(out)
}

fn security_group_from(g: &t::SecurityGroup) -> crate::Result<SecurityGroup> {
    let mut ingress = Vec::new();
    for p in g.ip_permissions() {
        ingress.extend(rules_from(p)?);
    }
    Ok(SecurityGroup {
        id: id("GroupId", g.group_id())?,
        name: g.group_name().unwrap_or_default().to_string(),
        description: g.description().unwrap_or_default().to_string(),
        vpc_id: id("VpcId", g.vpc_id())?,
        ingress,
        tags: tags_of(g.tags()),
    })
}

fn image_from(i: &t::Image) -> crate::Result<Image> {
    Ok(Image {
        id: id("ImageId", i.image_id())?,
        name: i.name().unwrap_or_default().to_string(),
        owner_id: i.owner_id().unwrap_or_default().to_string(),
        creation_date: i.creation_date().unwrap_or_default().to_string(),
        architecture: i.architecture().map(|a| a.as_str().to_string()).unwrap_or_default(),
        state: i.state().map(|s| s.as_str().to_string()).unwrap_or_default(),
        root_device_name: i.root_device_name().filter(|d| !d.is_empty()).map(str::to_string),
        root_device_type: i.root_device_type().map(|t| t.as_str().to_string()),
        root_volume_size_gib: i
            .block_device_mappings()
            .iter()
            .find(|m| m.device_name().is_some() && m.device_name() == i.root_device_name())
            .and_then(|m| m.ebs())
            .and_then(|e| e.volume_size())
            .and_then(|v| u32::try_from(v).ok()),
    })
}

/// The encrypted root volume at `device`: gp3, encrypted, deleted on termination, with the
/// KMS key and size asked for (RunInstances and launch template data alike).
fn root_volume(device: &str, size_gib: Option<u32>, kms_key_id: Option<String>) -> LaunchVolume {
    LaunchVolume {
        device_name: device.to_string(),
        size_gib,
        volume_type: VolumeType::Gp3,
        iops: None,
        throughput: None,
        snapshot_id: None,
        encrypted: true,
        kms_key_id,
        delete_on_termination: true,
    }
}

/// The block-device mapping of one volume, for RunInstances (`BlockDeviceMapping`,
/// `EbsBlockDevice`) or launch template data (`LaunchTemplateBlockDeviceMappingRequest`,
/// `LaunchTemplateEbsBlockDeviceRequest`): the same fields under two SDK types.
macro_rules! ebs_mapping {
    ($v:expr, $mapping:ty, $ebs:ty) => {{
        let v: &LaunchVolume = $v;
        <$mapping>::builder()
            .device_name(&v.device_name)
            .ebs(
                <$ebs>::builder()
                    .volume_type(volume_type(v.volume_type.clone()))
                    .encrypted(v.encrypted)
                    .delete_on_termination(v.delete_on_termination)
                    .set_kms_key_id(v.kms_key_id.clone())
                    .set_volume_size(v.size_gib.map(i32_of))
                    .set_iops(v.iops.map(i32_of))
                    .set_throughput(v.throughput.map(i32_of))
                    .set_snapshot_id(v.snapshot_id.as_ref().map(|s| s.to_string()))
                    .build(),
            )
            .build()
    }};
}

/// A launch template's block-device mapping of one volume.
fn template_volume_mapping(v: &LaunchVolume) -> t::LaunchTemplateBlockDeviceMappingRequest {
    ebs_mapping!(
        v,
        t::LaunchTemplateBlockDeviceMappingRequest,
        t::LaunchTemplateEbsBlockDeviceRequest
    )
}

/// A described launch template version's mapping as a [`LaunchVolume`] (`None`: not EBS).
fn template_volume_from(m: &t::LaunchTemplateBlockDeviceMapping) -> crate::Result<Option<LaunchVolume>> {
    let (Some(device), Some(ebs)) = (m.device_name(), m.ebs()) else {
        return Ok(None);
    };
    Ok(Some(LaunchVolume {
        device_name: device.to_string(),
        size_gib: ebs.volume_size().and_then(|v| u32::try_from(v).ok()),
        volume_type: ebs
            .volume_type()
            .map(|t| VolumeType::from(t.as_str()))
            .unwrap_or_default(),
        iops: ebs.iops().and_then(|v| u32::try_from(v).ok()),
        throughput: ebs.throughput().and_then(|v| u32::try_from(v).ok()),
        snapshot_id: opt_id(ebs.snapshot_id().filter(|s| !s.is_empty()))?,
        encrypted: ebs.encrypted().unwrap_or(false),
        kms_key_id: ebs.kms_key_id().map(str::to_string),
        delete_on_termination: ebs.delete_on_termination().unwrap_or(false),
    }))
}

fn template_from(t_: &t::LaunchTemplate) -> crate::Result<LaunchTemplate> {
    Ok(LaunchTemplate {
        id: id("LaunchTemplateId", t_.launch_template_id())?,
        name: t_
            .launch_template_name()
            .ok_or_else(|| malformed("a launch template without LaunchTemplateName"))?
            .to_string(),
        default_version: t_
            .default_version_number()
            .and_then(|v| u64::try_from(v).ok())
            .ok_or_else(|| malformed("a launch template without DefaultVersionNumber"))?,
        latest_version: t_
            .latest_version_number()
            .and_then(|v| u64::try_from(v).ok())
            .ok_or_else(|| malformed("a launch template without LatestVersionNumber"))?,
        created: t_.create_time().and_then(to_system_time),
        tags: tags_of(t_.tags()),
    })
}

fn template_version_from(v: &t::LaunchTemplateVersion) -> crate::Result<LaunchTemplateVersion> {
    let d = v.launch_template_data();
    let user_data = d
        .and_then(|d| d.user_data())
        .map(|b64| {
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|_| malformed("launch template user data that is not base64"))
                .map(|bytes| crate::SecretString::from(String::from_utf8_lossy(&bytes).into_owned()))
        })
        .transpose()?;
    let data = LaunchTemplateData {
        image_id: opt_id(d.and_then(|d| d.image_id()).filter(|s| !s.is_empty()))?,
        instance_type: d
            .and_then(|d| d.instance_type())
            .map(|t| t.as_str().parse())
            .transpose()?,
        key_name: d.and_then(|d| d.key_name()).map(str::to_string),
        security_group_ids: d
            .map(|d| {
                d.security_group_ids()
                    .iter()
                    .map(|g| g.parse())
                    .collect::<crate::Result<_>>()
            })
            .transpose()?
            .unwrap_or_default(),
        user_data,
        require_imdsv2: d
            .and_then(|d| d.metadata_options())
            .and_then(|m| m.http_tokens())
            .is_some_and(|t| *t == t::LaunchTemplateHttpTokensState::Required),
        instance_profile: d
            .and_then(|d| d.iam_instance_profile())
            .and_then(|p| p.name())
            .map(str::to_string),
        volumes: d
            .map(|d| {
                d.block_device_mappings()
                    .iter()
                    .map(template_volume_from)
                    .collect::<crate::Result<Vec<_>>>()
            })
            .transpose()?
            .unwrap_or_default()
            .into_iter()
            .flatten()
            .collect(),
        // The root mapping, if any, is among `volumes`.
        encrypt_root_volume: false,
        root_kms_key_id: None,
        root_volume_size_gib: None,
        root_device_name: None,
        placement: d.and_then(|d| d.placement()).map(|p| Placement {
            availability_zone: p.availability_zone().and_then(|z| z.parse().ok()),
            group_name: p.group_name().filter(|g| !g.is_empty()).map(str::to_string),
            tenancy: p.tenancy().map(|t| Tenancy::from(t.as_str())).unwrap_or_default(),
        }),
        tags: d
            .map(|d| {
                d.tag_specifications()
                    .iter()
                    .filter(|s| s.resource_type() == Some(&t::ResourceType::Instance))
                    .flat_map(|s| s.tags())
                    .map(|t| (t.key(), t.value()))
                    .collect::<Vec<_>>()
            })
            .map(tags_from)
            .unwrap_or_default(),
    };
    Ok(LaunchTemplateVersion {
        template_id: id("LaunchTemplateId", v.launch_template_id())?,
        template_name: v.launch_template_name().unwrap_or_default().to_string(),
        version: v
            .version_number()
            .and_then(|n| u64::try_from(n).ok())
            .ok_or_else(|| malformed("a launch template version without VersionNumber"))?,
        description: v.version_description().map(str::to_string),
        is_default: v.default_version().unwrap_or(false),
        created: v.create_time().and_then(to_system_time),
        data,
    })
}

fn instance_status_from(s: &t::InstanceStatus) -> crate::Result<InstanceStatus> {
    let summary = |x: Option<&t::InstanceStatusSummary>, what: &str| {
        x.and_then(|x| x.status())
            .map(|s| SummaryStatus::from(s.as_str()))
            .ok_or_else(|| malformed(format!("an instance status without {what}")))
    };
    Ok(InstanceStatus {
        instance_id: id("InstanceId", s.instance_id())?,
        availability_zone: id("AvailabilityZone", s.availability_zone())?,
        state: instance_state(s.instance_state().and_then(|st| st.name()))?,
        instance_status: summary(s.instance_status(), "InstanceStatus")?,
        system_status: summary(s.system_status(), "SystemStatus")?,
    })
}

fn instance_type_from(i: &t::InstanceTypeInfo) -> crate::Result<InstanceTypeInfo> {
    Ok(InstanceTypeInfo {
        instance_type: id("InstanceType", i.instance_type().map(|t| t.as_str()))?,
        vcpus: u32_of(i.v_cpu_info().and_then(|v| v.default_v_cpus())),
        memory_mib: i
            .memory_info()
            .and_then(|m| m.size_in_mib())
            .and_then(|m| u64::try_from(m).ok())
            .unwrap_or(0),
        architectures: i
            .processor_info()
            .map(|p| {
                p.supported_architectures()
                    .iter()
                    .map(|a| a.as_str().to_string())
                    .collect()
            })
            .unwrap_or_default(),
        current_generation: i.current_generation().unwrap_or(false),
        burstable: i.burstable_performance_supported().unwrap_or(false),
        free_tier_eligible: i.free_tier_eligible().unwrap_or(false),
    })
}

fn address_from(a: &t::Address) -> crate::Result<Address> {
    Ok(Address {
        allocation_id: id("AllocationId", a.allocation_id())?,
        public_ip: a
            .public_ip()
            .ok_or_else(|| malformed("an address without PublicIp"))?
            .to_string(),
        association_id: opt_id(a.association_id().filter(|s| !s.is_empty()))?,
        instance_id: opt_id(a.instance_id().filter(|s| !s.is_empty()))?,
        private_ip: a.private_ip_address().map(str::to_string),
        tags: tags_of(a.tags()),
    })
}

/// The block-device mapping of one volume at launch.
fn launch_volume_mapping(v: &LaunchVolume) -> t::BlockDeviceMapping {
    ebs_mapping!(v, t::BlockDeviceMapping, t::EbsBlockDevice)
}

/// RunInstances' `Placement`.
fn placement_of(p: &Placement) -> t::Placement {
    t::Placement::builder()
        .set_availability_zone(p.availability_zone.as_ref().map(|z| z.to_string()))
        .set_group_name(p.group_name.clone())
        .tenancy(t::Tenancy::from(p.tenancy.as_str()))
        .build()
}

fn volume_type(t: VolumeType) -> t::VolumeType {
    t::VolumeType::from(t.as_str())
}

fn i32_of(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

impl SdkEc2 {
    /// The encrypted root volume to map (`None`: the opt-out, the image's own mapping): at the
    /// given device, or at the image's root device (looked up, with the image's root size as
    /// the default size).
    async fn resolve_root(
        &self,
        encrypt: bool,
        device: Option<&String>,
        image_id: Option<&ImageId>,
        size_gib: Option<u32>,
        kms_key_id: Option<String>,
    ) -> crate::Result<Option<LaunchVolume>> {
        match (encrypt, device, image_id) {
            (false, _, _) => Ok(None),
            (true, Some(device), _) => Ok(Some(root_volume(device, size_gib, kms_key_id))),
            (true, None, Some(image_id)) => {
                let image = self.root_device_of(image_id).await?;
                let size = size_gib.or(image.root_volume_size_gib);
                let device = image.root_device_name.unwrap_or_default();
                Ok(Some(root_volume(&device, size, kms_key_id)))
            }
            (true, None, None) => Err(Error::validation(
                "encrypt_root_volume",
                "needs the image (image_id) or its root device (root_device_name)",
            )),
        }
    }

    /// A launch template's data as the SDK takes it (the root device looked up if needed).
    async fn template_data(&self, d: &LaunchTemplateData) -> crate::Result<t::RequestLaunchTemplateData> {
        let root = self
            .resolve_root(
                d.encrypt_root_volume,
                d.root_device_name.as_ref(),
                d.image_id.as_ref(),
                d.root_volume_size_gib,
                d.root_kms_key_id.clone(),
            )
            .await?;
        let maps: Vec<_> = root.iter().chain(&d.volumes).map(template_volume_mapping).collect();
        let tag_specs: Vec<_> = [t::ResourceType::Instance, t::ResourceType::Volume]
            .into_iter()
            .filter(|_| !d.tags.is_empty())
            .map(|kind| {
                t::LaunchTemplateTagSpecificationRequest::builder()
                    .resource_type(kind)
                    .set_tags(Some(sdk_tags(&d.tags)))
                    .build()
            })
            .collect();
        let mut b = t::RequestLaunchTemplateData::builder()
            .set_image_id(d.image_id.as_ref().map(|i| i.to_string()))
            .set_instance_type(d.instance_type.as_ref().map(|i| t::InstanceType::from(i.as_str())))
            .set_key_name(d.key_name.clone())
            .set_security_group_ids(ids(&d.security_group_ids))
            .set_user_data(
                d.user_data
                    .as_ref()
                    .map(|u| base64::engine::general_purpose::STANDARD.encode(u.expose_secret())),
            )
            .set_iam_instance_profile(d.instance_profile.as_ref().map(|p| {
                t::LaunchTemplateIamInstanceProfileSpecificationRequest::builder()
                    .name(p)
                    .build()
            }))
            .set_block_device_mappings((!maps.is_empty()).then_some(maps))
            .set_tag_specifications((!tag_specs.is_empty()).then_some(tag_specs))
            .set_placement(d.placement.as_ref().map(|p| {
                t::LaunchTemplatePlacementRequest::builder()
                    .set_availability_zone(p.availability_zone.as_ref().map(|z| z.to_string()))
                    .set_group_name(p.group_name.clone())
                    .tenancy(t::Tenancy::from(p.tenancy.as_str()))
                    .build()
            }));
        if d.require_imdsv2 {
            b = b.metadata_options(
                t::LaunchTemplateInstanceMetadataOptionsRequest::builder()
                    .http_tokens(t::LaunchTemplateHttpTokensState::Required)
                    .http_endpoint(t::LaunchTemplateInstanceMetadataEndpointState::Enabled)
                    .build(),
            );
        }
        Ok(b.build())
    }

    /// The image `id` with its root device (for the encrypted root volume mapping): an error if
    /// it is unknown or has no EBS root device (instance-store images cannot be encrypted).
    async fn root_device_of(&self, image_id: &ImageId) -> crate::Result<Image> {
        let out = self
            .client
            .describe_images()
            .image_ids(image_id.as_str())
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        let image = out
            .images()
            .iter()
            .find(|i| i.image_id() == Some(image_id.as_str()))
            .map(image_from)
            .transpose()?
            .ok_or_else(|| {
                Error::api(
                    Service::Ec2,
                    "InvalidAMIID.NotFound",
                    format!("The image id '{image_id}' does not exist (DescribeImages listed nothing)"),
                )
            })?;
        match (&image.root_device_name, image.root_device_type.as_deref()) {
            (Some(_), None | Some("ebs")) => Ok(image),
            (_, kind) => Err(Error::validation(
                "encrypt_root_volume",
                format!(
                    "image {image_id} has no EBS root device to encrypt (root device type {}); \
                     set encrypt_root_volume(false) to launch it with its own mapping",
                    kind.unwrap_or("unknown")
                ),
            )),
        }
    }
}

// ---------------------------------------------------------------------------------------------

// Every operation is implemented: none falls back to the trait's `Unsupported` default.
#[deny(clippy::missing_trait_methods)]
#[async_trait::async_trait]
impl super::Ec2 for SdkEc2 {
    async fn default_vpc(&self) -> crate::Result<Vpc> {
        let vpcs: Vec<t::Vpc> = self
            .client
            .describe_vpcs()
            .set_filters(Filters::default().opt("is-default", Some("true")).build())
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        let v = vpcs.first().ok_or_else(|| {
            Error::api(
                Service::Ec2,
                "InvalidVpcID.NotFound",
                "no default VPC in this region (DescribeVpcs is-default=true matched nothing)",
            )
        })?;
        Ok(Vpc {
            id: id("VpcId", v.vpc_id())?,
            cidr_block: v.cidr_block().unwrap_or_default().to_string(),
            is_default: v.is_default().unwrap_or(true),
        })
    }

    async fn describe_subnets(&self, vpc_id: VpcId) -> crate::Result<Vec<Subnet>> {
        let subnets: Vec<t::Subnet> = self
            .client
            .describe_subnets()
            .set_filters(Filters::default().opt("vpc-id", Some(vpc_id.as_str())).build())
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        subnets
            .iter()
            .map(|s| {
                Ok(Subnet {
                    id: id("SubnetId", s.subnet_id())?,
                    vpc_id: id("VpcId", s.vpc_id())?,
                    availability_zone: id("AvailabilityZone", s.availability_zone())?,
                    cidr_block: s.cidr_block().unwrap_or_default().to_string(),
                    default_for_az: s.default_for_az().unwrap_or(false),
                })
            })
            .collect()
    }

    async fn describe_images(&self, req: DescribeImagesRequest) -> crate::Result<Vec<Image>> {
        req.validate()?;
        let filters = Filters::default()
            .opt("name", req.name_pattern.as_deref())
            .opt("architecture", req.architecture.as_deref())
            .build();
        let images: Vec<t::Image> = self
            .client
            .describe_images()
            .set_image_ids(ids(&req.image_ids))
            .set_owners((!req.owners.is_empty()).then(|| req.owners.clone()))
            .set_filters(filters)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        let mut out = images.iter().map(image_from).collect::<crate::Result<Vec<_>>>()?;
        // ISO 8601 timestamps in one format sort as strings; newest first.
        out.sort_by(|a, b| b.creation_date.cmp(&a.creation_date));
        Ok(out)
    }

    async fn create_security_group(&self, req: CreateSecurityGroupRequest) -> crate::Result<SecurityGroupId> {
        req.validate()?;
        let out = self
            .client
            .create_security_group()
            .group_name(&req.name)
            .description(&req.description)
            .set_vpc_id(req.vpc_id.as_ref().map(|v| v.to_string()))
            .set_tag_specifications(tag_spec(t::ResourceType::SecurityGroup, &req.tags).map(|s| vec![s]))
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        id("GroupId", out.group_id())
    }

    async fn describe_security_groups(&self, req: DescribeSecurityGroupsRequest) -> crate::Result<Vec<SecurityGroup>> {
        req.validate()?;
        let filters = Filters::default()
            .any("group-name", req.group_names.iter().cloned())
            .opt("vpc-id", req.vpc_id.as_ref().map(|v| v.to_string()))
            .tags(&req.tags)
            .build();
        let groups: Vec<t::SecurityGroup> = self
            .client
            .describe_security_groups()
            .set_group_ids(ids(&req.group_ids))
            .set_filters(filters)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        groups.iter().map(security_group_from).collect()
    }

    async fn delete_security_group(&self, id: SecurityGroupId) -> crate::Result<()> {
        self.client
            .delete_security_group()
            .group_id(id.as_str())
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        Ok(())
    }

    async fn authorize_ingress(&self, req: AuthorizeIngressRequest) -> crate::Result<()> {
        req.validate()?;
        self.client
            .authorize_security_group_ingress()
            .group_id(req.group_id.as_str())
            .ip_permissions(permission(&req.rule()))
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        Ok(())
    }

    async fn revoke_ingress(&self, group_id: SecurityGroupId, rule: IngressRule) -> crate::Result<bool> {
        validate_revoke(&rule)?;
        let rule = IngressRule {
            source: rule.source.normalized(),
            // The description does not select the rule; sending it would only be echoed.
            description: None,
            ..rule
        };
        let out = self
            .client
            .revoke_security_group_ingress()
            .group_id(group_id.as_str())
            .ip_permissions(permission(&rule))
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        // A default-VPC group answers success and lists what it did not know.
        Ok(out.unknown_ip_permissions().is_empty())
    }

    async fn run_instances(&self, req: RunInstancesRequest) -> crate::Result<Vec<Instance>> {
        req.validate()?;
        let root = if req.uses_template_root() {
            None
        } else {
            self.resolve_root(
                req.encrypt_root_volume,
                req.root_device_name.as_ref(),
                req.image_id.as_ref(),
                req.root_volume_size_gib,
                req.root_kms_key_id.clone(),
            )
            .await?
        };
        let count = i32_of(req.count);
        let tag_specs: Vec<t::TagSpecification> = [t::ResourceType::Instance, t::ResourceType::Volume]
            .into_iter()
            .filter_map(|kind| tag_spec(kind, &req.tags))
            .collect();
        let mut call = self
            .client
            .run_instances()
            .set_image_id(req.image_id.as_ref().map(|i| i.to_string()))
            .set_instance_type(req.instance_type.as_ref().map(|i| t::InstanceType::from(i.as_str())))
            .set_launch_template(req.launch_template.as_ref().map(|lt| {
                t::LaunchTemplateSpecification::builder()
                    .set_launch_template_id(lt.template.id().map(|i| i.to_string()))
                    .set_launch_template_name(lt.template.name().map(str::to_string))
                    .version(lt.version.to_aws())
                    .build()
            }))
            .min_count(count)
            .max_count(count)
            .set_subnet_id(req.subnet_id.as_ref().map(|s| s.to_string()))
            .set_security_group_ids(ids(&req.security_group_ids))
            // The API takes base64; we encode the plain text ourselves.
            .set_user_data(
                req.user_data
                    .as_ref()
                    .map(|u| base64::engine::general_purpose::STANDARD.encode(u.expose_secret())),
            )
            .set_tag_specifications((!tag_specs.is_empty()).then_some(tag_specs))
            .set_client_token(req.client_token.clone())
            .set_key_name(req.key_name.clone())
            .set_iam_instance_profile(
                req.instance_profile
                    .as_ref()
                    .map(|p| t::IamInstanceProfileSpecification::builder().name(p).build()),
            )
            .set_block_device_mappings({
                let maps: Vec<_> = root.iter().chain(&req.volumes).map(launch_volume_mapping).collect();
                (!maps.is_empty()).then_some(maps)
            })
            .set_placement(req.placement.as_ref().map(placement_of));
        if req.require_imdsv2 {
            call = call.metadata_options(
                t::InstanceMetadataOptionsRequest::builder()
                    .http_tokens(t::HttpTokensState::Required)
                    .http_endpoint(t::InstanceMetadataEndpointState::Enabled)
                    .build(),
            );
        }
        let out = call.send().await.map_err(sdk_err(Service::Ec2))?;
        out.instances
            .unwrap_or_default()
            .into_iter()
            .map(instance_owned)
            .collect()
    }

    async fn describe_instances(&self, req: DescribeInstancesRequest) -> crate::Result<Vec<Instance>> {
        req.validate()?;
        // One request answers most describes (by id always): the first page is sent directly
        // and only a next token starts the crate's guarded page walk.
        let call = self.instances_call(&req);
        let first = call.clone().send().await.map_err(sdk_err(Service::Ec2))?;
        let mut out = instances_of(first.reservations)?;
        if let Some(next) = first.next_token.filter(|t| !t.is_empty()) {
            let rest = crate::page::paginate_after(Service::Ec2, Vec::new(), Some(next), move |token| {
                let call = call.clone();
                async move {
                    let page = call.set_next_token(token).send().await.map_err(sdk_err(Service::Ec2))?;
                    Ok((instances_of(page.reservations)?, page.next_token))
                }
            });
            out.extend(futures::TryStreamExt::try_collect::<Vec<_>>(rest).await?);
        }
        Ok(out)
    }

    async fn describe_instances_page(
        &self,
        req: DescribeInstancesRequest,
        page: PageRequest,
    ) -> crate::Result<Page<Instance>> {
        req.validate()?;
        // AWS refuses MaxResults together with instance ids.
        let size = page.size.filter(|_| req.instance_ids.is_empty());
        let out = self
            .instances_call(&req)
            .set_next_token(page.token)
            .set_max_results(size.map(i32_of))
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        Ok(Page::new(instances_of(out.reservations)?, out.next_token))
    }

    async fn terminate_instances(&self, ids_: Vec<InstanceId>) -> crate::Result<Vec<InstanceStateChange>> {
        validate_instance_ids(&ids_)?;
        let out = self
            .client
            .terminate_instances()
            .set_instance_ids(ids(&ids_))
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        out.terminating_instances().iter().map(state_change).collect()
    }

    async fn describe_instance_status(&self, req: DescribeInstanceStatusRequest) -> crate::Result<Vec<InstanceStatus>> {
        req.validate()?;
        let statuses: Vec<t::InstanceStatus> = self
            .client
            .describe_instance_status()
            .set_instance_ids(ids(&req.instance_ids))
            .include_all_instances(req.include_all_instances)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        statuses.iter().map(instance_status_from).collect()
    }

    async fn describe_instance_types(&self, req: DescribeInstanceTypesRequest) -> crate::Result<Vec<InstanceTypeInfo>> {
        req.validate()?;
        let types: Vec<t::InstanceTypeInfo> = self
            .client
            .describe_instance_types()
            .set_instance_types((!req.instance_types.is_empty()).then(|| {
                req.instance_types
                    .iter()
                    .map(|i| t::InstanceType::from(i.as_str()))
                    .collect()
            }))
            .set_filters(
                Filters::default()
                    .opt("processor-info.supported-architecture", req.architecture.clone())
                    .build(),
            )
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        types.iter().map(instance_type_from).collect()
    }

    async fn stop_instances(&self, req: StopInstancesRequest) -> crate::Result<Vec<InstanceStateChange>> {
        req.validate()?;
        let out = self
            .client
            .stop_instances()
            .set_instance_ids(ids(&req.instance_ids))
            .set_force(req.force.then_some(true))
            .set_hibernate(req.hibernate.then_some(true))
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        out.stopping_instances().iter().map(state_change).collect()
    }

    async fn start_instances(&self, ids_: Vec<InstanceId>) -> crate::Result<Vec<InstanceStateChange>> {
        validate_instance_ids(&ids_)?;
        let out = self
            .client
            .start_instances()
            .set_instance_ids(ids(&ids_))
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        out.starting_instances().iter().map(state_change).collect()
    }

    async fn reboot_instances(&self, ids_: Vec<InstanceId>) -> crate::Result<()> {
        validate_instance_ids(&ids_)?;
        self.client
            .reboot_instances()
            .set_instance_ids(ids(&ids_))
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        Ok(())
    }

    async fn create_key_pair(&self, req: CreateKeyPairRequest) -> crate::Result<CreatedKeyPair> {
        req.validate()?;
        let out = self
            .client
            .create_key_pair()
            .key_name(&req.name)
            .key_type(t::KeyType::from(req.key_type.as_str()))
            .set_tag_specifications(tag_spec(t::ResourceType::KeyPair, &req.tags).map(|s| vec![s]))
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        let private_key = out
            .key_material()
            .ok_or_else(|| malformed("a CreateKeyPair answer without KeyMaterial"))?;
        Ok(CreatedKeyPair {
            key_pair: key_pair_made(
                out.key_pair_id(),
                out.key_name(),
                out.key_fingerprint(),
                out.tags(),
                &req.name,
                req.key_type.clone(),
            )?,
            private_key: private_key.into(),
        })
    }

    async fn import_key_pair(&self, req: ImportKeyPairRequest) -> crate::Result<KeyPair> {
        req.validate()?;
        let out = self
            .client
            .import_key_pair()
            .key_name(&req.name)
            .public_key_material(aws_sdk_ec2::primitives::Blob::new(req.public_key.trim().as_bytes()))
            .set_tag_specifications(tag_spec(t::ResourceType::KeyPair, &req.tags).map(|s| vec![s]))
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        key_pair_made(
            out.key_pair_id(),
            out.key_name(),
            out.key_fingerprint(),
            out.tags(),
            &req.name,
            req.key_type(),
        )
    }

    async fn describe_key_pairs(&self, req: DescribeKeyPairsRequest) -> crate::Result<Vec<KeyPair>> {
        req.validate()?;
        let out = self
            .client
            .describe_key_pairs()
            .set_key_names((!req.names.is_empty()).then(|| req.names.clone()))
            .set_filters(Filters::default().tags(&req.tags).build())
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        out.key_pairs()
            .iter()
            .map(|k| {
                Ok(KeyPair {
                    id: k
                        .key_pair_id()
                        .ok_or_else(|| malformed("a key pair without KeyPairId"))?
                        .to_string(),
                    name: k
                        .key_name()
                        .ok_or_else(|| malformed("a key pair without KeyName"))?
                        .to_string(),
                    fingerprint: k.key_fingerprint().unwrap_or_default().to_string(),
                    // A type newer than the crate keeps its name; a missing one is RSA, the
                    // only type before ED25519.
                    key_type: k.key_type().map_or(KeyType::Rsa, |t| KeyType::from(t.as_str())),
                    created: k.create_time().and_then(to_system_time),
                    tags: tags_of(k.tags()),
                })
            })
            .collect()
    }

    async fn delete_key_pair(&self, name: String) -> crate::Result<()> {
        validate_key_pair_name(&name)?;
        self.client
            .delete_key_pair()
            .key_name(&name)
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        Ok(())
    }

    async fn create_volume(&self, req: CreateVolumeRequest) -> crate::Result<Volume> {
        req.validate()?;
        let out = self
            .client
            .create_volume()
            .availability_zone(req.availability_zone.as_str())
            .set_size(req.size_gib.map(i32_of))
            .volume_type(volume_type(req.volume_type))
            .set_iops(req.iops.map(i32_of))
            .set_throughput(req.throughput.map(i32_of))
            .encrypted(req.encrypted)
            .set_kms_key_id(req.kms_key_id.clone())
            .set_snapshot_id(req.snapshot_id.as_ref().map(|s| s.to_string()))
            .set_tag_specifications(tag_spec(t::ResourceType::Volume, &req.tags).map(|s| vec![s]))
            .set_client_token(req.client_token.clone())
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        volume_from!(&out)
    }

    async fn describe_volumes(&self, req: DescribeVolumesRequest) -> crate::Result<Vec<Volume>> {
        req.validate()?;
        let volumes: Vec<t::Volume> = self
            .volumes_call(&req)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        volumes.iter().map(|v| volume_from!(v)).collect()
    }

    async fn describe_volumes_page(
        &self,
        req: DescribeVolumesRequest,
        page: PageRequest,
    ) -> crate::Result<Page<Volume>> {
        req.validate()?;
        // AWS refuses MaxResults together with volume ids.
        let size = page.size.filter(|_| req.volume_ids.is_empty());
        let out = self
            .volumes_call(&req)
            .set_next_token(page.token)
            .set_max_results(size.map(i32_of))
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        let items = out
            .volumes()
            .iter()
            .map(|v| volume_from!(v))
            .collect::<crate::Result<_>>()?;
        Ok(Page::new(items, out.next_token().map(str::to_string)))
    }

    async fn modify_volume(&self, req: ModifyVolumeRequest) -> crate::Result<VolumeModification> {
        req.validate()?;
        let out = self
            .client
            .modify_volume()
            .volume_id(req.volume_id.as_str())
            .set_size(req.size_gib.map(i32_of))
            .set_volume_type(req.volume_type.clone().map(volume_type))
            .set_iops(req.iops.map(i32_of))
            .set_throughput(req.throughput.map(i32_of))
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        let m = out
            .volume_modification()
            .ok_or_else(|| malformed("a ModifyVolume answer without its modification"))?;
        modification_from(m)
    }

    async fn describe_volumes_modifications(&self, ids_: Vec<VolumeId>) -> crate::Result<Vec<VolumeModification>> {
        validate::non_empty("ids", &ids_)?;
        let items: Vec<t::VolumeModification> = self
            .client
            .describe_volumes_modifications()
            .set_volume_ids(ids(&ids_))
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        items.iter().map(modification_from).collect()
    }

    async fn attach_volume(&self, req: AttachVolumeRequest) -> crate::Result<VolumeAttachment> {
        req.validate()?;
        let out = self
            .client
            .attach_volume()
            .volume_id(req.volume_id.as_str())
            .instance_id(req.instance_id.as_str())
            .device(&req.device)
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        attachment_from!(&out)
    }

    async fn detach_volume(&self, req: DetachVolumeRequest) -> crate::Result<VolumeAttachment> {
        req.validate()?;
        let out = self
            .client
            .detach_volume()
            .volume_id(req.volume_id.as_str())
            .set_instance_id(req.instance_id.as_ref().map(|i| i.to_string()))
            .force(req.force)
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        attachment_from!(&out)
    }

    async fn delete_volume(&self, id: VolumeId) -> crate::Result<()> {
        self.client
            .delete_volume()
            .volume_id(id.as_str())
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        Ok(())
    }

    async fn create_snapshot(&self, req: CreateSnapshotRequest) -> crate::Result<Snapshot> {
        req.validate()?;
        let out = self
            .client
            .create_snapshot()
            .volume_id(req.volume_id.as_str())
            .set_description(req.description.clone())
            .set_tag_specifications(tag_spec(t::ResourceType::Snapshot, &req.tags).map(|s| vec![s]))
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        snapshot_from!(&out)
    }

    async fn describe_snapshots(&self, req: DescribeSnapshotsRequest) -> crate::Result<Vec<Snapshot>> {
        req.validate()?;
        let snapshots: Vec<t::Snapshot> = self
            .snapshots_call(&req)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        snapshots.iter().map(|s| snapshot_from!(s)).collect()
    }

    async fn describe_snapshots_page(
        &self,
        req: DescribeSnapshotsRequest,
        page: PageRequest,
    ) -> crate::Result<Page<Snapshot>> {
        req.validate()?;
        // AWS refuses MaxResults together with snapshot ids.
        let size = page.size.filter(|_| req.snapshot_ids.is_empty());
        let out = self
            .snapshots_call(&req)
            .set_next_token(page.token)
            .set_max_results(size.map(i32_of))
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        let items = out
            .snapshots()
            .iter()
            .map(|s| snapshot_from!(s))
            .collect::<crate::Result<_>>()?;
        Ok(Page::new(items, out.next_token().map(str::to_string)))
    }

    async fn delete_snapshot(&self, id: SnapshotId) -> crate::Result<()> {
        self.client
            .delete_snapshot()
            .snapshot_id(id.as_str())
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        Ok(())
    }

    async fn create_launch_template(&self, req: CreateLaunchTemplateRequest) -> crate::Result<LaunchTemplate> {
        req.validate()?;
        let data = self.template_data(&req.data).await?;
        let out = self
            .client
            .create_launch_template()
            .launch_template_name(&req.name)
            .set_version_description(req.version_description.clone())
            .launch_template_data(data)
            .set_client_token(req.client_token.clone())
            .set_tag_specifications(tag_spec(t::ResourceType::LaunchTemplate, &req.tags).map(|s| vec![s]))
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        template_from(
            out.launch_template()
                .ok_or_else(|| malformed("a CreateLaunchTemplate answer without LaunchTemplate"))?,
        )
    }

    async fn create_launch_template_version(
        &self,
        req: CreateLaunchTemplateVersionRequest,
    ) -> crate::Result<LaunchTemplateVersion> {
        req.validate()?;
        let data = self.template_data(&req.data).await?;
        let out = self
            .client
            .create_launch_template_version()
            .set_launch_template_id(req.template.id().map(|i| i.to_string()))
            .set_launch_template_name(req.template.name().map(str::to_string))
            .set_version_description(req.version_description.clone())
            .launch_template_data(data)
            .set_client_token(req.client_token.clone())
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        template_version_from(
            out.launch_template_version()
                .ok_or_else(|| malformed("a CreateLaunchTemplateVersion answer without LaunchTemplateVersion"))?,
        )
    }

    async fn set_default_launch_template_version(
        &self,
        template: LaunchTemplateRef,
        version: u64,
    ) -> crate::Result<LaunchTemplate> {
        validate_default_version(&template, version)?;
        let out = self
            .client
            .modify_launch_template()
            .set_launch_template_id(template.id().map(|i| i.to_string()))
            .set_launch_template_name(template.name().map(str::to_string))
            .default_version(version.to_string())
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        template_from(
            out.launch_template()
                .ok_or_else(|| malformed("a ModifyLaunchTemplate answer without LaunchTemplate"))?,
        )
    }

    async fn describe_launch_templates(
        &self,
        req: DescribeLaunchTemplatesRequest,
    ) -> crate::Result<Vec<LaunchTemplate>> {
        req.validate()?;
        let all: Vec<t::LaunchTemplate> = self
            .client
            .describe_launch_templates()
            .set_launch_template_ids(ids(&req.ids))
            .set_launch_template_names((!req.names.is_empty()).then(|| req.names.clone()))
            .set_filters(Filters::default().tags(&req.tags).build())
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        all.iter().map(template_from).collect()
    }

    async fn describe_launch_template_versions(
        &self,
        template: LaunchTemplateRef,
        versions: Vec<TemplateVersion>,
    ) -> crate::Result<Vec<LaunchTemplateVersion>> {
        validate_template_versions(&template, &versions, false)?;
        let all: Vec<t::LaunchTemplateVersion> = self
            .client
            .describe_launch_template_versions()
            .set_launch_template_id(template.id().map(|i| i.to_string()))
            .set_launch_template_name(template.name().map(str::to_string))
            .set_versions((!versions.is_empty()).then(|| versions.iter().map(TemplateVersion::to_aws).collect()))
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        all.iter().map(template_version_from).collect()
    }

    async fn delete_launch_template_versions(
        &self,
        template: LaunchTemplateRef,
        versions: Vec<TemplateVersion>,
    ) -> crate::Result<()> {
        validate_template_versions(&template, &versions, true)?;
        let out = self
            .client
            .delete_launch_template_versions()
            .set_launch_template_id(template.id().map(|i| i.to_string()))
            .set_launch_template_name(template.name().map(str::to_string))
            .set_versions(Some(versions.iter().map(TemplateVersion::to_aws).collect()))
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        // The call succeeds even when some versions are not deleted: each failure is listed.
        if let Some(failed) = out.unsuccessfully_deleted_launch_template_versions().first() {
            let info = failed.response_error();
            let code = info
                .and_then(|e| e.code())
                .map_or("UnexpectedError", |c| c.as_str())
                .to_string();
            return Err(Error::api(
                Service::Ec2,
                code,
                format!(
                    "version {} of {template} was not deleted: {}",
                    failed.version_number().unwrap_or_default(),
                    info.and_then(|e| e.message()).unwrap_or("no reason given")
                ),
            ));
        }
        Ok(())
    }

    async fn delete_launch_template(&self, template: LaunchTemplateRef) -> crate::Result<()> {
        template.validate("template")?;
        self.client
            .delete_launch_template()
            .set_launch_template_id(template.id().map(|i| i.to_string()))
            .set_launch_template_name(template.name().map(str::to_string))
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        Ok(())
    }

    async fn allocate_address(&self, req: AllocateAddressRequest) -> crate::Result<Address> {
        req.validate()?;
        let out = self
            .client
            .allocate_address()
            .domain(t::DomainType::Vpc)
            .set_tag_specifications(tag_spec(t::ResourceType::ElasticIp, &req.tags).map(|s| vec![s]))
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        Ok(Address {
            allocation_id: id("AllocationId", out.allocation_id())?,
            public_ip: out
                .public_ip()
                .ok_or_else(|| malformed("an AllocateAddress answer without PublicIp"))?
                .to_string(),
            association_id: None,
            instance_id: None,
            private_ip: None,
            tags: req.tags,
        })
    }

    async fn describe_addresses(&self, req: DescribeAddressesRequest) -> crate::Result<Vec<Address>> {
        req.validate()?;
        // DescribeAddresses has no pagination: one answer holds every match.
        let out = self
            .client
            .describe_addresses()
            .set_allocation_ids(ids(&req.allocation_ids))
            .set_filters(Filters::default().tags(&req.tags).build())
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        out.addresses().iter().map(address_from).collect()
    }

    async fn associate_address(&self, req: AssociateAddressRequest) -> crate::Result<AssociationId> {
        req.validate()?;
        let out = self
            .client
            .associate_address()
            .allocation_id(req.allocation_id.as_str())
            .instance_id(req.instance_id.as_str())
            .set_private_ip_address(req.private_ip.clone())
            .allow_reassociation(req.allow_reassociation)
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        id("AssociationId", out.association_id())
    }

    async fn disassociate_address(&self, association: AssociationId) -> crate::Result<()> {
        self.client
            .disassociate_address()
            .association_id(association.as_str())
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        Ok(())
    }

    async fn release_address(&self, allocation: AllocationId) -> crate::Result<()> {
        self.client
            .release_address()
            .allocation_id(allocation.as_str())
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        Ok(())
    }

    async fn create_tags(&self, resource_ids: Vec<String>, tags: Tags) -> crate::Result<()> {
        validate_create_tags(&resource_ids, &tags)?;
        self.client
            .create_tags()
            .set_resources(Some(resource_ids))
            .set_tags(Some(sdk_tags(&tags)))
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        Ok(())
    }

    async fn delete_tags(&self, resource_ids: Vec<String>, keys: Vec<String>) -> crate::Result<()> {
        validate_delete_tags(&resource_ids, &keys)?;
        // A key without a value deletes the tag whatever its value.
        let tags = keys.iter().map(|k| t::Tag::builder().key(k).build()).collect();
        self.client
            .delete_tags()
            .set_resources(Some(resource_ids))
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(sdk_err(Service::Ec2))?;
        Ok(())
    }
}

// Public conversions from the SDK's types, for code that mixes SDK calls (through
// `Cloud::sdk`) with the facade.

impl TryFrom<&t::Instance> for Instance {
    type Error = Error;
    /// The facade's view of an instance the SDK answered (e.g. from a DescribeInstances made
    /// through [`Cloud::sdk`](crate::Cloud::sdk)); an answer missing required fields is an error.
    fn try_from(i: &t::Instance) -> crate::Result<Instance> {
        instance_owned(i.clone())
    }
}

impl TryFrom<&t::SecurityGroup> for SecurityGroup {
    type Error = Error;
    /// The facade's view of a security group the SDK answered.
    fn try_from(g: &t::SecurityGroup) -> crate::Result<SecurityGroup> {
        security_group_from(g)
    }
}

impl TryFrom<&t::Image> for Image {
    type Error = Error;
    /// The facade's view of an image the SDK answered.
    fn try_from(i: &t::Image) -> crate::Result<Image> {
        image_from(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::ec2::Ec2;
    use aws_sdk_ec2::Client;
    use aws_sdk_ec2::error::ErrorMetadata;
    use aws_sdk_ec2::operation::authorize_security_group_ingress::AuthorizeSecurityGroupIngressOutput;
    use aws_sdk_ec2::operation::create_volume::CreateVolumeOutput;
    use aws_sdk_ec2::operation::describe_images::DescribeImagesOutput;
    use aws_sdk_ec2::operation::describe_instances::{DescribeInstancesError, DescribeInstancesOutput};
    use aws_sdk_ec2::operation::describe_security_groups::DescribeSecurityGroupsOutput;
    use aws_sdk_ec2::operation::run_instances::{RunInstancesInput, RunInstancesOutput};
    use aws_sdk_ec2::operation::terminate_instances::TerminateInstancesError;
    use aws_smithy_mocks::{MockResponseInterceptor, Rule, RuleMode, create_mock_http_client, mock};

    /// A client answering from `rules` in order (what `mock_client!` builds, without needing
    /// the SDK's `test-util` feature), with retries off so one rule answers one call.
    fn client(rules: &[&Rule]) -> SdkEc2 {
        let mut interceptor = MockResponseInterceptor::new().rule_mode(RuleMode::Sequential);
        for r in rules {
            interceptor = interceptor.with_rule(r);
        }
        let conf = aws_sdk_ec2::Config::builder()
            .behavior_version(aws_sdk_ec2::config::BehaviorVersion::latest())
            .region(aws_sdk_ec2::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_ec2::config::Credentials::new(
                "AKIDTEST", "secret", None, None, "test",
            ))
            .retry_config(aws_sdk_ec2::config::retry::RetryConfig::disabled())
            .http_client(create_mock_http_client())
            .interceptor(interceptor)
            .build();
        SdkEc2::from_client(Client::from_conf(conf))
    }

    fn sdk_instance(id: &str, state: t::InstanceStateName) -> t::Instance {
        sdk_instance_builder(id, state).build()
    }

    fn sdk_instance_builder(id: &str, state: t::InstanceStateName) -> t::builders::InstanceBuilder {
        t::Instance::builder()
            .instance_id(id)
            .image_id("ami-0123456789abcdef0")
            .instance_type(t::InstanceType::T3Micro)
            .state(t::InstanceState::builder().name(state).code(16).build())
            .placement(t::Placement::builder().availability_zone("us-east-1b").build())
            .subnet_id("subnet-0123456789abcdef0")
            .vpc_id("vpc-0123456789abcdef0")
            .private_ip_address("172.31.16.5")
            .security_groups(t::GroupIdentifier::builder().group_id("sg-0123456789abcdef0").build())
            .metadata_options(
                t::InstanceMetadataOptionsResponse::builder()
                    .http_tokens(t::HttpTokensState::Required)
                    .build(),
            )
            .launch_time(aws_smithy_types::DateTime::from_secs(1_700_000_000))
            .tags(t::Tag::builder().key("Name").value("web").build())
    }

    fn has_tag_spec(specs: &[t::TagSpecification], kind: t::ResourceType, key: &str, value: &str) -> bool {
        specs.iter().any(|s| {
            s.resource_type() == Some(&kind)
                && s.tags()
                    .iter()
                    .any(|t| t.key() == Some(key) && t.value() == Some(value))
        })
    }

    /// An EBS-backed image with its root device mapping, as DescribeImages answers it.
    fn sdk_image(id: &str, root: &str, size: i32, kind: t::DeviceType) -> t::Image {
        t::Image::builder()
            .image_id(id)
            .name("al2023-ami-2023.6-x86_64")
            .root_device_name(root)
            .root_device_type(kind)
            .block_device_mappings(
                t::BlockDeviceMapping::builder()
                    .device_name(root)
                    .ebs(
                        t::EbsBlockDevice::builder()
                            .snapshot_id("snap-0123456789abcdef0")
                            .volume_size(size)
                            .volume_type(t::VolumeType::Gp3)
                            .delete_on_termination(true)
                            .build(),
                    )
                    .build(),
            )
            .build()
    }

    /// Whether `r` carries exactly one mapping: the encrypted gp3 root at `device`.
    fn encrypted_root(r: &RunInstancesInput, device: &str, size: Option<i32>, kms: Option<&str>) -> bool {
        let [m] = r.block_device_mappings() else { return false };
        let Some(ebs) = m.ebs() else { return false };
        m.device_name() == Some(device)
            && ebs.encrypted() == Some(true)
            && ebs.volume_type() == Some(&t::VolumeType::Gp3)
            && ebs.delete_on_termination() == Some(true)
            && ebs.volume_size() == size
            && ebs.kms_key_id() == kms
            && ebs.snapshot_id().is_none()
    }

    #[tokio::test]
    async fn run_instances_sends_encoded_user_data_imdsv2_token_and_tags() {
        // The root device is the image's: one DescribeImages first.
        let image = mock!(Client::describe_images)
            .match_requests(|r| r.image_ids() == ["ami-0123456789abcdef0"])
            .then_output(|| {
                DescribeImagesOutput::builder()
                    .images(sdk_image("ami-0123456789abcdef0", "/dev/xvda", 8, t::DeviceType::Ebs))
                    .build()
            });
        let rule = mock!(Client::run_instances)
            .match_requests(|r| {
                let specs = r.tag_specifications();
                encrypted_root(r, "/dev/xvda", Some(8), None) &&
                r.user_data() == Some("IyEvYmluL3NoCmVjaG8gaGk=") // "#!/bin/sh\necho hi"
                    && r.metadata_options().and_then(|m| m.http_tokens()) == Some(&t::HttpTokensState::Required)
                    && r.metadata_options().and_then(|m| m.http_endpoint())
                        == Some(&t::InstanceMetadataEndpointState::Enabled)
                    && r.client_token() == Some("launch-1")
                    && r.min_count() == Some(2)
                    && r.max_count() == Some(2)
                    && r.image_id() == Some("ami-0123456789abcdef0")
                    && r.instance_type() == Some(&t::InstanceType::T3Micro)
                    && r.subnet_id() == Some("subnet-0123456789abcdef0")
                    && r.security_group_ids() == ["sg-0123456789abcdef0"]
                    && r.iam_instance_profile().and_then(|p| p.name()) == Some("web-profile")
                    && has_tag_spec(specs, t::ResourceType::Instance, "Name", "web")
                    && has_tag_spec(specs, t::ResourceType::Volume, "Name", "web")
            })
            .then_output(|| {
                RunInstancesOutput::builder()
                    .instances(sdk_instance("i-0123456789abcdef0", t::InstanceStateName::Pending))
                    .instances(sdk_instance("i-0123456789abcdef1", t::InstanceStateName::Pending))
                    .build()
            });
        let ec2 = client(&[&image, &rule]);
        let req = RunInstancesRequest::builder()
            .image_id("ami-0123456789abcdef0".parse().unwrap())
            .instance_type("t3.micro".parse().unwrap())
            .count(2)
            .subnet_id("subnet-0123456789abcdef0".parse().unwrap())
            .security_group_ids(vec!["sg-0123456789abcdef0".parse().unwrap()])
            .user_data("#!/bin/sh\necho hi")
            .client_token("launch-1")
            .instance_profile("web-profile")
            .tags([("Name".to_string(), "web".to_string())].into())
            .build()
            .unwrap();
        let out = ec2.run_instances(req).await.unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].state, InstanceState::Pending);
        assert_eq!((image.num_calls(), rule.num_calls()), (1, 1));
    }

    #[tokio::test]
    async fn run_instances_root_volume_mapping_its_settings_and_the_opt_out() {
        let req = || {
            RunInstancesRequest::builder()
                .image_id("ami-0123456789abcdef0".parse().unwrap())
                .instance_type("t3.micro".parse().unwrap())
        };
        let out = || {
            RunInstancesOutput::builder()
                .instances(sdk_instance("i-0123456789abcdef0", t::InstanceStateName::Pending))
                .build()
        };
        // A known root device: no lookup; the KMS key and size go with it.
        let named = mock!(Client::run_instances)
            .match_requests(|r| encrypted_root(r, "/dev/sda1", Some(30), Some("alias/web")))
            .then_output(out);
        // The opt-out: no mapping (the image's own applies), no lookup.
        let opted_out = mock!(Client::run_instances)
            .match_requests(|r| r.block_device_mappings().is_empty())
            .then_output(out);
        // The image's size is the default; a size override wins over it.
        let image = mock!(Client::describe_images).then_output(|| {
            DescribeImagesOutput::builder()
                .images(sdk_image("ami-0123456789abcdef0", "/dev/xvda", 8, t::DeviceType::Ebs))
                .build()
        });
        let looked_up = mock!(Client::run_instances)
            .match_requests(|r| encrypted_root(r, "/dev/xvda", Some(50), None))
            .then_output(out);
        let ec2 = client(&[&named, &opted_out, &image, &looked_up]);
        let r = req()
            .root_device_name("/dev/sda1")
            .root_kms_key_id("alias/web")
            .root_volume_size_gib(30);
        ec2.run_instances(r.build().unwrap()).await.unwrap();
        ec2.run_instances(req().encrypt_root_volume(false).build().unwrap())
            .await
            .unwrap();
        ec2.run_instances(req().root_volume_size_gib(50).build().unwrap())
            .await
            .unwrap();
        assert_eq!(
            (
                named.num_calls(),
                opted_out.num_calls(),
                image.num_calls(),
                looked_up.num_calls()
            ),
            (1, 1, 1, 1)
        );
    }

    #[tokio::test]
    async fn an_instance_store_image_is_refused_before_run_instances() {
        let image = mock!(Client::describe_images).then_output(|| {
            DescribeImagesOutput::builder()
                .images(sdk_image(
                    "ami-0123456789abcdef0",
                    "/dev/sda1",
                    8,
                    t::DeviceType::InstanceStore,
                ))
                .build()
        });
        let nothing = mock!(Client::describe_images).then_output(|| DescribeImagesOutput::builder().build());
        // No RunInstances rule: a launch would fail differently.
        let ec2 = client(&[&image, &nothing]);
        let req = RunInstancesRequest::builder()
            .image_id("ami-0123456789abcdef0".parse().unwrap())
            .instance_type("t3.micro".parse().unwrap())
            .build()
            .unwrap();
        let e = ec2.run_instances(req.clone()).await.unwrap_err();
        let Error::Validation { field, rule } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(field, "encrypt_root_volume");
        assert!(
            rule.contains("instance-store") && rule.contains("encrypt_root_volume(false)"),
            "{rule}"
        );
        let e = ec2.run_instances(req).await.unwrap_err();
        assert!(e.is_not_found(), "an image DescribeImages does not list: {e:?}");
    }

    #[tokio::test]
    async fn images_and_instances_report_root_devices() {
        let images = mock!(Client::describe_images).then_output(|| {
            DescribeImagesOutput::builder()
                .images(sdk_image("ami-0123456789abcdef0", "/dev/xvda", 8, t::DeviceType::Ebs))
                .build()
        });
        let instances = mock!(Client::describe_instances).then_output(|| {
            let mut i = sdk_instance_builder("i-0123456789abcdef0", t::InstanceStateName::Running)
                .root_device_name("/dev/xvda");
            for (device, vol, dot) in [
                ("/dev/xvda", "vol-0123456789abcdef0", true),
                ("/dev/sdf", "vol-0123456789abcdef1", false),
            ] {
                i = i.block_device_mappings(
                    t::InstanceBlockDeviceMapping::builder()
                        .device_name(device)
                        .ebs(
                            t::EbsInstanceBlockDevice::builder()
                                .volume_id(vol)
                                .delete_on_termination(dot)
                                .status(t::AttachmentStatus::Attached)
                                .build(),
                        )
                        .build(),
                );
            }
            DescribeInstancesOutput::builder()
                .reservations(t::Reservation::builder().instances(i.build()).build())
                .build()
        });
        let ec2 = client(&[&images, &instances]);
        let img = ec2.describe_images(Default::default()).await.unwrap().remove(0);
        assert_eq!(
            (
                img.root_device_name.as_deref(),
                img.root_device_type.as_deref(),
                img.root_volume_size_gib
            ),
            (Some("/dev/xvda"), Some("ebs"), Some(8))
        );
        let i = ec2.describe_instances(Default::default()).await.unwrap().remove(0);
        assert_eq!(i.root_device_name.as_deref(), Some("/dev/xvda"));
        assert_eq!(i.block_devices.len(), 2);
        assert_eq!(i.root_volume_id().unwrap(), "vol-0123456789abcdef0");
        assert!(i.block_devices[0].delete_on_termination && !i.block_devices[1].delete_on_termination);
    }

    #[tokio::test]
    async fn authorize_ingress_sends_canonical_ipv6_ranges() {
        let rule = mock!(Client::authorize_security_group_ingress)
            .match_requests(|r| {
                let [p] = r.ip_permissions() else { return false };
                let [range] = p.ipv6_ranges() else { return false };
                p.ip_ranges().is_empty()
                    && p.user_id_group_pairs().is_empty()
                    && range.cidr_ipv6() == Some("2001:db8::/64")
                    && range.description() == Some("v6 clients")
                    && p.from_port() == Some(443)
            })
            .then_output(|| AuthorizeSecurityGroupIngressOutput::builder().r#return(true).build());
        let described = mock!(Client::describe_security_groups).then_output(|| {
            DescribeSecurityGroupsOutput::builder()
                .security_groups(
                    t::SecurityGroup::builder()
                        .group_id("sg-0123456789abcdef0")
                        .group_name("web")
                        .vpc_id("vpc-0123456789abcdef0")
                        .ip_permissions(
                            t::IpPermission::builder()
                                .ip_protocol("tcp")
                                .from_port(443)
                                .to_port(443)
                                .ipv6_ranges(t::Ipv6Range::builder().cidr_ipv6("2001:db8::/64").build())
                                .ip_ranges(t::IpRange::builder().cidr_ip("0.0.0.0/0").build())
                                .build(),
                        )
                        .build(),
                )
                .build()
        });
        let ec2 = client(&[&rule, &described]);
        let req = AuthorizeIngressRequest::builder()
            .group_id("sg-0123456789abcdef0".parse().unwrap())
            .from_port(443)
            .source(IngressSource::CidrIpv6("2001:db8::1/64".into()))
            .description("v6 clients")
            .build()
            .unwrap();
        ec2.authorize_ingress(req).await.unwrap();
        let g = ec2
            .describe_security_groups(Default::default())
            .await
            .unwrap()
            .remove(0);
        let sources: Vec<&IngressSource> = g.ingress.iter().map(|r| &r.source).collect();
        assert_eq!(
            sources,
            [
                &IngressSource::Cidr("0.0.0.0/0".into()),
                &IngressSource::CidrIpv6("2001:db8::/64".into())
            ]
        );
    }

    #[tokio::test]
    async fn sdk_instances_convert_to_facade_instances() {
        // The escape hatch's way back: an instance the SDK answered, as the facade's type.
        let i = Instance::try_from(&sdk_instance("i-0123456789abcdef0", t::InstanceStateName::Stopped)).unwrap();
        assert_eq!(
            (i.id.as_str(), i.state),
            ("i-0123456789abcdef0", InstanceState::Stopped)
        );
        assert!(
            Instance::try_from(&t::Instance::builder().build()).is_err(),
            "no id: an error, not a default"
        );
    }

    #[tokio::test]
    async fn instance_output_is_mapped() {
        let rule = mock!(Client::describe_instances).then_output(|| {
            DescribeInstancesOutput::builder()
                .reservations(
                    t::Reservation::builder()
                        .instances(sdk_instance("i-0123456789abcdef0", t::InstanceStateName::Running))
                        .build(),
                )
                .build()
        });
        let ec2 = client(&[&rule]);
        let got = ec2.describe_instances(Default::default()).await.unwrap();
        let i = &got[0];
        assert_eq!(i.id, "i-0123456789abcdef0");
        assert_eq!(i.image_id, "ami-0123456789abcdef0");
        assert_eq!(i.instance_type.as_str(), "t3.micro");
        assert_eq!(i.state, InstanceState::Running);
        assert_eq!(i.availability_zone, "us-east-1b");
        assert_eq!(i.subnet_id.as_ref().unwrap(), "subnet-0123456789abcdef0");
        assert_eq!(i.vpc_id.as_ref().unwrap(), "vpc-0123456789abcdef0");
        assert_eq!(i.private_ip.as_deref(), Some("172.31.16.5"));
        assert_eq!(
            i.security_groups,
            vec!["sg-0123456789abcdef0".parse::<SecurityGroupId>().unwrap()]
        );
        assert!(i.http_tokens_required);
        assert_eq!(
            i.launch_time,
            Some(std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000))
        );
        assert_eq!(i.tags.get("Name").map(String::as_str), Some("web"));
    }

    #[tokio::test]
    async fn values_newer_than_the_crate_are_kept_not_refused() {
        // AWS adds states and volume types; a describe must not fail on one, nor turn it into
        // a known value (an unknown volume type once became gp3).
        let instances = mock!(Client::describe_instances).then_output(|| {
            DescribeInstancesOutput::builder()
                .reservations(
                    t::Reservation::builder()
                        .instances(sdk_instance(
                            "i-0123456789abcdef0",
                            t::InstanceStateName::from("hibernating"),
                        ))
                        .build(),
                )
                .build()
        });
        let volumes = mock!(Client::describe_volumes).then_output(|| {
            aws_sdk_ec2::operation::describe_volumes::DescribeVolumesOutput::builder()
                .volumes(
                    t::Volume::builder()
                        .volume_id("vol-0123456789abcdef0")
                        .size(8)
                        .volume_type(t::VolumeType::from("gp4"))
                        .availability_zone("us-east-1a")
                        .state(t::VolumeState::from("optimizing"))
                        .attachments(
                            t::VolumeAttachment::builder()
                                .volume_id("vol-0123456789abcdef0")
                                .instance_id("i-0123456789abcdef0")
                                .device("/dev/xvdf")
                                .state(t::VolumeAttachmentState::from("hot-swapping"))
                                .build(),
                        )
                        .build(),
                )
                .build()
        });
        let snapshots = mock!(Client::describe_snapshots).then_output(|| {
            aws_sdk_ec2::operation::describe_snapshots::DescribeSnapshotsOutput::builder()
                .snapshots(
                    t::Snapshot::builder()
                        .snapshot_id("snap-0123456789abcdef0")
                        .volume_size(8)
                        .state(t::SnapshotState::from("archiving"))
                        .build(),
                )
                .build()
        });
        let ec2 = client(&[&instances, &volumes, &snapshots]);
        let i = ec2.describe_instances(Default::default()).await.unwrap().remove(0);
        assert_eq!(i.state, InstanceState::Unknown("hibernating".into()));
        assert_eq!(i.state.to_string(), "hibernating");
        let v = ec2.describe_volumes(Default::default()).await.unwrap().remove(0);
        assert_eq!(v.volume_type, VolumeType::Unknown("gp4".into()));
        assert_eq!(v.state, VolumeState::Unknown("optimizing".into()));
        assert_eq!(v.attachments[0].state, AttachmentState::Unknown("hot-swapping".into()));
        let s = ec2.describe_snapshots(Default::default()).await.unwrap().remove(0);
        assert_eq!(s.state, SnapshotState::Unknown("archiving".into()));
    }

    #[tokio::test]
    async fn a_volume_type_newer_than_the_crate_is_sent_with_aws_checking_its_limits() {
        let rule = mock!(Client::create_volume)
            .match_requests(|r| r.volume_type() == Some(&t::VolumeType::from("gp4")) && r.iops() == Some(900_000))
            .then_output(|| {
                CreateVolumeOutput::builder()
                    .volume_id("vol-0123456789abcdef0")
                    .size(20)
                    .volume_type(t::VolumeType::from("gp4"))
                    .availability_zone("us-east-1a")
                    .state(t::VolumeState::Creating)
                    .build()
            });
        let ec2 = client(&[&rule]);
        let req = CreateVolumeRequest::builder()
            .availability_zone("us-east-1a".parse().unwrap())
            .size_gib(20)
            .volume_type(VolumeType::from("gp4"))
            .iops(900_000)
            .build()
            .expect("the crate knows no IOPS limits for gp4: AWS checks them");
        let v = ec2.create_volume(req).await.unwrap();
        assert_eq!(v.volume_type.as_str(), "gp4");
        assert_eq!(rule.num_calls(), 1);
    }

    #[tokio::test]
    async fn instances_stream_sends_max_results_and_each_token_but_not_with_ids() {
        use crate::ec2::Ec2Ext;
        use crate::page::ListOptions;
        use futures::TryStreamExt;
        let page1 = mock!(Client::describe_instances)
            .match_requests(|r| r.next_token().is_none() && r.max_results() == Some(5) && r.instance_ids().is_empty())
            .then_output(|| {
                DescribeInstancesOutput::builder()
                    .reservations(
                        t::Reservation::builder()
                            .instances(sdk_instance("i-0123456789abcdef0", t::InstanceStateName::Running))
                            .build(),
                    )
                    .next_token("p2")
                    .build()
            });
        let page2 = mock!(Client::describe_instances)
            .match_requests(|r| r.next_token() == Some("p2") && r.max_results() == Some(5))
            .then_output(|| {
                DescribeInstancesOutput::builder()
                    .reservations(
                        t::Reservation::builder()
                            .instances(sdk_instance("i-0123456789abcdef1", t::InstanceStateName::Pending))
                            .build(),
                    )
                    .build()
            });
        let by_id = mock!(Client::describe_instances)
            .match_requests(|r| r.max_results().is_none() && r.instance_ids() == ["i-0123456789abcdef1"])
            .then_output(|| {
                DescribeInstancesOutput::builder()
                    .reservations(
                        t::Reservation::builder()
                            .instances(sdk_instance("i-0123456789abcdef1", t::InstanceStateName::Pending))
                            .build(),
                    )
                    .build()
            });
        let ec2 = client(&[&page1, &page2, &by_id]);
        let all: Vec<Instance> = ec2
            .instances(Default::default(), ListOptions::new().page_size(5))
            .try_collect()
            .await
            .unwrap();
        let ids: Vec<&str> = all.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["i-0123456789abcdef0", "i-0123456789abcdef1"]);
        assert_eq!((page1.num_calls(), page2.num_calls()), (1, 1));
        // With instance ids AWS refuses MaxResults: the size is not sent.
        let req = DescribeInstancesRequest::builder()
            .instance_ids(vec!["i-0123456789abcdef1".parse().unwrap()])
            .build()
            .unwrap();
        let one: Vec<Instance> = ec2
            .instances(req, ListOptions::new().page_size(5))
            .try_collect()
            .await
            .unwrap();
        assert_eq!((one.len(), by_id.num_calls()), (1, 1));
    }

    #[tokio::test]
    async fn describe_instances_follows_pages_and_sends_filters() {
        let page1 = mock!(Client::describe_instances)
            .match_requests(|r| {
                let f = r.filters();
                r.next_token().is_none()
                    && f.iter()
                        .any(|f| f.name() == Some("instance-state-name") && f.values() == ["running"])
                    && f.iter().any(|f| f.name() == Some("tag:app") && f.values() == ["web"])
            })
            .then_output(|| {
                DescribeInstancesOutput::builder()
                    .reservations(
                        t::Reservation::builder()
                            .instances(sdk_instance("i-0123456789abcdef0", t::InstanceStateName::Running))
                            .build(),
                    )
                    .next_token("page-2")
                    .build()
            });
        let page2 = mock!(Client::describe_instances)
            .match_requests(|r| r.next_token() == Some("page-2"))
            .then_output(|| {
                DescribeInstancesOutput::builder()
                    .reservations(
                        t::Reservation::builder()
                            .instances(sdk_instance("i-0123456789abcdef1", t::InstanceStateName::Running))
                            .instances(sdk_instance("i-0123456789abcdef2", t::InstanceStateName::Running))
                            .build(),
                    )
                    .build()
            });
        let ec2 = client(&[&page1, &page2]);
        let req = DescribeInstancesRequest::builder()
            .states(vec![InstanceState::Running])
            .tags([("app".to_string(), "web".to_string())].into())
            .build()
            .unwrap();
        let got = ec2.describe_instances(req).await.unwrap();
        let ids: Vec<&str> = got.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(
            ids,
            ["i-0123456789abcdef0", "i-0123456789abcdef1", "i-0123456789abcdef2"]
        );
        assert_eq!((page1.num_calls(), page2.num_calls()), (1, 1));
    }

    #[tokio::test]
    async fn create_volume_sends_gp3_encrypted() {
        let rule = mock!(Client::create_volume)
            .match_requests(|r| {
                r.volume_type() == Some(&t::VolumeType::Gp3)
                    && r.encrypted() == Some(true)
                    && r.size() == Some(20)
                    && r.iops() == Some(4000)
                    && r.throughput() == Some(250)
                    && r.availability_zone() == Some("us-east-1a")
                    && r.client_token() == Some("vol-token")
                    && has_tag_spec(r.tag_specifications(), t::ResourceType::Volume, "app", "db")
            })
            .then_output(|| {
                CreateVolumeOutput::builder()
                    .volume_id("vol-0123456789abcdef0")
                    .size(20)
                    .volume_type(t::VolumeType::Gp3)
                    .iops(4000)
                    .throughput(250)
                    .encrypted(true)
                    .availability_zone("us-east-1a")
                    .state(t::VolumeState::Creating)
                    .tags(t::Tag::builder().key("app").value("db").build())
                    .build()
            });
        let ec2 = client(&[&rule]);
        let req = CreateVolumeRequest::builder()
            .availability_zone("us-east-1a".parse().unwrap())
            .size_gib(20)
            .iops(4000)
            .throughput(250)
            .client_token("vol-token")
            .tags([("app".to_string(), "db".to_string())].into())
            .build()
            .unwrap();
        let v = ec2.create_volume(req).await.unwrap();
        assert_eq!(v.id, "vol-0123456789abcdef0");
        assert_eq!(v.volume_type, VolumeType::Gp3);
        assert_eq!((v.size_gib, v.iops, v.throughput), (20, Some(4000), Some(250)));
        assert!(v.encrypted);
        assert_eq!(v.state, VolumeState::Creating);
        assert_eq!(v.tags.get("app").map(String::as_str), Some("db"));
    }

    #[tokio::test]
    async fn modify_volume_sends_only_what_changes_and_maps_the_modification() {
        use aws_sdk_ec2::operation::describe_volumes_modifications::DescribeVolumesModificationsOutput;
        use aws_sdk_ec2::operation::modify_volume::ModifyVolumeOutput;
        let sdk_mod = |state: t::VolumeModificationState| {
            t::VolumeModification::builder()
                .volume_id("vol-0123456789abcdef0")
                .modification_state(state)
                .original_size(100)
                .target_size(200)
                .target_volume_type(t::VolumeType::Gp3)
                .progress(40)
                .build()
        };
        let modify = mock!(Client::modify_volume)
            .match_requests(|r| {
                r.volume_id() == Some("vol-0123456789abcdef0")
                    && r.size() == Some(200)
                    && r.volume_type().is_none()
                    && r.iops().is_none()
                    && r.throughput().is_none()
            })
            .then_output(move || {
                ModifyVolumeOutput::builder()
                    .volume_modification(sdk_mod(t::VolumeModificationState::Modifying))
                    .build()
            });
        let describe = mock!(Client::describe_volumes_modifications)
            .match_requests(|r| r.volume_ids() == ["vol-0123456789abcdef0"])
            .then_output(move || {
                DescribeVolumesModificationsOutput::builder()
                    // A state newer than the crate is kept by name.
                    .volumes_modifications(sdk_mod(t::VolumeModificationState::from("paused")))
                    .build()
            });
        let ec2 = client(&[&modify, &describe]);
        let id: VolumeId = "vol-0123456789abcdef0".parse().unwrap();
        let req = ModifyVolumeRequest::builder()
            .volume_id(id.clone())
            .size_gib(200)
            .build()
            .unwrap();
        let m = ec2.modify_volume(req).await.unwrap();
        assert_eq!(
            (m.state, m.original_size_gib, m.target_size_gib, m.progress),
            (VolumeModificationState::Modifying, Some(100), Some(200), 40)
        );
        assert_eq!(m.target_volume_type, Some(VolumeType::Gp3));
        let all = ec2.describe_volumes_modifications(vec![id]).await.unwrap();
        assert_eq!(all[0].state, VolumeModificationState::Unknown("paused".into()));
        assert!(
            ec2.describe_volumes_modifications(vec![]).await.is_err(),
            "no ids: refused"
        );
        assert_eq!((modify.num_calls(), describe.num_calls()), (1, 1));
    }

    #[tokio::test]
    async fn key_pairs_send_names_types_and_public_keys_and_keep_the_private_key_secret() {
        use aws_sdk_ec2::operation::{
            create_key_pair::CreateKeyPairOutput, delete_key_pair::DeleteKeyPairOutput,
            describe_key_pairs::DescribeKeyPairsOutput, import_key_pair::ImportKeyPairOutput,
        };
        let create = mock!(Client::create_key_pair)
            .match_requests(|r| {
                r.key_name() == Some("deploy")
                    && r.key_type() == Some(&t::KeyType::Ed25519)
                    && r.tag_specifications()[0].resource_type() == Some(&t::ResourceType::KeyPair)
            })
            .then_output(|| {
                CreateKeyPairOutput::builder()
                    .key_name("deploy")
                    .key_pair_id("key-0123456789abcdef0")
                    .key_fingerprint("ab:cd")
                    .key_material("-----BEGIN OPENSSH PRIVATE KEY-----\nMARKER\n-----END OPENSSH PRIVATE KEY-----")
                    .build()
            });
        let import = mock!(Client::import_key_pair)
            .match_requests(|r| {
                r.key_name() == Some("laptop")
                    && r.public_key_material().map(|b| b.as_ref()) == Some(&b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 me"[..])
            })
            .then_output(|| {
                ImportKeyPairOutput::builder()
                    .key_name("laptop")
                    .key_pair_id("key-1")
                    .build()
            });
        let describe = mock!(Client::describe_key_pairs)
            .match_requests(|r| r.key_names() == ["laptop"])
            .then_output(|| {
                DescribeKeyPairsOutput::builder()
                    .key_pairs(
                        t::KeyPairInfo::builder()
                            .key_pair_id("key-1")
                            .key_name("laptop")
                            .key_type(t::KeyType::from("mlkem"))
                            .build(),
                    )
                    .build()
            });
        let delete = mock!(Client::delete_key_pair)
            .match_requests(|r| r.key_name() == Some("laptop"))
            .then_output(|| DeleteKeyPairOutput::builder().build());
        let ec2 = client(&[&create, &import, &describe, &delete]);
        let tags: Tags = [("app".to_string(), "web".to_string())].into();
        let made = ec2
            .create_key_pair(
                CreateKeyPairRequest::builder()
                    .name("deploy")
                    .tags(tags)
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        assert!(made.private_key.expose_secret().contains("MARKER"));
        assert!(!format!("{made:?}").contains("MARKER"), "redacted in Debug");
        assert!(
            !serde_json::to_string(&made).unwrap().contains("MARKER"),
            "redacted in serde"
        );
        // A private key is refused before anything is sent.
        let e = ImportKeyPairRequest::builder()
            .name("laptop")
            .public_key("-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----")
            .build()
            .unwrap_err();
        assert!(
            matches!(&e, Error::Validation { field, .. } if field == "public_key"),
            "{e:?}"
        );
        let req = ImportKeyPairRequest::builder()
            .name("laptop")
            .public_key("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 me\n")
            .build()
            .unwrap();
        assert_eq!(ec2.import_key_pair(req).await.unwrap().key_type, KeyType::Ed25519);
        let found = ec2
            .describe_key_pairs(
                DescribeKeyPairsRequest::builder()
                    .names(vec!["laptop".into()])
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(
            found[0].key_type,
            KeyType::Unknown("mlkem".into()),
            "a newer type is kept by name"
        );
        ec2.delete_key_pair("laptop".into()).await.unwrap();
        assert_eq!(
            (
                create.num_calls(),
                import.num_calls(),
                describe.num_calls(),
                delete.num_calls()
            ),
            (1, 1, 1, 1)
        );
    }

    fn sdk_change(id: &str, from: t::InstanceStateName, to: t::InstanceStateName) -> t::InstanceStateChange {
        t::InstanceStateChange::builder()
            .instance_id(id)
            .previous_state(t::InstanceState::builder().name(from).build())
            .current_state(t::InstanceState::builder().name(to).build())
            .build()
    }

    #[tokio::test]
    async fn stop_start_and_reboot_send_their_flags_and_map_the_state_changes() {
        use aws_sdk_ec2::operation::{
            reboot_instances::RebootInstancesOutput, start_instances::StartInstancesOutput,
            stop_instances::StopInstancesOutput,
        };
        let plain_stop = mock!(Client::stop_instances)
            .match_requests(|r| {
                r.instance_ids() == ["i-0123456789abcdef0"] && r.force().is_none() && r.hibernate().is_none()
            })
            .then_output(|| {
                StopInstancesOutput::builder()
                    .stopping_instances(sdk_change(
                        "i-0123456789abcdef0",
                        t::InstanceStateName::Running,
                        t::InstanceStateName::Stopping,
                    ))
                    .build()
            });
        let forced = mock!(Client::stop_instances)
            .match_requests(|r| r.force() == Some(true) && r.hibernate().is_none())
            .then_output(|| StopInstancesOutput::builder().build());
        let start = mock!(Client::start_instances)
            .match_requests(|r| r.instance_ids() == ["i-0123456789abcdef0"])
            .then_output(|| {
                StartInstancesOutput::builder()
                    .starting_instances(sdk_change(
                        "i-0123456789abcdef0",
                        t::InstanceStateName::Stopped,
                        t::InstanceStateName::Pending,
                    ))
                    .build()
            });
        let reboot = mock!(Client::reboot_instances)
            .match_requests(|r| r.instance_ids() == ["i-0123456789abcdef0"])
            .then_output(|| RebootInstancesOutput::builder().build());
        let ec2 = client(&[&plain_stop, &forced, &start, &reboot]);
        let id: InstanceId = "i-0123456789abcdef0".parse().unwrap();
        let ch = ec2
            .stop_instances(StopInstancesRequest::new(vec![id.clone()]))
            .await
            .unwrap();
        assert_eq!(
            (ch[0].previous.clone(), ch[0].current.clone()),
            (InstanceState::Running, InstanceState::Stopping)
        );
        let req = StopInstancesRequest::builder()
            .instance_ids(vec![id.clone()])
            .force(true)
            .build()
            .unwrap();
        assert!(ec2.stop_instances(req).await.unwrap().is_empty());
        let ch = ec2.start_instances(vec![id.clone()]).await.unwrap();
        assert_eq!(ch[0].current, InstanceState::Pending);
        ec2.reboot_instances(vec![id]).await.unwrap();
        assert_eq!(
            (
                plain_stop.num_calls(),
                forced.num_calls(),
                start.num_calls(),
                reboot.num_calls()
            ),
            (1, 1, 1, 1)
        );
        // No ids: refused before any request.
        let e = StopInstancesRequest::builder()
            .instance_ids(vec![])
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("instance_ids"), "{e}");
        assert!(
            ec2.start_instances(vec![])
                .await
                .unwrap_err()
                .to_string()
                .contains("ids")
        );
    }

    #[tokio::test]
    async fn delete_tags_sends_keys_without_values_and_refuses_no_keys() {
        use aws_sdk_ec2::operation::delete_tags::DeleteTagsOutput;
        let rule = mock!(Client::delete_tags)
            .match_requests(|r| {
                r.resources() == ["vol-0123456789abcdef0"]
                    && r.tags().len() == 2
                    && r.tags().iter().all(|t| t.value().is_none())
                    && r.tags()[0].key() == Some("a")
            })
            .then_output(|| DeleteTagsOutput::builder().build());
        let ec2 = client(&[&rule]);
        ec2.delete_tags(vec!["vol-0123456789abcdef0".into()], vec!["a".into(), "b".into()])
            .await
            .unwrap();
        assert_eq!(rule.num_calls(), 1);
        // Without keys AWS would delete every tag: refused, nothing sent.
        let e = ec2
            .delete_tags(vec!["vol-0123456789abcdef0".into()], vec![])
            .await
            .unwrap_err();
        assert!(
            matches!(&e, Error::Validation { field, .. } if field == "keys"),
            "{e:?}"
        );
        let e = ec2
            .delete_tags(
                vec!["vol-0123456789abcdef0".into()],
                vec!["aws:cloudformation:stack-name".into()],
            )
            .await
            .unwrap_err();
        assert!(e.to_string().contains("aws:"), "{e}");
        assert_eq!(rule.num_calls(), 1);
    }

    #[tokio::test]
    async fn revoke_ingress_sends_the_canonical_rule_and_reads_unknown_permissions() {
        use aws_sdk_ec2::operation::revoke_security_group_ingress::RevokeSecurityGroupIngressOutput;
        let known = mock!(Client::revoke_security_group_ingress)
            .match_requests(|r| {
                let [p] = r.ip_permissions() else { return false };
                let [range] = p.ip_ranges() else { return false };
                r.group_id() == Some("sg-0123456789abcdef0")
                    && p.from_port() == Some(22)
                    && range.cidr_ip() == Some("0.0.0.0/0")
                    && range.description().is_none()
            })
            .then_output(|| RevokeSecurityGroupIngressOutput::builder().r#return(true).build());
        let unknown = mock!(Client::revoke_security_group_ingress).then_output(|| {
            RevokeSecurityGroupIngressOutput::builder()
                .r#return(true)
                .unknown_ip_permissions(
                    t::IpPermission::builder()
                        .ip_protocol("tcp")
                        .from_port(22)
                        .to_port(22)
                        .build(),
                )
                .build()
        });
        let ec2 = client(&[&known, &unknown]);
        let g: SecurityGroupId = "sg-0123456789abcdef0".parse().unwrap();
        // Revoking SSH from anywhere is never guarded.
        let rule = IngressRule::builder()
            .from_port(22)
            .to_port(22)
            .source(IngressSource::Cidr("0.0.0.0/0".into()))
            .description("legacy")
            .build();
        assert!(ec2.revoke_ingress(g.clone(), rule.clone()).await.unwrap());
        assert!(!ec2.revoke_ingress(g.clone(), rule.clone()).await.unwrap());
        let bad = IngressRule {
            protocol: "tcpx".into(),
            ..rule
        };
        let e = ec2.revoke_ingress(g, bad).await.unwrap_err();
        assert!(
            matches!(&e, Error::Validation { field, .. } if field == "rule.protocol"),
            "{e:?}"
        );
        assert_eq!((known.num_calls(), unknown.num_calls()), (1, 1));
    }

    #[tokio::test]
    async fn authorize_ingress_sends_one_group_pair() {
        let rule = mock!(Client::authorize_security_group_ingress)
            .match_requests(|r| {
                let [p] = r.ip_permissions() else { return false };
                let [pair] = p.user_id_group_pairs() else { return false };
                r.group_id() == Some("sg-0123456789abcdef0")
                    && p.ip_protocol() == Some("tcp")
                    && p.from_port() == Some(8080)
                    && p.to_port() == Some(8080)
                    && p.ip_ranges().is_empty()
                    && pair.group_id() == Some("sg-0123456789abcdef1")
                    && pair.description() == Some("from the load balancer")
            })
            .then_output(|| AuthorizeSecurityGroupIngressOutput::builder().r#return(true).build());
        let ec2 = client(&[&rule]);
        let req = AuthorizeIngressRequest::builder()
            .group_id("sg-0123456789abcdef0".parse().unwrap())
            .from_port(8080)
            .source(IngressSource::Group("sg-0123456789abcdef1".parse().unwrap()))
            .description("from the load balancer")
            .build()
            .unwrap();
        ec2.authorize_ingress(req).await.unwrap();
        assert_eq!(rule.num_calls(), 1);
    }

    /// The layers wrap the SDK adapter like any implementation: a scripted fault answers
    /// without a request, the journal records what went through.
    #[tokio::test]
    async fn layers_compose_around_the_sdk_adapter() {
        use crate::layer::{Faults, Layered, Recording};
        let rule = mock!(Client::terminate_instances)
            .then_output(|| aws_sdk_ec2::operation::terminate_instances::TerminateInstancesOutput::builder().build());
        let journal = Recording::new();
        let faults = Faults::new(0).script("TerminateInstances", 1, "RequestLimitExceeded");
        let ec2 = Layered::new(Layered::new(client(&[&rule]), journal.clone()), faults);
        let id: InstanceId = "i-0123456789abcdef0".parse().unwrap();
        let e = ec2.terminate_instances(vec![id.clone()]).await.unwrap_err();
        assert!(e.is_throttled(), "{e:?}");
        assert_eq!((rule.num_calls(), journal.len()), (0, 0), "the fault sent nothing");
        assert!(ec2.terminate_instances(vec![id]).await.unwrap().is_empty());
        assert_eq!((rule.num_calls(), journal.count("TerminateInstances")), (1, 1));
    }

    #[tokio::test]
    async fn errors_are_mapped_through_the_adapter() {
        let not_found = mock!(Client::describe_instances).then_error(|| {
            DescribeInstancesError::generic(
                ErrorMetadata::builder()
                    .code("InvalidInstanceID.NotFound")
                    .message("The instance ID 'i-0123456789abcdef0' does not exist")
                    .build(),
            )
        });
        let throttled = mock!(Client::terminate_instances).then_error(|| {
            TerminateInstancesError::generic(
                ErrorMetadata::builder()
                    .code("RequestLimitExceeded")
                    .message("Request limit exceeded.")
                    .build(),
            )
        });
        let ec2 = client(&[&not_found, &throttled]);
        let req = DescribeInstancesRequest::builder()
            .instance_ids(vec!["i-0123456789abcdef0".parse().unwrap()])
            .build()
            .unwrap();
        let e = ec2.describe_instances(req).await.unwrap_err();
        assert!(e.is_not_found(), "{e:?}");
        assert_eq!(e.code(), Some("InvalidInstanceID.NotFound"));
        match &e {
            Error::NotFound { kind, id, .. } => {
                assert_eq!((kind.as_str(), id.as_str()), ("instance", "i-0123456789abcdef0"))
            }
            other => panic!("{other:?}"),
        }
        let e = ec2
            .terminate_instances(vec!["i-0123456789abcdef0".parse().unwrap()])
            .await
            .unwrap_err();
        assert!(e.is_throttled(), "{e:?}");
        assert!(e.is_retryable());
    }

    #[tokio::test]
    async fn invalid_requests_are_not_sent() {
        // No rules: any request reaching the client would fail differently.
        let ec2 = client(&[]);
        // A rule the network guard refuses, made by hand (past the builder).
        let wide_ssh = AuthorizeIngressRequest {
            group_id: "sg-0123456789abcdef0".parse().unwrap(),
            protocol: "tcp".into(),
            from_port: 22,
            to_port: None,
            source: IngressSource::Cidr("128.0.0.0/1".into()),
            description: None,
            allow_wide_admin_access: false,
        };
        let e = ec2.authorize_ingress(wide_ssh).await.unwrap_err();
        assert!(matches!(e, Error::Validation { .. }), "{e:?}");
        let e = ec2.terminate_instances(vec![]).await.unwrap_err();
        assert!(matches!(e, Error::Validation { .. }), "{e:?}");
        let e = ec2
            .create_tags(vec!["i-0123456789abcdef0".into()], Tags::new())
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Validation { .. }), "{e:?}");
    }

    #[tokio::test]
    async fn run_instances_sends_launch_volumes_and_placement() {
        use t::InstanceStateName as S;
        let rule = mock!(Client::run_instances)
            .match_requests(|r| {
                let maps = r.block_device_mappings();
                let extra = maps.iter().find(|m| m.device_name() == Some("/dev/sdf"));
                let ebs = extra.and_then(|m| m.ebs());
                let placement = r.placement();
                maps.len() == 2
                    && ebs.is_some_and(|e| {
                        e.volume_size() == Some(100)
                            && e.volume_type() == Some(&t::VolumeType::Io2)
                            && e.iops() == Some(5000)
                            && e.encrypted() == Some(true)
                            && e.delete_on_termination() == Some(false)
                    })
                    && placement.is_some_and(|p| {
                        p.group_name() == Some("web-spread")
                            && p.tenancy() == Some(&t::Tenancy::Dedicated)
                            && p.availability_zone() == Some("us-east-1b")
                    })
            })
            .then_output(|| {
                RunInstancesOutput::builder()
                    .instances(
                        sdk_instance_builder("i-0123456789abcdef0", S::Pending)
                            .placement(
                                t::Placement::builder()
                                    .availability_zone("us-east-1b")
                                    .group_name("web-spread")
                                    .tenancy(t::Tenancy::Dedicated)
                                    .build(),
                            )
                            .build(),
                    )
                    .build()
            });
        let ec2 = client(&[&rule]);
        let req = RunInstancesRequest::builder()
            .image_id("ami-0123456789abcdef0".parse().unwrap())
            .instance_type("t3.micro".parse().unwrap())
            .root_device_name("/dev/xvda")
            .volumes(vec![
                LaunchVolume::builder()
                    .device_name("/dev/sdf")
                    .size_gib(100)
                    .volume_type(VolumeType::Io2)
                    .iops(5000)
                    .delete_on_termination(false)
                    .build()
                    .unwrap(),
            ])
            .placement(
                Placement::builder()
                    .availability_zone("us-east-1b".parse().unwrap())
                    .group_name("web-spread")
                    .tenancy(Tenancy::Dedicated)
                    .build(),
            )
            .build()
            .unwrap();
        let got = ec2.run_instances(req).await.unwrap();
        assert_eq!(rule.num_calls(), 1);
        assert_eq!(got[0].placement_group.as_deref(), Some("web-spread"));
        assert_eq!(got[0].tenancy, Tenancy::Dedicated);
    }

    #[tokio::test]
    async fn elastic_ip_calls_and_answers() {
        use aws_sdk_ec2::operation::allocate_address::AllocateAddressOutput;
        use aws_sdk_ec2::operation::associate_address::AssociateAddressOutput;
        use aws_sdk_ec2::operation::describe_addresses::DescribeAddressesOutput;
        use aws_sdk_ec2::operation::release_address::{ReleaseAddressError, ReleaseAddressOutput};
        let allocate = mock!(Client::allocate_address)
            .match_requests(|r| {
                r.domain() == Some(&t::DomainType::Vpc)
                    && r.tag_specifications().first().and_then(|s| s.resource_type())
                        == Some(&t::ResourceType::ElasticIp)
            })
            .then_output(|| {
                AllocateAddressOutput::builder()
                    .allocation_id("eipalloc-0123456789abcdef0")
                    .public_ip("3.208.0.1")
                    .domain(t::DomainType::Vpc)
                    .build()
            });
        let associate = mock!(Client::associate_address)
            .match_requests(|r| {
                r.allocation_id() == Some("eipalloc-0123456789abcdef0")
                    && r.instance_id() == Some("i-0123456789abcdef0")
                    && r.allow_reassociation() == Some(false)
            })
            .then_output(|| {
                AssociateAddressOutput::builder()
                    .association_id("eipassoc-0123456789abcdef0")
                    .build()
            });
        let describe = mock!(Client::describe_addresses).then_output(|| {
            DescribeAddressesOutput::builder()
                .addresses(
                    t::Address::builder()
                        .allocation_id("eipalloc-0123456789abcdef0")
                        .public_ip("3.208.0.1")
                        .association_id("eipassoc-0123456789abcdef0")
                        .instance_id("i-0123456789abcdef0")
                        .private_ip_address("172.31.0.10")
                        .build(),
                )
                .build()
        });
        let in_use = mock!(Client::release_address).then_error(|| {
            ReleaseAddressError::generic(
                ErrorMetadata::builder()
                    .code("InvalidIPAddress.InUse")
                    .message("Address 3.208.0.1 is in use.")
                    .build(),
            )
        });
        let released = mock!(Client::release_address)
            .match_requests(|r| r.allocation_id() == Some("eipalloc-0123456789abcdef0"))
            .then_output(|| ReleaseAddressOutput::builder().build());
        // An answer without the public address cannot be read: an error, never a blank.
        let unreadable = mock!(Client::allocate_address).then_output(|| {
            AllocateAddressOutput::builder()
                .allocation_id("eipalloc-0123456789abcdef1")
                .build()
        });
        let ec2 = client(&[&allocate, &associate, &describe, &in_use, &released, &unreadable]);
        let tags = Tags::from([("app".to_string(), "web".to_string())]);
        let a = ec2
            .allocate_address(AllocateAddressRequest::builder().tags(tags.clone()).build().unwrap())
            .await
            .unwrap();
        assert_eq!((a.public_ip.as_str(), a.tags), ("3.208.0.1", tags));
        let assoc = ec2
            .associate_address(
                AssociateAddressRequest::builder()
                    .allocation_id(a.allocation_id.clone())
                    .instance_id("i-0123456789abcdef0".parse().unwrap())
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(assoc.as_str(), "eipassoc-0123456789abcdef0");
        let all = ec2
            .describe_addresses(DescribeAddressesRequest::default())
            .await
            .unwrap();
        assert_eq!(all[0].association_id.as_ref(), Some(&assoc));
        assert_eq!(all[0].private_ip.as_deref(), Some("172.31.0.10"));
        let e = ec2.release_address(a.allocation_id.clone()).await.unwrap_err();
        assert_eq!(
            (e.kind(), e.code()),
            (ErrorKind::Conflict, Some("InvalidIPAddress.InUse"))
        );
        ec2.release_address(a.allocation_id).await.unwrap();
        let e = ec2
            .allocate_address(AllocateAddressRequest::default())
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("MalformedResponse"), "{e:?}");
    }

    #[tokio::test]
    async fn instance_status_and_types_walk_every_page() {
        use aws_sdk_ec2::operation::describe_instance_status::DescribeInstanceStatusOutput;
        use aws_sdk_ec2::operation::describe_instance_types::DescribeInstanceTypesOutput;
        let status = |id: &str, s: t::SummaryStatus| {
            t::InstanceStatus::builder()
                .instance_id(id)
                .availability_zone("us-east-1a")
                .instance_state(t::InstanceState::builder().name(t::InstanceStateName::Running).build())
                .instance_status(t::InstanceStatusSummary::builder().status(s.clone()).build())
                .system_status(t::InstanceStatusSummary::builder().status(s).build())
                .build()
        };
        let page1 = mock!(Client::describe_instance_status)
            .match_requests(|r| r.next_token().is_none() && r.include_all_instances() == Some(true))
            .then_output(move || {
                DescribeInstanceStatusOutput::builder()
                    .instance_statuses(status("i-0123456789abcdef0", t::SummaryStatus::Ok))
                    .next_token("p2")
                    .build()
            });
        let page2 = mock!(Client::describe_instance_status)
            .match_requests(|r| r.next_token() == Some("p2"))
            .then_output(move || {
                DescribeInstanceStatusOutput::builder()
                    .instance_statuses(status("i-0123456789abcdef1", t::SummaryStatus::from("degraded-new")))
                    .build()
            });
        let types = mock!(Client::describe_instance_types)
            .match_requests(|r| {
                r.filters()
                    .iter()
                    .any(|f| f.name() == Some("processor-info.supported-architecture") && f.values() == ["arm64"])
            })
            .then_output(|| {
                DescribeInstanceTypesOutput::builder()
                    .instance_types(
                        t::InstanceTypeInfo::builder()
                            .instance_type(t::InstanceType::T4gMicro)
                            .current_generation(true)
                            .burstable_performance_supported(true)
                            .v_cpu_info(t::VCpuInfo::builder().default_v_cpus(2).build())
                            .memory_info(t::MemoryInfo::builder().size_in_mib(1024).build())
                            .processor_info(
                                t::ProcessorInfo::builder()
                                    .supported_architectures(t::ArchitectureType::Arm64)
                                    .build(),
                            )
                            .build(),
                    )
                    .build()
            });
        let ec2 = client(&[&page1, &page2, &types]);
        let got = ec2
            .describe_instance_status(
                DescribeInstanceStatusRequest::builder()
                    .include_all_instances(true)
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(got.len(), 2);
        assert!(got[0].is_healthy());
        // A status AWS adds later is kept by name, and is not healthy.
        assert_eq!(got[1].instance_status, SummaryStatus::Unknown("degraded-new".into()));
        assert!(!got[1].is_healthy());
        let t4g = ec2
            .describe_instance_types(
                DescribeInstanceTypesRequest::builder()
                    .architecture("arm64".to_string())
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!((t4g[0].vcpus, t4g[0].memory_mib, t4g[0].burstable), (2, 1024, true));
        assert_eq!(t4g[0].architectures, ["arm64"]);
    }

    #[tokio::test]
    async fn launch_templates_encrypt_the_root_encode_user_data_and_report_undeleted_versions() {
        use aws_sdk_ec2::operation::create_launch_template::CreateLaunchTemplateOutput;
        use aws_sdk_ec2::operation::delete_launch_template_versions::DeleteLaunchTemplateVersionsOutput;
        use aws_sdk_ec2::operation::describe_launch_template_versions::DescribeLaunchTemplateVersionsOutput;
        let image = mock!(Client::describe_images).then_output(|| {
            DescribeImagesOutput::builder()
                .images(sdk_image("ami-0123456789abcdef0", "/dev/xvda", 8, t::DeviceType::Ebs))
                .build()
        });
        let create = mock!(Client::create_launch_template)
            .match_requests(|r| {
                let d = r.launch_template_data().expect("data");
                let root = d.block_device_mappings().first();
                root.and_then(|m| m.device_name()) == Some("/dev/xvda")
                    && root
                        .and_then(|m| m.ebs())
                        .is_some_and(|e| e.encrypted() == Some(true) && e.volume_size() == Some(8))
                    && d.user_data() == Some("ZWNobyBoaQ==")
                    && d.metadata_options().and_then(|m| m.http_tokens())
                        == Some(&t::LaunchTemplateHttpTokensState::Required)
                    && r.launch_template_name() == Some("web")
            })
            .then_output(|| {
                CreateLaunchTemplateOutput::builder()
                    .launch_template(
                        t::LaunchTemplate::builder()
                            .launch_template_id("lt-0123456789abcdef0")
                            .launch_template_name("web")
                            .default_version_number(1)
                            .latest_version_number(1)
                            .build(),
                    )
                    .build()
            });
        let described = mock!(Client::describe_launch_template_versions)
            .match_requests(|r| r.versions() == ["$Latest", "1"])
            .then_output(|| {
                DescribeLaunchTemplateVersionsOutput::builder()
                    .launch_template_versions(
                        t::LaunchTemplateVersion::builder()
                            .launch_template_id("lt-0123456789abcdef0")
                            .launch_template_name("web")
                            .version_number(1)
                            .default_version(true)
                            .launch_template_data(
                                t::ResponseLaunchTemplateData::builder()
                                    .image_id("ami-0123456789abcdef0")
                                    .instance_type(t::InstanceType::T3Micro)
                                    .user_data("ZWNobyBoaQ==")
                                    .block_device_mappings(
                                        t::LaunchTemplateBlockDeviceMapping::builder()
                                            .device_name("/dev/xvda")
                                            .ebs(
                                                t::LaunchTemplateEbsBlockDevice::builder()
                                                    .encrypted(true)
                                                    .volume_size(8)
                                                    .volume_type(t::VolumeType::Gp3)
                                                    .delete_on_termination(true)
                                                    .build(),
                                            )
                                            .build(),
                                    )
                                    .build(),
                            )
                            .build(),
                    )
                    .build()
            });
        let undeleted = mock!(Client::delete_launch_template_versions).then_output(|| {
            DeleteLaunchTemplateVersionsOutput::builder()
                .unsuccessfully_deleted_launch_template_versions(
                    t::DeleteLaunchTemplateVersionsResponseErrorItem::builder()
                        .version_number(7)
                        .response_error(
                            t::ResponseError::builder()
                                .code(t::LaunchTemplateErrorCode::LaunchTemplateVersionDoesNotExist)
                                .message("no such version")
                                .build(),
                        )
                        .build(),
                )
                .build()
        });
        let ec2 = client(&[&image, &create, &described, &undeleted]);
        let data = LaunchTemplateData::builder()
            .image_id("ami-0123456789abcdef0".parse().unwrap())
            .instance_type("t3.micro".parse().unwrap())
            .user_data("echo hi")
            .build()
            .unwrap();
        let made = ec2
            .create_launch_template(
                CreateLaunchTemplateRequest::builder()
                    .name("web")
                    .data(data)
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(
            create.num_calls(),
            1,
            "the root device was looked up and mapped encrypted"
        );
        let r = LaunchTemplateRef::Id(made.id.clone());
        let got = ec2
            .describe_launch_template_versions(r.clone(), vec![TemplateVersion::Latest, TemplateVersion::Number(1)])
            .await
            .unwrap();
        let d = &got[0].data;
        assert_eq!(
            d.user_data.as_ref().map(|u| u.expose_secret().as_str()),
            Some("echo hi")
        );
        assert!(
            !format!("{got:?}").contains("echo hi"),
            "user data is redacted in Debug"
        );
        assert_eq!(
            (d.volumes.len(), d.volumes[0].encrypted, d.encrypt_root_volume),
            (1, true, false)
        );
        let e = ec2
            .delete_launch_template_versions(r, vec![TemplateVersion::Number(7)])
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind(), e.code()),
            (ErrorKind::NotFound, Some("launchTemplateVersionDoesNotExist"))
        );
        assert!(e.to_string().contains("version 7"), "{e}");
    }
}
