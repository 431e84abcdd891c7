//! PLACEHOLDER: the CloudWatch adapter over `aws_sdk_cloudwatch` (being written).

use crate::macros::sdk_adapter;

sdk_adapter!(
    /// [`CloudWatch`](super::CloudWatch) over `aws_sdk_cloudwatch`.
    SdkCloudWatch, aws_sdk_cloudwatch);

#[async_trait::async_trait]
impl super::CloudWatch for SdkCloudWatch {}
