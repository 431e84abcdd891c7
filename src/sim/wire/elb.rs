//! Elastic Load Balancing v2 on the wire, in its one protocol (botocore model
//! `elbv2/2015-12-01`): **the query protocol**, a form body with `Action` and
//! `Version=2015-12-01` (`Subnets.member.1=..`, `Tags.member.1.Key=..`,
//! `Actions.member.1.RedirectConfig.Port=..`), answered in XML (`NAMEResponse` / `NAMEResult`,
//! lists of `member`, errors in `ErrorResponse` with the model's code; every ELBv2 error is
//! HTTP 400 but `HealthUnavailable`, 500).
//!
//! Served: every operation of the [`Elbv2`] trait: CreateLoadBalancer,
//! DescribeLoadBalancers, DeleteLoadBalancer, Modify/DescribeLoadBalancerAttributes,
//! CreateTargetGroup, DescribeTargetGroups, DeleteTargetGroup,
//! Modify/DescribeTargetGroupAttributes, RegisterTargets, DeregisterTargets,
//! DescribeTargetHealth, CreateListener, DescribeListeners, ModifyListener, DeleteListener,
//! Add/RemoveListenerCertificates, DescribeListenerCertificates, CreateRule, DescribeRules,
//! ModifyRule, SetRulePriorities, DeleteRule, DescribeTags, AddTags and RemoveTags. The
//! describes page with `PageSize` / `Marker` / `NextMarker`. Any other action is
//! `InvalidAction`; a malformed or missing member, and any request the crate's own checks
//! refuse, is `ValidationError` (the service's common error for both).

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::Front;
use super::{Input, WireRequest, WireResponse, XmlStyle};
use crate::Tags;
use crate::elb::{
    Action, Attributes, CreateListenerRequest, CreateLoadBalancerRequest, CreateRuleRequest, CreateTargetGroupRequest,
    DescribeLoadBalancersRequest, DescribeRulesRequest, DescribeTargetGroupsRequest, Elbv2, FixedResponseConfig,
    ForwardConfig, HealthCheck, IpAddressType, Listener, ListenerCertificate, LoadBalancer, ModifyListenerRequest,
    ModifyRuleRequest, Protocol, QueryStringMatch, RedirectConfig, RedirectStatusCode, ResourceTags, Rule,
    RuleCondition, RulePriority, Scheme, TRAFFIC_PORT, Target, TargetGroup, TargetHealth, TargetType,
    WeightedTargetGroup, redirect_to_https_of, validate_actions, validate_attributes,
};
use crate::error::{Error, Result};
use crate::id::{Arn, ListenerArn, LoadBalancerArn, RuleArn, TargetGroupArn};
use crate::validate::Validate;

const SVC: crate::Service = crate::Service::Elbv2;
const XMLNS: &str = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";

/// The largest `PageSize` of the describes (model shape `PageSize`: 1-400).
const MAX_PAGE_SIZE: u32 = 400;

/// ELBv2's answer to a malformed, missing or out-of-range member (the model has no validation
/// shape: `ValidationError` is the service's common error, HTTP 400).
fn invalid(message: String) -> Error {
    Error::api(SVC, "ValidationError", message)
}

/// The HTTP status of each error code (the model's `error.httpStatusCode`: 400 for every
/// ELBv2 error shape but `HealthUnavailable`; the common errors `InternalFailure` 500 and
/// `ServiceUnavailable` 503).
fn status_of(code: &str) -> u16 {
    match code {
        "HealthUnavailable" | "InternalFailure" => 500,
        "ServiceUnavailable" => 503,
        _ => 400,
    }
}

pub(super) async fn serve(sim: &Front, req: &WireRequest) -> WireResponse {
    let mut pairs = super::form_pairs(&req.body);
    pairs.extend(req.query.iter().cloned());
    let Some(action) = pairs.iter().find(|(k, _)| k == "Action").map(|(_, v)| v.clone()) else {
        return encode_error(&Error::api(
            SVC,
            "MissingAction",
            "The request must contain the parameter Action.",
        ));
    };
    let input = super::query_to_json(&pairs);
    match dispatch(sim, &action, Input(&input)).await {
        Ok(Some(output)) => encode(&action, &output),
        Ok(None) => encode_error(&Error::api(
            SVC,
            "InvalidAction",
            format!("The action {action} is not valid for this web service."),
        )),
        Err(e) => encode_error(&e),
    }
}

/// `<OpResponse><OpResult>..</OpResult><ResponseMetadata>..</ResponseMetadata></OpResponse>`
/// (the result element is written even when empty, as AWS does). `operation` is one the
/// dispatcher served: a name of this file, never the request's text.
fn encode(operation: &str, output: &Value) -> WireResponse {
    super::query_answer(operation, XMLNS, output, &XML, true)
}

const XML: XmlStyle = XmlStyle {
    item: "member",
    is_timestamp: |k| k == "CreatedTime",
    // ELBv2's only maps are the authenticate actions' extra parameters, never answered here.
    is_map: |_| false,
};

fn encode_error(e: &Error) -> WireResponse {
    let (code, message) = match e {
        Error::Validation { field, rule } => ("ValidationError".to_string(), format!("{field}: {rule}")),
        other => match other.api_error() {
            Some(api) => (api.code.clone(), api.message.clone()),
            None => ("InternalFailure".to_string(), other.to_string()),
        },
    };
    super::query_error(XMLNS, status_of(&code), &code, &message)
}

// ---------------------------------------------------------------------------------------------
// Operations: decoded input -> the simulator (through the `Elbv2` trait) -> JSON output
// (`None`: not served).

