//! [`Elbv2`] over `aws_sdk_elasticloadbalancingv2`.
//!
//! Describes follow `NextMarker` to the last page. Only Application Load Balancer resources
//! are mapped: load balancers of another type, and target groups that are not HTTP/HTTPS
//! groups of instances, are left out of describe results (they cannot be represented).

use aws_sdk_elasticloadbalancingv2 as elbv2;
use elbv2::types as t;

use super::*;
use crate::error::ApiError;
use crate::macros::sdk_adapter;
use crate::sdk_util::{parse_id, sdk_err, tags_from, to_system_time};
use crate::validate::Validate;

sdk_adapter!(
    /// [`Elbv2`] over `aws_sdk_elasticloadbalancingv2`.
    SdkElbv2, aws_sdk_elasticloadbalancingv2);

/// The most ARNs `DescribeTags` accepts per call (ELBv2 API reference, `DescribeTags`
/// `ResourceArns`: "You can specify up to 20 resources in a single call").
const TAG_ARNS_PER_CALL: usize = 20;

/// The most load balancer ARNs `DescribeLoadBalancers` accepts per call.
const LB_ARNS_PER_CALL: usize = 20;

const SVC: Service = Service::Elbv2;

fn malformed(what: impl Into<String>) -> Error {
    Error::from_api(ApiError::new(SVC, "MalformedResponse", what.into()))
}

fn sdk_tags(tags: &Tags) -> Option<Vec<t::Tag>> {
    (!tags.is_empty()).then(|| {
        tags.iter()
            .map(|(k, v)| t::Tag::builder().key(k).value(v).build())
            .collect()
    })
}

// The facade's open enums and the SDK's convert through the AWS names: no value is lost
// either way (an unknown one is carried as its name).
fn sdk_protocol(p: &Protocol) -> t::ProtocolEnum {
    t::ProtocolEnum::from(p.as_str())
}

fn protocol_from(p: Option<&t::ProtocolEnum>) -> Option<Protocol> {
    p.map(|p| Protocol::from(p.as_str()))
}

fn u16_from(field: &str, v: Option<i32>) -> Result<u16> {
    let v = v.ok_or_else(|| malformed(format!("response is missing {field}")))?;
    u16::try_from(v).map_err(|_| malformed(format!("{field} {v} is not a port")))
}

fn u32_or(v: Option<i32>, default: u32) -> u32 {
    v.and_then(|v| u32::try_from(v).ok()).unwrap_or(default)
}

fn lb_from(lb: &t::LoadBalancer) -> Result<Option<LoadBalancer>> {
    if lb
        .r#type()
        .is_some_and(|ty| *ty != t::LoadBalancerTypeEnum::Application)
    {
        return Ok(None);
    }
    let state = lb
        .state()
        .and_then(|s| s.code())
        .map(|c| LoadBalancerState::from(c.as_str()))
        .ok_or_else(|| malformed("response is missing State.Code"))?;
    let scheme = lb.scheme().map(|s| Scheme::from(s.as_str())).unwrap_or_default();
    let ip_address_type = lb
        .ip_address_type()
        .map(|s| IpAddressType::from(s.as_str()))
        .unwrap_or_default();
    let availability_zones = lb
        .availability_zones()
        .iter()
        .map(|z| {
            Ok(LoadBalancerZone {
                zone: parse_id(SVC, "AvailabilityZone.ZoneName", z.zone_name())?,
                subnet_id: parse_id(SVC, "AvailabilityZone.SubnetId", z.subnet_id())?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(LoadBalancer {
        arn: parse_id(SVC, "LoadBalancerArn", lb.load_balancer_arn())?,
        name: parse_id(SVC, "LoadBalancerName", lb.load_balancer_name())?,
        dns_name: lb.dns_name().unwrap_or_default().to_string(),
        scheme,
        state,
        vpc_id: parse_id(SVC, "VpcId", lb.vpc_id())?,
        availability_zones,
        security_groups: lb
            .security_groups()
            .iter()
            .map(|g| g.parse())
            .collect::<Result<Vec<_>>>()?,
        ip_address_type,
        created: lb.created_time().and_then(to_system_time),
    }))
}

fn tg_from(tg: &t::TargetGroup) -> Result<Option<TargetGroup>> {
    // Lambda target groups have no protocol or port: this trait does not model them.
    let Some(protocol) = protocol_from(tg.protocol()) else {
        return Ok(None);
    };
    let health_check = HealthCheck {
        protocol: protocol_from(tg.health_check_protocol()).unwrap_or_else(|| protocol.clone()),
        path: tg.health_check_path().unwrap_or("/").to_string(),
        port: tg.health_check_port().unwrap_or(TRAFFIC_PORT).to_string(),
        interval_secs: u32_or(tg.health_check_interval_seconds(), 30),
        timeout_secs: tg.health_check_timeout_seconds().and_then(|v| u32::try_from(v).ok()),
        healthy_threshold: u32_or(tg.healthy_threshold_count(), 5),
        unhealthy_threshold: u32_or(tg.unhealthy_threshold_count(), 2),
        matcher: tg.matcher().and_then(|m| m.http_code()).unwrap_or("200").to_string(),
    };
    Ok(Some(TargetGroup {
        arn: parse_id(SVC, "TargetGroupArn", tg.target_group_arn())?,
        name: parse_id(SVC, "TargetGroupName", tg.target_group_name())?,
        protocol,
        port: u16_from("Port", tg.port())?,
        vpc_id: parse_id(SVC, "VpcId", tg.vpc_id())?,
        target_type: tg
            .target_type()
            .map(|ty| TargetType::from(ty.as_str()))
            .unwrap_or_default(),
        health_check,
        load_balancer_arns: tg
            .load_balancer_arns()
            .iter()
            .map(|a| a.parse())
            .collect::<Result<Vec<_>>>()?,
    }))
}

fn listener_from(l: &t::Listener) -> Result<Listener> {
    let protocol = protocol_from(l.protocol()).ok_or_else(|| malformed("response is missing Protocol"))?;
    let default_actions = actions_from(l.default_actions())?;
    Ok(Listener {
        arn: parse_id(SVC, "ListenerArn", l.listener_arn())?,
        load_balancer_arn: parse_id(SVC, "LoadBalancerArn", l.load_balancer_arn())?,
        protocol,
        port: u16_from("Port", l.port())?,
        default_target_group: default_target_group_of(&default_actions),
        // A redirect to HTTPS on the same host (what this crate creates).
        redirect_to_https: redirect_to_https_of(&default_actions),
        certificate_arn: l
            .certificates()
            .first()
            .and_then(|c| c.certificate_arn())
            .map(str::parse)
            .transpose()?,
        ssl_policy: l.ssl_policy().map(str::to_string),
        default_actions,
    })
}

// ---- actions and conditions

/// The SDK's action for `a`, `order` (1-based) among its list.
fn sdk_action(a: &Action, order: usize) -> t::Action {
    let b = t::Action::builder().order(order as i32);
    match a {
        Action::Forward { target_group } => b
            .r#type(t::ActionTypeEnum::Forward)
            .target_group_arn(target_group.as_str()),
        Action::WeightedForward(c) => b.r#type(t::ActionTypeEnum::Forward).forward_config(
            t::ForwardActionConfig::builder()
                .set_target_groups(Some(
                    c.target_groups
                        .iter()
                        .map(|g| {
                            t::TargetGroupTuple::builder()
                                .target_group_arn(g.arn.as_str())
                                .weight(i32::from(g.weight))
                                .build()
                        })
                        .collect(),
                ))
                .target_group_stickiness_config(
                    t::TargetGroupStickinessConfig::builder()
                        .enabled(c.stickiness_secs.is_some())
                        .set_duration_seconds(c.stickiness_secs.map(|s| s as i32))
                        .build(),
                )
                .build(),
        ),
        Action::Redirect(r) => b.r#type(t::ActionTypeEnum::Redirect).redirect_config(
            t::RedirectActionConfig::builder()
                .protocol(&r.protocol)
                .port(&r.port)
                .host(&r.host)
                .path(&r.path)
                .query(&r.query)
                .status_code(t::RedirectActionStatusCodeEnum::from(r.status_code.as_str()))
                .build(),
        ),
        Action::FixedResponse(f) => b.r#type(t::ActionTypeEnum::FixedResponse).fixed_response_config(
            t::FixedResponseActionConfig::builder()
                .status_code(f.status_code.to_string())
                .set_content_type(f.content_type.clone())
                .set_message_body(f.message_body.clone())
                .build(),
        ),
        // Refused by validate_actions before any call.
        Action::Other { kind } => b.r#type(t::ActionTypeEnum::from(kind.as_str())),
    }
    .build()
}

