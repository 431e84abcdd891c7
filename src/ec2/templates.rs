//! Launch templates and their versions (re-exported from [`crate::ec2`]).
//!
//! A template holds numbered versions of launch settings; one is the default. RunInstances
//! launches from one ([`RunInstancesRequest::launch_template`]), and so do Auto Scaling groups.
//! Settings in the RunInstances request override the template's.

use super::*;
use crate::id::LaunchTemplateId;

/// A launch template, by id or by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum LaunchTemplateRef {
    /// By id (`lt-...`).
    Id(LaunchTemplateId),
    /// By name.
    Name(String),
}

impl From<LaunchTemplateId> for LaunchTemplateRef {
    fn from(id: LaunchTemplateId) -> Self {
        LaunchTemplateRef::Id(id)
    }
}

impl LaunchTemplateRef {
    /// The id, if this names the template by id.
    pub fn id(&self) -> Option<&LaunchTemplateId> {
        match self {
            LaunchTemplateRef::Id(id) => Some(id),
            LaunchTemplateRef::Name(_) => None,
        }
    }
    /// The name, if this names the template by name.
    pub fn name(&self) -> Option<&str> {
        match self {
            LaunchTemplateRef::Name(n) => Some(n),
            LaunchTemplateRef::Id(_) => None,
        }
    }
    pub(crate) fn validate(&self, field: &str) -> Result<()> {
        match self {
            LaunchTemplateRef::Id(_) => Ok(()),
            LaunchTemplateRef::Name(n) => validate_template_name(field, n),
        }
    }
}

impl std::fmt::Display for LaunchTemplateRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LaunchTemplateRef::Id(id) => write!(f, "{id}"),
            LaunchTemplateRef::Name(n) => f.write_str(n),
        }
    }
}

/// A version of a launch template: its default, its latest, or a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub enum TemplateVersion {
    /// The default version (`$Default`): what a launch uses when none is named.
    #[default]
    Default,
    /// The latest version (`$Latest`).
    Latest,
    /// Version `n` (from 1).
    Number(u64),
}

impl TemplateVersion {
    /// The name AWS takes: `$Default`, `$Latest` or the number.
    pub fn to_aws(&self) -> String {
        match self {
            TemplateVersion::Default => "$Default".into(),
            TemplateVersion::Latest => "$Latest".into(),
            TemplateVersion::Number(n) => n.to_string(),
        }
    }
    pub(crate) fn validate(&self, field: &str) -> Result<()> {
        if *self == TemplateVersion::Number(0) {
            return Err(Error::validation(field, "version numbers start at 1"));
        }
        Ok(())
    }
}

/// The launch template to launch from, and which of its versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
pub struct LaunchTemplateSpec {
    /// The template.
    #[builder(into)]
    pub template: LaunchTemplateRef,
    /// Its version (default: the template's default version).
    #[builder(default)]
    #[serde(default)]
    pub version: TemplateVersion,
}

/// EC2 API reference, CreateLaunchTemplate `LaunchTemplateName`: 3 to 128 characters of
/// `[a-zA-Z0-9().\-/_]` (the botocore model's pattern).
fn validate_template_name(field: &str, name: &str) -> Result<()> {
    validate::len_in(field, name, 3, 128)?;
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || "().-/_".contains(c)) {
        return Err(Error::validation(
            field,
            "may only contain letters, digits and ( ) . - / _",
        ));
    }
    Ok(())
}

