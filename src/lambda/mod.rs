//! PLACEHOLDER: the Lambda trait is being written.

#[cfg(feature = "lambda")]
pub mod sdk;

#[allow(unused_imports)]
use crate::error::Service;
use crate::macros::service_trait;

service_trait! {
    /// PLACEHOLDER.
    pub trait Lambda (Service::Lambda, LAMBDA_OPERATIONS) {
    }
}