fn sdk_actions(actions: &[Action]) -> Vec<t::Action> {
    actions.iter().enumerate().map(|(i, a)| sdk_action(a, i + 1)).collect()
}

fn action_from(a: &t::Action) -> Result<Action> {
    let kind = a
        .r#type()
        .ok_or_else(|| malformed("Action is missing Type"))?
        .as_str()
        .to_string();
    Ok(match kind.as_str() {
        "forward" => {
            let groups = a.forward_config().map(|f| f.target_groups()).unwrap_or_default();
            let sticky = a
                .forward_config()
                .and_then(|f| f.target_group_stickiness_config())
                .filter(|s| s.enabled() == Some(true))
                .map(|s| u32_or(s.duration_seconds(), 0));
            match (a.target_group_arn(), groups.len(), sticky) {
                // AWS answers a forward to one group with both forms.
                (Some(tg), 0 | 1, None) => Action::forward(tg.parse()?),
                (None, 1, None) => Action::forward(parse_id(SVC, "TargetGroupArn", groups[0].target_group_arn())?),
                _ => Action::WeightedForward(ForwardConfig {
                    target_groups: groups
                        .iter()
                        .map(|g| {
                            Ok(WeightedTargetGroup {
                                arn: parse_id(SVC, "TargetGroupArn", g.target_group_arn())?,
                                weight: g.weight().and_then(|w| u16::try_from(w).ok()).unwrap_or(1),
                            })
                        })
                        .collect::<Result<Vec<_>>>()?,
                    stickiness_secs: sticky,
                }),
            }
        }
        "redirect" => {
            let r = a
                .redirect_config()
                .ok_or_else(|| malformed("redirect action is missing RedirectConfig"))?;
            Action::Redirect(RedirectConfig {
                protocol: r.protocol().unwrap_or("#{protocol}").to_string(),
                port: r.port().unwrap_or("#{port}").to_string(),
                host: r.host().unwrap_or("#{host}").to_string(),
                path: r.path().unwrap_or("/#{path}").to_string(),
                query: r.query().unwrap_or("#{query}").to_string(),
                status_code: r
                    .status_code()
                    .map(|c| RedirectStatusCode::from(c.as_str()))
                    .unwrap_or_default(),
            })
        }
        "fixed-response" => {
            let f = a
                .fixed_response_config()
                .ok_or_else(|| malformed("fixed-response action is missing FixedResponseConfig"))?;
            let code = f.status_code().unwrap_or_default();
            Action::FixedResponse(FixedResponseConfig {
                status_code: code
                    .parse()
                    .map_err(|_| malformed(format!("fixed response status code {code:?} is not a number")))?,
                content_type: f.content_type().map(str::to_string),
                message_body: f.message_body().map(str::to_string),
            })
        }
        _ => Action::Other { kind },
    })
}

/// Actions in their order (`Order`, then as listed).
fn actions_from(actions: &[t::Action]) -> Result<Vec<Action>> {
    let mut sorted: Vec<&t::Action> = actions.iter().collect();
    sorted.sort_by_key(|a| a.order().unwrap_or(i32::MAX));
    sorted.into_iter().map(action_from).collect()
}

fn sdk_condition(c: &RuleCondition) -> t::RuleCondition {
    let b = t::RuleCondition::builder().field(c.field());
    let list = |v: &[String]| Some(v.to_vec());
    match c {
        RuleCondition::PathPattern { values } => b.path_pattern_config(
            t::PathPatternConditionConfig::builder()
                .set_values(list(values))
                .build(),
        ),
        RuleCondition::HostHeader { values } => {
            b.host_header_config(t::HostHeaderConditionConfig::builder().set_values(list(values)).build())
        }
        RuleCondition::HttpHeader { name, values } => b.http_header_config(
            t::HttpHeaderConditionConfig::builder()
                .http_header_name(name)
                .set_values(list(values))
                .build(),
        ),
        RuleCondition::QueryString { values } => b.query_string_config(
            t::QueryStringConditionConfig::builder()
                .set_values(Some(
                    values
                        .iter()
                        .map(|m| {
                            t::QueryStringKeyValuePair::builder()
                                .set_key(m.key.clone())
                                .value(&m.value)
                                .build()
                        })
                        .collect(),
                ))
                .build(),
        ),
        RuleCondition::SourceIp { values } => {
            b.source_ip_config(t::SourceIpConditionConfig::builder().set_values(list(values)).build())
        }
        RuleCondition::HttpRequestMethod { values } => b.http_request_method_config(
            t::HttpRequestMethodConditionConfig::builder()
                .set_values(list(values))
                .build(),
        ),
    }
    .build()
}

/// A condition the SDK answered; `None` for a field this crate does not model.
fn condition_from(c: &t::RuleCondition) -> Option<RuleCondition> {
    // Values in the field's config, or (older form) in `Values`.
    let or_values = |v: Option<&[String]>| {
        let v = v.unwrap_or_default();
        if v.is_empty() { c.values().to_vec() } else { v.to_vec() }
    };
    Some(match c.field()? {
        "path-pattern" => RuleCondition::PathPattern {
            values: or_values(c.path_pattern_config().map(|x| x.values())),
        },
        "host-header" => RuleCondition::HostHeader {
            values: or_values(c.host_header_config().map(|x| x.values())),
        },
        "http-header" => RuleCondition::HttpHeader {
            name: c
                .http_header_config()
                .and_then(|h| h.http_header_name())
                .unwrap_or_default()
                .to_string(),
            values: or_values(c.http_header_config().map(|x| x.values())),
        },
        "query-string" => RuleCondition::QueryString {
            values: c
                .query_string_config()
                .map(|q| q.values())
                .unwrap_or_default()
                .iter()
                .map(|p| QueryStringMatch {
                    key: p.key().map(str::to_string),
                    value: p.value().unwrap_or_default().to_string(),
                })
                .collect(),
        },
        "source-ip" => RuleCondition::SourceIp {
            values: or_values(c.source_ip_config().map(|x| x.values())),
        },
        "http-request-method" => RuleCondition::HttpRequestMethod {
            values: or_values(c.http_request_method_config().map(|x| x.values())),
        },
        _ => return None,
    })
}

fn rule_from(r: &t::Rule) -> Result<Rule> {
    let priority = match r.priority() {
        None | Some("default") => None,
        Some(p) => Some(
            p.parse()
                .map_err(|_| malformed(format!("rule priority {p:?} is not a number")))?,
        ),
    };
    Ok(Rule {
        arn: parse_id(SVC, "RuleArn", r.rule_arn())?,
        priority,
        is_default: r.is_default().unwrap_or(priority.is_none()),
        conditions: r.conditions().iter().filter_map(condition_from).collect(),
        actions: actions_from(r.actions())?,
    })
}

fn certificate_from(c: &t::Certificate) -> Result<ListenerCertificate> {
    Ok(ListenerCertificate {
        arn: parse_id(SVC, "CertificateArn", c.certificate_arn())?,
        is_default: c.is_default().unwrap_or(false),
    })
}

fn sdk_certificates(certificates: &[Arn]) -> Vec<t::Certificate> {
    certificates
        .iter()
        .map(|c| t::Certificate::builder().certificate_arn(c.as_str()).build())
        .collect()
}

