//! Images, instances and their lifecycle requests (re-exported from [`crate::ec2`]).

use super::*;

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
    /// The name of its key pair, if it was launched with one.
    #[serde(default)]
    pub key_name: Option<String>,
    /// Its EBS volumes by device, the root volume among them (`BlockDeviceMappings`; AWS may
    /// list none while the instance is `pending`). Encryption is a property of the volume:
    /// DescribeVolumes reports it.
    #[serde(default)]
    #[builder(default)]
    pub block_devices: Vec<InstanceBlockDevice>,
    /// Its placement group, if it was launched into one.
    #[serde(default)]
    pub placement_group: Option<String>,
    /// Its tenancy.
    #[serde(default)]
    #[builder(default)]
    pub tenancy: Tenancy,
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
    /// The image (required unless [`launch_template`](Self::launch_template) supplies it).
    pub image_id: Option<ImageId>,
    /// The instance type (required unless the launch template supplies it).
    pub instance_type: Option<InstanceType>,
    /// Launch from this template (version): its settings apply, and the request's override
    /// them. The root-volume settings below then apply only when the request names the
    /// image; otherwise the template's own mappings do (its data encrypts the root volume by
    /// default).
    #[serde(default)]
    pub launch_template: Option<LaunchTemplateSpec>,
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
    /// The key pair for SSH (a name from [`Ec2::create_key_pair`] or
    /// [`Ec2::import_key_pair`]; without one the instance has no SSH key).
    pub key_name: Option<String>,
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
    /// More EBS volumes for each instance, created with it (`BlockDeviceMappings` beside the
    /// root volume's): encrypted by default, deleted on termination by default.
    #[builder(default)]
    #[serde(default)]
    pub volumes: Vec<LaunchVolume>,
    /// Where the instances run: Availability Zone, placement group, tenancy (default: EC2
    /// chooses the zone from the subnet; no group; shared tenancy).
    #[serde(default)]
    pub placement: Option<Placement>,
}
validated_builder!(
    RunInstancesRequest,
    RunInstancesRequestBuilder,
    run_instances_request_builder
);

impl Validate for RunInstancesRequest {
    fn validate(&self) -> Result<()> {
        validate::in_range("count", self.count, 1, 1000)?;
        match &self.launch_template {
            Some(lt) => {
                lt.template.validate("launch_template.template")?;
                lt.version.validate("launch_template.version")?;
            }
            None => {
                if self.image_id.is_none() {
                    return Err(Error::validation("image_id", "is required without a launch template"));
                }
                if self.instance_type.is_none() {
                    return Err(Error::validation(
                        "instance_type",
                        "is required without a launch template",
                    ));
                }
            }
        }
        check_launch_basics("", self.user_data.as_ref(), self.key_name.as_deref())?;
        check_client_token(self.client_token.as_deref())?;
        self.validate_root_volume()?;
        check_launch_volumes("", self.root_device_name.as_deref(), &self.volumes)?;
        if let Some(p) = &self.placement {
            p.validate()?;
        }
        validate::tags("tags", &self.tags)
    }
}

impl RunInstancesRequest {
    /// The root volume settings: each needs the encrypted mapping; a size within gp3's limits.
    fn validate_root_volume(&self) -> Result<()> {
        if self.uses_template_root() {
            if let Some(field) = [
                ("root_kms_key_id", self.root_kms_key_id.is_some()),
                ("root_volume_size_gib", self.root_volume_size_gib.is_some()),
                ("root_device_name", self.root_device_name.is_some()),
            ]
            .iter()
            .find_map(|(f, set)| set.then_some(*f))
            {
                return Err(Error::validation(
                    field,
                    "applies to the image the request names: with a launch template, set image_id too \
                     or put the root volume in the template",
                ));
            }
            return Ok(());
        }
        check_root_settings(
            "",
            self.encrypt_root_volume,
            self.root_kms_key_id.as_deref(),
            self.root_volume_size_gib,
            self.root_device_name.as_deref(),
        )
    }
}