async fn dispatch(sim: &Front, operation: &str, i: Input<'_>) -> Result<Option<Value>> {
    let out = match operation {
        "CreateLoadBalancer" => {
            if let Some(t) = i.str("Type").filter(|t| *t != "application") {
                return Err(invalid(format!(
                    "The simulator serves Application Load Balancers only (Type '{t}')."
                )));
            }
            let mut subnets: Vec<_> = ids(i, "Subnets")?;
            for m in items(i, "SubnetMappings")? {
                subnets.push(m.required("SubnetId", invalid)?.parse()?);
            }
            let req = CreateLoadBalancerRequest {
                name: i.required("Name", invalid)?.parse()?,
                subnets,
                security_groups: ids(i, "SecurityGroups")?,
                scheme: known(i, "Scheme", Scheme::parse)?.unwrap_or_default(),
                ip_address_type: known(i, "IpAddressType", IpAddressType::parse)?.unwrap_or_default(),
                tags: tags(i, "Tags")?,
            };
            req.validate()?;
            let lb = Elbv2::create_load_balancer(sim, req).await?;
            json!({"LoadBalancers": [lb_json(&lb)]})
        }
        "DescribeLoadBalancers" => {
            let req = DescribeLoadBalancersRequest {
                arns: ids(i, "LoadBalancerArns")?,
                names: ids(i, "Names")?,
            };
            req.validate()?;
            let lbs = Elbv2::describe_load_balancers(sim, req).await?;
            paged(i, "LoadBalancers", lbs.iter().map(lb_json).collect())?
        }
        "DeleteLoadBalancer" => {
            Elbv2::delete_load_balancer(sim, arn(i, "LoadBalancerArn")?).await?;
            json!({})
        }
        "ModifyLoadBalancerAttributes" => {
            let arn: LoadBalancerArn = arn(i, "LoadBalancerArn")?;
            let attributes = attributes(i)?;
            validate_attributes(&attributes)?;
            let out = Elbv2::modify_load_balancer_attributes(sim, arn, attributes).await?;
            json!({"Attributes": attributes_json(&out)})
        }
        "DescribeLoadBalancerAttributes" => {
            let out = Elbv2::describe_load_balancer_attributes(sim, arn(i, "LoadBalancerArn")?).await?;
            json!({"Attributes": attributes_json(&out)})
        }
        "CreateTargetGroup" => {
            let req = create_target_group(i)?;
            req.validate()?;
            let tg = Elbv2::create_target_group(sim, req).await?;
            json!({"TargetGroups": [tg_json(&tg)]})
        }
        "DescribeTargetGroups" => {
            let req = DescribeTargetGroupsRequest {
                arns: ids(i, "TargetGroupArns")?,
                names: ids(i, "Names")?,
                load_balancer_arn: i.str("LoadBalancerArn").map(str::parse).transpose()?,
            };
            req.validate()?;
            let tgs = Elbv2::describe_target_groups(sim, req).await?;
            paged(i, "TargetGroups", tgs.iter().map(tg_json).collect())?
        }
        "DeleteTargetGroup" => {
            Elbv2::delete_target_group(sim, arn(i, "TargetGroupArn")?).await?;
            json!({})
        }
        "ModifyTargetGroupAttributes" => {
            let arn: TargetGroupArn = arn(i, "TargetGroupArn")?;
            let attributes = attributes(i)?;
            validate_attributes(&attributes)?;
            let out = Elbv2::modify_target_group_attributes(sim, arn, attributes).await?;
            json!({"Attributes": attributes_json(&out)})
        }
        "DescribeTargetGroupAttributes" => {
            let out = Elbv2::describe_target_group_attributes(sim, arn(i, "TargetGroupArn")?).await?;
            json!({"Attributes": attributes_json(&out)})
        }
        "RegisterTargets" => {
            let arn: TargetGroupArn = arn(i, "TargetGroupArn")?;
            Elbv2::register_targets(sim, arn, required_targets(i)?).await?;
            json!({})
        }
        "DeregisterTargets" => {
            let arn: TargetGroupArn = arn(i, "TargetGroupArn")?;
            Elbv2::deregister_targets(sim, arn, required_targets(i)?).await?;
            json!({})
        }
        "DescribeTargetHealth" => {
            let arn: TargetGroupArn = arn(i, "TargetGroupArn")?;
            let targets = targets(i)?;
            let health = Elbv2::describe_target_health(sim, arn.clone(), targets).await?;
            // Each description names the port health checks go to (the group's health check).
            let req = DescribeTargetGroupsRequest {
                arns: vec![arn],
                names: Vec::new(),
                load_balancer_arn: None,
            };
            let tg = Elbv2::describe_target_groups(sim, req).await?.into_iter().next();
            json!({"TargetHealthDescriptions": health.iter().map(|h| health_json(h, tg.as_ref())).collect::<Vec<_>>()})
        }
        "CreateListener" => {
            let l = create_listener(sim, i).await?;
            json!({"Listeners": [listener_json(&l)]})
        }
        "DescribeListeners" => {
            let listeners = describe_listeners(sim, i).await?;
            paged(i, "Listeners", listeners.iter().map(listener_json).collect())?
        }
        "ModifyListener" => {
            let req = ModifyListenerRequest {
                listener_arn: arn(i, "ListenerArn")?,
                port: i.num("Port", invalid)?,
                protocol: known(i, "Protocol", Protocol::parse)?,
                certificate_arn: default_certificate(i)?,
                ssl_policy: i.string("SslPolicy"),
                default_actions: present(i, "DefaultActions")
                    .then(|| actions(i, "DefaultActions"))
                    .transpose()?,
            };
            req.validate()?;
            let l = Elbv2::modify_listener(sim, req).await?;
            json!({"Listeners": [listener_json(&l)]})
        }
        "DeleteListener" => {
            Elbv2::delete_listener(sim, arn(i, "ListenerArn")?).await?;
            json!({})
        }
        "AddListenerCertificates" => {
            let arn: ListenerArn = arn(i, "ListenerArn")?;
            let added = Elbv2::add_listener_certificates(sim, arn, certificates(i)?).await?;
            json!({"Certificates": added.iter().map(certificate_json).collect::<Vec<_>>()})
        }
        "RemoveListenerCertificates" => {
            let arn: ListenerArn = arn(i, "ListenerArn")?;
            Elbv2::remove_listener_certificates(sim, arn, certificates(i)?).await?;
            json!({})
        }
        "DescribeListenerCertificates" => {
            let certs = Elbv2::describe_listener_certificates(sim, arn(i, "ListenerArn")?).await?;
            paged(i, "Certificates", certs.iter().map(certificate_json).collect())?
        }
        "CreateRule" => {
            refuse_transforms(i)?;
            let req = CreateRuleRequest {
                listener_arn: arn(i, "ListenerArn")?,
                priority: i
                    .num("Priority", invalid)?
                    .ok_or_else(|| invalid("The parameter Priority is required.".into()))?,
                conditions: conditions(i)?,
                actions: actions(i, "Actions")?,
                tags: tags(i, "Tags")?,
            };
            req.validate()?;
            let rule = Elbv2::create_rule(sim, req).await?;
            json!({"Rules": [rule_json(&rule)]})
        }
        "DescribeRules" => {
            let req = DescribeRulesRequest {
                listener_arn: i.str("ListenerArn").map(str::parse).transpose()?,
                rule_arns: ids(i, "RuleArns")?,
            };
            req.validate()?;
            let rules = Elbv2::describe_rules(sim, req).await?;
            paged(i, "Rules", rules.iter().map(rule_json).collect())?
        }
        "ModifyRule" => {
            refuse_transforms(i)?;
            let req = ModifyRuleRequest {
                rule_arn: arn(i, "RuleArn")?,
                conditions: present(i, "Conditions").then(|| conditions(i)).transpose()?,
                actions: present(i, "Actions").then(|| actions(i, "Actions")).transpose()?,
            };
            req.validate()?;
            let rule = Elbv2::modify_rule(sim, req).await?;
            json!({"Rules": [rule_json(&rule)]})
        }
        "SetRulePriorities" => {
            let priorities = items(i, "RulePriorities")?
                .into_iter()
                .map(|p| {
                    Ok(RulePriority {
                        rule_arn: p.required("RuleArn", invalid)?.parse()?,
                        priority: p
                            .num("Priority", invalid)?
                            .ok_or_else(|| invalid("The parameter RulePriorities.Priority is required.".into()))?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let rules = Elbv2::set_rule_priorities(sim, priorities).await?;
            json!({"Rules": rules.iter().map(rule_json).collect::<Vec<_>>()})
        }
        "DeleteRule" => {
            let arn: RuleArn = arn(i, "RuleArn")?;
            Elbv2::delete_rule(sim, arn).await?;
            json!({})
        }
        "DescribeTags" => {
            let tags = Elbv2::describe_tags(sim, strings(i, "ResourceArns")?).await?;
            json!({"TagDescriptions": tags.iter().map(tag_description_json).collect::<Vec<_>>()})
        }
        "AddTags" => {
            Elbv2::add_tags(sim, strings(i, "ResourceArns")?, tags(i, "Tags")?).await?;
            json!({})
        }
        "RemoveTags" => {
            Elbv2::remove_tags(sim, strings(i, "ResourceArns")?, strings(i, "TagKeys")?).await?;
            json!({})
        }
        _ => return Ok(None),
    };
    Ok(Some(out))
}

fn create_target_group(i: Input<'_>) -> Result<CreateTargetGroupRequest> {
    if i.bool("HealthCheckEnabled", invalid)? == Some(false) {
        return Err(invalid(
            "The simulator's target groups always check health (HealthCheckEnabled=false).".into(),
        ));
    }
    if let Some(v) = i.str("ProtocolVersion").filter(|v| *v != "HTTP1") {
        return Err(invalid(format!(
            "The simulator's target groups speak HTTP1 (ProtocolVersion '{v}')."
        )));
    }
    if let Some(v) = i.str("IpAddressType").filter(|v| *v != "ipv4") {
        return Err(invalid(format!(
            "The simulator's target groups are ipv4 (IpAddressType '{v}')."
        )));
    }
    let protocol = known(i, "Protocol", Protocol::parse)?.unwrap_or_default();
    let defaults = HealthCheck::default();
    let health_check = HealthCheck {
        // AWS's default health check protocol is the group's.
        protocol: known(i, "HealthCheckProtocol", Protocol::parse)?.unwrap_or_else(|| protocol.clone()),
        path: i.string("HealthCheckPath").unwrap_or(defaults.path),
        port: i.string("HealthCheckPort").unwrap_or_else(|| TRAFFIC_PORT.to_string()),
        interval_secs: i
            .num("HealthCheckIntervalSeconds", invalid)?
            .unwrap_or(defaults.interval_secs),
        timeout_secs: i.num("HealthCheckTimeoutSeconds", invalid)?,
        healthy_threshold: i
            .num("HealthyThresholdCount", invalid)?
            .unwrap_or(defaults.healthy_threshold),
        unhealthy_threshold: i
            .num("UnhealthyThresholdCount", invalid)?
            .unwrap_or(defaults.unhealthy_threshold),
        matcher: match i.get("Matcher") {
            Some(m) => {
                if m.get("GrpcCode").is_some() {
                    return Err(invalid(
                        "The simulator's target groups match HTTP codes only (Matcher.GrpcCode).".into(),
                    ));
                }
                m.string("HttpCode").unwrap_or(defaults.matcher)
            }
            None => defaults.matcher,
        },
    };
    Ok(CreateTargetGroupRequest {
        name: i.required("Name", invalid)?.parse()?,
        protocol,
        port: i
            .num("Port", invalid)?
            .ok_or_else(|| invalid("The parameter Port is required for a target group of instances.".into()))?,
        vpc_id: i
            .required("VpcId", invalid)
            .map_err(|_| invalid("The parameter VpcId is required for a target group of instances.".into()))?
            .parse()?,
        target_type: known(i, "TargetType", TargetType::parse)?.unwrap_or_default(),
        health_check,
        tags: tags(i, "Tags")?,
    })
}

/// CreateListener. The trait creates a listener whose default action is a forward to one
/// target group or a 301 redirect to HTTPS; any other default actions (a fixed response, a
/// weighted forward, another redirect) are set by a ModifyListener right after (the listener
/// is deleted again if that fails), so the wire takes what AWS takes.
async fn create_listener(sim: &Front, i: Input<'_>) -> Result<Listener> {
    if i.get("MutualAuthentication").is_some() || present(i, "AlpnPolicy") {
        return Err(invalid(
            "The simulator's listeners have no mutual authentication or ALPN policy.".into(),
        ));
    }
    let certificates = certificates(i)?;
    if certificates.len() > 1 {
        return Err(invalid(
            "A listener takes exactly one (default) certificate; add others with AddListenerCertificates.".into(),
        ));
    }
    let default_actions = actions(i, "DefaultActions")?;
    validate_actions("default_actions", &default_actions)?;
    let load_balancer_arn: LoadBalancerArn = arn(i, "LoadBalancerArn")?;
    let (default_target_group, redirect_to_https) = match default_actions.as_slice() {
        [Action::Forward { target_group }] => (Some(target_group.clone()), None),
        [Action::Redirect(r)] => match redirect_to_https_of(&default_actions) {
            Some(port) if *r == RedirectConfig::to_https(port) => (None, Some(port)),
            _ => (None, None),
        },
        _ => (None, None),
    };
    let simple = default_target_group.is_some() || redirect_to_https.is_some();
    let req = CreateListenerRequest {
        load_balancer_arn: load_balancer_arn.clone(),
        protocol: known(i, "Protocol", Protocol::parse)?.unwrap_or_default(),
        port: i
            .num("Port", invalid)?
            .ok_or_else(|| invalid("The parameter Port is required.".into()))?,
        certificate_arn: certificates.into_iter().next(),
        ssl_policy: i.string("SslPolicy"),
        default_target_group,
        // A placeholder the ModifyListener below replaces.
        redirect_to_https: if simple { redirect_to_https } else { Some(443) },
        tags: tags(i, "Tags")?,
    };
    req.validate()?;
    if simple {
        return Elbv2::create_listener(sim, req).await;
    }
    // CreateListener is idempotent: the same settings on the port answer the listener there.
    let existing = Elbv2::describe_listeners(sim, load_balancer_arn.clone())
        .await?
        .into_iter()
        .find(|l| l.port == req.port);
    if let Some(l) = existing {
        let same = l.protocol == req.protocol
            && l.default_actions == default_actions
            && l.certificate_arn == req.certificate_arn
            && (req.ssl_policy.is_none() || l.ssl_policy == req.ssl_policy);
        return if same {
            Ok(l)
        } else {
            Err(Error::api(
                SVC,
                "DuplicateListener",
                format!(
                    "A listener already exists on port {} of load balancer '{load_balancer_arn}'",
                    req.port
                ),
            ))
        };
    }
    let created = Elbv2::create_listener(sim, req).await?;
    let modify = ModifyListenerRequest {
        listener_arn: created.arn.clone(),
        port: None,
        protocol: None,
        certificate_arn: None,
        ssl_policy: None,
        default_actions: Some(default_actions),
    };
    match Elbv2::modify_listener(sim, modify).await {
        Ok(l) => Ok(l),
        Err(e) => {
            // Best effort: the error is the answer either way.
            let _ = Elbv2::delete_listener(sim, created.arn).await;
            Err(e)
        }
    }
}

/// DescribeListeners by load balancer, or by listener ARNs (looked up among every load
/// balancer's listeners; an unknown one is `ListenerNotFound`).
async fn describe_listeners(sim: &Front, i: Input<'_>) -> Result<Vec<Listener>> {
    let wanted: Vec<ListenerArn> = ids(i, "ListenerArns")?;
    let lb: Option<LoadBalancerArn> = i.str("LoadBalancerArn").map(str::parse).transpose()?;
    let listeners = match (lb, wanted.is_empty()) {
        (Some(lb), _) => Elbv2::describe_listeners(sim, lb).await?,
        (None, false) => {
            let mut all = Vec::new();
            for lb in Elbv2::describe_load_balancers(sim, DescribeLoadBalancersRequest::default()).await? {
                all.extend(Elbv2::describe_listeners(sim, lb.arn).await?);
            }
            all
        }
        (None, true) => {
            return Err(invalid(
                "You must specify either listener ARNs or a load balancer ARN.".into(),
            ));
        }
    };
    if let Some(missing) = wanted.iter().find(|a| !listeners.iter().any(|l| &l.arn == *a)) {
        return Err(Error::api(
            SVC,
            "ListenerNotFound",
            format!("One or more listeners not found: '{missing}'"),
        ));
    }
    Ok(listeners
        .into_iter()
        .filter(|l| wanted.is_empty() || wanted.contains(&l.arn))
        .collect())
}

/// One page of a describe: `PageSize` items (1-400, default all) from `Marker` (the offset this
/// codec answered as `NextMarker`).
fn paged(i: Input<'_>, key: &str, items: Vec<Value>) -> Result<Value> {
    let size = match i.num::<u32>("PageSize", invalid)? {
        None => usize::MAX,
        Some(n) if (1..=MAX_PAGE_SIZE).contains(&n) => n as usize,
        Some(n) => {
            return Err(invalid(format!(
                "The value {n} of PageSize is not between 1 and {MAX_PAGE_SIZE}."
            )));
        }
    };
    let start = match i.str("Marker") {
        None | Some("") => 0,
        Some(m) => m
            .parse::<usize>()
            .ok()
            .filter(|s| *s <= items.len())
            .ok_or_else(|| invalid(format!("The marker '{m}' is not valid.")))?,
    };
    let end = start.saturating_add(size).min(items.len());
    let mut out = serde_json::Map::new();
    out.insert(key.to_string(), Value::Array(items[start..end].to_vec()));
    if end < items.len() {
        out.insert("NextMarker".into(), json!(end.to_string()));
    }
    Ok(Value::Object(out))
}

// ---------------------------------------------------------------------------------------------
// Input shapes

/// Whether member `k` was sent (an empty list `K=` included).
fn present(i: Input<'_>, k: &str) -> bool {
    i.get(k).is_some()
}

/// A list member's items: absent, or the empty list `K=`, is none; anything but a list
/// (`K=x`, `K.member.x=..`) is malformed.
fn items<'a>(i: Input<'a>, k: &str) -> Result<Vec<Input<'a>>> {
    match i.0.get(k) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) if s.is_empty() => Ok(Vec::new()),
        Some(Value::Array(v)) => Ok(v.iter().map(Input).collect()),
        Some(_) => Err(invalid(format!(
            "The parameter {k} is not a list ({k}.member.1, {k}.member.2, ...)."
        ))),
    }
}