fn sdk_targets(targets: &[Target]) -> Vec<t::TargetDescription> {
    targets
        .iter()
        .map(|tg| {
            t::TargetDescription::builder()
                .id(tg.id.as_str())
                .set_port(tg.port.map(i32::from))
                .build()
        })
        .collect()
}

fn health_state_from(s: Option<&t::TargetHealthStateEnum>) -> Result<TargetHealthState> {
    s.map(|s| TargetHealthState::from(s.as_str()))
        .ok_or_else(|| malformed("response is missing TargetHealth.State"))
}

fn lb_attributes_from(attrs: &[t::LoadBalancerAttribute]) -> Attributes {
    attrs
        .iter()
        .filter_map(|a| Some((a.key()?.to_string(), a.value().unwrap_or("").to_string())))
        .collect()
}

fn attributes_from(attrs: &[t::TargetGroupAttribute]) -> Attributes {
    attrs
        .iter()
        .filter_map(|a| Some((a.key()?.to_string(), a.value().unwrap_or_default().to_string())))
        .collect()
}

impl SdkElbv2 {
    async fn load_balancers_page_all(
        &self,
        arns: Option<Vec<String>>,
        names: Option<Vec<String>>,
    ) -> Result<Vec<LoadBalancer>> {
        // The SDK's paginator (it stops on a repeated marker).
        let mut pages = self
            .client
            .describe_load_balancers()
            .set_load_balancer_arns(arns)
            .set_names(names)
            .into_paginator()
            .send();
        let mut out = Vec::new();
        while let Some(resp) = pages.next().await {
            for lb in resp.map_err(sdk_err(SVC))?.load_balancers() {
                out.extend(lb_from(lb)?);
            }
        }
        Ok(out)
    }
}

// Every operation is implemented: none falls back to the trait's `Unsupported` default.
#[deny(clippy::missing_trait_methods)]
#[async_trait::async_trait]
impl super::Elbv2 for SdkElbv2 {
    async fn create_load_balancer(&self, req: CreateLoadBalancerRequest) -> Result<LoadBalancer> {
        req.validate()?;
        let resp = self
            .client
            .create_load_balancer()
            .name(req.name.as_str())
            .r#type(t::LoadBalancerTypeEnum::Application)
            .set_subnets(Some(req.subnets.iter().map(|s| s.to_string()).collect()))
            .set_security_groups(
                (!req.security_groups.is_empty()).then(|| req.security_groups.iter().map(|s| s.to_string()).collect()),
            )
            .scheme(t::LoadBalancerSchemeEnum::from(req.scheme.as_str()))
            .ip_address_type(t::IpAddressType::from(req.ip_address_type.as_str()))
            .set_tags(sdk_tags(&req.tags))
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        let lb = resp
            .load_balancers()
            .first()
            .ok_or_else(|| malformed("CreateLoadBalancer returned no load balancer"))?;
        lb_from(lb)?
            .ok_or_else(|| malformed("CreateLoadBalancer returned a load balancer that is not an application one"))
    }

    async fn describe_load_balancers(&self, req: DescribeLoadBalancersRequest) -> Result<Vec<LoadBalancer>> {
        req.validate()?;
        if req.arns.is_empty() && req.names.is_empty() {
            return self.load_balancers_page_all(None, None).await;
        }
        let mut out = Vec::new();
        for chunk in req.arns.chunks(LB_ARNS_PER_CALL) {
            let arns = chunk.iter().map(|a| a.to_string()).collect();
            out.extend(self.load_balancers_page_all(Some(arns), None).await?);
        }
        for chunk in req.names.chunks(LB_ARNS_PER_CALL) {
            let names = chunk.iter().map(|a| a.to_string()).collect();
            out.extend(self.load_balancers_page_all(None, Some(names)).await?);
        }
        Ok(out)
    }

    async fn delete_load_balancer(&self, arn: LoadBalancerArn) -> Result<()> {
        self.client
            .delete_load_balancer()
            .load_balancer_arn(arn.as_str())
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        Ok(())
    }

    async fn create_target_group(&self, req: CreateTargetGroupRequest) -> Result<TargetGroup> {
        req.validate()?;
        let hc = &req.health_check;
        let resp = self
            .client
            .create_target_group()
            .name(req.name.as_str())
            .protocol(sdk_protocol(&req.protocol))
            .port(i32::from(req.port))
            .vpc_id(req.vpc_id.as_str())
            .target_type(t::TargetTypeEnum::from(req.target_type.as_str()))
            .health_check_protocol(sdk_protocol(&hc.protocol))
            .health_check_path(&hc.path)
            .health_check_port(&hc.port)
            .health_check_interval_seconds(hc.interval_secs as i32)
            .set_health_check_timeout_seconds(hc.timeout_secs.map(|v| v as i32))
            .healthy_threshold_count(hc.healthy_threshold as i32)
            .unhealthy_threshold_count(hc.unhealthy_threshold as i32)
            .matcher(t::Matcher::builder().http_code(&hc.matcher).build())
            .set_tags(sdk_tags(&req.tags))
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        let tg = resp
            .target_groups()
            .first()
            .ok_or_else(|| malformed("CreateTargetGroup returned no target group"))?;
        tg_from(tg)?.ok_or_else(|| malformed("CreateTargetGroup returned a target group of another kind"))
    }

    async fn describe_target_groups(&self, req: DescribeTargetGroupsRequest) -> Result<Vec<TargetGroup>> {
        req.validate()?;
        let arns = (!req.arns.is_empty()).then(|| req.arns.iter().map(|a| a.to_string()).collect::<Vec<_>>());
        let names = (!req.names.is_empty()).then(|| req.names.iter().map(|a| a.to_string()).collect::<Vec<_>>());
        let mut pages = self
            .client
            .describe_target_groups()
            .set_target_group_arns(arns)
            .set_names(names)
            .set_load_balancer_arn(req.load_balancer_arn.as_ref().map(|a| a.to_string()))
            .into_paginator()
            .send();
        let mut out = Vec::new();
        while let Some(resp) = pages.next().await {
            for tg in resp.map_err(sdk_err(SVC))?.target_groups() {
                out.extend(tg_from(tg)?);
            }
        }
        Ok(out)
    }

    async fn delete_target_group(&self, arn: TargetGroupArn) -> Result<()> {
        self.client
            .delete_target_group()
            .target_group_arn(arn.as_str())
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        Ok(())
    }

    async fn modify_load_balancer_attributes(
        &self,
        arn: LoadBalancerArn,
        attributes: Attributes,
    ) -> Result<Attributes> {
        validate_attributes(&attributes)?;
        let attrs = attributes
            .iter()
            .map(|(k, v)| t::LoadBalancerAttribute::builder().key(k).value(v).build())
            .collect();
        let resp = self
            .client
            .modify_load_balancer_attributes()
            .load_balancer_arn(arn.as_str())
            .set_attributes(Some(attrs))
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        Ok(lb_attributes_from(resp.attributes()))
    }

    async fn describe_load_balancer_attributes(&self, arn: LoadBalancerArn) -> Result<Attributes> {
        let resp = self
            .client
            .describe_load_balancer_attributes()
            .load_balancer_arn(arn.as_str())
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        Ok(lb_attributes_from(resp.attributes()))
    }

    async fn modify_target_group_attributes(&self, arn: TargetGroupArn, attributes: Attributes) -> Result<Attributes> {
        validate_attributes(&attributes)?;
        let attrs = attributes
            .iter()
            .map(|(k, v)| t::TargetGroupAttribute::builder().key(k).value(v).build())
            .collect();
        let resp = self
            .client
            .modify_target_group_attributes()
            .target_group_arn(arn.as_str())
            .set_attributes(Some(attrs))
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        Ok(attributes_from(resp.attributes()))
    }

    async fn describe_target_group_attributes(&self, arn: TargetGroupArn) -> Result<Attributes> {
        let resp = self
            .client
            .describe_target_group_attributes()
            .target_group_arn(arn.as_str())
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        Ok(attributes_from(resp.attributes()))
    }

