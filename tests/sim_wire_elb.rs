#![cfg(all(feature = "wire", feature = "elbv2", feature = "ec2"))]
//! The simulator on the wire (`sim::wire`): raw `aws-sdk-elasticloadbalancingv2` clients and
//! the crate's SDK adapter served by the simulator in process, through ELBv2's query protocol.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_facade::ec2::{
    AuthorizeIngressRequest, CreateSecurityGroupRequest, DescribeImagesRequest, IngressSource, RunInstancesRequest,
};
use aws_facade::elb::sdk::SdkElbv2;
use aws_facade::elb::{
    Action, Attributes, CreateListenerRequest, CreateLoadBalancerRequest, CreateRuleRequest, CreateTargetGroupRequest,
    DELETION_PROTECTION, DEREGISTRATION_DELAY, DescribeLoadBalancersRequest, DescribeRulesRequest,
    DescribeTargetGroupsRequest, Elbv2, FixedResponseConfig, ForwardConfig, HealthCheck, ModifyListenerRequest,
    ModifyRuleRequest, Protocol, RedirectConfig, RedirectStatusCode, RuleCondition, RulePriority, Target,
    WeightedTargetGroup,
};
use aws_facade::id::{Arn, InstanceId, SecurityGroupId, SubnetId, VpcId};
use aws_facade::sim::{SimCloud, SimConfig};
use aws_facade::{Error, Tags};
use aws_sdk_elasticloadbalancingv2 as elbv2;
use elbv2::client::Waiters;
use elbv2::types as t;
use serde_json::{Value, json};

fn elb_config(sim: &SimCloud) -> elbv2::config::Builder {
    elbv2::config::Builder::from(&sim.sdk_config()).retry_config(aws_smithy_types::retry::RetryConfig::disabled())
}

/// A raw client of the simulator, retries off (a test sees each error once).
fn elb_client(sim: &SimCloud) -> elbv2::Client {
    elbv2::Client::from_conf(elb_config(sim).build())
}

/// The EC2 side of a web tier, made on the simulator directly: the default VPC, two of its
/// subnets in different zones, a load balancer group open on 80, and a running instance whose
/// group admits the load balancer's on 8080.
struct World {
    vpc: VpcId,
    subnets: [SubnetId; 2],
    lb_sg: SecurityGroupId,
    instance: InstanceId,
}

