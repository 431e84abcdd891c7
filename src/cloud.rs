//! [`Cloud`]: the five service handles in one cheap-to-clone bundle.

use std::sync::{Arc, Mutex};

use crate::autoscaling::AutoScaling;
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
    /// Amazon EC2 Auto Scaling (with the cloud's retry). Over the SDK it needs the
    /// `autoscaling` feature (without it every call answers `Unsupported` naming the
    /// feature); [`Cloud::new`] leaves it unsupported until [`Cloud::with_autoscaling`].
    pub autoscaling: Arc<dyn AutoScaling>,
    inner: Handles,
    retry: Retry,
    seeds: Arc<Mutex<fastrand::Rng>>,
    sdk: Option<Arc<SdkHandles>>,
}

/// The escape hatch: the SDK configuration and the SDK clients behind a [`Cloud`] built over
/// the SDK ([`Cloud::from_conf`], [`Cloud::from_env`], [`Cloud::for_endpoint`]), for the
/// operations this crate does not cover. [`Cloud::sdk`] gives it, however many layers the
/// cloud has.
///
/// The clients are the adapters' own: their SDK retry is switched off (the facade's
/// [`Retry`] layer retries facade calls), and calls made on them pass through no layer. For
/// direct use with the SDK's standard retry, build a client from [`SdkHandles::config`]
/// (e.g. `aws_sdk_ec2::Client::new(sdk.config())`). Facade outputs convert from the SDK's
/// types with `TryFrom` (`Instance::try_from(&sdk_instance)`, ...).
#[derive(Debug, Clone)]
pub struct SdkHandles {
    config: aws_types::SdkConfig,
    #[cfg(feature = "ec2")]
    ec2: aws_sdk_ec2::Client,
    #[cfg(feature = "ebs")]
    ebs: aws_sdk_ebs::Client,
    #[cfg(feature = "elbv2")]
    elb: aws_sdk_elasticloadbalancingv2::Client,
    #[cfg(feature = "cloudwatch")]
    cloudwatch: aws_sdk_cloudwatch::Client,
    #[cfg(feature = "lambda")]
    lambda: aws_sdk_lambda::Client,
    #[cfg(feature = "autoscaling")]
    autoscaling: aws_sdk_autoscaling::Client,
}

impl SdkHandles {
    /// The SDK configuration the cloud was built from (credentials, region, endpoint).
    pub fn config(&self) -> &aws_types::SdkConfig {
        &self.config
    }
    /// The EC2 client.
    #[cfg(feature = "ec2")]
    pub fn ec2_client(&self) -> &aws_sdk_ec2::Client {
        &self.ec2
    }
    /// The EBS direct APIs client.
    #[cfg(feature = "ebs")]
    pub fn ebs_client(&self) -> &aws_sdk_ebs::Client {
        &self.ebs
    }
    /// The ELBv2 client.
    #[cfg(feature = "elbv2")]
    pub fn elb_client(&self) -> &aws_sdk_elasticloadbalancingv2::Client {
        &self.elb
    }
    /// The CloudWatch client.
    #[cfg(feature = "cloudwatch")]
    pub fn cloudwatch_client(&self) -> &aws_sdk_cloudwatch::Client {
        &self.cloudwatch
    }
    /// The Lambda client.
    #[cfg(feature = "lambda")]
    pub fn lambda_client(&self) -> &aws_sdk_lambda::Client {
        &self.lambda
    }
    /// The Auto Scaling client.
    #[cfg(feature = "autoscaling")]
    pub fn autoscaling_client(&self) -> &aws_sdk_autoscaling::Client {
        &self.autoscaling
    }
}

/// The stand-in [`Cloud::from_conf`] puts behind a service whose SDK crate is not compiled
/// in (its cargo feature is off): every call answers [`Error::Unsupported`](crate::Error::Unsupported)
/// naming the feature, and nothing is sent.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NotBuilt {
    /// The cargo feature that would build the service's adapter.
    pub(crate) feature: &'static str,
}

impl NotBuilt {
    pub(crate) fn error(&self, service: crate::Service, operation: &'static str) -> crate::Error {
        crate::Error::Unsupported {
            service,
            operation,
            reason: format!(
                "aws-facade was built without its `{}` feature, so it has no {service} client",
                self.feature
            ),
        }
    }
}

