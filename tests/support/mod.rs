//! Test support shared by the integration test binaries (`mod support;`): moto server harness,
//! moto configurations (through `aws_facade::emulator`), and the list of known moto deviations.
#![allow(dead_code)]

pub mod deviations;
pub mod moto;
pub mod safety;

/// The small HTTP client (and the CloudWatch protocol bridge) live in the crate (feature
/// `emulator`); the tests use them from there.
pub use aws_facade::emulator::http;

use aws_facade::Cloud;
use aws_types::SdkConfig;

/// The SDK configuration for moto at `url` (static test credentials, region `us-east-1`).
pub fn moto_sdk_config(url: &str) -> SdkConfig {
    aws_facade::emulator::sdk_config(url)
}

/// The configuration for aws-sdk-cloudwatch against moto, through the protocol bridge.
pub fn moto_cloudwatch_config(url: &str) -> SdkConfig {
    aws_facade::emulator::cloudwatch_config(url)
}

/// The five SDK adapters against the server of a moto session.
pub fn moto_cloud(server: &moto::MotoServer) -> Cloud {
    aws_facade::emulator::cloud(&server.url())
}