async fn group(sim: &SimCloud, name: &str, vpc: &VpcId, port: u16, source: IngressSource) -> SecurityGroupId {
    let ec2 = sim.cloud().ec2;
    let id = ec2
        .create_security_group(
            CreateSecurityGroupRequest::builder()
                .name(name)
                .description(name)
                .vpc_id(vpc.clone())
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    ec2.authorize_ingress(
        AuthorizeIngressRequest::builder()
            .group_id(id.clone())
            .from_port(port)
            .source(source)
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    id
}

async fn world(sim: &SimCloud) -> World {
    let ec2 = sim.cloud().ec2;
    let vpc = ec2.default_vpc().await.unwrap().id;
    let mut subnets = ec2.describe_subnets(vpc.clone()).await.unwrap();
    subnets.sort_by(|a, b| a.availability_zone.cmp(&b.availability_zone));
    subnets.dedup_by(|a, b| a.availability_zone == b.availability_zone);
    assert!(subnets.len() >= 2, "{subnets:?}");
    let lb_sg = group(sim, "lb", &vpc, 80, IngressSource::Cidr("0.0.0.0/0".into())).await;
    let app_sg = group(sim, "app", &vpc, 8080, IngressSource::Group(lb_sg.clone())).await;
    let image = ec2
        .describe_images(DescribeImagesRequest::default())
        .await
        .unwrap()
        .remove(0);
    let req = RunInstancesRequest::builder()
        .image_id(image.id)
        .instance_type("t3.micro".parse().unwrap())
        .subnet_id(subnets[0].id.clone())
        .security_group_ids(vec![app_sg])
        .build()
        .unwrap();
    let instance = ec2.run_instances(req).await.unwrap().remove(0).id;
    World {
        vpc,
        subnets: [subnets[0].id.clone(), subnets[1].id.clone()],
        lb_sg,
        instance,
    }
}

fn tag(k: &str, v: &str) -> t::Tag {
    t::Tag::builder().key(k).value(v).build()
}

#[tokio::test(start_paused = true)]
async fn a_raw_sdk_client_builds_waits_for_and_tears_down_a_web_tier() {
    let sim = SimCloud::new();
    let w = world(&sim).await;
    let elb = elb_client(&sim);

    // A load balancer with tags: provisioning, then the SDK waiter sees it active.
    let created = elb
        .create_load_balancer()
        .name("web")
        .subnets(w.subnets[0].as_str())
        .subnets(w.subnets[1].as_str())
        .security_groups(w.lb_sg.as_str())
        .scheme(t::LoadBalancerSchemeEnum::InternetFacing)
        .r#type(t::LoadBalancerTypeEnum::Application)
        .tags(tag("team", "web"))
        .tags(tag("stage", "test"))
        .send()
        .await
        .unwrap();
    let lb = &created.load_balancers()[0];
    let lb_arn = lb.load_balancer_arn().unwrap().to_string();
    assert!(
        lb_arn.starts_with("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/"),
        "{lb_arn}"
    );
    assert_eq!(lb.load_balancer_name(), Some("web"));
    assert_eq!(
        lb.state().and_then(|s| s.code()),
        Some(&t::LoadBalancerStateEnum::Provisioning)
    );
    assert_eq!(lb.r#type(), Some(&t::LoadBalancerTypeEnum::Application));
    assert_eq!(lb.vpc_id(), Some(w.vpc.as_str()));
    assert_eq!(lb.availability_zones().len(), 2);
    assert_eq!(lb.security_groups(), [w.lb_sg.to_string()]);
    assert!(lb.created_time().is_some());
    assert!(
        lb.dns_name()
            .is_some_and(|d| d.ends_with(".us-east-1.elb.amazonaws.com"))
    );

    elb.wait_until_load_balancer_available()
        .load_balancer_arns(&lb_arn)
        .wait(Duration::from_secs(900))
        .await
        .unwrap();
    let by_name = elb.describe_load_balancers().names("web").send().await.unwrap();
    assert_eq!(by_name.load_balancers().len(), 1);
    assert_eq!(
        by_name.load_balancers()[0].state().and_then(|s| s.code()),
        Some(&t::LoadBalancerStateEnum::Active)
    );
    assert_eq!(by_name.next_marker(), None);
    let tags = elb.describe_tags().resource_arns(&lb_arn).send().await.unwrap();
    let described = &tags.tag_descriptions()[0];
    assert_eq!(described.resource_arn(), Some(lb_arn.as_str()));
    let mut pairs: Vec<(&str, &str)> = described
        .tags()
        .iter()
        .map(|t| (t.key().unwrap(), t.value().unwrap()))
        .collect();
    pairs.sort();
    assert_eq!(pairs, [("stage", "test"), ("team", "web")]);

    // A target group with health check settings.
    let tg = elb
        .create_target_group()
        .name("web-tg")
        .protocol(t::ProtocolEnum::Http)
        .port(8080)
        .vpc_id(w.vpc.as_str())
        .target_type(t::TargetTypeEnum::Instance)
        .health_check_path("/healthz")
        .health_check_interval_seconds(10)
        .health_check_timeout_seconds(5)
        .healthy_threshold_count(2)
        .unhealthy_threshold_count(3)
        .matcher(t::Matcher::builder().http_code("200-299").build())
        .tags(tag("team", "web"))
        .send()
        .await
        .unwrap();
    let tg = tg.target_groups()[0].clone();
    let tg_arn = tg.target_group_arn().unwrap().to_string();
    assert_eq!(tg.target_group_name(), Some("web-tg"));
    assert_eq!((tg.protocol(), tg.port()), (Some(&t::ProtocolEnum::Http), Some(8080)));
    assert_eq!(tg.health_check_protocol(), Some(&t::ProtocolEnum::Http));
    assert_eq!(tg.health_check_path(), Some("/healthz"));
    assert_eq!(tg.health_check_port(), Some("traffic-port"));
    assert_eq!(
        (
            tg.health_check_interval_seconds(),
            tg.health_check_timeout_seconds(),
            tg.healthy_threshold_count(),
            tg.unhealthy_threshold_count()
        ),
        (Some(10), Some(5), Some(2), Some(3))
    );
    assert_eq!(tg.matcher().and_then(|m| m.http_code()), Some("200-299"));
    assert_eq!(tg.target_type(), Some(&t::TargetTypeEnum::Instance));
    assert!(tg.load_balancer_arns().is_empty());

    // Target group attributes: described, modified.
    let attrs = elb
        .describe_target_group_attributes()
        .target_group_arn(&tg_arn)
        .send()
        .await
        .unwrap();
    let delay = |a: &[t::TargetGroupAttribute]| {
        a.iter()
            .find(|a| a.key() == Some(DEREGISTRATION_DELAY))
            .and_then(|a| a.value().map(str::to_string))
    };
    assert_eq!(delay(attrs.attributes()).as_deref(), Some("300"));
    let modified = elb
        .modify_target_group_attributes()
        .target_group_arn(&tg_arn)
        .attributes(
            t::TargetGroupAttribute::builder()
                .key(DEREGISTRATION_DELAY)
                .value("20")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(delay(modified.attributes()).as_deref(), Some("20"));

    // Listeners: a forward on 80, a redirect to HTTPS on 8081, a fixed response on 8082.
    let forward = t::Action::builder()
        .r#type(t::ActionTypeEnum::Forward)
        .target_group_arn(&tg_arn)
        .build();
    let listener = elb
        .create_listener()
        .load_balancer_arn(&lb_arn)
        .protocol(t::ProtocolEnum::Http)
        .port(80)
        .default_actions(forward.clone())
        .tags(tag("team", "web"))
        .send()
        .await
        .unwrap();
    let listener = listener.listeners()[0].clone();
    let listener_arn = listener.listener_arn().unwrap().to_string();
    assert_eq!(listener.port(), Some(80));
    assert_eq!(listener.protocol(), Some(&t::ProtocolEnum::Http));
    let action = &listener.default_actions()[0];
    assert_eq!(action.r#type(), Some(&t::ActionTypeEnum::Forward));
    assert_eq!(action.target_group_arn(), Some(tg_arn.as_str()));
    let redirect = t::Action::builder()
        .r#type(t::ActionTypeEnum::Redirect)
        .redirect_config(
            t::RedirectActionConfig::builder()
                .protocol("HTTPS")
                .port("443")
                .status_code(t::RedirectActionStatusCodeEnum::Http301)
                .build(),
        )
        .build();
    let redirecting = elb
        .create_listener()
        .load_balancer_arn(&lb_arn)
        .protocol(t::ProtocolEnum::Http)
        .port(8081)
        .default_actions(redirect)
        .send()
        .await
        .unwrap();
    let r = redirecting.listeners()[0].default_actions()[0]
        .redirect_config()
        .unwrap()
        .clone();
    assert_eq!(
        (r.protocol(), r.port(), r.host(), r.path(), r.query()),
        (
            Some("HTTPS"),
            Some("443"),
            Some("#{host}"),
            Some("/#{path}"),
            Some("#{query}")
        )
    );
    assert_eq!(r.status_code(), Some(&t::RedirectActionStatusCodeEnum::Http301));
    let fixed = t::Action::builder()
        .r#type(t::ActionTypeEnum::FixedResponse)
        .fixed_response_config(
            t::FixedResponseActionConfig::builder()
                .status_code("503")
                .content_type("text/plain")
                .message_body("down for maintenance")
                .build(),
        )
        .build();
    let fixed_listener = elb
        .create_listener()
        .load_balancer_arn(&lb_arn)
        .port(8082)
        .default_actions(fixed.clone())
        .send()
        .await
        .unwrap();
    let fixed_listener = fixed_listener.listeners()[0].clone();
    let f = fixed_listener.default_actions()[0].fixed_response_config().unwrap();
    assert_eq!(
        (f.status_code(), f.content_type(), f.message_body()),
        (Some("503"), Some("text/plain"), Some("down for maintenance"))
    );
    // CreateListener is idempotent, on that path too.
    let again = elb
        .create_listener()
        .load_balancer_arn(&lb_arn)
        .port(8082)
        .default_actions(fixed)
        .send()
        .await
        .unwrap();
    assert_eq!(again.listeners()[0].listener_arn(), fixed_listener.listener_arn());
    let listed = elb
        .describe_listeners()
        .load_balancer_arn(&lb_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.listeners().len(), 3);
    let paged = elb
        .describe_listeners()
        .load_balancer_arn(&lb_arn)
        .page_size(2)
        .send()
        .await
        .unwrap();
    assert_eq!(paged.listeners().len(), 2);
    let rest = elb
        .describe_listeners()
        .load_balancer_arn(&lb_arn)
        .page_size(2)
        .marker(paged.next_marker().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!((rest.listeners().len(), rest.next_marker()), (1, None));
    let by_arn = elb
        .describe_listeners()
        .listener_arns(&listener_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(by_arn.listeners()[0].listener_arn(), Some(listener_arn.as_str()));

    // A rule, modified, given a new priority.
    let rule = elb
        .create_rule()
        .listener_arn(&listener_arn)
        .priority(10)
        .conditions(
            t::RuleCondition::builder()
                .field("path-pattern")
                .path_pattern_config(t::PathPatternConditionConfig::builder().values("/api/*").build())
                .build(),
        )
        .actions(forward.clone())
        .send()
        .await
        .unwrap();
    let rule = rule.rules()[0].clone();
    let rule_arn = rule.rule_arn().unwrap().to_string();
    assert_eq!((rule.priority(), rule.is_default()), (Some("10"), Some(false)));
    let condition = &rule.conditions()[0];
    assert_eq!(condition.field(), Some("path-pattern"));
    assert_eq!(
        condition.path_pattern_config().map(|c| c.values()),
        Some(&["/api/*".to_string()][..])
    );
    let modified = elb
        .modify_rule()
        .rule_arn(&rule_arn)
        .conditions(
            t::RuleCondition::builder()
                .field("host-header")
                .values("api.example.com")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        modified.rules()[0].conditions()[0]
            .host_header_config()
            .map(|c| c.values()),
        Some(&["api.example.com".to_string()][..])
    );
    let moved = elb
        .set_rule_priorities()
        .rule_priorities(t::RulePriorityPair::builder().rule_arn(&rule_arn).priority(20).build())
        .send()
        .await
        .unwrap();
    assert_eq!(moved.rules()[0].priority(), Some("20"));
    let rules = elb.describe_rules().listener_arn(&listener_arn).send().await.unwrap();
    let priorities: Vec<_> = rules.rules().iter().map(|r| r.priority().unwrap()).collect();
    assert_eq!(priorities, ["20", "default"]);

    // A registered instance: the SDK waiter sees it in service.
    elb.register_targets()
        .target_group_arn(&tg_arn)
        .targets(t::TargetDescription::builder().id(w.instance.as_str()).build())
        .send()
        .await
        .unwrap();
    elb.wait_until_target_in_service()
        .target_group_arn(&tg_arn)
        .wait(Duration::from_secs(900))
        .await
        .unwrap();
    let health = elb
        .describe_target_health()
        .target_group_arn(&tg_arn)
        .targets(t::TargetDescription::builder().id(w.instance.as_str()).build())
        .send()
        .await
        .unwrap();
    let d = &health.target_health_descriptions()[0];
    assert_eq!(d.target().and_then(|t| t.id()), Some(w.instance.as_str()));
    assert_eq!(d.target().and_then(|t| t.port()), Some(8080));
    assert_eq!(d.health_check_port(), Some("8080"));
    assert_eq!(
        d.target_health().and_then(|h| h.state()),
        Some(&t::TargetHealthStateEnum::Healthy)
    );
    let groups = elb
        .describe_target_groups()
        .load_balancer_arn(&lb_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        groups.target_groups()[0].load_balancer_arns(),
        std::slice::from_ref(&lb_arn)
    );

    // Load balancer attributes: deletion protection refuses the delete until it is off.
    let protect = |on: &str| {
        elb.modify_load_balancer_attributes()
            .load_balancer_arn(&lb_arn)
            .attributes(
                t::LoadBalancerAttribute::builder()
                    .key(DELETION_PROTECTION)
                    .value(on)
                    .build(),
            )
            .send()
    };
    let out = protect("true").await.unwrap();
    assert!(
        out.attributes()
            .iter()
            .any(|a| a.key() == Some(DELETION_PROTECTION) && a.value() == Some("true"))
    );
    let e = elb
        .delete_load_balancer()
        .load_balancer_arn(&lb_arn)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_operation_not_permitted_exception(), "{e:?}");
    protect("false").await.unwrap();
    let attrs = elb
        .describe_load_balancer_attributes()
        .load_balancer_arn(&lb_arn)
        .send()
        .await
        .unwrap();
    assert!(
        attrs
            .attributes()
            .iter()
            .any(|a| a.key() == Some(DELETION_PROTECTION) && a.value() == Some("false"))
    );

    // Tags added and removed.
    elb.add_tags()
        .resource_arns(&tg_arn)
        .tags(tag("cost", "42"))
        .send()
        .await
        .unwrap();
    elb.remove_tags()
        .resource_arns(&tg_arn)
        .tag_keys("team")
        .send()
        .await
        .unwrap();
    let tags = elb.describe_tags().resource_arns(&tg_arn).send().await.unwrap();
    let keys: Vec<_> = tags.tag_descriptions()[0]
        .tags()
        .iter()
        .map(|t| t.key().unwrap())
        .collect();
    assert_eq!(keys, ["cost"]);

    // A group in use cannot go; then everything is deleted.
    let e = elb
        .delete_target_group()
        .target_group_arn(&tg_arn)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_resource_in_use_exception(), "{e:?}");
    elb.delete_rule().rule_arn(&rule_arn).send().await.unwrap();
    let e = elb
        .describe_rules()
        .rule_arns(&rule_arn)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_rule_not_found_exception(), "{e:?}");
    elb.deregister_targets()
        .target_group_arn(&tg_arn)
        .targets(t::TargetDescription::builder().id(w.instance.as_str()).build())
        .send()
        .await
        .unwrap();
    elb.delete_listener().listener_arn(&listener_arn).send().await.unwrap();
    let e = elb
        .delete_listener()
        .listener_arn(&listener_arn)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_listener_not_found_exception(), "{e:?}");
    elb.delete_load_balancer()
        .load_balancer_arn(&lb_arn)
        .send()
        .await
        .unwrap();
    elb.delete_target_group()
        .target_group_arn(&tg_arn)
        .send()
        .await
        .unwrap();
    sim.cloud()
        .ec2
        .terminate_instances(vec![w.instance.clone()])
        .await
        .unwrap();

    // Gone: the SDK's typed not-found errors.
    let e = elb
        .describe_load_balancers()
        .load_balancer_arns(&lb_arn)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_load_balancer_not_found_exception(), "{e:?}");
    let e = elb
        .describe_target_groups()
        .target_group_arns(&tg_arn)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_target_group_not_found_exception(), "{e:?}");
    let e = elb
        .describe_load_balancer_attributes()
        .load_balancer_arn(&lb_arn)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_load_balancer_not_found_exception(), "{e:?}");
    let e = elb
        .describe_listeners()
        .load_balancer_arn(&lb_arn)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_load_balancer_not_found_exception(), "{e:?}");
}

