//! PLACEHOLDER: the CloudWatch trait is being written.

#[cfg(feature = "cloudwatch")]
pub mod sdk;

#[allow(unused_imports)]
use crate::error::Service;
use crate::macros::service_trait;

service_trait! {
    /// PLACEHOLDER.
    pub trait CloudWatch (Service::CloudWatch, CLOUDWATCH_OPERATIONS) {
    }
}