/// The user data (at most [`MAX_USER_DATA_BYTES`] before encoding) and key pair name of a
/// launch (RunInstances or launch template data); `p` prefixes the field names.
pub(crate) fn check_launch_basics(
    p: &str,
    user_data: Option<&crate::SecretString>,
    key_name: Option<&str>,
) -> Result<()> {
    if let Some(ud) = user_data
        && ud.len() > MAX_USER_DATA_BYTES
    {
        return Err(Error::validation(
            format!("{p}user_data"),
            format!(
                "must be at most {MAX_USER_DATA_BYTES} bytes before encoding (got {})",
                ud.len()
            ),
        ));
    }
    if let Some(k) = key_name {
        validate_key_name(&format!("{p}key_name"), k)?;
    }
    Ok(())
}

/// An idempotency token: 1 to 64 ASCII characters (EC2 API reference, "Ensuring
/// idempotency").
pub(crate) fn check_client_token(token: Option<&str>) -> Result<()> {
    if let Some(t) = token {
        validate::len_in("client_token", t, 1, 64)?;
        if !t.is_ascii() {
            return Err(Error::validation("client_token", "must be ASCII"));
        }
    }
    Ok(())
}

/// The root-volume settings of a launch (RunInstances or launch template data), checked alike;
/// `p` prefixes each field name (`""` or `data.`): each needs the encrypted mapping, a size
/// within gp3's limits, a KMS key id of 1 to 2,048 characters (KMS API reference, `KeyId`), a
/// non-empty device.
pub(crate) fn check_root_settings(
    p: &str,
    encrypt: bool,
    kms_key_id: Option<&str>,
    size_gib: Option<u32>,
    device: Option<&str>,
) -> Result<()> {
    let f = |name: &str| format!("{p}{name}");
    let set = [
        ("root_kms_key_id", kms_key_id.is_some()),
        ("root_volume_size_gib", size_gib.is_some()),
        ("root_device_name", device.is_some()),
    ];
    if !encrypt && let Some((field, _)) = set.iter().find(|(_, s)| *s) {
        return Err(Error::validation(
            f(field),
            "applies to the encrypted root volume mapping; it needs encrypt_root_volume = true",
        ));
    }
    if let Some(size) = size_gib {
        let (lo, hi) = VolumeType::Gp3.size_range_gib();
        validate::in_range(&f("root_volume_size_gib"), size, lo, hi)?;
    }
    if let Some(k) = kms_key_id {
        validate::len_in(&f("root_kms_key_id"), k, 1, 2048)?;
    }
    if device.is_some_and(str::is_empty) {
        return Err(Error::validation(f("root_device_name"), "must not be empty"));
    }
    Ok(())
}

/// The extra volumes of a launch: each valid for its type, on a device of its own (not the
/// root's); `p` prefixes the field names (`volumes[1].iops`, `data.volumes[0].device_name`).
pub(crate) fn check_launch_volumes(p: &str, root_device: Option<&str>, volumes: &[LaunchVolume]) -> Result<()> {
    let mut devices = std::collections::BTreeSet::new();
    if let Some(root) = root_device {
        devices.insert(root);
    }
    for (i, v) in volumes.iter().enumerate() {
        let path = format!("{p}volumes[{i}].");
        v.validate_at(&path)?;
        if !devices.insert(v.device_name.as_str()) {
            return Err(Error::validation(
                format!("{path}device_name"),
                format!("{} is mapped twice (or is the root device)", v.device_name),
            ));
        }
    }
    Ok(())
}

impl RunInstancesRequest {
    /// Whether the root volume is the launch template's business: launched from a template
    /// without naming the image (so the request adds no root mapping).
    pub fn uses_template_root(&self) -> bool {
        self.launch_template.is_some() && self.image_id.is_none()
    }
}