#[tokio::test(start_paused = true)]
async fn errors_are_the_sdks_typed_errors() {
    let sim = SimCloud::new();
    let w = world(&sim).await;
    let elb = elb_client(&sim);
    let create = || {
        elb.create_load_balancer()
            .name("web")
            .subnets(w.subnets[0].as_str())
            .subnets(w.subnets[1].as_str())
            .security_groups(w.lb_sg.as_str())
    };
    let lb = create().send().await.unwrap();
    let lb_arn = lb.load_balancers()[0].load_balancer_arn().unwrap().to_string();
    let e = create()
        .scheme(t::LoadBalancerSchemeEnum::Internal)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_duplicate_load_balancer_name_exception(), "{e:?}");
    let e = elb
        .create_load_balancer()
        .name("lonely")
        .subnets(w.subnets[0].as_str())
        .subnets("subnet-0123456789abcdef0")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_subnet_not_found_exception(), "{e:?}");
    let e = elb
        .describe_load_balancers()
        .names("nope")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_load_balancer_not_found_exception(), "{e:?}");
    assert_eq!(e.meta().message(), Some("Load balancers 'nope' not found"));

    // The crate's own checks and malformed members answer ValidationError (400).
    let e = elb
        .create_target_group()
        .name("tg")
        .port(80)
        .vpc_id(w.vpc.as_str())
        .health_check_interval_seconds(4)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.raw_response().map(|r| r.status().as_u16()), Some(400));
    assert_eq!(elbv2::error::ProvideErrorMetadata::code(&e), Some("ValidationError"));
    let e = elb
        .create_listener()
        .load_balancer_arn("not-an-arn")
        .port(80)
        .default_actions(t::Action::builder().r#type(t::ActionTypeEnum::AuthenticateOidc).build())
        .send()
        .await
        .unwrap_err();
    assert_eq!(elbv2::error::ProvideErrorMetadata::code(&e), Some("ValidationError"));

    // Unknown target groups and listeners.
    let tg = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/none/0123456789abcdef";
    // A weighted default action naming an unknown group: refused, and no listener is left.
    let weighted = t::Action::builder()
        .r#type(t::ActionTypeEnum::Forward)
        .forward_config(
            t::ForwardActionConfig::builder()
                .target_groups(t::TargetGroupTuple::builder().target_group_arn(tg).weight(1).build())
                .target_group_stickiness_config(
                    t::TargetGroupStickinessConfig::builder()
                        .enabled(true)
                        .duration_seconds(60)
                        .build(),
                )
                .build(),
        )
        .build();
    let e = elb
        .create_listener()
        .load_balancer_arn(&lb_arn)
        .port(80)
        .default_actions(weighted)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_target_group_not_found_exception(), "{e:?}");
    let listed = elb
        .describe_listeners()
        .load_balancer_arn(&lb_arn)
        .send()
        .await
        .unwrap();
    assert!(listed.listeners().is_empty(), "{listed:?}");
    let e = elb
        .describe_target_health()
        .target_group_arn(tg)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_target_group_not_found_exception(), "{e:?}");
    let listener =
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/none/0123456789abcdef/0123456789abcdef";
    let e = elb
        .describe_listener_certificates()
        .listener_arn(listener)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_listener_not_found_exception(), "{e:?}");
    let e = elb
        .describe_listeners()
        .listener_arns(listener)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_listener_not_found_exception(), "{e:?}");
}

