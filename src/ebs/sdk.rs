//! PLACEHOLDER: the Ebs adapter over `aws_sdk_ebs` (being written).

use crate::macros::sdk_adapter;

sdk_adapter!(
    /// [`Ebs`](super::Ebs) over `aws_sdk_ebs`.
    SdkEbs, aws_sdk_ebs);

#[async_trait::async_trait]
impl super::Ebs for SdkEbs {}