/// An EBS volume created with each instance at launch (one entry of RunInstances'
/// `BlockDeviceMappings`). Defaults: gp3, encrypted (the account's EBS key unless
/// [`kms_key_id`](Self::kms_key_id) is set), deleted when the instance terminates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct LaunchVolume {
    /// The device name, e.g. `/dev/sdf` (Linux) or `xvdf`.
    pub device_name: String,
    /// Size in GiB (required unless `snapshot_id` is given; then at least the snapshot's).
    pub size_gib: Option<u32>,
    /// The type (default gp3).
    #[builder(default)]
    #[serde(default)]
    pub volume_type: VolumeType,
    /// Provisioned IOPS (gp3, io1, io2).
    pub iops: Option<u32>,
    /// Throughput in MiB/s (gp3).
    pub throughput: Option<u32>,
    /// Create it from this snapshot.
    pub snapshot_id: Option<SnapshotId>,
    /// Encrypt it (default `true`: secure by default).
    #[builder(default = true)]
    #[serde(default = "default_true")]
    pub encrypted: bool,
    /// The KMS key (id, alias or ARN; default: the account's EBS key). Needs `encrypted`.
    pub kms_key_id: Option<String>,
    /// Delete it when the instance terminates (default `true`: nothing left behind that the
    /// caller did not ask to keep).
    #[builder(default = true)]
    #[serde(default = "default_true")]
    pub delete_on_termination: bool,
}
validated_builder!(LaunchVolume, LaunchVolumeBuilder, launch_volume_builder);

impl Validate for LaunchVolume {
    fn validate(&self) -> Result<()> {
        self.validate_at("")
    }
}

impl LaunchVolume {
    pub(crate) fn validate_at(&self, path: &str) -> Result<()> {
        if self.device_name.is_empty() {
            return Err(Error::validation(format!("{path}device_name"), "must not be empty"));
        }
        check_volume_settings(
            path,
            &self.volume_type,
            self.size_gib,
            self.iops,
            self.throughput,
            self.snapshot_id.is_some(),
        )?;
        if self.kms_key_id.is_some() && !self.encrypted {
            return Err(Error::validation(
                format!("{path}kms_key_id"),
                "requires encrypted = true",
            ));
        }
        // KMS API reference: a KeyId is 1-2,048 characters.
        if let Some(k) = &self.kms_key_id {
            validate::len_in(&format!("{path}kms_key_id"), k, 1, 2048)?;
        }
        Ok(())
    }
}

crate::macros::open_enum! {
    /// Where an instance's hardware is shared (`Tenancy`).
    #[derive(Default)]
    pub enum Tenancy {
        /// Shared hardware (the default).
        #[default]
        Default = "default",
        /// Hardware dedicated to this account (extra cost per region and hour).
        Dedicated = "dedicated",
        /// A Dedicated Host (needs an allocated host).
        Host = "host",
    }
}

/// Where instances run (RunInstances `Placement`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct Placement {
    /// The Availability Zone (must be the subnet's when a subnet is given).
    pub availability_zone: Option<AvailabilityZone>,
    /// A placement group name (cluster, spread or partition group created beforehand).
    pub group_name: Option<String>,
    /// The tenancy (default shared).
    #[builder(default)]
    #[serde(default)]
    pub tenancy: Tenancy,
}

impl Placement {
    /// EC2 API reference, CreatePlacementGroup `GroupName`: up to 255 ASCII characters.
    fn validate(&self) -> Result<()> {
        if let Some(g) = &self.group_name {
            validate::len_in("placement.group_name", g, 1, 255)?;
            if !g.is_ascii() {
                return Err(Error::validation("placement.group_name", "must be ASCII characters"));
            }
        }
        Ok(())
    }
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

crate::macros::open_enum! {
    /// The type of a key pair.
    #[derive(Default)]
    pub enum KeyType {
        /// ED25519 (the default: shorter, and what AWS recommends for new keys).
        #[default]
        Ed25519 = "ed25519",
        /// RSA 2048.
        Rsa = "rsa",
    }
}

/// An EC2 key pair (its public half; AWS keeps no private key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct KeyPair {
    /// Its id (`key-...`).
    pub id: String,
    /// Its name, as RunInstances' `key_name` takes it.
    pub name: String,
    /// The fingerprint AWS computed.
    #[builder(default)]
    pub fingerprint: String,
    /// Its type.
    #[builder(default)]
    pub key_type: KeyType,
    /// When it was created or imported.
    pub created: Option<SystemTime>,
    /// Its tags.
    #[builder(default)]
    pub tags: Tags,
}

