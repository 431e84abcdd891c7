//! Launch instances behind an Application Load Balancer, with CloudWatch's recommended alarms.
//!
//! [`WebTier::apply`] runs this plan (independent steps concurrently):
//!
//! ```text
//! network (default VPC + subnets) ─┬─ lb security group ─┬─ app security group ── instances ── wait running ─┐
//! image (id or latest by name) ────┘                     ├─ load balancer ── wait active ──────────────────┤
//! target group ───────────────────────────────────────────┴─ listener ───────────────────── register targets ─┴─ wait healthy
//!                                                            alarms (after load balancer, target group, instances)
//! ```
//!
//! Security by default: the load balancer's group admits only the listener port from the
//! allowed CIDRs; the instances' group admits only the application port from the load
//! balancer's group; instances require IMDSv2; every launch carries a client token.
//!
//! Every resource is tagged `aws-facade:workflow = web-tier` and `aws-facade:name = NAME`, so
//! [`WebTier::apply`] again converges (finds, reuses, scales) and [`destroy_by_name`] finds
//! everything even after an aborted run.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> aws_facade::Result<()> {
//! use aws_facade::workflows::web_tier::{destroy, WebTier};
//! let cloud = aws_facade::Cloud::sim();
//! let spec = WebTier::builder()
//!     .name("shop".parse()?)
//!     .image(aws_facade::workflows::web_tier::ImageSpec::latest("al2023-ami-*-x86_64", "amazon"))
//!     .count(2)
//!     .build()?;
//! let outputs = spec.apply(&cloud, None).await?;
//! assert_eq!(outputs.instance_ids.len(), 2);
//! let removed = destroy(&cloud, &outputs, None).await?;
//! assert!(removed.len() >= 6);
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use bon::Builder;
use serde::{Deserialize, Serialize};

use crate::Tags;
use crate::cloud::Cloud;
use crate::cloudwatch::{
    AlarmState, ComparisonOperator, DescribeAlarmsRequest, Dimension, PutMetricAlarmRequest, Statistic,
    TreatMissingData,
};
use crate::ec2::{
    AuthorizeIngressRequest, CreateSecurityGroupRequest, DescribeImagesRequest, DescribeInstancesRequest,
    DescribeSecurityGroupsRequest, IngressSource, Instance, InstanceState, RunInstancesRequest,
};
use crate::elb::{
    CreateListenerRequest, CreateLoadBalancerRequest, CreateTargetGroupRequest, DescribeLoadBalancersRequest,
    DescribeTargetGroupsRequest, HealthCheck, LoadBalancer, LoadBalancerState, Protocol, Target, TargetHealthState,
};
use crate::error::{Error, Result};
use crate::id::{
    AlarmName, Arn, ImageId, InstanceId, InstanceType, ListenerArn, LoadBalancerArn, LoadBalancerName, SecurityGroupId,
    SubnetId, TargetGroupArn, TargetGroupName, VpcId,
};
use crate::macros::validated_builder;
use crate::validate::{self, Validate};
use crate::wait::{Backoff, Check, Waiter};
use crate::workflows::alarms::Preset;
use crate::workflows::plan::{Progress, Run, undo};

/// The tag key naming the workflow kind.
pub const TAG_WORKFLOW: &str = "aws-facade:workflow";
/// The tag key naming the web tier.
pub const TAG_NAME: &str = "aws-facade:name";
/// The tag key naming the run that created a resource.
pub const TAG_RUN: &str = "aws-facade:run";
const WORKFLOW: &str = "web-tier";

/// Which image to launch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageSpec {
    /// This image.
    Id(ImageId),
    /// The newest image whose name matches `name_pattern` (`*`, `?` wildcards) owned by `owner`.
    Latest {
        /// Name pattern.
        name_pattern: String,
        /// Owner (`amazon`, `self` or an account id).
        owner: String,
    },
}

impl ImageSpec {
    /// The newest image matching a pattern and owner.
    pub fn latest(name_pattern: &str, owner: &str) -> Self {
        ImageSpec::Latest {
            name_pattern: name_pattern.into(),
            owner: owner.into(),
        }
    }
}

/// The listener clients connect to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListenerSpec {
    /// The port (default 80, or 443 with a certificate).
    pub port: u16,
    /// An ACM certificate: with one the listener is HTTPS.
    pub certificate_arn: Option<Arn>,
}

impl Default for ListenerSpec {
    fn default() -> Self {
        ListenerSpec {
            port: 80,
            certificate_arn: None,
        }
    }
}

/// The target group's health check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthCheckSpec {
    /// Path requested (default `/`).
    pub path: String,
    /// Seconds between checks (default 15).
    pub interval_secs: u32,
    /// Consecutive successes to become healthy (default 3).
    pub healthy_threshold: u32,
    /// Consecutive failures to become unhealthy (default 2).
    pub unhealthy_threshold: u32,
    /// HTTP codes counted as success (default `200`).
    pub matcher: String,
}

impl Default for HealthCheckSpec {
    fn default() -> Self {
        HealthCheckSpec {
            path: "/".into(),
            interval_secs: 15,
            healthy_threshold: 3,
            unhealthy_threshold: 2,
            matcher: "200".into(),
        }
    }
}

/// Which alarms to create, and their thresholds. `None` switches an alarm off.
///
/// Defaults follow CloudWatch's "Recommended alarms" for Application Load Balancers and EC2.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlarmSettings {
    /// `HTTPCode_ELB_5XX_Count` Sum per minute above this, 5 of 5 (default 10).
    pub elb_5xx: Option<f64>,
    /// `HTTPCode_Target_5XX_Count` Sum per minute above this, 5 of 5 (default 10).
    pub target_5xx: Option<f64>,
    /// `UnHealthyHostCount` Maximum above 0, 5 of 5.
    pub unhealthy_hosts: bool,
    /// `HealthyHostCount` Minimum below 1, 5 of 5.
    pub healthy_hosts: bool,
    /// `TargetResponseTime` p90 above this many seconds, 5 of 5 (default 1.0).
    pub response_time_p90_secs: Option<f64>,
    /// Per instance: `CPUUtilization` Average above this percent, 3 of 3 five-minute periods (default 80).
    pub cpu_percent: Option<f64>,
    /// Per instance: `StatusCheckFailed` and `StatusCheckFailed_AttachedEBS` alarms.
    pub status_checks: bool,
    /// Actions for the `ALARM` state (SNS topics, Lambda functions, ...).
    pub actions: Vec<Arn>,
}

impl Default for AlarmSettings {
    fn default() -> Self {
        AlarmSettings {
            elb_5xx: Some(10.0),
            target_5xx: Some(10.0),
            unhealthy_hosts: true,
            healthy_hosts: true,
            response_time_p90_secs: Some(1.0),
            cpu_percent: Some(80.0),
            status_checks: true,
            actions: Vec::new(),
        }
    }
}

