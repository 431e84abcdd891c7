//! The conformance suite: behaviour every implementation of the service traits must show,
//! written ONCE over a [`Backend`] and run by tests/conformance_sim.rs (the simulator, on paused
//! time), tests/conformance_moto.rs (the SDK adapters against moto server, on real time) and
//! tests/conformance_wire.rs (the simulator, its served services through the SDK adapters over
//! `sim::wire`).
//!
//! Adding a scenario: write `pub async fn name(b: &Backend)` in its service's file (EC2 below;
//! elb.rs, cloudwatch.rs, lambda.rs, ebs.rs beside this file, each with its `Backend` helpers)
//! and add `name` to [`scenarios!`]; both binaries then run it. Assert what AWS does; where moto
//! differs, branch on `b.deviates(DeviationId::X)` and record the deviation (with a moto test
//! that shows it) in tests/support/deviations.rs. Never weaken an assertion for the simulator.
//!
//! Scenarios clean up after themselves: on the simulator, [`Backend::finish`] asserts that no
//! resource is left (`SimCloud::inventory`); moto is reset before every scenario.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_facade::ec2::{
    AttachVolumeRequest, AttachmentState, AuthorizeIngressRequest, CreateSecurityGroupRequest, CreateSnapshotRequest,
    CreateVolumeRequest, DescribeImagesRequest, DescribeInstancesRequest, DescribeSecurityGroupsRequest,
    DescribeSnapshotsRequest, DescribeVolumesRequest, DetachVolumeRequest, Image, IngressSource, Instance,
    InstanceState, RunInstancesRequest, Snapshot, SnapshotState, Subnet, Volume, VolumeState, VolumeType,
};
use aws_facade::id::{Arn, FunctionName, InstanceId, SecurityGroupId, SnapshotId, VolumeId};
use aws_facade::lambda::FunctionConfiguration;
use aws_facade::sim::SimCloud;
use aws_facade::wait::{Backoff, Check, Waiter};
use aws_facade::{Cloud, Error, ErrorKind, Tags};

use crate::support::deviations::{DeviationId, deviation};
use crate::support::moto::{self, MotoSession};

mod autoscaling;
mod cloudwatch;
mod ebs;
mod ec2;
mod elb;
mod lambda;
pub use autoscaling::*;
pub use cloudwatch::*;
pub use ebs::*;
pub use ec2::*;
pub use elb::*;
pub use lambda::*;

/// Every scenario, by service section. Each test binary passes a macro that turns a name into a
/// `#[tokio::test]` for its backend.
macro_rules! scenarios {
    ($test:ident) => {
        $test!(
            // EC2
            ec2_default_vpc_has_subnets_in_several_zones,
            ec2_images_are_listed_newest_first_and_found_by_id,
            ec2_security_group_lifecycle,
            ec2_security_group_duplicate_name_is_a_conflict,
            ec2_delete_unknown_security_group_is_not_found,
            ec2_instance_lifecycle_with_tags_and_imdsv2,
            ec2_describe_unknown_instance_is_not_found,
            ec2_run_instances_client_token_is_idempotent,
            ec2_run_instances_encrypts_the_root_volume,
            ec2_ingress_takes_ipv6_and_canonical_cidrs,
            ec2_volume_attach_detach_lifecycle,
            ec2_snapshot_lifecycle,
            ec2_volumes_stream_page_by_page_with_a_limit,
            ec2_stop_and_start_keep_the_attached_volume,
            ec2_revoke_ingress_and_delete_tags,
            ec2_modify_volume_grows_it_in_place,
            ec2_key_pairs_create_import_launch_and_delete,
            ec2_elastic_ip_allocate_associate_release,
            ec2_instance_status_and_types,
            ec2_run_instances_with_volumes_and_placement,
            ec2_launch_templates_versions_and_launch,
            // ELBv2
            elb_load_balancer_lifecycle_with_tags,
            elb_load_balancer_name_is_idempotent_then_a_conflict,
            elb_unknown_resources_are_not_found,
            elb_target_group_health_check_and_attributes,
            elb_targets_register_become_healthy_and_drain,
            elb_listener_lifecycle_and_target_group_in_use,
            elb_redirect_listener_and_load_balancer_attributes,
            elb_listener_rules_lifecycle,
            elb_rules_of_unknown_resources_are_not_found,
            elb_modify_listener_and_certificates,
            // CloudWatch (moto: through support::cw_proxy)
            cw_metric_data_round_trip,
            cw_alarm_lifecycle,
            cw_set_alarm_state,
            cw_alarm_actions_disable_and_enable,
            cw_describe_alarms_returns_every_page,
            cw_dashboard_lifecycle,
            cw_unknown_alarm_and_dashboard_are_not_found,
            cw_tag_and_untag_alarm,
            cw_alarm_history,
            cw_metric_math_in_get_metric_data,
            cw_metric_math_alarm_lifecycle,
            cw_composite_alarm_lifecycle,
            // Lambda (moto: without Docker, with an IAM role; see Backend::lambda_prepare)
            lambda_function_lifecycle,
            lambda_versions_and_weighted_alias,
            lambda_invoke_and_permissions,
            lambda_unknown_function_is_not_found,
            lambda_tags_and_concurrency,
            lambda_function_urls,
            lambda_layers,
            lambda_vpc_storage_and_dead_letter_config,
            // EBS direct
            ebs_direct_snapshot_round_trip,
            ebs_wrong_checksums_are_rejected,
            ebs_changed_blocks_between_parent_and_child,
            ebs_unknown_snapshot_is_not_found,
            // Auto Scaling (moto: with the autoscaling feature)
            asg_group_lifecycle_with_a_launch_template,
            asg_target_tracking_policy_owns_its_alarms,
            asg_unknown_group_is_not_found,
        );
    };
}
pub(crate) use scenarios;

// ---------------------------------------------------------------------------------------------
// Backend

/// Which implementation a [`Backend`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The in-process simulator (paused tokio time).
    Sim,
    /// The SDK adapters against moto server (real time).
    Moto,
    /// The simulator again, with the services in [`WIRE_SERVICES`] reached through their SDK
    /// adapters over the simulator's wire front end (`sim::wire`, in process, paused time): a
    /// difference from [`Kind::Sim`] is a codec bug.
    Wire,
}

/// The services the wire backend reaches through the SDK adapters over `sim::wire` (the others
/// call the simulator directly until their codecs are written).
pub const WIRE_SERVICES: &[&str] = &["ebs", "cloudwatch", "lambda", "elbv2", "ec2"];

/// What a scenario runs against.
pub struct Backend {
    /// The five service handles.
    pub cloud: Cloud,
    /// Which implementation.
    pub kind: Kind,
    /// The simulator, for [`Kind::Sim`].
    pub sim: Option<SimCloud>,
    /// Exclusive use of the (reset) moto server, for [`Kind::Moto`].
    pub moto: Option<MotoSession>,
    /// For [`Kind::Wire`]: the requests that went over the wire, by endpoint host prefix
    /// (`monitoring`, `ebs`, ...).
    pub wire_calls: Option<WireCalls>,
}

/// Requests counted by endpoint host prefix.
pub type WireCalls = Arc<std::sync::Mutex<BTreeMap<String, usize>>>;

/// The simulator's wire client, counting each request by its endpoint's host prefix.
#[derive(Debug, Clone)]
struct CountingClient {
    inner: aws_smithy_runtime_api::client::http::SharedHttpClient,
    calls: WireCalls,
}

impl aws_smithy_runtime_api::client::http::HttpClient for CountingClient {
    fn http_connector(
        &self,
        settings: &aws_smithy_runtime_api::client::http::HttpConnectorSettings,
        components: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
    ) -> aws_smithy_runtime_api::client::http::SharedHttpConnector {
        aws_smithy_runtime_api::client::http::SharedHttpConnector::new(CountingConnector {
            inner: self.inner.http_connector(settings, components),
            calls: self.calls.clone(),
        })
    }
}

#[derive(Debug)]
struct CountingConnector {
    inner: aws_smithy_runtime_api::client::http::SharedHttpConnector,
    calls: WireCalls,
}