/// A key pair AWS created, with its private key: returned once, by CreateKeyPair only. The
/// private key is a [`SecretString`](crate::SecretString): redacted in `Debug`, `Display` and
/// serde output; store it with `expose_secret()` yourself.
#[derive(Debug, Clone, PartialEq, Serialize, Builder)]
#[non_exhaustive]
pub struct CreatedKeyPair {
    /// The key pair.
    pub key_pair: KeyPair,
    /// The private key (PEM or OpenSSH text).
    #[builder(into)]
    pub private_key: crate::SecretString,
}

/// The most characters a key pair name may have (EC2 API reference, CreateKeyPair, `KeyName`:
/// "Constraints: Up to 255 ASCII characters").
pub const MAX_KEY_NAME_CHARS: usize = 255;

fn validate_key_name(field: &str, name: &str) -> Result<()> {
    validate::len_in(field, name, 1, MAX_KEY_NAME_CHARS)?;
    if !name.is_ascii() {
        return Err(Error::validation(field, "must be ASCII characters"));
    }
    Ok(())
}

/// A request to create a key pair (AWS generates it and returns the private key once).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct CreateKeyPairRequest {
    /// The name (1 to 255 ASCII characters, unique in the region).
    pub name: String,
    /// The type (default ED25519).
    #[builder(default)]
    pub key_type: KeyType,
    /// Tags.
    #[builder(default)]
    pub tags: Tags,
}
validated_builder!(
    CreateKeyPairRequest,
    CreateKeyPairRequestBuilder,
    create_key_pair_request_builder
);

impl Validate for CreateKeyPairRequest {
    fn validate(&self) -> Result<()> {
        validate_key_name("name", &self.name)?;
        validate::tags("tags", &self.tags)
    }
}

/// A request to import the public half of a key pair you made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct ImportKeyPairRequest {
    /// The name (1 to 255 ASCII characters, unique in the region).
    pub name: String,
    /// The public key in OpenSSH format (`ssh-ed25519 AAAA... comment`, `ssh-rsa AAAA...`).
    /// A private key is refused before any call: only the public half leaves your machine.
    pub public_key: String,
    /// Tags.
    #[builder(default)]
    pub tags: Tags,
}
validated_builder!(
    ImportKeyPairRequest,
    ImportKeyPairRequestBuilder,
    import_key_pair_request_builder
);

impl ImportKeyPairRequest {
    /// The type of the key, from its OpenSSH prefix (`ssh-rsa`: RSA; otherwise ED25519).
    pub fn key_type(&self) -> KeyType {
        if self.public_key.trim_start().starts_with("ssh-rsa") {
            KeyType::Rsa
        } else {
            KeyType::Ed25519
        }
    }
}

impl Validate for ImportKeyPairRequest {
    fn validate(&self) -> Result<()> {
        validate_key_name("name", &self.name)?;
        let key = self.public_key.trim();
        if key.contains("PRIVATE KEY") {
            return Err(Error::validation(
                "public_key",
                "is a private key: import the public half (e.g. `ssh-keygen -y -f KEY`)",
            ));
        }
        let mut parts = key.split_whitespace();
        let (kind, body) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let known = kind == "ssh-rsa" || kind == "ssh-ed25519" || kind.starts_with("ecdsa-sha2-");
        if !known || body.is_empty() || !body.bytes().all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)) {
            return Err(Error::validation(
                "public_key",
                "must be an OpenSSH public key: `ssh-ed25519 BASE64 [comment]` or `ssh-rsa BASE64 [comment]`",
            ));
        }
        validate::tags("tags", &self.tags)
    }
}

/// Which key pairs to describe (empty: all).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""))]
pub struct DescribeKeyPairsRequest {
    /// Names (an unknown one is `InvalidKeyPair.NotFound`).
    #[builder(default)]
    pub names: Vec<String>,
    /// Tags every key pair must carry.
    #[builder(default)]
    pub tags: Tags,
}
validated_builder!(
    DescribeKeyPairsRequest,
    DescribeKeyPairsRequestBuilder,
    describe_key_pairs_request_builder
);

impl Validate for DescribeKeyPairsRequest {
    fn validate(&self) -> Result<()> {
        for n in &self.names {
            validate_key_name("names", n)?;
        }
        Ok(())
    }
}