/// A load-balanced web tier: the spec. Build it with [`WebTier::builder`] or load it with serde.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct WebTier {
    /// The tier's name: names the load balancer (`NAME`), target group (`NAME-tg`) and groups;
    /// at most 28 characters so derived names fit ELB's 32.
    pub name: LoadBalancerName,
    /// The image.
    pub image: ImageSpec,
    /// The instance type (default `t3.micro`).
    #[builder(default = "t3.micro".parse().expect("valid"))]
    #[serde(default = "default_instance_type")]
    pub instance_type: InstanceType,
    /// How many instances (default 2), spread evenly across the subnets' zones.
    #[builder(default = 2)]
    #[serde(default = "default_count")]
    pub count: u32,
    /// Subnets in at least two zones (default: the default VPC's default subnets).
    #[builder(default)]
    #[serde(default)]
    pub subnets: Vec<SubnetId>,
    /// The port the application listens on (default 80).
    #[builder(default = 80)]
    #[serde(default = "default_port")]
    pub app_port: u16,
    /// The health check.
    #[builder(default)]
    #[serde(default)]
    pub health_check: HealthCheckSpec,
    /// User data (plain text, at most 16 KB).
    pub user_data: Option<String>,
    /// The listener.
    #[builder(default)]
    #[serde(default)]
    pub listener: ListenerSpec,
    /// CIDRs allowed to reach the listener (default `0.0.0.0/0`).
    #[builder(default = vec!["0.0.0.0/0".to_string()])]
    #[serde(default = "default_cidrs")]
    pub allowed_cidrs: Vec<String>,
    /// Extra tags for every resource.
    #[builder(default)]
    #[serde(default)]
    pub tags: Tags,
    /// Alarms.
    #[builder(default)]
    #[serde(default)]
    pub alarms: AlarmSettings,
    /// Seconds a deregistered target keeps draining (default 30).
    #[builder(default = 30)]
    #[serde(default = "default_drain")]
    pub deregistration_delay_secs: u32,
}
validated_builder!(WebTier, WebTierBuilder, web_tier_builder);

fn default_instance_type() -> InstanceType {
    "t3.micro".parse().expect("valid")
}
fn default_count() -> u32 {
    2
}
fn default_port() -> u16 {
    80
}
fn default_cidrs() -> Vec<String> {
    vec!["0.0.0.0/0".into()]
}
fn default_drain() -> u32 {
    30
}

impl Validate for WebTier {
    fn validate(&self) -> Result<()> {
        validate::len_in("name", self.name.as_str(), 1, 28)?;
        validate::in_range("count", self.count, 0, 100)?;
        if self.subnets.len() == 1 {
            return Err(Error::validation(
                "subnets",
                "an ALB needs subnets in at least two Availability Zones",
            ));
        }
        validate::non_empty("allowed_cidrs", &self.allowed_cidrs)?;
        for c in &self.allowed_cidrs {
            crate::ec2::validate_cidr("allowed_cidrs", c)?;
        }
        validate::in_range("health_check.interval_secs", self.health_check.interval_secs, 5, 300)?;
        validate::in_range(
            "health_check.healthy_threshold",
            self.health_check.healthy_threshold,
            2,
            10,
        )?;
        validate::in_range(
            "health_check.unhealthy_threshold",
            self.health_check.unhealthy_threshold,
            2,
            10,
        )?;
        validate::in_range("deregistration_delay_secs", self.deregistration_delay_secs, 0, 3600)?;
        if let Some(ud) = &self.user_data
            && ud.len() > crate::ec2::MAX_USER_DATA_BYTES
        {
            return Err(Error::validation("user_data", "must be at most 16 KB before encoding"));
        }
        if self.listener.certificate_arn.is_none() && self.listener.port == 443 {
            return Err(Error::validation(
                "listener.certificate_arn",
                "port 443 needs a certificate (HTTPS)",
            ));
        }
        validate::tags("tags", &self.tags)
    }
}

/// What an apply created: enough to find, scale or destroy it later (serde).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebTierOutputs {
    /// The tier's name.
    pub name: String,
    /// The VPC.
    pub vpc_id: VpcId,
    /// The subnets used.
    pub subnets: Vec<SubnetId>,
    /// The image launched.
    pub image_id: ImageId,
    /// The load balancer's security group.
    pub lb_security_group: SecurityGroupId,
    /// The instances' security group.
    pub app_security_group: SecurityGroupId,
    /// The load balancer.
    pub load_balancer_arn: LoadBalancerArn,
    /// Its DNS name.
    pub dns_name: String,
    /// The target group.
    pub target_group_arn: TargetGroupArn,
    /// The listener.
    pub listener_arn: ListenerArn,
    /// The instances.
    pub instance_ids: Vec<InstanceId>,
    /// The alarms.
    pub alarm_names: Vec<AlarmName>,
}

impl WebTier {
    fn lb_group_name(&self) -> String {
        format!("{}-lb", self.name)
    }
    fn app_group_name(&self) -> String {
        format!("{}-app", self.name)
    }
    fn target_group_name(&self) -> Result<TargetGroupName> {
        format!("{}-tg", self.name).parse()
    }
    fn tags(&self, run_id: &str) -> Tags {
        let mut t = self.tags.clone();
        t.insert(TAG_WORKFLOW.into(), WORKFLOW.into());
        t.insert(TAG_NAME.into(), self.name.to_string());
        t.insert(TAG_RUN.into(), run_id.into());
        t
    }

    /// Creates (or converges to) the web tier and waits until its targets are healthy.
    ///
    /// On failure everything this run created is removed in reverse order, and the error is an
    /// [`Error::Workflow`] naming the failed step, the cause and what was cleaned up.
    pub async fn apply(&self, cloud: &Cloud, progress: Option<Progress>) -> Result<WebTierOutputs> {
        self.validate()?;
        let run = Run::new(format!("{WORKFLOW} {}", self.name), progress);
        match self.apply_in(cloud, &run).await {
            Ok(out) => {
                run.commit();
                Ok(out)
            }
            Err(e) => Err(run.fail(e).await),
        }
    }

    async fn apply_in(&self, cloud: &Cloud, run: &Run) -> Result<WebTierOutputs> {
        let run_id = format!("{:08x}", fastrand::u32(..));
        let tags = self.tags(&run_id);

        // 1. Where and what: network and image, concurrently.
        let (net, image_id) = tokio::join!(
            run.step("network", &[], resolve_network(cloud, &self.subnets)),
            run.step("image", &[], resolve_image(cloud, &self.image)),
        );
        let ((vpc_id, subnets), image_id) = (net?, image_id?);

        // 2. The load balancer's group, and the target group (independent).
        let (lb_sg, tg) = tokio::join!(
            run.step("lb security group", &["network"], async {
                let sg = ensure_group(cloud, run, &vpc_id, &self.lb_group_name(), "load balancer", &tags).await?;
                for cidr in &self.allowed_cidrs {
                    let req = AuthorizeIngressRequest::builder()
                        .group_id(sg.clone())
                        .from_port(self.listener.port)
                        .source(IngressSource::Cidr(cidr.clone()))
                        .description("clients to the listener")
                        .build()?;
                    authorize(cloud, req).await?;
                }
                Ok(sg)
            }),
            run.step(
                "target group",
                &["network"],
                self.ensure_target_group(cloud, run, &vpc_id, &tags)
            ),
        );
        // Steps that follow need both; a failure in either ends the apply (both branches have
        // finished, so everything they created is in the ledger).
        let (lb_sg, tg) = (lb_sg?, tg?);

        // 3. The app group, instances, load balancer and listener.
        let app = async {
            let app_sg = run
                .step("app security group", &["lb security group"], async {
                    let sg = ensure_group(cloud, run, &vpc_id, &self.app_group_name(), "instances", &tags).await?;
                    let req = AuthorizeIngressRequest::builder()
                        .group_id(sg.clone())
                        .from_port(self.app_port)
                        .source(IngressSource::Group(lb_sg.clone()))
                        .description("load balancer to the application")
                        .build()?;
                    authorize(cloud, req).await?;
                    Ok(sg)
                })
                .await?;
            let instances = run
                .step(
                    "instances",
                    &["app security group", "image"],
                    self.converge_instances(cloud, run, &subnets, &image_id, &app_sg, &tags, &run_id),
                )
                .await?;
            // Sorted, so the outputs of a re-apply equal the first (describe order varies).
            let mut ids: Vec<InstanceId> = instances.iter().map(|i| i.id.clone()).collect();
            ids.sort();
            run.step("wait instances running", &["instances"], wait_running(cloud, &ids))
                .await?;
            Ok::<_, Error>((app_sg, ids))
        };
        let lb = async {
            let lb = run
                .step(
                    "load balancer",
                    &["lb security group"],
                    self.ensure_load_balancer(cloud, run, &subnets, &lb_sg, &tags),
                )
                .await?;
            let listener = run
                .step(
                    "listener",
                    &["load balancer", "target group"],
                    self.ensure_listener(cloud, run, &lb.arn, &tg),
                )
                .await?;
            run.step(
                "wait load balancer active",
                &["load balancer"],
                wait_lb_active(cloud, &lb.arn),
            )
            .await?;
            Ok::<_, Error>((lb, listener))
        };
        let (app, lb) = tokio::join!(app, lb);
        let ((app_sg, instance_ids), (lb, listener)) = (app?, lb?);

        // 4. Targets and alarms.
        let targets: Vec<Target> = instance_ids
            .iter()
            .map(|id| Target {
                id: id.clone(),
                port: None,
            })
            .collect();
        let healthy = async {
            run.step("register targets", &["wait instances running", "target group"], async {
                cloud.elb.register_targets(tg.clone(), targets.clone())
                    .await
            })
            .await?;
            run.step(
                "wait targets healthy",
                &["register targets", "listener", "wait load balancer active"],
                wait_healthy(cloud, &tg, &targets),
            )
            .await
        };
        let alarms = run.step(
            "alarms",
            &["load balancer", "target group", "instances"],
            self.put_alarms(cloud, run, &lb.arn, &tg, &instance_ids, &tags),
        );
        let (healthy, alarms) = tokio::join!(healthy, alarms);
        healthy?;
        let alarm_names = alarms?;

        Ok(WebTierOutputs {
            name: self.name.to_string(),
            vpc_id,
            subnets,
            image_id,
            lb_security_group: lb_sg,
            app_security_group: app_sg,
            load_balancer_arn: lb.arn,
            dns_name: lb.dns_name,
            target_group_arn: tg,
            listener_arn: listener,
            instance_ids,
            alarm_names,
        })
    }

