//! Simulated EC2: the default VPC and its subnets, an image catalogue, security groups,
//! instances, volumes, snapshots and tags, with AWS's lifecycles, error codes, idempotency
//! tokens and (optionally) eventual consistency.
//!
//! State is settled lazily: records keep the instants they entered a state, and every call
//! first brings everything up to "now" ([`settle`]).

use std::collections::{BTreeMap, HashMap};

use super::{Inventory, SimCloud, SimConfig, SimState};
use crate::Tags;
use crate::ec2::*;
use crate::error::{Error, Service};
use crate::id::*;
use crate::page::{Page, PageRequest};
use crate::validate::Validate;
use std::time::Duration;

use tokio::time::Instant;

/// The owner id of Amazon's own images (Amazon Linux).
const AMAZON_OWNER: &str = "137112412989";
/// The owner id of Canonical's Ubuntu images.
const CANONICAL_OWNER: &str = "099720109477";
/// The root device of Amazon Linux 2023 images (Ubuntu's is `/dev/sda1`).
const ROOT_DEVICE: &str = "/dev/xvda";
/// The root volume size of every simulated image (Amazon Linux 2023 and Ubuntu: 8 GiB).
const ROOT_SIZE_GIB: u32 = 8;

// ---------------------------------------------------------------------------------------------
// State

#[derive(Default)]
pub(crate) struct Ec2State {
    vpcs: Vec<Vpc>,
    subnets: Vec<Subnet>,
    images: Vec<Image>,
    groups: BTreeMap<SecurityGroupId, GroupRec>,
    instances: BTreeMap<InstanceId, InstanceRec>,
    volumes: BTreeMap<VolumeId, VolumeRec>,
    snapshots: BTreeMap<SnapshotId, SnapshotRec>,
    /// Key pairs by name.
    key_pairs: BTreeMap<String, KeyPair>,
    /// Elastic IP addresses.
    addresses: BTreeMap<AllocationId, Address>,
    /// Launch templates with their versions (by number).
    templates: BTreeMap<LaunchTemplateId, (LaunchTemplate, BTreeMap<u64, LaunchTemplateVersion>)>,
    /// CreateLaunchTemplate client tokens: the request and the template it created.
    template_tokens: HashMap<String, (CreateLaunchTemplateRequest, LaunchTemplateId)>,
    /// Elastic IP addresses allocated so far (their public addresses are numbered).
    next_eip: u32,
    /// RunInstances client tokens: the request and the instances it launched.
    run_tokens: HashMap<String, (RunInstancesRequest, Vec<InstanceId>)>,
    /// CreateVolume client tokens: the request and the volume it created.
    volume_tokens: HashMap<String, (CreateVolumeRequest, VolumeId)>,
    /// Launches without a subnet so far (rotates through the default subnets).
    launches: usize,
    /// Addresses handed out so far (private per subnet, public overall).
    next_host: HashMap<SubnetId, u32>,
    next_public: u32,
    /// The simulator's configuration (for settling where no config is passed in).
    config: SimConfig,
}

struct GroupRec {
    group: SecurityGroup,
    created: Instant,
    /// The VPC's `default` group: never in the inventory, cannot be deleted.
    is_default: bool,
}

struct InstanceRec {
    inst: Instance,
    launched: Instant,
    /// When TerminateInstances was called.
    terminate_called: Option<Instant>,
    /// The last StopInstances or StartInstances that changed the instance, and when.
    power: Option<(Power, Instant)>,
}

/// A stop or a start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Power {
    Stop,
    Start,
}

struct VolumeRec {
    vol: Volume,
    created: Instant,
    /// The latest ModifyVolume: the modification as started, when, and whether its targets
    /// have been applied to the volume (at `optimizing`).
    modification: Option<(VolumeModification, Instant, bool)>,
    /// One per attachment (at most one): when it started, and when detaching started.
    attachment: Option<AttachRec>,
}

struct AttachRec {
    instance_id: InstanceId,
    device: String,
    started: Instant,
    detach_started: Option<Instant>,
    /// Deleted with the instance (root volumes launched by RunInstances).
    delete_on_termination: bool,
}

struct SnapshotRec {
    snap: Snapshot,
    started: Instant,
    /// Snapshots made through the EBS direct APIs keep the state they were given.
    direct: bool,
}

/// Records with a creation instant (for eventual consistency).
trait Created {
    fn created(&self) -> Instant;
    /// Seeded with the region (always visible).
    fn seeded(&self) -> bool {
        false
    }
}
impl Created for GroupRec {
    fn created(&self) -> Instant {
        self.created
    }
    fn seeded(&self) -> bool {
        self.is_default
    }
}
impl Created for InstanceRec {
    fn created(&self) -> Instant {
        self.launched
    }
}
impl Created for VolumeRec {
    fn created(&self) -> Instant {
        self.created
    }
}

impl InstanceRec {
    /// When it became (or will become) `terminated`.
    fn terminated_at(&self, cfg: &SimConfig) -> Option<Instant> {
        self.terminate_called.map(|t| t + cfg.instance_shutdown)
    }

    fn state_at(&self, cfg: &SimConfig, now: Instant) -> InstanceState {
        match (self.terminate_called, self.power) {
            (Some(t), _) if now >= t + cfg.instance_shutdown => InstanceState::Terminated,
            (Some(_), _) => InstanceState::ShuttingDown,
            (None, Some((Power::Stop, t))) if now >= t + cfg.instance_stop => InstanceState::Stopped,
            (None, Some((Power::Stop, _))) => InstanceState::Stopping,
            (None, _) if now >= self.booted_from() + cfg.instance_boot => InstanceState::Running,
            (None, _) => InstanceState::Pending,
        }
    }

    /// When the current boot began: the launch, or the last start.
    fn booted_from(&self) -> Instant {
        match self.power {
            Some((Power::Start, t)) => t,
            _ => self.launched,
        }
    }

    /// When it last entered `running`, if it is still up by `now` (not stopped or terminated
    /// since, nor before booting).
    fn running_since(&self, cfg: &SimConfig, now: Instant) -> Option<Instant> {
        if matches!(self.power, Some((Power::Stop, _))) {
            return None;
        }
        let up = self.booted_from() + cfg.instance_boot;
        let end = self.terminate_called.map_or(now, |t| t.min(now));
        (up <= end).then_some(up)
    }

    /// Whether it still uses its security groups and zone (not yet `terminated`).
    fn is_live(&self) -> bool {
        self.inst.state != InstanceState::Terminated
    }
}

// ---------------------------------------------------------------------------------------------
// Errors

/// The resource kinds with their not-found codes and messages, as EC2 answers them.
#[derive(Clone, Copy)]
enum Kind {
    Instance,
    Volume,
    Snapshot,
    Group,
    Image,
    Subnet,
}

fn not_found(kind: Kind, ids: &[&str]) -> Error {
    let list = ids.join(", ");
    let (code, message) = match kind {
        Kind::Instance if ids.len() > 1 => (
            "InvalidInstanceID.NotFound",
            format!("The instance IDs '{list}' do not exist"),
        ),
        Kind::Instance => (
            "InvalidInstanceID.NotFound",
            format!("The instance ID '{list}' does not exist"),
        ),
        Kind::Volume => ("InvalidVolume.NotFound", format!("The volume '{list}' does not exist.")),
        Kind::Snapshot => (
            "InvalidSnapshot.NotFound",
            format!("The snapshot '{list}' does not exist."),
        ),
        Kind::Group => (
            "InvalidGroup.NotFound",
            format!("The security group '{list}' does not exist"),
        ),
        Kind::Image => ("InvalidAMIID.NotFound", format!("The image ID '{list}' does not exist")),
        Kind::Subnet => (
            "InvalidSubnetID.NotFound",
            format!("The subnet ID '{list}' does not exist"),
        ),
    };
    SimCloud::err(Service::Ec2, code, message)
}

fn err(code: &str, message: impl Into<String>) -> Error {
    SimCloud::err(Service::Ec2, code, message)
}

// ---------------------------------------------------------------------------------------------
// Settling, visibility and lookups

/// Whether a record is still invisible to describes and mutations (eventual consistency).
fn hidden<R: Created>(r: &R, cfg: &SimConfig, now: Instant) -> bool {
    !r.seeded() && cfg.eventual_consistency.is_some_and(|d| now < r.created() + d)
}

/// The visible record `key`, or the kind's NotFound error.
fn find<'a, K: Ord + AsRef<str>, R: Created>(
    map: &'a mut BTreeMap<K, R>,
    key: &K,
    kind: Kind,
    cfg: &SimConfig,
    now: Instant,
) -> crate::Result<&'a mut R> {
    match map.get_mut(key) {
        Some(r) if !hidden(r, cfg, now) => Ok(r),
        _ => Err(not_found(kind, &[key.as_ref()])),
    }
}

/// The records asked for by id (all must be visible), or every visible record when no ids
/// are given.
fn select<'a, K: Ord + AsRef<str>, R: Created>(
    map: &'a BTreeMap<K, R>,
    ids: &[K],
    kind: Kind,
    cfg: &SimConfig,
    now: Instant,
) -> crate::Result<Vec<&'a R>> {
    let visible = |r: &&R| !hidden(*r, cfg, now);
    if ids.is_empty() {
        return Ok(map.values().filter(visible).collect());
    }
    let missing: Vec<&str> = ids
        .iter()
        .filter(|id| map.get(id).filter(visible).is_none())
        .map(AsRef::as_ref)
        .collect();
    if !missing.is_empty() {
        return Err(not_found(kind, &missing));
    }
    Ok(ids.iter().filter_map(|id| map.get(id)).collect())
}

fn has_tags(have: &Tags, want: &Tags) -> bool {
    want.iter().all(|(k, v)| have.get(k) == Some(v))
}

/// Brings every EC2 resource up to `now`: instance states (dropping terminated ones that are
/// no longer visible), attachments (finished detaches and terminated instances release their
/// volumes), volume states and snapshot progress.
fn settle(ec2: &mut Ec2State, cfg: &SimConfig, now: Instant) {
    for rec in ec2.instances.values_mut() {
        let state = rec.state_at(cfg, now);
        if state != rec.inst.state && state == InstanceState::Terminated {
            rec.inst.state_reason = Some("Client.UserInitiatedShutdown: User initiated shutdown".into());
        }
        if state != rec.inst.state && state == InstanceState::Stopped {
            rec.inst.state_reason = Some("Client.UserInitiatedShutdown: User initiated shutdown".into());
            // A stopped instance gives its public IPv4 address back.
            rec.inst.public_ip = None;
        }
        rec.inst.state = state;
    }
    // An Elastic IP leaves a terminated instance (and stays allocated); an associated
    // instance's public address is the Elastic IP's, also while it is stopped.
    for a in ec2.addresses.values_mut() {
        let Some(iid) = a.instance_id.clone() else { continue };
        match ec2.instances.get_mut(&iid) {
            Some(r) if !matches!(r.inst.state, InstanceState::ShuttingDown | InstanceState::Terminated) => {
                r.inst.public_ip = Some(a.public_ip.clone());
            }
            _ => {
                end_association(a);
            }
        }
    }
    ec2.instances
        .retain(|_, r| r.terminated_at(cfg).is_none_or(|t| now < t + cfg.terminated_visible));
    // A modification's targets apply when it reaches `optimizing`.
    for rec in ec2.volumes.values_mut() {
        if let Some((m, started, applied)) = &mut rec.modification
            && !*applied
            && now >= *started + cfg.volume_modify
        {
            rec.vol.size_gib = m.target_size_gib.unwrap_or(rec.vol.size_gib);
            if let Some(t) = &m.target_volume_type {
                rec.vol.volume_type = t.clone();
            }
            rec.vol.iops = m.target_iops;
            rec.vol.throughput = m.target_throughput;
            *applied = true;
        }
    }
    // Volumes marked DeleteOnTermination go with their terminated instance.
    let mut deleted_with_instance = Vec::new();
    for rec in ec2.volumes.values_mut() {
        if let Some(a) = &rec.attachment {
            let detached = a.detach_started.is_some_and(|d| now >= d + cfg.volume_attach);
            let released = ec2
                .instances
                .get(&a.instance_id)
                .is_none_or(|i| i.terminated_at(cfg).is_some_and(|t| now >= t));
            if released && a.delete_on_termination && a.detach_started.is_none() {
                deleted_with_instance.push(rec.vol.id.clone());
            }
            if detached || released {
                rec.attachment = None;
            }
        }
        rec.vol.attachments = rec
            .attachment
            .iter()
            .map(|a| VolumeAttachment {
                volume_id: rec.vol.id.clone(),
                instance_id: a.instance_id.clone(),
                device: a.device.clone(),
                state: match a.detach_started {
                    Some(_) => AttachmentState::Detaching,
                    None if now >= a.started + cfg.volume_attach => AttachmentState::Attached,
                    None => AttachmentState::Attaching,
                },
                delete_on_termination: a.delete_on_termination,
            })
            .collect();
        // Only available volumes can be attached, except a root volume, which is in use from
        // its launch.
        rec.vol.state = if rec.attachment.is_some() {
            VolumeState::InUse
        } else if now < rec.created + cfg.volume_create {
            VolumeState::Creating
        } else {
            VolumeState::Available
        };
    }
    for id in deleted_with_instance {
        ec2.volumes.remove(&id);
    }
    // Each instance lists the volumes attached to it (DescribeInstances' BlockDeviceMappings).
    let mut devices: BTreeMap<InstanceId, Vec<InstanceBlockDevice>> = BTreeMap::new();
    for rec in ec2.volumes.values() {
        if let Some(a) = &rec.attachment {
            devices
                .entry(a.instance_id.clone())
                .or_default()
                .push(InstanceBlockDevice {
                    device_name: a.device.clone(),
                    volume_id: rec.vol.id.clone(),
                    delete_on_termination: a.delete_on_termination,
                });
        }
    }
    for rec in ec2.instances.values_mut() {
        let mut list = devices.remove(&rec.inst.id).unwrap_or_default();
        list.sort_by(|a, b| a.device_name.cmp(&b.device_name));
        rec.inst.block_devices = list;
    }
    for rec in ec2.snapshots.values_mut().filter(|r| !r.direct) {
        let total = cfg.snapshot_complete;
        let elapsed = now.saturating_duration_since(rec.started);
        if elapsed >= total {
            rec.snap.state = SnapshotState::Completed;
            rec.snap.progress = Some(100);
        } else {
            rec.snap.state = SnapshotState::Pending;
            let pct = elapsed.as_secs_f64() / total.as_secs_f64() * 100.0;
            rec.snap.progress = Some((pct.floor() as u8).min(99));
        }
    }
}

/// A snapshot by id (snapshots are not subject to eventual consistency here).
fn snapshot<'a>(ec2: &'a mut Ec2State, id: &SnapshotId) -> crate::Result<&'a mut SnapshotRec> {
    ec2.snapshots
        .get_mut(id)
        .ok_or_else(|| not_found(Kind::Snapshot, &[id.as_str()]))
}

/// A subnet's first usable address plus `n` (AWS reserves the first four of every subnet).
fn host_in(cidr: &str, n: u32) -> Option<String> {
    let (ip, bits) = cidr.split_once('/')?;
    let base = u32::from(ip.parse::<std::net::Ipv4Addr>().ok()?);
    let bits: u32 = bits.parse().ok()?;
    let size = 1u32.checked_shl(32 - bits).unwrap_or(0);
    let host = 4 + n % size.saturating_sub(5).max(1);
    Some(std::net::Ipv4Addr::from(base + host).to_string())
}

