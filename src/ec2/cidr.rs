//! The network guard: CIDR blocks parsed and normalised (IPv4 and IPv6), and the rule that
//! keeps administrative and data-store ports off the internet.
//!
//! [`AuthorizeIngressRequest`](super::AuthorizeIngressRequest) applies [`exposure`] in its
//! `build()` (so a refused rule never reaches a client), and the web tier applies it to its
//! listener rules when its spec is validated.
//!
//! # The rule
//!
//! A rule is refused, unless the request sets
//! [`allow_wide_admin_access`](super::AuthorizeIngressRequest::allow_wide_admin_access), when
//! its source is **wide** and it opens a **guarded** port:
//!
//! - *Wide* ([`Cidr::is_wide`]): an IPv4 range with a prefix shorter than
//!   [`WIDE_IPV4_PREFIX`] (`/16`, more than 65,536 addresses) or an IPv6 range shorter than
//!   [`WIDE_IPV6_PREFIX`] (`/48`, a whole site), unless the range lies inside private address
//!   space ([`PRIVATE_RANGES`]: RFC 1918 and RFC 4193), which the internet cannot route to.
//!   `0.0.0.0/0` and `::/0` are always wide, whatever address is written before `/0`; so is
//!   each half of a wide public range (`0.0.0.0/1` and `128.0.0.0/1`).
//! - *Guarded*: protocol `-1` (every protocol and port), or TCP or UDP with a port range that
//!   covers an [`ADMIN_PORTS`] entry (SSH 22, RDP 3389) or a [`SENSITIVE_PORTS`] entry
//!   (Telnet, SMB and databases).
//!
//! ICMP rules and rules whose source is a security group are never refused. Narrow ranges
//! cannot add up to a bypass: covering the IPv4 internet with `/16`s takes 65,536 rules, far
//! beyond the security-group rule quotas.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// IPv4 sources with a prefix shorter than this (more than 65,536 addresses) are wide.
pub const WIDE_IPV4_PREFIX: u8 = 16;

/// IPv6 sources with a prefix shorter than this (more than one site's `/48`) are wide.
pub const WIDE_IPV6_PREFIX: u8 = 48;

/// Remote administration ports never opened to wide sources by default: CIS AWS Foundations
/// Benchmark 5.2/5.3 ("no security groups allow ingress from 0.0.0.0/0 / ::/0 to remote server
/// administration ports") and AWS Security Hub controls EC2.13 (22) and EC2.14 (3389).
pub const ADMIN_PORTS: &[(u16, &str)] = &[(22, "SSH"), (3389, "RDP")];

/// Other ports never opened to wide sources by default: clear-text and file-sharing services
/// and data stores. Drawn from AWS Security Hub control EC2.19 ("Security groups should not
/// allow unrestricted access to ports with high risk") and the AWS Config managed rule
/// `restricted-common-ports` (MySQL 3306 among its defaults), with Oracle, Redis and MongoDB,
/// the data stores most often found exposed. Kept short on purpose: web ports are not here.
pub const SENSITIVE_PORTS: &[(u16, &str)] = &[
    (23, "Telnet"),
    (445, "SMB"),
    (1433, "SQL Server"),
    (1521, "Oracle"),
    (3306, "MySQL"),
    (5432, "PostgreSQL"),
    (6379, "Redis"),
    (9200, "Elasticsearch/OpenSearch"),
    (27017, "MongoDB"),
];