/// Checks a key pair name given alone (DeleteKeyPair).
pub(crate) fn validate_key_pair_name(name: &str) -> Result<()> {
    validate_key_name("name", name)
}

crate::macros::open_enum! {
    /// The result of a group of status checks (`SummaryStatus`).
    pub enum SummaryStatus {
        /// Every check passed.
        Ok = "ok",
        /// A check failed.
        Impaired = "impaired",
        /// Not enough data yet.
        InsufficientData = "insufficient-data",
        /// The instance is not running (only listed with `include_all_instances`).
        NotApplicable = "not-applicable",
        /// The checks are running (for a few minutes after each boot).
        Initializing = "initializing",
    }
}

/// An instance's state and status checks (DescribeInstanceStatus).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct InstanceStatus {
    /// The instance.
    pub instance_id: InstanceId,
    /// Its Availability Zone.
    pub availability_zone: AvailabilityZone,
    /// Its state.
    #[builder(default = InstanceState::Running)]
    pub state: InstanceState,
    /// The checks of the instance itself (its operating system is reachable).
    #[builder(default = SummaryStatus::Ok)]
    pub instance_status: SummaryStatus,
    /// The checks of the host it runs on (AWS's hardware and network).
    #[builder(default = SummaryStatus::Ok)]
    pub system_status: SummaryStatus,
}

impl InstanceStatus {
    /// Running, with both groups of checks passed: what "2/2 checks passed" means in the
    /// console.
    pub fn is_healthy(&self) -> bool {
        self.state == InstanceState::Running
            && self.instance_status == SummaryStatus::Ok
            && self.system_status == SummaryStatus::Ok
    }
}

/// Which instances' status to describe.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""))]
pub struct DescribeInstanceStatusRequest {
    /// Instance ids (empty: every instance; an unknown id is `InvalidInstanceID.NotFound`).
    #[builder(default)]
    pub instance_ids: Vec<InstanceId>,
    /// Also list instances that are not running (AWS's default lists only running ones).
    #[builder(default)]
    pub include_all_instances: bool,
}
validated_builder!(
    DescribeInstanceStatusRequest,
    DescribeInstanceStatusRequestBuilder,
    describe_instance_status_request_builder
);

impl Validate for DescribeInstanceStatusRequest {
    fn validate(&self) -> Result<()> {
        // EC2 API reference, DescribeInstanceStatus: "up to 100 instance IDs" per request.
        validate::at_most("instance_ids", &self.instance_ids, 100)
    }
}

/// What an instance type offers (DescribeInstanceTypes): the facts users size a fleet by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct InstanceTypeInfo {
    /// The type.
    pub instance_type: InstanceType,
    /// Default vCPUs.
    pub vcpus: u32,
    /// Memory in MiB.
    pub memory_mib: u64,
    /// Supported architectures (`x86_64`, `arm64`, ...).
    #[builder(default)]
    pub architectures: Vec<String>,
    /// Whether it is a current-generation type.
    #[builder(default = true)]
    pub current_generation: bool,
    /// Whether it is burstable (T family: CPU credits).
    #[builder(default)]
    pub burstable: bool,
    /// Whether it is in the AWS Free Tier.
    #[builder(default)]
    pub free_tier_eligible: bool,
}

/// Which instance types to describe.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""))]
pub struct DescribeInstanceTypesRequest {
    /// The types (empty: every type the region offers; an unknown one is
    /// `InvalidInstanceType`).
    #[builder(default)]
    pub instance_types: Vec<InstanceType>,
    /// Only types supporting this architecture (`x86_64`, `arm64`; the
    /// `processor-info.supported-architecture` filter).
    pub architecture: Option<String>,
}
validated_builder!(
    DescribeInstanceTypesRequest,
    DescribeInstanceTypesRequestBuilder,
    describe_instance_types_request_builder
);

impl Validate for DescribeInstanceTypesRequest {
    fn validate(&self) -> Result<()> {
        // EC2 API reference, DescribeInstanceTypes `InstanceTypes`: "up to 100".
        validate::at_most("instance_types", &self.instance_types, 100)
    }
}