/// `*` and `?` wildcard matching, as the `name` filter does.
fn glob(pattern: &str, s: &str) -> bool {
    let (p, s): (Vec<char>, Vec<char>) = (pattern.chars().collect(), s.chars().collect());
    let (mut pi, mut si, mut star, mut mark) = (0, 0, None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Device names `/dev/sdf` and `/dev/xvdf` name the same attachment point.
fn device_slot(device: &str) -> &str {
    device
        .strip_prefix("/dev/xvd")
        .or_else(|| device.strip_prefix("/dev/sd"))
        .unwrap_or(device)
}

// ---------------------------------------------------------------------------------------------
// Seeding and inventory

/// Creates the region's default VPC, one default subnet per zone `a`-`f`, the VPC's default
/// security group and the public image catalogue.
pub(crate) fn seed_region(st: &mut SimState, config: &SimConfig) {
    st.ec2.config = config.clone();
    let vpc_id: VpcId = parse_sim_id(SimCloud::new_id(st, "vpc"));
    st.ec2.vpcs.push(Vpc {
        id: vpc_id.clone(),
        cidr_block: "172.31.0.0/16".into(),
        is_default: true,
    });
    for (i, zone) in ["a", "b", "c", "d", "e", "f"].iter().enumerate() {
        let id = parse_sim_id(SimCloud::new_id(st, "subnet"));
        let Ok(az) = format!("{}{zone}", config.region).parse() else {
            continue;
        };
        st.ec2.subnets.push(Subnet {
            id,
            vpc_id: vpc_id.clone(),
            availability_zone: az,
            // Default subnets are /20s: 172.31.0.0/20, 172.31.16.0/20, ...
            cidr_block: format!("172.31.{}.0/20", i * 16),
            default_for_az: true,
        });
    }
    let sg: SecurityGroupId = parse_sim_id(SimCloud::new_id(st, "sg"));
    st.ec2.groups.insert(
        sg.clone(),
        GroupRec {
            group: SecurityGroup {
                id: sg.clone(),
                name: "default".into(),
                description: "default VPC security group".into(),
                vpc_id,
                // As on AWS: all traffic from members of the group itself.
                ingress: vec![IngressRule {
                    protocol: "-1".into(),
                    from_port: 0,
                    to_port: u16::MAX,
                    source: IngressSource::Group(sg),
                    description: None,
                }],
                tags: Tags::new(),
            },
            created: Instant::now(),
            is_default: true,
        },
    );
    let catalogue: [(&str, &str, &str); 8] = [
        (
            AMAZON_OWNER,
            "al2023-ami-2023.6.20241010.0-kernel-6.1-x86_64",
            "2024-10-10T19:52:12.000Z",
        ),
        (
            AMAZON_OWNER,
            "al2023-ami-2023.6.20241010.0-kernel-6.1-arm64",
            "2024-10-10T19:52:40.000Z",
        ),
        (
            AMAZON_OWNER,
            "al2023-ami-2023.6.20241111.0-kernel-6.1-x86_64",
            "2024-11-11T21:03:05.000Z",
        ),
        (
            AMAZON_OWNER,
            "al2023-ami-2023.6.20241111.0-kernel-6.1-arm64",
            "2024-11-11T21:03:30.000Z",
        ),
        (
            AMAZON_OWNER,
            "al2023-ami-2023.6.20250107.0-kernel-6.1-x86_64",
            "2025-01-07T18:30:11.000Z",
        ),
        (
            AMAZON_OWNER,
            "al2023-ami-2023.6.20250107.0-kernel-6.1-arm64",
            "2025-01-07T18:30:49.000Z",
        ),
        (
            CANONICAL_OWNER,
            "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250115",
            "2025-01-15T09:12:44.000Z",
        ),
        (
            CANONICAL_OWNER,
            "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20250115",
            "2025-01-15T09:13:02.000Z",
        ),
    ];
    for (owner, name, date) in catalogue {
        let id = parse_sim_id(SimCloud::new_id(st, "ami"));
        let architecture = if name.contains("arm64") { "arm64" } else { "x86_64" };
        let root = if owner == CANONICAL_OWNER {
            "/dev/sda1"
        } else {
            ROOT_DEVICE
        };
        st.ec2.images.push(Image {
            id,
            name: name.into(),
            owner_id: owner.into(),
            creation_date: date.into(),
            architecture: architecture.into(),
            state: "available".into(),
            root_device_name: Some(root.into()),
            root_device_type: Some("ebs".into()),
            root_volume_size_gib: Some(ROOT_SIZE_GIB),
        });
    }
}

/// Parses an id this simulator minted (always well formed).
fn parse_sim_id<T: std::str::FromStr>(s: String) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().expect("the simulator mints well-formed ids")
}

/// Adds every live EC2 resource: instances not yet terminated, non-default security groups,
/// volumes, and snapshots. Volumes that go with their instance (attached with
/// DeleteOnTermination, as RunInstances' root volumes are) are counted as `root volume`, apart
/// from the `volume`s a caller creates and must delete.
pub(crate) fn inventory(st: &mut SimState, now: Instant, inv: &mut Inventory) {
    let cfg = st.ec2.config.clone();
    settle(&mut st.ec2, &cfg, now);
    let ec2 = &st.ec2;
    for rec in ec2.instances.values().filter(|r| r.is_live()) {
        inv.add("instance", rec.inst.id.as_str());
    }
    for rec in ec2.groups.values().filter(|g| !g.is_default) {
        inv.add("security group", rec.group.id.as_str());
    }
    for (id, rec) in &ec2.volumes {
        let with_instance = rec.attachment.as_ref().is_some_and(|a| a.delete_on_termination);
        inv.add(if with_instance { "root volume" } else { "volume" }, id.as_str());
    }
    for id in ec2.snapshots.keys() {
        inv.add("snapshot", id.as_str());
    }
    for name in ec2.key_pairs.keys() {
        inv.add("key pair", name);
    }
    for id in ec2.addresses.keys() {
        inv.add("elastic ip", id.as_str());
    }
    for (t, _) in ec2.templates.values() {
        inv.add("launch template", &t.name);
    }
}

// ---------------------------------------------------------------------------------------------
// The service

impl SimCloud {
    /// Runs `f` on the settled state under the lock.
    fn ec2_call<R>(&self, f: impl FnOnce(&mut SimState, &SimConfig, Instant) -> crate::Result<R>) -> crate::Result<R> {
        let now = self.now();
        let cfg = &self.inner.config;
        let mut st = self.lock();
        settle(&mut st.ec2, cfg, now);
        // Snapshots written through the EBS direct APIs complete (or time out) on their own
        // clock; settle them too, so DescribeSnapshots shows their state without an EBS call.
        super::ebs::settle(&mut st, cfg, now);
        f(&mut st, cfg, now)
    }

    fn ec2_wall(&self, at: Instant) -> std::time::SystemTime {
        self.wall(at)
    }
}

// Every operation is implemented: none falls back to the trait's `Unsupported` default.
#[deny(clippy::missing_trait_methods)]
#[async_trait::async_trait]
impl crate::ec2::Ec2 for SimCloud {
    // --- VPCs, subnets, images ----------------------------------------------------------------

    async fn default_vpc(&self) -> crate::Result<Vpc> {
        self.ec2_call(|st, _, _| {
            st.ec2.vpcs.iter().find(|v| v.is_default).cloned().ok_or_else(|| {
                err(
                    "InvalidVpcID.NotFound",
                    "no default VPC in this region (DescribeVpcs is-default=true matched nothing)",
                )
            })
        })
    }

    async fn describe_subnets(&self, vpc_id: VpcId) -> crate::Result<Vec<Subnet>> {
        self.ec2_call(|st, _, _| Ok(st.ec2.subnets.iter().filter(|s| s.vpc_id == vpc_id).cloned().collect()))
    }

    async fn describe_images(&self, req: DescribeImagesRequest) -> crate::Result<Vec<Image>> {
        req.validate()?;
        self.ec2_call(|st, cfg, _| {
            let missing: Vec<&str> = req
                .image_ids
                .iter()
                .filter(|id| !st.ec2.images.iter().any(|i| &i.id == *id))
                .map(|id| id.as_str())
                .collect();
            if !missing.is_empty() {
                return Err(not_found(Kind::Image, &missing));
            }
            let owner_ok = |i: &Image| {
                req.owners.is_empty()
                    || req.owners.iter().any(|o| match o.as_str() {
                        "amazon" => i.owner_id == AMAZON_OWNER,
                        "self" => i.owner_id == cfg.account_id,
                        id => i.owner_id == id,
                    })
            };
            let mut out: Vec<Image> = st
                .ec2
                .images
                .iter()
                .filter(|i| req.image_ids.is_empty() || req.image_ids.contains(&i.id))
                .filter(|i| owner_ok(i))
                .filter(|i| req.name_pattern.as_deref().is_none_or(|p| glob(p, &i.name)))
                .filter(|i| req.architecture.as_deref().is_none_or(|a| a == i.architecture))
                .cloned()
                .collect();
            out.sort_by(|a, b| b.creation_date.cmp(&a.creation_date));
            Ok(out)
        })
    }

    // --- Security groups ----------------------------------------------------------------------

    async fn create_security_group(&self, req: CreateSecurityGroupRequest) -> crate::Result<SecurityGroupId> {
        req.validate()?;
        self.ec2_call(|st, _, now| {
            let vpc_id = match &req.vpc_id {
                Some(v) if st.ec2.vpcs.iter().any(|x| &x.id == v) => v.clone(),
                Some(v) => return Err(err("InvalidVpcID.NotFound", format!("The vpc ID '{v}' does not exist"))),
                None => st
                    .ec2
                    .vpcs
                    .iter()
                    .find(|v| v.is_default)
                    .map(|v| v.id.clone())
                    .ok_or_else(|| err("VPCIdNotSpecified", "No default VPC for this user"))?,
            };
            if st
                .ec2
                .groups
                .values()
                .any(|g| g.group.vpc_id == vpc_id && g.group.name == req.name)
            {
                return Err(err(
                    "InvalidGroup.Duplicate",
                    format!("The security group '{}' already exists for VPC '{vpc_id}'", req.name),
                ));
            }
            let id: SecurityGroupId = parse_sim_id(SimCloud::new_id(st, "sg"));
            st.ec2.groups.insert(
                id.clone(),
                GroupRec {
                    group: SecurityGroup {
                        id: id.clone(),
                        name: req.name.clone(),
                        description: req.description.clone(),
                        vpc_id,
                        ingress: Vec::new(),
                        tags: req.tags.clone(),
                    },
                    created: now,
                    is_default: false,
                },
            );
            Ok(id)
        })
    }

    async fn describe_security_groups(&self, req: DescribeSecurityGroupsRequest) -> crate::Result<Vec<SecurityGroup>> {
        req.validate()?;
        self.ec2_call(|st, cfg, now| {
            Ok(select(&st.ec2.groups, &req.group_ids, Kind::Group, cfg, now)?
                .into_iter()
                .map(|r| &r.group)
                .filter(|g| req.group_names.is_empty() || req.group_names.contains(&g.name))
                .filter(|g| req.vpc_id.as_ref().is_none_or(|v| v == &g.vpc_id))
                .filter(|g| has_tags(&g.tags, &req.tags))
                .cloned()
                .collect())
        })
    }

    async fn delete_security_group(&self, id: SecurityGroupId) -> crate::Result<()> {
        self.ec2_call(|st, cfg, now| {
            let rec = find(&mut st.ec2.groups, &id, Kind::Group, cfg, now)?;
            if rec.is_default {
                return Err(err(
                    "CannotDelete",
                    format!("the specified group: \"{id}\" name: \"default\" cannot be deleted by a user"),
                ));
            }
            let used_by_instance = st
                .ec2
                .instances
                .values()
                .any(|i| i.is_live() && i.inst.security_groups.contains(&id));
            let referenced = st.ec2.groups.values().any(|g| {
                g.group.id != id
                    && g.group
                        .ingress
                        .iter()
                        .any(|r| r.source == IngressSource::Group(id.clone()))
            });
            let used_by_elb = super::elb::groups_in_use(st, cfg, now).contains(&id);
            if used_by_instance || referenced || used_by_elb {
                return Err(err(
                    "DependencyViolation",
                    format!("resource {id} has a dependent object"),
                ));
            }
            st.ec2.groups.remove(&id);
            Ok(())
        })
    }

    async fn authorize_ingress(&self, req: AuthorizeIngressRequest) -> crate::Result<()> {
        req.validate()?;
        self.ec2_call(|st, cfg, now| {
            if let IngressSource::Group(source) = &req.source {
                find(&mut st.ec2.groups, source, Kind::Group, cfg, now)?;
            }
            let rec = find(&mut st.ec2.groups, &req.group_id, Kind::Group, cfg, now)?;
            let rule = req.rule();
            let same = |r: &IngressRule| {
                r.protocol == rule.protocol
                    && r.from_port == rule.from_port
                    && r.to_port == rule.to_port
                    && r.source == rule.source
            };
            if rec.group.ingress.iter().any(same) {
                let peer = match &rule.source {
                    IngressSource::Cidr(c) | IngressSource::CidrIpv6(c) => c.clone(),
                    IngressSource::Group(g) => g.to_string(),
                };
                return Err(err(
                    "InvalidPermission.Duplicate",
                    format!(
                        "the specified rule \"peer: {peer}, {}, from port: {}, to port: {}, ALLOW\" already exists",
                        rule.protocol.to_uppercase(),
                        rule.from_port,
                        rule.to_port
                    ),
                ));
            }
            rec.group.ingress.push(rule);
            Ok(())
        })
    }

    async fn revoke_ingress(&self, group_id: SecurityGroupId, rule: IngressRule) -> crate::Result<bool> {
        validate_revoke(&rule)?;
        self.ec2_call(|st, cfg, now| {
            let rec = find(&mut st.ec2.groups, &group_id, Kind::Group, cfg, now)?;
            let source = rule.source.normalized();
            let before = rec.group.ingress.len();
            rec.group.ingress.retain(|r| {
                !(r.protocol == rule.protocol
                    && r.from_port == rule.from_port
                    && r.to_port == rule.to_port
                    && r.source == source)
            });
            // The simulated groups are in the default VPC, which reports an unknown rule in its
            // answer (other VPCs answer InvalidPermission.NotFound).
            Ok(rec.group.ingress.len() < before)
        })
    }

    // --- Instances ----------------------------------------------------------------------------

    async fn run_instances(&self, req: RunInstancesRequest) -> crate::Result<Vec<Instance>> {
        req.validate()?;
        let wall = self.ec2_wall(self.now());
        self.ec2_call(|st, cfg, now| {
            if let Some(token) = &req.client_token
                && let Some((prev, ids)) = st.ec2.run_tokens.get(token)
            {
                if prev != &req {
                    return Err(err(
                        "IdempotentParameterMismatch",
                        "Arguments on this idempotent request are inconsistent with arguments used in previous request(s).",
                    ));
                }
                return Ok(ids
                    .iter()
                    .filter_map(|id| st.ec2.instances.get(id))
                    .map(|r| r.inst.clone())
                    .collect());
            }
            let orig = req.clone();
            let (req, template_marks) = from_template(&st.ec2, req.clone())?;
            let image_id = req.image_id.clone().ok_or_else(|| {
                err("MissingParameter", "The request must contain the parameter ImageId")
            })?;
            let Some(image) = st.ec2.images.iter().find(|i| i.id == image_id) else {
                return Err(not_found(Kind::Image, &[image_id.as_str()]));
            };
            let image = image.clone();
            let disks = launch_disks(&req, &image, &mut st.ec2, cfg)?;
            if let Some(k) = &req.key_name
                && !st.ec2.key_pairs.contains_key(k)
            {
                return Err(err("InvalidKeyPair.NotFound", format!("The key pair '{k}' does not exist")));
            }
            // The simulator has no placement groups: it takes any group name (AWS answers
            // InvalidPlacementGroup.Unknown for one that does not exist) and any tenancy.
            let placement = req.placement.as_ref();
            let zone = placement.and_then(|p| p.availability_zone.as_ref());
            let subnet = match &req.subnet_id {
                Some(id) => st
                    .ec2
                    .subnets
                    .iter()
                    .find(|s| &s.id == id)
                    .ok_or_else(|| not_found(Kind::Subnet, &[id.as_str()]))?
                    .clone(),
                None => {
                    // EC2 picks a default subnet (in the placement's zone, if it names one);
                    // we rotate through the zones deterministically.
                    let defaults: Vec<&Subnet> = st
                        .ec2
                        .subnets
                        .iter()
                        .filter(|s| s.default_for_az)
                        .filter(|s| zone.is_none_or(|z| &s.availability_zone == z))
                        .collect();
                    if defaults.is_empty() {
                        return Err(match zone {
                            Some(z) => err(
                                "InvalidParameterValue",
                                format!("Invalid availability zone: [{z}]"),
                            ),
                            None => err("MissingInput", "No subnets found for the default VPC"),
                        });
                    }
                    defaults[st.ec2.launches % defaults.len()].clone()
                }
            };
            if let Some(z) = zone
                && z != &subnet.availability_zone
            {
                return Err(err(
                    "InvalidParameterValue",
                    format!(
                        "The Availability Zone {z} does not match the subnet {}'s zone {}",
                        subnet.id, subnet.availability_zone
                    ),
                ));
            }
            let groups = if req.security_group_ids.is_empty() {
                st.ec2
                    .groups
                    .values()
                    .filter(|g| g.is_default && g.group.vpc_id == subnet.vpc_id)
                    .map(|g| g.group.id.clone())
                    .collect()
            } else {
                for g in &req.security_group_ids {
                    let rec = find(&mut st.ec2.groups, g, Kind::Group, cfg, now)?;
                    if rec.group.vpc_id != subnet.vpc_id {
                        return Err(err(
                            "InvalidParameter",
                            format!("Security group {g} and subnet {} belong to different networks.", subnet.id),
                        ));
                    }
                }
                req.security_group_ids.clone()
            };
            if req.subnet_id.is_none() {
                st.ec2.launches += 1;
            }
            let mut launched = Vec::new();
            for _ in 0..req.count {
                let id: InstanceId = parse_sim_id(SimCloud::new_id(st, "i"));
                let n = st.ec2.next_host.entry(subnet.id.clone()).or_default();
                let private_ip = host_in(&subnet.cidr_block, *n);
                *n += 1;
                st.ec2.next_public += 1;
                let p = st.ec2.next_public;
                let inst = Instance {
                    id: id.clone(),
                    image_id: image_id.clone(),
                    // AWS's default type when neither the request nor the template names one.
                    instance_type: req
                        .instance_type
                        .clone()
                        .unwrap_or_else(|| "m1.small".parse().expect("a well-formed type")),
                    state: InstanceState::Pending,
                    state_reason: None,
                    availability_zone: subnet.availability_zone.clone(),
                    subnet_id: Some(subnet.id.clone()),
                    vpc_id: Some(subnet.vpc_id.clone()),
                    private_ip,
                    public_ip: subnet
                        .default_for_az
                        .then(|| format!("54.{}.{}.{}", 160 + (p >> 16) % 32, (p >> 8) % 256, p % 256)),
                    security_groups: groups.clone(),
                    http_tokens_required: req.require_imdsv2,
                    launch_time: Some(wall),
                    tags: req.tags.iter().chain(&template_marks).map(|(k, v)| (k.clone(), v.clone())).collect(),
                    root_device_name: disks.first().map(|d| d.device.clone()),
                    key_name: req.key_name.clone(),
                    block_devices: Vec::new(),
                    placement_group: placement.and_then(|p| p.group_name.clone()),
                    tenancy: placement.map(|p| p.tenancy.clone()).unwrap_or_default(),
                };
                // The root volume (and any other mapped volume), attached from the launch and
                // tagged like the instance (the adapter's TagSpecifications name both).
                for disk in &disks {
                    let vid: VolumeId = parse_sim_id(SimCloud::new_id(st, "vol"));
                    let vol = disk.shape.clone().volume(
                        vid.clone(),
                        subnet.availability_zone.clone(),
                        VolumeState::InUse,
                        req.tags.clone(),
                    );
                    let attachment = Some(AttachRec {
                        instance_id: id.clone(),
                        device: disk.device.clone(),
                        started: now,
                        detach_started: None,
                        delete_on_termination: disk.delete_on_termination,
                    });
                    st.ec2.volumes.insert(
                        vid,
                        VolumeRec {
                            vol,
                            created: now,
                            modification: None,
                            attachment,
                        },
                    );
                }
                launched.push(inst.clone());
                st.ec2.instances.insert(
                    id,
                    InstanceRec {
                        inst,
                        launched: now,
                        terminate_called: None,
                        power: None,
                    },
                );
            }
            settle(&mut st.ec2, cfg, now);
            for inst in &mut launched {
                if let Some(r) = st.ec2.instances.get(&inst.id) {
                    *inst = r.inst.clone();
                }
            }
            if let Some(token) = &orig.client_token {
                let ids = launched.iter().map(|i| i.id.clone()).collect();
                st.ec2.run_tokens.insert(token.clone(), (orig.clone(), ids));
            }
            Ok(launched)
        })
    }

    async fn describe_instances(&self, req: DescribeInstancesRequest) -> crate::Result<Vec<Instance>> {
        req.validate()?;
        self.ec2_call(|st, cfg, now| {
            Ok(select(&st.ec2.instances, &req.instance_ids, Kind::Instance, cfg, now)?
                .into_iter()
                .map(|r| &r.inst)
                .filter(|i| req.states.is_empty() || req.states.contains(&i.state))
                .filter(|i| has_tags(&i.tags, &req.tags))
                .cloned()
                .collect())
        })
    }

    async fn describe_instances_page(
        &self,
        req: DescribeInstancesRequest,
        page: PageRequest,
    ) -> crate::Result<Page<Instance>> {
        // Without MaxResults EC2 answers every match on one page.
        let all = self.describe_instances(req).await?;
        super::page_of(&all, &page, usize::MAX, 1000)
    }

    async fn terminate_instances(&self, ids: Vec<InstanceId>) -> crate::Result<Vec<InstanceStateChange>> {
        validate_instance_ids(&ids)?;
        self.ec2_call(|st, cfg, now| {
            // All ids must exist before anything changes.
            select(&st.ec2.instances, &ids, Kind::Instance, cfg, now)?;
            let mut changes = Vec::new();
            for id in &ids {
                let rec = find(&mut st.ec2.instances, id, Kind::Instance, cfg, now)?;
                let previous = rec.inst.state.clone();
                if rec.terminate_called.is_none() {
                    rec.terminate_called = Some(now);
                }
                changes.push((id.clone(), previous));
            }
            settle(&mut st.ec2, cfg, now);
            Ok(changes
                .into_iter()
                .map(|(id, previous)| {
                    let current = st
                        .ec2
                        .instances
                        .get(&id)
                        .map_or(InstanceState::Terminated, |r| r.inst.state.clone());
                    InstanceStateChange { id, previous, current }
                })
                .collect())
        })
    }

    async fn describe_instance_status(&self, req: DescribeInstanceStatusRequest) -> crate::Result<Vec<InstanceStatus>> {
        req.validate()?;
        self.ec2_call(|st, cfg, now| {
            Ok(select(&st.ec2.instances, &req.instance_ids, Kind::Instance, cfg, now)?
                .into_iter()
                .filter(|r| req.include_all_instances || r.inst.state == InstanceState::Running)
                // Terminated instances are not listed, even with include_all_instances.
                .filter(|r| r.inst.state != InstanceState::Terminated)
                .map(|r| {
                    let checks = match r.running_since(cfg, now) {
                        Some(up) if now >= up + cfg.instance_status_checks => SummaryStatus::Ok,
                        Some(_) => SummaryStatus::Initializing,
                        None => SummaryStatus::NotApplicable,
                    };
                    InstanceStatus {
                        instance_id: r.inst.id.clone(),
                        availability_zone: r.inst.availability_zone.clone(),
                        state: r.inst.state.clone(),
                        instance_status: checks.clone(),
                        system_status: checks,
                    }
                })
                .collect())
        })
    }

    async fn describe_instance_types(&self, req: DescribeInstanceTypesRequest) -> crate::Result<Vec<InstanceTypeInfo>> {
        req.validate()?;
        let catalogue: Vec<InstanceTypeInfo> = INSTANCE_TYPES
            .iter()
            .map(|&(name, vcpus, memory_mib, arch)| InstanceTypeInfo {
                instance_type: name.parse().expect("the catalogue's types are well formed"),
                vcpus,
                memory_mib,
                architectures: vec![arch.to_string()],
                current_generation: true,
                burstable: name.starts_with('t'),
                free_tier_eligible: matches!(name, "t2.micro" | "t3.micro"),
            })
            .collect();
        if let Some(unknown) = req
            .instance_types
            .iter()
            .find(|t| !catalogue.iter().any(|c| &c.instance_type == *t))
        {
            return Err(err(
                "InvalidInstanceType",
                format!("The following supplied instance types do not exist: [{unknown}]"),
            ));
        }
        Ok(catalogue
            .into_iter()
            .filter(|c| req.instance_types.is_empty() || req.instance_types.contains(&c.instance_type))
            .filter(|c| req.architecture.as_ref().is_none_or(|a| c.architectures.contains(a)))
            .collect())
    }

    async fn stop_instances(&self, req: StopInstancesRequest) -> crate::Result<Vec<InstanceStateChange>> {
        req.validate()?;
        self.ec2_call(|st, cfg, now| {
            select(&st.ec2.instances, &req.instance_ids, Kind::Instance, cfg, now)?;
            // Every instance must be stoppable before any changes (AWS answers the first that
            // is not).
            for id in &req.instance_ids {
                let rec = find(&mut st.ec2.instances, id, Kind::Instance, cfg, now)?;
                if req.hibernate {
                    return Err(err(
                        "UnsupportedHibernationConfiguration",
                        format!("The instance '{id}' does not have hibernation configured. To hibernate an instance, hibernation must be enabled at launch."),
                    ));
                }
                if !matches!(
                    rec.inst.state,
                    InstanceState::Running | InstanceState::Stopping | InstanceState::Stopped
                ) {
                    return Err(err(
                        "IncorrectInstanceState",
                        format!("The instance '{id}' is not in a state from which it can be stopped."),
                    ));
                }
            }
            power(st, cfg, now, &req.instance_ids, Power::Stop)
        })
    }

    async fn start_instances(&self, ids: Vec<InstanceId>) -> crate::Result<Vec<InstanceStateChange>> {
        validate_instance_ids(&ids)?;
        self.ec2_call(|st, cfg, now| {
            select(&st.ec2.instances, &ids, Kind::Instance, cfg, now)?;
            for id in &ids {
                let rec = find(&mut st.ec2.instances, id, Kind::Instance, cfg, now)?;
                if !matches!(
                    rec.inst.state,
                    InstanceState::Stopped | InstanceState::Pending | InstanceState::Running
                ) {
                    return Err(err(
                        "IncorrectInstanceState",
                        format!("The instance '{id}' is not in a state from which it can be started."),
                    ));
                }
            }
            power(st, cfg, now, &ids, Power::Start)
        })
    }

    async fn reboot_instances(&self, ids: Vec<InstanceId>) -> crate::Result<()> {
        validate_instance_ids(&ids)?;
        self.ec2_call(|st, cfg, now| {
            select(&st.ec2.instances, &ids, Kind::Instance, cfg, now)?;
            for id in &ids {
                let rec = find(&mut st.ec2.instances, id, Kind::Instance, cfg, now)?;
                // Terminated (and terminating) instances are ignored; running and pending ones
                // stay as they are (the simulator has no guest to restart).
                if matches!(rec.inst.state, InstanceState::Stopped | InstanceState::Stopping) {
                    return Err(err(
                        "IncorrectInstanceState",
                        format!("The instance '{id}' is not in a state from which it can be rebooted."),
                    ));
                }
            }
            Ok(())
        })
    }

    // --- Key pairs ----------------------------------------------------------------------------

    async fn create_key_pair(&self, req: CreateKeyPairRequest) -> crate::Result<CreatedKeyPair> {
        req.validate()?;
        let wall = self.ec2_wall(self.now());
        self.ec2_call(|st, _, _| {
            let pair = new_key_pair(st, &req.name, req.key_type.clone(), &req.name, req.tags.clone(), wall)?;
            // Not a usable key: the simulator has no cryptography. It has the shape of one, and
            // is deterministic per simulator.
            let private_key = format!(
                "-----BEGIN OPENSSH PRIVATE KEY-----\nsimulated-{}-{}\n-----END OPENSSH PRIVATE KEY-----\n",
                pair.key_type.as_str(),
                pair.id
            );
            Ok(CreatedKeyPair {
                key_pair: pair,
                private_key: private_key.into(),
            })
        })
    }

    async fn import_key_pair(&self, req: ImportKeyPairRequest) -> crate::Result<KeyPair> {
        req.validate()?;
        let wall = self.ec2_wall(self.now());
        self.ec2_call(|st, _, _| new_key_pair(st, &req.name, req.key_type(), &req.public_key, req.tags.clone(), wall))
    }

    async fn describe_key_pairs(&self, req: DescribeKeyPairsRequest) -> crate::Result<Vec<KeyPair>> {
        req.validate()?;
        self.ec2_call(|st, _, _| {
            if let Some(missing) = req.names.iter().find(|n| !st.ec2.key_pairs.contains_key(*n)) {
                return Err(err(
                    "InvalidKeyPair.NotFound",
                    format!("The key pair '{missing}' does not exist"),
                ));
            }
            Ok(st
                .ec2
                .key_pairs
                .values()
                .filter(|k| req.names.is_empty() || req.names.contains(&k.name))
                .filter(|k| has_tags(&k.tags, &req.tags))
                .cloned()
                .collect())
        })
    }

    async fn delete_key_pair(&self, name: String) -> crate::Result<()> {
        validate_key_pair_name(&name)?;
        self.ec2_call(|st, _, _| {
            // A name of no key pair succeeds, as on AWS.
            st.ec2.key_pairs.remove(&name);
            Ok(())
        })
    }

    // --- Volumes ------------------------------------------------------------------------------

    async fn create_volume(&self, req: CreateVolumeRequest) -> crate::Result<Volume> {
        req.validate()?;
        self.ec2_call(|st, cfg, now| {
            if let Some(token) = &req.client_token
                && let Some((prev, id)) = st.ec2.volume_tokens.get(token)
            {
                if prev != &req {
                    return Err(err(
                        "IdempotentParameterMismatch",
                        "Arguments on this idempotent request are inconsistent with arguments used in previous request(s).",
                    ));
                }
                if let Some(v) = st.ec2.volumes.get(id) {
                    return Ok(v.vol.clone());
                }
            }
            if !st
                .ec2
                .subnets
                .iter()
                .any(|s| s.availability_zone == req.availability_zone)
            {
                return Err(err(
                    "InvalidZone.NotFound",
                    format!("The zone '{}' does not exist.", req.availability_zone),
                ));
            }
            let shape = volume_shape(
                &mut st.ec2,
                cfg,
                &req.volume_type,
                req.size_gib,
                req.iops,
                req.throughput,
                req.snapshot_id.as_ref(),
                req.encrypted,
                req.kms_key_id.as_ref(),
            )?;
            let id: VolumeId = parse_sim_id(SimCloud::new_id(st, "vol"));
            let vol = shape.volume(id.clone(), req.availability_zone.clone(), VolumeState::Creating, req.tags.clone());
            st.ec2.volumes.insert(
                id.clone(),
                VolumeRec {
                    vol,
                    created: now,
                    modification: None,
                    attachment: None,
                },
            );
            if let Some(token) = &req.client_token {
                st.ec2.volume_tokens.insert(token.clone(), (req.clone(), id.clone()));
            }
            settle(&mut st.ec2, cfg, now);
            Ok(st.ec2.volumes[&id].vol.clone())
        })
    }

    async fn describe_volumes(&self, req: DescribeVolumesRequest) -> crate::Result<Vec<Volume>> {
        req.validate()?;
        self.ec2_call(|st, cfg, now| {
            Ok(select(&st.ec2.volumes, &req.volume_ids, Kind::Volume, cfg, now)?
                .into_iter()
                .map(|r| &r.vol)
                .filter(|v| has_tags(&v.tags, &req.tags))
                .filter(|v| {
                    req.attached_to
                        .as_ref()
                        .is_none_or(|i| v.attachments.iter().any(|a| &a.instance_id == i))
                })
                .cloned()
                .collect())
        })
    }

    async fn describe_volumes_page(
        &self,
        req: DescribeVolumesRequest,
        page: PageRequest,
    ) -> crate::Result<Page<Volume>> {
        let all = self.describe_volumes(req).await?;
        super::page_of(&all, &page, usize::MAX, 1000)
    }

    async fn modify_volume(&self, req: ModifyVolumeRequest) -> crate::Result<VolumeModification> {
        req.validate()?;
        let wall = self.ec2_wall(self.now());
        self.ec2_call(|st, cfg, now| {
            let rec = find(&mut st.ec2.volumes, &req.volume_id, Kind::Volume, cfg, now)?;
            let vol = &rec.vol;
            if !matches!(vol.state, VolumeState::Available | VolumeState::InUse) {
                return Err(err(
                    "IncorrectState",
                    format!("Volume '{}' is in the '{}' state.", vol.id, vol.state.as_str()),
                ));
            }
            if let Some((m, started, _)) = &rec.modification {
                let current = modification_at(m, *started, cfg, now);
                if matches!(
                    current.state,
                    VolumeModificationState::Modifying | VolumeModificationState::Optimizing
                ) {
                    return Err(err(
                        "IncorrectModificationState",
                        format!("Cannot modify volume {} because it is already being modified.", vol.id),
                    ));
                }
                if now < *started + MODIFICATION_INTERVAL {
                    return Err(err(
                        "VolumeModificationRateExceeded",
                        "You've reached the maximum modification rate per volume limit. Wait at least 6 hours between modifications per EBS volume.",
                    ));
                }
            }
            let size = req.size_gib.unwrap_or(vol.size_gib);
            if size < vol.size_gib {
                return Err(err(
                    "InvalidParameterValue",
                    format!("New size cannot be smaller than existing size {} GiB", vol.size_gib),
                ));
            }
            let vt = req.volume_type.clone().unwrap_or_else(|| vol.volume_type.clone());
            // Settings not named carry over where the new type has them, else its baseline.
            let iops = req.iops.or_else(|| {
                vt.iops_range()
                    .map(|(lo, _, _)| vol.iops.filter(|_| vol.volume_type.iops_range().is_some()).unwrap_or(lo))
            });
            let throughput = req.throughput.or_else(|| {
                vt.throughput_range().map(|(lo, _)| {
                    vol.throughput
                        .filter(|_| vol.volume_type.throughput_range().is_some())
                        .unwrap_or(lo)
                })
            });
            // The volume it becomes must be one CreateVolume would make.
            let becomes = CreateVolumeRequest {
                availability_zone: vol.availability_zone.clone(),
                size_gib: Some(size),
                volume_type: vt.clone(),
                iops,
                throughput,
                encrypted: true,
                kms_key_id: None,
                snapshot_id: None,
                tags: Tags::new(),
                client_token: None,
            };
            if let Err(e) = becomes.validate() {
                return Err(err("InvalidParameterValue", e.to_string()));
            }
            let m = VolumeModification {
                volume_id: vol.id.clone(),
                state: VolumeModificationState::Modifying,
                progress: 0,
                original_size_gib: Some(vol.size_gib),
                target_size_gib: Some(size),
                original_volume_type: Some(vol.volume_type.clone()),
                target_volume_type: Some(vt),
                original_iops: vol.iops,
                target_iops: iops,
                original_throughput: vol.throughput,
                target_throughput: throughput,
                start_time: Some(wall),
                end_time: None,
                status_message: None,
            };
            rec.modification = Some((m.clone(), now, false));
            settle(&mut st.ec2, cfg, now);
            Ok(modification_at(&m, now, cfg, now))
        })
    }

    async fn describe_volumes_modifications(&self, ids: Vec<VolumeId>) -> crate::Result<Vec<VolumeModification>> {
        crate::validate::non_empty("ids", &ids)?;
        self.ec2_call(|st, cfg, now| {
            Ok(select(&st.ec2.volumes, &ids, Kind::Volume, cfg, now)?
                .into_iter()
                .filter_map(|r| r.modification.as_ref())
                .map(|(m, started, _)| modification_at(m, *started, cfg, now))
                .collect())
        })
    }

    async fn attach_volume(&self, req: AttachVolumeRequest) -> crate::Result<VolumeAttachment> {
        req.validate()?;
        self.ec2_call(|st, cfg, now| {
            let vol = &find(&mut st.ec2.volumes, &req.volume_id, Kind::Volume, cfg, now)?.vol;
            let (vol_az, vol_state) = (vol.availability_zone.clone(), vol.state.clone());
            let inst = &find(&mut st.ec2.instances, &req.instance_id, Kind::Instance, cfg, now)?.inst;
            let (vid, iid) = (&req.volume_id, &req.instance_id);
            match vol_state {
                VolumeState::Available => {}
                VolumeState::InUse => {
                    return Err(err("VolumeInUse", format!("{vid} is already attached to an instance")));
                }
                other => {
                    return Err(err(
                        "IncorrectState",
                        format!("vol '{vid}' is in the '{}' state.", other.as_str()),
                    ));
                }
            }
            if !matches!(inst.state, InstanceState::Running | InstanceState::Stopped) {
                return Err(err(
                    "IncorrectInstanceState",
                    format!(
                        "Instance '{iid}' is not 'running' or 'stopped' (it is '{}').",
                        inst.state
                    ),
                ));
            }
            if inst.availability_zone != vol_az {
                return Err(err(
                    "InvalidVolume.ZoneMismatch",
                    format!("The volume '{vid}' is not in the same availability zone as instance '{iid}'"),
                ));
            }
            let slot = device_slot(&req.device);
            let taken = slot == device_slot(ROOT_DEVICE)
                || st.ec2.volumes.values().any(|v| {
                    v.attachment
                        .as_ref()
                        .is_some_and(|a| &a.instance_id == iid && device_slot(&a.device) == slot)
                });
            if taken {
                return Err(err(
                    "InvalidParameterValue",
                    format!("Attachment point {} is already in use", req.device),
                ));
            }
            let rec = st
                .ec2
                .volumes
                .get_mut(vid)
                .ok_or_else(|| not_found(Kind::Volume, &[vid.as_str()]))?;
            rec.attachment = Some(AttachRec {
                instance_id: iid.clone(),
                device: req.device.clone(),
                started: now,
                detach_started: None,
                delete_on_termination: false,
            });
            settle(&mut st.ec2, cfg, now);
            first_attachment(&st.ec2, vid)
        })
    }

    async fn detach_volume(&self, req: DetachVolumeRequest) -> crate::Result<VolumeAttachment> {
        req.validate()?;
        self.ec2_call(|st, cfg, now| {
            let vid = &req.volume_id;
            let rec = find(&mut st.ec2.volumes, vid, Kind::Volume, cfg, now)?;
            let state = rec.vol.state.clone();
            let Some(a) = rec.attachment.as_mut() else {
                return Err(err(
                    "IncorrectState",
                    format!("Volume '{vid}' is in the '{}' state.", state.as_str()),
                ));
            };
            if let Some(want) = &req.instance_id
                && want != &a.instance_id
            {
                return Err(err(
                    "InvalidAttachment.NotFound",
                    format!("The volume '{vid}' is not attached to instance '{want}'"),
                ));
            }
            if a.detach_started.is_none() {
                a.detach_started = Some(now);
            }
            // AWS answers `detaching`, even when the detachment is over by the next describe
            // (and with instant transitions, `settle` ends it before we answer).
            let mut answer = first_attachment(&st.ec2, vid)?;
            answer.state = AttachmentState::Detaching;
            settle(&mut st.ec2, cfg, now);
            Ok(answer)
        })
    }

    async fn delete_volume(&self, id: VolumeId) -> crate::Result<()> {
        self.ec2_call(|st, cfg, now| {
            let rec = find(&mut st.ec2.volumes, &id, Kind::Volume, cfg, now)?;
            if let Some(a) = &rec.attachment {
                return Err(err(
                    "VolumeInUse",
                    format!("Volume {id} is currently attached to {}", a.instance_id),
                ));
            }
            st.ec2.volumes.remove(&id);
            Ok(())
        })
    }

    // --- Snapshots ----------------------------------------------------------------------------

    async fn create_snapshot(&self, req: CreateSnapshotRequest) -> crate::Result<Snapshot> {
        req.validate()?;
        let wall = self.ec2_wall(self.now());
        self.ec2_call(|st, cfg, now| {
            let vol = &find(&mut st.ec2.volumes, &req.volume_id, Kind::Volume, cfg, now)?.vol;
            if !matches!(vol.state, VolumeState::Available | VolumeState::InUse) {
                return Err(err(
                    "IncorrectState",
                    format!("Volume '{}' is in the '{}' state.", vol.id, vol.state.as_str()),
                ));
            }
            let (size, encrypted) = (vol.size_gib, vol.encrypted);
            let id: SnapshotId = parse_sim_id(SimCloud::new_id(st, "snap"));
            let snap = Snapshot {
                id: id.clone(),
                volume_id: Some(req.volume_id.clone()),
                volume_size_gib: size,
                state: SnapshotState::Pending,
                progress: Some(0),
                description: req.description.clone(),
                encrypted,
                start_time: Some(wall),
                tags: req.tags.clone(),
            };
            st.ec2.snapshots.insert(
                id.clone(),
                SnapshotRec {
                    snap,
                    started: now,
                    direct: false,
                },
            );
            settle(&mut st.ec2, cfg, now);
            Ok(st.ec2.snapshots[&id].snap.clone())
        })
    }

    async fn describe_snapshots(&self, req: DescribeSnapshotsRequest) -> crate::Result<Vec<Snapshot>> {
        req.validate()?;
        // `ec2_call` settles EBS direct snapshots too, so a wait on DescribeSnapshots sees
        // them finish.
        self.ec2_call(|st, _, _| {
            let missing: Vec<&str> = req
                .snapshot_ids
                .iter()
                .filter(|id| !st.ec2.snapshots.contains_key(*id))
                .map(|id| id.as_str())
                .collect();
            if !missing.is_empty() {
                return Err(not_found(Kind::Snapshot, &missing));
            }
            Ok(st
                .ec2
                .snapshots
                .values()
                .map(|r| &r.snap)
                .filter(|s| req.snapshot_ids.is_empty() || req.snapshot_ids.contains(&s.id))
                .filter(|s| req.volume_id.is_none() || s.volume_id == req.volume_id)
                .filter(|s| has_tags(&s.tags, &req.tags))
                .cloned()
                .collect())
        })
    }

    async fn describe_snapshots_page(
        &self,
        req: DescribeSnapshotsRequest,
        page: PageRequest,
    ) -> crate::Result<Page<Snapshot>> {
        let all = self.describe_snapshots(req).await?;
        super::page_of(&all, &page, usize::MAX, 1000)
    }

    async fn delete_snapshot(&self, id: SnapshotId) -> crate::Result<()> {
        self.ec2_call(|st, _, _| {
            snapshot(&mut st.ec2, &id)?;
            if let Some(v) = st
                .ec2
                .volumes
                .values()
                .find(|v| v.vol.snapshot_id.as_ref() == Some(&id) && v.vol.state == VolumeState::Creating)
            {
                return Err(err(
                    "InvalidSnapshot.InUse",
                    format!("The snapshot {id} is currently in use by {}", v.vol.id),
                ));
            }
            st.ec2.snapshots.remove(&id);
            super::ebs::forget(st, &id);
            Ok(())
        })
    }

    // --- Tags ---------------------------------------------------------------------------------

    // --- Launch templates ------------------------------------------------------------------------

    async fn create_launch_template(&self, req: CreateLaunchTemplateRequest) -> crate::Result<LaunchTemplate> {
        req.validate()?;
        let wall = self.ec2_wall(self.now());
        self.ec2_call(|st, _, _| {
            if let Some(token) = &req.client_token
                && let Some((prev, id)) = st.ec2.template_tokens.get(token)
            {
                if prev != &req {
                    return Err(err(
                        "IdempotentParameterMismatch",
                        "Arguments on this idempotent request are inconsistent with arguments used in previous request(s).",
                    ));
                }
                if let Some((t, _)) = st.ec2.templates.get(id) {
                    return Ok(t.clone());
                }
            }
            if st.ec2.templates.values().any(|(t, _)| t.name == req.name) {
                return Err(err(
                    "InvalidLaunchTemplateName.AlreadyExistsException",
                    format!("Launch template name already in use: {}", req.name),
                ));
            }
            let data = stored_template_data(&st.ec2, req.data.clone())?;
            let id: LaunchTemplateId = parse_sim_id(SimCloud::new_id(st, "lt"));
            let template = LaunchTemplate {
                id: id.clone(),
                name: req.name.clone(),
                default_version: 1,
                latest_version: 1,
                created: Some(wall),
                tags: req.tags.clone(),
            };
            let v1 = LaunchTemplateVersion {
                template_id: id.clone(),
                template_name: req.name.clone(),
                version: 1,
                description: req.version_description.clone(),
                is_default: true,
                created: Some(wall),
                data,
            };
            st.ec2
                .templates
                .insert(id.clone(), (template.clone(), BTreeMap::from([(1, v1)])));
            if let Some(token) = &req.client_token {
                st.ec2.template_tokens.insert(token.clone(), (req.clone(), id));
            }
            Ok(template)
        })
    }

    async fn create_launch_template_version(
        &self,
        req: CreateLaunchTemplateVersionRequest,
    ) -> crate::Result<LaunchTemplateVersion> {
        req.validate()?;
        let wall = self.ec2_wall(self.now());
        self.ec2_call(|st, _, _| {
            let id = template_of(&st.ec2, &req.template)?.0.id.clone();
            let data = stored_template_data(&st.ec2, req.data.clone())?;
            let (t, versions) = st.ec2.templates.get_mut(&id).expect("found above");
            // EC2 User Guide, "Launch template quotas": 10,000 versions per template.
            if versions.len() >= 10_000 {
                return Err(err(
                    "LaunchTemplateVersionLimitExceeded",
                    "The launch template has reached its limit of versions.",
                ));
            }
            t.latest_version += 1;
            let v = LaunchTemplateVersion {
                template_id: id.clone(),
                template_name: t.name.clone(),
                version: t.latest_version,
                description: req.version_description.clone(),
                is_default: false,
                created: Some(wall),
                data,
            };
            versions.insert(v.version, v.clone());
            Ok(v)
        })
    }

    async fn set_default_launch_template_version(
        &self,
        template: LaunchTemplateRef,
        version: u64,
    ) -> crate::Result<LaunchTemplate> {
        validate_default_version(&template, version)?;
        self.ec2_call(|st, _, _| {
            let (t, _) = template_version(&st.ec2, &template, TemplateVersion::Number(version))?;
            let (t, versions) = st.ec2.templates.get_mut(&t.id).expect("found above");
            t.default_version = version;
            for v in versions.values_mut() {
                v.is_default = v.version == version;
            }
            Ok(t.clone())
        })
    }

    async fn describe_launch_templates(
        &self,
        req: DescribeLaunchTemplatesRequest,
    ) -> crate::Result<Vec<LaunchTemplate>> {
        req.validate()?;
        self.ec2_call(|st, _, _| {
            for id in &req.ids {
                template_of(&st.ec2, &LaunchTemplateRef::Id(id.clone()))?;
            }
            for n in &req.names {
                template_of(&st.ec2, &LaunchTemplateRef::Name(n.clone()))?;
            }
            Ok(st
                .ec2
                .templates
                .values()
                .map(|(t, _)| t)
                .filter(|t| req.ids.is_empty() || req.ids.contains(&t.id))
                .filter(|t| req.names.is_empty() || req.names.contains(&t.name))
                .filter(|t| has_tags(&t.tags, &req.tags))
                .cloned()
                .collect())
        })
    }

    async fn describe_launch_template_versions(
        &self,
        template: LaunchTemplateRef,
        versions: Vec<TemplateVersion>,
    ) -> crate::Result<Vec<LaunchTemplateVersion>> {
        validate_template_versions(&template, &versions, false)?;
        self.ec2_call(|st, _, _| {
            if versions.is_empty() {
                return Ok(template_of(&st.ec2, &template)?.1.values().cloned().collect());
            }
            versions
                .iter()
                .map(|v| template_version(&st.ec2, &template, *v).map(|(_, v)| v))
                .collect()
        })
    }

    async fn delete_launch_template_versions(
        &self,
        template: LaunchTemplateRef,
        versions: Vec<TemplateVersion>,
    ) -> crate::Result<()> {
        validate_template_versions(&template, &versions, true)?;
        self.ec2_call(|st, _, _| {
            let t = template_of(&st.ec2, &template)?.0.clone();
            // AWS deletes what it can and lists the rest; the adapter reports the first one
            // that was not deleted, as here.
            let mut failed = None;
            for v in &versions {
                let TemplateVersion::Number(n) = *v else { continue };
                let (_, all) = st.ec2.templates.get_mut(&t.id).expect("found above");
                if n == t.default_version {
                    // The model's error codes have none for this case; AWS answers with its
                    // catch-all code.
                    failed.get_or_insert((
                        n,
                        "unexpectedError",
                        "Cannot delete the default version of a launch template; delete the template instead",
                    ));
                } else if all.remove(&n).is_none() {
                    failed.get_or_insert((n, "launchTemplateVersionDoesNotExist", "The version does not exist"));
                }
            }
            match failed {
                Some((n, code, why)) => Err(err(code, format!("version {n} of {template} was not deleted: {why}"))),
                None => Ok(()),
            }
        })
    }

    async fn delete_launch_template(&self, template: LaunchTemplateRef) -> crate::Result<()> {
        template.validate("template")?;
        self.ec2_call(|st, _, _| {
            let id = template_of(&st.ec2, &template)?.0.id.clone();
            st.ec2.templates.remove(&id);
            Ok(())
        })
    }

    // --- Elastic IP addresses ------------------------------------------------------------------

    async fn allocate_address(&self, req: AllocateAddressRequest) -> crate::Result<Address> {
        req.validate()?;
        self.ec2_call(|st, _, _| {
            // EC2 User Guide, "Elastic IP address quota": 5 per Region by default.
            if st.ec2.addresses.len() >= MAX_ELASTIC_IPS {
                return Err(err(
                    "AddressLimitExceeded",
                    "The maximum number of addresses has been reached.",
                ));
            }
            st.ec2.next_eip += 1;
            let n = st.ec2.next_eip;
            let address = Address {
                allocation_id: parse_sim_id(SimCloud::new_id(st, "eipalloc")),
                public_ip: format!("3.{}.{}.{}", 208 + (n >> 16) % 16, (n >> 8) % 256, n % 256),
                association_id: None,
                instance_id: None,
                private_ip: None,
                tags: req.tags.clone(),
            };
            st.ec2.addresses.insert(address.allocation_id.clone(), address.clone());
            Ok(address)
        })
    }

    async fn describe_addresses(&self, req: DescribeAddressesRequest) -> crate::Result<Vec<Address>> {
        req.validate()?;
        self.ec2_call(|st, _, _| {
            if let Some(missing) = req.allocation_ids.iter().find(|a| !st.ec2.addresses.contains_key(*a)) {
                return Err(address_not_found(missing));
            }
            Ok(st
                .ec2
                .addresses
                .values()
                .filter(|a| req.allocation_ids.is_empty() || req.allocation_ids.contains(&a.allocation_id))
                .filter(|a| has_tags(&a.tags, &req.tags))
                .cloned()
                .collect())
        })
    }

    async fn associate_address(&self, req: AssociateAddressRequest) -> crate::Result<AssociationId> {
        req.validate()?;
        self.ec2_call(|st, cfg, now| {
            if !st.ec2.addresses.contains_key(&req.allocation_id) {
                return Err(address_not_found(&req.allocation_id));
            }
            let inst = find(&mut st.ec2.instances, &req.instance_id, Kind::Instance, cfg, now)?;
            if !matches!(inst.inst.state, InstanceState::Running | InstanceState::Stopped) {
                return Err(err(
                    "IncorrectInstanceState",
                    format!(
                        "The instance '{}' is not in a valid state for this operation.",
                        req.instance_id
                    ),
                ));
            }
            let private_ip = req.private_ip.clone().or_else(|| inst.inst.private_ip.clone());
            // An address associated elsewhere moves only with AllowReassociation; an instance
            // that has another address lets go of it (it stays allocated), as AWS documents.
            let address = &st.ec2.addresses[&req.allocation_id];
            let elsewhere = address.instance_id.as_ref().is_some_and(|i| i != &req.instance_id);
            if elsewhere && !req.allow_reassociation {
                return Err(err(
                    "Resource.AlreadyAssociated",
                    format!("resource {} is already associated with associate-id", req.allocation_id),
                ));
            }
            for a in st.ec2.addresses.values_mut() {
                if a.instance_id.as_ref() == Some(&req.instance_id) {
                    end_association(a);
                }
            }
            let association: AssociationId = parse_sim_id(SimCloud::new_id(st, "eipassoc"));
            if let Some(a) = st.ec2.addresses.get_mut(&req.allocation_id) {
                if let Some(prev) = a.instance_id.take()
                    && let Some(r) = st.ec2.instances.get_mut(&prev)
                {
                    r.inst.public_ip = None;
                }
                a.association_id = Some(association.clone());
                a.instance_id = Some(req.instance_id.clone());
                a.private_ip = private_ip;
            }
            settle(&mut st.ec2, cfg, now);
            Ok(association)
        })
    }

    async fn disassociate_address(&self, association: AssociationId) -> crate::Result<()> {
        self.ec2_call(|st, _, _| {
            let Some(a) = st
                .ec2
                .addresses
                .values_mut()
                .find(|a| a.association_id.as_ref() == Some(&association))
            else {
                return Err(err(
                    "InvalidAssociationID.NotFound",
                    format!("The association ID '{association}' does not exist"),
                ));
            };
            if let Some(iid) = end_association(a)
                && let Some(r) = st.ec2.instances.get_mut(&iid)
            {
                // The instance is left without a public address (AWS gives a new one only
                // to instances in a subnet that assigns them, after a stop and start).
                r.inst.public_ip = None;
            }
            Ok(())
        })
    }

    async fn release_address(&self, allocation: AllocationId) -> crate::Result<()> {
        self.ec2_call(|st, _, _| {
            let Some(a) = st.ec2.addresses.get(&allocation) else {
                return Err(address_not_found(&allocation));
            };
            if a.association_id.is_some() {
                return Err(err(
                    "InvalidIPAddress.InUse",
                    format!("Address {} is in use.", a.public_ip),
                ));
            }
            st.ec2.addresses.remove(&allocation);
            Ok(())
        })
    }

    async fn create_tags(&self, resource_ids: Vec<String>, tags: Tags) -> crate::Result<()> {
        validate_create_tags(&resource_ids, &tags)?;
        self.ec2_call(|st, cfg, now| {
            edit_tags(st, cfg, now, &resource_ids, |slot| {
                slot.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
            })
        })
    }

    async fn delete_tags(&self, resource_ids: Vec<String>, keys: Vec<String>) -> crate::Result<()> {
        validate_delete_tags(&resource_ids, &keys)?;
        self.ec2_call(|st, cfg, now| {
            edit_tags(st, cfg, now, &resource_ids, |slot| {
                slot.retain(|k, _| !keys.contains(k))
            })
        })
    }
}

/// Records a new key pair named `name` (`InvalidKeyPair.Duplicate` if the name is taken), with
/// a fingerprint derived from `material` (SHA-256, not AWS's algorithm for every key type).
fn new_key_pair(
    st: &mut SimState,
    name: &str,
    key_type: KeyType,
    material: &str,
    tags: Tags,
    wall: std::time::SystemTime,
) -> crate::Result<KeyPair> {
    use sha2::Digest;
    if st.ec2.key_pairs.contains_key(name) {
        return Err(err(
            "InvalidKeyPair.Duplicate",
            format!("The keypair '{name}' already exists."),
        ));
    }
    let id = SimCloud::new_id(st, "key");
    let digest = sha2::Sha256::digest(format!("{id}{material}").as_bytes());
    let fingerprint = digest[..20]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":");
    let pair = KeyPair {
        id,
        name: name.to_string(),
        fingerprint,
        key_type,
        created: Some(wall),
        tags,
    };
    st.ec2.key_pairs.insert(name.to_string(), pair.clone());
    Ok(pair)
}