/// Private address space, not routed on the internet: sources inside these ranges are never
/// wide (RFC 1918 for IPv4, RFC 4193 unique local addresses for IPv6).
pub const PRIVATE_RANGES: &[&str] = &["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];

/// An IPv4 or IPv6 CIDR block, normalised: the host bits are cleared, so `10.1.2.3/8` is
/// `10.0.0.0/8` and `1.2.3.4/0` is `0.0.0.0/0`. AWS canonicalises security group CIDRs the
/// same way (EC2 API reference, `IpRange.CidrIp` and `Ipv6Range.CidrIpv6`: "if you specify
/// 100.68.0.18/18 ... canonicalizes the CIDR block to 100.68.0.0/18").
///
/// ```
/// use aws_facade::ec2::Cidr;
/// let c: Cidr = "1.2.3.4/0".parse()?;
/// assert_eq!(c.to_string(), "0.0.0.0/0");
/// assert!(c.is_wide());
/// let v6: Cidr = "2001:db8::1/64".parse()?;
/// assert_eq!(v6.to_string(), "2001:db8::/64");
/// assert!(!v6.is_wide());
/// # Ok::<(), aws_facade::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// The block of `addr` with `prefix` bits (at most 32 for IPv4, 128 for IPv6), normalised.
    pub fn new(addr: IpAddr, prefix: u8) -> Result<Cidr> {
        let max = max_prefix(&addr);
        if prefix > max {
            return Err(Error::validation(
                "cidr",
                format!("prefix length must be at most {max} (got /{prefix})"),
            ));
        }
        let addr = match addr {
            IpAddr::V4(a) => IpAddr::V4(Ipv4Addr::from(u32::from(a) & mask32(prefix))),
            IpAddr::V6(a) => IpAddr::V6(Ipv6Addr::from(u128::from(a) & mask128(prefix))),
        };
        Ok(Cidr { addr, prefix })
    }

    /// The network address (host bits cleared).
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether this is an IPv4 block.
    pub fn is_ipv4(&self) -> bool {
        self.addr.is_ipv4()
    }

    /// Whether `other` (of the same family) lies wholly inside this block.
    pub fn contains(&self, other: &Cidr) -> bool {
        if self.is_ipv4() != other.is_ipv4() || other.prefix < self.prefix {
            return false;
        }
        Cidr::new(other.addr, self.prefix).is_ok_and(|c| c == *self)
    }

    /// The two halves of this block (one bit longer), or `None` for a single address.
    pub fn halves(&self) -> Option<(Cidr, Cidr)> {
        if self.prefix == max_prefix(&self.addr) {
            return None;
        }
        let p = self.prefix + 1;
        let upper = match self.addr {
            IpAddr::V4(a) => IpAddr::V4(Ipv4Addr::from(u32::from(a) | (1u32 << (32 - p)))),
            IpAddr::V6(a) => IpAddr::V6(Ipv6Addr::from(u128::from(a) | (1u128 << (128 - p)))),
        };
        Some((Cidr::new(self.addr, p).ok()?, Cidr::new(upper, p).ok()?))
    }

    /// Whether the block lies inside private address space ([`PRIVATE_RANGES`]).
    pub fn is_private(&self) -> bool {
        PRIVATE_RANGES
            .iter()
            .filter_map(|r| r.parse::<Cidr>().ok())
            .any(|r| r.contains(self))
    }

    /// Whether the block is wide: public, and shorter than [`WIDE_IPV4_PREFIX`] (IPv4) or
    /// [`WIDE_IPV6_PREFIX`] (IPv6). `0.0.0.0/0` and `::/0` are always wide.
    pub fn is_wide(&self) -> bool {
        let threshold = if self.is_ipv4() {
            WIDE_IPV4_PREFIX
        } else {
            WIDE_IPV6_PREFIX
        };
        self.prefix < threshold && !self.is_private()
    }
}

fn max_prefix(addr: &IpAddr) -> u8 {
    if addr.is_ipv4() { 32 } else { 128 }
}

fn mask32(prefix: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0)
}

fn mask128(prefix: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0)
}

impl FromStr for Cidr {
    type Err = Error;

