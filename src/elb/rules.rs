//! Listener rules: conditions, actions (forward, weighted forward, redirect, fixed response),
//! the CreateRule / ModifyRule / DescribeRules requests, rule priorities and the rule model.
//!
//! Limits are the ELBv2 model's (botocore `elbv2` 2015-12-01: shapes `RulePriority`,
//! `RuleCondition` and its `*ConditionConfig`, `Action`, `TargetGroupTuple`,
//! `TargetGroupStickinessConfig`, `RedirectActionConfig`, `FixedResponseActionConfig`) and the
//! Application Load Balancer quotas ("Quotas for your Application Load Balancers": condition
//! values per rule 5, condition wildcards per rule 5, target groups per action 5, rules per
//! listener 100 not counting the default rule).

use bon::Builder;
use serde::{Deserialize, Serialize};

use super::*;
use crate::Tags;
use crate::error::{Error, Result};
use crate::id::{ListenerArn, RuleArn, TargetGroupArn};
use crate::macros::validated_builder;
use crate::validate::{self, Validate};

/// The lowest rule priority (model shape `RulePriority`).
pub const MIN_RULE_PRIORITY: u32 = 1;
/// The highest rule priority (model shape `RulePriority`).
pub const MAX_RULE_PRIORITY: u32 = 50_000;
/// The most condition values of one rule, all conditions together (ALB quota "Condition values
/// per rule").
pub const MAX_CONDITION_VALUES_PER_RULE: usize = 5;
/// The most `*` and `?` wildcards of one rule (ALB quota "Condition wildcards per rule").
pub const MAX_CONDITION_WILDCARDS_PER_RULE: usize = 5;
/// The longest condition value, in characters (model: "The maximum length of each string is
/// 128 characters").
pub const MAX_CONDITION_VALUE_CHARS: usize = 128;
/// The most target groups of one forward action (ALB quota "Target groups per action").
pub const MAX_TARGET_GROUPS_PER_ACTION: usize = 5;
/// The highest target group weight (model `TargetGroupTuple.Weight`: "The range is 0 to 999").
pub const MAX_TARGET_GROUP_WEIGHT: u16 = 999;
/// The longest target group stickiness, in seconds (model
/// `TargetGroupStickinessConfig.DurationSeconds`: 1-604800, 7 days).
pub const MAX_STICKINESS_SECS: u32 = 604_800;
/// The most rules of one listener, not counting its default rule (ALB quota "Rules per
/// Application Load Balancer (not counting default rules)", 100).
pub const MAX_RULES_PER_LISTENER: usize = 100;
/// The content types a fixed response may have (model `FixedResponseActionConfig.ContentType`).
pub const FIXED_RESPONSE_CONTENT_TYPES: &[&str] = &[
    "text/plain",
    "text/css",
    "text/html",
    "application/javascript",
    "application/json",
];

// ---------------------------------------------------------------------------------------------
// Conditions

/// A key/value pair (or a value alone) to find in the query string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryStringMatch {
    /// The key (`None`: the value anywhere in the query string).
    pub key: Option<String>,
    /// The value (wildcards `*` and `?`; a literal `*` or `?` escaped with `\`).
    pub value: String,
}

/// A condition of a listener rule. A rule has at most one each of `path-pattern`,
/// `host-header`, `source-ip` and `http-request-method`, and any number of `http-header` and
/// `query-string` conditions (model shape `RuleCondition`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "field", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum RuleCondition {
    /// The URL path matches one of the patterns (case sensitive; `*` and `?` wildcards):
    /// letters, digits and `_ - . $ / ~ " ' @ : + & * ?`.
    PathPattern {
        /// The patterns, such as `/api/*`.
        values: Vec<String>,
    },
    /// The host header matches one of the host names (case insensitive; `*` and `?`
    /// wildcards): letters, digits, `-`, `.`, with at least one `.` and only letters after the
    /// last.
    HostHeader {
        /// The host names, such as `*.example.com`.
        values: Vec<String>,
    },
    /// An HTTP header matches one of the values (case insensitive; wildcards).
    HttpHeader {
        /// The header's name: 1-40 RFC 7230 token characters, not `Host`.
        name: String,
        /// The values.
        values: Vec<String>,
    },
    /// The query string contains one of the pairs.
    QueryString {
        /// The pairs.
        values: Vec<QueryStringMatch>,
    },
    /// The source address is in one of the CIDR blocks (IPv4 or IPv6, at most 5).
    SourceIp {
        /// The CIDR blocks.
        values: Vec<String>,
    },
    /// The request method is one of these (exact, case sensitive: `A-Z`, `-`, `_`, at most 40
    /// characters).
    HttpRequestMethod {
        /// The methods, such as `GET`.
        values: Vec<String>,
    },
}