/// The modification `m`, started at `started`, as it stands at `now`: `modifying` for
/// `volume_modify` (progress 0 to 10), `optimizing` for `volume_optimize` (10 to 99), then
/// `completed`.
fn modification_at(m: &VolumeModification, started: Instant, cfg: &SimConfig, now: Instant) -> VolumeModification {
    let mut m = m.clone();
    let applied = started + cfg.volume_modify;
    let done = applied + cfg.volume_optimize;
    let share = |from: Instant, span: Duration| {
        if span.is_zero() {
            1.0
        } else {
            now.saturating_duration_since(from).as_secs_f64() / span.as_secs_f64()
        }
    };
    if now < applied {
        m.state = VolumeModificationState::Modifying;
        m.progress = (10.0 * share(started, cfg.volume_modify)).min(10.0) as u8;
    } else if now < done {
        m.state = VolumeModificationState::Optimizing;
        m.progress = (10.0 + 89.0 * share(applied, cfg.volume_optimize)).min(99.0) as u8;
    } else {
        m.state = VolumeModificationState::Completed;
        m.progress = 100;
        m.end_time = m.start_time.map(|t| t + cfg.volume_modify + cfg.volume_optimize);
    }
    m
}

/// AWS allows one modification per volume every six hours (EBS User Guide, "Requirements for
/// Amazon EBS volume modifications": "wait at least six hours").
const MODIFICATION_INTERVAL: Duration = Duration::from_secs(6 * 3600);

