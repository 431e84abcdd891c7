//! Elastic IP addresses (re-exported from [`crate::ec2`]).
//!
//! An Elastic IP is billed by the hour whether or not it is associated: release what you
//! allocate ([`Ec2::release_address`]). The simulator lists allocated addresses in its leak
//! inventory.

use super::*;
use crate::id::{AllocationId, AssociationId};

/// An Elastic IP address (VPC domain).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct Address {
    /// Its allocation id.
    pub allocation_id: AllocationId,
    /// The public IPv4 address.
    pub public_ip: String,
    /// Its association, while it is associated.
    pub association_id: Option<AssociationId>,
    /// The instance it is associated with.
    pub instance_id: Option<InstanceId>,
    /// The private address it maps to, while associated.
    pub private_ip: Option<String>,
    /// Its tags.
    #[builder(default)]
    #[serde(default)]
    pub tags: Tags,
}

/// A request to allocate an Elastic IP address from Amazon's pool (domain `vpc`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""))]
pub struct AllocateAddressRequest {
    /// Tags for the address (`TagSpecifications` of resource type `elastic-ip`).
    #[builder(default)]
    pub tags: Tags,
}
validated_builder!(
    AllocateAddressRequest,
    AllocateAddressRequestBuilder,
    allocate_address_request_builder
);

impl Validate for AllocateAddressRequest {
    fn validate(&self) -> Result<()> {
        validate::tags("tags", &self.tags)
    }
}

/// Which addresses to describe (filters combined with AND; empty means all).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""))]
pub struct DescribeAddressesRequest {
    /// Allocation ids (an unknown one is `InvalidAllocationID.NotFound`).
    #[builder(default)]
    pub allocation_ids: Vec<AllocationId>,
    /// Tags every address must carry.
    #[builder(default)]
    pub tags: Tags,
}
validated_builder!(
    DescribeAddressesRequest,
    DescribeAddressesRequestBuilder,
    describe_addresses_request_builder
);

impl Validate for DescribeAddressesRequest {
    fn validate(&self) -> Result<()> {
        Ok(())
    }
}

/// A request to associate an Elastic IP address with an instance (its primary network
/// interface).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct AssociateAddressRequest {
    /// The address.
    pub allocation_id: AllocationId,
    /// The instance.
    pub instance_id: InstanceId,
    /// The private address to map to (default: the instance's primary private address).
    pub private_ip: Option<String>,
    /// Move the address even if it is associated with another instance (default `false`:
    /// AWS answers `Resource.AlreadyAssociated` instead, so an address in use elsewhere is
    /// never taken by accident).
    #[builder(default)]
    #[serde(default)]
    pub allow_reassociation: bool,
}
validated_builder!(
    AssociateAddressRequest,
    AssociateAddressRequestBuilder,
    associate_address_request_builder
);

impl Validate for AssociateAddressRequest {
    fn validate(&self) -> Result<()> {
        if let Some(ip) = &self.private_ip
            && ip.parse::<std::net::Ipv4Addr>().is_err()
        {
            return Err(Error::validation("private_ip", "must be an IPv4 address"));
        }
        Ok(())
    }
}
