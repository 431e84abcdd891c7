//! [`Cloud`]: the five service handles in one cheap-to-clone bundle.

use std::sync::Arc;

use crate::cloudwatch::CloudWatch;
use crate::ebs::Ebs;
use crate::ec2::Ec2;
use crate::elb::Elbv2;
use crate::lambda::Lambda;
use crate::layer::{Layer, Layered};

/// The five service handles. Workflows take a `&Cloud`; build one over AWS
/// ([`Cloud::from_env`], [`Cloud::from_conf`]), over an emulator ([`Cloud::for_endpoint`]),
/// over the simulator ([`Cloud::sim`]) or from any trait implementations (mocks included).
#[derive(Clone)]
pub struct Cloud {
    /// Amazon EC2.
    pub ec2: Arc<dyn Ec2>,
    /// The EBS direct APIs.
    pub ebs: Arc<dyn Ebs>,
    /// Elastic Load Balancing v2.
    pub elb: Arc<dyn Elbv2>,
    /// Amazon CloudWatch.
    pub cloudwatch: Arc<dyn CloudWatch>,
    /// AWS Lambda.
    pub lambda: Arc<dyn Lambda>,
}

impl std::fmt::Debug for Cloud {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cloud").finish_non_exhaustive()
    }
}

impl Cloud {
    /// A bundle of five handles.
    pub fn new(
        ec2: Arc<dyn Ec2>,
        ebs: Arc<dyn Ebs>,
        elb: Arc<dyn Elbv2>,
        cloudwatch: Arc<dyn CloudWatch>,
        lambda: Arc<dyn Lambda>,
    ) -> Self {
        Cloud {
            ec2,
            ebs,
            elb,
            cloudwatch,
            lambda,
        }
    }

    /// Wraps every handle in `layer` (clones of the layer share its state).
    pub fn layer<L: Layer + Clone>(self, layer: L) -> Self {
        Cloud {
            ec2: Arc::new(Layered::new(self.ec2, layer.clone())),
            ebs: Arc::new(Layered::new(self.ebs, layer.clone())),
            elb: Arc::new(Layered::new(self.elb, layer.clone())),
            cloudwatch: Arc::new(Layered::new(self.cloudwatch, layer.clone())),
            lambda: Arc::new(Layered::new(self.lambda, layer)),
        }
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
        /// The SDK adapters over a shared SDK configuration.
        pub fn from_conf(conf: &SdkConfig) -> Self {
            Cloud {
                ec2: Arc::new(crate::ec2::sdk::SdkEc2::new(conf)),
                ebs: Arc::new(crate::ebs::sdk::SdkEbs::new(conf)),
                elb: Arc::new(crate::elb::sdk::SdkElbv2::new(conf)),
                cloudwatch: Arc::new(crate::cloudwatch::sdk::SdkCloudWatch::new(conf)),
                lambda: Arc::new(crate::lambda::sdk::SdkLambda::new(conf)),
            }
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