/// A list of strings.
fn strings(i: Input<'_>, k: &str) -> Result<Vec<String>> {
    items(i, k)?
        .into_iter()
        .map(|v| {
            v.0.as_str()
                .map(str::to_string)
                .ok_or_else(|| invalid(format!("The items of {k} must be strings.")))
        })
        .collect()
}

/// A list of typed ids.
fn ids<T: std::str::FromStr<Err = Error>>(i: Input<'_>, k: &str) -> Result<Vec<T>> {
    strings(i, k)?.iter().map(|s| s.parse()).collect()
}

/// A required typed id.
fn arn<T: std::str::FromStr<Err = Error>>(i: Input<'_>, k: &str) -> Result<T> {
    i.required(k, invalid)?.parse()
}

/// An enum member by its AWS name (a name the crate does not know is refused).
fn known<T>(i: Input<'_>, k: &str, parse: fn(&str) -> Option<T>) -> Result<Option<T>> {
    i.str(k)
        .map(|s| parse(s).ok_or_else(|| invalid(format!("The value '{s}' of {k} is not valid."))))
        .transpose()
}

/// `[{Key, Value}]` tags (a key twice is `DuplicateTagKeys`).
fn tags(i: Input<'_>, k: &str) -> Result<Tags> {
    let mut out = Tags::new();
    for t in items(i, k)? {
        let key = t.required("Key", invalid)?;
        let value = t.str("Value").unwrap_or_default();
        if out.insert(key.to_string(), value.to_string()).is_some() {
            return Err(Error::api(
                SVC,
                "DuplicateTagKeys",
                format!("Tag key '{key}' is duplicated"),
            ));
        }
    }
    Ok(out)
}