/// The handles without the cloud's retry.
#[derive(Clone)]
struct Handles {
    ec2: Arc<dyn Ec2>,
    ebs: Arc<dyn Ebs>,
    elb: Arc<dyn Elbv2>,
    cloudwatch: Arc<dyn CloudWatch>,
    lambda: Arc<dyn Lambda>,
    autoscaling: Arc<dyn AutoScaling>,
}

impl std::fmt::Debug for Cloud {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cloud")
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Cloud {
    /// A bundle of five handles, with [`Retry::standard`] around each; its Auto Scaling
    /// handle answers `Unsupported` until [`Cloud::with_autoscaling`] sets one.
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
            autoscaling: Arc::new(NotBuilt { feature: "autoscaling" }),
        };
        let seeds = Arc::new(Mutex::new(fastrand::Rng::new()));
        Self::assemble(inner, Retry::standard(), seeds, None)
    }

    /// The SDK configuration and clients, if this cloud was built over the SDK (`None` for
    /// the simulator, mocks and hand-assembled clouds); see [`SdkHandles`].
    pub fn sdk(&self) -> Option<&SdkHandles> {
        self.sdk.as_deref()
    }

    fn assemble(inner: Handles, retry: Retry, seeds: Arc<Mutex<fastrand::Rng>>, sdk: Option<Arc<SdkHandles>>) -> Self {
        Cloud {
            ec2: Arc::new(Layered::new(inner.ec2.clone(), retry.clone())),
            ebs: Arc::new(Layered::new(inner.ebs.clone(), retry.clone())),
            elb: Arc::new(Layered::new(inner.elb.clone(), retry.clone())),
            cloudwatch: Arc::new(Layered::new(inner.cloudwatch.clone(), retry.clone())),
            lambda: Arc::new(Layered::new(inner.lambda.clone(), retry.clone())),
            autoscaling: Arc::new(Layered::new(inner.autoscaling.clone(), retry.clone())),
            inner,
            retry,
            seeds,
            sdk,
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
            lambda: Arc::new(Layered::new(i.lambda, layer.clone())),
            autoscaling: Arc::new(Layered::new(i.autoscaling, layer)),
        };
        Self::assemble(inner, self.retry, self.seeds, self.sdk)
    }

    /// The same cloud with its EC2 handle replaced by `ec2` (inside the cloud's retry and
    /// layers added later), e.g. a mock beside the simulator.
    pub fn with_ec2(mut self, ec2: Arc<dyn Ec2>) -> Self {
        self.inner.ec2 = ec2;
        Self::assemble(self.inner, self.retry, self.seeds, self.sdk)
    }

    /// The same cloud with its EBS direct handle replaced (see [`Cloud::with_ec2`]).
    pub fn with_ebs(mut self, ebs: Arc<dyn Ebs>) -> Self {
        self.inner.ebs = ebs;
        Self::assemble(self.inner, self.retry, self.seeds, self.sdk)
    }

    /// The same cloud with its ELBv2 handle replaced (see [`Cloud::with_ec2`]).
    pub fn with_elb(mut self, elb: Arc<dyn Elbv2>) -> Self {
        self.inner.elb = elb;
        Self::assemble(self.inner, self.retry, self.seeds, self.sdk)
    }

    /// The same cloud with its CloudWatch handle replaced (see [`Cloud::with_ec2`]).
    pub fn with_cloudwatch(mut self, cloudwatch: Arc<dyn CloudWatch>) -> Self {
        self.inner.cloudwatch = cloudwatch;
        Self::assemble(self.inner, self.retry, self.seeds, self.sdk)
    }

    /// The same cloud with its Lambda handle replaced (see [`Cloud::with_ec2`]).
    pub fn with_lambda(mut self, lambda: Arc<dyn Lambda>) -> Self {
        self.inner.lambda = lambda;
        Self::assemble(self.inner, self.retry, self.seeds, self.sdk)
    }

    /// The same cloud with its Auto Scaling handle replaced (see [`Cloud::with_ec2`]).
    pub fn with_autoscaling(mut self, autoscaling: Arc<dyn AutoScaling>) -> Self {
        self.inner.autoscaling = autoscaling;
        Self::assemble(self.inner, self.retry, self.seeds, self.sdk)
    }

    /// The same handles with `retry` as the one retry layer ([`Retry::none`] to make every
    /// call once, e.g. for mocks that expect an exact number of calls).
    pub fn with_retry(self, retry: Retry) -> Self {
        Self::assemble(self.inner, retry, self.seeds, self.sdk)
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

#[cfg(any(
    feature = "ec2",
    feature = "ebs",
    feature = "elbv2",
    feature = "cloudwatch",
    feature = "lambda",
    feature = "autoscaling"
))]
mod sdk {
    use super::*;
    use aws_types::SdkConfig;