/// What a launch template version holds: the launch settings, all optional (a launch from the
/// template can supply or override each). Defaults match [`RunInstancesRequest`]'s: IMDSv2
/// required, the root volume encrypted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct LaunchTemplateData {
    /// The image.
    pub image_id: Option<ImageId>,
    /// The instance type.
    pub instance_type: Option<InstanceType>,
    /// The key pair.
    pub key_name: Option<String>,
    /// Security groups.
    #[builder(default)]
    #[serde(default)]
    pub security_group_ids: Vec<SecurityGroupId>,
    /// User data as plain text (at most 16 KB; the adapter base64-encodes it). Redacted in
    /// `Debug` and serde output.
    #[builder(into)]
    pub user_data: Option<crate::SecretString>,
    /// Require IMDSv2 session tokens (default `true`).
    #[builder(default = true)]
    #[serde(default = "default_true")]
    pub require_imdsv2: bool,
    /// An IAM instance profile name.
    pub instance_profile: Option<String>,
    /// EBS volumes by device (`BlockDeviceMappings`). A described version lists the root
    /// volume's mapping here too.
    #[builder(default)]
    #[serde(default)]
    pub volumes: Vec<LaunchVolume>,
    /// Add an encrypted gp3 mapping for the image's root device, as RunInstances does (default
    /// `true`). It needs the root device: [`root_device_name`](Self::root_device_name), or
    /// [`image_id`](Self::image_id) for the SDK adapter to look it up (with the image's root
    /// size as the default size). `false` leaves the root volume to the image. A described
    /// version has it `false`, its root mapping being among [`volumes`](Self::volumes).
    #[builder(default = true)]
    #[serde(default = "default_true")]
    pub encrypt_root_volume: bool,
    /// The KMS key for the root volume (default: the account's EBS key).
    pub root_kms_key_id: Option<String>,
    /// The root volume's size in GiB (default: the image's).
    pub root_volume_size_gib: Option<u32>,
    /// The image's root device name (default: looked up from `image_id`).
    pub root_device_name: Option<String>,
    /// Where instances run.
    pub placement: Option<Placement>,
    /// Tags for the instances and volumes launched from it.
    #[builder(default)]
    #[serde(default)]
    pub tags: Tags,
}
validated_builder!(
    LaunchTemplateData,
    LaunchTemplateDataBuilder,
    launch_template_data_builder
);

impl Validate for LaunchTemplateData {
    fn validate(&self) -> Result<()> {
        self.validate_at("data.")
    }
}

impl LaunchTemplateData {
    fn validate_at(&self, p: &str) -> Result<()> {
        let f = |name: &str| format!("{p}{name}");
        check_launch_basics(p, self.user_data.as_ref(), self.key_name.as_deref())?;
        check_root_settings(
            p,
            self.encrypt_root_volume,
            self.root_kms_key_id.as_deref(),
            self.root_volume_size_gib,
            self.root_device_name.as_deref(),
        )?;
        if self.encrypt_root_volume && self.image_id.is_none() && self.root_device_name.is_none() {
            return Err(Error::validation(
                f("encrypt_root_volume"),
                "needs the root device: set image_id (its root device is looked up) or \
                 root_device_name, or set encrypt_root_volume = false to leave the root volume \
                 to the image",
            ));
        }
        check_launch_volumes(p, self.root_device_name.as_deref(), &self.volumes)?;
        validate::tags(&f("tags"), &self.tags)
    }
}

/// A launch template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct LaunchTemplate {
    /// Its id.
    pub id: LaunchTemplateId,
    /// Its name (unique in the region).
    pub name: String,
    /// The version launches use when none is named.
    #[builder(default = 1)]
    pub default_version: u64,
    /// The newest version.
    #[builder(default = 1)]
    pub latest_version: u64,
    /// When it was created.
    pub created: Option<SystemTime>,
    /// Its tags.
    #[builder(default)]
    #[serde(default)]
    pub tags: Tags,
}

/// One version of a launch template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct LaunchTemplateVersion {
    /// The template's id.
    pub template_id: LaunchTemplateId,
    /// The template's name.
    pub template_name: String,
    /// Its number (from 1).
    pub version: u64,
    /// Its description.
    pub description: Option<String>,
    /// Whether it is the template's default version.
    #[builder(default)]
    pub is_default: bool,
    /// When it was created.
    pub created: Option<SystemTime>,
    /// Its launch settings.
    pub data: LaunchTemplateData,
}

