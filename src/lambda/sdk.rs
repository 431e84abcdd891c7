//! PLACEHOLDER: the Lambda adapter over `aws_sdk_lambda` (being written).

use crate::macros::sdk_adapter;

sdk_adapter!(
    /// [`Lambda`](super::Lambda) over `aws_sdk_lambda`.
    SdkLambda, aws_sdk_lambda);

#[async_trait::async_trait]
impl super::Lambda for SdkLambda {}