    impl Cloud {
        /// The SDK adapters over a shared SDK configuration (the SDK's own retry switched off
        /// under the cloud's [`Retry`]).
        ///
        /// [`Cloud::sdk`] gives the configuration and the clients back (the escape hatch):
        ///
        /// ```no_run
        /// # async fn f() -> aws_facade::Result<()> {
        /// use aws_facade::{Cloud, ec2::{DescribeInstancesRequest, Instance}};
        /// let cloud = Cloud::from_env().await;
        /// let sdk = cloud.sdk().expect("built over the SDK");
        /// // DescribeInstanceStatus is not in the facade: call the SDK ...
        /// let status = sdk.ec2_client().describe_instance_status().instance_ids("i-0123456789abcdef0").send().await;
        /// // ... and go on with the facade (its ids and outputs convert from the SDK's types).
        /// let found = cloud.ec2.describe_instances(DescribeInstancesRequest::default()).await?;
        /// # let _ = (status, found); Ok(()) }
        /// ```
        pub fn from_conf(conf: &SdkConfig) -> Self {
            // Each service's adapter, or (its feature off) the stand-in that answers
            // `Unsupported` naming the feature: the crate builds with any subset of the SDKs.
            macro_rules! adapter {
                ($feature:literal, $adapter:path, $handle:ident) => {{
                    #[cfg(feature = $feature)]
                    let (handle, client) = {
                        let a = <$adapter>::new(conf);
                        let client = a.client().clone();
                        (Arc::new(a) as Arc<dyn $handle>, client)
                    };
                    #[cfg(not(feature = $feature))]
                    let (handle, client) = (Arc::new(NotBuilt { feature: $feature }) as Arc<dyn $handle>, ());
                    (handle, client)
                }};
            }
            let (ec2, _ec2_client) = adapter!("ec2", crate::ec2::sdk::SdkEc2, Ec2);
            let (ebs, _ebs_client) = adapter!("ebs", crate::ebs::sdk::SdkEbs, Ebs);
            let (elb, _elb_client) = adapter!("elbv2", crate::elb::sdk::SdkElbv2, Elbv2);
            let (cloudwatch, _cloudwatch_client) =
                adapter!("cloudwatch", crate::cloudwatch::sdk::SdkCloudWatch, CloudWatch);
            let (lambda, _lambda_client) = adapter!("lambda", crate::lambda::sdk::SdkLambda, Lambda);
            let (autoscaling, _autoscaling_client) =
                adapter!("autoscaling", crate::autoscaling::sdk::SdkAutoScaling, AutoScaling);
            let sdk = SdkHandles {
                config: conf.clone(),
                #[cfg(feature = "ec2")]
                ec2: _ec2_client,
                #[cfg(feature = "ebs")]
                ebs: _ebs_client,
                #[cfg(feature = "elbv2")]
                elb: _elb_client,
                #[cfg(feature = "cloudwatch")]
                cloudwatch: _cloudwatch_client,
                #[cfg(feature = "lambda")]
                lambda: _lambda_client,
                #[cfg(feature = "autoscaling")]
                autoscaling: _autoscaling_client,
            };
            let mut cloud = Cloud::new(ec2, ebs, elb, cloudwatch, lambda).with_autoscaling(autoscaling);
            cloud.sdk = Some(Arc::new(sdk));
            cloud
        }

