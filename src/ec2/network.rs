//! VPCs, subnets and security groups (re-exported from [`crate::ec2`]).

use super::*;

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