    /// Parses `ADDRESS/PREFIX` (IPv4 dotted quad or IPv6), normalising the host bits.
    fn from_str(s: &str) -> Result<Cidr> {
        let bad = || {
            Error::validation(
                "cidr",
                format!("must be a CIDR block like 10.0.0.0/16 or 2001:db8::/32 (got {s:?})"),
            )
        };
        let (ip, bits) = s.split_once('/').ok_or_else(bad)?;
        // Digits only: `u8::from_str` would take `+8`.
        if bits.is_empty() || bits.len() > 3 || !bits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let addr: IpAddr = ip.parse().map_err(|_| bad())?;
        let prefix: u8 = bits.parse().map_err(|_| bad())?;
        Cidr::new(addr, prefix).map_err(|_| bad())
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl TryFrom<String> for Cidr {
    type Error = Error;
    fn try_from(s: String) -> Result<Cidr> {
        s.parse()
    }
}

impl From<Cidr> for String {
    fn from(c: Cidr) -> String {
        c.to_string()
    }
}

/// What a rule would open to a wide source, if it opens a guarded port to one: `None` when the
/// source is not wide ([`Cidr::is_wide`]) or the rule opens no guarded port (see the module
/// docs). `protocol` is `tcp`, `udp`, `icmp`, `icmpv6` or `-1`.
///
/// ```
/// use aws_facade::ec2::cidr::exposure;
/// let world = "0.0.0.0/0".parse()?;
/// assert!(exposure("tcp", 22, 22, &world).is_some());
/// assert!(exposure("tcp", 5000, 6000, &world).is_some(), "covers PostgreSQL 5432");
/// assert!(exposure("tcp", 443, 443, &world).is_none());
/// assert!(exposure("tcp", 22, 22, &"203.0.113.0/24".parse()?).is_none());
/// # Ok::<(), aws_facade::Error>(())
/// ```
pub fn exposure(protocol: &str, from_port: u16, to_port: u16, source: &Cidr) -> Option<String> {
    if !source.is_wide() {
        return None;
    }
    if protocol == "-1" {
        return Some("every protocol and port".into());
    }
    if protocol != "tcp" && protocol != "udp" {
        return None;
    }
    let hits: Vec<String> = ADMIN_PORTS
        .iter()
        .chain(SENSITIVE_PORTS)
        .filter(|(p, _)| from_port <= *p && *p <= to_port)
        .map(|(p, name)| format!("{p} ({name})"))
        .collect();
    let proto = protocol.to_uppercase();
    match hits.as_slice() {
        [] => None,
        [one] if from_port == to_port => Some(format!("{proto} port {one}")),
        _ => {
            let shown = hits.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
            let more = if hits.len() > 3 { ", ..." } else { "" };
            Some(format!("{proto} ports {from_port}-{to_port}, covering {shown}{more}"))
        }
    }
}

/// Why `source` is wide, for error messages.
pub(crate) fn why_wide(source: &Cidr) -> String {
    if source.prefix() == 0 {
        let family = if source.is_ipv4() { "IPv4" } else { "IPv6" };
        return format!("{source} is the whole {family} internet");
    }
    let threshold = if source.is_ipv4() {
        WIDE_IPV4_PREFIX
    } else {
        WIDE_IPV6_PREFIX
    };
    format!("{source} is a public range wider than /{threshold}")
}

/// Checks one rule against the guard: `Err(Validation)` on `field` naming what is opened, why
/// the source is wide, and `how_to_insist` (the opt-out, or what to change).
pub(crate) fn guard(
    field: &str,
    protocol: &str,
    from_port: u16,
    to_port: u16,
    source: &Cidr,
    how_to_insist: &str,
) -> Result<()> {
    match exposure(protocol, from_port, to_port, source) {
        None => Ok(()),
        Some(what) => Err(Error::validation(
            field,
            format!(
                "refusing to open {what} to {}: {}; narrow the source (IPv4 /{WIDE_IPV4_PREFIX} or \
                 longer, IPv6 /{WIDE_IPV6_PREFIX} or longer, or a private range) or {how_to_insist}",
                source,
                why_wide(source)
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn c(s: &str) -> Cidr {
        s.parse().unwrap()
    }

    #[test]
    fn parsing_normalises_host_bits_and_rejects_malformed() {
        assert_eq!(c("1.2.3.4/0").to_string(), "0.0.0.0/0");
        assert_eq!(c("10.0.0.0/0"), c("0.0.0.0/0"));
        assert_eq!(c("100.68.0.18/18").to_string(), "100.68.0.0/18");
        assert_eq!(c("203.0.113.7/32").to_string(), "203.0.113.7/32");
        assert_eq!(c("2001:db8::1/0").to_string(), "::/0");
        assert_eq!(c("2001:DB8:0:0:1::/48").to_string(), "2001:db8::/48");
        for bad in [
            "",
            "10.0.0.0",
            "10.0.0.0/",
            "10.0.0.0/33",
            "10.0.0.0/+8",
            "10.0.0/8",
            "010.0.0.0/8",
            "::/129",
            "::/0x",
            "x/8",
            "10.0.0.0/8/8",
            " 10.0.0.0/8",
        ] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn wide_means_public_and_shorter_than_the_threshold() {
        for wide in [
            "0.0.0.0/0",
            "1.2.3.4/0",
            "10.0.0.0/0",
            "0.0.0.0/1",
            "128.0.0.0/1",
            "8.0.0.0/6",
            "52.0.0.0/15",
            "::/0",
            "2001:db8::/47",
            "2000::/3",
            "fc00::/6",
        ] {
            assert!(c(wide).is_wide(), "{wide} should be wide");
        }
        for narrow in [
            "52.0.0.0/16",
            "203.0.113.0/24",
            "10.0.0.0/8",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "2001:db8::/48",
            "fd00::/8",
        ] {
            assert!(!c(narrow).is_wide(), "{narrow} should not be wide");
        }
    }

    #[test]
    fn exposure_covers_admin_sensitive_all_ports_and_ranges() {
        let world = c("0.0.0.0/0");
        assert!(exposure("tcp", 22, 22, &world).unwrap().contains("SSH"));
        assert!(exposure("tcp", 3389, 3389, &c("::/0")).unwrap().contains("RDP"));
        assert!(exposure("udp", 3389, 3389, &world).is_some(), "RDP also runs over UDP");
        for (port, _) in SENSITIVE_PORTS {
            assert!(exposure("tcp", *port, *port, &world).is_some(), "{port}");
        }
        assert!(exposure("-1", 0, 0, &world).unwrap().contains("every protocol"));
        let range = exposure("tcp", 0, 65535, &world).unwrap();
        assert!(range.contains("22 (SSH)") && range.ends_with("..."), "{range}");
        assert!(exposure("tcp", 20, 23, &world).is_some());
        assert!(exposure("tcp", 80, 80, &world).is_none());
        assert!(exposure("tcp", 443, 443, &world).is_none());
        assert!(exposure("icmp", 22, 22, &world).is_none(), "ICMP type 22 is no port");
        assert!(exposure("tcp", 22, 22, &c("52.0.0.0/16")).is_none());
        assert!(exposure("-1", 0, 0, &c("10.0.0.0/8")).is_none());
    }

    fn any_cidr() -> impl Strategy<Value = (IpAddr, u8)> {
        prop_oneof![
            (any::<u32>(), 0u8..=32).prop_map(|(a, p)| (IpAddr::V4(Ipv4Addr::from(a)), p)),
            (any::<u128>(), 0u8..=128).prop_map(|(a, p)| (IpAddr::V6(Ipv6Addr::from(a)), p)),
        ]
    }

    /// Whether the block lies inside one of the private ranges (written out independently of
    /// `Cidr::contains`).
    fn private_oracle(addr: IpAddr, prefix: u8) -> bool {
        match addr {
            IpAddr::V4(a) => {
                let a = u32::from(a);
                (prefix >= 8 && a >> 24 == 10)
                    || (prefix >= 12 && a >> 20 == (172 << 4 | 1))
                    || (prefix >= 16 && a >> 16 == (192 << 8 | 168))
            }
            IpAddr::V6(a) => prefix >= 7 && u128::from(a) >> 121 == 0xfc >> 1,
        }
    }

    proptest! {
        #[test]
        fn normalisation_is_idempotent((addr, prefix) in any_cidr()) {
            let once = Cidr::new(addr, prefix).unwrap();
            let twice = Cidr::new(once.addr(), once.prefix()).unwrap();
            prop_assert_eq!(once, twice);
            let reparsed: Cidr = once.to_string().parse().unwrap();
            prop_assert_eq!(reparsed, once);
            prop_assert_eq!(reparsed.to_string(), once.to_string());
            // The text with host bits set parses to the same block.
            let raw = format!("{addr}/{prefix}");
            prop_assert_eq!(raw.parse::<Cidr>().unwrap(), once);
            prop_assert!(once.contains(&Cidr::new(addr, max_prefix(&addr)).unwrap()));
        }

        #[test]
        fn port_22_from_wide_public_sources_is_refused((addr, prefix) in any_cidr()) {
            let cidr = Cidr::new(addr, prefix).unwrap();
            let threshold = if addr.is_ipv4() { WIDE_IPV4_PREFIX } else { WIDE_IPV6_PREFIX };
            let wide = prefix < threshold && !private_oracle(addr, prefix);
            prop_assert_eq!(cidr.is_wide(), wide, "{}", cidr);
            prop_assert_eq!(exposure("tcp", 22, 22, &cidr).is_some(), wide, "{}", cidr);
            prop_assert_eq!(exposure("tcp", 0, 65535, &cidr).is_some(), wide, "{}", cidr);
            prop_assert_eq!(exposure("-1", 0, 0, &cidr).is_some(), wide, "{}", cidr);
            // Anything containing the whole internet is refused.
            if prefix == 0 {
                prop_assert!(exposure("tcp", 22, 22, &cidr).is_some());
            }
        }

        #[test]
        fn narrow_ranges_are_accepted(
            a in any::<u32>(), p4 in WIDE_IPV4_PREFIX..=32,
            b in any::<u128>(), p6 in WIDE_IPV6_PREFIX..=128,
            port in 1u16..=65535,
        ) {
            for cidr in [
                Cidr::new(IpAddr::V4(Ipv4Addr::from(a)), p4).unwrap(),
                Cidr::new(IpAddr::V6(Ipv6Addr::from(b)), p6).unwrap(),
            ] {
                prop_assert!(exposure("tcp", 22, 22, &cidr).is_none(), "{}", cidr);
                prop_assert!(exposure("tcp", port, port, &cidr).is_none(), "{}", cidr);
                prop_assert!(exposure("-1", 0, 0, &cidr).is_none(), "{}", cidr);
            }
        }

        #[test]
        fn splitting_a_wide_range_does_not_bypass((addr, prefix) in any_cidr()) {
            let cidr = Cidr::new(addr, prefix).unwrap();
            let threshold = if addr.is_ipv4() { WIDE_IPV4_PREFIX } else { WIDE_IPV6_PREFIX };
            prop_assume!(cidr.is_wide() && prefix + 1 < threshold);
            let (lo, hi) = cidr.halves().unwrap();
            prop_assert!(cidr.contains(&lo) && cidr.contains(&hi) && lo != hi);
            // Each half is still wider than the threshold; a half may fall inside private space
            // (it then reaches no internet address).
            for half in [lo, hi] {
                prop_assert!(half.prefix() < threshold);
                prop_assert!(half.is_wide() || half.is_private(), "{}", half);
            }
            prop_assert!(lo.is_wide() || hi.is_wide(), "{} split into {} and {}", cidr, lo, hi);
        }
    }

    #[test]
    fn the_internet_split_in_halves_is_still_refused() {
        let mut level = vec![c("0.0.0.0/0")];
        for _ in 0..WIDE_IPV4_PREFIX {
            assert!(
                level
                    .iter()
                    .all(|x| exposure("tcp", 22, 22, x).is_some() || x.is_private())
            );
            level = level
                .iter()
                .flat_map(|x| {
                    let (a, b) = x.halves().unwrap();
                    [a, b]
                })
                .collect();
        }
        assert_eq!(level.len(), 65_536);
        assert!(
            level.iter().all(|x| exposure("tcp", 22, 22, x).is_none()),
            "/16s are narrow"
        );
    }
}
