//! [`SdkAutoScaling`]: the [`AutoScaling`] trait over `aws-sdk-autoscaling`.

use super::*;
use crate::macros::sdk_adapter;

sdk_adapter!(
    /// The Auto Scaling adapter over the official SDK client.
    SdkAutoScaling,
    aws_sdk_autoscaling
);

#[async_trait::async_trait]
impl AutoScaling for SdkAutoScaling {}