    async fn ensure_target_group(
        &self,
        cloud: &Cloud,
        run: &Run,
        vpc_id: &VpcId,
        tags: &Tags,
    ) -> Result<TargetGroupArn> {
        let name = self.target_group_name()?;
        let existing = cloud
            .elb
            .describe_target_groups(
                DescribeTargetGroupsRequest::builder()
                    .names(vec![name.clone()])
                    .build()?,
            )
            .await;
        let arn = match existing {
            Ok(mut tgs) if !tgs.is_empty() => {
                let tg = tgs.remove(0);
                run.reused("target group", tg.arn.to_string());
                tg.arn
            }
            Ok(_) => self.create_target_group(cloud, run, name, vpc_id, tags).await?,
            Err(e) if e.is_not_found() => self.create_target_group(cloud, run, name, vpc_id, tags).await?,
            Err(e) => return Err(e),
        };
        let mut attrs = BTreeMap::new();
        attrs.insert(
            crate::elb::DEREGISTRATION_DELAY.to_string(),
            self.deregistration_delay_secs.to_string(),
        );
        // A new target group not yet visible is the retry layer's business (eventual consistency).
        cloud.elb.modify_target_group_attributes(arn.clone(), attrs).await?;
        Ok(arn)
    }

    async fn create_target_group(
        &self,
        cloud: &Cloud,
        run: &Run,
        name: TargetGroupName,
        vpc_id: &VpcId,
        tags: &Tags,
    ) -> Result<TargetGroupArn> {
        let hc = &self.health_check;
        let health_check = HealthCheck {
            path: hc.path.clone(),
            interval_secs: hc.interval_secs,
            healthy_threshold: hc.healthy_threshold,
            unhealthy_threshold: hc.unhealthy_threshold,
            matcher: hc.matcher.clone(),
            timeout_secs: Some((hc.interval_secs - 1).clamp(2, 5)),
            ..HealthCheck::default()
        };
        let req = CreateTargetGroupRequest::builder()
            .name(name)
            .port(self.app_port)
            .vpc_id(vpc_id.clone())
            .health_check(health_check)
            .tags(tags.clone())
            .build()?;
        let tg = cloud.elb.create_target_group(req.clone()).await?;
        run.created_with(
            "target group",
            cloud.elb.clone(),
            tg.arn.clone(),
            |elb, arn| async move { elb.delete_target_group(arn).await },
        );
        Ok(tg.arn)
    }