/// Applies `edit` to the tags of each of `resource_ids` (CreateTags, DeleteTags). Every id is
/// resolved first, so an unknown one changes nothing.
fn edit_tags(
    st: &mut SimState,
    cfg: &SimConfig,
    now: Instant,
    resource_ids: &[String],
    edit: impl Fn(&mut Tags),
) -> crate::Result<()> {
    let mut targets = Vec::new();
    for raw in resource_ids {
        targets.push(resolve_taggable(st, cfg, now, raw)?);
    }
    let ec2 = &mut st.ec2;
    for t in targets {
        let slot = match t {
            Taggable::Instance(id) => ec2.instances.get_mut(&id).map(|r| &mut r.inst.tags),
            Taggable::Volume(id) => ec2.volumes.get_mut(&id).map(|r| &mut r.vol.tags),
            Taggable::Snapshot(id) => ec2.snapshots.get_mut(&id).map(|r| &mut r.snap.tags),
            Taggable::Group(id) => ec2.groups.get_mut(&id).map(|r| &mut r.group.tags),
            Taggable::Address(id) => ec2.addresses.get_mut(&id).map(|a| &mut a.tags),
            Taggable::Untracked => None,
        };
        if let Some(slot) = slot {
            edit(slot);
        }
    }
    Ok(())
}

/// Moves `ids` (each checked to allow it) towards stopped or running; an instance already
/// there or on its way is left as it is. Answers each one's state change.
fn power(
    st: &mut SimState,
    cfg: &SimConfig,
    now: Instant,
    ids: &[InstanceId],
    to: Power,
) -> crate::Result<Vec<InstanceStateChange>> {
    let mut changes = Vec::new();
    for id in ids {
        let public = st
            .ec2
            .instances
            .get(id)
            .and_then(|r| r.inst.subnet_id.clone())
            .and_then(|s| st.ec2.subnets.iter().find(|x| x.id == s))
            .is_some_and(|s| s.default_for_az);
        let fresh_ip = if to == Power::Start && public {
            st.ec2.next_public += 1;
            let p = st.ec2.next_public;
            Some(format!("54.{}.{}.{}", 160 + (p >> 16) % 32, (p >> 8) % 256, p % 256))
        } else {
            None
        };
        let rec = find(&mut st.ec2.instances, id, Kind::Instance, cfg, now)?;
        let previous = rec.inst.state.clone();
        let moves = match to {
            Power::Stop => previous == InstanceState::Running,
            Power::Start => previous == InstanceState::Stopped,
        };
        if moves {
            rec.power = Some((to, now));
            rec.inst.state_reason = None;
            if let Some(ip) = fresh_ip {
                rec.inst.public_ip = Some(ip);
            }
        }
        changes.push((id.clone(), previous));
    }
    settle(&mut st.ec2, cfg, now);
    Ok(changes
        .into_iter()
        .map(|(id, previous)| {
            let current = st
                .ec2
                .instances
                .get(&id)
                .map_or(InstanceState::Terminated, |r| r.inst.state.clone());
            InstanceStateChange { id, previous, current }
        })
        .collect())
}

/// The default EBS key of the simulated account (`aws/ebs`).
fn default_kms_key(cfg: &SimConfig) -> String {
    format!(
        "arn:aws:kms:{}:{}:key/0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b",
        cfg.region, cfg.account_id
    )
}

/// The simulated region's instance types (name, vCPUs, MiB, architecture): a few common ones,
/// with the figures AWS publishes for them.
const INSTANCE_TYPES: &[(&str, u32, u64, &str)] = &[
    ("t2.micro", 1, 1024, "x86_64"),
    ("t3.nano", 2, 512, "x86_64"),
    ("t3.micro", 2, 1024, "x86_64"),
    ("t3.small", 2, 2048, "x86_64"),
    ("t3.medium", 2, 4096, "x86_64"),
    ("t3.large", 2, 8192, "x86_64"),
    ("t4g.micro", 2, 1024, "arm64"),
    ("t4g.small", 2, 2048, "arm64"),
    ("m5.large", 2, 8192, "x86_64"),
    ("m5.xlarge", 4, 16384, "x86_64"),
    ("m7g.large", 2, 8192, "arm64"),
    ("c5.large", 2, 4096, "x86_64"),
    ("c7g.large", 2, 4096, "arm64"),
    ("r5.large", 2, 16384, "x86_64"),
];

/// `req` with its launch template's settings filled in where the request has none (the
/// request's override the template's, as on AWS; block-device mappings and tags are replaced
/// whole). Without a template, `req` as it is.
/// Also returns the tags AWS adds to instances launched from a template.
fn from_template(ec2: &Ec2State, mut req: RunInstancesRequest) -> crate::Result<(RunInstancesRequest, Tags)> {
    let Some(spec) = req.launch_template.clone() else {
        return Ok((req, Tags::new()));
    };
    let (template, version) = template_version(ec2, &spec.template, spec.version)?;
    let d = version.data;
    let template_root = req.uses_template_root();
    req.image_id = req.image_id.or(d.image_id);
    req.instance_type = req.instance_type.or(d.instance_type);
    req.key_name = req.key_name.or(d.key_name);
    if req.security_group_ids.is_empty() {
        req.security_group_ids = d.security_group_ids;
    }
    req.user_data = req.user_data.or(d.user_data);
    // The adapter sends MetadataOptions only to require tokens; otherwise the template's apply.
    req.require_imdsv2 = req.require_imdsv2 || d.require_imdsv2;
    req.instance_profile = req.instance_profile.or(d.instance_profile);
    req.placement = req.placement.or(d.placement);
    if req.tags.is_empty() {
        req.tags = d.tags;
    }
    // AWS tags every instance (not its volumes) launched from a template with the template
    // and version.
    let marks = Tags::from([
        ("aws:ec2launchtemplate:id".to_string(), template.id.to_string()),
        ("aws:ec2launchtemplate:version".to_string(), version.version.to_string()),
    ]);
    if template_root {
        // No mapping from the request: the template's (its root volume among them).
        req.encrypt_root_volume = false;
        if req.volumes.is_empty() {
            req.volumes = d.volumes;
        }
    }
    Ok((req, marks))
}

