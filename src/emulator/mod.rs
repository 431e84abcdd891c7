//! Talking to AWS emulators such as moto (feature `emulator`).
//!
//! [`cloud`] gives the five SDK adapters pointed at an emulator's URL with static test
//! credentials. CloudWatch needs more than an endpoint: the current aws-sdk-cloudwatch speaks
//! Smithy RPC v2 CBOR, which moto 5.2 does not (it answers 404), while moto does speak
//! CloudWatch's AWS JSON 1.0. [`cloudwatch_bridge`] translates between the two *inside* the SDK
//! client, as its HTTP client: the SDK serializes, signs and parses as it does against AWS, and
//! no old SDK is pinned.
//!
//! The bridge sends its AWS JSON 1.0 requests with the SDK's own HTTP client (hyper and
//! rustls). [`http`] is a minimal plain HTTP/1.1 client for test harnesses (moto's
//! `/moto-api/*`), bounded in what it reads.
//!
//! **Plain HTTP only on loopback.** An `http://` URL whose host is not 127.0.0.0/8, `::1` or
//! `localhost` gets no credentials: every request through [`sdk_config`], [`cloudwatch_config`],
//! [`cloud`] (and [`Cloud::for_endpoint`], [`Cloud::from_conf_with_endpoint`]) fails with an
//! error that names the rule, and nothing is signed or sent. Use `https://`, or set
//! [`ALLOW_PLAINTEXT_ENV`]` = 1` (`AWS_FACADE_ALLOW_PLAINTEXT_EMULATOR=1`) for an emulator on
//! another machine of a network you trust; [`check_endpoint`] applies the rule up front.
//!
//! ```no_run
//! # async fn demo() -> aws_facade::Result<()> {
//! // moto_server -H 127.0.0.1 -p 5000
//! let cloud = aws_facade::emulator::cloud("http://127.0.0.1:5000");
//! let alarms = cloud.cloudwatch.describe_alarms(Default::default()).await?;
//! # Ok(()) }
//! ```

pub mod cloudwatch_bridge;
pub mod http;
#[cfg(test)]
mod tests;

pub use crate::cloud::plaintext::ALLOW_PLAINTEXT_ENV;

use std::sync::Arc;

use aws_types::SdkConfig;

use crate::Cloud;

/// The region emulators are addressed in.
pub const REGION: &str = "us-east-1";

/// Whether the SDK may send signed requests to `url`: an error for plain `http://` to a host
/// that is not loopback, unless [`ALLOW_PLAINTEXT_ENV`] is set ([`Cloud::check_endpoint`]).
pub fn check_endpoint(url: &str) -> crate::Result<()> {
    Cloud::check_endpoint(url)
}

/// The SDK configuration for an emulator at `url`: static test credentials (`testing`),
/// region `us-east-1`, endpoint `url` ([`Cloud::endpoint_config`]). Plain `http://` to a host
/// that is not loopback gets no credentials (see the [module docs](self)).
pub fn sdk_config(url: &str) -> SdkConfig {
    Cloud::endpoint_config(url, REGION)
}

/// The configuration for aws-sdk-cloudwatch against an emulator at `url`: [`sdk_config`] with
/// the RPC v2 CBOR → AWS JSON 1.0 bridge as its HTTP client, and request compression off (the
/// bridge needs the CBOR body as it is).
pub fn cloudwatch_config(url: &str) -> SdkConfig {
    sdk_config(url)
        .to_builder()
        .http_client(cloudwatch_bridge::CborToJsonHttpClient::shared())
        .disable_request_compression(true)
        .build()
}

/// The SDK adapters against the emulator at `url`; CloudWatch goes through the bridge. Auto
/// Scaling needs the `autoscaling` feature (without it, its handle answers `Unsupported`).
pub fn cloud(url: &str) -> Cloud {
    let conf = sdk_config(url);
    let cloud = Cloud::new(
        Arc::new(crate::ec2::sdk::SdkEc2::new(&conf)),
        Arc::new(crate::ebs::sdk::SdkEbs::new(&conf)),
        Arc::new(crate::elb::sdk::SdkElbv2::new(&conf)),
        Arc::new(crate::cloudwatch::sdk::SdkCloudWatch::new(&cloudwatch_config(url))),
        Arc::new(crate::lambda::sdk::SdkLambda::new(&conf)),
    );
    #[cfg(feature = "autoscaling")]
    let cloud = cloud.with_autoscaling(Arc::new(crate::autoscaling::sdk::SdkAutoScaling::new(&conf)));
    cloud
}