fn strings<I: IntoIterator<Item = S>, S: Into<String>>(values: I) -> Vec<String> {
    values.into_iter().map(Into::into).collect()
}

impl RuleCondition {
    /// `path-pattern` on these patterns.
    pub fn path_pattern<I: IntoIterator<Item = S>, S: Into<String>>(values: I) -> Self {
        RuleCondition::PathPattern {
            values: strings(values),
        }
    }
    /// `host-header` on these host names.
    pub fn host_header<I: IntoIterator<Item = S>, S: Into<String>>(values: I) -> Self {
        RuleCondition::HostHeader {
            values: strings(values),
        }
    }
    /// `http-header` `name` with these values.
    pub fn http_header<I: IntoIterator<Item = S>, S: Into<String>>(name: impl Into<String>, values: I) -> Self {
        RuleCondition::HttpHeader {
            name: name.into(),
            values: strings(values),
        }
    }
    /// `query-string` with these `(key, value)` pairs.
    pub fn query_string<I: IntoIterator<Item = (Option<String>, String)>>(pairs: I) -> Self {
        RuleCondition::QueryString {
            values: pairs
                .into_iter()
                .map(|(key, value)| QueryStringMatch { key, value })
                .collect(),
        }
    }
    /// `source-ip` in these CIDR blocks.
    pub fn source_ip<I: IntoIterator<Item = S>, S: Into<String>>(values: I) -> Self {
        RuleCondition::SourceIp {
            values: strings(values),
        }
    }
    /// `http-request-method` among these methods.
    pub fn http_request_method<I: IntoIterator<Item = S>, S: Into<String>>(values: I) -> Self {
        RuleCondition::HttpRequestMethod {
            values: strings(values),
        }
    }

    /// The AWS field name (`path-pattern`, `host-header`, ...).
    pub fn field(&self) -> &'static str {
        match self {
            RuleCondition::PathPattern { .. } => "path-pattern",
            RuleCondition::HostHeader { .. } => "host-header",
            RuleCondition::HttpHeader { .. } => "http-header",
            RuleCondition::QueryString { .. } => "query-string",
            RuleCondition::SourceIp { .. } => "source-ip",
            RuleCondition::HttpRequestMethod { .. } => "http-request-method",
        }
    }

    /// The values, as strings (a query-string pair as `key=value`).
    fn value_strings(&self) -> Vec<String> {
        match self {
            RuleCondition::PathPattern { values }
            | RuleCondition::HostHeader { values }
            | RuleCondition::HttpHeader { values, .. }
            | RuleCondition::SourceIp { values }
            | RuleCondition::HttpRequestMethod { values } => values.clone(),
            RuleCondition::QueryString { values } => values
                .iter()
                .map(|m| match &m.key {
                    Some(k) => format!("{k}={}", m.value),
                    None => m.value.clone(),
                })
                .collect(),
        }
    }

    fn validate_at(&self, field: &str) -> Result<()> {
        let values = self.value_strings();
        let f = format!("{field}.values");
        validate::non_empty(&f, &values)?;
        let each = |ok: &dyn Fn(char) -> bool, what: &str| -> Result<()> {
            for v in &values {
                validate::len_in(&f, v, 1, MAX_CONDITION_VALUE_CHARS)?;
                if let Some(c) = v.chars().find(|c| !ok(*c)) {
                    return Err(Error::validation(f.as_str(), format!("{what} (got {c:?} in {v:?})")));
                }
            }
            Ok(())
        };
        match self {
            RuleCondition::PathPattern { .. } => each(
                &|c| c.is_ascii_alphanumeric() || "_-.$/~\"'@:+&*?".contains(c),
                "a path pattern has letters, digits and _ - . $ / ~ \" ' @ : + & * ?",
            ),
            RuleCondition::HostHeader { values } => {
                each(
                    &|c| c.is_ascii_alphanumeric() || "-.*?".contains(c),
                    "a host name has letters, digits and - . * ?",
                )?;
                for v in values {
                    // HostHeaderConditionConfig.Values: "You must include at least one "."
                    // character. You can include only alphabetical characters after the final
                    // "." character."
                    let last = v.rsplit_once('.').map(|(_, tail)| tail);
                    if !last.is_some_and(|t| t.chars().all(|c| c.is_ascii_alphabetic() || c == '*' || c == '?')) {
                        return Err(Error::validation(
                            f.as_str(),
                            format!("a host name needs a `.` and only letters after the last one (got {v:?})"),
                        ));
                    }
                }
                Ok(())
            }
            RuleCondition::HttpHeader { name, .. } => {
                let nf = format!("{field}.name");
                validate::len_in(&nf, name, 1, 40)?;
                // RFC 7230 token characters; wildcards are not supported.
                if !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "!#$%&'+-.^_`|~".contains(c))
                {
                    return Err(Error::validation(
                        nf,
                        format!("must be an HTTP header name (RFC 7230 token characters, no wildcards; got {name:?})"),
                    ));
                }
                if name.eq_ignore_ascii_case("host") {
                    return Err(Error::validation(nf, "use a host-header condition for the Host header"));
                }
                each(&|c| !c.is_control(), "values have no control characters")
            }
            RuleCondition::QueryString { values: pairs } => {
                for m in pairs {
                    validate::len_in(&f, &m.value, 1, MAX_CONDITION_VALUE_CHARS)?;
                    if let Some(k) = &m.key {
                        validate::len_in(&format!("{field}.key"), k, 1, MAX_CONDITION_VALUE_CHARS)?;
                    }
                }
                Ok(())
            }
            RuleCondition::SourceIp { values } => {
                validate::at_most(&f, values, 5)?;
                for v in values {
                    if !is_cidr(v) {
                        return Err(Error::validation(
                            f.as_str(),
                            format!("must be CIDR blocks such as 10.0.0.0/8 or 2001:db8::/32 (got {v:?})"),
                        ));
                    }
                }
                Ok(())
            }
            RuleCondition::HttpRequestMethod { values } => {
                for v in values {
                    validate::len_in(&f, v, 1, 40)?;
                }
                each(
                    &|c| c.is_ascii_uppercase() || c == '-' || c == '_',
                    "a method has A-Z, - and _",
                )
            }
        }
    }
}