    async fn register_targets(&self, arn: TargetGroupArn, targets: Vec<Target>) -> Result<()> {
        validate_targets(&targets)?;
        self.client
            .register_targets()
            .target_group_arn(arn.as_str())
            .set_targets(Some(sdk_targets(&targets)))
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        Ok(())
    }

    async fn deregister_targets(&self, arn: TargetGroupArn, targets: Vec<Target>) -> Result<()> {
        validate_targets(&targets)?;
        self.client
            .deregister_targets()
            .target_group_arn(arn.as_str())
            .set_targets(Some(sdk_targets(&targets)))
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        Ok(())
    }

    async fn describe_target_health(&self, arn: TargetGroupArn, targets: Vec<Target>) -> Result<Vec<TargetHealth>> {
        if !targets.is_empty() {
            validate_targets(&targets)?;
        }
        let resp = self
            .client
            .describe_target_health()
            .target_group_arn(arn.as_str())
            .set_targets((!targets.is_empty()).then(|| sdk_targets(&targets)))
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        resp.target_health_descriptions()
            .iter()
            .map(|d| {
                let target = d
                    .target()
                    .ok_or_else(|| malformed("TargetHealthDescription is missing Target"))?;
                let health = d.target_health();
                Ok(TargetHealth {
                    target: Target {
                        id: parse_id(SVC, "Target.Id", target.id())?,
                        port: target.port().and_then(|p| u16::try_from(p).ok()),
                    },
                    state: health_state_from(health.and_then(|h| h.state()))?,
                    reason: health.and_then(|h| h.reason()).map(|r| r.as_str().to_string()),
                    description: health.and_then(|h| h.description()).map(str::to_string),
                })
            })
            .collect()
    }

    async fn create_listener(&self, req: CreateListenerRequest) -> Result<Listener> {
        req.validate()?;
        let resp = self
            .client
            .create_listener()
            .load_balancer_arn(req.load_balancer_arn.as_str())
            .protocol(sdk_protocol(&req.protocol))
            .port(i32::from(req.port))
            .set_certificates(
                req.certificate_arn
                    .as_ref()
                    .map(|c| vec![t::Certificate::builder().certificate_arn(c.as_str()).build()]),
            )
            .set_ssl_policy(req.ssl_policy.clone())
            .set_default_actions(Some(sdk_actions(&req.default_actions())))
            .set_tags(sdk_tags(&req.tags))
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        let l = resp
            .listeners()
            .first()
            .ok_or_else(|| malformed("CreateListener returned no listener"))?;
        listener_from(l)
    }

    async fn describe_listeners(&self, arn: LoadBalancerArn) -> Result<Vec<Listener>> {
        let mut pages = self
            .client
            .describe_listeners()
            .load_balancer_arn(arn.as_str())
            .into_paginator()
            .send();
        let mut out = Vec::new();
        while let Some(resp) = pages.next().await {
            for l in resp.map_err(sdk_err(SVC))?.listeners() {
                out.push(listener_from(l)?);
            }
        }
        Ok(out)
    }

    async fn delete_listener(&self, arn: ListenerArn) -> Result<()> {
        self.client
            .delete_listener()
            .listener_arn(arn.as_str())
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        Ok(())
    }

    async fn describe_tags(&self, arns: Vec<String>) -> Result<Vec<ResourceTags>> {
        validate::non_empty("arns", &arns)?;
        let mut out = Vec::new();
        for chunk in arns.chunks(TAG_ARNS_PER_CALL) {
            let resp = self
                .client
                .describe_tags()
                .set_resource_arns(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(sdk_err(SVC))?;
            for d in resp.tag_descriptions() {
                out.push(ResourceTags {
                    arn: d
                        .resource_arn()
                        .ok_or_else(|| malformed("TagDescription is missing ResourceArn"))?
                        .to_string(),
                    tags: tags_from(d.tags().iter().map(|t| (t.key(), t.value()))),
                });
            }
        }
        Ok(out)
    }

    async fn add_tags(&self, arns: Vec<String>, tags: Tags) -> Result<()> {
        validate_add_tags(&arns, &tags)?;
        for chunk in arns.chunks(TAG_ARNS_PER_CALL) {
            self.client
                .add_tags()
                .set_resource_arns(Some(chunk.to_vec()))
                .set_tags(sdk_tags(&tags))
                .send()
                .await
                .map_err(sdk_err(SVC))?;
        }
        Ok(())
    }

    async fn remove_tags(&self, arns: Vec<String>, keys: Vec<String>) -> Result<()> {
        validate_remove_tags(&arns, &keys)?;
        for chunk in arns.chunks(TAG_ARNS_PER_CALL) {
            self.client
                .remove_tags()
                .set_resource_arns(Some(chunk.to_vec()))
                .set_tag_keys(Some(keys.clone()))
                .send()
                .await
                .map_err(sdk_err(SVC))?;
        }
        Ok(())
    }

    async fn create_rule(&self, req: CreateRuleRequest) -> Result<Rule> {
        req.validate()?;
        let resp = self
            .client
            .create_rule()
            .listener_arn(req.listener_arn.as_str())
            .priority(req.priority as i32)
            .set_conditions(Some(req.conditions.iter().map(sdk_condition).collect()))
            .set_actions(Some(sdk_actions(&req.actions)))
            .set_tags(sdk_tags(&req.tags))
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        rule_from(
            resp.rules()
                .first()
                .ok_or_else(|| malformed("CreateRule returned no rule"))?,
        )
    }

    async fn describe_rules(&self, req: DescribeRulesRequest) -> Result<Vec<Rule>> {
        req.validate()?;
        // DescribeRules has no paginator in the SDK: follow NextMarker (guarded).
        let arns = (!req.rule_arns.is_empty()).then(|| req.rule_arns.iter().map(|a| a.to_string()).collect::<Vec<_>>());
        let mut out = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let resp = self
                .client
                .describe_rules()
                .set_listener_arn(req.listener_arn.as_ref().map(|a| a.to_string()))
                .set_rule_arns(arns.clone())
                .set_marker(marker.clone())
                .send()
                .await
                .map_err(sdk_err(SVC))?;
            for r in resp.rules() {
                out.push(rule_from(r)?);
            }
            match resp.next_marker() {
                Some(m) if !m.is_empty() => {
                    if marker.as_deref() == Some(m) {
                        return Err(malformed(format!("DescribeRules repeated the marker {m:?}")));
                    }
                    marker = Some(m.to_string());
                }
                _ => break,
            }
        }
        // The trait's order for a listener's rules: by priority, the default rule last.
        if req.listener_arn.is_some() {
            out.sort_by_key(|r| r.priority.unwrap_or(u32::MAX));
        }
        Ok(out)
    }

    async fn modify_rule(&self, req: ModifyRuleRequest) -> Result<Rule> {
        req.validate()?;
        let resp = self
            .client
            .modify_rule()
            .rule_arn(req.rule_arn.as_str())
            .set_conditions(req.conditions.as_ref().map(|c| c.iter().map(sdk_condition).collect()))
            .set_actions(req.actions.as_ref().map(|a| sdk_actions(a)))
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        rule_from(
            resp.rules()
                .first()
                .ok_or_else(|| malformed("ModifyRule returned no rule"))?,
        )
    }

    async fn set_rule_priorities(&self, priorities: Vec<RulePriority>) -> Result<Vec<Rule>> {
        validate_rule_priorities(&priorities)?;
        let resp = self
            .client
            .set_rule_priorities()
            .set_rule_priorities(Some(
                priorities
                    .iter()
                    .map(|p| {
                        t::RulePriorityPair::builder()
                            .rule_arn(p.rule_arn.as_str())
                            .priority(p.priority as i32)
                            .build()
                    })
                    .collect(),
            ))
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        resp.rules().iter().map(rule_from).collect()
    }

