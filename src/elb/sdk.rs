//! PLACEHOLDER: the Elbv2 adapter over `aws_sdk_elasticloadbalancingv2` (being written).

use crate::macros::sdk_adapter;

sdk_adapter!(
    /// [`Elbv2`](super::Elbv2) over `aws_sdk_elasticloadbalancingv2`.
    SdkElbv2, aws_sdk_elasticloadbalancingv2);

#[async_trait::async_trait]
impl super::Elbv2 for SdkElbv2 {}