fn is_cidr(s: &str) -> bool {
    let Some((ip, len)) = s.split_once('/') else {
        return false;
    };
    let Ok(len) = len.parse::<u8>() else { return false };
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => len <= 32,
        Ok(std::net::IpAddr::V6(_)) => len <= 128,
        Err(_) => false,
    }
}

/// Checks a rule's conditions: at least one, at most one each of `path-pattern`,
/// `host-header`, `source-ip` and `http-request-method`, every value valid, and at most
/// [`MAX_CONDITION_VALUES_PER_RULE`] values and [`MAX_CONDITION_WILDCARDS_PER_RULE`] wildcards
/// in all.
pub fn validate_conditions(field: &str, conditions: &[RuleCondition]) -> Result<()> {
    validate::non_empty(field, conditions)?;
    let mut values = 0;
    let mut wildcards = 0;
    for (i, c) in conditions.iter().enumerate() {
        let once = matches!(
            c,
            RuleCondition::PathPattern { .. }
                | RuleCondition::HostHeader { .. }
                | RuleCondition::SourceIp { .. }
                | RuleCondition::HttpRequestMethod { .. }
        );
        if once && conditions[..i].iter().any(|o| o.field() == c.field()) {
            return Err(Error::validation(
                field,
                format!("a rule has at most one {} condition", c.field()),
            ));
        }
        c.validate_at(&format!("{field}[{i}]"))?;
        let vs = c.value_strings();
        values += vs.len();
        wildcards += vs
            .iter()
            .map(|v| v.chars().filter(|c| *c == '*' || *c == '?').count())
            .sum::<usize>();
    }
    if values > MAX_CONDITION_VALUES_PER_RULE {
        return Err(Error::validation(
            field,
            format!("a rule has at most {MAX_CONDITION_VALUES_PER_RULE} condition values (got {values})"),
        ));
    }
    if wildcards > MAX_CONDITION_WILDCARDS_PER_RULE {
        return Err(Error::validation(
            field,
            format!("a rule has at most {MAX_CONDITION_WILDCARDS_PER_RULE} wildcards (got {wildcards})"),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Actions

crate::macros::open_enum! {
    /// A redirect's HTTP status code.
    #[derive(Default)]
    pub enum RedirectStatusCode {
        /// 301, permanent (the default).
        #[default]
        Http301 = "HTTP_301",
        /// 302, temporary.
        Http302 = "HTTP_302",
    }
}

/// A redirect: each URI component is a value or a reserved keyword that keeps the request's
/// (`#{protocol}`, `#{host}`, `#{port}`, `/#{path}`, `#{query}`, the defaults, as AWS reports
/// them). At least one of protocol, host, port and path must change (no redirect loop).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct RedirectConfig {
    /// `HTTP`, `HTTPS` or `#{protocol}` (HTTPS cannot redirect to HTTP).
    #[builder(default = "#{protocol}".to_string())]
    pub protocol: String,
    /// A port 1-65535 or `#{port}`.
    #[builder(default = "#{port}".to_string())]
    pub port: String,
    /// The host name: 1-128 characters, may contain `#{host}`.
    #[builder(default = "#{host}".to_string())]
    pub host: String,
    /// The absolute path: 1-128 characters starting with `/`; may contain `#{host}`,
    /// `#{path}`, `#{port}`.
    #[builder(default = "/#{path}".to_string())]
    pub path: String,
    /// The query without the leading `?`: 0-128 characters.
    #[builder(default = "#{query}".to_string())]
    pub query: String,
    /// 301 (default) or 302.
    #[builder(default)]
    pub status_code: RedirectStatusCode,
}
validated_builder!(RedirectConfig, RedirectConfigBuilder, redirect_config_builder);

impl Validate for RedirectConfig {
    fn validate(&self) -> Result<()> {
        self.validate_at("redirect")
    }
}

impl RedirectConfig {
    /// To HTTPS on `port`, same host, path and query, permanent (301).
    pub fn to_https(port: u16) -> Self {
        RedirectConfig::builder()
            .protocol("HTTPS")
            .port(port.to_string())
            .build_unchecked()
    }

    fn validate_at(&self, field: &str) -> Result<()> {
        let f = |n: &str| format!("{field}.{n}");
        // RedirectActionProtocol pattern `^(HTTPS?|#\{protocol\})$`.
        if !matches!(self.protocol.as_str(), "HTTP" | "HTTPS" | "#{protocol}") {
            return Err(Error::validation(
                f("protocol"),
                format!("must be HTTP, HTTPS or #{{protocol}} (got {:?})", self.protocol),
            ));
        }
        if self.port != "#{port}" && !self.port.parse::<u16>().is_ok_and(|p| p >= 1) {
            return Err(Error::validation(
                f("port"),
                format!("must be a port 1-65535 or #{{port}} (got {:?})", self.port),
            ));
        }
        validate::len_in(&f("host"), &self.host, 1, 128)?;
        validate::len_in(&f("path"), &self.path, 1, 128)?;
        if !self.path.starts_with('/') {
            return Err(Error::validation(
                f("path"),
                format!("must start with `/` (got {:?})", self.path),
            ));
        }
        validate::len_in(&f("query"), &self.query, 0, 128)?;
        if let RedirectStatusCode::Unknown(s) = &self.status_code {
            return Err(Error::validation(
                f("status_code"),
                format!("must be HTTP_301 or HTTP_302 (got {s:?})"),
            ));
        }
        if self.protocol == "#{protocol}" && self.port == "#{port}" && self.host == "#{host}" && self.path == "/#{path}"
        {
            return Err(Error::validation(
                field,
                "must change the protocol, host, port or path (a redirect to the same URI loops)",
            ));
        }
        Ok(())
    }
}

/// A fixed response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct FixedResponseConfig {
    /// The status code: 2XX, 4XX or 5XX (model pattern `^(2|4|5)\d\d$`).
    pub status_code: u16,
    /// The content type: one of [`FIXED_RESPONSE_CONTENT_TYPES`].
    pub content_type: Option<String>,
    /// The body: at most 1024 characters.
    pub message_body: Option<String>,
}
validated_builder!(
    FixedResponseConfig,
    FixedResponseConfigBuilder,
    fixed_response_config_builder
);

impl Validate for FixedResponseConfig {
    fn validate(&self) -> Result<()> {
        self.validate_at("fixed_response")
    }
}

impl FixedResponseConfig {
    fn validate_at(&self, field: &str) -> Result<()> {
        let code = self.status_code;
        if !matches!(code, 200..=299 | 400..=599) {
            return Err(Error::validation(
                format!("{field}.status_code"),
                format!("must be 2XX, 4XX or 5XX (got {code})"),
            ));
        }
        if let Some(t) = &self.content_type
            && !FIXED_RESPONSE_CONTENT_TYPES.contains(&t.as_str())
        {
            return Err(Error::validation(
                format!("{field}.content_type"),
                format!("must be one of {} (got {t:?})", FIXED_RESPONSE_CONTENT_TYPES.join(", ")),
            ));
        }
        if let Some(b) = &self.message_body {
            validate::len_in(&format!("{field}.message_body"), b, 0, 1024)?;
        }
        Ok(())
    }
}

/// A target group of a weighted forward and its weight (0-999; traffic is split in proportion
/// to the weights).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeightedTargetGroup {
    /// The target group.
    pub arn: TargetGroupArn,
    /// Its weight, 0-999.
    pub weight: u16,
}

/// A forward to several target groups by weight, optionally sticky.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForwardConfig {
    /// The target groups: 1-5, each once.
    pub target_groups: Vec<WeightedTargetGroup>,
    /// Target group stickiness: requests from a client go to the same target group for this
    /// many seconds (1-604800); `None`: off.
    pub stickiness_secs: Option<u32>,
}