    async fn delete_rule(&self, arn: RuleArn) -> Result<()> {
        self.client
            .delete_rule()
            .rule_arn(arn.as_str())
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        Ok(())
    }

    async fn modify_listener(&self, req: ModifyListenerRequest) -> Result<Listener> {
        req.validate()?;
        let resp = self
            .client
            .modify_listener()
            .listener_arn(req.listener_arn.as_str())
            .set_port(req.port.map(i32::from))
            .set_protocol(req.protocol.as_ref().map(sdk_protocol))
            .set_certificates(
                req.certificate_arn
                    .as_ref()
                    .map(|c| sdk_certificates(std::slice::from_ref(c))),
            )
            .set_ssl_policy(req.ssl_policy.clone())
            .set_default_actions(req.default_actions.as_ref().map(|a| sdk_actions(a)))
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        listener_from(
            resp.listeners()
                .first()
                .ok_or_else(|| malformed("ModifyListener returned no listener"))?,
        )
    }

    async fn add_listener_certificates(
        &self,
        arn: ListenerArn,
        certificates: Vec<Arn>,
    ) -> Result<Vec<ListenerCertificate>> {
        validate_certificates(&certificates)?;
        let resp = self
            .client
            .add_listener_certificates()
            .listener_arn(arn.as_str())
            .set_certificates(Some(sdk_certificates(&certificates)))
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        resp.certificates().iter().map(certificate_from).collect()
    }

    async fn remove_listener_certificates(&self, arn: ListenerArn, certificates: Vec<Arn>) -> Result<()> {
        validate_certificates(&certificates)?;
        self.client
            .remove_listener_certificates()
            .listener_arn(arn.as_str())
            .set_certificates(Some(sdk_certificates(&certificates)))
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        Ok(())
    }

    async fn describe_listener_certificates(&self, arn: ListenerArn) -> Result<Vec<ListenerCertificate>> {
        let mut out = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let resp = self
                .client
                .describe_listener_certificates()
                .listener_arn(arn.as_str())
                .set_marker(marker.clone())
                .send()
                .await
                .map_err(sdk_err(SVC))?;
            for c in resp.certificates() {
                out.push(certificate_from(c)?);
            }
            match resp.next_marker() {
                Some(m) if !m.is_empty() => {
                    if marker.as_deref() == Some(m) {
                        return Err(malformed(format!(
                            "DescribeListenerCertificates repeated the marker {m:?}"
                        )));
                    }
                    marker = Some(m.to_string());
                }
                _ => return Ok(out),
            }
        }
    }
}

// Public conversions from the SDK's types (see `Cloud::sdk`).

impl TryFrom<&t::LoadBalancer> for LoadBalancer {
    type Error = Error;
    /// The facade's view of an Application Load Balancer the SDK answered; another kind of
    /// load balancer (network, gateway) is an error.
    fn try_from(lb: &t::LoadBalancer) -> Result<LoadBalancer> {
        lb_from(lb)?.ok_or_else(|| Error::validation("load_balancer.type", "is not an application load balancer"))
    }
}

impl TryFrom<&t::TargetGroup> for TargetGroup {
    type Error = Error;
    /// The facade's view of a target group the SDK answered (an unsupported protocol is an
    /// error).
    fn try_from(tg: &t::TargetGroup) -> Result<TargetGroup> {
        tg_from(tg)?.ok_or_else(|| Error::validation("target_group.protocol", "is not one this crate models"))
    }
}

impl TryFrom<&t::Rule> for Rule {
    type Error = Error;
    /// The facade's view of a rule the SDK answered (conditions of fields this crate does not
    /// model are left out; actions it does not model are [`Action::Other`]).
    fn try_from(r: &t::Rule) -> Result<Rule> {
        rule_from(r)
    }
}