/// A request to create a launch template with its first version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct CreateLaunchTemplateRequest {
    /// The name (3 to 128 characters of letters, digits and `( ) . - / _`; unique).
    pub name: String,
    /// Version 1's description (at most 255 characters).
    pub version_description: Option<String>,
    /// Version 1's settings.
    pub data: LaunchTemplateData,
    /// Tags on the template itself.
    #[builder(default)]
    #[serde(default)]
    pub tags: Tags,
    /// An idempotency token (up to 64 ASCII characters).
    pub client_token: Option<String>,
}
validated_builder!(
    CreateLaunchTemplateRequest,
    CreateLaunchTemplateRequestBuilder,
    create_launch_template_request_builder
);

fn validate_version_description(d: &Option<String>) -> Result<()> {
    if let Some(d) = d {
        validate::len_in("version_description", d, 0, 255)?;
    }
    Ok(())
}

impl Validate for CreateLaunchTemplateRequest {
    fn validate(&self) -> Result<()> {
        validate_template_name("name", &self.name)?;
        validate_version_description(&self.version_description)?;
        check_client_token(self.client_token.as_deref())?;
        self.data.validate_at("data.")?;
        validate::tags("tags", &self.tags)
    }
}

/// A request to add a version to a launch template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct CreateLaunchTemplateVersionRequest {
    /// The template.
    #[builder(into)]
    pub template: LaunchTemplateRef,
    /// The version's description.
    pub version_description: Option<String>,
    /// Its settings.
    pub data: LaunchTemplateData,
    /// An idempotency token (up to 64 ASCII characters).
    pub client_token: Option<String>,
}
validated_builder!(
    CreateLaunchTemplateVersionRequest,
    CreateLaunchTemplateVersionRequestBuilder,
    create_launch_template_version_request_builder
);

impl Validate for CreateLaunchTemplateVersionRequest {
    fn validate(&self) -> Result<()> {
        self.template.validate("template")?;
        validate_version_description(&self.version_description)?;
        check_client_token(self.client_token.as_deref())?;
        self.data.validate_at("data.")
    }
}

/// Which launch templates to describe (empty: all).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""))]
pub struct DescribeLaunchTemplatesRequest {
    /// Ids (an unknown one is `InvalidLaunchTemplateId.NotFound`).
    #[builder(default)]
    pub ids: Vec<LaunchTemplateId>,
    /// Names (an unknown one is `InvalidLaunchTemplateName.NotFoundException`).
    #[builder(default)]
    pub names: Vec<String>,
    /// Tags every template must carry.
    #[builder(default)]
    pub tags: Tags,
}
validated_builder!(
    DescribeLaunchTemplatesRequest,
    DescribeLaunchTemplatesRequestBuilder,
    describe_launch_templates_request_builder
);

impl Validate for DescribeLaunchTemplatesRequest {
    fn validate(&self) -> Result<()> {
        for n in &self.names {
            validate_template_name("names", n)?;
        }
        Ok(())
    }
}

/// Checks the template and versions of DescribeLaunchTemplateVersions and
/// DeleteLaunchTemplateVersions (EC2 API reference: at most 200 versions per delete).
pub(crate) fn validate_template_versions(
    template: &LaunchTemplateRef,
    versions: &[TemplateVersion],
    delete: bool,
) -> Result<()> {
    template.validate("template")?;
    for v in versions {
        v.validate("versions")?;
    }
    if delete {
        validate::non_empty("versions", versions)?;
        validate::at_most("versions", versions, 200)?;
        if versions.iter().any(|v| !matches!(v, TemplateVersion::Number(_))) {
            return Err(Error::validation("versions", "must be version numbers"));
        }
    }
    Ok(())
}

/// Checks the arguments of ModifyLaunchTemplate's default version.
pub(crate) fn validate_default_version(template: &LaunchTemplateRef, version: u64) -> Result<()> {
    template.validate("template")?;
    TemplateVersion::Number(version).validate("version")
}