impl ForwardConfig {
    fn validate_at(&self, field: &str) -> Result<()> {
        let f = format!("{field}.target_groups");
        validate::non_empty(&f, &self.target_groups)?;
        validate::at_most(&f, &self.target_groups, MAX_TARGET_GROUPS_PER_ACTION)?;
        for (i, g) in self.target_groups.iter().enumerate() {
            validate::in_range(&format!("{f}[{i}].weight"), g.weight, 0, MAX_TARGET_GROUP_WEIGHT)?;
            if self.target_groups[..i].iter().any(|o| o.arn == g.arn) {
                return Err(Error::validation(f.as_str(), format!("lists {} twice", g.arn)));
            }
        }
        if let Some(s) = self.stickiness_secs {
            validate::in_range(&format!("{field}.stickiness_secs"), s, 1, MAX_STICKINESS_SECS)?;
        }
        Ok(())
    }
}

/// What a rule (or a listener's default rule) does with a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Action {
    /// Forward to one target group.
    Forward {
        /// The target group.
        target_group: TargetGroupArn,
    },
    /// Forward to target groups by weight (AWS's `forward` with a `ForwardConfig`). AWS reports
    /// a forward to one group without stickiness as [`Action::Forward`].
    WeightedForward(ForwardConfig),
    /// Redirect.
    Redirect(RedirectConfig),
    /// Answer with a fixed response.
    FixedResponse(FixedResponseConfig),
    /// An action this crate does not model (`authenticate-oidc`, `authenticate-cognito`,
    /// `jwt-validation`, or one newer than the crate), read back by its type; requests refuse
    /// it.
    Other {
        /// The AWS action type.
        kind: String,
    },
}