impl TryFrom<&t::Listener> for Listener {
    type Error = Error;
    /// The facade's view of a listener the SDK answered.
    fn try_from(l: &t::Listener) -> Result<Listener> {
        listener_from(l)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_mocks::{MockResponseInterceptor, Rule, RuleMode, create_mock_http_client, mock};
    use aws_smithy_types::error::ErrorMetadata;
    use elbv2::operation::create_listener::CreateListenerOutput;
    use elbv2::operation::create_load_balancer::{CreateLoadBalancerError, CreateLoadBalancerOutput};
    use elbv2::operation::create_rule::CreateRuleOutput;
    use elbv2::operation::create_target_group::CreateTargetGroupOutput;
    use elbv2::operation::describe_load_balancers::DescribeLoadBalancersError;
    use elbv2::operation::describe_rules::DescribeRulesOutput;
    use elbv2::operation::describe_tags::DescribeTagsOutput;
    use elbv2::operation::describe_target_groups::DescribeTargetGroupsOutput;
    use elbv2::operation::describe_target_health::DescribeTargetHealthOutput;
    use elbv2::types::error::{DuplicateLoadBalancerNameException, LoadBalancerNotFoundException};

    const LB: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188";
    const TG: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-tg/6d0ecf831eec9f09";
    const LISTENER: &str =
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2";
    const CERT: &str = "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234";

    fn adapter(rules: &[&Rule]) -> SdkElbv2 {
        let mut interceptor = MockResponseInterceptor::new().rule_mode(RuleMode::Sequential);
        for r in rules {
            interceptor = interceptor.with_rule(r);
        }
        let conf = elbv2::Config::builder()
            .behavior_version(elbv2::config::BehaviorVersion::latest())
            .region(elbv2::config::Region::new("us-east-1"))
            .credentials_provider(elbv2::config::Credentials::new("AKID", "SECRET", None, None, "test"))
            .http_client(create_mock_http_client())
            .retry_config(elbv2::config::retry::RetryConfig::disabled())
            .interceptor(interceptor)
            .build();
        SdkElbv2::from_client(elbv2::Client::from_conf(conf))
    }

    fn sdk_lb() -> t::LoadBalancer {
        t::LoadBalancer::builder()
            .load_balancer_arn(LB)
            .load_balancer_name("web")
            .dns_name("web-1234567890.us-east-1.elb.amazonaws.com")
            .scheme(t::LoadBalancerSchemeEnum::InternetFacing)
            .r#type(t::LoadBalancerTypeEnum::Application)
            .vpc_id("vpc-12345678")
            .state(
                t::LoadBalancerState::builder()
                    .code(t::LoadBalancerStateEnum::Provisioning)
                    .build(),
            )
            .availability_zones(
                t::AvailabilityZone::builder()
                    .zone_name("us-east-1a")
                    .subnet_id("subnet-0000000a")
                    .build(),
            )
            .availability_zones(
                t::AvailabilityZone::builder()
                    .zone_name("us-east-1b")
                    .subnet_id("subnet-0000000b")
                    .build(),
            )
            .security_groups("sg-12345678")
            .ip_address_type(t::IpAddressType::Ipv4)
            .build()
    }

    fn sdk_tg(name: &str, arn: &str) -> t::TargetGroup {
        t::TargetGroup::builder()
            .target_group_arn(arn)
            .target_group_name(name)
            .protocol(t::ProtocolEnum::Http)
            .port(8080)
            .vpc_id("vpc-12345678")
            .target_type(t::TargetTypeEnum::Instance)
            .health_check_protocol(t::ProtocolEnum::Http)
            .health_check_path("/healthz")
            .health_check_port("traffic-port")
            .health_check_interval_seconds(10)
            .health_check_timeout_seconds(5)
            .healthy_threshold_count(3)
            .unhealthy_threshold_count(2)
            .matcher(t::Matcher::builder().http_code("200-299").build())
            .load_balancer_arns(LB)
            .build()
    }

    #[tokio::test]
    async fn create_load_balancer_sends_its_fields() {
        let rule = mock!(elbv2::Client::create_load_balancer)
            .match_requests(|r| {
                r.name() == Some("web")
                    && r.r#type() == Some(&t::LoadBalancerTypeEnum::Application)
                    && r.subnets() == ["subnet-0000000a", "subnet-0000000b"]
                    && r.security_groups() == ["sg-12345678"]
                    && r.scheme() == Some(&t::LoadBalancerSchemeEnum::InternetFacing)
                    && r.ip_address_type() == Some(&t::IpAddressType::Ipv4)
                    && r.tags().len() == 1
                    && r.tags()[0].key() == Some("app")
            })
            .then_output(|| CreateLoadBalancerOutput::builder().load_balancers(sdk_lb()).build());
        let elb = adapter(&[&rule]);
        let req = CreateLoadBalancerRequest::builder()
            .name("web".parse().unwrap())
            .subnets(vec![
                "subnet-0000000a".parse().unwrap(),
                "subnet-0000000b".parse().unwrap(),
            ])
            .security_groups(vec!["sg-12345678".parse().unwrap()])
            .tags(Tags::from([("app".to_string(), "web".to_string())]))
            .build()
            .unwrap();
        let lb = elb.create_load_balancer(req).await.unwrap();
        assert_eq!(rule.num_calls(), 1);
        assert_eq!(lb.arn, LB);
        assert_eq!(lb.state, LoadBalancerState::Provisioning);
        assert_eq!(lb.availability_zones.len(), 2);
        assert_eq!(lb.availability_zones[1].zone.as_str(), "us-east-1b");
        assert_eq!(lb.arn.dimension(), "app/web/50dc6c495c0c9188");
    }

    #[tokio::test]
    async fn create_target_group_sends_health_check() {
        let rule = mock!(elbv2::Client::create_target_group)
            .match_requests(|r| {
                r.name() == Some("web-tg")
                    && r.protocol() == Some(&t::ProtocolEnum::Http)
                    && r.port() == Some(8080)
                    && r.vpc_id() == Some("vpc-12345678")
                    && r.target_type() == Some(&t::TargetTypeEnum::Instance)
                    && r.health_check_protocol() == Some(&t::ProtocolEnum::Http)
                    && r.health_check_path() == Some("/healthz")
                    && r.health_check_port() == Some("traffic-port")
                    && r.health_check_interval_seconds() == Some(10)
                    && r.health_check_timeout_seconds() == Some(5)
                    && r.healthy_threshold_count() == Some(3)
                    && r.unhealthy_threshold_count() == Some(2)
                    && r.matcher().and_then(|m| m.http_code()) == Some("200-299")
            })
            .then_output(|| {
                CreateTargetGroupOutput::builder()
                    .target_groups(sdk_tg("web-tg", TG))
                    .build()
            });
        let elb = adapter(&[&rule]);
        let hc = HealthCheck::builder()
            .path("/healthz")
            .interval_secs(10)
            .timeout_secs(5)
            .healthy_threshold(3)
            .matcher("200-299")
            .build()
            .unwrap();
        let req = CreateTargetGroupRequest::builder()
            .name("web-tg".parse().unwrap())
            .port(8080)
            .vpc_id("vpc-12345678".parse().unwrap())
            .health_check(hc.clone())
            .build()
            .unwrap();
        let tg = elb.create_target_group(req).await.unwrap();
        assert_eq!(rule.num_calls(), 1);
        assert_eq!(tg.health_check, hc);
        assert_eq!(tg.load_balancer_arns.len(), 1);
    }

    #[tokio::test]
    async fn create_listener_forwards_to_the_target_group() {
        let rule = mock!(elbv2::Client::create_listener)
            .match_requests(|r| {
                let a = &r.default_actions()[0];
                r.load_balancer_arn() == Some(LB)
                    && r.protocol() == Some(&t::ProtocolEnum::Https)
                    && r.port() == Some(443)
                    && r.certificates()[0].certificate_arn() == Some(CERT)
                    && r.default_actions().len() == 1
                    && a.r#type() == Some(&t::ActionTypeEnum::Forward)
                    && a.target_group_arn() == Some(TG)
            })
            .then_output(|| {
                CreateListenerOutput::builder()
                    .listeners(
                        t::Listener::builder()
                            .listener_arn(LISTENER)
                            .load_balancer_arn(LB)
                            .protocol(t::ProtocolEnum::Https)
                            .port(443)
                            .certificates(t::Certificate::builder().certificate_arn(CERT).build())
                            .ssl_policy("ELBSecurityPolicy-TLS13-1-2-2021-06")
                            .default_actions(
                                t::Action::builder()
                                    .r#type(t::ActionTypeEnum::Forward)
                                    .forward_config(
                                        t::ForwardActionConfig::builder()
                                            .target_groups(t::TargetGroupTuple::builder().target_group_arn(TG).build())
                                            .build(),
                                    )
                                    .build(),
                            )
                            .build(),
                    )
                    .build()
            });
        let elb = adapter(&[&rule]);
        let req = CreateListenerRequest::builder()
            .load_balancer_arn(LB.parse().unwrap())
            .protocol(Protocol::Https)
            .port(443)
            .certificate_arn(CERT.parse().unwrap())
            .default_target_group(TG.parse().unwrap())
            .build()
            .unwrap();
        let l = elb.create_listener(req).await.unwrap();
        assert_eq!(rule.num_calls(), 1);
        assert_eq!(l.arn, LISTENER);
        assert_eq!(l.default_target_group.unwrap(), TG);
        assert_eq!(l.certificate_arn.unwrap().as_str(), CERT);
    }

    #[tokio::test]
    async fn create_listener_redirects_to_https_with_a_301() {
        let redirect = || {
            t::Action::builder()
                .r#type(t::ActionTypeEnum::Redirect)
                .redirect_config(
                    t::RedirectActionConfig::builder()
                        .protocol("HTTPS")
                        .port("443")
                        .host("#{host}")
                        .path("/#{path}")
                        .query("#{query}")
                        .status_code(t::RedirectActionStatusCodeEnum::Http301)
                        .build(),
                )
                .build()
        };
        let rule = mock!(elbv2::Client::create_listener)
            .match_requests(move |r| {
                let a = &r.default_actions()[0];
                let c = a.redirect_config();
                r.protocol() == Some(&t::ProtocolEnum::Http)
                    && r.port() == Some(80)
                    && r.default_actions().len() == 1
                    && a.r#type() == Some(&t::ActionTypeEnum::Redirect)
                    && a.target_group_arn().is_none()
                    && c.is_some_and(|c| {
                        c.protocol() == Some("HTTPS")
                            && c.port() == Some("443")
                            && c.host() == Some("#{host}")
                            && c.status_code() == Some(&t::RedirectActionStatusCodeEnum::Http301)
                    })
            })
            .then_output(move || {
                CreateListenerOutput::builder()
                    .listeners(
                        t::Listener::builder()
                            .listener_arn(LISTENER)
                            .load_balancer_arn(LB)
                            .protocol(t::ProtocolEnum::Http)
                            .port(80)
                            .default_actions(redirect())
                            .build(),
                    )
                    .build()
            });
        let elb = adapter(&[&rule]);
        let req = CreateListenerRequest::builder()
            .load_balancer_arn(LB.parse().unwrap())
            .port(80)
            .redirect_to_https(443)
            .build()
            .unwrap();
        let l = elb.create_listener(req).await.unwrap();
        assert_eq!(rule.num_calls(), 1);
        assert_eq!((l.redirect_to_https, l.default_target_group), (Some(443), None));
        // Exactly one default action, checked before any call.
        let both = CreateListenerRequest::builder()
            .load_balancer_arn(LB.parse().unwrap())
            .port(80)
            .redirect_to_https(443)
            .default_target_group(TG.parse().unwrap())
            .build();
        assert!(matches!(both, Err(Error::Validation { ref field, .. }) if field == "default_target_group"));
    }

    const RULE: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee";
    const DEFAULT_RULE: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/0000000000000001";
    const TG2: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api-tg/0000000000000002";

    #[tokio::test]
    async fn create_rule_sends_conditions_and_a_weighted_forward() {
        let rule = mock!(elbv2::Client::create_rule)
            .match_requests(|r| {
                let c = &r.conditions()[0];
                let a = &r.actions()[0];
                let f = a.forward_config();
                r.listener_arn() == Some(LISTENER)
                    && r.priority() == Some(10)
                    && c.field() == Some("path-pattern")
                    && c.path_pattern_config().is_some_and(|p| p.values() == ["/api/*"])
                    && r.conditions()[1]
                        .http_header_config()
                        .is_some_and(|h| h.http_header_name() == Some("X-Env"))
                    && a.r#type() == Some(&t::ActionTypeEnum::Forward)
                    && a.order() == Some(1)
                    && f.is_some_and(|f| {
                        f.target_groups().len() == 2
                            && f.target_groups()[1].weight() == Some(20)
                            && f.target_group_stickiness_config()
                                .is_some_and(|s| s.enabled() == Some(true) && s.duration_seconds() == Some(60))
                    })
                    && r.tags().len() == 1
            })
            .then_compute_output(|r| {
                CreateRuleOutput::builder()
                    .rules(
                        t::Rule::builder()
                            .rule_arn(RULE)
                            .priority("10")
                            .is_default(false)
                            .set_conditions(Some(r.conditions().to_vec()))
                            .set_actions(Some(r.actions().to_vec()))
                            .build(),
                    )
                    .build()
            });
        let elb = adapter(&[&rule]);
        let weighted = Action::WeightedForward(ForwardConfig {
            target_groups: vec![
                WeightedTargetGroup {
                    arn: TG.parse().unwrap(),
                    weight: 80,
                },
                WeightedTargetGroup {
                    arn: TG2.parse().unwrap(),
                    weight: 20,
                },
            ],
            stickiness_secs: Some(60),
        });
        let conditions = vec![
            RuleCondition::path_pattern(["/api/*"]),
            RuleCondition::http_header("X-Env", ["blue"]),
        ];
        let req = CreateRuleRequest::builder()
            .listener_arn(LISTENER.parse().unwrap())
            .priority(10)
            .conditions(conditions.clone())
            .actions(vec![weighted.clone()])
            .tags(Tags::from([("k".into(), "v".into())]))
            .build()
            .unwrap();
        let got = elb.create_rule(req).await.unwrap();
        assert_eq!(rule.num_calls(), 1);
        assert_eq!(got.arn.as_str(), RULE);
        assert_eq!((got.priority, got.is_default), (Some(10), false));
        assert_eq!(got.conditions, conditions);
        assert_eq!(got.actions, vec![weighted]);
    }

    #[tokio::test]
    async fn describe_rules_maps_the_default_rule_and_sorts_by_priority() {
        let rule = mock!(elbv2::Client::describe_rules)
            .match_requests(|r| r.listener_arn() == Some(LISTENER))
            .then_output(|| {
                // AWS's form of a simple forward: the group and a one-group ForwardConfig.
                let forward = t::Action::builder()
                    .r#type(t::ActionTypeEnum::Forward)
                    .target_group_arn(TG)
                    .forward_config(
                        t::ForwardActionConfig::builder()
                            .target_groups(t::TargetGroupTuple::builder().target_group_arn(TG).weight(1).build())
                            .target_group_stickiness_config(
                                t::TargetGroupStickinessConfig::builder().enabled(false).build(),
                            )
                            .build(),
                    )
                    .build();
                let fixed = t::Action::builder()
                    .r#type(t::ActionTypeEnum::FixedResponse)
                    .order(2)
                    .fixed_response_config(
                        t::FixedResponseActionConfig::builder()
                            .status_code("404")
                            .content_type("text/plain")
                            .build(),
                    )
                    .build();
                let oidc = t::Action::builder()
                    .r#type(t::ActionTypeEnum::AuthenticateOidc)
                    .order(1)
                    .build();
                DescribeRulesOutput::builder()
                    .rules(
                        t::Rule::builder()
                            .rule_arn(DEFAULT_RULE)
                            .priority("default")
                            .is_default(true)
                            .actions(forward.clone())
                            .build(),
                    )
                    .rules(
                        t::Rule::builder()
                            .rule_arn(RULE)
                            .priority("7")
                            .is_default(false)
                            // The older form: values in `Values`.
                            .conditions(
                                t::RuleCondition::builder()
                                    .field("host-header")
                                    .values("a.example.com")
                                    .build(),
                            )
                            .actions(fixed)
                            .actions(oidc)
                            .build(),
                    )
                    .build()
            });
        let elb = adapter(&[&rule]);
        let rules = elb
            .describe_rules(
                DescribeRulesRequest::builder()
                    .listener_arn(LISTENER.parse().unwrap())
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].priority, Some(7));
        assert_eq!(rules[0].conditions, vec![RuleCondition::host_header(["a.example.com"])]);
        assert_eq!(
            rules[0].actions,
            vec![
                Action::Other {
                    kind: "authenticate-oidc".into()
                },
                Action::FixedResponse(FixedResponseConfig {
                    status_code: 404,
                    content_type: Some("text/plain".into()),
                    message_body: None,
                }),
            ],
            "in their order"
        );
        assert!(rules[1].is_default);
        assert_eq!(rules[1].priority, None);
        assert_eq!(rules[1].actions, vec![Action::forward(TG.parse().unwrap())]);
    }

