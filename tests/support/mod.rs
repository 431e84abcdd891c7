//! Test support shared by the integration test binaries (`mod support;`): moto server harness,
//! the CloudWatch CBOR <-> JSON bridge, and the list of known moto deviations.
#![allow(dead_code)]

pub mod cw_proxy;
pub mod deviations;
pub mod http;
pub mod moto;

use std::sync::Arc;

use aws_facade::Cloud;
use aws_types::SdkConfig;

/// The SDK configuration for moto at `url`: static test credentials, region `us-east-1`,
/// endpoint `url` (the same as `Cloud::for_endpoint` uses).
pub fn moto_sdk_config(url: &str) -> SdkConfig {
    let creds = aws_credential_types::Credentials::from_keys("testing", "testing", None);
    SdkConfig::builder()
        .behavior_version(aws_smithy_runtime_api::client::behavior_version::BehaviorVersion::latest())
        .region(aws_types::region::Region::new(moto::REGION))
        .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(creds))
        .endpoint_url(url)
        .build()
}

/// The configuration for aws-sdk-cloudwatch against moto: [`moto_sdk_config`] with the
/// RPC v2 CBOR -> AWS JSON 1.0 bridge as its HTTP client (see [`cw_proxy`]), and request
/// compression off (the bridge needs the CBOR body as it is).
pub fn moto_cloudwatch_config(url: &str) -> SdkConfig {
    moto_sdk_config(url)
        .to_builder()
        .http_client(cw_proxy::CborToJsonHttpClient::shared())
        .disable_request_compression(true)
        .build()
}

/// The five SDK adapters against moto at `url`; CloudWatch goes through the protocol bridge.
pub fn moto_cloud_at(url: &str) -> Cloud {
    let mut cloud = Cloud::from_conf(&moto_sdk_config(url));
    cloud.cloudwatch = Arc::new(aws_facade::cloudwatch::sdk::SdkCloudWatch::new(
        &moto_cloudwatch_config(url),
    ));
    cloud
}

/// The five SDK adapters against the server of a moto session.
pub fn moto_cloud(server: &moto::MotoServer) -> Cloud {
    moto_cloud_at(&server.url())
}
