//! [`Cloud`]: the five service handles in one cheap-to-clone bundle.

use std::sync::{Arc, Mutex};

use crate::cloudwatch::CloudWatch;
use crate::ebs::Ebs;
use crate::ec2::Ec2;
use crate::elb::Elbv2;
use crate::lambda::Lambda;
use crate::layer::{Layer, Layered, Retry};

/// The five service handles. Workflows take a `&Cloud`; build one over AWS
/// ([`Cloud::from_env`], [`Cloud::from_conf`]), over an emulator ([`Cloud::for_endpoint`]),
/// over the simulator ([`Cloud::sim`]) or from any trait implementations (mocks included).
///
/// Every `Cloud` retries transient errors in one place: its [`Retry`] layer
/// ([`Retry::standard`] unless [`Cloud::with_retry`] says otherwise) wraps each handle
/// outermost, around every layer added with [`Cloud::layer`]. The SDK adapters it builds have
/// the SDK's own retry switched off, so the attempts of the two never multiply.
///
/// A `Cloud` also carries the seed that everything random in a workflow is drawn from
/// (retry and poll jitter, run ids, client tokens): [`Cloud::with_seed`] fixes it, so a test
/// run replays exactly.
#[derive(Clone)]
pub struct Cloud {
    /// Amazon EC2 (with the cloud's retry).
    pub ec2: Arc<dyn Ec2>,
    /// The EBS direct APIs (with the cloud's retry).
    pub ebs: Arc<dyn Ebs>,
    /// Elastic Load Balancing v2 (with the cloud's retry).
    pub elb: Arc<dyn Elbv2>,
    /// Amazon CloudWatch (with the cloud's retry).
    pub cloudwatch: Arc<dyn CloudWatch>,
    /// AWS Lambda (with the cloud's retry).
    pub lambda: Arc<dyn Lambda>,
    inner: Handles,
    retry: Retry,
    seeds: Arc<Mutex<fastrand::Rng>>,
}

/// The handles without the cloud's retry.
#[derive(Clone)]
struct Handles {
    ec2: Arc<dyn Ec2>,
    ebs: Arc<dyn Ebs>,
    elb: Arc<dyn Elbv2>,
    cloudwatch: Arc<dyn CloudWatch>,
    lambda: Arc<dyn Lambda>,
}

impl std::fmt::Debug for Cloud {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cloud")
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Cloud {
    /// A bundle of five handles, with [`Retry::standard`] around each.
    pub fn new(
        ec2: Arc<dyn Ec2>,
        ebs: Arc<dyn Ebs>,
        elb: Arc<dyn Elbv2>,
        cloudwatch: Arc<dyn CloudWatch>,
        lambda: Arc<dyn Lambda>,
    ) -> Self {
        let inner = Handles {
            ec2,
            ebs,
            elb,
            cloudwatch,
            lambda,
        };
        let seeds = Arc::new(Mutex::new(fastrand::Rng::new()));
        Self::assemble(inner, Retry::standard(), seeds)
    }

    fn assemble(inner: Handles, retry: Retry, seeds: Arc<Mutex<fastrand::Rng>>) -> Self {
        Cloud {
            ec2: Arc::new(Layered::new(inner.ec2.clone(), retry.clone())),
            ebs: Arc::new(Layered::new(inner.ebs.clone(), retry.clone())),
            elb: Arc::new(Layered::new(inner.elb.clone(), retry.clone())),
            cloudwatch: Arc::new(Layered::new(inner.cloudwatch.clone(), retry.clone())),
            lambda: Arc::new(Layered::new(inner.lambda.clone(), retry.clone())),
            inner,
            retry,
            seeds,
        }
    }

    /// Wraps every handle in `layer` (clones of the layer share its state), inside the
    /// cloud's retry: a [`Faults`](crate::layer::Faults) layer's errors are retried, and a
    /// [`Recording`](crate::layer::Recording) journal sees every attempt.
    pub fn layer<L: Layer + Clone>(self, layer: L) -> Self {
        let i = self.inner;
        let inner = Handles {
            ec2: Arc::new(Layered::new(i.ec2, layer.clone())),
            ebs: Arc::new(Layered::new(i.ebs, layer.clone())),
            elb: Arc::new(Layered::new(i.elb, layer.clone())),
            cloudwatch: Arc::new(Layered::new(i.cloudwatch, layer.clone())),
            lambda: Arc::new(Layered::new(i.lambda, layer)),
        };
        Self::assemble(inner, self.retry, self.seeds)
    }

    /// The same cloud with its EC2 handle replaced by `ec2` (inside the cloud's retry and
    /// layers added later), e.g. a mock beside the simulator.
    pub fn with_ec2(mut self, ec2: Arc<dyn Ec2>) -> Self {
        self.inner.ec2 = ec2;
        Self::assemble(self.inner, self.retry, self.seeds)
    }

    /// The same cloud with its EBS direct handle replaced (see [`Cloud::with_ec2`]).
    pub fn with_ebs(mut self, ebs: Arc<dyn Ebs>) -> Self {
        self.inner.ebs = ebs;
        Self::assemble(self.inner, self.retry, self.seeds)
    }

    /// The same cloud with its ELBv2 handle replaced (see [`Cloud::with_ec2`]).
    pub fn with_elb(mut self, elb: Arc<dyn Elbv2>) -> Self {
        self.inner.elb = elb;
        Self::assemble(self.inner, self.retry, self.seeds)
    }

    /// The same cloud with its CloudWatch handle replaced (see [`Cloud::with_ec2`]).
    pub fn with_cloudwatch(mut self, cloudwatch: Arc<dyn CloudWatch>) -> Self {
        self.inner.cloudwatch = cloudwatch;
        Self::assemble(self.inner, self.retry, self.seeds)
    }

    /// The same cloud with its Lambda handle replaced (see [`Cloud::with_ec2`]).
    pub fn with_lambda(mut self, lambda: Arc<dyn Lambda>) -> Self {
        self.inner.lambda = lambda;
        Self::assemble(self.inner, self.retry, self.seeds)
    }

    /// The same handles with `retry` as the one retry layer ([`Retry::none`] to make every
    /// call once, e.g. for mocks that expect an exact number of calls).
    pub fn with_retry(self, retry: Retry) -> Self {
        Self::assemble(self.inner, retry, self.seeds)
    }

    /// The retry layer in use.
    pub fn retry(&self) -> &Retry {
        &self.retry
    }

    /// Fixes the seed everything random in this cloud's workflows is drawn from (retry and
    /// poll jitter, run ids, client tokens): the same seed, the same draws.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seeds = Arc::new(Mutex::new(fastrand::Rng::with_seed(seed)));
        self
    }