    #[tokio::test]
    async fn invalid_rules_are_not_sent() {
        let elb = adapter(&[]);
        let bad = CreateRuleRequest {
            listener_arn: LISTENER.parse().unwrap(),
            priority: 0,
            conditions: vec![RuleCondition::path_pattern(["/x"])],
            actions: vec![Action::forward(TG.parse().unwrap())],
            tags: Tags::new(),
        };
        assert!(elb.create_rule(bad).await.unwrap_err().is_validation());
        let e = elb.set_rule_priorities(vec![]).await.unwrap_err();
        assert!(e.is_validation());
        let e = elb.remove_tags(vec![RULE.into()], vec![]).await.unwrap_err();
        assert!(e.is_validation());
        let e = elb
            .add_listener_certificates(LISTENER.parse().unwrap(), vec![])
            .await
            .unwrap_err();
        assert!(e.is_validation());
    }

    #[tokio::test]
    async fn describe_target_groups_follows_markers() {
        let tg2 = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api-tg/0000000000000002";
        let page1 = mock!(elbv2::Client::describe_target_groups)
            .match_requests(|r| r.marker().is_none() && r.load_balancer_arn() == Some(LB))
            .then_output(|| {
                DescribeTargetGroupsOutput::builder()
                    .target_groups(sdk_tg("web-tg", TG))
                    .next_marker("page-2")
                    .build()
            });
        let page2 = mock!(elbv2::Client::describe_target_groups)
            .match_requests(|r| r.marker() == Some("page-2") && r.load_balancer_arn() == Some(LB))
            .then_output(move || {
                DescribeTargetGroupsOutput::builder()
                    .target_groups(sdk_tg("api-tg", tg2))
                    // A Network Load Balancer group is read as it is, and a protocol newer
                    // than the crate is kept by name: reading never fails or guesses.
                    .target_groups(
                        t::TargetGroup::builder()
                            .target_group_arn(tg2)
                            .target_group_name("nlb")
                            .protocol(t::ProtocolEnum::Tcp)
                            .port(80)
                            .vpc_id("vpc-0123456789abcdef0")
                            .target_type(t::TargetTypeEnum::Ip)
                            .build(),
                    )
                    .target_groups(
                        t::TargetGroup::builder()
                            .target_group_arn(tg2)
                            .target_group_name("future")
                            .protocol(t::ProtocolEnum::from("HTTP4"))
                            .port(80)
                            .vpc_id("vpc-0123456789abcdef0")
                            .build(),
                    )
                    // A Lambda group has no protocol or port: left out.
                    .target_groups(
                        t::TargetGroup::builder()
                            .target_group_arn(tg2)
                            .target_group_name("fn")
                            .target_type(t::TargetTypeEnum::Lambda)
                            .build(),
                    )
                    .build()
            });
        let elb = adapter(&[&page1, &page2]);
        let req = DescribeTargetGroupsRequest::builder()
            .load_balancer_arn(LB.parse().unwrap())
            .build()
            .unwrap();
        let tgs = elb.describe_target_groups(req).await.unwrap();
        assert_eq!((page1.num_calls(), page2.num_calls()), (1, 1));
        let names: Vec<&str> = tgs.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["web-tg", "api-tg", "nlb", "future"]);
        assert_eq!(
            (&tgs[2].protocol, &tgs[2].target_type),
            (&Protocol::Tcp, &TargetType::Ip)
        );
        assert_eq!(tgs[3].protocol, Protocol::Unknown("HTTP4".into()));
        assert_eq!(tgs[3].protocol.as_str(), "HTTP4");
        assert_eq!(sdk_protocol(&tgs[3].protocol).as_str(), "HTTP4");
    }

    #[tokio::test]
    async fn target_health_is_mapped() {
        let rule = mock!(elbv2::Client::describe_target_health)
            .match_requests(|r| r.target_group_arn() == Some(TG) && r.targets().is_empty())
            .then_output(|| {
                let d = |id: &str, state, reason: Option<t::TargetHealthReasonEnum>| {
                    t::TargetHealthDescription::builder()
                        .target(t::TargetDescription::builder().id(id).port(8080).build())
                        .target_health(
                            t::TargetHealth::builder()
                                .state(state)
                                .set_reason(reason)
                                .description("d")
                                .build(),
                        )
                        .build()
                };
                DescribeTargetHealthOutput::builder()
                    .target_health_descriptions(d("i-00000001", t::TargetHealthStateEnum::Healthy, None))
                    .target_health_descriptions(d(
                        "i-00000002",
                        t::TargetHealthStateEnum::Initial,
                        Some(t::TargetHealthReasonEnum::InitialHealthChecking),
                    ))
                    .target_health_descriptions(d(
                        "i-00000003",
                        t::TargetHealthStateEnum::Unhealthy,
                        Some(t::TargetHealthReasonEnum::Timeout),
                    ))
                    .target_health_descriptions(d(
                        "i-00000004",
                        t::TargetHealthStateEnum::Draining,
                        Some(t::TargetHealthReasonEnum::DeregistrationInProgress),
                    ))
                    .target_health_descriptions(d(
                        "i-00000005",
                        t::TargetHealthStateEnum::UnhealthyDraining,
                        Some(t::TargetHealthReasonEnum::Timeout),
                    ))
                    .target_health_descriptions(d("i-00000006", t::TargetHealthStateEnum::from("resting"), None))
                    .build()
            });
        let elb = adapter(&[&rule]);
        let h = elb.describe_target_health(TG.parse().unwrap(), vec![]).await.unwrap();
        let got: Vec<(&str, TargetHealthState, Option<&str>)> = h
            .iter()
            .map(|h| (h.target.id.as_str(), h.state.clone(), h.reason.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("i-00000001", TargetHealthState::Healthy, None),
                (
                    "i-00000002",
                    TargetHealthState::Initial,
                    Some("Elb.InitialHealthChecking")
                ),
                ("i-00000003", TargetHealthState::Unhealthy, Some("Target.Timeout")),
                (
                    "i-00000004",
                    TargetHealthState::Draining,
                    Some("Target.DeregistrationInProgress")
                ),
                // Its own state, not `Draining`; and a state newer than the crate, kept.
                (
                    "i-00000005",
                    TargetHealthState::UnhealthyDraining,
                    Some("Target.Timeout")
                ),
                ("i-00000006", TargetHealthState::Unknown("resting".into()), None),
            ]
        );
        assert_eq!(h[0].target.port, Some(8080));
    }

    #[tokio::test]
    async fn describe_tags_sends_twenty_arns_at_a_time() {
        let arns: Vec<String> = (0..25).map(|i| format!("{TG}{i:02}")).collect();
        let first = mock!(elbv2::Client::describe_tags)
            .match_requests(|r| r.resource_arns().len() == 20)
            .then_compute_output(|r| {
                let mut out = DescribeTagsOutput::builder();
                for a in r.resource_arns() {
                    out = out.tag_descriptions(
                        t::TagDescription::builder()
                            .resource_arn(a)
                            .tags(t::Tag::builder().key("k").value("v").build())
                            .build(),
                    );
                }
                out.build()
            });
        let second = mock!(elbv2::Client::describe_tags)
            .match_requests(|r| r.resource_arns().len() == 5)
            .then_compute_output(|r| {
                let mut out = DescribeTagsOutput::builder();
                for a in r.resource_arns() {
                    out = out.tag_descriptions(t::TagDescription::builder().resource_arn(a).build());
                }
                out.build()
            });
        let elb = adapter(&[&first, &second]);
        let tags = elb.describe_tags(arns.clone()).await.unwrap();
        assert_eq!((first.num_calls(), second.num_calls()), (1, 1));
        assert_eq!(tags.len(), 25);
        assert_eq!(tags[0].tags.get("k").map(String::as_str), Some("v"));
        assert_eq!(tags[24].arn, arns[24]);
    }

    #[tokio::test]
    async fn errors_are_mapped_by_code() {
        let not_found = mock!(elbv2::Client::describe_load_balancers).then_error(|| {
            DescribeLoadBalancersError::LoadBalancerNotFoundException(
                LoadBalancerNotFoundException::builder()
                    .message("Load balancers 'web' not found")
                    .meta(
                        ErrorMetadata::builder()
                            .code("LoadBalancerNotFound")
                            .message("Load balancers 'web' not found")
                            .build(),
                    )
                    .build(),
            )
        });
        let throttled = mock!(elbv2::Client::describe_load_balancers).then_error(|| {
            DescribeLoadBalancersError::generic(
                ErrorMetadata::builder()
                    .code("Throttling")
                    .message("Rate exceeded")
                    .build(),
            )
        });
        let duplicate = mock!(elbv2::Client::create_load_balancer).then_error(|| {
            CreateLoadBalancerError::DuplicateLoadBalancerNameException(
                DuplicateLoadBalancerNameException::builder()
                    .meta(
                        ErrorMetadata::builder()
                            .code("DuplicateLoadBalancerName")
                            .message("A load balancer with the same name 'web' exists, but with different settings")
                            .build(),
                    )
                    .build(),
            )
        });
        let elb = adapter(&[&not_found, &throttled, &duplicate]);
        let req = DescribeLoadBalancersRequest::builder()
            .names(vec!["web".parse().unwrap()])
            .build()
            .unwrap();
        let e = elb.describe_load_balancers(req.clone()).await.unwrap_err();
        assert!(e.is_not_found(), "{e}");
        assert_eq!(e.code(), Some("LoadBalancerNotFound"));
        match &e {
            Error::NotFound { kind, id, .. } => assert_eq!((kind.as_str(), id.as_str()), ("load balancer", "web")),
            other => panic!("{other:?}"),
        }
        let e = elb.describe_load_balancers(req).await.unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Throttled, "{e}");
        assert!(e.is_retryable());
        let create = CreateLoadBalancerRequest::builder()
            .name("web".parse().unwrap())
            .subnets(vec![
                "subnet-0000000a".parse().unwrap(),
                "subnet-0000000b".parse().unwrap(),
            ])
            .build()
            .unwrap();
        let e = elb.create_load_balancer(create).await.unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Conflict, "{e}");
        assert_eq!(e.code(), Some("DuplicateLoadBalancerName"));
    }

    #[tokio::test]
    async fn invalid_requests_are_not_sent() {
        let elb = adapter(&[]);
        let e = elb
            .add_tags(vec![], Tags::from([("k".into(), "v".into())]))
            .await
            .unwrap_err();
        assert!(e.is_validation());
        let e = elb
            .modify_target_group_attributes(
                TG.parse().unwrap(),
                Attributes::from([(DEREGISTRATION_DELAY.to_string(), "4000".to_string())]),
            )
            .await
            .unwrap_err();
        assert!(e.is_validation());
    }
}