impl aws_smithy_runtime_api::client::http::HttpConnector for CountingConnector {
    fn call(
        &self,
        request: aws_smithy_runtime_api::client::orchestrator::HttpRequest,
    ) -> aws_smithy_runtime_api::client::http::HttpConnectorFuture {
        let uri = request.uri().to_string();
        let host = uri.split("://").nth(1).unwrap_or_default();
        let prefix = host.split('.').next().unwrap_or_default().to_string();
        *self.calls.lock().unwrap().entry(prefix).or_default() += 1;
        self.inner.call(request)
    }
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl Backend {
    /// A fresh simulator with its default (AWS-like) durations. Run under paused time.
    pub fn sim() -> Self {
        let sim = SimCloud::new();
        Backend {
            cloud: sim.cloud(),
            kind: Kind::Sim,
            sim: Some(sim),
            moto: None,
            wire_calls: None,
        }
    }

    /// A fresh simulator whose [`WIRE_SERVICES`] are reached through the SDK adapters over its
    /// in-process wire client (SDK retries off: the crate's retry layer is the one budget).
    pub fn wire() -> Self {
        let sim = SimCloud::new();
        let calls = WireCalls::default();
        let counting = CountingClient {
            inner: sim.http_client(),
            calls: calls.clone(),
        };
        let conf = sim
            .sdk_config()
            .to_builder()
            .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
            .http_client(counting)
            .build();
        let sdk = Cloud::from_conf(&conf);
        let mut cloud = sim.cloud();
        for service in WIRE_SERVICES {
            cloud = match *service {
                "ebs" => cloud.with_ebs(sdk.ebs.clone()),
                "cloudwatch" => cloud.with_cloudwatch(sdk.cloudwatch.clone()),
                "lambda" => cloud.with_lambda(sdk.lambda.clone()),
                "elbv2" => cloud.with_elb(sdk.elb.clone()),
                "ec2" => cloud.with_ec2(sdk.ec2.clone()),
                other => panic!("no service {other}"),
            };
        }
        Backend {
            cloud,
            kind: Kind::Wire,
            sim: Some(sim),
            moto: None,
            wire_calls: Some(calls),
        }
    }

    /// The SDK adapters against the shared, freshly reset moto server, held exclusively until
    /// this backend is dropped. `None` when moto is not installed (and not required).
    pub async fn moto() -> Option<Self> {
        let session = moto::session().await?;
        Some(Backend {
            cloud: crate::support::moto_cloud(&session),
            kind: Kind::Moto,
            sim: None,
            moto: Some(session),
            wire_calls: None,
        })
    }

    /// Whether this backend shows the known deviation `id` (see tests/support/deviations.rs).
    pub fn deviates(&self, id: DeviationId) -> bool {
        // Every recorded deviation is moto's; `deviation` panics on an id without an entry.
        let _ = deviation(id);
        self.kind == Kind::Moto
    }

    /// The moto session (panics on the simulator).
    pub fn moto_session(&self) -> &MotoSession {
        self.moto.as_ref().expect("a moto backend")
    }

    /// A waiter suited to the backend: generous on the simulator's virtual clock (AWS-like
    /// durations cost no real time), short with quick polls against moto.
    pub fn waiter(&self, what: impl Into<String>) -> Waiter {
        match self.kind {
            Kind::Sim | Kind::Wire => Waiter::new(what).timeout(Duration::from_secs(30 * 60)),
            Kind::Moto => Waiter::new(what).timeout(Duration::from_secs(60)).backoff(Backoff {
                initial: Duration::from_millis(50),
                max: Duration::from_secs(1),
                multiplier: 2.0,
                jitter: false,
            }),
        }
    }

    /// For [`Kind::Wire`]: asserts that scenario `name` (its prefix names its service) went
    /// over the wire when its service is one of [`WIRE_SERVICES`], so a backend that quietly
    /// called the simulator directly fails.
    pub fn assert_wire_used(&self, name: &str) {
        let Some(calls) = &self.wire_calls else { return };
        let (service, host) = match name.split('_').next().unwrap_or_default() {
            "cw" => ("cloudwatch", "monitoring"),
            "ebs" => ("ebs", "ebs"),
            "lambda" => ("lambda", "lambda"),
            "elb" => ("elbv2", "elasticloadbalancing"),
            "ec2" => ("ec2", "ec2"),
            "asg" => ("autoscaling", "autoscaling"),
            other => panic!("scenario {name}: no service for prefix {other}"),
        };
        if WIRE_SERVICES.contains(&service) {
            let n = calls.lock().unwrap().get(host).copied().unwrap_or(0);
            assert!(
                n > 0,
                "scenario {name} sent no {service} request over the wire: {calls:?}"
            );
        }
    }

    /// Ends a scenario: on the simulator, asserts nothing was left behind.
    pub async fn finish(self) {
        if let Some(sim) = &self.sim {
            let inv = sim.inventory();
            assert!(inv.is_empty(), "the scenario left resources behind: {inv}");
        }
    }

    /// The current time on the backend's clock (the simulator's virtual calendar, or the real
    /// one for moto): metric timestamps must be near it.
    pub fn now(&self) -> SystemTime {
        match &self.sim {
            Some(sim) => sim.wall_clock(),
            None => SystemTime::now(),
        }
    }

    /// Prepares a Lambda function named `function` whose package is [`echo_function_zip`]:
    /// on moto, Invoke without Docker and an execution role (moto checks that it exists); on
    /// the simulator, a Rust handler doing what the package's Python does. Returns the role.
    pub async fn lambda_prepare(&self, function: &str) -> Arn {
        match (&self.sim, &self.moto) {
            (Some(sim), _) => {
                sim.register_handler(
                    function,
                    Arc::new(|inv| Ok(serde_json::json!({"echo": inv.payload.clone(), "version": inv.version}))),
                );
                format!("arn:aws:iam::{}:role/conformance-lambda", moto::ACCOUNT_ID)
                    .parse()
                    .expect("role ARN")
            }
            (None, Some(session)) => {
                session.lambda_without_docker().await;
                session
                    .create_lambda_role("conformance-lambda")
                    .await
                    .parse()
                    .expect("role ARN")
            }
            (None, None) => unreachable!("a backend is the simulator or moto"),
        }
    }

    /// A certificate for `domain`: made up on the simulator (which has no ACM), requested from
    /// moto's ACM (ELBv2 refuses certificates ACM does not have, as AWS does).
    pub async fn certificate(&self, domain: &str, n: u8) -> Arn {
        match &self.moto {
            Some(session) => session
                .request_certificate(domain)
                .await
                .parse()
                .expect("certificate ARN"),
            None => format!(
                "arn:aws:acm:{}:{}:certificate/{n}{n}{n}{n}{n}{n}{n}{n}-1111-1111-1111-111111111111",
                moto::REGION,
                moto::ACCOUNT_ID
            )
            .parse()
            .expect("certificate ARN"),
        }
    }

    /// Waits until function `name` is `Active` with no update in progress.
    pub async fn wait_function_ready(&self, name: &FunctionName) -> FunctionConfiguration {
        let lambda = self.cloud.lambda.clone();
        self.waiter(format!("function {name} ready"))
            .until(|| {
                let (lambda, name) = (lambda.clone(), name.clone());
                async move {
                    let c = lambda.get_function_configuration(name, None).await?;
                    Ok(if c.is_ready() {
                        Check::Done(c)
                    } else {
                        Check::Pending(format!("{:?} {:?}", c.state, c.last_update_status))
                    })
                }
            })
            .await
            .unwrap_or_else(|e| panic!("waiting for function {name}: {e}"))
    }

    /// Tags marking a scenario's resources.
    pub fn tags(&self, scenario: &str) -> Tags {
        Tags::from([
            ("conformance".to_string(), scenario.to_string()),
            ("Name".to_string(), format!("{scenario}-res")),
        ])
    }

    // -- EC2 helpers ---------------------------------------------------------------------------

    /// The default VPC's subnets (at least one).
    pub async fn subnets(&self) -> Vec<Subnet> {
        let vpc = self.cloud.ec2.default_vpc().await.expect("default VPC");
        let subnets = self.cloud.ec2.describe_subnets(vpc.id).await.expect("subnets");
        assert!(!subnets.is_empty(), "the default VPC has no subnet");
        subnets
    }

    /// An available image to launch.
    pub async fn image(&self) -> Image {
        let images = self
            .cloud
            .ec2
            .describe_images(DescribeImagesRequest::default())
            .await
            .expect("describe images");
        images
            .into_iter()
            .find(|i| i.state == "available" && i.architecture == "x86_64")
            .expect("an available x86_64 image")
    }

    /// Launches `count` t3.micro instances with `tags` (IMDSv2 required by default).
    pub async fn launch(&self, count: u32, subnet: Option<&Subnet>, tags: Tags) -> Vec<Instance> {
        self.launch_in_groups(count, subnet, Vec::new(), tags).await
    }

    /// Launches `count` t3.micro instances in security `groups` (none: the VPC's default).
    pub async fn launch_in_groups(
        &self,
        count: u32,
        subnet: Option<&Subnet>,
        groups: Vec<SecurityGroupId>,
        tags: Tags,
    ) -> Vec<Instance> {
        let image = self.image().await;
        let req = RunInstancesRequest::builder()
            .image_id(image.id)
            .instance_type("t3.micro".parse().expect("instance type"))
            .count(count)
            .maybe_subnet_id(subnet.map(|s| s.id.clone()))
            .security_group_ids(groups)
            .tags(tags)
            .build()
            .expect("valid RunInstances request");
        let launched = self.cloud.ec2.run_instances(req).await.expect("run instances");
        assert_eq!(launched.len(), count as usize, "RunInstances launched {launched:?}");
        launched
    }

    /// Waits until instance `id` is in `state`.
    pub async fn wait_instance(&self, id: &InstanceId, state: InstanceState) -> Instance {
        let ec2 = self.cloud.ec2.clone();
        self.waiter(format!("instance {id} {state}"))
            .until(|| {
                let ec2 = ec2.clone();
                let state = state.clone();
                let req = DescribeInstancesRequest::builder()
                    .instance_ids(vec![id.clone()])
                    .build()
                    .expect("valid request");
                async move {
                    let found = ec2.describe_instances(req).await?;
                    Ok(match found.into_iter().next() {
                        Some(i) if i.state == state => Check::Done(i),
                        Some(i) => Check::Pending(i.state.to_string()),
                        None => Check::Pending("not listed".into()),
                    })
                }
            })
            .await
            .unwrap_or_else(|e| panic!("waiting for instance {id} to be {state}: {e}"))
    }

    /// Terminates instances and waits until they are `terminated`.
    pub async fn terminate(&self, ids: &[InstanceId]) {
        self.cloud
            .ec2
            .terminate_instances(ids.to_vec())
            .await
            .expect("terminate instances");
        for id in ids {
            self.wait_instance(id, InstanceState::Terminated).await;
        }
    }

    /// Waits until volume `id` is in `state` (and, for `in-use`, its attachment is `attached`).
    pub async fn wait_volume(&self, id: &VolumeId, state: VolumeState) -> Volume {
        let ec2 = self.cloud.ec2.clone();
        self.waiter(format!("volume {id} {}", state.as_str()))
            .until(|| {
                let ec2 = ec2.clone();
                let state = state.clone();
                let req = DescribeVolumesRequest::builder()
                    .volume_ids(vec![id.clone()])
                    .build()
                    .expect("valid request");
                async move {
                    let found = ec2.describe_volumes(req).await?;
                    Ok(match found.into_iter().next() {
                        Some(v)
                            if v.state == state
                                && v.attachments.iter().all(|a| a.state == AttachmentState::Attached) =>
                        {
                            Check::Done(v)
                        }
                        Some(v) => Check::Pending(format!("{} {:?}", v.state.as_str(), v.attachments)),
                        None => Check::Pending("not listed".into()),
                    })
                }
            })
            .await
            .unwrap_or_else(|e| panic!("waiting for volume {id} to be {}: {e}", state.as_str()))
    }

    /// Waits until snapshot `id` is in `state`.
    pub async fn wait_snapshot(&self, id: &SnapshotId, state: SnapshotState) -> Snapshot {
        let ec2 = self.cloud.ec2.clone();
        self.waiter(format!("snapshot {id} {state:?}"))
            .until(|| {
                let ec2 = ec2.clone();
                let state = state.clone();
                let req = DescribeSnapshotsRequest::builder()
                    .snapshot_ids(vec![id.clone()])
                    .build()
                    .expect("valid request");
                async move {
                    let found = ec2.describe_snapshots(req).await?;
                    Ok(match found.into_iter().next() {
                        Some(s) if s.state == state => Check::Done(s),
                        Some(s) => Check::Pending(format!("{:?} {:?}%", s.state, s.progress)),
                        None => Check::Pending("not listed".into()),
                    })
                }
            })
            .await
            .unwrap_or_else(|e| panic!("waiting for snapshot {id} to be {state:?}: {e}"))
    }

    /// Two default subnets in different Availability Zones (what an ALB needs).
    pub async fn subnets_in_two_zones(&self) -> [Subnet; 2] {
        let subnets = self.subnets().await;
        let first = subnets[0].clone();
        let second = subnets
            .iter()
            .find(|s| s.availability_zone != first.availability_zone)
            .expect("a subnet in a second zone")
            .clone();
        [first, second]
    }

    /// Creates a security group in the default VPC admitting TCP `port` from `source` (if any).
    pub async fn security_group(&self, name: &str, port: u16, source: Option<IngressSource>) -> SecurityGroupId {
        let vpc = self.cloud.ec2.default_vpc().await.expect("default VPC");
        let id = self
            .cloud
            .ec2
            .create_security_group(
                CreateSecurityGroupRequest::builder()
                    .name(name)
                    .description(format!("conformance {name}"))
                    .vpc_id(vpc.id)
                    .build()
                    .expect("valid CreateSecurityGroup request"),
            )
            .await
            .expect("create security group");
        if let Some(source) = source {
            self.cloud
                .ec2
                .authorize_ingress(
                    AuthorizeIngressRequest::builder()
                        .group_id(id.clone())
                        .from_port(port)
                        .source(source)
                        .build()
                        .expect("valid ingress rule"),
                )
                .await
                .expect("authorize ingress");
        }
        id
    }

    /// Deletes a security group, retrying while a deleted load balancer's network interfaces
    /// still hold it (`DependencyViolation`, as AWS answers for a while after DeleteLoadBalancer).
    pub async fn delete_security_group(&self, id: &SecurityGroupId) {
        let ec2 = self.cloud.ec2.clone();
        self.waiter(format!("delete security group {id}"))
            .until(|| {
                let (ec2, id) = (ec2.clone(), id.clone());
                async move {
                    match ec2.delete_security_group(id).await {
                        Ok(()) => Ok(Check::Done(())),
                        Err(e) if e.is_dependency_violation() => Ok(Check::Pending(e.to_string())),
                        Err(e) => Err(e),
                    }
                }
            })
            .await
            .unwrap_or_else(|e| panic!("deleting security group {id}: {e}"))
    }

    /// Creates an 8 GiB volume with the defaults (gp3, encrypted) in `subnet`'s zone.
    pub async fn create_volume(&self, subnet: &Subnet, tags: Tags) -> Volume {
        let req = CreateVolumeRequest::builder()
            .availability_zone(subnet.availability_zone.clone())
            .size_gib(8)
            .tags(tags)
            .build()
            .expect("valid CreateVolume request");
        self.cloud.ec2.create_volume(req).await.expect("create volume")
    }
}

/// Asserts `result` failed with `kind` and returns the error.
#[track_caller]
pub fn expect_err<T: std::fmt::Debug>(result: aws_facade::Result<T>, kind: ErrorKind, what: &str) -> Error {
    match result {
        Ok(v) => panic!("{what}: expected a {kind:?} error, got Ok({v:?})"),
        Err(e) => {
            assert_eq!(e.kind(), kind, "{what}: expected {kind:?}, got {e:?}");
            e
        }
    }
}

fn ids(instances: &[Instance]) -> BTreeSet<InstanceId> {
    instances.iter().map(|i| i.id.clone()).collect()
}

// ---------------------------------------------------------------------------------------------
// EC2

/// The region has a default VPC with default subnets in at least two Availability Zones.
pub async fn ec2_default_vpc_has_subnets_in_several_zones(b: &Backend) {
    let vpc = b.cloud.ec2.default_vpc().await.expect("default VPC");
    assert!(vpc.is_default, "{vpc:?}");
    assert!(vpc.cidr_block.contains('/'), "{vpc:?}");
    let subnets = b.cloud.ec2.describe_subnets(vpc.id.clone()).await.expect("subnets");
    assert!(subnets.len() >= 2, "at least two subnets, got {subnets:?}");
    let zones: BTreeSet<_> = subnets.iter().map(|s| s.availability_zone.to_string()).collect();
    assert!(zones.len() >= 2, "subnets in at least two zones, got {zones:?}");
    for s in &subnets {
        assert_eq!(s.vpc_id, vpc.id, "{s:?}");
        assert!(
            s.default_for_az,
            "default VPC subnets are default for their zone: {s:?}"
        );
        assert!(
            s.availability_zone.to_string().starts_with(moto::REGION),
            "zone of the region: {s:?}"
        );
    }
}

/// DescribeImages lists available images newest first; an image is found again by its id.
pub async fn ec2_images_are_listed_newest_first_and_found_by_id(b: &Backend) {
    let images = b
        .cloud
        .ec2
        .describe_images(DescribeImagesRequest::default())
        .await
        .expect("describe images");
    assert!(!images.is_empty(), "some images are listed");
    let dates: Vec<&str> = images.iter().map(|i| i.creation_date.as_str()).collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted, "newest first");
    let first = &images[0];
    let again = b
        .cloud
        .ec2
        .describe_images(
            DescribeImagesRequest::builder()
                .image_ids(vec![first.id.clone()])
                .build()
                .expect("valid"),
        )
        .await
        .expect("describe image by id");
    assert_eq!(again.len(), 1, "{again:?}");
    assert_eq!(&again[0], first);
}