fn attributes(i: Input<'_>) -> Result<Attributes> {
    items(i, "Attributes")?
        .into_iter()
        .map(|a| {
            Ok((
                a.required("Key", invalid)?.to_string(),
                a.str("Value").unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

fn targets(i: Input<'_>) -> Result<Vec<Target>> {
    items(i, "Targets")?
        .into_iter()
        .map(|t| {
            Ok(Target {
                id: t.required("Id", invalid)?.parse()?,
                port: t.num("Port", invalid)?,
            })
        })
        .collect()
}

fn required_targets(i: Input<'_>) -> Result<Vec<Target>> {
    let targets = targets(i)?;
    if targets.is_empty() {
        return Err(invalid("The parameter Targets is required.".into()));
    }
    Ok(targets)
}

fn certificates(i: Input<'_>) -> Result<Vec<Arn>> {
    items(i, "Certificates")?
        .into_iter()
        .map(|c| c.required("CertificateArn", invalid)?.parse())
        .collect()
}

/// The one (default) certificate of a listener request.
fn default_certificate(i: Input<'_>) -> Result<Option<Arn>> {
    let mut certificates = certificates(i)?;
    if certificates.len() > 1 {
        return Err(invalid(
            "A listener takes exactly one (default) certificate; add others with AddListenerCertificates.".into(),
        ));
    }
    Ok(certificates.pop())
}

fn refuse_transforms(i: Input<'_>) -> Result<()> {
    if present(i, "Transforms") || present(i, "ResetTransforms") {
        return Err(invalid("The simulator's rules have no transforms.".into()));
    }
    Ok(())
}

/// Actions in their `Order` (those without one after, as listed).
fn actions(i: Input<'_>, k: &str) -> Result<Vec<Action>> {
    let mut ordered = items(i, k)?
        .into_iter()
        .map(|a| Ok((a.num::<i64>("Order", invalid)?.unwrap_or(i64::MAX), action(a)?)))
        .collect::<Result<Vec<_>>>()?;
    ordered.sort_by_key(|(order, _)| *order);
    Ok(ordered.into_iter().map(|(_, a)| a).collect())
}

fn action(a: Input<'_>) -> Result<Action> {
    let kind = a.required("Type", invalid)?;
    Ok(match kind {
        "forward" => forward(a)?,
        "redirect" => {
            let r = a
                .get("RedirectConfig")
                .ok_or_else(|| invalid("A redirect action needs a RedirectConfig.".into()))?;
            let code = r.required("StatusCode", invalid)?;
            Action::Redirect(RedirectConfig {
                protocol: r.string("Protocol").unwrap_or_else(|| "#{protocol}".into()),
                port: r.string("Port").unwrap_or_else(|| "#{port}".into()),
                host: r.string("Host").unwrap_or_else(|| "#{host}".into()),
                path: r.string("Path").unwrap_or_else(|| "/#{path}".into()),
                query: r.string("Query").unwrap_or_else(|| "#{query}".into()),
                status_code: RedirectStatusCode::parse(code).ok_or_else(|| {
                    invalid(format!(
                        "The redirect status code '{code}' is not HTTP_301 or HTTP_302."
                    ))
                })?,
            })
        }
        "fixed-response" => {
            let f = a
                .get("FixedResponseConfig")
                .ok_or_else(|| invalid("A fixed-response action needs a FixedResponseConfig.".into()))?;
            let code = f.required("StatusCode", invalid)?;
            Action::FixedResponse(FixedResponseConfig {
                status_code: code
                    .parse()
                    .map_err(|_| invalid(format!("The fixed response status code '{code}' is not valid.")))?,
                content_type: f.string("ContentType"),
                message_body: f.string("MessageBody"),
            })
        }
        // Refused by the crate's checks (`validate_actions`), as ValidationError.
        other => Action::Other { kind: other.into() },
    })
}

/// A forward: `TargetGroupArn`, or `ForwardConfig.TargetGroups` (both only for the same one
/// group). One group without stickiness is a plain forward, as AWS reports it.
fn forward(a: Input<'_>) -> Result<Action> {
    let config = a.get("ForwardConfig");
    let mut groups = match config {
        Some(c) => items(c, "TargetGroups")?
            .into_iter()
            .map(|g| {
                Ok(WeightedTargetGroup {
                    arn: g.required("TargetGroupArn", invalid)?.parse()?,
                    weight: g.num("Weight", invalid)?.unwrap_or(1),
                })
            })
            .collect::<Result<Vec<_>>>()?,
        None => Vec::new(),
    };
    let mut stickiness_secs = None;
    if let Some(s) = config.and_then(|c| c.get("TargetGroupStickinessConfig"))
        && s.bool("Enabled", invalid)? == Some(true)
    {
        stickiness_secs = Some(s.num("DurationSeconds", invalid)?.ok_or_else(|| {
            invalid("TargetGroupStickinessConfig.DurationSeconds is required when stickiness is enabled.".into())
        })?);
    }
    if let Some(tg) = a.str("TargetGroupArn") {
        let tg: TargetGroupArn = tg.parse()?;
        match groups.as_slice() {
            [] => groups.push(WeightedTargetGroup { arn: tg, weight: 1 }),
            [only] if only.arn == tg => {}
            _ => {
                return Err(invalid(
                    "TargetGroupArn and ForwardConfig must name the same one target group.".into(),
                ));
            }
        }
    }
    match groups.as_slice() {
        [] => Err(invalid(
            "A forward action needs a TargetGroupArn or ForwardConfig.TargetGroups.".into(),
        )),
        [only] if stickiness_secs.is_none() => Ok(Action::forward(only.arn.clone())),
        _ => Ok(Action::WeightedForward(ForwardConfig {
            target_groups: groups,
            stickiness_secs,
        })),
    }
}

fn conditions(i: Input<'_>) -> Result<Vec<RuleCondition>> {
    items(i, "Conditions")?.into_iter().map(condition).collect()
}

fn condition(c: Input<'_>) -> Result<RuleCondition> {
    let field = c.required("Field", invalid)?;
    if present(c, "RegexValues") {
        return Err(invalid("The simulator's conditions have no RegexValues.".into()));
    }
    // The values in the field's config, or (the older form) in `Values`.
    let values = |config: &str| -> Result<Vec<String>> {
        let from_config = match c.get(config) {
            Some(x) => {
                if present(x, "RegexValues") {
                    return Err(invalid("The simulator's conditions have no RegexValues.".into()));
                }
                strings(x, "Values")?
            }
            None => Vec::new(),
        };
        if from_config.is_empty() {
            strings(c, "Values")
        } else {
            Ok(from_config)
        }
    };
    Ok(match field {
        "path-pattern" => RuleCondition::PathPattern {
            values: values("PathPatternConfig")?,
        },
        "host-header" => RuleCondition::HostHeader {
            values: values("HostHeaderConfig")?,
        },
        "http-header" => {
            let h = c
                .get("HttpHeaderConfig")
                .ok_or_else(|| invalid("An http-header condition needs an HttpHeaderConfig.".into()))?;
            if present(h, "RegexValues") {
                return Err(invalid("The simulator's conditions have no RegexValues.".into()));
            }
            RuleCondition::HttpHeader {
                name: h.required("HttpHeaderName", invalid)?.to_string(),
                values: strings(h, "Values")?,
            }
        }
        "query-string" => {
            let q = c
                .get("QueryStringConfig")
                .ok_or_else(|| invalid("A query-string condition needs a QueryStringConfig.".into()))?;
            RuleCondition::QueryString {
                values: items(q, "Values")?
                    .into_iter()
                    .map(|p| {
                        Ok(QueryStringMatch {
                            key: p.string("Key"),
                            value: p.required("Value", invalid)?.to_string(),
                        })
                    })
                    .collect::<Result<_>>()?,
            }
        }
        "source-ip" => RuleCondition::SourceIp {
            values: values("SourceIpConfig")?,
        },
        "http-request-method" => RuleCondition::HttpRequestMethod {
            values: values("HttpRequestMethodConfig")?,
        },
        other => return Err(invalid(format!("The condition field '{other}' is not valid."))),
    })
}

// ---------------------------------------------------------------------------------------------
// Output shapes (the members the SDK reads)

fn epoch(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs_f64()
}

fn lb_json(lb: &LoadBalancer) -> Value {
    let mut v = json!({
        "LoadBalancerArn": lb.arn.as_str(),
        "DNSName": lb.dns_name,
        "LoadBalancerName": lb.name.as_str(),
        "Scheme": lb.scheme.as_str(),
        "VpcId": lb.vpc_id.as_str(),
        "State": {"Code": lb.state.as_str()},
        "Type": "application",
        "AvailabilityZones": lb.availability_zones.iter().map(|z| json!({
            "ZoneName": z.zone.to_string(),
            "SubnetId": z.subnet_id.as_str(),
            "LoadBalancerAddresses": [],
        })).collect::<Vec<_>>(),
        "SecurityGroups": lb.security_groups.iter().map(|g| g.as_str()).collect::<Vec<_>>(),
        "IpAddressType": lb.ip_address_type.as_str(),
    });
    if let Some(t) = lb.created {
        v["CreatedTime"] = json!(epoch(t));
    }
    v
}

fn tg_json(tg: &TargetGroup) -> Value {
    let hc = &tg.health_check;
    json!({
        "TargetGroupArn": tg.arn.as_str(),
        "TargetGroupName": tg.name.as_str(),
        "Protocol": tg.protocol.as_str(),
        "Port": tg.port,
        "VpcId": tg.vpc_id.as_str(),
        "HealthCheckProtocol": hc.protocol.as_str(),
        "HealthCheckPort": hc.port,
        "HealthCheckEnabled": true,
        "HealthCheckIntervalSeconds": hc.interval_secs,
        "HealthCheckTimeoutSeconds": hc.effective_timeout_secs(&tg.protocol),
        "HealthyThresholdCount": hc.healthy_threshold,
        "UnhealthyThresholdCount": hc.unhealthy_threshold,
        "HealthCheckPath": hc.path,
        "Matcher": {"HttpCode": hc.matcher},
        "LoadBalancerArns": tg.load_balancer_arns.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
        "TargetType": tg.target_type.as_str(),
        "ProtocolVersion": "HTTP1",
        "IpAddressType": "ipv4",
    })
}

fn health_json(h: &TargetHealth, tg: Option<&TargetGroup>) -> Value {
    let mut target = json!({"Id": h.target.id.as_str()});
    if let Some(p) = h.target.port {
        target["Port"] = json!(p);
    }
    let mut health = json!({"State": h.state.as_str()});
    if let Some(r) = &h.reason {
        health["Reason"] = json!(r);
    }
    if let Some(d) = &h.description {
        health["Description"] = json!(d);
    }
    let mut v = json!({"Target": target, "TargetHealth": health});
    if let Some(tg) = tg {
        let port = tg.health_check.port_for(h.target.port.unwrap_or(tg.port));
        v["HealthCheckPort"] = json!(port.to_string());
    }
    v
}

fn attributes_json(a: &Attributes) -> Vec<Value> {
    a.iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect()
}

fn tags_json(tags: &Tags) -> Vec<Value> {
    tags.iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect()
}

fn tag_description_json(t: &ResourceTags) -> Value {
    json!({"ResourceArn": t.arn, "Tags": tags_json(&t.tags)})
}

fn certificate_json(c: &ListenerCertificate) -> Value {
    json!({"CertificateArn": c.arn.to_string(), "IsDefault": c.is_default})
}

fn listener_json(l: &Listener) -> Value {
    let mut v = json!({
        "ListenerArn": l.arn.as_str(),
        "LoadBalancerArn": l.load_balancer_arn.as_str(),
        "Port": l.port,
        "Protocol": l.protocol.as_str(),
        // AWS lists the default certificate here (without IsDefault).
        "Certificates": l.certificate_arn.iter().map(|c| json!({"CertificateArn": c.to_string()})).collect::<Vec<_>>(),
        "DefaultActions": actions_json(&l.default_actions),
    });
    if let Some(p) = &l.ssl_policy {
        v["SslPolicy"] = json!(p);
    }
    v
}

fn actions_json(actions: &[Action]) -> Vec<Value> {
    actions.iter().enumerate().map(|(n, a)| action_json(a, n + 1)).collect()
}

fn action_json(a: &Action, order: usize) -> Value {
    let mut v = json!({"Type": a.kind(), "Order": order});
    match a {
        Action::Forward { target_group } => {
            // AWS answers a plain forward in both forms.
            v["TargetGroupArn"] = json!(target_group.as_str());
            v["ForwardConfig"] = json!({
                "TargetGroups": [{"TargetGroupArn": target_group.as_str(), "Weight": 1}],
                "TargetGroupStickinessConfig": {"Enabled": false},
            });
        }
        Action::WeightedForward(c) => {
            let mut sticky = json!({"Enabled": c.stickiness_secs.is_some()});
            if let Some(s) = c.stickiness_secs {
                sticky["DurationSeconds"] = json!(s);
            }
            v["ForwardConfig"] = json!({
                "TargetGroups": c.target_groups.iter().map(|g| json!({"TargetGroupArn": g.arn.as_str(), "Weight": g.weight})).collect::<Vec<_>>(),
                "TargetGroupStickinessConfig": sticky,
            });
        }
        Action::Redirect(r) => {
            v["RedirectConfig"] = json!({
                "Protocol": r.protocol,
                "Port": r.port,
                "Host": r.host,
                "Path": r.path,
                "Query": r.query,
                "StatusCode": r.status_code.as_str(),
            });
        }
        Action::FixedResponse(f) => {
            let mut c = json!({"StatusCode": f.status_code.to_string()});
            if let Some(t) = &f.content_type {
                c["ContentType"] = json!(t);
            }
            if let Some(b) = &f.message_body {
                c["MessageBody"] = json!(b);
            }
            v["FixedResponseConfig"] = c;
        }
        Action::Other { .. } => {}
    }
    v
}

fn condition_json(c: &RuleCondition) -> Value {
    let mut v = json!({"Field": c.field()});
    match c {
        // AWS answers these two in both forms.
        RuleCondition::PathPattern { values } => {
            v["Values"] = json!(values);
            v["PathPatternConfig"] = json!({"Values": values});
        }
        RuleCondition::HostHeader { values } => {
            v["Values"] = json!(values);
            v["HostHeaderConfig"] = json!({"Values": values});
        }
        RuleCondition::HttpHeader { name, values } => {
            v["HttpHeaderConfig"] = json!({"HttpHeaderName": name, "Values": values});
        }
        RuleCondition::QueryString { values } => {
            let pairs: Vec<Value> = values
                .iter()
                .map(|m| {
                    let mut p = json!({"Value": m.value});
                    if let Some(k) = &m.key {
                        p["Key"] = json!(k);
                    }
                    p
                })
                .collect();
            v["QueryStringConfig"] = json!({"Values": pairs});
        }
        RuleCondition::SourceIp { values } => v["SourceIpConfig"] = json!({"Values": values}),
        RuleCondition::HttpRequestMethod { values } => v["HttpRequestMethodConfig"] = json!({"Values": values}),
    }
    v
}

fn rule_json(r: &Rule) -> Value {
    json!({
        "RuleArn": r.arn.as_str(),
        "Priority": r.priority.map_or_else(|| "default".to_string(), |p| p.to_string()),
        "Conditions": r.conditions.iter().map(condition_json).collect::<Vec<_>>(),
        "Actions": actions_json(&r.actions),
        "IsDefault": r.is_default,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(body: &str) -> WireRequest {
        WireRequest {
            method: "POST".into(),
            path: "/".into(),
            query: Vec::new(),
            headers: vec![(
                "content-type".into(),
                "application/x-www-form-urlencoded; charset=utf-8".into(),
            )],
            body: bytes::Bytes::copy_from_slice(body.as_bytes()),
        }
    }

    async fn call(sim: &Front, body: &str) -> (u16, String) {
        let r = serve(sim, &form(body)).await;
        (r.status, String::from_utf8_lossy(&r.body).into_owned())
    }

    #[tokio::test(start_paused = true)]
    async fn an_answer_has_the_query_envelope() {
        let sim = super::super::Front::of(crate::sim::SimCloud::new());
        let (status, xml) = call(&sim, "Action=DescribeLoadBalancers&Version=2015-12-01").await;
        assert_eq!(status, 200, "{xml}");
        assert_eq!(
            xml,
            "<DescribeLoadBalancersResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\">\
             <DescribeLoadBalancersResult><LoadBalancers></LoadBalancers></DescribeLoadBalancersResult>\
             <ResponseMetadata><RequestId>sim</RequestId></ResponseMetadata></DescribeLoadBalancersResponse>"
        );
        let (status, xml) = call(
            &sim,
            "Action=DeleteLoadBalancer&Version=2015-12-01&LoadBalancerArn=arn%3Aaws%3Aelasticloadbalancing%3Aus-east-1%3A123456789012%3Aloadbalancer%2Fapp%2Fweb%2F0123456789abcdef",
        )
        .await;
        assert_eq!(status, 200, "{xml}");
        assert!(
            xml.starts_with("<DeleteLoadBalancerResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\"><DeleteLoadBalancerResult></DeleteLoadBalancerResult><ResponseMetadata>"),
            "{xml}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_error_has_the_query_error_envelope() {
        let sim = super::super::Front::of(crate::sim::SimCloud::new());
        let (status, xml) = call(
            &sim,
            "Action=DescribeLoadBalancers&Version=2015-12-01&Names.member.1=nope",
        )
        .await;
        assert_eq!(status, 400, "{xml}");
        assert_eq!(
            xml,
            "<ErrorResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\">\
             <Error><Type>Sender</Type><Code>LoadBalancerNotFound</Code>\
             <Message>Load balancers &apos;nope&apos; not found</Message></Error>\
             <RequestId>sim</RequestId></ErrorResponse>"
        );
        let (status, xml) = call(&sim, "Action=NoSuchThing&Version=2015-12-01").await;
        assert_eq!(status, 400);
        assert!(xml.contains("<Code>InvalidAction</Code>"), "{xml}");
        let (status, xml) = call(&sim, "Version=2015-12-01").await;
        assert_eq!(status, 400);
        assert!(xml.contains("<Code>MissingAction</Code>"), "{xml}");
    }

    #[tokio::test(start_paused = true)]
    async fn garbage_is_a_4xx_xml_error_never_a_panic() {
        let sim = super::super::Front::of(crate::sim::SimCloud::new());
        let tg = "arn%3Aaws%3Aelasticloadbalancing%3Aus-east-1%3A123456789012%3Atargetgroup%2Ftg%2F0123456789abcdef";
        let listener = "arn%3Aaws%3Aelasticloadbalancing%3Aus-east-1%3A123456789012%3Alistener%2Fapp%2Fweb%2F0123456789abcdef%2F0123456789abcdef";
        let bodies = [
            "Action=CreateLoadBalancer".to_string(),
            "Action=CreateLoadBalancer&Name=web&Subnets.member.x=subnet-1".into(),
            "Action=CreateLoadBalancer&Name=web&Subnets=subnet-12345678".into(),
            "Action=CreateLoadBalancer&Name=web&Subnets.member.99999999999999999999=subnet-12345678".into(),
            "Action=CreateLoadBalancer&Name=web&Subnets.member.1=subnet-12345678&Subnets.member.2=subnet-87654321&Scheme=sideways".into(),
            "Action=CreateLoadBalancer&Name=web&Type=network".into(),
            "Action=CreateLoadBalancer&Name=-bad-&Subnets.member.1=x&Subnets.member.2=y".into(),
            "Action=CreateLoadBalancer&Name=web&Tags.member.1.Key=a&Tags.member.2.Key=a".into(),
            "Action=CreateLoadBalancer&Name.member.1=web".into(),
            "Action=DescribeLoadBalancers&PageSize=0".into(),
            "Action=DescribeLoadBalancers&PageSize=abc".into(),
            "Action=DescribeLoadBalancers&PageSize=99999999999999999999999".into(),
            "Action=DescribeLoadBalancers&Marker=zz".into(),
            "Action=DescribeLoadBalancers&Marker=5".into(),
            "Action=DescribeLoadBalancers&LoadBalancerArns.member.1=not-an-arn".into(),
            "Action=DescribeLoadBalancers&LoadBalancerArns.member.1.x=y".into(),
            "Action=DeleteLoadBalancer".into(),
            "Action=CreateTargetGroup&Name=tg&Port=-1&VpcId=vpc-12345678".into(),
            "Action=CreateTargetGroup&Name=tg&Port=70000&VpcId=vpc-12345678".into(),
            "Action=CreateTargetGroup&Name=tg&Port=80".into(),
            "Action=CreateTargetGroup&Name=tg&Port=80&VpcId=vpc-12345678&HealthCheckIntervalSeconds=4294967296".into(),
            "Action=CreateTargetGroup&Name=tg&Port=80&VpcId=vpc-12345678&HealthCheckEnabled=maybe".into(),
            "Action=CreateTargetGroup&Name=tg&Port=80&VpcId=vpc-12345678&Matcher.HttpCode=600".into(),
            format!("Action=RegisterTargets&TargetGroupArn={tg}"),
            format!("Action=RegisterTargets&TargetGroupArn={tg}&Targets.member.1.Id=10.0.0.1"),
            format!("Action=RegisterTargets&TargetGroupArn={tg}&Targets.member.1.Id=i-12345678&Targets.member.1.Port=x"),
            format!("Action=DescribeTargetHealth&TargetGroupArn={tg}"),
            format!("Action=ModifyTargetGroupAttributes&TargetGroupArn={tg}&Attributes.member.1.Value=1"),
            format!("Action=ModifyTargetGroupAttributes&TargetGroupArn={tg}&Attributes=x"),
            "Action=CreateListener&Port=80".into(),
            "Action=CreateListener&LoadBalancerArn=x&Port=80&DefaultActions.member.1.Type=forward".into(),
            format!("Action=CreateListener&LoadBalancerArn={tg}&Port=80&DefaultActions.member.1.Type=fly"),
            "Action=CreateListener&LoadBalancerArn=arn%3Aaws%3Aelasticloadbalancing%3Aus-east-1%3A123456789012%3Aloadbalancer%2Fapp%2Fweb%2F0123456789abcdef&Port=80&DefaultActions.member.1.Type=redirect&DefaultActions.member.1.RedirectConfig.Port=443".into(),
            "Action=CreateListener&LoadBalancerArn=arn%3Aaws%3Aelasticloadbalancing%3Aus-east-1%3A123456789012%3Aloadbalancer%2Fapp%2Fweb%2F0123456789abcdef&Port=80&DefaultActions.member.1.Type=fixed-response&DefaultActions.member.1.FixedResponseConfig.StatusCode=abc".into(),
            "Action=DescribeListeners".into(),
            format!("Action=DescribeListeners&ListenerArns.member.1={listener}"),
            format!("Action=CreateRule&ListenerArn={listener}&Priority=1"),
            format!("Action=CreateRule&ListenerArn={listener}&Priority=99999999999&Conditions.member.1.Field=path-pattern"),
            format!("Action=CreateRule&ListenerArn={listener}&Priority=5&Conditions.member.1.Field=smell&Actions.member.1.Type=forward"),
            format!("Action=CreateRule&ListenerArn={listener}&Priority=5&Conditions.member.1.Field=path-pattern&Conditions.member.1.Values.member.1=%2Fa&Actions.member.1.Type=forward&Actions.member.1.TargetGroupArn={tg}&Actions.member.1.Order=x"),
            format!("Action=ModifyRule&RuleArn={listener}"),
            "Action=SetRulePriorities&RulePriorities.member.1.Priority=3".into(),
            "Action=DescribeRules".into(),
            "Action=AddTags&ResourceArns.member.1=x".into(),
            "Action=RemoveTags&TagKeys.member.1=x".into(),
            "Action=DescribeTags".into(),
            format!("Action=AddListenerCertificates&ListenerArn={listener}&Certificates.member.1.CertificateArn=nope"),
            "Action=DescribeListenerCertificates".into(),
            "Action=Bogus&Foo.member.1=%ff%fe".into(),
            "Action=".into(),
            "Action=CreateLoadBalancer&%zz=%zz&&&=".into(),
        ];
        for body in &bodies {
            let (status, xml) = call(&sim, &format!("{body}&Version=2015-12-01")).await;
            assert!((400..500).contains(&status), "{body}: {status} {xml}");
            assert!(xml.starts_with("<ErrorResponse xmlns="), "{body}: {xml}");
            assert!(xml.contains("<Code>"), "{body}: {xml}");
        }
        // A control character as the action.
        let r = serve(&sim, &form("Action=\u{1}&Version=2015-12-01")).await;
        assert_eq!(r.status, 400);
    }

    #[tokio::test(start_paused = true)]
    async fn validation_errors_use_the_common_code() {
        let sim = super::super::Front::of(crate::sim::SimCloud::new());
        let (status, xml) = call(
            &sim,
            "Action=CreateTargetGroup&Version=2015-12-01&Name=tg&Port=80&VpcId=vpc-12345678&HealthCheckIntervalSeconds=4",
        )
        .await;
        assert_eq!(status, 400, "{xml}");
        assert!(xml.contains("<Code>ValidationError</Code>"), "{xml}");
        assert!(xml.contains("interval_secs"), "{xml}");
    }
}
