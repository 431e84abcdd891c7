//! # aws-facade
//!
//! A typed, trait-based, mockable facade over the AWS compute services: EC2 instances, EBS
//! volumes and snapshots, Application Load Balancers, CloudWatch metrics and alarms, and Lambda
//! functions, with an in-process simulator and high-level workflows.
//!
//! - One async trait per service ([`ec2::Ec2`], [`ebs::Ebs`], [`elb::Elbv2`],
//!   [`cloudwatch::CloudWatch`], [`lambda::Lambda`]), with typed ids ([`id`]), builder-style
//!   requests validated before any call, typed outputs, and one [`Error`].
//! - Real adapters over the official `aws-sdk-*` crates, bundled as a [`Cloud`]
//!   ([`Cloud::from_env`], [`Cloud::from_conf`], [`Cloud::for_endpoint`]).
//! - The simulator ([`sim::SimCloud`], [`Cloud::sim`]): stateful, on tokio's clock, with
//!   wrappers for latency, faults and recording ([`layer`]).
//! - Mocks (`MockEc2`, ... under the `mock` feature).
//! - Least privilege: each workflow's IAM policy, scoped by its ownership tags, and a layer
//!   that enforces a policy on the simulator ([`iam`]).
//! - Secrets kept out of logs: user data and Lambda environment values are [`SecretString`]s,
//!   redacted in `Debug`, `Display` and serde output ([`secret`]).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> aws_facade::Result<()> {
//! use aws_facade::{Cloud, ec2::CreateVolumeRequest};
//! let cloud = Cloud::sim();
//! let subnets = cloud.ec2.describe_subnets(cloud.ec2.default_vpc().await?.id).await?;
//! let req = CreateVolumeRequest::builder()
//!     .availability_zone(subnets[0].availability_zone.clone())
//!     .size_gib(8)
//!     .build()?;
//! let volume = cloud.ec2.create_volume(req).await?;
//! assert!(volume.encrypted, "volumes are encrypted by default");
//! # Ok(()) }
//! ```
//!
//! ## Features
//! | feature | default | what it adds |
//! |---|---|---|
//! | `ec2`, `ebs`, `elbv2`, `cloudwatch`, `lambda` | yes | the SDK adapter of that service (and its `aws-sdk-*` crate) |
//! | `config` | yes | [`Cloud::from_env`] (aws-config's default credential chain) |
//! | `sim` | yes | the in-process simulator |
//! | `mock` | no | `mockall` mocks of every trait (`MockEc2`, `MockEbs`, `MockElbv2`, `MockCloudWatch`, `MockLambda`) |
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// Crate-private helpers are shared by several services' adapters and the simulator; a build
// with only some of those features leaves some of them unused.
#![cfg_attr(
    not(all(
        feature = "ec2",
        feature = "ebs",
        feature = "elbv2",
        feature = "cloudwatch",
        feature = "lambda",
        feature = "sim"
    )),
    allow(dead_code)
)]

mod macros;
#[cfg(any(
    feature = "ec2",
    feature = "ebs",
    feature = "elbv2",
    feature = "cloudwatch",
    feature = "lambda"
))]
mod sdk_util;

pub mod cloud;
pub mod cloudwatch;
pub mod ebs;
pub mod ec2;
pub mod elb;
#[cfg(feature = "emulator")]
pub mod emulator;
pub mod error;
pub mod iam;
pub mod id;
pub mod lambda;
pub mod layer;
#[cfg(feature = "progress")]
#[cfg_attr(docsrs, doc(cfg(feature = "progress")))]
pub mod progress;
pub mod rng;
pub mod secret;
#[cfg(feature = "sim")]
pub mod sim;
pub mod validate;
pub mod wait;
pub mod workflows;

pub use cloud::Cloud;
pub use error::{ApiError, Error, ErrorKind, Result, Service};
pub use secret::{Secret, SecretString};

/// Resource tags: key → value.
pub type Tags = std::collections::BTreeMap<String, String>;

/// The code in README.md, compiled as doctests so it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