        /// The SDK adapters over `conf` with every service's endpoint overridden by `url`
        /// (for an emulator such as moto, or a VPC endpoint). A plain `http://` URL to a host
        /// that is not loopback gets no credentials (see [`Cloud::check_endpoint`]).
        pub fn from_conf_with_endpoint(conf: &SdkConfig, url: &str) -> Self {
            let mut b = conf.to_builder().endpoint_url(url);
            if let Some(creds) = conf.credentials_provider() {
                b = b.credentials_provider(plaintext::guard(url, creds));
            }
            Self::from_conf(&b.build())
        }

        /// The SDK adapters against an emulator at `url` (e.g. moto on `http://127.0.0.1:5000`),
        /// with static test credentials and the given region. Needs no AWS account. (moto does
        /// not speak the current CloudWatch protocol: use `emulator::cloud`, feature
        /// `emulator`, for that.)
        pub fn for_endpoint(url: &str, region: &str) -> Self {
            Self::from_conf(&Self::endpoint_config(url, region))
        }

        /// The SDK configuration [`Cloud::for_endpoint`] uses: static test credentials
        /// (`testing`), `region`, every endpoint at `url`. A plain `http://` URL to a host that
        /// is not loopback gets no credentials (see [`Cloud::check_endpoint`]).
        pub fn endpoint_config(url: &str, region: &str) -> SdkConfig {
            let creds = aws_credential_types::Credentials::from_keys("testing", "testing", None);
            SdkConfig::builder()
                .behavior_version(aws_smithy_runtime_api::client::behavior_version::BehaviorVersion::latest())
                .region(aws_types::region::Region::new(region.to_string()))
                .credentials_provider(plaintext::guard(
                    url,
                    aws_credential_types::provider::SharedCredentialsProvider::new(creds),
                ))
                .endpoint_url(url)
                .build()
        }

        /// Whether signed requests may go to `url`: refused for plain `http://` to a host that
        /// is not loopback (127.0.0.0/8, `::1`, `localhost`), unless
        /// [`ALLOW_PLAINTEXT_ENV`](plaintext::ALLOW_PLAINTEXT_ENV)`=1` is set. The endpoint
        /// constructors apply the same rule lazily: their credentials provider fails every
        /// request with this error, so nothing is signed or sent. Call this to fail up front.
        pub fn check_endpoint(url: &str) -> crate::Result<()> {
            match plaintext::refusal(url, plaintext::allowed_by_env()) {
                None => Ok(()),
                Some(rule) => Err(crate::Error::validation("endpoint_url", rule)),
            }
        }

        /// The SDK adapters with the default credential chain and region (environment,
        /// profile, IMDS, ...); `AWS_ENDPOINT_URL` (and `AWS_ENDPOINT_URL_<SERVICE>`) are honoured.
        ///
        /// The plain-HTTP rule of [`Cloud::check_endpoint`] applies to those endpoints too: an
        /// `http://` endpoint (global or per service) to a host that is not loopback gets no
        /// credentials, so nothing is signed or sent. (Per-service endpoints from a profile's
        /// `services` section are not checked.)
        #[cfg(feature = "config")]
        pub async fn from_env() -> Self {
            let conf = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
            let service_urls = plaintext::SERVICE_ENDPOINT_ENVS
                .iter()
                .filter_map(|v| std::env::var(v).ok());
            Self::from_conf(&guard_endpoints(conf, service_urls))
        }
    }

