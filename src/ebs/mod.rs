//! PLACEHOLDER: the Ebs trait is being written.

#[cfg(feature = "ebs")]
pub mod sdk;

#[allow(unused_imports)]
use crate::error::Service;
use crate::macros::service_trait;

service_trait! {
    /// PLACEHOLDER.
    pub trait Ebs (Service::Ebs, EBS_OPERATIONS) {
    }
}