/// A security group: created empty, rules from a CIDR and from another group, found by id, by
/// name and by tag, then deleted (after which it is not found).
pub async fn ec2_security_group_lifecycle(b: &Backend) {
    let vpc = b.cloud.ec2.default_vpc().await.expect("default VPC");
    let tags = b.tags("sg-lifecycle");
    let create = |name: &str| {
        CreateSecurityGroupRequest::builder()
            .name(name)
            .description(format!("conformance {name}"))
            .vpc_id(vpc.id.clone())
            .tags(tags.clone())
            .build()
            .expect("valid CreateSecurityGroup request")
    };
    let web = b
        .cloud
        .ec2
        .create_security_group(create("conf-web"))
        .await
        .expect("create web");
    let app = b
        .cloud
        .ec2
        .create_security_group(create("conf-app"))
        .await
        .expect("create app");

    let describe_one = |id| {
        let ec2 = b.cloud.ec2.clone();
        async move {
            let found = ec2
                .describe_security_groups(
                    DescribeSecurityGroupsRequest::builder()
                        .group_ids(vec![id])
                        .build()
                        .expect("valid"),
                )
                .await
                .expect("describe group");
            assert_eq!(found.len(), 1, "{found:?}");
            found.into_iter().next().expect("one group")
        }
    };
    let g = describe_one(web.clone()).await;
    assert_eq!(g.name, "conf-web");
    assert_eq!(g.description, "conformance conf-web");
    assert_eq!(g.vpc_id, vpc.id);
    assert!(g.ingress.is_empty(), "a new group admits nothing: {:?}", g.ingress);
    assert_eq!(g.tags, tags);

    b.cloud
        .ec2
        .authorize_ingress(
            AuthorizeIngressRequest::builder()
                .group_id(web.clone())
                .from_port(443)
                .source(IngressSource::Cidr("0.0.0.0/0".into()))
                .description("https from anywhere")
                .build()
                .expect("valid"),
        )
        .await
        .expect("authorize from CIDR");
    b.cloud
        .ec2
        .authorize_ingress(
            AuthorizeIngressRequest::builder()
                .group_id(app.clone())
                .from_port(8080)
                .to_port(8081)
                .source(IngressSource::Group(web.clone()))
                .build()
                .expect("valid"),
        )
        .await
        .expect("authorize from group");

    let g = describe_one(web.clone()).await;
    assert_eq!(g.ingress.len(), 1, "{:?}", g.ingress);
    assert!(
        g.ingress[0].admits_tcp(443, &IngressSource::Cidr("0.0.0.0/0".into())),
        "{:?}",
        g.ingress
    );
    assert!(!g.ingress[0].admits_tcp(80, &IngressSource::Cidr("0.0.0.0/0".into())));
    let a = describe_one(app.clone()).await;
    assert_eq!(a.ingress.len(), 1, "{:?}", a.ingress);
    let rule = &a.ingress[0];
    assert_eq!(
        (rule.protocol.as_str(), rule.from_port, rule.to_port),
        ("tcp", 8080, 8081)
    );
    assert!(rule.admits_tcp(8081, &IngressSource::Group(web.clone())), "{rule:?}");

    let by_name = b
        .cloud
        .ec2
        .describe_security_groups(
            DescribeSecurityGroupsRequest::builder()
                .group_names(vec!["conf-app".to_string()])
                .vpc_id(vpc.id.clone())
                .build()
                .expect("valid"),
        )
        .await
        .expect("describe by name");
    assert_eq!(by_name.iter().map(|g| &g.id).collect::<Vec<_>>(), vec![&app]);
    let by_tag = b
        .cloud
        .ec2
        .describe_security_groups(
            DescribeSecurityGroupsRequest::builder()
                .tags(tags.clone())
                .build()
                .expect("valid"),
        )
        .await
        .expect("describe by tag");
    let found: BTreeSet<_> = by_tag.iter().map(|g| g.id.clone()).collect();
    assert_eq!(found, BTreeSet::from([web.clone(), app.clone()]));

    b.cloud
        .ec2
        .delete_security_group(app.clone())
        .await
        .expect("delete app");
    b.cloud
        .ec2
        .delete_security_group(web.clone())
        .await
        .expect("delete web");
    let gone = b
        .cloud
        .ec2
        .describe_security_groups(
            DescribeSecurityGroupsRequest::builder()
                .group_ids(vec![web.clone()])
                .build()
                .expect("valid"),
        )
        .await;
    let e = expect_err(gone, ErrorKind::NotFound, "describe a deleted group");
    assert_eq!(e.code(), Some("InvalidGroup.NotFound"), "{e:?}");
}