    /// A seed for one workflow run, drawn from the cloud's seed.
    pub fn next_seed(&self) -> u64 {
        self.seeds.lock().unwrap().u64(..)
    }

    /// A fresh in-process simulator (default settings) behind all five handles.
    #[cfg(feature = "sim")]
    pub fn sim() -> Self {
        crate::sim::SimCloud::new().cloud()
    }
}

#[cfg(all(
    feature = "ec2",
    feature = "ebs",
    feature = "elbv2",
    feature = "cloudwatch",
    feature = "lambda"
))]
mod sdk {
    use super::*;
    use aws_types::SdkConfig;

    impl Cloud {
        /// The SDK adapters over a shared SDK configuration (the SDK's own retry switched off
        /// under the cloud's [`Retry`]).
        pub fn from_conf(conf: &SdkConfig) -> Self {
            Cloud::new(
                Arc::new(crate::ec2::sdk::SdkEc2::new(conf)),
                Arc::new(crate::ebs::sdk::SdkEbs::new(conf)),
                Arc::new(crate::elb::sdk::SdkElbv2::new(conf)),
                Arc::new(crate::cloudwatch::sdk::SdkCloudWatch::new(conf)),
                Arc::new(crate::lambda::sdk::SdkLambda::new(conf)),
            )
        }

        /// The SDK adapters over `conf` with every service's endpoint overridden by `url`
        /// (for an emulator such as moto, or a VPC endpoint).
        pub fn from_conf_with_endpoint(conf: &SdkConfig, url: &str) -> Self {
            Self::from_conf(&conf.to_builder().endpoint_url(url).build())
        }

        /// The SDK adapters against an emulator at `url` (e.g. moto on `http://127.0.0.1:5000`),
        /// with static test credentials and the given region. Needs no AWS account. (moto does
        /// not speak the current CloudWatch protocol: use `emulator::cloud`, feature
        /// `emulator`, for that.)
        pub fn for_endpoint(url: &str, region: &str) -> Self {
            Self::from_conf(&Self::endpoint_config(url, region))
        }

        /// The SDK configuration [`Cloud::for_endpoint`] uses: static test credentials
        /// (`testing`), `region`, every endpoint at `url`.
        pub fn endpoint_config(url: &str, region: &str) -> SdkConfig {
            let creds = aws_credential_types::Credentials::from_keys("testing", "testing", None);
            SdkConfig::builder()
                .behavior_version(aws_smithy_runtime_api::client::behavior_version::BehaviorVersion::latest())
                .region(aws_types::region::Region::new(region.to_string()))
                .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(creds))
                .endpoint_url(url)
                .build()
        }

        /// The SDK adapters with the default credential chain and region (environment,
        /// profile, IMDS, ...); `AWS_ENDPOINT_URL` (and `AWS_ENDPOINT_URL_<SERVICE>`) are honoured.
        #[cfg(feature = "config")]
        pub async fn from_env() -> Self {
            let conf = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
            Self::from_conf(&conf)
        }
    }
}