/// Rewrites each request's form body: `Action=FROM` becomes `Action=TO`.
#[derive(Debug)]
struct RenameAction(&'static str, &'static str);

impl aws_smithy_runtime_api::client::interceptors::Intercept for RenameAction {
    fn name(&self) -> &'static str {
        "RenameAction"
    }

    fn modify_before_transmit(
        &self,
        context: &mut aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut<'_>,
        _: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        _: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        let req = context.request_mut();
        let body = String::from_utf8_lossy(req.body().bytes().unwrap_or_default()).into_owned();
        let body = body.replace(&format!("Action={}", self.0), &format!("Action={}", self.1));
        req.headers_mut().insert("content-length", body.len().to_string());
        *req.body_mut() = aws_smithy_types::body::SdkBody::from(body);
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn an_unknown_action_is_an_error_answer_not_a_panic() {
    let sim = SimCloud::new();
    for to in ["DescribeSslPolicies", "Bogus", "", "Describe%00"] {
        let client = elbv2::Client::from_conf(
            elb_config(&sim)
                .interceptor(RenameAction("DescribeLoadBalancers", to))
                .build(),
        );
        let e = client.describe_load_balancers().send().await.unwrap_err();
        assert_eq!(e.raw_response().map(|r| r.status().as_u16()), Some(400), "{to}: {e:?}");
        assert_eq!(
            elbv2::error::ProvideErrorMetadata::code(&e),
            Some("InvalidAction"),
            "{to}: {e:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The crate's SDK adapter over the wire against the simulator directly.

/// A run of every `Elbv2` operation, recording each answer (or error code) as JSON.
async fn run(elb: &dyn Elbv2, w: &World) -> Vec<Value> {
    fn rec<T: serde::Serialize>(out: &mut Vec<Value>, what: &str, r: aws_facade::Result<T>) -> Option<T> {
        match r {
            Ok(v) => {
                out.push(json!({what: serde_json::to_value(&v).unwrap()}));
                Some(v)
            }
            Err(e) => {
                out.push(json!({what: {"error": e.code(), "kind": format!("{:?}", e.kind())}}));
                None
            }
        }
    }
    fn error_kind(e: &Error) -> String {
        format!("{:?} {:?}", e.kind(), e.code())
    }
    let mut out = Vec::new();
    let tags = Tags::from([("team".to_string(), "web".to_string())]);
    let lb_req = CreateLoadBalancerRequest::builder()
        .name("web".parse().unwrap())
        .subnets(w.subnets.to_vec())
        .security_groups(vec![w.lb_sg.clone()])
        .tags(tags.clone())
        .build()
        .unwrap();
    let lb = rec(&mut out, "create lb", elb.create_load_balancer(lb_req.clone()).await).unwrap();
    rec(&mut out, "create lb again", elb.create_load_balancer(lb_req).await);
    let by_name = DescribeLoadBalancersRequest::builder()
        .names(vec!["web".parse().unwrap()])
        .build()
        .unwrap();
    rec(
        &mut out,
        "describe lbs",
        elb.describe_load_balancers(by_name.clone()).await,
    );
    tokio::time::advance(Duration::from_secs(150)).await;
    rec(
        &mut out,
        "describe lbs later",
        elb.describe_load_balancers(by_name).await,
    );
    rec(
        &mut out,
        "describe all lbs",
        elb.describe_load_balancers(DescribeLoadBalancersRequest::default())
            .await,
    );
    rec(
        &mut out,
        "lb attributes",
        elb.describe_load_balancer_attributes(lb.arn.clone()).await,
    );
    rec(
        &mut out,
        "modify lb attributes",
        elb.modify_load_balancer_attributes(
            lb.arn.clone(),
            Attributes::from([("idle_timeout.timeout_seconds".to_string(), "120".to_string())]),
        )
        .await,
    );
    rec(
        &mut out,
        "unknown lb attribute",
        elb.modify_load_balancer_attributes(
            lb.arn.clone(),
            Attributes::from([("no.such.attribute".to_string(), "1".to_string())]),
        )
        .await,
    );

    let hc = HealthCheck::builder()
        .interval_secs(10)
        .healthy_threshold(2)
        .path("/healthz")
        .build()
        .unwrap();
    let tg_req = |name: &str| {
        CreateTargetGroupRequest::builder()
            .name(name.parse().unwrap())
            .port(8080)
            .vpc_id(w.vpc.clone())
            .health_check(hc.clone())
            .tags(tags.clone())
            .build()
            .unwrap()
    };
    let tg = rec(&mut out, "create tg", elb.create_target_group(tg_req("web-tg")).await).unwrap();
    let tg2 = rec(&mut out, "create tg2", elb.create_target_group(tg_req("api-tg")).await).unwrap();
    let mut other = tg_req("web-tg");
    other.port = 9090;
    rec(&mut out, "duplicate tg", elb.create_target_group(other).await);
    rec(
        &mut out,
        "describe tgs",
        elb.describe_target_groups(DescribeTargetGroupsRequest::default()).await,
    );
    rec(
        &mut out,
        "tg attributes",
        elb.modify_target_group_attributes(
            tg.arn.clone(),
            Attributes::from([(DEREGISTRATION_DELAY.to_string(), "20".to_string())]),
        )
        .await,
    );
    rec(
        &mut out,
        "describe tg attributes",
        elb.describe_target_group_attributes(tg.arn.clone()).await,
    );

    let listener = rec(
        &mut out,
        "create listener",
        elb.create_listener(
            CreateListenerRequest::builder()
                .load_balancer_arn(lb.arn.clone())
                .port(80)
                .default_target_group(tg.arn.clone())
                .tags(tags.clone())
                .build()
                .unwrap(),
        )
        .await,
    )
    .unwrap();
    let cert: Arn = "arn:aws:acm:us-east-1:123456789012:certificate/0000-1111"
        .parse()
        .unwrap();
    let https = rec(
        &mut out,
        "create https listener",
        elb.create_listener(
            CreateListenerRequest::builder()
                .load_balancer_arn(lb.arn.clone())
                .port(443)
                .protocol(Protocol::Https)
                .certificate_arn(cert.clone())
                .ssl_policy("ELBSecurityPolicy-TLS13-1-2-2021-06")
                .default_target_group(tg.arn.clone())
                .build()
                .unwrap(),
        )
        .await,
    )
    .unwrap();
    let redirect = rec(
        &mut out,
        "create redirect listener",
        elb.create_listener(
            CreateListenerRequest::builder()
                .load_balancer_arn(lb.arn.clone())
                .port(8081)
                .redirect_to_https(443)
                .build()
                .unwrap(),
        )
        .await,
    )
    .unwrap();
    rec(
        &mut out,
        "modify listener",
        elb.modify_listener(
            ModifyListenerRequest::builder()
                .listener_arn(redirect.arn.clone())
                .port(8082)
                .default_actions(vec![Action::FixedResponse(
                    FixedResponseConfig::builder()
                        .status_code(404)
                        .content_type("application/json")
                        .message_body("{}")
                        .build()
                        .unwrap(),
                )])
                .build()
                .unwrap(),
        )
        .await,
    );
    rec(
        &mut out,
        "describe listeners",
        elb.describe_listeners(lb.arn.clone()).await,
    );
    let extra: Arn = "arn:aws:acm:us-east-1:123456789012:certificate/2222-3333"
        .parse()
        .unwrap();
    rec(
        &mut out,
        "add certificates",
        elb.add_listener_certificates(https.arn.clone(), vec![extra.clone()])
            .await,
    );
    rec(
        &mut out,
        "describe certificates",
        elb.describe_listener_certificates(https.arn.clone()).await,
    );
    rec(
        &mut out,
        "remove default certificate",
        elb.remove_listener_certificates(https.arn.clone(), vec![cert]).await,
    );
    rec(
        &mut out,
        "remove certificate",
        elb.remove_listener_certificates(https.arn.clone(), vec![extra]).await,
    );

    let rule = |priority, conditions, actions| {
        CreateRuleRequest::builder()
            .listener_arn(listener.arn.clone())
            .priority(priority)
            .conditions(conditions)
            .actions(actions)
            .build()
            .unwrap()
    };
    let weighted = Action::WeightedForward(ForwardConfig {
        target_groups: vec![
            WeightedTargetGroup {
                arn: tg.arn.clone(),
                weight: 80,
            },
            WeightedTargetGroup {
                arn: tg2.arn.clone(),
                weight: 20,
            },
        ],
        stickiness_secs: Some(3600),
    });
    let api = rec(
        &mut out,
        "create weighted rule",
        elb.create_rule(rule(
            10,
            vec![
                RuleCondition::path_pattern(["/api/*"]),
                RuleCondition::http_request_method(["GET"]),
            ],
            vec![weighted],
        ))
        .await,
    )
    .unwrap();
    let host = rec(
        &mut out,
        "create host rule",
        elb.create_rule(rule(
            20,
            vec![
                RuleCondition::host_header(["*.example.com"]),
                RuleCondition::http_header("X-Env", ["blue"]),
                RuleCondition::query_string([(Some("v".to_string()), "2".to_string()), (None, "beta".to_string())]),
            ],
            vec![Action::Redirect(
                RedirectConfig::builder()
                    .host("example.org")
                    .status_code(RedirectStatusCode::Http302)
                    .build()
                    .unwrap(),
            )],
        ))
        .await,
    )
    .unwrap();
    rec(
        &mut out,
        "priority in use",
        elb.create_rule(rule(
            20,
            vec![RuleCondition::source_ip(["10.0.0.0/8"])],
            vec![Action::forward(tg2.arn.clone())],
        ))
        .await,
    );
    rec(
        &mut out,
        "modify rule",
        elb.modify_rule(
            ModifyRuleRequest::builder()
                .rule_arn(host.arn.clone())
                .conditions(vec![RuleCondition::source_ip(["10.0.0.0/8", "2001:db8::/32"])])
                .build()
                .unwrap(),
        )
        .await,
    );
    rec(
        &mut out,
        "set priorities",
        elb.set_rule_priorities(vec![
            RulePriority {
                rule_arn: api.arn.clone(),
                priority: 30,
            },
            RulePriority {
                rule_arn: host.arn.clone(),
                priority: 5,
            },
        ])
        .await,
    );
    let rules = rec(
        &mut out,
        "describe rules",
        elb.describe_rules(
            DescribeRulesRequest::builder()
                .listener_arn(listener.arn.clone())
                .build()
                .unwrap(),
        )
        .await,
    )
    .unwrap();
    let default_rule = rules.iter().find(|r| r.is_default).unwrap().arn.clone();
    rec(&mut out, "delete default rule", elb.delete_rule(default_rule).await);

    rec(
        &mut out,
        "register",
        elb.register_targets(tg.arn.clone(), vec![Target::instance(w.instance.clone())])
            .await,
    );
    rec(
        &mut out,
        "health",
        elb.describe_target_health(tg.arn.clone(), vec![]).await,
    );
    tokio::time::advance(Duration::from_secs(60)).await;
    rec(
        &mut out,
        "health later",
        elb.describe_target_health(tg.arn.clone(), vec![]).await,
    );
    rec(
        &mut out,
        "deregister",
        elb.deregister_targets(tg.arn.clone(), vec![Target::instance(w.instance.clone())])
            .await,
    );
    rec(
        &mut out,
        "health of one",
        elb.describe_target_health(tg.arn.clone(), vec![Target::instance(w.instance.clone())])
            .await,
    );

    let arns = vec![
        lb.arn.to_string(),
        tg.arn.to_string(),
        listener.arn.to_string(),
        api.arn.to_string(),
    ];
    rec(
        &mut out,
        "add tags",
        elb.add_tags(arns.clone(), Tags::from([("cost".to_string(), "42".to_string())]))
            .await,
    );
    rec(
        &mut out,
        "remove tags",
        elb.remove_tags(arns.clone(), vec!["team".to_string()]).await,
    );
    rec(&mut out, "describe tags", elb.describe_tags(arns).await);

    rec(&mut out, "tg in use", elb.delete_target_group(tg2.arn.clone()).await);
    rec(&mut out, "delete rule", elb.delete_rule(api.arn.clone()).await);
    rec(
        &mut out,
        "delete listener",
        elb.delete_listener(listener.arn.clone()).await,
    );
    rec(
        &mut out,
        "delete listener again",
        elb.delete_listener(listener.arn.clone()).await,
    );
    rec(&mut out, "delete lb", elb.delete_load_balancer(lb.arn.clone()).await);
    rec(&mut out, "delete tg", elb.delete_target_group(tg.arn.clone()).await);
    rec(&mut out, "delete tg2", elb.delete_target_group(tg2.arn.clone()).await);
    let e = elb
        .describe_target_groups(
            DescribeTargetGroupsRequest::builder()
                .arns(vec![tg.arn.clone()])
                .build()
                .unwrap(),
        )
        .await
        .unwrap_err();
    out.push(json!({"tg gone": error_kind(&e)}));
    let e = elb.describe_listeners(lb.arn.clone()).await.unwrap_err();
    out.push(json!({"lb gone": error_kind(&e)}));
    out
}

#[tokio::test(start_paused = true)]
async fn the_sdk_adapter_over_the_wire_matches_the_direct_simulator() {
    let mut runs: Vec<Vec<Value>> = Vec::new();
    for wire in [false, true] {
        let sim = SimCloud::with_config(SimConfig {
            calendar_start: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600)),
            ..SimConfig::default()
        });
        let w = world(&sim).await;
        let elb: Arc<dyn Elbv2> = if wire {
            Arc::new(SdkElbv2::from_client(elb_client(&sim)))
        } else {
            sim.cloud().elb
        };
        runs.push(run(elb.as_ref(), &w).await);
    }
    let (direct, wire) = (&runs[0], &runs[1]);
    assert_eq!(direct.len(), wire.len());
    for (d, w) in direct.iter().zip(wire) {
        assert_eq!(d, w, "the direct simulator (left) and the wire (right) differ");
    }
}