/// The template `r` names.
fn template_of<'a>(
    ec2: &'a Ec2State,
    r: &LaunchTemplateRef,
) -> crate::Result<&'a (LaunchTemplate, BTreeMap<u64, LaunchTemplateVersion>)> {
    match r {
        LaunchTemplateRef::Id(id) => ec2.templates.get(id).ok_or_else(|| {
            err(
                "InvalidLaunchTemplateId.NotFound",
                format!("The specified launch template, with template ID {id}, does not exist."),
            )
        }),
        LaunchTemplateRef::Name(n) => ec2.templates.values().find(|(t, _)| &t.name == n).ok_or_else(|| {
            err(
                "InvalidLaunchTemplateName.NotFoundException",
                format!("The specified launch template, with template name {n}, does not exist."),
            )
        }),
    }
}

/// The template `r` names and its version `v`.
fn template_version(
    ec2: &Ec2State,
    r: &LaunchTemplateRef,
    v: TemplateVersion,
) -> crate::Result<(LaunchTemplate, LaunchTemplateVersion)> {
    let (t, versions) = template_of(ec2, r)?;
    let n = match v {
        TemplateVersion::Default => t.default_version,
        TemplateVersion::Latest => t.latest_version,
        TemplateVersion::Number(n) => n,
    };
    let version = versions.get(&n).cloned().ok_or_else(|| {
        err(
            "InvalidLaunchTemplateId.VersionNotFound",
            format!(
                "Could not find the specified version {n} for the launch template with ID {}.",
                t.id
            ),
        )
    })?;
    Ok((t.clone(), version))
}

/// Template data as a described version shows it: the encrypted root mapping (at the image's
/// root device, the image's size by default) made explicit among the volumes.
fn stored_template_data(ec2: &Ec2State, mut d: LaunchTemplateData) -> crate::Result<LaunchTemplateData> {
    if d.encrypt_root_volume {
        let image = d
            .image_id
            .as_ref()
            .and_then(|id| ec2.images.iter().find(|i| &i.id == id));
        let device = match (&d.root_device_name, image) {
            (Some(dev), _) => dev.clone(),
            (None, Some(i)) => i.root_device_name.clone().unwrap_or_else(|| ROOT_DEVICE.into()),
            (None, None) => {
                let id = d.image_id.as_ref().map_or("", |i| i.as_str());
                return Err(not_found(Kind::Image, &[id]));
            }
        };
        let size = d
            .root_volume_size_gib
            .or_else(|| image.and_then(|i| i.root_volume_size_gib))
            .or(Some(ROOT_SIZE_GIB));
        d.volumes.insert(
            0,
            LaunchVolume {
                device_name: device,
                size_gib: size,
                volume_type: VolumeType::Gp3,
                iops: None,
                throughput: None,
                snapshot_id: None,
                encrypted: true,
                kms_key_id: d.root_kms_key_id.take(),
                delete_on_termination: true,
            },
        );
        d.encrypt_root_volume = false;
        d.root_volume_size_gib = None;
        d.root_device_name = None;
    }
    Ok(d)
}

/// Elastic IP addresses per region (EC2 User Guide, "Elastic IP address quota": 5 by default).
const MAX_ELASTIC_IPS: usize = 5;

/// Ends an Elastic IP's association (the address stays allocated); returns the instance it
/// had.
fn end_association(a: &mut Address) -> Option<InstanceId> {
    a.association_id = None;
    a.private_ip = None;
    a.instance_id.take()
}

fn address_not_found(id: &AllocationId) -> Error {
    err(
        "InvalidAllocationID.NotFound",
        format!("The allocation ID '{id}' does not exist"),
    )
}

/// What a new volume is made of (CreateVolume, or a volume RunInstances creates).
#[derive(Clone)]
struct VolumeShape {
    size_gib: u32,
    volume_type: VolumeType,
    iops: Option<u32>,
    throughput: Option<u32>,
    /// `Some` when encrypted.
    kms_key_id: Option<String>,
    snapshot_id: Option<SnapshotId>,
}

impl VolumeShape {
    fn volume(self, id: VolumeId, zone: AvailabilityZone, state: VolumeState, tags: Tags) -> Volume {
        Volume {
            id,
            size_gib: self.size_gib,
            volume_type: self.volume_type,
            iops: self.iops,
            throughput: self.throughput,
            encrypted: self.kms_key_id.is_some(),
            kms_key_id: self.kms_key_id,
            availability_zone: zone,
            state,
            snapshot_id: self.snapshot_id,
            attachments: Vec::new(),
            tags,
        }
    }
}

/// The shape of a new volume as EC2 makes it: a snapshot must be completed, sets the smallest
/// size (and the default one) and makes the volume encrypted if it is; gp3 defaults to 3,000
/// IOPS and 125 MiB/s, gp2 has 3 IOPS per GiB (100 to 16,000); an encrypted volume without a
/// key gets the account's EBS key.
#[allow(clippy::too_many_arguments)]
fn volume_shape(
    ec2: &mut Ec2State,
    cfg: &SimConfig,
    volume_type: &VolumeType,
    size_gib: Option<u32>,
    iops: Option<u32>,
    throughput: Option<u32>,
    snapshot_id: Option<&SnapshotId>,
    encrypted: bool,
    kms_key_id: Option<&String>,
) -> crate::Result<VolumeShape> {
    let mut encrypted = encrypted;
    let size = match snapshot_id {
        Some(sid) => {
            let snap = &snapshot(ec2, sid)?.snap;
            if snap.state != SnapshotState::Completed {
                return Err(err(
                    "IncorrectState",
                    format!("Snapshot is in invalid state - {}", snap.state.as_str()),
                ));
            }
            encrypted |= snap.encrypted;
            let min = snap.volume_size_gib;
            match size_gib {
                Some(s) if s < min => {
                    return Err(err(
                        "InvalidParameterValue",
                        format!("Volume of {s}GiB is too small; minimum is {min}GiB."),
                    ));
                }
                Some(s) => s,
                None => min,
            }
        }
        None => size_gib.unwrap_or(1),
    };
    let (iops, throughput) = match volume_type {
        VolumeType::Gp3 => (Some(iops.unwrap_or(3_000)), Some(throughput.unwrap_or(125))),
        VolumeType::Gp2 => (Some((size * 3).clamp(100, 16_000)), None),
        VolumeType::Io1 | VolumeType::Io2 => (iops, None),
        _ => (None, None),
    };
    Ok(VolumeShape {
        size_gib: size,
        volume_type: volume_type.clone(),
        iops,
        throughput,
        kms_key_id: encrypted.then(|| kms_key_id.cloned().unwrap_or_else(|| default_kms_key(cfg))),
        snapshot_id: snapshot_id.cloned(),
    })
}

/// A volume RunInstances creates for each instance.
struct LaunchDisk {
    device: String,
    shape: VolumeShape,
    delete_on_termination: bool,
}

/// The volumes each instance of `req` gets, the root volume first: the image's root device
/// (gp3, 8 GiB, unencrypted, deleted on termination, as the catalogue's images map it) with the
/// request's encrypted mapping applied, then the request's extra volumes. An encrypted root
/// mapping naming another device adds a second, empty volume there (it needs a size, as on
/// AWS) and leaves the root as the image has it.
fn launch_disks(
    req: &RunInstancesRequest,
    image: &Image,
    ec2: &mut Ec2State,
    cfg: &SimConfig,
) -> crate::Result<Vec<LaunchDisk>> {
    let mut disks = root_disks(req, image, cfg)?;
    for v in &req.volumes {
        // A mapping of the image's root device (a launch template's root volume) shapes the
        // root volume, unless the request's encrypted mapping already did.
        let image_root = disks
            .first()
            .is_some_and(|d| d.device == v.device_name && d.shape.kms_key_id.is_none());
        if image_root && !req.encrypt_root_volume {
            let size = v.size_gib.or(Some(disks[0].shape.size_gib));
            let shape = volume_shape(
                ec2,
                cfg,
                &v.volume_type,
                size,
                v.iops,
                v.throughput,
                v.snapshot_id.as_ref(),
                v.encrypted,
                v.kms_key_id.as_ref(),
            )?;
            disks[0] = LaunchDisk {
                device: v.device_name.clone(),
                shape,
                delete_on_termination: v.delete_on_termination,
            };
            continue;
        }
        if disks.iter().any(|d| d.device == v.device_name) {
            return Err(err(
                "InvalidBlockDeviceMapping",
                format!(
                    "The device '{}' is used in more than one block-device mapping",
                    v.device_name
                ),
            ));
        }
        let shape = volume_shape(
            ec2,
            cfg,
            &v.volume_type,
            v.size_gib,
            v.iops,
            v.throughput,
            v.snapshot_id.as_ref(),
            v.encrypted,
            v.kms_key_id.as_ref(),
        )?;
        disks.push(LaunchDisk {
            device: v.device_name.clone(),
            shape,
            delete_on_termination: v.delete_on_termination,
        });
    }
    Ok(disks)
}

/// The root volume (and the volume of an encrypted mapping naming another device).
fn root_disks(req: &RunInstancesRequest, image: &Image, cfg: &SimConfig) -> crate::Result<Vec<LaunchDisk>> {
    let root_device = image.root_device_name.clone().unwrap_or_else(|| ROOT_DEVICE.into());
    let image_size = image.root_volume_size_gib.unwrap_or(ROOT_SIZE_GIB);
    let disk = |device: String, size_gib: u32, kms_key_id: Option<String>| LaunchDisk {
        device,
        shape: VolumeShape {
            size_gib,
            volume_type: VolumeType::Gp3,
            iops: Some(3_000),
            throughput: Some(125),
            kms_key_id,
            snapshot_id: None,
        },
        delete_on_termination: true,
    };
    if !req.encrypt_root_volume {
        return Ok(vec![disk(root_device, image_size, None)]);
    }
    let kms = Some(req.root_kms_key_id.clone().unwrap_or_else(|| default_kms_key(cfg)));
    let device = req.root_device_name.clone().unwrap_or_else(|| root_device.clone());
    if device != root_device {
        let Some(size_gib) = req.root_volume_size_gib else {
            return Err(err(
                "MissingParameter",
                format!("The request must contain the parameter size or snapshotId for device {device}"),
            ));
        };
        return Ok(vec![disk(root_device, image_size, None), disk(device, size_gib, kms)]);
    }
    let size_gib = req.root_volume_size_gib.unwrap_or(image_size);
    if size_gib < image_size {
        return Err(err(
            "InvalidBlockDeviceMapping",
            format!(
                "Volume of size {size_gib}GB is smaller than the image's root snapshot, expect size >= {image_size}GB"
            ),
        ));
    }
    Ok(vec![disk(root_device, size_gib, kms)])
}

fn first_attachment(ec2: &Ec2State, id: &VolumeId) -> crate::Result<VolumeAttachment> {
    ec2.volumes
        .get(id)
        .and_then(|v| v.vol.attachments.first().cloned())
        .ok_or_else(|| not_found(Kind::Volume, &[id.as_str()]))
}

/// A resource CreateTags can tag.
enum Taggable {
    Instance(InstanceId),
    Volume(VolumeId),
    Snapshot(SnapshotId),
    Group(SecurityGroupId),
    Address(AllocationId),
    /// A VPC or subnet: accepted, tags not kept (the models carry none).
    Untracked,
}

fn resolve_taggable(st: &mut SimState, cfg: &SimConfig, now: Instant, raw: &str) -> crate::Result<Taggable> {
    let invalid = || err("InvalidID", format!("The ID '{raw}' is not valid"));
    let prefix = raw.split_once('-').map(|(p, _)| p).unwrap_or("");
    let ec2 = &mut st.ec2;
    Ok(match prefix {
        "i" => {
            let id: InstanceId = raw.parse().map_err(|_| invalid())?;
            find(&mut ec2.instances, &id, Kind::Instance, cfg, now)?;
            Taggable::Instance(id)
        }
        "vol" => {
            let id: VolumeId = raw.parse().map_err(|_| invalid())?;
            find(&mut ec2.volumes, &id, Kind::Volume, cfg, now)?;
            Taggable::Volume(id)
        }
        "snap" => {
            let id: SnapshotId = raw.parse().map_err(|_| invalid())?;
            snapshot(ec2, &id)?;
            Taggable::Snapshot(id)
        }
        "sg" => {
            let id: SecurityGroupId = raw.parse().map_err(|_| invalid())?;
            find(&mut ec2.groups, &id, Kind::Group, cfg, now)?;
            Taggable::Group(id)
        }
        "eipalloc" => {
            let id: AllocationId = raw.parse().map_err(|_| invalid())?;
            if !ec2.addresses.contains_key(&id) {
                return Err(address_not_found(&id));
            }
            Taggable::Address(id)
        }
        "vpc" if ec2.vpcs.iter().any(|v| v.id.as_str() == raw) => Taggable::Untracked,
        "vpc" => {
            return Err(err(
                "InvalidVpcID.NotFound",
                format!("The vpc ID '{raw}' does not exist"),
            ));
        }
        "subnet" if ec2.subnets.iter().any(|s| s.id.as_str() == raw) => Taggable::Untracked,
        "subnet" => return Err(not_found(Kind::Subnet, &[raw])),
        _ => return Err(invalid()),
    })
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
pub(crate) fn instance_view(st: &mut SimState, cfg: &SimConfig, id: &InstanceId, now: Instant) -> Option<InstanceView> {
    settle(&mut st.ec2, cfg, now);
    let rec = st.ec2.instances.get(id)?;
    let vpc_id = rec.inst.vpc_id.clone().or_else(|| {
        st.ec2
            .subnets
            .iter()
            .find(|s| Some(&s.id) == rec.inst.subnet_id.as_ref())
            .map(|s| s.vpc_id.clone())
    })?;
    Some(InstanceView {
        state: rec.inst.state.clone(),
        security_groups: rec.inst.security_groups.clone(),
        availability_zone: rec.inst.availability_zone.clone(),
        vpc_id,
        running_since: rec.running_since(cfg, now),
    })
}

/// Every instance in state `running` at `now`.
#[allow(dead_code)]
pub(crate) fn running_instances(st: &mut SimState, cfg: &SimConfig, now: Instant) -> Vec<InstanceId> {
    settle(&mut st.ec2, cfg, now);
    st.ec2
        .instances
        .values()
        .filter(|r| r.inst.state == InstanceState::Running)
        .map(|r| r.inst.id.clone())
        .collect()
}

/// Whether any group in `target_groups` has an ingress rule admitting TCP `port` from any
/// group in `from_groups`.
#[allow(dead_code)]
pub(crate) fn groups_admit(
    st: &SimState,
    target_groups: &[SecurityGroupId],
    port: u16,
    from_groups: &[SecurityGroupId],
) -> bool {
    target_groups
        .iter()
        .filter_map(|g| st.ec2.groups.get(g))
        .flat_map(|g| &g.group.ingress)
        .any(|rule| {
            from_groups
                .iter()
                .any(|from| rule.admits_tcp(port, &IngressSource::Group(from.clone())))
        })
}

/// The Availability Zone and VPC of a subnet, if it exists.
#[allow(dead_code)]
pub(crate) fn subnet_info(st: &SimState, id: &SubnetId) -> Option<(AvailabilityZone, VpcId)> {
    st.ec2
        .subnets
        .iter()
        .find(|s| &s.id == id)
        .map(|s| (s.availability_zone.clone(), s.vpc_id.clone()))
}

/// For Auto Scaling: the version number `v` of template `r` resolves to, or the error a
/// launch from it would answer.
pub(crate) fn resolve_template(st: &SimState, r: &LaunchTemplateRef, v: TemplateVersion) -> crate::Result<u64> {
    template_version(&st.ec2, r, v).map(|(_, version)| version.version)
}

/// For Auto Scaling: sets tag `key` on instance `id` (AWS's own `aws:` tags, which requests
/// may not carry).
pub(crate) fn set_instance_tag(st: &mut SimState, id: &InstanceId, key: &str, value: &str) {
    if let Some(r) = st.ec2.instances.get_mut(id) {
        r.inst.tags.insert(key.to_string(), value.to_string());
    }
}

/// The value of tag `key` on instance `id`.
pub(crate) fn instance_tag<'a>(st: &'a SimState, id: &InstanceId, key: &str) -> Option<&'a str> {
    st.ec2.instances.get(id)?.inst.tags.get(key).map(String::as_str)
}

/// Whether a security group exists.
#[allow(dead_code)]
pub(crate) fn group_exists(st: &SimState, id: &SecurityGroupId) -> bool {
    st.ec2.groups.contains_key(id)
}

/// Inserts or updates a snapshot made through the EBS direct APIs, so DescribeSnapshots
/// shows it (volume id absent) with the given state.
#[allow(dead_code, clippy::too_many_arguments)]
pub(crate) fn put_direct_snapshot(
    st: &mut SimState,
    now: Instant,
    id: &SnapshotId,
    volume_size_gib: u32,
    description: Option<String>,
    tags: Tags,
    encrypted: bool,
    state: SnapshotState,
) {
    let progress = Some(if state == SnapshotState::Completed { 100 } else { 0 });
    let rec = st.ec2.snapshots.entry(id.clone()).or_insert_with(|| SnapshotRec {
        snap: Snapshot {
            id: id.clone(),
            volume_id: None,
            volume_size_gib,
            state: state.clone(),
            progress,
            description: None,
            encrypted,
            start_time: None,
            tags: Tags::new(),
        },
        started: now,
        direct: true,
    });
    rec.snap.volume_size_gib = volume_size_gib;
    rec.snap.description = description;
    rec.snap.tags = tags;
    rec.snap.encrypted = encrypted;
    rec.snap.state = state;
    rec.snap.progress = progress;
}