/// A second group with the same name in the same VPC is a conflict (`InvalidGroup.Duplicate`).
pub async fn ec2_security_group_duplicate_name_is_a_conflict(b: &Backend) {
    let req = CreateSecurityGroupRequest::builder()
        .name("conf-dup")
        .description("duplicate test")
        .build()
        .expect("valid");
    let id = b
        .cloud
        .ec2
        .create_security_group(req.clone())
        .await
        .expect("first create");
    let e = expect_err(
        b.cloud.ec2.create_security_group(req).await,
        ErrorKind::Conflict,
        "create a duplicate group",
    );
    assert_eq!(e.code(), Some("InvalidGroup.Duplicate"), "{e:?}");
    b.cloud.ec2.delete_security_group(id).await.expect("delete");
}

/// Deleting a group that does not exist is `InvalidGroup.NotFound`, classified NotFound.
pub async fn ec2_delete_unknown_security_group_is_not_found(b: &Backend) {
    let e = expect_err(
        b.cloud
            .ec2
            .delete_security_group("sg-0123456789abcdef0".parse().expect("id"))
            .await,
        ErrorKind::NotFound,
        "delete an unknown group",
    );
    assert_eq!(e.code(), Some("InvalidGroup.NotFound"), "{e:?}");
    let Error::NotFound { kind, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(kind, "security group");
}

/// Instances launched with tags and IMDSv2: `pending`, found by id and by tag, `running`,
/// terminated (`shutting-down` then `terminated`), and then no longer running.
pub async fn ec2_instance_lifecycle_with_tags_and_imdsv2(b: &Backend) {
    let subnets = b.subnets().await;
    let subnet = &subnets[0];
    let tags = b.tags("instance-lifecycle");
    let launched = b.launch(2, Some(subnet), tags.clone()).await;
    for i in &launched {
        assert_eq!(i.state, InstanceState::Pending, "RunInstances answers pending: {i:?}");
        assert!(i.http_tokens_required, "IMDSv2 required by default: {i:?}");
        assert_eq!(i.subnet_id.as_ref(), Some(&subnet.id), "{i:?}");
        assert_eq!(i.availability_zone, subnet.availability_zone, "{i:?}");
        assert_eq!(i.instance_type.to_string(), "t3.micro");
        for (k, v) in &tags {
            assert_eq!(i.tags.get(k), Some(v), "tag {k} on {i:?}");
        }
    }
    let launched_ids = ids(&launched);

    let by_id = b
        .cloud
        .ec2
        .describe_instances(
            DescribeInstancesRequest::builder()
                .instance_ids(launched_ids.iter().cloned().collect())
                .build()
                .expect("valid"),
        )
        .await
        .expect("describe by id");
    assert_eq!(ids(&by_id), launched_ids);
    let by_tag = b
        .cloud
        .ec2
        .describe_instances(
            DescribeInstancesRequest::builder()
                .tags(tags.clone())
                .build()
                .expect("valid"),
        )
        .await
        .expect("describe by tag");
    assert_eq!(ids(&by_tag), launched_ids);

    for id in &launched_ids {
        let i = b.wait_instance(id, InstanceState::Running).await;
        assert!(i.private_ip.is_some(), "a running instance has a private IP: {i:?}");
        assert!(i.http_tokens_required, "{i:?}");
        assert!(i.launch_time.is_some(), "{i:?}");
    }

    let changes = b
        .cloud
        .ec2
        .terminate_instances(launched_ids.iter().cloned().collect())
        .await
        .expect("terminate");
    assert_eq!(changes.len(), 2, "{changes:?}");
    for c in &changes {
        assert_eq!(c.previous, InstanceState::Running, "{c:?}");
        assert_eq!(c.current, InstanceState::ShuttingDown, "{c:?}");
    }
    for id in &launched_ids {
        b.wait_instance(id, InstanceState::Terminated).await;
    }
    let running = b
        .cloud
        .ec2
        .describe_instances(
            DescribeInstancesRequest::builder()
                .tags(tags)
                .states(vec![InstanceState::Running, InstanceState::Pending])
                .build()
                .expect("valid"),
        )
        .await
        .expect("describe running by tag");
    assert!(running.is_empty(), "nothing left running: {running:?}");
}

/// Describing an instance id that does not exist is `InvalidInstanceID.NotFound`, classified
/// NotFound with kind "instance" and the id.
pub async fn ec2_describe_unknown_instance_is_not_found(b: &Backend) {
    let id: InstanceId = "i-0123456789abcdef0".parse().expect("id");
    let e = expect_err(
        b.cloud
            .ec2
            .describe_instances(
                DescribeInstancesRequest::builder()
                    .instance_ids(vec![id.clone()])
                    .build()
                    .expect("valid"),
            )
            .await,
        ErrorKind::NotFound,
        "describe an unknown instance",
    );
    assert_eq!(e.code(), Some("InvalidInstanceID.NotFound"), "{e:?}");
    let Error::NotFound { kind, id: got, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(kind, "instance");
    assert_eq!(got, id.as_str());
}

/// A retried RunInstances with the same client token launches nothing new.
pub async fn ec2_run_instances_client_token_is_idempotent(b: &Backend) {
    if b.deviates(DeviationId::RunInstancesIgnoresClientToken) {
        eprintln!(
            "skipped on {:?}: {:?}",
            b.kind,
            deviation(DeviationId::RunInstancesIgnoresClientToken)
        );
        return;
    }
    let image = b.image().await;
    let tags = b.tags("client-token");
    let req = RunInstancesRequest::builder()
        .image_id(image.id)
        .instance_type("t3.micro".parse().expect("type"))
        .tags(tags.clone())
        .client_token("conformance-token-1")
        .build()
        .expect("valid");
    let first = b.cloud.ec2.run_instances(req.clone()).await.expect("first launch");
    let second = b.cloud.ec2.run_instances(req).await.expect("retried launch");
    assert_eq!(ids(&first), ids(&second), "the retry returns the first launch");
    let all = b
        .cloud
        .ec2
        .describe_instances(DescribeInstancesRequest::builder().tags(tags).build().expect("valid"))
        .await
        .expect("describe by tag");
    assert_eq!(ids(&all), ids(&first), "one launch in all");
    b.terminate(&ids(&first).into_iter().collect::<Vec<_>>()).await;
}

/// RunInstances encrypts the root volume by default: a gp3 volume at the image's root device,
/// encrypted with a KMS key, tagged like the instance, attached with DeleteOnTermination and
/// gone after the instance terminates. The opt-out launches with the image's own, unencrypted,
/// root volume.
pub async fn ec2_run_instances_encrypts_the_root_volume(b: &Backend) {
    let subnets = b.subnets().await;
    let subnet = &subnets[0];
    let image = b.image().await;
    let root_device = image
        .root_device_name
        .clone()
        .unwrap_or_else(|| panic!("DescribeImages names the root device: {image:?}"));
    assert_eq!(image.root_device_type.as_deref(), Some("ebs"), "{image:?}");
    let tags = b.tags("encrypted-root");
    let launched = b.launch(1, Some(subnet), tags.clone()).await.remove(0);
    let running = b.wait_instance(&launched.id, InstanceState::Running).await;
    assert_eq!(
        running.root_device_name.as_deref(),
        Some(root_device.as_str()),
        "{running:?}"
    );
    let root_id = running
        .root_volume_id()
        .cloned()
        .unwrap_or_else(|| panic!("the root volume is among the block devices: {running:?}"));
    let listed = running
        .block_devices
        .iter()
        .find(|d| d.volume_id == root_id)
        .expect("listed");
    assert!(listed.delete_on_termination, "{running:?}");

    let root = b.wait_volume(&root_id, VolumeState::InUse).await;
    assert!(root.encrypted, "the root volume is encrypted: {root:?}");
    assert!(
        root.kms_key_id
            .as_deref()
            .is_some_and(|k| k.starts_with("arn:aws:kms:")),
        "with the account's EBS key: {root:?}"
    );
    assert_eq!(root.volume_type, VolumeType::Gp3, "{root:?}");
    if let Some(size) = image.root_volume_size_gib {
        assert_eq!(root.size_gib, size, "the image's size: {root:?}");
    }
    assert!(
        tags.iter().all(|(k, v)| root.tags.get(k) == Some(v)),
        "tagged like the instance: {root:?}"
    );
    let [att] = root.attachments.as_slice() else {
        panic!("one attachment: {root:?}")
    };
    assert_eq!(
        (&att.instance_id, att.device.as_str()),
        (&launched.id, root_device.as_str())
    );
    if !b.deviates(DeviationId::Ec2VolumeAttachmentLacksDeleteOnTermination) {
        assert!(att.delete_on_termination, "{att:?}");
    }

    // The opt-out: the image's own root volume, unencrypted.
    let req = RunInstancesRequest::builder()
        .image_id(image.id.clone())
        .instance_type("t3.micro".parse().expect("type"))
        .subnet_id(subnet.id.clone())
        .tags(tags.clone())
        .encrypt_root_volume(false)
        .build()
        .expect("valid");
    let plain = b.cloud.ec2.run_instances(req).await.expect("launch").remove(0);
    b.wait_instance(&plain.id, InstanceState::Running).await;
    let plain_volumes = b
        .cloud
        .ec2
        .describe_volumes(
            DescribeVolumesRequest::builder()
                .attached_to(plain.id.clone())
                .build()
                .expect("valid"),
        )
        .await
        .expect("describe volumes");
    assert!(
        !plain_volumes.is_empty() && plain_volumes.iter().all(|v| !v.encrypted),
        "{plain_volumes:?}"
    );

    // Deleted with the instance.
    b.terminate(&[launched.id.clone(), plain.id.clone()]).await;
    let ec2 = b.cloud.ec2.clone();
    b.waiter(format!("root volume {root_id} deleted"))
        .until(|| {
            let ec2 = ec2.clone();
            let req = DescribeVolumesRequest::builder()
                .volume_ids(vec![root_id.clone()])
                .build()
                .expect("valid");
            async move {
                match ec2.describe_volumes(req).await {
                    Err(e) if e.is_not_found() => Ok(Check::Done(())),
                    Ok(v)
                        if v.iter()
                            .all(|v| matches!(v.state, VolumeState::Deleting | VolumeState::Deleted)) =>
                    {
                        Ok(Check::Done(()))
                    }
                    Ok(v) => Ok(Check::Pending(format!("{v:?}"))),
                    Err(e) => Err(e),
                }
            }
        })
        .await
        .unwrap_or_else(|e| panic!("waiting for the root volume to go: {e}"));
}

/// Ingress rules take IPv6 sources (`Ipv6Ranges`) and canonical CIDRs: a block with host bits
/// set is described with them cleared and is a duplicate of the canonical rule. A rule the
/// network guard refuses is refused by the builder.
pub async fn ec2_ingress_takes_ipv6_and_canonical_cidrs(b: &Backend) {
    let g = b
        .security_group("conf-cidrs", 443, Some(IngressSource::Cidr("10.1.2.3/16".into())))
        .await;
    let req = |source| {
        AuthorizeIngressRequest::builder()
            .group_id(g.clone())
            .from_port(443)
            .source(source)
            .description("conformance")
            .build()
    };
    b.cloud
        .ec2
        .authorize_ingress(req(IngressSource::CidrIpv6("2001:db8::1/64".into())).expect("valid"))
        .await
        .expect("authorize IPv6");
    let found = b
        .cloud
        .ec2
        .describe_security_groups(
            DescribeSecurityGroupsRequest::builder()
                .group_ids(vec![g.clone()])
                .build()
                .expect("valid"),
        )
        .await
        .expect("describe group")
        .remove(0);
    let sources: BTreeSet<String> = found.ingress.iter().map(|r| format!("{:?}", r.source)).collect();
    assert_eq!(
        sources,
        BTreeSet::from([
            format!("{:?}", IngressSource::Cidr("10.1.0.0/16".into())),
            format!("{:?}", IngressSource::CidrIpv6("2001:db8::/64".into())),
        ]),
        "{:?}",
        found.ingress
    );
    assert!(found.ingress.iter().all(|r| r.from_port == 443 && r.to_port == 443));
    let e = expect_err(
        b.cloud
            .ec2
            .authorize_ingress(req(IngressSource::Cidr("10.1.0.0/16".into())).expect("valid"))
            .await,
        ErrorKind::Conflict,
        "authorize the canonical form again",
    );
    assert_eq!(e.code(), Some("InvalidPermission.Duplicate"), "{e:?}");
    let refused = AuthorizeIngressRequest::builder()
        .group_id(g.clone())
        .from_port(22)
        .source(IngressSource::CidrIpv6("::/0".into()))
        .build();
    assert!(matches!(refused, Err(Error::Validation { .. })), "{refused:?}");
    b.cloud.ec2.delete_security_group(g).await.expect("delete group");
}

/// A gp3 encrypted volume: `creating` → `available` → attached to a running instance (`in-use`)
/// → cannot be deleted while attached → detached (`available`) → deleted (then not found).
/// DescribeVolumes as a stream: pages of the size asked, every volume once, a limit that stops
/// the walk (no page fetched past it), a bad page size refused before any call.
pub async fn ec2_volumes_stream_page_by_page_with_a_limit(b: &Backend) {
    use aws_facade::ec2::Ec2Ext;
    use aws_facade::layer::Recording;
    use aws_facade::page::ListOptions;
    use futures::TryStreamExt;
    let subnets = b.subnets().await;
    let tags = b.tags("volume-stream");
    let mut made = BTreeSet::new();
    for _ in 0..7 {
        made.insert(b.create_volume(&subnets[0], tags.clone()).await.id);
    }
    let journal = Recording::new();
    let cloud = b.cloud.clone().layer(journal.clone());
    let req = DescribeVolumesRequest::builder().tags(tags).build().expect("valid");
    let all: Vec<Volume> = cloud
        .ec2
        .volumes(req.clone(), ListOptions::new().page_size(5))
        .try_collect()
        .await
        .expect("stream");
    let seen: BTreeSet<VolumeId> = all.iter().map(|v| v.id.clone()).collect();
    assert_eq!((all.len(), &seen), (7, &made), "every volume once");
    let pages = if b.deviates(DeviationId::ListingsIgnorePageSize) {
        1
    } else {
        2
    };
    assert_eq!(journal.count("DescribeVolumes"), pages, "pages of 5 for 7 volumes");

    let before = journal.count("DescribeVolumes");
    let some: Vec<Volume> = cloud
        .ec2
        .volumes(req.clone(), ListOptions::new().limit(3).page_size(5))
        .try_collect()
        .await
        .expect("stream");
    assert_eq!(some.len(), 3);
    assert!(some.iter().all(|v| made.contains(&v.id)));
    assert_eq!(
        journal.count("DescribeVolumes") - before,
        1,
        "the limit was reached on the first page"
    );

    let before = journal.count("DescribeVolumes");
    let bad: Result<Vec<Volume>, Error> = cloud
        .ec2
        .volumes(req, ListOptions::new().page_size(4))
        .try_collect()
        .await;
    let err = expect_err(bad, ErrorKind::Validation, "a page size of 4");
    assert!(err.to_string().contains("DescribeVolumes.MaxResults"), "{err}");
    assert_eq!(journal.count("DescribeVolumes"), before, "no call for a bad page size");

    for id in made {
        b.cloud.ec2.delete_volume(id).await.expect("delete volume");
    }
}

/// StopInstances and StartInstances: `stopping` → `stopped` with the data volume still attached
/// and the public IPv4 address released, `pending` → `running`; a reboot keeps it running.
pub async fn ec2_stop_and_start_keep_the_attached_volume(b: &Backend) {
    use aws_facade::ec2::StopInstancesRequest;
    let subnets = b.subnets().await;
    let tags = b.tags("stop-start");
    let instance = b.launch(1, Some(&subnets[0]), tags.clone()).await.remove(0);
    b.wait_instance(&instance.id, InstanceState::Running).await;
    let v = b.create_volume(&subnets[0], tags.clone()).await;
    b.wait_volume(&v.id, VolumeState::Available).await;
    b.cloud
        .ec2
        .attach_volume(
            AttachVolumeRequest::builder()
                .volume_id(v.id.clone())
                .instance_id(instance.id.clone())
                .device("/dev/sdf")
                .build()
                .expect("valid"),
        )
        .await
        .expect("attach");
    b.wait_volume(&v.id, VolumeState::InUse).await;

    let ch = b
        .cloud
        .ec2
        .stop_instances(StopInstancesRequest::new(vec![instance.id.clone()]))
        .await
        .expect("stop");
    assert_eq!(ch.len(), 1, "{ch:?}");
    assert_eq!(
        (&ch[0].id, &ch[0].previous, &ch[0].current),
        (&instance.id, &InstanceState::Running, &InstanceState::Stopping)
    );
    let stopped = b.wait_instance(&instance.id, InstanceState::Stopped).await;
    assert_eq!(
        stopped.public_ip, None,
        "a stopped instance has no public IPv4 address: {stopped:?}"
    );
    let kept = b.wait_volume(&v.id, VolumeState::InUse).await;
    assert_eq!(kept.attachments.len(), 1, "{kept:?}");
    assert_eq!(kept.attachments[0].instance_id, instance.id);

    let ch = b
        .cloud
        .ec2
        .start_instances(vec![instance.id.clone()])
        .await
        .expect("start");
    assert_eq!(
        (&ch[0].previous, &ch[0].current),
        (&InstanceState::Stopped, &InstanceState::Pending)
    );
    b.wait_instance(&instance.id, InstanceState::Running).await;
    b.cloud
        .ec2
        .reboot_instances(vec![instance.id.clone()])
        .await
        .expect("reboot");
    let up = b.wait_instance(&instance.id, InstanceState::Running).await;
    assert_eq!(up.state, InstanceState::Running);
    let e = expect_err(
        b.cloud
            .ec2
            .start_instances(vec!["i-0000000000000000f".parse().expect("id")])
            .await,
        ErrorKind::NotFound,
        "start an instance that does not exist",
    );
    assert_eq!(e.code(), Some("InvalidInstanceID.NotFound"), "{e:?}");

    // Terminating the instance leaves the data volume (it was not DeleteOnTermination).
    b.terminate(&[instance.id]).await;
    b.wait_volume(&v.id, VolumeState::Available).await;
    b.cloud.ec2.delete_volume(v.id).await.expect("delete volume");
}

/// Key pairs: created (private key returned once), imported, described by name and tag, a
/// duplicate name refused, used by RunInstances, deleted (a second delete succeeds).
pub async fn ec2_key_pairs_create_import_launch_and_delete(b: &Backend) {
    use aws_facade::ec2::{CreateKeyPairRequest, DescribeKeyPairsRequest, ImportKeyPairRequest};
    let tags = b.tags("key-pairs");
    let made = b
        .cloud
        .ec2
        .create_key_pair(
            CreateKeyPairRequest::builder()
                .name("conf-deploy")
                .tags(tags.clone())
                .build()
                .expect("valid"),
        )
        .await
        .expect("create key pair");
    assert!(
        made.private_key.expose_secret().contains("PRIVATE KEY"),
        "a private key, once"
    );
    assert_eq!(made.key_pair.name, "conf-deploy");
    let e = expect_err(
        b.cloud
            .ec2
            .create_key_pair(
                CreateKeyPairRequest::builder()
                    .name("conf-deploy")
                    .build()
                    .expect("valid"),
            )
            .await,
        ErrorKind::Conflict,
        "a key pair name in use",
    );
    assert_eq!(e.code(), Some("InvalidKeyPair.Duplicate"), "{e:?}");
    // A real ED25519 public key (its private half was deleted when it was made).
    let public = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ3CtcD4ARPRhzVhX6yqDKL+Af5prt8ds2jjG9MH1fPX conformance";
    let imported = b
        .cloud
        .ec2
        .import_key_pair(
            ImportKeyPairRequest::builder()
                .name("conf-laptop")
                .public_key(public)
                .build()
                .expect("valid"),
        )
        .await
        .expect("import key pair");
    assert_eq!(imported.name, "conf-laptop");
    let by_name = b
        .cloud
        .ec2
        .describe_key_pairs(
            DescribeKeyPairsRequest::builder()
                .names(vec!["conf-deploy".into(), "conf-laptop".into()])
                .build()
                .expect("valid"),
        )
        .await
        .expect("describe key pairs");
    let names: BTreeSet<&str> = by_name.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(names, BTreeSet::from(["conf-deploy", "conf-laptop"]));
    let by_tag = b
        .cloud
        .ec2
        .describe_key_pairs(
            DescribeKeyPairsRequest::builder()
                .tags(tags.clone())
                .build()
                .expect("valid"),
        )
        .await
        .expect("describe by tag");
    assert_eq!(
        by_tag.iter().map(|k| k.name.as_str()).collect::<Vec<_>>(),
        ["conf-deploy"]
    );

    let subnets = b.subnets().await;
    let image = b.image().await;
    let launched = b
        .cloud
        .ec2
        .run_instances(
            RunInstancesRequest::builder()
                .image_id(image.id)
                .instance_type("t3.micro".parse().expect("type"))
                .subnet_id(subnets[0].id.clone())
                .key_name("conf-laptop")
                .tags(tags)
                .build()
                .expect("valid"),
        )
        .await
        .expect("launch with a key pair");
    assert_eq!(launched[0].key_name.as_deref(), Some("conf-laptop"));
    b.terminate(&[launched[0].id.clone()]).await;

    for name in ["conf-deploy", "conf-laptop", "conf-deploy"] {
        b.cloud.ec2.delete_key_pair(name.into()).await.expect("delete key pair");
    }
    let e = expect_err(
        b.cloud
            .ec2
            .describe_key_pairs(
                DescribeKeyPairsRequest::builder()
                    .names(vec!["conf-deploy".into()])
                    .build()
                    .expect("valid"),
            )
            .await,
        ErrorKind::NotFound,
        "a deleted key pair",
    );
    assert_eq!(e.code(), Some("InvalidKeyPair.NotFound"), "{e:?}");
}

/// ModifyVolume: the modification is reported, reaches `optimizing` or `completed`, and the
/// volume then has the new size and IOPS; shrinking is refused by AWS.
pub async fn ec2_modify_volume_grows_it_in_place(b: &Backend) {
    use aws_facade::ec2::{ModifyVolumeRequest, VolumeModificationState};
    let subnets = b.subnets().await;
    let v = b.create_volume(&subnets[0], b.tags("modify-volume")).await;
    b.wait_volume(&v.id, VolumeState::Available).await;
    let shrink = ModifyVolumeRequest::builder()
        .volume_id(v.id.clone())
        .size_gib(4)
        .build()
        .expect("valid");
    if !b.deviates(DeviationId::Ec2ModifyVolumeUnchecked) {
        let e = b
            .cloud
            .ec2
            .modify_volume(shrink)
            .await
            .expect_err("AWS refuses to shrink a volume");
        assert_eq!(e.code(), Some("InvalidParameterValue"), "{e:?}");
    }
    let req = ModifyVolumeRequest::builder()
        .volume_id(v.id.clone())
        .size_gib(16)
        .iops(4_000)
        .build()
        .expect("valid");
    let m = b.cloud.ec2.modify_volume(req).await.expect("modify");
    assert_eq!(
        (&m.volume_id, m.original_size_gib, m.target_size_gib),
        (&v.id, Some(8), Some(16)),
        "{m:?}"
    );
    assert_eq!(m.target_iops, Some(4_000), "{m:?}");
    let ec2 = b.cloud.ec2.clone();
    let id = v.id.clone();
    b.waiter("volume modification optimizing")
        .until(|| {
            let ec2 = ec2.clone();
            let id = id.clone();
            async move {
                let found = ec2.describe_volumes_modifications(vec![id]).await?;
                Ok(match found.into_iter().next() {
                    Some(m)
                        if matches!(
                            m.state,
                            VolumeModificationState::Optimizing | VolumeModificationState::Completed
                        ) =>
                    {
                        Check::Done(m)
                    }
                    Some(m) if m.state == VolumeModificationState::Failed => Check::Failed(format!("{m:?}")),
                    other => Check::Pending(format!("{other:?}")),
                })
            }
        })
        .await
        .expect("the modification applies");
    let grown = b.wait_volume(&v.id, VolumeState::Available).await;
    assert_eq!((grown.size_gib, grown.iops), (16, Some(4_000)), "{grown:?}");
    b.cloud.ec2.delete_volume(v.id).await.expect("delete volume");
}

/// RevokeSecurityGroupIngress removes the rule matched on protocol, ports and source (not the
/// description); DeleteTags removes tags by key whatever their value.
pub async fn ec2_revoke_ingress_and_delete_tags(b: &Backend) {
    let mut tags = b.tags("revoke");
    tags.insert("team".into(), "a".into());
    let g = b
        .cloud
        .ec2
        .create_security_group(
            CreateSecurityGroupRequest::builder()
                .name("conf-revoke")
                .description("revoke scenario")
                .tags(tags.clone())
                .build()
                .expect("valid"),
        )
        .await
        .expect("create group");
    let req = AuthorizeIngressRequest::builder()
        .group_id(g.clone())
        .from_port(8443)
        .source(IngressSource::cidr("10.20.0.0/16").expect("cidr"))
        .description("internal")
        .build()
        .expect("valid");
    b.cloud.ec2.authorize_ingress(req.clone()).await.expect("authorize");
    let describe = || async {
        b.cloud
            .ec2
            .describe_security_groups(
                DescribeSecurityGroupsRequest::builder()
                    .group_ids(vec![g.clone()])
                    .build()
                    .expect("valid"),
            )
            .await
            .expect("describe group")
            .remove(0)
    };
    let described = describe().await;
    let rule = described
        .ingress
        .iter()
        .find(|r| r.from_port == 8443)
        .cloned()
        .expect("the rule is there");
    assert!(
        b.cloud
            .ec2
            .revoke_ingress(g.clone(), rule.clone())
            .await
            .expect("revoke")
    );
    assert!(describe().await.ingress.iter().all(|r| r.from_port != 8443));
    let again = b.cloud.ec2.revoke_ingress(g.clone(), rule).await;
    if b.deviates(DeviationId::Ec2RevokeUnknownRuleIsNotFound) {
        let e = expect_err(again, ErrorKind::NotFound, "revoke a rule that is gone (moto)");
        assert_eq!(e.code(), Some("InvalidPermission.NotFound"), "{e:?}");
    } else {
        assert!(
            !again.expect("revoke again"),
            "a default-VPC group reports the rule unknown"
        );
    }

    b.cloud
        .ec2
        .delete_tags(vec![g.to_string()], vec!["team".into()])
        .await
        .expect("delete tags");
    let left = describe().await.tags;
    assert!(!left.contains_key("team"), "{left:?}");
    tags.remove("team");
    assert_eq!(left, tags, "the other tags stay");
    b.cloud.ec2.delete_security_group(g).await.expect("delete group");
}

pub async fn ec2_volume_attach_detach_lifecycle(b: &Backend) {
    let subnets = b.subnets().await;
    let subnet = &subnets[0];
    let tags = b.tags("volume-lifecycle");
    let instance = b.launch(1, Some(subnet), tags.clone()).await.remove(0);
    b.wait_instance(&instance.id, InstanceState::Running).await;

    let v = b.create_volume(subnet, tags.clone()).await;
    assert_eq!(v.volume_type, VolumeType::Gp3, "{v:?}");
    assert!(v.encrypted, "{v:?}");
    assert_eq!(v.size_gib, 8, "{v:?}");
    assert_eq!(v.availability_zone, subnet.availability_zone, "{v:?}");
    if !b.deviates(DeviationId::Ec2InstantLifecycles) {
        assert_eq!(v.state, VolumeState::Creating, "CreateVolume answers creating: {v:?}");
    }
    b.wait_volume(&v.id, VolumeState::Available).await;

    let att = b
        .cloud
        .ec2
        .attach_volume(
            AttachVolumeRequest::builder()
                .volume_id(v.id.clone())
                .instance_id(instance.id.clone())
                .device("/dev/sdf")
                .build()
                .expect("valid"),
        )
        .await
        .expect("attach");
    assert_eq!(
        (&att.volume_id, &att.instance_id, att.device.as_str()),
        (&v.id, &instance.id, "/dev/sdf")
    );
    assert_eq!(att.state, AttachmentState::Attaching, "{att:?}");
    let in_use = b.wait_volume(&v.id, VolumeState::InUse).await;
    assert_eq!(in_use.attachments.len(), 1, "{in_use:?}");
    assert_eq!(in_use.attachments[0].instance_id, instance.id);
    let attached_to = b
        .cloud
        .ec2
        .describe_volumes(
            DescribeVolumesRequest::builder()
                .attached_to(instance.id.clone())
                .build()
                .expect("valid"),
        )
        .await
        .expect("describe attached volumes");
    assert!(attached_to.iter().any(|x| x.id == v.id), "{attached_to:?}");

    let e = expect_err(
        b.cloud.ec2.delete_volume(v.id.clone()).await,
        ErrorKind::Conflict,
        "delete an attached volume",
    );
    assert_eq!(e.code(), Some("VolumeInUse"), "{e:?}");

    // AWS needs only the volume id; moto answers a 500 without the instance id.
    let instance_id = b
        .deviates(DeviationId::DetachVolumeNeedsInstanceId)
        .then(|| instance.id.clone());
    let det = b
        .cloud
        .ec2
        .detach_volume(
            DetachVolumeRequest::builder()
                .volume_id(v.id.clone())
                .maybe_instance_id(instance_id)
                .build()
                .expect("valid"),
        )
        .await
        .expect("detach");
    assert_eq!(det.state, AttachmentState::Detaching, "{det:?}");
    let avail = b.wait_volume(&v.id, VolumeState::Available).await;
    assert!(avail.attachments.is_empty(), "{avail:?}");

    b.cloud.ec2.delete_volume(v.id.clone()).await.expect("delete volume");
    let e = expect_err(
        b.cloud
            .ec2
            .describe_volumes(
                DescribeVolumesRequest::builder()
                    .volume_ids(vec![v.id.clone()])
                    .build()
                    .expect("valid"),
            )
            .await,
        ErrorKind::NotFound,
        "describe a deleted volume",
    );
    assert_eq!(e.code(), Some("InvalidVolume.NotFound"), "{e:?}");
    b.terminate(&[instance.id]).await;
}

/// A snapshot of a volume: `pending` → `completed`, found by volume, deleted (then not found).
pub async fn ec2_snapshot_lifecycle(b: &Backend) {
    let subnets = b.subnets().await;
    let tags = b.tags("snapshot-lifecycle");
    let v = b.create_volume(&subnets[0], tags.clone()).await;
    b.wait_volume(&v.id, VolumeState::Available).await;

    let s = b
        .cloud
        .ec2
        .create_snapshot(
            CreateSnapshotRequest::builder()
                .volume_id(v.id.clone())
                .description("conformance snapshot")
                .tags(tags.clone())
                .build()
                .expect("valid"),
        )
        .await
        .expect("create snapshot");
    assert_eq!(s.volume_id.as_ref(), Some(&v.id), "{s:?}");
    assert_eq!(s.volume_size_gib, 8, "{s:?}");
    assert!(s.encrypted, "a snapshot of an encrypted volume is encrypted: {s:?}");
    if !b.deviates(DeviationId::Ec2InstantLifecycles) {
        assert_eq!(s.state, SnapshotState::Pending, "CreateSnapshot answers pending: {s:?}");
    }
    let done = b.wait_snapshot(&s.id, SnapshotState::Completed).await;
    assert_eq!(done.description.as_deref(), Some("conformance snapshot"));
    for (k, val) in &tags {
        assert_eq!(done.tags.get(k), Some(val), "tag {k} on {done:?}");
    }
    let by_volume = b
        .cloud
        .ec2
        .describe_snapshots(
            DescribeSnapshotsRequest::builder()
                .volume_id(v.id.clone())
                .build()
                .expect("valid"),
        )
        .await
        .expect("describe by volume");
    assert_eq!(by_volume.iter().map(|x| &x.id).collect::<Vec<_>>(), vec![&s.id]);

    b.cloud
        .ec2
        .delete_snapshot(s.id.clone())
        .await
        .expect("delete snapshot");
    let e = expect_err(
        b.cloud
            .ec2
            .describe_snapshots(
                DescribeSnapshotsRequest::builder()
                    .snapshot_ids(vec![s.id.clone()])
                    .build()
                    .expect("valid"),
            )
            .await,
        ErrorKind::NotFound,
        "describe a deleted snapshot",
    );
    assert_eq!(e.code(), Some("InvalidSnapshot.NotFound"), "{e:?}");
    b.cloud.ec2.delete_volume(v.id).await.expect("delete volume");
}
