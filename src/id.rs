//! Typed identifiers and names, validated on parse.
//!
//! Each type parses with [`FromStr`] (or `TryFrom<String>` / `TryFrom<&str>`), prints with
//! [`Display`](fmt::Display), and (de)serializes as a plain string through the same validation,
//! so an invalid id can never be constructed, not even from JSON.
//!
//! ```
//! use aws_facade::id::{InstanceId, LoadBalancerName};
//! let id: InstanceId = "i-0123456789abcdef0".parse()?;
//! assert_eq!(id.as_str(), "i-0123456789abcdef0");
//! assert!("x-123".parse::<InstanceId>().is_err());
//! assert!("internal-web".parse::<LoadBalancerName>().is_err());
//! # Ok::<(), aws_facade::Error>(())
//! ```

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// Declares a string newtype validated by `$check` (a `fn(&str) -> Result<(), String>`).
macro_rules! string_id {
    ($(#[$m:meta])* $name:ident, $what:literal, $check:expr) => {
        $(#[$m])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The value as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                Self::try_from(s.to_string())
            }
        }

        impl TryFrom<String> for $name {
            type Error = Error;
            /// Checks the string and keeps it (no copy).
            fn try_from(s: String) -> Result<Self> {
                let check: fn(&str) -> std::result::Result<(), String> = $check;
                check(&s).map_err(|rule| Error::validation($what, format!("{rule} (got {s:?})")))?;
                Ok($name(s))
            }
        }

        impl TryFrom<&str> for $name {
            type Error = Error;
            fn try_from(s: &str) -> Result<Self> {
                s.parse()
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

/// `prefix-` followed by 1 to 32 lowercase letters or digits: the shape of EC2 resource ids.
///
/// AWS issues 8 or 17 lowercase hex digits today, but the length changed once already (2016-2018)
/// and the format is not a documented contract; emulators also use other shapes (moto lists
/// `ami-ekswin`). So the check catches what is surely wrong (a missing or different prefix, a
/// pasted space or upper case) without rejecting ids a service returns.
fn ec2_id(prefix: &'static str) -> impl Fn(&str) -> std::result::Result<(), String> {
    move |s: &str| {
        let rest = s
            .strip_prefix(prefix)
            .and_then(|r| r.strip_prefix('-'))
            .ok_or_else(|| format!("must start with `{prefix}-`"))?;
        let charset = rest.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase());
        if (1..=32).contains(&rest.len()) && charset {
            Ok(())
        } else {
            Err(format!(
                "must be `{prefix}-` followed by 1 to 32 lowercase letters or digits"
            ))
        }
    }
}

macro_rules! ec2_id {
    ($(#[$m:meta])* $name:ident, $prefix:literal, $what:literal) => {
        string_id!($(#[$m])* $name, $what, |s| ec2_id($prefix)(s));
    };
}

ec2_id!(
    /// An EC2 instance id (`i-0123456789abcdef0`).
    InstanceId, "i", "instance id");
ec2_id!(
    /// An Amazon Machine Image id (`ami-0123456789abcdef0`).
    ImageId, "ami", "image id");
ec2_id!(
    /// An EBS volume id (`vol-0123456789abcdef0`).
    VolumeId, "vol", "volume id");
ec2_id!(
    /// An EBS snapshot id (`snap-0123456789abcdef0`).
    SnapshotId, "snap", "snapshot id");
ec2_id!(
    /// A subnet id (`subnet-0123456789abcdef0`).
    SubnetId, "subnet", "subnet id");
ec2_id!(
    /// A VPC id (`vpc-0123456789abcdef0`).
    VpcId, "vpc", "vpc id");
ec2_id!(
    /// A security group id (`sg-0123456789abcdef0`).
    SecurityGroupId, "sg", "security group id");
ec2_id!(
    /// The allocation id of an Elastic IP address (`eipalloc-0123456789abcdef0`).
    AllocationId, "eipalloc", "allocation id");
ec2_id!(
    /// The id of an Elastic IP address's association with an instance
    /// (`eipassoc-0123456789abcdef0`).
    AssociationId, "eipassoc", "association id");
ec2_id!(
    /// A launch template id (`lt-0123456789abcdef0`).
    LaunchTemplateId, "lt", "launch template id");

string_id!(
    /// An Availability Zone name such as `us-east-1a`: a region name followed by one letter.
    AvailabilityZone,
    "availability zone",
    |s| {
        let bytes = s.as_bytes();
        let ok = s.len() >= 4
            && s.len() <= 32
            && bytes[bytes.len() - 1].is_ascii_lowercase()
            && bytes[bytes.len() - 2].is_ascii_digit()
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && s.contains('-');
        if ok { Ok(()) } else { Err("must be a region name followed by a letter, like `us-east-1a`".into()) }
    }
);

impl AvailabilityZone {
    /// The region this zone belongs to (`us-east-1a` → `us-east-1`).
    pub fn region(&self) -> &str {
        &self.0[..self.0.len() - 1]
    }
}

string_id!(
    /// An EC2 instance type such as `t3.micro` (family `.` size).
    InstanceType,
    "instance type",
    |s| {
        let (family, size) = s.split_once('.').ok_or("must be `family.size`, like `t3.micro`")?;
        let part_ok = |p: &str| {
            !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        if part_ok(family) && part_ok(size) { Ok(()) } else { Err("must be `family.size`, like `t3.micro`".into()) }
    }
);

/// Rules shared by load balancer and target group names (ELBv2 API reference,
/// `CreateLoadBalancer`/`CreateTargetGroup` `Name`: at most 32 characters, alphanumeric
/// characters or hyphens, must not begin or end with a hyphen).
fn elb_name(s: &str) -> std::result::Result<(), String> {
    if s.is_empty() || s.len() > 32 {
        return Err("must be 1 to 32 characters".into());
    }
    if !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err("may contain only letters, digits and hyphens".into());
    }
    if s.starts_with('-') || s.ends_with('-') {
        return Err("must not begin or end with a hyphen".into());
    }
    Ok(())
}

string_id!(
    /// An Application Load Balancer name: 1-32 letters, digits and hyphens, not beginning or
    /// ending with a hyphen, and not beginning with `internal-` (ELBv2 `CreateLoadBalancer`).
    LoadBalancerName,
    "load balancer name",
    |s| {
        elb_name(s)?;
        if s.starts_with("internal-") { Err("must not begin with `internal-`".into()) } else { Ok(()) }
    }
);

string_id!(
    /// A target group name: 1-32 letters, digits and hyphens, not beginning or ending with a
    /// hyphen (ELBv2 `CreateTargetGroup`).
    TargetGroupName,
    "target group name",
    elb_name
);

/// Splits an ELBv2 ARN `arn:PARTITION:elasticloadbalancing:REGION:ACCOUNT:RESOURCE` and
/// checks that `RESOURCE` starts with `kind/`.
fn elb_arn(s: &str, kind: &str, parts_after: usize) -> std::result::Result<(), String> {
    let mut it = s.splitn(6, ':');
    let (arn, _partition, service, _region, _account, resource) =
        (it.next(), it.next(), it.next(), it.next(), it.next(), it.next());
    if arn != Some("arn") || service != Some("elasticloadbalancing") {
        return Err("must be an `arn:...:elasticloadbalancing:...` ARN".into());
    }
    let resource = resource.ok_or("is missing its resource part")?;
    let rest = resource
        .strip_prefix(kind)
        .and_then(|r| r.strip_prefix('/'))
        .ok_or_else(|| format!("resource must start with `{kind}/`"))?;
    let parts: Vec<&str> = rest.split('/').collect();
    if parts.len() != parts_after || parts.iter().any(|p| p.is_empty()) {
        return Err(format!(
            "resource must be `{kind}/` followed by {parts_after} non-empty parts"
        ));
    }
    Ok(())
}

string_id!(
    /// An Application Load Balancer ARN (`arn:aws:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/app/NAME/ID`).
    LoadBalancerArn,
    "load balancer ARN",
    |s| elb_arn(s, "loadbalancer", 3)
);

impl LoadBalancerArn {
    /// The CloudWatch `LoadBalancer` dimension value: the ARN after `loadbalancer/`
    /// (`app/NAME/ID`).
    pub fn dimension(&self) -> &str {
        let i = self.0.find(":loadbalancer/").expect("validated") + ":loadbalancer/".len();
        &self.0[i..]
    }
}

string_id!(
    /// A target group ARN (`arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID`).
    TargetGroupArn,
    "target group ARN",
    |s| elb_arn(s, "targetgroup", 2)
);

impl TargetGroupArn {
    /// The CloudWatch `TargetGroup` dimension value (`targetgroup/NAME/ID`).
    pub fn dimension(&self) -> &str {
        let i = self.0.find(":targetgroup/").expect("validated") + 1;
        &self.0[i..]
    }
}

string_id!(
    /// A listener ARN (`arn:aws:elasticloadbalancing:REGION:ACCOUNT:listener/app/NAME/LBID/ID`).
    ListenerArn,
    "listener ARN",
    |s| elb_arn(s, "listener", 4)
);

string_id!(
    /// A listener rule ARN
    /// (`arn:aws:elasticloadbalancing:REGION:ACCOUNT:listener-rule/app/NAME/LBID/LISTENERID/ID`).
    RuleArn,
    "rule ARN",
    |s| elb_arn(s, "listener-rule", 5)
);

impl RuleArn {
    /// The ARN of the listener the rule belongs to.
    pub fn listener_arn(&self) -> ListenerArn {
        let listener = self.0.replacen(":listener-rule/", ":listener/", 1);
        let cut = listener.rfind('/').expect("validated");
        ListenerArn(listener[..cut].to_string())
    }
}

string_id!(
    /// Any ARN (`arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`), e.g. an alarm action or a
    /// certificate.
    Arn,
    "ARN",
    |s| {
        let parts: Vec<&str> = s.splitn(6, ':').collect();
        if parts.len() == 6 && parts[0] == "arn" && !parts[1].is_empty() && !parts[2].is_empty() && !parts[5].is_empty() {
            Ok(())
        } else {
            Err("must be `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`".into())
        }
    }
);

/// The characters botocore's `XmlString` pattern admits
/// (`[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\r\n\t]*`): no control
/// characters other than tab, CR and LF.
pub(crate) fn xml_string_chars(s: &str) -> std::result::Result<(), String> {
    match s.chars().find(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n')) {
        Some(c) => Err(format!("must not contain the control character {c:?}")),
        None => Ok(()),
    }
}

string_id!(
    /// An EC2 Auto Scaling group name: 1-255 characters, no control characters but tab, CR
    /// and LF (Auto Scaling `CreateAutoScalingGroup` `AutoScalingGroupName`,
    /// `XmlStringMaxLen255`).
    AutoScalingGroupName,
    "auto scaling group name",
    |s| {
        if s.is_empty() || s.chars().count() > 255 {
            return Err("must be 1 to 255 characters".into());
        }
        xml_string_chars(s)
    }
);

string_id!(
    /// A CloudWatch alarm name: 1-255 characters, no control characters (CloudWatch
    /// `PutMetricAlarm` `AlarmName`).
    AlarmName,
    "alarm name",
    |s| {
        if s.is_empty() || s.chars().count() > 255 {
            Err("must be 1 to 255 characters".into())
        } else if s.chars().any(char::is_control) {
            Err("must not contain control characters".into())
        } else {
            Ok(())
        }
    }
);

string_id!(
    /// A Lambda function name: 1-64 letters, digits, hyphens and underscores (Lambda
    /// `CreateFunction` `FunctionName`, name form).
    FunctionName,
    "function name",
    |s| {
        if s.is_empty() || s.len() > 64 {
            Err("must be 1 to 64 characters".into())
        } else if !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            Err("may contain only letters, digits, hyphens and underscores".into())
        } else {
            Ok(())
        }
    }
);

string_id!(
    /// A Lambda alias name: 1-128 letters, digits, hyphens and underscores, not all digits
    /// (Lambda `CreateAlias` `Name`: `(?!^[0-9]+$)([a-zA-Z0-9-_]+)`).
    AliasName,
    "alias name",
    |s| {
        if s.is_empty() || s.len() > 128 {
            Err("must be 1 to 128 characters".into())
        } else if !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            Err("may contain only letters, digits, hyphens and underscores".into())
        } else if s.bytes().all(|b| b.is_ascii_digit()) {
            Err("must not be all digits (that is a version number)".into())
        } else {
            Ok(())
        }
    }
);

/// A Lambda region name, as the Lambda model's ARN patterns spell it:
/// `(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}` (`us-east-1`, `us-gov-west-1`,
/// `us-isob-east-1`, `eusc-de-east-1`).
fn is_lambda_region(s: &str) -> bool {
    // `-[a-z]+-\d`
    let tail = |r: &str| {
        r.strip_prefix('-')
            .and_then(|r| r.rsplit_once('-'))
            .is_some_and(|(word, digit)| {
                !word.is_empty()
                    && word.bytes().all(|b| b.is_ascii_lowercase())
                    && digit.len() == 1
                    && digit.bytes().all(|b| b.is_ascii_digit())
            })
    };
    let s = s.strip_prefix("eusc-").unwrap_or(s);
    let Some(two) = s.get(..2) else { return false };
    if !two.bytes().all(|b| b.is_ascii_lowercase()) {
        return false;
    }
    let rest = &s[2..];
    tail(rest)
        || rest.strip_prefix("-gov").is_some_and(tail)
        || rest
            .strip_prefix("-iso")
            .is_some_and(|r| tail(r) || (r.as_bytes().first().is_some_and(u8::is_ascii_lowercase) && tail(&r[1..])))
}

/// A layer name: `[a-zA-Z0-9-_]+`.
fn is_layer_name_chars(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A layer ARN `arn:(aws[a-zA-Z-]*)?:lambda:REGION:\d{12}:layer:NAME` (Lambda model shape
/// `LayerArn`): the parts `(region, account, name)`.
fn layer_arn_parts(s: &str) -> Option<(&str, &str, &str)> {
    let parts: Vec<&str> = s.splitn(7, ':').collect();
    let [arn, partition, service, region, account, layer, name] = parts[..] else {
        return None;
    };
    let partition_ok = partition.is_empty()
        || partition
            .strip_prefix("aws")
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-'));
    (arn == "arn"
        && partition_ok
        && service == "lambda"
        && is_lambda_region(region)
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && layer == "layer"
        && is_layer_name_chars(name))
    .then_some((region, account, name))
}

string_id!(
    /// A Lambda layer, by name or by layer ARN (Lambda model shape `LayerNameOrArn`, which
    /// the layer operations take: a name of 1-140 letters, digits, `-` and `_`, alone or in
    /// `arn:aws:lambda:REGION:ACCOUNT:layer:NAME`).
    LayerName,
    "layer name",
    |s| {
        let name = layer_arn_parts(s).map_or(s, |(_, _, name)| name);
        if name.is_empty() || name.chars().count() > 140 {
            Err("must have a name of 1 to 140 characters".into())
        } else if is_layer_name_chars(name) {
            Ok(())
        } else {
            Err("must be a layer name (letters, digits, hyphens and underscores) or a layer ARN like arn:aws:lambda:us-east-1:123456789012:layer:NAME".into())
        }
    }
);

string_id!(
    /// The ARN of one version of a Lambda layer, `arn:aws:lambda:REGION:ACCOUNT:layer:NAME:N`
    /// (Lambda model shape `LayerVersionArn`: 1-2,048 characters; the model also allows
    /// `arn:PARTITION:lambda:::awslayer:NAME`, the form of layers AWS provides).
    LayerVersionArn,
    "layer version ARN",
    |s| {
        if s.is_empty() || s.chars().count() > 2048 {
            return Err("must be 1 to 2,048 characters".into());
        }
        let versioned = s.rsplit_once(':').is_some_and(|(layer, n)| {
            !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && layer_arn_parts(layer).is_some()
        });
        let aws_layer = s.strip_prefix("arn:").and_then(|r| r.split_once(":lambda:::awslayer:")).is_some_and(
            |(partition, name)| {
                !partition.is_empty()
                    && partition.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    && is_layer_name_chars(name)
            },
        );
        if versioned || aws_layer {
            Ok(())
        } else {
            Err("must be a layer version ARN like arn:aws:lambda:us-east-1:123456789012:layer:NAME:1".into())
        }
    }
);

impl LayerVersionArn {
    /// The layer's version number (`None` for an `awslayer` ARN, which has none).
    pub fn version(&self) -> Option<u64> {
        let (layer, n) = self.0.rsplit_once(':')?;
        layer_arn_parts(layer)?;
        n.parse().ok()
    }

    /// The layer's ARN, without the version (`None` for an `awslayer` ARN).
    pub fn layer_arn(&self) -> Option<&str> {
        self.version()?;
        self.0.rsplit_once(':').map(|(layer, _)| layer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn layer_names_and_version_arns_follow_the_lambda_model() {
        for ok in ["deps", "my_layer-2", "arn:aws:lambda:us-east-1:123456789012:layer:deps"] {
            assert!(ok.parse::<LayerName>().is_ok(), "{ok}");
        }
        for bad in [
            "",
            "a b",
            "deps.zip",
            "arn:aws:lambda:us-east-1:12345:layer:deps",
            &"a".repeat(141),
        ] {
            assert!(bad.parse::<LayerName>().is_err(), "{bad}");
        }
        let arn: LayerVersionArn = "arn:aws:lambda:us-gov-west-1:123456789012:layer:deps:12"
            .parse()
            .unwrap();
        assert_eq!(arn.version(), Some(12));
        assert_eq!(
            arn.layer_arn(),
            Some("arn:aws:lambda:us-gov-west-1:123456789012:layer:deps")
        );
        let aws: LayerVersionArn = "arn:aws:lambda:::awslayer:AWSLambda-Python-AWS-SDK".parse().unwrap();
        assert_eq!((aws.version(), aws.layer_arn()), (None, None));
        for bad in [
            "arn:aws:lambda:us-east-1:123456789012:layer:deps",
            "arn:aws:lambda:us-east-1:123456789012:layer:deps:",
            "arn:aws:lambda:us-east-1:123456789012:layer:deps:latest",
            "arn:aws:lambda:useast1:123456789012:layer:deps:1",
            "arn:aws:s3:us-east-1:123456789012:layer:deps:1",
        ] {
            assert!(bad.parse::<LayerVersionArn>().is_err(), "{bad}");
        }
        for region in [
            "us-east-1",
            "us-gov-west-1",
            "us-iso-east-1",
            "us-isob-east-1",
            "eusc-de-east-1",
            "ap-southeast-2",
        ] {
            assert!(is_lambda_region(region), "{region}");
        }
        for region in ["us-east", "us-east-12", "useast-1", "US-east-1", "u-east-1", "us--1"] {
            assert!(!is_lambda_region(region), "{region}");
        }
    }

    #[test]
    fn ec2_ids_check_prefix_and_charset() {
        assert!("i-0123456789abcdef0".parse::<InstanceId>().is_ok());
        assert!("i-01234567".parse::<InstanceId>().is_ok());
        assert!(
            "ami-ekswin".parse::<ImageId>().is_ok(),
            "moto's fixture AMI ids are not hex"
        );
        assert!("i-".parse::<InstanceId>().is_err());
        assert!("i-0123 456".parse::<InstanceId>().is_err());
        assert!(format!("i-{}", "0".repeat(33)).parse::<InstanceId>().is_err());
        assert!("i-0123456789ABCDEF0".parse::<InstanceId>().is_err());
        assert!("vol-0123456789abcdef0".parse::<InstanceId>().is_err());
        let err = "nope".parse::<VolumeId>().unwrap_err();
        assert!(
            matches!(&err, Error::Validation { field, .. } if field == "volume id"),
            "{err}"
        );
    }

    #[test]
    fn elb_names_follow_aws_rules() {
        assert!("web-1".parse::<LoadBalancerName>().is_ok());
        assert!("a".repeat(32).parse::<LoadBalancerName>().is_ok());
        assert!("a".repeat(33).parse::<LoadBalancerName>().is_err());
        assert!("-web".parse::<LoadBalancerName>().is_err());
        assert!("web-".parse::<TargetGroupName>().is_err());
        assert!("web_1".parse::<TargetGroupName>().is_err());
        assert!("internal-web".parse::<LoadBalancerName>().is_err());
        assert!("internal-web".parse::<TargetGroupName>().is_ok());
    }

    #[test]
    fn arn_dimensions() {
        let lb: LoadBalancerArn =
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188"
                .parse()
                .unwrap();
        assert_eq!(lb.dimension(), "app/web/50dc6c495c0c9188");
        let tg: TargetGroupArn =
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-tg/6d0ecf831eec9f09"
                .parse()
                .unwrap();
        assert_eq!(tg.dimension(), "targetgroup/web-tg/6d0ecf831eec9f09");
        assert!(
            "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/x"
                .parse::<TargetGroupArn>()
                .is_err()
        );
        assert!(
            "arn:aws:ec2:us-east-1:1:loadbalancer/app/a/b"
                .parse::<LoadBalancerArn>()
                .is_err()
        );
    }

    #[test]
    fn rule_arns_name_their_listener() {
        let r: RuleArn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee"
            .parse()
            .unwrap();
        assert_eq!(
            r.listener_arn().as_str(),
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2"
        );
        assert!(
            "arn:aws:elasticloadbalancing:us-east-1:1:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2"
                .parse::<RuleArn>()
                .is_err()
        );
    }

    #[test]
    fn lambda_names() {
        assert!("my_fn-1".parse::<FunctionName>().is_ok());
        assert!("my fn".parse::<FunctionName>().is_err());
        assert!("live".parse::<AliasName>().is_ok());
        assert!("123".parse::<AliasName>().is_err());
        assert!("".parse::<AlarmName>().is_err());
        assert!("cpu\nhigh".parse::<AlarmName>().is_err());
    }

    #[test]
    fn serde_validates() {
        let ok: InstanceId = serde_json::from_str("\"i-0123456789abcdef0\"").unwrap();
        assert_eq!(serde_json::to_string(&ok).unwrap(), "\"i-0123456789abcdef0\"");
        assert!(serde_json::from_str::<InstanceId>("\"i-XYZ\"").is_err());
        let az: AvailabilityZone = "eu-west-2b".parse().unwrap();
        assert_eq!(az.region(), "eu-west-2");
    }

    proptest! {
        #[test]
        fn parsers_never_panic(s in "\\PC*") {
            let _ = s.parse::<InstanceId>();
            let _ = s.parse::<LoadBalancerName>();
            let _ = s.parse::<LoadBalancerArn>();
            let _ = s.parse::<TargetGroupArn>();
            let _ = s.parse::<ListenerArn>();
            let _ = s.parse::<RuleArn>();
            let _ = s.parse::<Arn>();
            let _ = s.parse::<AlarmName>();
            let _ = s.parse::<FunctionName>();
            let _ = s.parse::<AliasName>();
            let _ = s.parse::<AvailabilityZone>();
            let _ = s.parse::<InstanceType>();
        }

        #[test]
        fn instance_ids_round_trip(hex in "[0-9a-f]{17}") {
            let s = format!("i-{hex}");
            let id: InstanceId = s.parse().unwrap();
            prop_assert_eq!(id.to_string(), s.clone());
            let back: InstanceId = serde_json::from_str(&serde_json::to_string(&id).unwrap()).unwrap();
            prop_assert_eq!(back, id);
        }

        #[test]
        fn elb_names_round_trip(name in "[a-zA-Z0-9]([a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?") {
            let parsed = name.parse::<TargetGroupName>();
            prop_assert!(parsed.is_ok());
            let parsed = parsed.unwrap();
            prop_assert_eq!(parsed.as_str(), name.as_str());
        }
    }
}
