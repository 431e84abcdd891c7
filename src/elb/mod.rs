//! PLACEHOLDER: the Elbv2 trait is being written.

#[cfg(feature = "elbv2")]
pub mod sdk;

#[allow(unused_imports)]
use crate::error::Service;
use crate::macros::service_trait;

service_trait! {
    /// PLACEHOLDER.
    pub trait Elbv2 (Service::Elbv2, ELBV2_OPERATIONS) {
    }
}