    /// Finds the tier's load balancer by name or creates it. A re-apply must not rely on
    /// CreateLoadBalancer's idempotency: the run would record a load balancer it did not create
    /// (and remove it on rollback), and emulators such as moto create a second one.
    async fn ensure_load_balancer(
        &self,
        cloud: &Cloud,
        run: &Run,
        subnets: &[SubnetId],
        lb_sg: &SecurityGroupId,
        tags: &Tags,
    ) -> Result<LoadBalancer> {
        let find = DescribeLoadBalancersRequest::builder()
            .names(vec![self.name.clone()])
            .build()?;
        match cloud.elb.describe_load_balancers(find.clone())
            .await
        {
            Ok(mut found) if !found.is_empty() => {
                let lb = found.remove(0);
                run.reused("load balancer", lb.arn.to_string());
                return Ok(lb);
            }
            Ok(_) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
        let req = CreateLoadBalancerRequest::builder()
            .name(self.name.clone())
            .subnets(subnets.to_vec())
            .security_groups(vec![lb_sg.clone()])
            .tags(tags.clone())
            .build()?;
        let lb = cloud.elb.create_load_balancer(req.clone()).await?;
        run.created_with(
            "load balancer",
            cloud.elb.clone(),
            lb.arn.clone(),
            |elb, arn| async move {
                elb.delete_load_balancer(arn.clone()).await?;
                wait_lb_deleted(elb.as_ref(), &arn).await
            },
        );
        Ok(lb)
    }

    async fn ensure_listener(
        &self,
        cloud: &Cloud,
        run: &Run,
        lb: &LoadBalancerArn,
        tg: &TargetGroupArn,
    ) -> Result<ListenerArn> {
        let existing = cloud.elb.describe_listeners(lb.clone()).await?;
        if let Some(l) = existing.into_iter().find(|l| l.port == self.listener.port) {
            run.reused("listener", l.arn.to_string());
            return Ok(l.arn);
        }
        let protocol = if self.listener.certificate_arn.is_some() {
            Protocol::Https
        } else {
            Protocol::Http
        };
        let req = CreateListenerRequest::builder()
            .load_balancer_arn(lb.clone())
            .protocol(protocol)
            .port(self.listener.port)
            .maybe_certificate_arn(self.listener.certificate_arn.clone())
            .default_target_group(tg.clone())
            .build()?;
        let listener = cloud.elb.create_listener(req.clone()).await?;
        run.created_with(
            "listener",
            cloud.elb.clone(),
            listener.arn.clone(),
            |elb, arn| async move { elb.delete_listener(arn).await },
        );
        Ok(listener.arn)
    }

    /// Finds this tier's live instances and launches or terminates to reach `count`,
    /// balancing zones.
    #[allow(clippy::too_many_arguments)]
    async fn converge_instances(
        &self,
        cloud: &Cloud,
        run: &Run,
        subnets: &[SubnetId],
        image_id: &ImageId,
        app_sg: &SecurityGroupId,
        tags: &Tags,
        run_id: &str,
    ) -> Result<Vec<Instance>> {
        let mut live = find_instances(cloud, self.name.as_str()).await?;
        for i in &live {
            run.reused("instance", i.id.to_string());
        }
        let want = self.count as usize;
        if live.len() > want {
            let extra = pick_scale_in(&live, live.len() - want);
            remove_instances(cloud, run, &self.name, &extra, None).await?;
            live.retain(|i| !extra.contains(&i.id));
            return Ok(live);
        }
        let plan = spread(subnets, &live, want - live.len());
        let launches = plan.into_iter().filter(|(_, n)| *n > 0).map(|(subnet, n)| {
            let req = RunInstancesRequest::builder()
                .image_id(image_id.clone())
                .instance_type(self.instance_type.clone())
                .count(n)
                .subnet_id(subnet.clone())
                .security_group_ids(vec![app_sg.clone()])
                .maybe_user_data(self.user_data.clone())
                .tags(tags.clone())
                .client_token(format!("{}-{run_id}-{subnet}", self.name))
                .build();
            async move {
                let req = req?;
                // The client token makes the retry safe: a repeat launches nothing new.
                let launched = cloud.ec2.run_instances(req.clone()).await?;
                for i in &launched {
                    record_instance(cloud, run, &i.id);
                }
                Ok::<_, Error>(launched)
            }
        });
        let results = futures::future::join_all(launches).await;
        for r in results {
            live.extend(r?);
        }
        Ok(live)
    }

    async fn put_alarms(
        &self,
        cloud: &Cloud,
        run: &Run,
        lb: &LoadBalancerArn,
        tg: &TargetGroupArn,
        instances: &[InstanceId],
        tags: &Tags,
    ) -> Result<Vec<AlarmName>> {
        let reqs = alarm_requests(self, lb, tg, instances, tags)?;
        let names: Vec<AlarmName> = reqs.iter().map(|r| r.alarm_name.clone()).collect();
        let puts = reqs.into_iter().map(|req| async move {
            let existed = !cloud
                .cloudwatch
                .describe_alarms(
                    DescribeAlarmsRequest::builder()
                        .names(vec![req.alarm_name.clone()])
                        .build()?,
                )
                .await?
                .is_empty();
            cloud.cloudwatch.put_metric_alarm(req.clone())
                .await?;
            if existed {
                run.reused("alarm", req.alarm_name.to_string());
            } else {
                run.created_with(
                    "alarm",
                    cloud.cloudwatch.clone(),
                    req.alarm_name.clone(),
                    |cw, name| async move { cw.delete_alarms(vec![name]).await },
                );
            }
            Ok::<_, Error>(())
        });
        for r in futures::future::join_all(puts).await {
            r?;
        }
        Ok(names)
    }
}

/// The alarm requests for a tier (recommended alarms, tuned by [`AlarmSettings`]).
pub fn alarm_requests(
    spec: &WebTier,
    lb: &LoadBalancerArn,
    tg: &TargetGroupArn,
    instances: &[InstanceId],
    tags: &Tags,
) -> Result<Vec<PutMetricAlarmRequest>> {
    let a = &spec.alarms;
    let lb_dim = vec![Dimension::new("LoadBalancer", lb.dimension())];
    let tg_dims = vec![
        Dimension::new("TargetGroup", tg.dimension()),
        Dimension::new("LoadBalancer", lb.dimension()),
    ];
    let description = |metric: &str| format!("{metric} for web tier {} (aws-facade recommended alarm)", spec.name);
    let mut out = Vec::new();
    let mut add = |suffix: &str, preset: Preset| -> Result<()> {
        let name = format!("{}-{suffix}", spec.name).parse()?;
        out.push(preset.build_with(name, a.actions.clone(), tags.clone())?);
        Ok(())
    };
    use ComparisonOperator::*;
    use TreatMissingData::*;
    // The load balancer's and target group's, after CloudWatch's recommended ALB alarms
    // (period 60 s, 5 of 5; count metrics exist only while requests flow: missing is fine).
    let elb = |metric, dimensions: &Vec<Dimension>, stat, comparison, threshold, missing| Preset {
        namespace: "AWS/ApplicationELB",
        metric,
        dimensions: dimensions.clone(),
        stat,
        period: 60,
        n: 5,
        comparison,
        threshold,
        missing,
        description: description(metric),
    };
    if let Some(t) = a.elb_5xx {
        let p = elb(
            "HTTPCode_ELB_5XX_Count",
            &lb_dim,
            Ok(Statistic::Sum),
            GreaterThanThreshold,
            t,
            NotBreaching,
        );
        add("elb-5xx", p)?;
    }
    if let Some(t) = a.target_5xx {
        let p = elb(
            "HTTPCode_Target_5XX_Count",
            &tg_dims,
            Ok(Statistic::Sum),
            GreaterThanThreshold,
            t,
            NotBreaching,
        );
        add("target-5xx", p)?;
    }
    if a.unhealthy_hosts {
        let p = elb(
            "UnHealthyHostCount",
            &tg_dims,
            Ok(Statistic::Maximum),
            GreaterThanThreshold,
            0.0,
            NotBreaching,
        );
        add("unhealthy-hosts", p)?;
    }
    if a.healthy_hosts {
        let p = elb(
            "HealthyHostCount",
            &tg_dims,
            Ok(Statistic::Minimum),
            LessThanThreshold,
            1.0,
            Missing,
        );
        add("healthy-hosts", p)?;
    }
    if let Some(t) = a.response_time_p90_secs {
        let p = elb(
            "TargetResponseTime",
            &lb_dim,
            Err("p90"),
            GreaterThanThreshold,
            t,
            NotBreaching,
        );
        add("response-time-p90", p)?;
    }
    // Each instance's, after CloudWatch's recommended EC2 alarms.
    for id in instances {
        let ec2 = |metric, period, n, stat, comparison, threshold| Preset {
            namespace: "AWS/EC2",
            metric,
            dimensions: vec![Dimension::new("InstanceId", id.as_str())],
            stat: Ok(stat),
            period,
            n,
            comparison,
            threshold,
            missing: Missing,
            description: description(metric),
        };
        if let Some(t) = a.cpu_percent {
            add(
                &format!("{id}-cpu"),
                ec2("CPUUtilization", 300, 3, Statistic::Average, GreaterThanThreshold, t),
            )?;
        }
        if a.status_checks {
            let (metric, ebs) = ("StatusCheckFailed", "StatusCheckFailed_AttachedEBS");
            add(
                &format!("{id}-status"),
                ec2(metric, 300, 2, Statistic::Maximum, GreaterThanOrEqualToThreshold, 1.0),
            )?;
            add(
                &format!("{id}-ebs-status"),
                ec2(ebs, 60, 10, Statistic::Maximum, GreaterThanOrEqualToThreshold, 1.0),
            )?;
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Steps shared by apply, scale and destroy

async fn resolve_network(cloud: &Cloud, subnets: &[SubnetId]) -> Result<(VpcId, Vec<SubnetId>)> {
    let vpc = cloud.ec2.default_vpc().await?;
    let all = cloud.ec2.describe_subnets(vpc.id.clone()).await?;
    if !subnets.is_empty() {
        let known: Vec<_> = all.iter().filter(|s| subnets.contains(&s.id)).collect();
        if known.len() != subnets.len() {
            return Err(Error::validation("subnets", "must all be subnets of the default VPC"));
        }
        return Ok((vpc.id, subnets.to_vec()));
    }
    // One default subnet per zone, in zone order.
    let mut by_zone: BTreeMap<String, SubnetId> = BTreeMap::new();
    for s in all.iter().filter(|s| s.default_for_az) {
        by_zone
            .entry(s.availability_zone.to_string())
            .or_insert_with(|| s.id.clone());
    }
    if by_zone.len() < 2 {
        return Err(Error::validation(
            "subnets",
            "the default VPC has default subnets in fewer than two zones",
        ));
    }
    Ok((vpc.id, by_zone.into_values().collect()))
}

async fn resolve_image(cloud: &Cloud, spec: &ImageSpec) -> Result<ImageId> {
    match spec {
        ImageSpec::Id(id) => Ok(id.clone()),
        ImageSpec::Latest { name_pattern, owner } => {
            let req = DescribeImagesRequest::builder()
                .owners(vec![owner.clone()])
                .name_pattern(name_pattern.clone())
                .build()?;
            let mut images = cloud.ec2.describe_images(req.clone()).await?;
            images.sort_by(|a, b| b.creation_date.cmp(&a.creation_date));
            images.into_iter().next().map(|i| i.id).ok_or_else(|| {
                Error::validation("image", format!("no image named {name_pattern:?} owned by {owner:?}"))
            })
        }
    }
}

/// Finds the group by name in the VPC or creates it (recording it for rollback).
async fn ensure_group(
    cloud: &Cloud,
    run: &Run,
    vpc: &VpcId,
    name: &str,
    what: &str,
    tags: &Tags,
) -> Result<SecurityGroupId> {
    let find = DescribeSecurityGroupsRequest::builder()
        .group_names(vec![name.to_string()])
        .vpc_id(vpc.clone())
        .build()?;
    let found = |groups: Vec<crate::ec2::SecurityGroup>| groups.into_iter().find(|g| g.name == name).map(|g| g.id);
    let existing = match cloud.ec2.describe_security_groups(find.clone()).await {
        Ok(g) => found(g),
        Err(e) if e.is_not_found() => None,
        Err(e) => return Err(e),
    };
    if let Some(id) = existing {
        run.reused("security group", id.to_string());
        return Ok(id);
    }
    let req = CreateSecurityGroupRequest::builder()
        .name(name)
        .description(format!("aws-facade web tier: {what}"))
        .vpc_id(vpc.clone())
        .tags(tags.clone())
        .build()?;
    let id = match cloud.ec2.create_security_group(req.clone()).await {
        Ok(id) => id,
        // A retried create whose first attempt landed: find it.
        Err(e) if e.code() == Some("InvalidGroup.Duplicate") => {
            let groups = cloud.ec2.describe_security_groups(find.clone())
                .await?;
            found(groups).ok_or(e)?
        }
        Err(e) => return Err(e),
    };
    run.created_with("security group", cloud.ec2.clone(), id.clone(), |ec2, gid| async move {
        ec2.delete_security_group(gid).await
    });
    Ok(id)
}

/// Adds a rule; an existing identical rule is fine (a group not yet visible is retried by the
/// retry layer).
async fn authorize(cloud: &Cloud, req: AuthorizeIngressRequest) -> Result<()> {
    match cloud.ec2.authorize_ingress(req).await {
        Err(e) if e.code() == Some("InvalidPermission.Duplicate") => Ok(()),
        other => other,
    }
}

fn record_instance(cloud: &Cloud, run: &Run, id: &InstanceId) {
    let ec2 = cloud.ec2.clone();
    let iid = id.clone();
    run.created(
        "instance",
        id.to_string(),
        undo(move || {
            let (ec2, iid) = (ec2.clone(), iid.clone());
            async move {
                ec2.terminate_instances(vec![iid.clone()]).await?;
                wait_terminated(ec2.as_ref(), &[iid]).await
            }
        }),
    );
}

/// This tier's instances that are pending or running.
async fn find_instances(cloud: &Cloud, name: &str) -> Result<Vec<Instance>> {
    let mut tags = Tags::new();
    tags.insert(TAG_NAME.into(), name.into());
    tags.insert(TAG_WORKFLOW.into(), WORKFLOW.into());
    let req = DescribeInstancesRequest::builder()
        .tags(tags)
        .states(vec![InstanceState::Pending, InstanceState::Running])
        .build()?;
    cloud.ec2.describe_instances(req.clone()).await
}

/// How many instances to launch in each subnet so zones stay balanced.
fn spread(subnets: &[SubnetId], live: &[Instance], extra: usize) -> Vec<(SubnetId, u32)> {
    let mut counts: Vec<(SubnetId, usize, u32)> = subnets
        .iter()
        .map(|s| {
            (
                s.clone(),
                live.iter().filter(|i| i.subnet_id.as_ref() == Some(s)).count(),
                0,
            )
        })
        .collect();
    for _ in 0..extra {
        let min = counts
            .iter_mut()
            .min_by_key(|(_, have, add)| *have + *add as usize)
            .expect("subnets");
        min.2 += 1;
    }
    counts.into_iter().map(|(s, _, n)| (s, n)).collect()
}

/// Which `n` instances to remove: from the most crowded zone first, newest first.
fn pick_scale_in(live: &[Instance], n: usize) -> Vec<InstanceId> {
    let mut per_zone: BTreeMap<String, Vec<&Instance>> = BTreeMap::new();
    for i in live {
        per_zone.entry(i.availability_zone.to_string()).or_default().push(i);
    }
    let mut out = Vec::new();
    for _ in 0..n {
        let zone = per_zone.values_mut().max_by_key(|v| v.len()).expect("instances");
        if let Some(i) = zone.pop() {
            out.push(i.id.clone());
        }
    }
    out
}

/// Deregisters (waiting for draining), terminates and waits for termination.
async fn remove_instances(
    cloud: &Cloud,
    run: &Run,
    name: &LoadBalancerName,
    ids: &[InstanceId],
    tg: Option<&TargetGroupArn>,
) -> Result<()> {
    let tg = match tg {
        Some(t) => Some(t.clone()),
        None => {
            let name: TargetGroupName = format!("{name}-tg").parse()?;
            match cloud
                .elb
                .describe_target_groups(DescribeTargetGroupsRequest::builder().names(vec![name]).build()?)
                .await
            {
                Ok(v) => v.into_iter().next().map(|t| t.arn),
                Err(e) if e.is_not_found() => None,
                Err(e) => return Err(e),
            }
        }
    };
    if let Some(tg) = tg {
        let targets: Vec<Target> = ids
            .iter()
            .map(|id| Target {
                id: id.clone(),
                port: None,
            })
            .collect();
        cloud.elb.deregister_targets(tg.clone(), targets.clone())
            .await?;
        run.step("wait targets drained", &[], wait_drained(cloud, &tg, &targets))
            .await?;
    }
    cloud.ec2.terminate_instances(ids.to_vec()).await?;
    wait_terminated(cloud.ec2.as_ref(), ids).await?;
    for id in ids {
        run.emit(crate::workflows::Event::Removed {
            kind: "instance".into(),
            id: id.to_string(),
        });
    }
    Ok(())
}

fn poll_backoff() -> Backoff {
    Backoff {
        initial: Duration::from_secs(2),
        max: Duration::from_secs(15),
        multiplier: 1.5,
        jitter: true,
    }
}

async fn wait_running(cloud: &Cloud, ids: &[InstanceId]) -> Result<()> {
    let req = DescribeInstancesRequest::builder().instance_ids(ids.to_vec()).build()?;
    Waiter::new(format!("{} instance(s) running", ids.len()))
        .timeout(Duration::from_secs(600))
        .backoff(poll_backoff())
        .until(|| {
            let req = req.clone();
            async move {
                let found = cloud.ec2.describe_instances(req).await?;
                let states: Vec<String> = found.iter().map(|i| format!("{}={}", i.id, i.state)).collect();
                if let Some(bad) = found
                    .iter()
                    .find(|i| matches!(i.state, InstanceState::Terminated | InstanceState::ShuttingDown))
                {
                    return Err(Error::api(
                        crate::Service::Ec2,
                        "IncorrectInstanceState",
                        format!("instance '{}' is {} ({:?})", bad.id, bad.state, bad.state_reason),
                    ));
                }
                Ok(
                    if found.len() == ids.len() && found.iter().all(|i| i.state == InstanceState::Running) {
                        Check::Done(())
                    } else {
                        Check::Pending(states.join(", "))
                    },
                )
            }
        })
        .await
}

async fn wait_terminated(ec2: &dyn crate::ec2::Ec2, ids: &[InstanceId]) -> Result<()> {
    let req = DescribeInstancesRequest::builder().instance_ids(ids.to_vec()).build()?;
    Waiter::new(format!("{} instance(s) terminated", ids.len()))
        .timeout(Duration::from_secs(900))
        .backoff(poll_backoff())
        .not_found_is_pending(false)
        .until(|| {
            let req = req.clone();
            async move {
                let found = match ec2.describe_instances(req).await {
                    Ok(f) => f,
                    Err(e) if e.is_not_found() => return Ok(Check::Done(())),
                    Err(e) => return Err(e),
                };
                let left: Vec<String> = found
                    .iter()
                    .filter(|i| i.state != InstanceState::Terminated)
                    .map(|i| format!("{}={}", i.id, i.state))
                    .collect();
                Ok(if left.is_empty() {
                    Check::Done(())
                } else {
                    Check::Pending(left.join(", "))
                })
            }
        })
        .await
}

async fn wait_lb_active(cloud: &Cloud, arn: &LoadBalancerArn) -> Result<()> {
    let req = DescribeLoadBalancersRequest::builder()
        .arns(vec![arn.clone()])
        .build()?;
    Waiter::new(format!("load balancer {arn} active"))
        .timeout(Duration::from_secs(900))
        .backoff(poll_backoff())
        .until(|| {
            let req = req.clone();
            async move {
                let lbs = cloud.elb.describe_load_balancers(req).await?;
                match lbs.first().map(|l| l.state) {
                    Some(LoadBalancerState::Active) => Ok(Check::Done(())),
                    Some(LoadBalancerState::Failed) => Err(Error::api(
                        crate::Service::Elbv2,
                        "LoadBalancerFailed",
                        format!("load balancer '{arn}' failed to provision"),
                    )),
                    s => Ok(Check::Pending(format!("{s:?}"))),
                }
            }
        })
        .await
}

async fn wait_lb_deleted(elb: &dyn crate::elb::Elbv2, arn: &LoadBalancerArn) -> Result<()> {
    let req = DescribeLoadBalancersRequest::builder()
        .arns(vec![arn.clone()])
        .build()?;
    Waiter::new(format!("load balancer {arn} deleted"))
        .timeout(Duration::from_secs(900))
        .backoff(poll_backoff())
        .not_found_is_pending(false)
        .until(|| {
            let req = req.clone();
            async move {
                match elb.describe_load_balancers(req).await {
                    Err(e) if e.is_not_found() => Ok(Check::Done(())),
                    Ok(v) if v.is_empty() => Ok(Check::Done(())),
                    Ok(v) => Ok(Check::Pending(format!("{:?}", v[0].state))),
                    Err(e) => Err(e),
                }
            }
        })
        .await
}

async fn wait_healthy(cloud: &Cloud, tg: &TargetGroupArn, targets: &[Target]) -> Result<()> {
    if targets.is_empty() {
        return Ok(());
    }
    Waiter::new(format!("{} target(s) healthy in {tg}", targets.len()))
        .timeout(Duration::from_secs(900))
        .backoff(poll_backoff())
        .until(|| async {
            let health = cloud.elb.describe_target_health(tg.clone(), targets.to_vec()).await?;
            let states: Vec<String> = health
                .iter()
                .map(|h| {
                    format!(
                        "{}={:?}{}",
                        h.target.id,
                        h.state,
                        h.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default()
                    )
                })
                .collect();
            Ok(
                if health.len() == targets.len() && health.iter().all(|h| h.state == TargetHealthState::Healthy) {
                    Check::Done(())
                } else {
                    Check::Pending(states.join(", "))
                },
            )
        })
        .await
}

async fn wait_drained(cloud: &Cloud, tg: &TargetGroupArn, targets: &[Target]) -> Result<()> {
    Waiter::new(format!("{} target(s) drained from {tg}", targets.len()))
        .timeout(Duration::from_secs(3900))
        .backoff(poll_backoff())
        .until(|| async {
            let health = cloud.elb.describe_target_health(tg.clone(), Vec::new()).await?;
            let draining: Vec<String> = health
                .iter()
                .filter(|h| targets.iter().any(|t| t.id == h.target.id))
                .filter(|h| h.state != TargetHealthState::Unused)
                .map(|h| format!("{}={:?}", h.target.id, h.state))
                .collect();
            Ok(if draining.is_empty() {
                Check::Done(())
            } else {
                Check::Pending(draining.join(", "))
            })
        })
        .await
}

// ---------------------------------------------------------------------------------------------
// Scale and destroy

/// Scales a tier to `count` instances: out (launch across the least-used zones, wait running,
/// register, wait healthy) or in (deregister, wait for draining, terminate), keeping zones
/// balanced. Returns the new outputs.
pub async fn scale(
    cloud: &Cloud,
    spec: &WebTier,
    outputs: &WebTierOutputs,
    count: u32,
    progress: Option<Progress>,
) -> Result<WebTierOutputs> {
    let spec = WebTier { count, ..spec.clone() };
    spec.validate()?;
    let run = Run::new(format!("{WORKFLOW} {} scale to {count}", spec.name), progress);
    let result = async {
        let live = find_instances(cloud, spec.name.as_str()).await?;
        let mut out = outputs.clone();
        if live.len() > count as usize {
            let extra = pick_scale_in(&live, live.len() - count as usize);
            run.step(
                "scale in",
                &[],
                remove_instances(cloud, &run, &spec.name, &extra, Some(&outputs.target_group_arn)),
            )
            .await?;
            out.instance_ids = live
                .iter()
                .map(|i| i.id.clone())
                .filter(|id| !extra.contains(id))
                .collect();
            out.instance_ids.sort();
            let mut gone = Vec::new();
            for id in &extra {
                for suffix in ["cpu", "status", "ebs-status"] {
                    gone.push(format!("{}-{id}-{suffix}", spec.name).parse::<AlarmName>()?);
                }
            }
            cloud.cloudwatch.delete_alarms(gone.clone())
                .await
                .or_else(|e| if e.is_not_found() { Ok(()) } else { Err(e) })?;
            out.alarm_names.retain(|a| !gone.contains(a));
        } else if live.len() < count as usize {
            let run_id = format!("{:08x}", fastrand::u32(..));
            let tags = spec.tags(&run_id);
            let before: Vec<InstanceId> = live.iter().map(|i| i.id.clone()).collect();
            let all = run
                .step(
                    "launch",
                    &[],
                    spec.converge_instances(
                        cloud,
                        &run,
                        &outputs.subnets,
                        &outputs.image_id,
                        &outputs.app_security_group,
                        &tags,
                        &run_id,
                    ),
                )
                .await?;
            let new: Vec<InstanceId> = all
                .iter()
                .map(|i| i.id.clone())
                .filter(|id| !before.contains(id))
                .collect();
            run.step("wait instances running", &["launch"], wait_running(cloud, &new))
                .await?;
            let targets: Vec<Target> = new
                .iter()
                .map(|id| Target {
                    id: id.clone(),
                    port: None,
                })
                .collect();
            run.step(
                "register targets",
                &["wait instances running"],
                {
                    cloud
                        .elb
                        .register_targets(outputs.target_group_arn.clone(), targets.clone())
                },
            )
            .await?;
            run.step(
                "wait targets healthy",
                &["register targets"],
                wait_healthy(cloud, &outputs.target_group_arn, &targets),
            )
            .await?;
            let names = run
                .step(
                    "alarms",
                    &["launch"],
                    spec.put_alarms_for_instances(
                        cloud,
                        &run,
                        &outputs.load_balancer_arn,
                        &outputs.target_group_arn,
                        &new,
                        &tags,
                    ),
                )
                .await?;
            out.instance_ids = all.iter().map(|i| i.id.clone()).collect();
            out.instance_ids.sort();
            out.alarm_names.extend(names);
        }
        Ok::<_, Error>(out)
    }
    .await;
    match result {
        Ok(o) => {
            run.commit();
            Ok(o)
        }
        Err(e) => Err(run.fail(e).await),
    }
}

impl WebTier {
    async fn put_alarms_for_instances(
        &self,
        cloud: &Cloud,
        run: &Run,
        lb: &LoadBalancerArn,
        tg: &TargetGroupArn,
        instances: &[InstanceId],
        tags: &Tags,
    ) -> Result<Vec<AlarmName>> {
        let only_instances = WebTier {
            alarms: AlarmSettings {
                elb_5xx: None,
                target_5xx: None,
                unhealthy_hosts: false,
                healthy_hosts: false,
                response_time_p90_secs: None,
                ..self.alarms.clone()
            },
            ..self.clone()
        };
        only_instances.put_alarms(cloud, run, lb, tg, instances, tags).await
    }
}

/// Removes everything in `outputs`, in dependency order and concurrently where the
/// dependencies allow: alarms | (listener → load balancer, wait deleted → target group) |
/// (instances → wait terminated), then the security groups (retrying `DependencyViolation`
/// while network interfaces release). Idempotent: what is already gone counts as removed.
/// Returns what was removed.
pub async fn destroy(cloud: &Cloud, outputs: &WebTierOutputs, progress: Option<Progress>) -> Result<Vec<String>> {
    let found = Found {
        alarms: outputs.alarm_names.clone(),
        listeners: vec![outputs.listener_arn.clone()],
        load_balancer: Some(outputs.load_balancer_arn.clone()),
        target_group: Some(outputs.target_group_arn.clone()),
        instances: outputs.instance_ids.clone(),
        groups: vec![outputs.app_security_group.clone(), outputs.lb_security_group.clone()],
    };
    teardown(cloud, &outputs.name, found, progress).await
}

/// Finds everything of the tier `name` by its tags and names (even after an aborted apply)
/// and removes it like [`destroy`].
pub async fn destroy_by_name(cloud: &Cloud, name: &str, progress: Option<Progress>) -> Result<Vec<String>> {
    let lb_name: LoadBalancerName = name.parse()?;
    let mut found = Found::default();
    let prefix: AlarmName = format!("{name}-").parse()?;
    let alarms = {
            cloud.cloudwatch.describe_alarms(
                DescribeAlarmsRequest::builder()
                    .name_prefix(prefix.to_string())
                    .build()
                    .expect("valid"),
            )
        }
        .await?;
    found.alarms = alarms.into_iter().map(|a| a.name).collect();
    match cloud
        .elb
        .describe_load_balancers(
            DescribeLoadBalancersRequest::builder()
                .names(vec![lb_name.clone()])
                .build()?,
        )
        .await
    {
        Ok(lbs) => {
            if let Some(lb) = lbs.into_iter().next() {
                found.listeners = cloud.elb.describe_listeners(lb.arn.clone())
                    .await?
                    .into_iter()
                    .map(|l| l.arn)
                    .collect();
                found.load_balancer = Some(lb.arn);
            }
        }
        Err(e) if e.is_not_found() => {}
        Err(e) => return Err(e),
    }
    let tg_name: TargetGroupName = format!("{name}-tg").parse()?;
    match cloud
        .elb
        .describe_target_groups(DescribeTargetGroupsRequest::builder().names(vec![tg_name]).build()?)
        .await
    {
        Ok(tgs) => found.target_group = tgs.into_iter().next().map(|t| t.arn),
        Err(e) if e.is_not_found() => {}
        Err(e) => return Err(e),
    }
    found.instances = find_instances(cloud, name).await?.into_iter().map(|i| i.id).collect();
    let mut tags = Tags::new();
    tags.insert(TAG_NAME.into(), name.into());
    tags.insert(TAG_WORKFLOW.into(), WORKFLOW.into());
    let groups = {
            cloud.ec2.describe_security_groups(
                DescribeSecurityGroupsRequest::builder()
                    .tags(tags.clone())
                    .build()
                    .expect("valid"),
            )
        }
        .await?;
    // The app group references the lb group: delete it first.
    let mut groups: Vec<_> = groups.into_iter().map(|g| (g.name.ends_with("-lb"), g.id)).collect();
    groups.sort();
    found.groups = groups.into_iter().map(|(_, id)| id).collect();
    teardown(cloud, name, found, progress).await
}

#[derive(Debug, Default)]
struct Found {
    alarms: Vec<AlarmName>,
    listeners: Vec<ListenerArn>,
    load_balancer: Option<LoadBalancerArn>,
    target_group: Option<TargetGroupArn>,
    instances: Vec<InstanceId>,
    groups: Vec<SecurityGroupId>,
}

async fn teardown(cloud: &Cloud, name: &str, found: Found, progress: Option<Progress>) -> Result<Vec<String>> {
    let run = Arc::new(Run::new(format!("{WORKFLOW} {name} destroy"), progress));
    let removed = Arc::new(std::sync::Mutex::new(Vec::new()));
    let gone = |kind: &str, id: String| {
        run.emit(crate::workflows::Event::Removed {
            kind: kind.into(),
            id: id.clone(),
        });
        removed.lock().unwrap().push(format!("{kind} {id}"));
    };
    let ok_if_gone = |r: Result<()>| match r {
        Err(e) if e.is_not_found() => Ok(()),
        other => other,
    };
    let alarms = run.step("delete alarms", &[], async {
        for chunk in found.alarms.chunks(100) {
            ok_if_gone(
                cloud.cloudwatch.delete_alarms(chunk.to_vec())
                    .await,
            )?;
            for a in chunk {
                gone("alarm", a.to_string());
            }
        }
        Ok(())
    });
    let lb = async {
        run.step("delete listeners", &[], async {
            for l in &found.listeners {
                ok_if_gone(cloud.elb.delete_listener(l.clone()).await)?;
                gone("listener", l.to_string());
            }
            Ok(())
        })
        .await?;
        if let Some(arn) = &found.load_balancer {
            run.step("delete load balancer", &["delete listeners"], async {
                ok_if_gone(cloud.elb.delete_load_balancer(arn.clone()).await)?;
                wait_lb_deleted(cloud.elb.as_ref(), arn).await?;
                gone("load balancer", arn.to_string());
                Ok(())
            })
            .await?;
        }
        if let Some(arn) = &found.target_group {
            run.step("delete target group", &["delete load balancer"], async {
                let action = undo({
                    let (elb, arn) = (cloud.elb.clone(), arn.clone());
                    move || {
                        let (elb, arn) = (elb.clone(), arn.clone());
                        async move { elb.delete_target_group(arn).await }
                    }
                });
                crate::workflows::plan::remove_with_retry(&action, Duration::from_secs(900)).await?;
                gone("target group", arn.to_string());
                Ok(())
            })
            .await?;
        }
        Ok::<_, Error>(())
    };
    let instances = run.step("terminate instances", &[], async {
        if found.instances.is_empty() {
            return Ok(());
        }
        ok_if_gone(
            cloud.ec2.terminate_instances(found.instances.clone())
                .await
                .map(|_| ()),
        )?;
        wait_terminated(cloud.ec2.as_ref(), &found.instances).await?;
        for i in &found.instances {
            gone("instance", i.to_string());
        }
        Ok(())
    });
    let (a, l, i) = tokio::join!(alarms, lb, instances);
    a?;
    l?;
    i?;
    run.step(
        "delete security groups",
        &["delete load balancer", "terminate instances"],
        async {
            for g in &found.groups {
                let action = undo({
                    let (ec2, g) = (cloud.ec2.clone(), g.clone());
                    move || {
                        let (ec2, g) = (ec2.clone(), g.clone());
                        async move { ec2.delete_security_group(g).await }
                    }
                });
                crate::workflows::plan::remove_with_retry(&action, Duration::from_secs(900)).await?;
                gone("security group", g.to_string());
            }
            Ok(())
        },
    )
    .await?;
    let out = removed.lock().unwrap().clone();
    Ok(out)
}

/// The alarm states of a tier (e.g. to show in a report).
pub async fn alarm_states(cloud: &Cloud, outputs: &WebTierOutputs) -> Result<Vec<(AlarmName, AlarmState)>> {
    let mut out = Vec::new();
    for chunk in outputs.alarm_names.chunks(100) {
        let req = DescribeAlarmsRequest::builder().names(chunk.to_vec()).build()?;
        out.extend(
            cloud
                .cloudwatch
                .describe_alarms(req)
                .await?
                .into_iter()
                .map(|a| (a.name, a.state)),
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_balances_zones() {
        let s: Vec<SubnetId> = ["subnet-00000001", "subnet-00000002", "subnet-00000003"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let plan = spread(&s, &[], 5);
        let n: Vec<u32> = plan.iter().map(|(_, n)| *n).collect();
        assert_eq!(n, vec![2, 2, 1]);
    }

    /// The recommended alarms: CloudWatch's settings for ALBs and EC2, the right dimensions,
    /// the user's actions and the tier's tags on each.
    #[test]
    fn alarm_requests_follow_the_recommended_alarms() {
        let pager: Arn = "arn:aws:lambda:us-east-1:123456789012:function:pager".parse().unwrap();
        let mut spec = WebTier::builder()
            .name("shop".parse().unwrap())
            .image(ImageSpec::latest("al2023-ami-*", "amazon"))
            .build()
            .unwrap();
        spec.alarms.actions = vec![pager.clone()];
        let lb: LoadBalancerArn =
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shop/50dc6c495c0c9188"
                .parse()
                .unwrap();
        let tg: TargetGroupArn =
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-tg/6d0ecf831eec9f09"
                .parse()
                .unwrap();
        let i: InstanceId = "i-0123456789abcdef0".parse().unwrap();
        let tags = spec.tags("run-1");
        let reqs = alarm_requests(&spec, &lb, &tg, std::slice::from_ref(&i), &tags).unwrap();
        let by = |suffix: &str| {
            reqs.iter()
                .find(|r| r.alarm_name.as_str() == format!("shop-{suffix}"))
                .unwrap_or_else(|| panic!("shop-{suffix} in {reqs:?}"))
        };
        assert_eq!(reqs.len(), 5 + 3);
        fn dims(r: &PutMetricAlarmRequest) -> Vec<(&str, &str)> {
            r.dimensions
                .iter()
                .map(|d| (d.name.as_str(), d.value.as_str()))
                .collect()
        }
        let lb_dim = ("LoadBalancer", "app/shop/50dc6c495c0c9188");
        let tg_dim = ("TargetGroup", "targetgroup/shop-tg/6d0ecf831eec9f09");

        let e = by("elb-5xx");
        assert_eq!(
            (e.namespace.as_str(), e.metric_name.as_str()),
            ("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count")
        );
        assert_eq!(dims(e), vec![lb_dim]);
        assert_eq!(
            (e.statistic, e.period_secs, e.evaluation_periods, e.datapoints_to_alarm),
            (Some(Statistic::Sum), 60, 5, Some(5))
        );
        assert_eq!(
            (e.comparison, e.threshold, e.treat_missing_data),
            (
                ComparisonOperator::GreaterThanThreshold,
                10.0,
                TreatMissingData::NotBreaching
            )
        );
        let h = by("healthy-hosts");
        assert_eq!(dims(h), vec![tg_dim, lb_dim]);
        assert_eq!(
            (h.statistic, h.comparison, h.threshold),
            (Some(Statistic::Minimum), ComparisonOperator::LessThanThreshold, 1.0)
        );
        let p90 = by("response-time-p90");
        assert_eq!((p90.statistic, p90.extended_statistic.as_deref()), (None, Some("p90")));
        let cpu = by("i-0123456789abcdef0-cpu");
        assert_eq!(dims(cpu), vec![("InstanceId", "i-0123456789abcdef0")]);
        assert_eq!(
            (
                cpu.namespace.as_str(),
                cpu.statistic,
                cpu.period_secs,
                cpu.evaluation_periods
            ),
            ("AWS/EC2", Some(Statistic::Average), 300, 3)
        );
        assert_eq!(
            (cpu.threshold, cpu.treat_missing_data),
            (80.0, TreatMissingData::Missing)
        );
        let ebs = by("i-0123456789abcdef0-ebs-status");
        assert_eq!(
            (ebs.metric_name.as_str(), ebs.period_secs, ebs.evaluation_periods),
            ("StatusCheckFailed_AttachedEBS", 60, 10)
        );
        assert_eq!(ebs.comparison, ComparisonOperator::GreaterThanOrEqualToThreshold);
        assert!(
            reqs.iter()
                .all(|r| r.alarm_actions == vec![pager.clone()] && r.tags == tags)
        );

        // Each can be switched off.
        spec.alarms.status_checks = false;
        spec.alarms.response_time_p90_secs = None;
        let fewer = alarm_requests(&spec, &lb, &tg, &[i], &tags).unwrap();
        assert_eq!(fewer.len(), 4 + 1);
    }

    #[test]
    fn spec_round_trips_through_json_with_defaults() {
        let json = r#"{"name": "shop", "image": {"latest": {"name_pattern": "al2023-ami-*", "owner": "amazon"}}}"#;
        let spec: WebTier = serde_json::from_str(json).unwrap();
        assert_eq!(spec.count, 2);
        assert_eq!(spec.app_port, 80);
        assert_eq!(spec.allowed_cidrs, vec!["0.0.0.0/0".to_string()]);
        spec.validate().unwrap();
        let back: WebTier = serde_json::from_str(&serde_json::to_string(&spec).unwrap()).unwrap();
        assert_eq!(back, spec);
    }

    #[test]
    fn bad_specs_name_the_field() {
        let b = || {
            WebTier::builder()
                .name("shop".parse().unwrap())
                .image(ImageSpec::latest("x*", "amazon"))
        };
        let field = |e: Error| match e {
            Error::Validation { field, .. } => field,
            o => panic!("{o:?}"),
        };
        assert_eq!(
            field(
                b().subnets(vec!["subnet-00000001".parse().unwrap()])
                    .build()
                    .unwrap_err()
            ),
            "subnets"
        );
        assert_eq!(
            field(b().allowed_cidrs(vec!["nope".into()]).build().unwrap_err()),
            "allowed_cidrs"
        );
        let long = WebTier::builder()
            .name("a".repeat(29).parse().unwrap())
            .image(ImageSpec::latest("x*", "amazon"));
        assert_eq!(field(long.build().unwrap_err()), "name");
        assert_eq!(field(b().count(101).build().unwrap_err()), "count");
    }
}