impl Action {
    /// Forward to `target_group`.
    pub fn forward(target_group: TargetGroupArn) -> Self {
        Action::Forward { target_group }
    }

    /// Forward to target groups by `(group, weight)`, without stickiness.
    pub fn weighted_forward<I: IntoIterator<Item = (TargetGroupArn, u16)>>(groups: I) -> Self {
        Action::WeightedForward(ForwardConfig {
            target_groups: groups
                .into_iter()
                .map(|(arn, weight)| WeightedTargetGroup { arn, weight })
                .collect(),
            stickiness_secs: None,
        })
    }

    /// The AWS action type (`forward`, `redirect`, `fixed-response`, ...).
    pub fn kind(&self) -> &str {
        match self {
            Action::Forward { .. } | Action::WeightedForward(_) => "forward",
            Action::Redirect(_) => "redirect",
            Action::FixedResponse(_) => "fixed-response",
            Action::Other { kind } => kind,
        }
    }

    /// The target groups it forwards to.
    pub fn target_groups(&self) -> Vec<&TargetGroupArn> {
        match self {
            Action::Forward { target_group } => vec![target_group],
            Action::WeightedForward(c) => c.target_groups.iter().map(|g| &g.arn).collect(),
            _ => Vec::new(),
        }
    }
}

/// Checks a list of actions for a rule or a listener's default rule: exactly one routing
/// action (`forward`, `redirect` or `fixed-response`; model shape `Action`: "Each rule must
/// include exactly one of the following routing actions"), none this crate does not model, and
/// each one's settings.
pub fn validate_actions(field: &str, actions: &[Action]) -> Result<()> {
    validate::non_empty(field, actions)?;
    for (i, a) in actions.iter().enumerate() {
        let f = format!("{field}[{i}]");
        match a {
            Action::Forward { .. } => {}
            Action::WeightedForward(c) => c.validate_at(&f)?,
            Action::Redirect(c) => c.validate_at(&f)?,
            Action::FixedResponse(c) => c.validate_at(&f)?,
            Action::Other { kind } => {
                return Err(Error::validation(
                    f,
                    format!("action type {kind:?} cannot be sent by this crate (forward, redirect, fixed-response)"),
                ));
            }
        }
        if actions[..i].iter().any(|o| o.kind() == a.kind()) {
            return Err(Error::validation(
                field,
                format!("has more than one {} action", a.kind()),
            ));
        }
    }
    if actions.len() > 1 {
        return Err(Error::validation(
            field,
            "give exactly one routing action (forward, redirect or fixed-response)",
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Rules

/// A listener rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
pub struct Rule {
    /// Its ARN.
    pub arn: RuleArn,
    /// Its priority (1-50000), `None` for the default rule (evaluated last).
    pub priority: Option<u32>,
    /// Whether it is the listener's default rule (its actions are the listener's default
    /// actions; it has no conditions and cannot be deleted).
    #[builder(default)]
    pub is_default: bool,
    /// Its conditions (all must match).
    #[builder(default)]
    pub conditions: Vec<RuleCondition>,
    /// Its actions.
    #[builder(default)]
    pub actions: Vec<Action>,
}

/// A request to add a rule to a listener.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""))]
pub struct CreateRuleRequest {
    /// The listener.
    pub listener_arn: ListenerArn,
    /// The priority: 1-50000, unique within the listener (lower is evaluated first).
    pub priority: u32,
    /// The conditions (see [`validate_conditions`]).
    pub conditions: Vec<RuleCondition>,
    /// The actions (see [`validate_actions`]).
    pub actions: Vec<Action>,
    /// Tags.
    #[builder(default)]
    pub tags: Tags,
}
validated_builder!(CreateRuleRequest, CreateRuleRequestBuilder, create_rule_request_builder);

impl Validate for CreateRuleRequest {
    fn validate(&self) -> Result<()> {
        validate::in_range("priority", self.priority, MIN_RULE_PRIORITY, MAX_RULE_PRIORITY)?;
        validate_conditions("conditions", &self.conditions)?;
        validate_actions("actions", &self.actions)?;
        validate::tags_with("tags", &self.tags, TAG_RULES)
    }
}

/// A request to replace a rule's conditions or actions (what is `None` is unchanged).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""))]
pub struct ModifyRuleRequest {
    /// The rule.
    pub rule_arn: RuleArn,
    /// The new conditions (the whole list).
    pub conditions: Option<Vec<RuleCondition>>,
    /// The new actions (the whole list).
    pub actions: Option<Vec<Action>>,
}
validated_builder!(ModifyRuleRequest, ModifyRuleRequestBuilder, modify_rule_request_builder);

impl Validate for ModifyRuleRequest {
    fn validate(&self) -> Result<()> {
        if self.conditions.is_none() && self.actions.is_none() {
            return Err(Error::validation("conditions", "give conditions, actions or both"));
        }
        if let Some(c) = &self.conditions {
            validate_conditions("conditions", c)?;
        }
        if let Some(a) = &self.actions {
            validate_actions("actions", a)?;
        }
        Ok(())
    }
}

/// Which rules to describe: those of a listener (in priority order, the default rule last) or
/// these (one of the two).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""))]
pub struct DescribeRulesRequest {
    /// The listener.
    pub listener_arn: Option<ListenerArn>,
    /// The rules.
    #[builder(default)]
    pub rule_arns: Vec<RuleArn>,
}
validated_builder!(
    DescribeRulesRequest,
    DescribeRulesRequestBuilder,
    describe_rules_request_builder
);

impl Validate for DescribeRulesRequest {
    fn validate(&self) -> Result<()> {
        // ELBv2 API reference, DescribeRules: "You must specify either a listener or rules."
        match (&self.listener_arn, self.rule_arns.is_empty()) {
            (Some(_), false) => Err(Error::validation("rule_arns", "give a listener or rules, not both")),
            (None, true) => Err(Error::validation("listener_arn", "give a listener or rules")),
            _ => Ok(()),
        }
    }
}

/// A rule and the priority to give it (SetRulePriorities).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulePriority {
    /// The rule.
    pub rule_arn: RuleArn,
    /// Its new priority, 1-50000.
    pub priority: u32,
}

/// Checks a SetRulePriorities call: at least one rule, each once, priorities 1-50000 (two
/// rules of one listener with the same priority are the service's `PriorityInUse`).
pub fn validate_rule_priorities(priorities: &[RulePriority]) -> Result<()> {
    validate::non_empty("priorities", priorities)?;
    for (i, p) in priorities.iter().enumerate() {
        validate::in_range("priorities.priority", p.priority, MIN_RULE_PRIORITY, MAX_RULE_PRIORITY)?;
        if priorities[..i].iter().any(|o| o.rule_arn == p.rule_arn) {
            return Err(Error::validation("priorities", format!("lists {} twice", p.rule_arn)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(e: Error) -> String {
        match e {
            Error::Validation { field, .. } => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    fn listener() -> ListenerArn {
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2"
            .parse()
            .unwrap()
    }

    fn tg(n: u8) -> TargetGroupArn {
        format!("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg{n}/6d0ecf831eec9f0{n}")
            .parse()
            .unwrap()
    }

    fn rule(conditions: Vec<RuleCondition>, actions: Vec<Action>) -> Result<CreateRuleRequest> {
        CreateRuleRequest::builder()
            .listener_arn(listener())
            .priority(10)
            .conditions(conditions)
            .actions(actions)
            .build()
    }

    #[test]
    fn priorities_are_1_to_50000() {
        let b = |p| {
            CreateRuleRequest::builder()
                .listener_arn(listener())
                .priority(p)
                .conditions(vec![RuleCondition::path_pattern(["/api/*"])])
                .actions(vec![Action::forward(tg(1))])
                .build()
        };
        assert!(b(1).is_ok());
        assert!(b(50_000).is_ok());
        assert_eq!(field_of(b(0).unwrap_err()), "priority");
        assert_eq!(field_of(b(50_001).unwrap_err()), "priority");
    }

    #[test]
    fn condition_rules() {
        let fwd = || vec![Action::forward(tg(1))];
        assert_eq!(field_of(rule(vec![], fwd()).unwrap_err()), "conditions");
        assert!(rule(vec![RuleCondition::host_header(["*.example.com"])], fwd()).is_ok());
        assert!(rule(vec![RuleCondition::host_header(["localhost"])], fwd()).is_err());
        assert!(rule(vec![RuleCondition::host_header(["a.b_c.com"])], fwd()).is_err());
        assert!(rule(vec![RuleCondition::path_pattern(["/a b"])], fwd()).is_err());
        assert!(rule(vec![RuleCondition::path_pattern(["/".repeat(129)])], fwd()).is_err());
        assert!(rule(vec![RuleCondition::path_pattern([""])], fwd()).is_err());
        assert!(rule(vec![RuleCondition::path_pattern(Vec::<String>::new())], fwd()).is_err());
        // At most one path-pattern; http-header may repeat.
        let two = vec![RuleCondition::path_pattern(["/a"]), RuleCondition::path_pattern(["/b"])];
        assert_eq!(field_of(rule(two, fwd()).unwrap_err()), "conditions");
        let headers = vec![
            RuleCondition::http_header("X-Env", ["blue"]),
            RuleCondition::http_header("X-Tier", ["web"]),
        ];
        assert!(rule(headers, fwd()).is_ok());
        assert!(rule(vec![RuleCondition::http_header("Host", ["x"])], fwd()).is_err());
        assert!(rule(vec![RuleCondition::http_header("X Env", ["x"])], fwd()).is_err());
        assert!(rule(vec![RuleCondition::source_ip(["10.0.0.0/8", "2001:db8::/32"])], fwd()).is_ok());
        assert!(rule(vec![RuleCondition::source_ip(["10.0.0.0"])], fwd()).is_err());
        assert!(rule(vec![RuleCondition::http_request_method(["GET", "HEAD"])], fwd()).is_ok());
        assert!(rule(vec![RuleCondition::http_request_method(["get"])], fwd()).is_err());
        assert!(
            rule(
                vec![RuleCondition::query_string([(Some("v".into()), "2".into())])],
                fwd()
            )
            .is_ok()
        );
        // Five values in all; five wildcards in all.
        let six = vec![
            RuleCondition::path_pattern(["/a", "/b", "/c"]),
            RuleCondition::host_header(["a.com", "b.com", "c.com"]),
        ];
        assert_eq!(field_of(rule(six, fwd()).unwrap_err()), "conditions");
        let wild = vec![RuleCondition::path_pattern(["/*/*/*", "/?/?/?"])];
        assert_eq!(field_of(rule(wild, fwd()).unwrap_err()), "conditions");
    }

    #[test]
    fn action_rules() {
        let cond = || vec![RuleCondition::path_pattern(["/api/*"])];
        assert_eq!(field_of(rule(cond(), vec![]).unwrap_err()), "actions");
        assert!(rule(cond(), vec![Action::weighted_forward([(tg(1), 80), (tg(2), 20)])]).is_ok());
        let dup = Action::weighted_forward([(tg(1), 80), (tg(1), 20)]);
        assert_eq!(
            field_of(rule(cond(), vec![dup]).unwrap_err()),
            "actions[0].target_groups"
        );
        let heavy = Action::weighted_forward([(tg(1), 1000)]);
        assert_eq!(
            field_of(rule(cond(), vec![heavy]).unwrap_err()),
            "actions[0].target_groups[0].weight"
        );
        let six = Action::weighted_forward((1..=6).map(|n| (tg(n), 1)));
        assert_eq!(
            field_of(rule(cond(), vec![six]).unwrap_err()),
            "actions[0].target_groups"
        );
        let sticky = |s| {
            Action::WeightedForward(ForwardConfig {
                target_groups: vec![WeightedTargetGroup { arn: tg(1), weight: 1 }],
                stickiness_secs: Some(s),
            })
        };
        assert!(rule(cond(), vec![sticky(3600)]).is_ok());
        assert_eq!(
            field_of(rule(cond(), vec![sticky(0)]).unwrap_err()),
            "actions[0].stickiness_secs"
        );
        assert!(rule(cond(), vec![sticky(604_801)]).is_err());
        // One routing action.
        let two = vec![Action::forward(tg(1)), Action::forward(tg(2))];
        assert_eq!(field_of(rule(cond(), two).unwrap_err()), "actions");
        let mixed = vec![
            Action::forward(tg(1)),
            Action::FixedResponse(FixedResponseConfig::builder().status_code(404).build().unwrap()),
        ];
        assert_eq!(field_of(rule(cond(), mixed).unwrap_err()), "actions");
        let other = vec![Action::Other {
            kind: "authenticate-oidc".into(),
        }];
        assert_eq!(field_of(rule(cond(), other).unwrap_err()), "actions[0]");
    }

    #[test]
    fn redirect_and_fixed_response_rules() {
        assert!(RedirectConfig::builder().build().is_err(), "a redirect to itself loops");
        let https = RedirectConfig::to_https(443);
        assert_eq!(
            (https.host.as_str(), https.path.as_str(), https.query.as_str()),
            ("#{host}", "/#{path}", "#{query}")
        );
        assert!(RedirectConfig::builder().host("example.com").build().is_ok());
        assert!(RedirectConfig::builder().protocol("FTP").port("21").build().is_err());
        assert!(RedirectConfig::builder().port("0").build().is_err());
        assert!(RedirectConfig::builder().port("8443").build().is_ok());
        assert!(RedirectConfig::builder().path("new").build().is_err());
        assert!(
            RedirectConfig::builder()
                .path("/new/#{path}")
                .status_code(RedirectStatusCode::Http302)
                .build()
                .is_ok()
        );
        assert!(RedirectConfig::builder().host("x".repeat(129)).build().is_err());
        let fixed = |code, ct: Option<&str>| {
            let mut b = FixedResponseConfig::builder().status_code(code).build_unchecked();
            b.content_type = ct.map(str::to_string);
            b.validate_at("f")
        };
        assert!(fixed(200, Some("text/plain")).is_ok());
        assert!(fixed(503, Some("application/json")).is_ok());
        assert!(fixed(302, None).is_err());
        assert!(fixed(600, None).is_err());
        assert!(fixed(199, None).is_err());
        assert!(fixed(404, Some("image/png")).is_err());
        let long = FixedResponseConfig::builder()
            .status_code(200)
            .message_body("x".repeat(1025))
            .build();
        assert!(long.is_err());
    }

    #[test]
    fn describe_modify_and_priorities() {
        let arn: RuleArn = format!(
            "{}/0123456789abcdef",
            listener().as_str().replacen(":listener/", ":listener-rule/", 1)
        )
        .parse()
        .unwrap();
        assert!(DescribeRulesRequest::builder().build().is_err());
        assert!(DescribeRulesRequest::builder().listener_arn(listener()).build().is_ok());
        assert!(
            DescribeRulesRequest::builder()
                .listener_arn(listener())
                .rule_arns(vec![arn.clone()])
                .build()
                .is_err()
        );
        assert!(ModifyRuleRequest::builder().rule_arn(arn.clone()).build().is_err());
        assert!(
            ModifyRuleRequest::builder()
                .rule_arn(arn.clone())
                .actions(vec![Action::forward(tg(1))])
                .build()
                .is_ok()
        );
        let p = |n| RulePriority {
            rule_arn: arn.clone(),
            priority: n,
        };
        assert!(validate_rule_priorities(&[p(5)]).is_ok());
        assert!(validate_rule_priorities(&[]).is_err());
        assert!(validate_rule_priorities(&[p(0)]).is_err());
        assert!(validate_rule_priorities(&[p(5), p(6)]).is_err(), "the same rule twice");
    }

    #[test]
    fn serde_by_aws_names() {
        let c = RuleCondition::path_pattern(["/api/*"]);
        assert_eq!(
            serde_json::to_value(&c).unwrap(),
            serde_json::json!({"field": "path-pattern", "values": ["/api/*"]})
        );
        let a = Action::forward(tg(1));
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(v["type"], "forward");
        assert_eq!(serde_json::from_value::<Action>(v).unwrap(), a);
    }
}