/// The tags of EC2 resource `kind`/`id` (IAM's resource types), `None` if it is not live.
/// Subnets, VPCs and images of the seeded region carry no tags.
pub(crate) fn resource_tags(st: &mut SimState, now: Instant, kind: &str, id: &str) -> Option<Tags> {
    let cfg = st.ec2.config.clone();
    settle(&mut st.ec2, &cfg, now);
    let ec2 = &st.ec2;
    match kind {
        "instance" => ec2
            .instances
            .iter()
            .find(|(k, r)| k.as_str() == id && r.is_live())
            .map(|(_, r)| r.inst.tags.clone()),
        "volume" => ec2
            .volumes
            .iter()
            .find(|(k, _)| k.as_str() == id)
            .map(|(_, r)| r.vol.tags.clone()),
        "snapshot" => ec2
            .snapshots
            .iter()
            .find(|(k, _)| k.as_str() == id)
            .map(|(_, r)| r.snap.tags.clone()),
        "security-group" => ec2
            .groups
            .iter()
            .find(|(k, _)| k.as_str() == id)
            .map(|(_, r)| r.group.tags.clone()),
        "subnet" => ec2.subnets.iter().any(|s| s.id.as_str() == id).then(Tags::new),
        "vpc" => ec2.vpcs.iter().any(|v| v.id.as_str() == id).then(Tags::new),
        "image" => ec2.images.iter().any(|i| i.id.as_str() == id).then(Tags::new),
        "key-pair" => ec2.key_pairs.get(id).map(|k| k.tags.clone()),
        "launch-template" => ec2
            .templates
            .iter()
            .find(|(k, _)| k.as_str() == id)
            .map(|(_, (t, _))| t.tags.clone()),
        "elastic-ip" => ec2
            .addresses
            .iter()
            .find(|(k, _)| k.as_str() == id)
            .map(|(_, a)| a.tags.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::ErrorKind;
    use crate::ec2::Ec2;
    use tokio::time::advance;

    fn code(e: &Error) -> &str {
        e.code().unwrap_or("(no code)")
    }

    fn tags(k: &str, v: &str) -> Tags {
        [(k.to_string(), v.to_string())].into()
    }

    async fn image(ec2: &SimCloud) -> ImageId {
        let req = DescribeImagesRequest::builder()
            .owners(vec!["amazon".into()])
            .name_pattern("al2023-ami-2023.*-x86_64")
            .build()
            .unwrap();
        ec2.describe_images(req).await.unwrap().remove(0).id
    }

    async fn run(ec2: &SimCloud, f: impl FnOnce(RunInstancesRequest) -> RunInstancesRequest) -> Instance {
        let req = RunInstancesRequest::builder()
            .image_id(image(ec2).await)
            .instance_type("t3.micro".parse().unwrap())
            .build()
            .unwrap();
        ec2.run_instances(f(req)).await.unwrap().remove(0)
    }

    async fn describe(ec2: &SimCloud, id: &InstanceId) -> crate::Result<Instance> {
        let req = DescribeInstancesRequest::builder()
            .instance_ids(vec![id.clone()])
            .build()?;
        Ok(ec2.describe_instances(req).await?.remove(0))
    }

    async fn state(ec2: &SimCloud, id: &InstanceId) -> InstanceState {
        describe(ec2, id).await.unwrap().state
    }

    async fn group(ec2: &SimCloud, name: &str) -> SecurityGroupId {
        let req = CreateSecurityGroupRequest::builder()
            .name(name)
            .description("test group")
            .tags(tags("app", name))
            .build()
            .unwrap();
        ec2.create_security_group(req).await.unwrap()
    }

    async fn volume(ec2: &SimCloud, az: &AvailabilityZone, size: u32) -> Volume {
        let req = CreateVolumeRequest::builder()
            .availability_zone(az.clone())
            .size_gib(size)
            .build()
            .unwrap();
        ec2.create_volume(req).await.unwrap()
    }

    async fn vol(ec2: &SimCloud, id: &VolumeId) -> crate::Result<Volume> {
        let req = DescribeVolumesRequest::builder().volume_ids(vec![id.clone()]).build()?;
        Ok(ec2.describe_volumes(req).await?.remove(0))
    }

    fn attach_req(v: &VolumeId, i: &InstanceId, device: &str) -> AttachVolumeRequest {
        AttachVolumeRequest::builder()
            .volume_id(v.clone())
            .instance_id(i.clone())
            .device(device)
            .build()
            .unwrap()
    }

    fn detach_req(v: &VolumeId) -> DetachVolumeRequest {
        DetachVolumeRequest::builder().volume_id(v.clone()).build().unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn region_is_seeded_like_aws() {
        let sim = SimCloud::new();
        let vpc = sim.default_vpc().await.unwrap();
        assert!(vpc.is_default);
        assert_eq!(vpc.cidr_block, "172.31.0.0/16");
        let subnets = sim.describe_subnets(vpc.id.clone()).await.unwrap();
        let zones: Vec<&str> = subnets.iter().map(|s| s.availability_zone.as_str()).collect();
        assert_eq!(
            zones,
            [
                "us-east-1a",
                "us-east-1b",
                "us-east-1c",
                "us-east-1d",
                "us-east-1e",
                "us-east-1f"
            ]
        );
        assert!(subnets.iter().all(|s| s.default_for_az && s.vpc_id == vpc.id));
        let default_group = DescribeSecurityGroupsRequest::builder()
            .group_names(vec!["default".into()])
            .build()
            .unwrap();
        let g = sim.describe_security_groups(default_group).await.unwrap();
        assert_eq!(g.len(), 1);
        let e = sim.delete_security_group(g[0].id.clone()).await.unwrap_err();
        assert_eq!(code(&e), "CannotDelete");
        assert!(sim.inventory().is_empty(), "{}", sim.inventory());
    }

    #[tokio::test(start_paused = true)]
    async fn images_filter_by_owner_pattern_and_architecture_newest_first() {
        let sim = SimCloud::new();
        let all = sim.describe_images(Default::default()).await.unwrap();
        assert!(all.len() >= 6);
        let req = |owners: Vec<String>, pattern: Option<&str>, arch: Option<&str>| DescribeImagesRequest {
            image_ids: vec![],
            owners,
            name_pattern: pattern.map(str::to_string),
            architecture: arch.map(str::to_string),
        };
        let al = sim
            .describe_images(req(
                vec!["amazon".into()],
                Some("al2023-ami-2023.?.*-kernel-6.1-arm64"),
                None,
            ))
            .await
            .unwrap();
        assert_eq!(al.len(), 3);
        assert!(
            al.iter()
                .all(|i| i.architecture == "arm64" && i.owner_id == AMAZON_OWNER)
        );
        assert!(
            al.windows(2).all(|w| w[0].creation_date > w[1].creation_date),
            "newest first"
        );
        assert_eq!(al[0].name, "al2023-ami-2023.6.20250107.0-kernel-6.1-arm64");
        let ubuntu = sim
            .describe_images(req(vec![CANONICAL_OWNER.into()], None, Some("x86_64")))
            .await
            .unwrap();
        assert_eq!(ubuntu.len(), 1);
        assert!(ubuntu[0].name.contains("ubuntu"));
        assert!(
            sim.describe_images(req(vec!["self".into()], None, None))
                .await
                .unwrap()
                .is_empty()
        );
        let e = sim
            .describe_images(
                DescribeImagesRequest::builder()
                    .image_ids(vec!["ami-00000000".parse().unwrap()])
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap_err();
        assert_eq!(code(&e), "InvalidAMIID.NotFound");
    }

    #[tokio::test(start_paused = true)]
    async fn elastic_ips_move_between_instances_leave_terminated_ones_and_have_a_quota() {
        let sim = SimCloud::new();
        let cfg = sim.config().clone();
        let a = run(&sim, |r| r).await;
        let b = run(&sim, |r| r).await;
        advance(cfg.instance_boot).await;
        let eip = sim.allocate_address(AllocateAddressRequest::default()).await.unwrap();
        assert_eq!(sim.inventory().resources["elastic ip"], [eip.allocation_id.to_string()]);
        let to = |i: &InstanceId, re: bool| {
            AssociateAddressRequest::builder()
                .allocation_id(eip.allocation_id.clone())
                .instance_id(i.clone())
                .allow_reassociation(re)
                .build()
                .unwrap()
        };
        sim.associate_address(to(&a.id, false)).await.unwrap();
        assert_eq!(
            describe(&sim, &a.id).await.unwrap().public_ip,
            Some(eip.public_ip.clone())
        );
        // Associated with `a`: moving it to `b` needs AllowReassociation.
        let e = sim.associate_address(to(&b.id, false)).await.unwrap_err();
        assert_eq!(
            (e.kind(), code(&e)),
            (ErrorKind::Conflict, "Resource.AlreadyAssociated")
        );
        sim.associate_address(to(&b.id, true)).await.unwrap();
        assert_eq!(describe(&sim, &a.id).await.unwrap().public_ip, None, "a lost it");
        assert_eq!(
            describe(&sim, &b.id).await.unwrap().public_ip,
            Some(eip.public_ip.clone())
        );
        // Kept through a stop (a plain public address is not).
        sim.stop_instances(StopInstancesRequest::new(vec![b.id.clone()]))
            .await
            .unwrap();
        advance(cfg.instance_stop).await;
        assert_eq!(
            describe(&sim, &b.id).await.unwrap().public_ip,
            Some(eip.public_ip.clone())
        );
        // Termination disassociates it; it stays allocated (and billed) until released.
        sim.terminate_instances(vec![a.id.clone(), b.id.clone()]).await.unwrap();
        advance(cfg.instance_shutdown).await;
        let left = sim
            .describe_addresses(DescribeAddressesRequest::default())
            .await
            .unwrap();
        assert_eq!((left.len(), left[0].instance_id.clone()), (1, None));
        sim.release_address(eip.allocation_id.clone()).await.unwrap();
        let e = sim.release_address(eip.allocation_id.clone()).await.unwrap_err();
        assert_eq!(
            (e.kind(), code(&e)),
            (ErrorKind::NotFound, "InvalidAllocationID.NotFound")
        );
        // Five per region.
        for _ in 0..5 {
            sim.allocate_address(AllocateAddressRequest::default()).await.unwrap();
        }
        let e = sim
            .allocate_address(AllocateAddressRequest::default())
            .await
            .unwrap_err();
        assert_eq!(code(&e), "AddressLimitExceeded");
    }

    #[tokio::test(start_paused = true)]
    async fn status_checks_initialize_after_each_boot() {
        let sim = SimCloud::new();
        let cfg = sim.config().clone();
        let i = run(&sim, |r| r).await;
        let status = |all: bool| {
            let sim = sim.clone();
            let id = i.id.clone();
            async move {
                let req = DescribeInstanceStatusRequest::builder()
                    .instance_ids(vec![id])
                    .include_all_instances(all)
                    .build()
                    .unwrap();
                sim.describe_instance_status(req).await.unwrap()
            }
        };
        assert!(status(false).await.is_empty(), "pending: not listed by default");
        assert_eq!(status(true).await[0].instance_status, SummaryStatus::NotApplicable);
        advance(cfg.instance_boot).await;
        assert_eq!(status(false).await[0].instance_status, SummaryStatus::Initializing);
        advance(cfg.instance_status_checks).await;
        assert!(status(false).await[0].is_healthy());
        // A stop and start runs the checks again.
        sim.stop_instances(StopInstancesRequest::new(vec![i.id.clone()]))
            .await
            .unwrap();
        advance(cfg.instance_stop).await;
        sim.start_instances(vec![i.id.clone()]).await.unwrap();
        advance(cfg.instance_boot).await;
        assert_eq!(status(false).await[0].system_status, SummaryStatus::Initializing);
        let unknown: InstanceType = "x9.huge".parse().unwrap();
        let e = sim
            .describe_instance_types(
                DescribeInstanceTypesRequest::builder()
                    .instance_types(vec![unknown])
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap_err();
        assert_eq!((e.kind(), code(&e)), (ErrorKind::Validation, "InvalidInstanceType"));
        let arm = sim
            .describe_instance_types(
                DescribeInstanceTypesRequest::builder()
                    .architecture("arm64".to_string())
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        assert!(
            !arm.is_empty() && arm.iter().all(|t| t.architectures == ["arm64"]),
            "{arm:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn launch_volumes_take_their_settings_and_outlive_the_instance_when_asked() {
        let sim = SimCloud::new();
        let cfg = sim.config().clone();
        let keep = LaunchVolume::builder()
            .device_name("/dev/sdf")
            .size_gib(200)
            .volume_type(VolumeType::Io2)
            .iops(10_000)
            .delete_on_termination(false)
            .build()
            .unwrap();
        let scratch = LaunchVolume::builder()
            .device_name("/dev/sdg")
            .size_gib(10)
            .encrypted(false)
            .build()
            .unwrap();
        let i = run(&sim, |mut r| {
            r.volumes = vec![keep, scratch];
            r
        })
        .await;
        advance(cfg.instance_boot).await;
        let vols = sim
            .describe_volumes(
                DescribeVolumesRequest::builder()
                    .attached_to(i.id.clone())
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(vols.len(), 3, "root, /dev/sdf, /dev/sdg");
        let at = |d: &str| vols.iter().find(|v| v.attachments[0].device == d).unwrap().clone();
        let sdf = at("/dev/sdf");
        assert_eq!(
            (sdf.volume_type.clone(), sdf.iops, sdf.encrypted),
            (VolumeType::Io2, Some(10_000), true)
        );
        assert!(!at("/dev/sdg").encrypted, "the opt-out");
        sim.terminate_instances(vec![i.id.clone()]).await.unwrap();
        advance(cfg.instance_shutdown).await;
        let inv = sim.inventory();
        assert_eq!(
            inv.resources.get("volume").cloned().unwrap_or_default(),
            [sdf.id.to_string()]
        );
        assert!(!inv.resources.contains_key("root volume"), "{inv:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn launches_from_a_template_take_its_settings_and_the_request_overrides_them() {
        let sim = SimCloud::new();
        let img = image(&sim).await;
        let data = LaunchTemplateData::builder()
            .image_id(img.clone())
            .instance_type("t3.large".parse().unwrap())
            .root_volume_size_gib(30)
            .volumes(vec![
                LaunchVolume::builder()
                    .device_name("/dev/sdf")
                    .size_gib(50)
                    .build()
                    .unwrap(),
            ])
            .tags(tags("app", "web"))
            .build()
            .unwrap();
        let t = sim
            .create_launch_template(
                CreateLaunchTemplateRequest::builder()
                    .name("web")
                    .data(data)
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(sim.inventory().resources["launch template"], ["web"]);
        let spec = LaunchTemplateSpec::builder().template(t.id.clone()).build();
        let from = |f: fn(RunInstancesRequest) -> RunInstancesRequest| {
            let sim = sim.clone();
            let spec = spec.clone();
            async move {
                let mut req = RunInstancesRequest::builder().launch_template(spec).build().unwrap();
                req = f(req);
                sim.run_instances(req).await.unwrap().remove(0)
            }
        };
        let plain = from(|r| r).await;
        assert_eq!(plain.instance_type.as_str(), "t3.large");
        assert_eq!(plain.tags.get("app").map(String::as_str), Some("web"));
        assert_eq!(
            plain.tags.get("aws:ec2launchtemplate:version").map(String::as_str),
            Some("1")
        );
        advance(sim.config().instance_boot).await;
        let vols = sim
            .describe_volumes(
                DescribeVolumesRequest::builder()
                    .attached_to(plain.id.clone())
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        let sizes: BTreeMap<String, (u32, bool)> = vols
            .iter()
            .map(|v| (v.attachments[0].device.clone(), (v.size_gib, v.encrypted)))
            .collect();
        assert_eq!(
            sizes,
            BTreeMap::from([("/dev/xvda".into(), (30, true)), ("/dev/sdf".into(), (50, true))]),
            "the template's encrypted 30 GiB root and its extra volume; no volume carries the aws: marks"
        );
        assert!(vols.iter().all(|v| !v.tags.contains_key("aws:ec2launchtemplate:id")));
        // The request's type and tags win.
        let bigger = from(|mut r| {
            r.instance_type = Some("m5.large".parse().unwrap());
            r.tags = tags("app", "api");
            r
        })
        .await;
        assert_eq!(bigger.instance_type.as_str(), "m5.large");
        assert_eq!(bigger.tags.get("app").map(String::as_str), Some("api"));
        // Unknown versions and templates are the service's errors.
        let e = sim
            .run_instances(
                RunInstancesRequest::builder()
                    .launch_template(
                        LaunchTemplateSpec::builder()
                            .template(t.id.clone())
                            .version(TemplateVersion::Number(9))
                            .build(),
                    )
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap_err();
        assert_eq!(code(&e), "InvalidLaunchTemplateId.VersionNotFound");
        sim.delete_launch_template(LaunchTemplateRef::Name("web".into()))
            .await
            .unwrap();
        let e = sim.run_instances(from_spec(spec)).await.unwrap_err();
        assert_eq!(
            (e.kind(), code(&e)),
            (ErrorKind::NotFound, "InvalidLaunchTemplateId.NotFound")
        );
    }

    fn from_spec(spec: LaunchTemplateSpec) -> RunInstancesRequest {
        RunInstancesRequest::builder().launch_template(spec).build().unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn stop_and_start_keep_the_ebs_volumes_and_change_the_public_address() {
        let sim = SimCloud::new();
        let cfg = sim.config().clone();
        let i = run(&sim, |r| r).await;
        let root = i.root_volume_id().cloned().expect("root volume");
        // Pending cannot be stopped.
        let e = sim
            .stop_instances(StopInstancesRequest::new(vec![i.id.clone()]))
            .await
            .unwrap_err();
        assert_eq!(code(&e), "IncorrectInstanceState");
        advance(cfg.instance_boot).await;
        let first_ip = describe(&sim, &i.id).await.unwrap().public_ip;
        assert!(first_ip.is_some());
        let ch = sim
            .stop_instances(StopInstancesRequest::new(vec![i.id.clone()]))
            .await
            .unwrap();
        assert_eq!(
            (ch[0].previous.clone(), ch[0].current.clone()),
            (InstanceState::Running, InstanceState::Stopping)
        );
        // Starting while stopping is refused; stopping again answers as it is.
        let e = sim.start_instances(vec![i.id.clone()]).await.unwrap_err();
        assert_eq!(code(&e), "IncorrectInstanceState");
        let again = sim
            .stop_instances(StopInstancesRequest::new(vec![i.id.clone()]))
            .await
            .unwrap();
        assert_eq!(again[0].current, InstanceState::Stopping);
        advance(cfg.instance_stop).await;
        let stopped = describe(&sim, &i.id).await.unwrap();
        assert_eq!(
            (stopped.state.clone(), stopped.public_ip.clone()),
            (InstanceState::Stopped, None)
        );
        let v = vol(&sim, &root).await.unwrap();
        assert_eq!(
            v.state,
            VolumeState::InUse,
            "the root volume stays attached while stopped"
        );
        assert_eq!(v.attachments[0].instance_id, i.id);
        // A stopped instance cannot reboot; hibernation was never enabled.
        assert_eq!(
            code(&sim.reboot_instances(vec![i.id.clone()]).await.unwrap_err()),
            "IncorrectInstanceState"
        );
        let hib = StopInstancesRequest::builder()
            .instance_ids(vec![i.id.clone()])
            .hibernate(true)
            .build()
            .unwrap();
        assert_eq!(
            code(&sim.stop_instances(hib).await.unwrap_err()),
            "UnsupportedHibernationConfiguration"
        );

        let ch = sim.start_instances(vec![i.id.clone()]).await.unwrap();
        assert_eq!(
            (ch[0].previous.clone(), ch[0].current.clone()),
            (InstanceState::Stopped, InstanceState::Pending)
        );
        let pending = describe(&sim, &i.id).await.unwrap();
        assert!(
            pending.public_ip.is_some() && pending.public_ip != first_ip,
            "a new public address"
        );
        advance(cfg.instance_boot).await;
        assert_eq!(state(&sim, &i.id).await, InstanceState::Running);
        sim.reboot_instances(vec![i.id.clone()]).await.unwrap();
        assert_eq!(state(&sim, &i.id).await, InstanceState::Running);
        assert_eq!(vol(&sim, &root).await.unwrap().attachments[0].instance_id, i.id);
        // Terminated instances: reboot ignores them, start and stop refuse them.
        sim.terminate_instances(vec![i.id.clone()]).await.unwrap();
        advance(cfg.instance_shutdown).await;
        sim.reboot_instances(vec![i.id.clone()]).await.unwrap();
        assert_eq!(
            code(&sim.start_instances(vec![i.id.clone()]).await.unwrap_err()),
            "IncorrectInstanceState"
        );
        let e = sim
            .stop_instances(StopInstancesRequest::new(vec![i.id.clone()]))
            .await
            .unwrap_err();
        assert_eq!(code(&e), "IncorrectInstanceState");
    }

    #[tokio::test(start_paused = true)]
    async fn modify_volume_goes_modifying_optimizing_completed_and_applies_at_optimizing() {
        let sim = SimCloud::new();
        let cfg = sim.config().clone();
        let az: AvailabilityZone = "us-east-1a".parse().unwrap();
        let v = volume(&sim, &az, 100).await;
        let grow = |size: u32| {
            ModifyVolumeRequest::builder()
                .volume_id(v.id.clone())
                .size_gib(size)
                .build()
                .unwrap()
        };
        // Still `creating`.
        assert_eq!(code(&sim.modify_volume(grow(200)).await.unwrap_err()), "IncorrectState");
        advance(cfg.volume_create).await;
        assert_eq!(
            code(&sim.modify_volume(grow(50)).await.unwrap_err()),
            "InvalidParameterValue"
        );
        let req = ModifyVolumeRequest::builder()
            .volume_id(v.id.clone())
            .size_gib(200)
            .iops(6_000)
            .throughput(500)
            .build()
            .unwrap();
        let m = sim.modify_volume(req).await.unwrap();
        assert_eq!(m.state, VolumeModificationState::Modifying);
        assert_eq!((m.original_size_gib, m.target_size_gib), (Some(100), Some(200)));
        assert_eq!(
            (m.original_iops, m.target_iops, m.target_throughput),
            (Some(3_000), Some(6_000), Some(500))
        );
        assert_eq!(
            vol(&sim, &v.id).await.unwrap().size_gib,
            100,
            "not applied while modifying"
        );
        assert_eq!(
            code(&sim.modify_volume(grow(300)).await.unwrap_err()),
            "IncorrectModificationState"
        );
        advance(cfg.volume_modify).await;
        let now = sim.describe_volumes_modifications(vec![v.id.clone()]).await.unwrap();
        assert_eq!(now[0].state, VolumeModificationState::Optimizing);
        let applied = vol(&sim, &v.id).await.unwrap();
        assert_eq!(
            (applied.size_gib, applied.iops, applied.throughput),
            (200, Some(6_000), Some(500))
        );
        advance(cfg.volume_optimize).await;
        let done = sim
            .describe_volumes_modifications(vec![v.id.clone()])
            .await
            .unwrap()
            .remove(0);
        assert_eq!((done.state, done.progress), (VolumeModificationState::Completed, 100));
        assert!(done.end_time > done.start_time);
        // Six hours between modifications.
        assert_eq!(
            code(&sim.modify_volume(grow(300)).await.unwrap_err()),
            "VolumeModificationRateExceeded"
        );
        advance(Duration::from_secs(6 * 3600)).await;
        // To gp2: the gp3 IOPS and throughput do not carry over; a gp2 volume has neither.
        let to_gp2 = ModifyVolumeRequest::builder()
            .volume_id(v.id.clone())
            .volume_type(VolumeType::Gp2)
            .build()
            .unwrap();
        let m = sim.modify_volume(to_gp2).await.unwrap();
        assert_eq!((m.target_iops, m.target_throughput), (None, None));
        // A volume never modified is left out; an unknown id is not found.
        let other = volume(&sim, &az, 8).await;
        assert!(
            sim.describe_volumes_modifications(vec![other.id.clone()])
                .await
                .unwrap()
                .is_empty()
        );
        let e = sim
            .describe_volumes_modifications(vec!["vol-0000000000000000f".parse().unwrap()])
            .await
            .unwrap_err();
        assert_eq!(code(&e), "InvalidVolume.NotFound");
    }

    #[test]
    fn a_modification_changes_something_within_the_target_types_limits() {
        let id: VolumeId = "vol-0123456789abcdef0".parse().unwrap();
        let e = ModifyVolumeRequest::builder()
            .volume_id(id.clone())
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("at least one"), "{e}");
        let e = ModifyVolumeRequest::builder()
            .volume_id(id.clone())
            .volume_type(VolumeType::Gp2)
            .iops(5_000)
            .build()
            .unwrap_err();
        assert!(
            matches!(&e, Error::Validation { field, .. } if field == "iops"),
            "{e:?}"
        );
        let e = ModifyVolumeRequest::builder()
            .volume_id(id.clone())
            .size_gib(70_000)
            .build()
            .unwrap_err();
        assert!(
            matches!(&e, Error::Validation { field, .. } if field == "size_gib"),
            "{e:?}"
        );
        assert!(
            ModifyVolumeRequest::builder()
                .volume_id(id)
                .throughput(1_000)
                .build()
                .is_ok()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn key_pairs_are_created_once_imported_described_used_and_deleted() {
        let sim = SimCloud::new();
        let made = sim
            .create_key_pair(
                CreateKeyPairRequest::builder()
                    .name("deploy")
                    .tags(tags("app", "web"))
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        assert!(made.private_key.expose_secret().contains("PRIVATE KEY"));
        assert!(
            !format!("{made:?}").contains("PRIVATE KEY"),
            "the private key is redacted in Debug"
        );
        assert_eq!(made.key_pair.key_type, KeyType::Ed25519);
        let dup = sim
            .create_key_pair(CreateKeyPairRequest::builder().name("deploy").build().unwrap())
            .await;
        assert_eq!(code(&dup.unwrap_err()), "InvalidKeyPair.Duplicate");
        let imported = sim
            .import_key_pair(
                ImportKeyPairRequest::builder()
                    .name("laptop")
                    .public_key("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 me@laptop")
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(imported.key_type, KeyType::Rsa);
        assert_ne!(imported.fingerprint, made.key_pair.fingerprint);
        let tagged = sim
            .describe_key_pairs(
                DescribeKeyPairsRequest::builder()
                    .tags(tags("app", "web"))
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(tagged.iter().map(|k| k.name.as_str()).collect::<Vec<_>>(), ["deploy"]);
        let e = sim
            .describe_key_pairs(
                DescribeKeyPairsRequest::builder()
                    .names(vec!["nope".into()])
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap_err();
        assert_eq!(code(&e), "InvalidKeyPair.NotFound");
        // RunInstances takes the name; an unknown one launches nothing.
        let i = run(&sim, |r| RunInstancesRequest {
            key_name: Some("laptop".into()),
            ..r
        })
        .await;
        assert_eq!(i.key_name.as_deref(), Some("laptop"));
        let before = sim.inventory().count("instance");
        let img = image(&sim).await;
        let req = RunInstancesRequest::builder()
            .image_id(img)
            .instance_type("t3.micro".parse().unwrap())
            .key_name("nope")
            .build()
            .unwrap();
        assert_eq!(
            code(&sim.run_instances(req).await.unwrap_err()),
            "InvalidKeyPair.NotFound"
        );
        assert_eq!(sim.inventory().count("instance"), before);
        for name in ["deploy", "laptop", "never-existed"] {
            sim.delete_key_pair(name.into()).await.unwrap();
        }
        assert_eq!(sim.inventory().count("key pair"), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn one_unstoppable_instance_stops_none() {
        let sim = SimCloud::new();
        let a = run(&sim, |r| r).await;
        advance(sim.config().instance_boot).await;
        let b = run(&sim, |r| r).await; // still pending
        let e = sim
            .stop_instances(StopInstancesRequest::new(vec![a.id.clone(), b.id.clone()]))
            .await
            .unwrap_err();
        assert_eq!(code(&e), "IncorrectInstanceState");
        assert_eq!(state(&sim, &a.id).await, InstanceState::Running, "nothing changed");
    }

    #[tokio::test(start_paused = true)]
    async fn delete_tags_removes_keys_and_revoke_removes_the_matching_rule() {
        let sim = SimCloud::new();
        let g = group(&sim, "web").await;
        sim.create_tags(
            vec![g.to_string()],
            [("a".to_string(), "1".to_string()), ("b".to_string(), "2".to_string())].into(),
        )
        .await
        .unwrap();
        sim.delete_tags(vec![g.to_string()], vec!["a".into(), "app".into()])
            .await
            .unwrap();
        let groups = sim
            .describe_security_groups(
                DescribeSecurityGroupsRequest::builder()
                    .group_ids(vec![g.clone()])
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(groups[0].tags, tags("b", "2"));
        let e = sim
            .delete_tags(vec!["sg-0000000000000000f".into()], vec!["b".into()])
            .await
            .unwrap_err();
        assert!(e.is_not_found(), "{e:?}");

        let req = AuthorizeIngressRequest::builder()
            .group_id(g.clone())
            .from_port(443)
            .source(IngressSource::cidr("10.1.2.3/16").unwrap())
            .description("https")
            .build()
            .unwrap();
        sim.authorize_ingress(req.clone()).await.unwrap();
        // Matched without the description, on the canonical block.
        let mut rule = req.rule();
        rule.description = None;
        rule.source = IngressSource::Cidr("10.1.9.9/16".into());
        assert!(sim.revoke_ingress(g.clone(), rule.clone()).await.unwrap());
        assert!(!sim.revoke_ingress(g.clone(), rule).await.unwrap(), "already gone");
        let groups = sim
            .describe_security_groups(
                DescribeSecurityGroupsRequest::builder()
                    .group_ids(vec![g.clone()])
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        assert!(groups[0].ingress.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn root_volumes_are_encrypted_attached_and_deleted_with_the_instance() {
        let sim = SimCloud::new();
        let i = run(&sim, |r| RunInstancesRequest {
            tags: tags("app", "web"),
            ..r
        })
        .await;
        assert_eq!(i.root_device_name.as_deref(), Some(ROOT_DEVICE));
        let root_id = i.root_volume_id().cloned().expect("listed at launch");
        assert!(i.block_devices[0].delete_on_termination);
        let root = vol(&sim, &root_id).await.unwrap();
        assert!(
            root.encrypted
                && root
                    .kms_key_id
                    .as_deref()
                    .unwrap()
                    .starts_with("arn:aws:kms:us-east-1:")
        );
        assert_eq!(
            (root.volume_type, root.size_gib, root.state),
            (VolumeType::Gp3, 8, VolumeState::InUse)
        );
        assert_eq!(root.tags, tags("app", "web"), "tagged like the instance");
        let a = &root.attachments[0];
        assert_eq!((&a.instance_id, a.device.as_str()), (&i.id, ROOT_DEVICE));
        assert!(a.delete_on_termination);
        // Counted apart from the volumes a caller must delete, and gone with the instance.
        let inv = sim.inventory();
        assert_eq!((inv.count("root volume"), inv.count("volume")), (1, 0), "{inv}");
        sim.terminate_instances(vec![i.id.clone()]).await.unwrap();
        assert!(vol(&sim, &root_id).await.is_ok(), "still there while shutting down");
        advance(sim.config().instance_shutdown).await;
        assert_eq!(code(&vol(&sim, &root_id).await.unwrap_err()), "InvalidVolume.NotFound");
        assert!(describe(&sim, &i.id).await.unwrap().block_devices.is_empty());
        assert!(sim.inventory().is_empty(), "{}", sim.inventory());
    }

    #[tokio::test(start_paused = true)]
    async fn root_volume_settings_and_the_opt_out() {
        let sim = SimCloud::new();
        let root_of = |i: &Instance| i.root_volume_id().cloned().unwrap();
        // A KMS key and a size.
        let i = run(&sim, |r| RunInstancesRequest {
            root_kms_key_id: Some("alias/web".into()),
            root_volume_size_gib: Some(30),
            ..r
        })
        .await;
        let v = vol(&sim, &root_of(&i)).await.unwrap();
        assert_eq!(
            (v.encrypted, v.kms_key_id.as_deref(), v.size_gib),
            (true, Some("alias/web"), 30)
        );
        // The opt-out: the image's own root volume, unencrypted.
        let plain = run(&sim, |r| RunInstancesRequest {
            encrypt_root_volume: false,
            ..r
        })
        .await;
        let v = vol(&sim, &root_of(&plain)).await.unwrap();
        assert_eq!((v.encrypted, &v.kms_key_id, v.size_gib), (false, &None, 8));
        // Ubuntu's root device is /dev/sda1.
        let ubuntu = DescribeImagesRequest::builder()
            .owners(vec![CANONICAL_OWNER.into()])
            .build()
            .unwrap();
        let ubuntu = sim.describe_images(ubuntu).await.unwrap().remove(0);
        assert_eq!(ubuntu.root_device_name.as_deref(), Some("/dev/sda1"));
        let u = run(&sim, |r| RunInstancesRequest {
            image_id: Some(ubuntu.id.clone()),
            ..r
        })
        .await;
        assert_eq!(u.block_devices[0].device_name, "/dev/sda1");
        assert!(vol(&sim, &root_of(&u)).await.unwrap().encrypted);
        // Smaller than the image's snapshot; another device without a size; neither launches.
        let before = sim.inventory();
        let img = image(&sim).await;
        let req = |f: fn(RunInstancesRequest) -> RunInstancesRequest| {
            f(RunInstancesRequest::builder()
                .image_id(img.clone())
                .instance_type("t3.micro".parse().unwrap())
                .build()
                .unwrap())
        };
        let small = req(|r| RunInstancesRequest {
            root_volume_size_gib: Some(4),
            ..r
        });
        assert_eq!(
            code(&sim.run_instances(small).await.unwrap_err()),
            "InvalidBlockDeviceMapping"
        );
        let elsewhere = req(|r| RunInstancesRequest {
            root_device_name: Some("/dev/sdf".into()),
            ..r
        });
        assert_eq!(
            code(&sim.run_instances(elsewhere).await.unwrap_err()),
            "MissingParameter"
        );
        assert_eq!(sim.inventory(), before);
        // Another device with a size: an extra encrypted volume; the root stays the image's.
        let extra = run(&sim, |r| RunInstancesRequest {
            root_device_name: Some("/dev/sdf".into()),
            root_volume_size_gib: Some(20),
            ..r
        })
        .await;
        let devices: Vec<&str> = extra.block_devices.iter().map(|d| d.device_name.as_str()).collect();
        assert_eq!(devices, ["/dev/sdf", ROOT_DEVICE]);
        assert!(!vol(&sim, &root_of(&extra)).await.unwrap().encrypted);
        let ids: Vec<InstanceId> = [i, plain, u, extra].into_iter().map(|i| i.id).collect();
        sim.terminate_instances(ids).await.unwrap();
        advance(sim.config().instance_shutdown).await;
        assert!(sim.inventory().is_empty(), "{}", sim.inventory());
    }

    #[tokio::test(start_paused = true)]
    async fn ingress_rules_are_canonical_and_take_ipv6() {
        let sim = SimCloud::new();
        let g = group(&sim, "cidrs").await;
        let req = |source: IngressSource| {
            AuthorizeIngressRequest::builder()
                .group_id(g.clone())
                .from_port(443)
                .source(source)
                .build()
                .unwrap()
        };
        sim.authorize_ingress(req(IngressSource::Cidr("10.1.2.3/16".into())))
            .await
            .unwrap();
        sim.authorize_ingress(req(IngressSource::CidrIpv6("2001:db8::1/64".into())))
            .await
            .unwrap();
        let e = sim
            .authorize_ingress(req(IngressSource::Cidr("10.1.0.0/16".into())))
            .await
            .unwrap_err();
        assert_eq!(code(&e), "InvalidPermission.Duplicate");
        assert!(e.to_string().contains("peer: 10.1.0.0/16"), "{e}");
        let found = sim
            .describe_security_groups(
                DescribeSecurityGroupsRequest::builder()
                    .group_ids(vec![g.clone()])
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap()
            .remove(0);
        let sources: Vec<&IngressSource> = found.ingress.iter().map(|r| &r.source).collect();
        assert_eq!(
            sources,
            [
                &IngressSource::Cidr("10.1.0.0/16".into()),
                &IngressSource::CidrIpv6("2001:db8::/64".into())
            ]
        );
        sim.delete_security_group(g).await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn instance_lifecycle_has_exact_timings() {
        let sim = SimCloud::new();
        let i = run(&sim, |r| r).await;
        assert_eq!(i.state, InstanceState::Pending);
        assert!(i.http_tokens_required);
        assert!(i.private_ip.as_deref().is_some_and(|ip| ip.starts_with("172.31.")));
        advance(Duration::from_secs(29)).await;
        assert_eq!(state(&sim, &i.id).await, InstanceState::Pending);
        advance(Duration::from_secs(1)).await;
        assert_eq!(state(&sim, &i.id).await, InstanceState::Running);
        let change = sim.terminate_instances(vec![i.id.clone()]).await.unwrap();
        assert_eq!(
            (change[0].previous.clone(), change[0].current.clone()),
            (InstanceState::Running, InstanceState::ShuttingDown)
        );
        advance(Duration::from_secs(39)).await;
        assert_eq!(state(&sim, &i.id).await, InstanceState::ShuttingDown);
        advance(Duration::from_secs(1)).await;
        let done = describe(&sim, &i.id).await.unwrap();
        assert_eq!(done.state, InstanceState::Terminated);
        assert!(done.state_reason.is_some());
        // A second terminate is harmless.
        let again = sim.terminate_instances(vec![i.id.clone()]).await.unwrap();
        assert_eq!(again[0].current, InstanceState::Terminated);
        assert!(sim.inventory().is_empty());
        advance(Duration::from_secs(3600)).await;
        let e = describe(&sim, &i.id).await.unwrap_err();
        assert_eq!(code(&e), "InvalidInstanceID.NotFound");
        assert!(sim.describe_instances(Default::default()).await.unwrap().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn launches_rotate_zones_and_record_tags() {
        let sim = SimCloud::new();
        let a = run(&sim, |mut r| {
            r.tags = tags("app", "web");
            r.require_imdsv2 = false;
            r
        })
        .await;
        let b = run(&sim, |r| r).await;
        assert_ne!(a.availability_zone, b.availability_zone);
        assert!(!a.http_tokens_required);
        let web = DescribeInstancesRequest::builder()
            .tags(tags("app", "web"))
            .build()
            .unwrap();
        let found = sim.describe_instances(web).await.unwrap();
        assert_eq!(found.iter().map(|i| &i.id).collect::<Vec<_>>(), [&a.id]);
        let running = DescribeInstancesRequest::builder()
            .states(vec![InstanceState::Running])
            .build()
            .unwrap();
        assert!(sim.describe_instances(running.clone()).await.unwrap().is_empty());
        advance(Duration::from_secs(30)).await;
        assert_eq!(sim.describe_instances(running).await.unwrap().len(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn instance_errors_use_aws_codes() {
        let sim = SimCloud::new();
        let ghost: InstanceId = "i-0123456789abcdef0".parse().unwrap();
        let e = describe(&sim, &ghost).await.unwrap_err();
        assert_eq!(code(&e), "InvalidInstanceID.NotFound");
        assert!(e.to_string().contains("i-0123456789abcdef0"));
        let e = sim.terminate_instances(vec![ghost.clone()]).await.unwrap_err();
        assert_eq!(code(&e), "InvalidInstanceID.NotFound");

        let img = image(&sim).await;
        let base = RunInstancesRequest::builder()
            .image_id(img)
            .instance_type("t3.micro".parse().unwrap())
            .build()
            .unwrap();
        let mut bad_image = base.clone();
        bad_image.image_id = Some("ami-0123456789abcdef0".parse().unwrap());
        assert_eq!(
            code(&sim.run_instances(bad_image).await.unwrap_err()),
            "InvalidAMIID.NotFound"
        );
        let mut bad_subnet = base.clone();
        bad_subnet.subnet_id = Some("subnet-0123456789abcdef0".parse().unwrap());
        assert_eq!(
            code(&sim.run_instances(bad_subnet).await.unwrap_err()),
            "InvalidSubnetID.NotFound"
        );
        let mut bad_group = base.clone();
        bad_group.security_group_ids = vec!["sg-0123456789abcdef0".parse().unwrap()];
        assert_eq!(
            code(&sim.run_instances(bad_group).await.unwrap_err()),
            "InvalidGroup.NotFound"
        );
        assert!(sim.inventory().is_empty(), "failed launches leave nothing");

        // Terminating a known and an unknown id together changes nothing.
        let i = run(&sim, |r| r).await;
        let e = sim.terminate_instances(vec![i.id.clone(), ghost]).await.unwrap_err();
        assert_eq!(code(&e), "InvalidInstanceID.NotFound");
        assert_eq!(state(&sim, &i.id).await, InstanceState::Pending);
    }

    #[tokio::test(start_paused = true)]
    async fn client_tokens_make_launches_and_volumes_idempotent() {
        let sim = SimCloud::new();
        let img = image(&sim).await;
        let req = RunInstancesRequest::builder()
            .image_id(img)
            .instance_type("t3.micro".parse().unwrap())
            .count(2)
            .client_token("launch-1")
            .build()
            .unwrap();
        let first = sim.run_instances(req.clone()).await.unwrap();
        let again = sim.run_instances(req.clone()).await.unwrap();
        let ids = |v: &[Instance]| v.iter().map(|i| i.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&first), ids(&again));
        assert_eq!(sim.inventory().count("instance"), 2);
        let mut other = req.clone();
        other.count = 3;
        let e = sim.run_instances(other).await.unwrap_err();
        assert_eq!(code(&e), "IdempotentParameterMismatch");
        assert!(e.is_conflict());

        let vreq = CreateVolumeRequest::builder()
            .availability_zone("us-east-1a".parse().unwrap())
            .size_gib(8)
            .client_token("vol-1")
            .build()
            .unwrap();
        let v1 = sim.create_volume(vreq.clone()).await.unwrap();
        let v2 = sim.create_volume(vreq.clone()).await.unwrap();
        assert_eq!(v1.id, v2.id);
        let mut vother = vreq;
        vother.size_gib = Some(9);
        assert_eq!(
            code(&sim.create_volume(vother).await.unwrap_err()),
            "IdempotentParameterMismatch"
        );
        assert_eq!(sim.inventory().count("volume"), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn eventual_consistency_hides_new_ids_for_a_while() {
        let sim = SimCloud::with_config(SimConfig {
            eventual_consistency: Some(Duration::from_secs(5)),
            ..SimConfig::default()
        });
        let i = run(&sim, |r| r).await;
        let g = group(&sim, "web").await;
        let v = volume(&sim, &"us-east-1a".parse().unwrap(), 8).await;
        assert_eq!(
            code(&describe(&sim, &i.id).await.unwrap_err()),
            "InvalidInstanceID.NotFound"
        );
        assert!(sim.describe_instances(Default::default()).await.unwrap().is_empty());
        assert_eq!(
            code(&sim.terminate_instances(vec![i.id.clone()]).await.unwrap_err()),
            "InvalidInstanceID.NotFound"
        );
        assert_eq!(code(&vol(&sim, &v.id).await.unwrap_err()), "InvalidVolume.NotFound");
        assert_eq!(
            code(&sim.delete_volume(v.id.clone()).await.unwrap_err()),
            "InvalidVolume.NotFound"
        );
        let e = sim.create_tags(vec![g.to_string()], tags("k", "v")).await.unwrap_err();
        assert_eq!(code(&e), "InvalidGroup.NotFound");
        let rule = AuthorizeIngressRequest::builder()
            .group_id(g.clone())
            .from_port(80)
            .source(IngressSource::Cidr("10.0.0.0/8".into()))
            .build()
            .unwrap();
        assert_eq!(
            code(&sim.authorize_ingress(rule.clone()).await.unwrap_err()),
            "InvalidGroup.NotFound"
        );
        advance(Duration::from_secs(5)).await;
        assert_eq!(describe(&sim, &i.id).await.unwrap().id, i.id);
        assert_eq!(sim.describe_instances(Default::default()).await.unwrap().len(), 1);
        sim.authorize_ingress(rule).await.unwrap();
        sim.delete_volume(v.id).await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn security_group_rules_and_dependencies() {
        let sim = SimCloud::new();
        let web = group(&sim, "web").await;
        let lb = group(&sim, "lb").await;
        let dup = CreateSecurityGroupRequest::builder()
            .name("web")
            .description("again")
            .build()
            .unwrap();
        assert_eq!(
            code(&sim.create_security_group(dup).await.unwrap_err()),
            "InvalidGroup.Duplicate"
        );

        let from_lb = AuthorizeIngressRequest::builder()
            .group_id(web.clone())
            .from_port(8080)
            .source(IngressSource::Group(lb.clone()))
            .description("from lb")
            .build()
            .unwrap();
        sim.authorize_ingress(from_lb.clone()).await.unwrap();
        let e = sim.authorize_ingress(from_lb).await.unwrap_err();
        assert_eq!(code(&e), "InvalidPermission.Duplicate");
        let missing_source = AuthorizeIngressRequest::builder()
            .group_id(web.clone())
            .from_port(80)
            .source(IngressSource::Group("sg-0123456789abcdef0".parse().unwrap()))
            .build()
            .unwrap();
        assert_eq!(
            code(&sim.authorize_ingress(missing_source).await.unwrap_err()),
            "InvalidGroup.NotFound"
        );

        {
            let st = sim.lock();
            assert!(groups_admit(
                &st,
                std::slice::from_ref(&web),
                8080,
                std::slice::from_ref(&lb)
            ));
            assert!(!groups_admit(
                &st,
                std::slice::from_ref(&web),
                80,
                std::slice::from_ref(&lb)
            ));
            assert!(group_exists(&st, &web));
        }

        let by_tag = DescribeSecurityGroupsRequest::builder()
            .tags(tags("app", "web"))
            .build()
            .unwrap();
        let found = sim.describe_security_groups(by_tag).await.unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].ingress[0].source, IngressSource::Group(lb.clone()));

        // `lb` is referenced by a rule of `web`.
        let e = sim.delete_security_group(lb.clone()).await.unwrap_err();
        assert_eq!(code(&e), "DependencyViolation");
        assert!(e.is_dependency_violation());

        // `web` is used by an instance until it is terminated.
        let i = run(&sim, |mut r| {
            r.security_group_ids = vec![web.clone()];
            r
        })
        .await;
        assert_eq!(i.security_groups, vec![web.clone()]);
        assert_eq!(
            code(&sim.delete_security_group(web.clone()).await.unwrap_err()),
            "DependencyViolation"
        );
        sim.terminate_instances(vec![i.id]).await.unwrap();
        assert_eq!(
            code(&sim.delete_security_group(web.clone()).await.unwrap_err()),
            "DependencyViolation"
        );
        advance(sim.config().instance_shutdown).await;
        sim.delete_security_group(web.clone()).await.unwrap();
        sim.delete_security_group(lb).await.unwrap();
        assert_eq!(
            code(&sim.delete_security_group(web).await.unwrap_err()),
            "InvalidGroup.NotFound"
        );
        assert!(sim.inventory().is_empty(), "{}", sim.inventory());
    }

    #[tokio::test(start_paused = true)]
    async fn volume_lifecycle_and_attachment_errors() {
        let sim = SimCloud::new();
        let i = run(&sim, |r| r).await;
        let az = i.availability_zone.clone();
        let v = volume(&sim, &az, 8).await;
        assert_eq!(v.state, VolumeState::Creating);
        assert!(v.encrypted && v.volume_type == VolumeType::Gp3 && v.iops == Some(3000));
        let e = sim
            .attach_volume(attach_req(&v.id, &i.id, "/dev/sdf"))
            .await
            .unwrap_err();
        assert_eq!(code(&e), "IncorrectState");
        advance(sim.config().volume_create).await;
        assert_eq!(vol(&sim, &v.id).await.unwrap().state, VolumeState::Available);
        let e = sim
            .attach_volume(attach_req(&v.id, &i.id, "/dev/sdf"))
            .await
            .unwrap_err();
        assert_eq!(code(&e), "IncorrectInstanceState", "instance still pending");
        advance(sim.config().instance_boot).await;

        let other_zone: AvailabilityZone = if az.as_str() == "us-east-1a" {
            "us-east-1b"
        } else {
            "us-east-1a"
        }
        .parse()
        .unwrap();
        let far = volume(&sim, &other_zone, 8).await;
        advance(sim.config().volume_create).await;
        let e = sim
            .attach_volume(attach_req(&far.id, &i.id, "/dev/sdg"))
            .await
            .unwrap_err();
        assert_eq!(code(&e), "InvalidVolume.ZoneMismatch");
        sim.delete_volume(far.id).await.unwrap();

        let a = sim.attach_volume(attach_req(&v.id, &i.id, "/dev/sdf")).await.unwrap();
        assert_eq!(a.state, AttachmentState::Attaching);
        assert_eq!(vol(&sim, &v.id).await.unwrap().state, VolumeState::InUse);
        let e = sim
            .attach_volume(attach_req(&v.id, &i.id, "/dev/sdg"))
            .await
            .unwrap_err();
        assert_eq!(code(&e), "VolumeInUse");
        let v2 = volume(&sim, &az, 8).await;
        advance(sim.config().volume_create.max(sim.config().volume_attach)).await;
        let e = sim
            .attach_volume(attach_req(&v2.id, &i.id, "/dev/xvdf"))
            .await
            .unwrap_err();
        assert_eq!(code(&e), "InvalidParameterValue", "/dev/xvdf is /dev/sdf");
        assert!(e.to_string().contains("already in use"));
        let attached = vol(&sim, &v.id).await.unwrap();
        assert_eq!(attached.attachments[0].state, AttachmentState::Attached);
        let by_instance = DescribeVolumesRequest::builder()
            .attached_to(i.id.clone())
            .build()
            .unwrap();
        // The data volume, and the root volume the launch made.
        let on_instance = sim.describe_volumes(by_instance).await.unwrap();
        let root = describe(&sim, &i.id).await.unwrap().root_volume_id().cloned().unwrap();
        let mut ids: Vec<&VolumeId> = on_instance.iter().map(|v| &v.id).collect();
        ids.sort();
        let mut want = vec![&v.id, &root];
        want.sort();
        assert_eq!(ids, want);

        assert_eq!(code(&sim.delete_volume(v.id.clone()).await.unwrap_err()), "VolumeInUse");
        let d = sim.detach_volume(detach_req(&v.id)).await.unwrap();
        assert_eq!(d.state, AttachmentState::Detaching);
        advance(sim.config().volume_attach).await;
        let freed = vol(&sim, &v.id).await.unwrap();
        assert_eq!((freed.state, freed.attachments.len()), (VolumeState::Available, 0));
        assert_eq!(
            code(&sim.detach_volume(detach_req(&v.id)).await.unwrap_err()),
            "IncorrectState"
        );
        sim.delete_volume(v.id.clone()).await.unwrap();
        assert_eq!(code(&vol(&sim, &v.id).await.unwrap_err()), "InvalidVolume.NotFound");

        // Terminated instances release their volumes.
        sim.attach_volume(attach_req(&v2.id, &i.id, "/dev/sdh")).await.unwrap();
        sim.terminate_instances(vec![i.id.clone()]).await.unwrap();
        assert_eq!(vol(&sim, &v2.id).await.unwrap().state, VolumeState::InUse);
        advance(sim.config().instance_shutdown).await;
        assert_eq!(vol(&sim, &v2.id).await.unwrap().state, VolumeState::Available);
        sim.delete_volume(v2.id).await.unwrap();
        assert!(sim.inventory().is_empty(), "{}", sim.inventory());
    }

    #[tokio::test(start_paused = true)]
    async fn snapshots_progress_and_restore() {
        let sim = SimCloud::new();
        let az: AvailabilityZone = "us-east-1c".parse().unwrap();
        let v = volume(&sim, &az, 10).await;
        let req = CreateSnapshotRequest::builder()
            .volume_id(v.id.clone())
            .description("nightly")
            .tags(tags("backup", "nightly"))
            .build()
            .unwrap();
        assert_eq!(
            code(&sim.create_snapshot(req.clone()).await.unwrap_err()),
            "IncorrectState"
        );
        advance(sim.config().volume_create).await;
        let s = sim.create_snapshot(req).await.unwrap();
        assert_eq!(
            (s.state, s.progress, s.volume_size_gib),
            (SnapshotState::Pending, Some(0), 10)
        );
        assert!(s.encrypted);

        let restore = |size: Option<u32>| CreateVolumeRequest {
            availability_zone: az.clone(),
            size_gib: size,
            volume_type: VolumeType::Gp3,
            iops: None,
            throughput: None,
            encrypted: true,
            kms_key_id: None,
            snapshot_id: Some(s.id.clone()),
            tags: Tags::new(),
            client_token: None,
        };
        assert_eq!(
            code(&sim.create_volume(restore(None)).await.unwrap_err()),
            "IncorrectState"
        );

        advance(Duration::from_secs(30)).await;
        let by_volume = DescribeSnapshotsRequest::builder()
            .volume_id(v.id.clone())
            .build()
            .unwrap();
        let mid = sim.describe_snapshots(by_volume).await.unwrap();
        assert_eq!(
            (mid[0].state.clone(), mid[0].progress),
            (SnapshotState::Pending, Some(50))
        );
        advance(Duration::from_secs(30)).await;
        let by_tag = DescribeSnapshotsRequest::builder()
            .tags(tags("backup", "nightly"))
            .build()
            .unwrap();
        let done = sim.describe_snapshots(by_tag).await.unwrap();
        assert_eq!(
            (done[0].state.clone(), done[0].progress),
            (SnapshotState::Completed, Some(100))
        );

        assert_eq!(
            code(&sim.create_volume(restore(Some(5))).await.unwrap_err()),
            "InvalidParameterValue"
        );
        let restored = sim.create_volume(restore(None)).await.unwrap();
        assert_eq!((restored.size_gib, restored.snapshot_id.as_ref()), (10, Some(&s.id)));
        let e = sim.delete_snapshot(s.id.clone()).await.unwrap_err();
        assert_eq!(code(&e), "InvalidSnapshot.InUse", "a creating volume reads from it");
        advance(sim.config().volume_create).await;
        sim.delete_snapshot(s.id.clone()).await.unwrap();
        assert_eq!(
            code(&sim.delete_snapshot(s.id.clone()).await.unwrap_err()),
            "InvalidSnapshot.NotFound"
        );
        let e = sim
            .describe_snapshots(
                DescribeSnapshotsRequest::builder()
                    .snapshot_ids(vec![s.id])
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap_err();
        assert_eq!(code(&e), "InvalidSnapshot.NotFound");
        let ghost = CreateSnapshotRequest::builder()
            .volume_id("vol-0123456789abcdef0".parse().unwrap())
            .build()
            .unwrap();
        assert_eq!(
            code(&sim.create_snapshot(ghost).await.unwrap_err()),
            "InvalidVolume.NotFound"
        );
        sim.delete_volume(v.id).await.unwrap();
        sim.delete_volume(restored.id).await.unwrap();
        assert!(sim.inventory().is_empty(), "{}", sim.inventory());
    }

    #[tokio::test(start_paused = true)]
    async fn direct_snapshots_show_in_describe() {
        let sim = SimCloud::new();
        let id: SnapshotId = "snap-0123456789abcdef0".parse().unwrap();
        {
            let now = sim.now();
            let mut st = sim.lock();
            put_direct_snapshot(&mut st, now, &id, 1, None, Tags::new(), false, SnapshotState::Pending);
            put_direct_snapshot(
                &mut st,
                now,
                &id,
                1,
                Some("d".into()),
                tags("k", "v"),
                false,
                SnapshotState::Completed,
            );
        }
        let all = sim.describe_snapshots(Default::default()).await.unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(
            (all[0].state.clone(), all[0].volume_id.as_ref()),
            (SnapshotState::Completed, None)
        );
        assert_eq!(all[0].tags, tags("k", "v"));
    }

    #[tokio::test(start_paused = true)]
    async fn create_tags_on_every_kind_and_filters() {
        let sim = SimCloud::new();
        let i = run(&sim, |r| r).await;
        let g = group(&sim, "web").await;
        let v = volume(&sim, &i.availability_zone, 8).await;
        advance(sim.config().volume_create).await;
        let s = sim
            .create_snapshot(
                CreateSnapshotRequest::builder()
                    .volume_id(v.id.clone())
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        let ids = vec![i.id.to_string(), g.to_string(), v.id.to_string(), s.id.to_string()];
        sim.create_tags(ids, tags("run", "42")).await.unwrap();
        let t = tags("run", "42");
        let req = DescribeInstancesRequest::builder().tags(t.clone()).build().unwrap();
        assert_eq!(sim.describe_instances(req).await.unwrap().len(), 1);
        let req = DescribeSecurityGroupsRequest::builder()
            .tags(t.clone())
            .build()
            .unwrap();
        assert_eq!(sim.describe_security_groups(req).await.unwrap().len(), 1);
        let req = DescribeVolumesRequest::builder().tags(t.clone()).build().unwrap();
        assert_eq!(sim.describe_volumes(req).await.unwrap().len(), 1);
        let req = DescribeSnapshotsRequest::builder().tags(t.clone()).build().unwrap();
        assert_eq!(sim.describe_snapshots(req).await.unwrap().len(), 1);

        // One unknown id: an error with that kind's code, and nothing is tagged.
        let cases = [
            ("i-0123456789abcdef0", "InvalidInstanceID.NotFound"),
            ("vol-0123456789abcdef0", "InvalidVolume.NotFound"),
            ("snap-0123456789abcdef0", "InvalidSnapshot.NotFound"),
            ("sg-0123456789abcdef0", "InvalidGroup.NotFound"),
            ("bogus-1", "InvalidID"),
        ];
        for (ghost, want) in cases {
            let e = sim
                .create_tags(vec![i.id.to_string(), ghost.to_string()], tags("other", "x"))
                .await
                .unwrap_err();
            assert_eq!(code(&e), want);
        }
        assert!(!describe(&sim, &i.id).await.unwrap().tags.contains_key("other"));
    }

    #[tokio::test(start_paused = true)]
    async fn invalid_requests_are_rejected_before_any_change() {
        let sim = SimCloud::new();
        let img = image(&sim).await;
        let bad = RunInstancesRequest {
            image_id: Some(img),
            instance_type: Some("t3.micro".parse().unwrap()),
            launch_template: None,
            count: 0,
            subnet_id: None,
            security_group_ids: vec![],
            user_data: None,
            tags: Tags::new(),
            require_imdsv2: true,
            client_token: None,
            instance_profile: None,
            key_name: None,
            encrypt_root_volume: true,
            root_kms_key_id: None,
            root_volume_size_gib: None,
            root_device_name: None,
            volumes: Vec::new(),
            placement: None,
        };
        assert!(matches!(
            sim.run_instances(bad).await.unwrap_err(),
            Error::Validation { .. }
        ));
        let bad_volume = CreateVolumeRequest {
            availability_zone: "us-east-1a".parse().unwrap(),
            size_gib: Some(0),
            volume_type: VolumeType::Gp3,
            iops: None,
            throughput: None,
            encrypted: true,
            kms_key_id: None,
            snapshot_id: None,
            tags: Tags::new(),
            client_token: None,
        };
        assert!(matches!(
            sim.create_volume(bad_volume).await.unwrap_err(),
            Error::Validation { .. }
        ));
        let bad_group = CreateSecurityGroupRequest {
            name: "sg-sneaky".into(),
            description: "x".into(),
            vpc_id: None,
            tags: Tags::new(),
        };
        assert!(matches!(
            sim.create_security_group(bad_group).await.unwrap_err(),
            Error::Validation { .. }
        ));
        assert!(matches!(
            sim.terminate_instances(vec![]).await.unwrap_err(),
            Error::Validation { .. }
        ));
        assert!(sim.inventory().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn contract_views_follow_the_lifecycle() {
        let sim = SimCloud::new();
        let i = run(&sim, |r| r).await;
        let cfg = sim.config().clone();
        let subnet = i.subnet_id.clone().unwrap();
        {
            let now = sim.now();
            let mut st = sim.lock();
            let view = instance_view(&mut st, &cfg, &i.id, now).unwrap();
            assert_eq!((view.state, view.running_since), (InstanceState::Pending, None));
            assert!(running_instances(&mut st, &cfg, now).is_empty());
            assert_eq!(
                subnet_info(&st, &subnet),
                Some((i.availability_zone.clone(), i.vpc_id.clone().unwrap()))
            );
        }
        let start = sim.now();
        advance(Duration::from_secs(45)).await;
        let now = sim.now();
        let mut st = sim.lock();
        let view = instance_view(&mut st, &cfg, &i.id, now).unwrap();
        assert_eq!(view.state, InstanceState::Running);
        assert_eq!(view.running_since, Some(start + cfg.instance_boot));
        assert_eq!(running_instances(&mut st, &cfg, now), vec![i.id.clone()]);
        assert!(instance_view(&mut st, &cfg, &"i-0123456789abcdef0".parse().unwrap(), now).is_none());
    }
}