    /// `conf` with its credentials refused (see [`plaintext::guard`]) if its endpoint, or any
    /// of `service_urls`, is plain HTTP to a host that is not loopback.
    #[cfg_attr(not(feature = "config"), allow(dead_code))]
    pub(super) fn guard_endpoints(conf: SdkConfig, service_urls: impl Iterator<Item = String>) -> SdkConfig {
        let mut urls: Vec<String> = conf.endpoint_url().map(str::to_string).into_iter().collect();
        urls.extend(service_urls);
        let refused = urls
            .iter()
            .find(|u| plaintext::refusal(u, plaintext::allowed_by_env()).is_some());
        match (refused, conf.credentials_provider()) {
            (Some(url), Some(creds)) => conf
                .to_builder()
                .credentials_provider(plaintext::guard(url, creds))
                .build(),
            _ => conf,
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use aws_credential_types::provider::ProvideCredentials;

        fn conf(endpoint: Option<&str>) -> SdkConfig {
            let creds = aws_credential_types::Credentials::from_keys("AKIDEXAMPLE", "secret", None);
            let mut b = SdkConfig::builder()
                .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(creds));
            if let Some(e) = endpoint {
                b = b.endpoint_url(e);
            }
            b.build()
        }

        async fn creds_ok(c: &SdkConfig) -> Result<(), String> {
            let p = c.credentials_provider().unwrap();
            p.provide_credentials().await.map(|_| ()).map_err(|e| format!("{e:?}"))
        }

        #[cfg(feature = "sim")]
        #[tokio::test]
        async fn the_sdk_clients_are_reachable_through_layers() {
            let cloud = Cloud::for_endpoint("http://127.0.0.1:9", "eu-west-1")
                .layer(crate::layer::Recording::new())
                .with_retry(Retry::none());
            let sdk = cloud.sdk().expect("built over the SDK");
            assert_eq!(sdk.config().region().map(|r| r.as_ref()), Some("eu-west-1"));
            assert_eq!(
                sdk.ec2_client().config().region().map(|r| r.as_ref()),
                Some("eu-west-1")
            );
            assert!(
                sdk.lambda_client()
                    .config()
                    .retry_config()
                    .is_some_and(|r| r.max_attempts() == 1)
            );
            assert!(crate::sim::SimCloud::new().cloud().sdk().is_none());
        }

        #[tokio::test]
        async fn from_env_endpoints_over_plain_http_to_remote_hosts_get_no_credentials() {
            let remote = guard_endpoints(conf(Some("http://10.0.0.5:5000")), std::iter::empty());
            let err = creds_ok(&remote).await.unwrap_err();
            assert!(err.contains("refusing to send credentials over plain HTTP"), "{err}");
            let per_service = guard_endpoints(conf(None), ["http://moto.example:5000".to_string()].into_iter());
            assert!(
                creds_ok(&per_service).await.is_err(),
                "a per-service endpoint is checked too"
            );
            for fine in [Some("http://127.0.0.1:5000"), Some("https://ec2.example.com"), None] {
                let c = guard_endpoints(conf(fine), std::iter::empty());
                assert!(creds_ok(&c).await.is_ok(), "{fine:?}");
            }
        }
    }
}

/// Plain HTTP to a host that is not loopback carries no credentials unless asked for: an
/// emulator on another machine (or anything reached through a mistyped endpoint) would see
/// every signed request, and anyone on the path could answer in its place.
pub mod plaintext {
    use aws_credential_types::provider::{
        ProvideCredentials, SharedCredentialsProvider, error::CredentialsError, future,
    };

    /// Set to `1` (or `true`) to allow signed requests over plain `http://` to a host that is
    /// not loopback (an emulator on another machine of a trusted network). Read when an
    /// endpoint configuration is built.
    pub const ALLOW_PLAINTEXT_ENV: &str = "AWS_FACADE_ALLOW_PLAINTEXT_EMULATOR";

    /// The per-service endpoint variables of the five services (the SDK's
    /// `AWS_ENDPOINT_URL_<SERVICE ID>`), checked by [`Cloud::from_env`](crate::Cloud::from_env).
    pub const SERVICE_ENDPOINT_ENVS: &[&str] = &[
        "AWS_ENDPOINT_URL_EC2",
        "AWS_ENDPOINT_URL_EBS",
        "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2",
        "AWS_ENDPOINT_URL_CLOUDWATCH",
        "AWS_ENDPOINT_URL_LAMBDA",
    ];

    /// Whether [`ALLOW_PLAINTEXT_ENV`] is set to `1` or `true`.
    pub fn allowed_by_env() -> bool {
        std::env::var(ALLOW_PLAINTEXT_ENV).is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
    }

    /// Whether `host` (as in a URL: `[::1]` with brackets) is 127.0.0.0/8, `::1` or `localhost`.
    pub fn is_loopback_host(host: &str) -> bool {
        let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
        bare.eq_ignore_ascii_case("localhost") || bare.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }

    /// The host of a plain `http://` URL (after any `userinfo@`); `None` for any other scheme.
    /// When what follows the host is not `:` and digits, the whole authority is returned, which
    /// is never taken for loopback.
    pub fn plaintext_host(url: &str) -> Option<&str> {
        let scheme = url.get(..7)?;
        if !scheme.eq_ignore_ascii_case("http://") {
            return None;
        }
        let rest = &url[7..];
        let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
        let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let (host, port) = if hostport.starts_with('[') {
            match hostport.find(']') {
                Some(end) => hostport.split_at(end + 1),
                None => return Some(hostport),
            }
        } else {
            hostport.split_at(hostport.find(':').unwrap_or(hostport.len()))
        };
        let port_ok = port.is_empty()
            || port
                .strip_prefix(':')
                .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()));
        Some(if port_ok { host } else { hostport })
    }

    /// Why signed requests must not go to `url` (`None`: they may): plain HTTP to a host that
    /// is not loopback, unless `allowed`.
    pub fn refusal(url: &str, allowed: bool) -> Option<String> {
        let host = plaintext_host(url)?;
        if allowed || is_loopback_host(host) {
            return None;
        }
        Some(format!(
            "refusing to send credentials over plain HTTP to {host:?} ({url}), which is not loopback \
             (127.0.0.0/8, ::1, localhost): use https://, a loopback address, or set \
             {ALLOW_PLAINTEXT_ENV}=1 to allow it"
        ))
    }

    /// `creds`, or, when [`refusal`] refuses `url` (with the environment's opt-in), a provider
    /// that fails every request with the refusal, so that nothing is signed or sent.
    pub fn guard(url: &str, creds: SharedCredentialsProvider) -> SharedCredentialsProvider {
        match refusal(url, allowed_by_env()) {
            None => creds,
            Some(why) => SharedCredentialsProvider::new(Refuse(why)),
        }
    }

    #[derive(Debug)]
    struct Refuse(String);

    impl ProvideCredentials for Refuse {
        fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
        where
            Self: 'a,
        {
            future::ProvideCredentials::ready(Err(CredentialsError::invalid_configuration(self.0.clone())))
        }
    }
}

#[cfg(all(test, feature = "sim"))]
mod not_built_tests {
    use super::*;
    use crate::ErrorKind;
    use crate::workflows::snapshot::{self, UploadOptions};

    /// A cloud as `from_conf` builds it without the `ec2` feature: EC2 is the stand-in, the
    /// rest is the simulator.
    fn without_ec2(sim: &crate::sim::SimCloud) -> Cloud {
        let s = Arc::new(sim.clone());
        Cloud::new(
            Arc::new(NotBuilt { feature: "ec2" }),
            s.clone(),
            s.clone(),
            s.clone(),
            s,
        )
    }

    #[tokio::test(start_paused = true)]
    async fn a_service_not_built_answers_unsupported_naming_the_feature() {
        let sim = crate::sim::SimCloud::new();
        let cloud = without_ec2(&sim);
        let err = cloud.ec2.default_vpc().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported);
        assert!(!err.is_retryable(), "an absent service is not retried");
        assert_eq!(
            err.to_string(),
            "EC2 DescribeVpcs is not supported here: aws-facade was built without its `ec2` feature, so it has no EC2 client"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_snapshot_uploads_with_ebs_alone_and_reports_the_status_it_could_see() {
        let sim = crate::sim::SimCloud::new();
        let cloud = without_ec2(&sim);
        let data = vec![3u8; 2 * crate::ebs::BLOCK_SIZE];
        let opts = UploadOptions::builder().build().unwrap();
        let up = snapshot::upload_reader(&cloud, &data[..], data.len() as u64, &opts)
            .await
            .unwrap();
        assert_eq!(up.blocks_written, 2);
        // The simulator seals asynchronously (CompleteSnapshot answers pending, as AWS does);
        // without EC2 there is no DescribeSnapshots to wait on, so pending is what is reported.
        assert_eq!(up.status, crate::ebs::DirectSnapshotStatus::Pending);
    }
}
