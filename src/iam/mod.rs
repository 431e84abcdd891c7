//! Least privilege: the IAM action of every operation, IAM policy documents, the policy each
//! workflow needs, and a layer that enforces a policy (on the simulator or any backend).
//!
//! - Every operation of the five service traits names its IAM action in the trait's operation
//!   list ([`EC2_IAM_ACTIONS`](crate::ec2::EC2_IAM_ACTIONS), ...; a layer sees it as
//!   [`Op::iam_action`](crate::layer::Op::iam_action)). Most are `service:Operation`; Lambda's
//!   `Invoke` is `lambda:InvokeFunction`.
//! - [`Policy`] is an IAM identity policy document (serde gives the JSON IAM takes), with the
//!   evaluation IAM applies to it: explicit deny wins, then any allow, else deny.
//! - Workflows produce the policy they need for apply, re-apply, scale and destroy
//!   ([`WebTier::iam_policy`](crate::workflows::web_tier::WebTier::iam_policy), ...), scoped by
//!   ARN and by the workflow's ownership tags wherever IAM has a condition for the action.
//! - [`Enforce`] is a layer that authorizes every call against a policy before it is made, with
//!   the resources and tags IAM would see ([`requests`]), and answers the service's own
//!   access-denied error otherwise. Over the simulator it reads resource tags from the
//!   simulated region ([`SimCloud::enforce`](crate::sim::SimCloud::enforce)).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> aws_facade::Result<()> {
//! use aws_facade::iam::{Policy, Statement};
//! use aws_facade::sim::SimCloud;
//! let sim = SimCloud::new();
//! let policy = Policy::new(vec![Statement::allow(["ec2:DescribeVpcs"], ["*"])]);
//! let cloud = sim.cloud().layer(sim.enforce(policy)?);
//! assert!(cloud.ec2.default_vpc().await.is_ok());
//! let vpc = cloud.ec2.default_vpc().await?;
//! let denied = cloud.ec2.describe_subnets(vpc.id).await.unwrap_err();
//! assert!(denied.is_access_denied(), "{denied}");
//! # Ok(()) }
//! ```
//!
//! What [`Enforce`] models: identity policies with `Allow`/`Deny`, `Action`/`NotAction`,
//! `Resource`, wildcards (`*`, `?`), and the condition operators listed at [`ConditionOp`]
//! on the keys `aws:RequestTag/K`, `aws:ResourceTag/K`, `aws:TagKeys`, `ec2:CreateAction`,
//! `elasticloadbalancing:CreateAction`, `iam:PassedToService` and `cloudwatch:namespace`.
//! It does not model resource-based policies, service control policies, permission
//! boundaries, session policies, `NotResource`, policy variables or other condition keys
//! (a statement with an unsupported operator is refused when the layer is made).

mod layer;
mod owned;
mod requests;

pub use layer::{Denial, Enforce, ResourceTags};
pub use owned::{PolicyBuilder, alarm_arn, autoscaling_group_arn, ec2_arn, elb_arn, function_arns};
pub use requests::{AccessRequest, Arn, requests};

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The policy language version every document here uses.
pub const POLICY_VERSION: &str = "2012-10-17";

/// An IAM identity policy document.
///
/// ```
/// use aws_facade::iam::{Policy, Statement};
/// let p = Policy::new(vec![Statement::allow(["ec2:DescribeInstances"], ["*"]).sid("Read")]);
/// let json = serde_json::to_value(&p).unwrap();
/// assert_eq!(json["Version"], "2012-10-17");
/// assert_eq!(json["Statement"][0]["Action"][0], "ec2:DescribeInstances");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Policy {
    /// `2012-10-17`.
    pub version: String,
    /// The statements.
    #[serde(deserialize_with = "one_or_many")]
    pub statement: Vec<Statement>,
}

/// Allow or deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effect {
    /// The statement allows what it matches.
    Allow,
    /// The statement denies what it matches, whatever else allows it.
    Deny,
}

/// Condition operator → condition key → values (a request matches a key if it matches any of
/// its values, and a statement's conditions if it matches all of them).
pub type Conditions = BTreeMap<String, BTreeMap<String, Vec<String>>>;

/// One statement of a [`Policy`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Statement {
    /// Statement id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Allow or deny.
    pub effect: Effect,
    /// The actions (`service:Action`, wildcards allowed; case-insensitive).
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "one_or_many")]
    pub action: Vec<String>,
    /// Every action except these (instead of `action`).
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "one_or_many")]
    pub not_action: Vec<String>,
    /// The resource ARNs (wildcards allowed; case-sensitive).
    #[serde(deserialize_with = "one_or_many")]
    pub resource: Vec<String>,
    /// Conditions (all must hold).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "conditions")]
    pub condition: Conditions,
}

/// The condition operators [`Policy::evaluate`] understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConditionOp {
    /// `StringEquals`: the key has a value equal to one of the values.
    StringEquals,
    /// `StringNotEquals`: the key is absent or has none of the values.
    StringNotEquals,
    /// `StringLike`: like `StringEquals`, with `*` and `?` wildcards.
    StringLike,
    /// `StringNotLike`.
    StringNotLike,
    /// `Null`: `"true"` if the key must be absent, `"false"` if present.
    Null,
    /// `ForAllValues:StringEquals`: every value of the (multi-valued) key is one of the values.
    ForAllValuesStringEquals,
    /// `ForAnyValue:StringEquals`: some value of the key is one of the values.
    ForAnyValueStringEquals,
}

impl ConditionOp {
    /// The operator named `s` in a policy document (`...IfExists` forms are not supported).
    pub fn from_name(s: &str) -> Option<Self> {
        Some(match s {
            "StringEquals" => Self::StringEquals,
            "StringNotEquals" => Self::StringNotEquals,
            "StringLike" => Self::StringLike,
            "StringNotLike" => Self::StringNotLike,
            "Null" => Self::Null,
            "ForAllValues:StringEquals" => Self::ForAllValuesStringEquals,
            "ForAnyValue:StringEquals" => Self::ForAnyValueStringEquals,
            _ => return None,
        })
    }
}

/// What a policy says about a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// A statement allows it and none denies it.
    Allow,
    /// No statement allows it (IAM's default).
    ImplicitDeny,
    /// The statement with this index (and sid, if any) denies it.
    ExplicitDeny(usize, Option<String>),
}

impl Policy {
    /// A `2012-10-17` document with `statements`.
    pub fn new(statements: Vec<Statement>) -> Self {
        Policy {
            version: POLICY_VERSION.into(),
            statement: statements,
        }
    }

    /// Checks the document is one [`Policy::evaluate`] understands: version `2012-10-17`,
    /// every statement with an action (or not-action) and a resource, and only the operators
    /// of [`ConditionOp`]. The error names the statement and field.
    pub fn validate(&self) -> Result<()> {
        if self.version != POLICY_VERSION {
            return Err(Error::validation(
                "Version",
                format!("must be {POLICY_VERSION} (got {:?})", self.version),
            ));
        }
        for (i, s) in self.statement.iter().enumerate() {
            let at = |f: &str| format!("Statement[{i}].{f}");
            if s.action.is_empty() == s.not_action.is_empty() {
                return Err(Error::validation(
                    at("Action"),
                    "exactly one of Action and NotAction must be set",
                ));
            }
            if s.resource.is_empty() {
                return Err(Error::validation(
                    at("Resource"),
                    "must name at least one resource (or \"*\")",
                ));
            }
            for op in s.condition.keys() {
                if ConditionOp::from_name(op).is_none() {
                    return Err(Error::validation(
                        at("Condition"),
                        format!("operator {op:?} is not one the enforcing layer evaluates (see iam::ConditionOp)"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Every action the policy allows somewhere, as written (sorted, deduplicated).
    pub fn allowed_actions(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .statement
            .iter()
            .filter(|s| s.effect == Effect::Allow)
            .flat_map(|s| s.action.iter().cloned())
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// IAM's evaluation of one request: an explicit deny wins, then any allow; otherwise the
    /// request is implicitly denied.
    pub fn evaluate(&self, req: &AccessRequest) -> Decision {
        let mut allowed = false;
        for (i, s) in self.statement.iter().enumerate() {
            if !s.matches(req) {
                continue;
            }
            match s.effect {
                Effect::Deny => return Decision::ExplicitDeny(i, s.sid.clone()),
                Effect::Allow => allowed = true,
            }
        }
        if allowed {
            Decision::Allow
        } else {
            Decision::ImplicitDeny
        }
    }

    /// The JSON IAM takes, pretty-printed.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("a policy always serialises")
    }

    /// This policy without statement `index` (for minimality tests).
    pub fn without_statement(&self, index: usize) -> Policy {
        let mut p = self.clone();
        p.statement.remove(index);
        p
    }

    /// This policy without `action` in statement `index` (the statement goes if it was its
    /// only action).
    pub fn without_action(&self, index: usize, action: &str) -> Policy {
        let mut p = self.clone();
        p.statement[index].action.retain(|a| a != action);
        if p.statement[index].action.is_empty() {
            p.statement.remove(index);
        }
        p
    }
}

impl Statement {
    /// An `Allow` statement for `actions` on `resources`, without conditions.
    pub fn allow<A: Into<String>, R: Into<String>>(
        actions: impl IntoIterator<Item = A>,
        resources: impl IntoIterator<Item = R>,
    ) -> Self {
        Statement {
            sid: None,
            effect: Effect::Allow,
            action: actions.into_iter().map(Into::into).collect(),
            not_action: Vec::new(),
            resource: resources.into_iter().map(Into::into).collect(),
            condition: Conditions::new(),
        }
    }

    /// A `Deny` statement for `actions` on `resources`.
    pub fn deny<A: Into<String>, R: Into<String>>(
        actions: impl IntoIterator<Item = A>,
        resources: impl IntoIterator<Item = R>,
    ) -> Self {
        Statement {
            effect: Effect::Deny,
            ..Self::allow(actions, resources)
        }
    }

    /// Sets the statement id.
    pub fn sid(mut self, sid: impl Into<String>) -> Self {
        self.sid = Some(sid.into());
        self
    }

    /// Adds a condition: `op` (e.g. `StringEquals`) on `key` with `values`.
    pub fn condition<V: Into<String>>(
        mut self,
        op: &str,
        key: impl Into<String>,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        self.condition
            .entry(op.to_string())
            .or_default()
            .entry(key.into())
            .or_default()
            .extend(values.into_iter().map(Into::into));
        self
    }

    /// Adds `StringEquals` on `aws:ResourceTag/K` for each of `tags`.
    pub fn resource_tags(self, tags: &crate::Tags) -> Self {
        tags.iter().fold(self, |s, (k, v)| {
            s.condition("StringEquals", format!("aws:ResourceTag/{k}"), [v.clone()])
        })
    }

    /// Adds `StringEquals` on `aws:RequestTag/K` for each of `tags`.
    pub fn request_tags(self, tags: &crate::Tags) -> Self {
        tags.iter().fold(self, |s, (k, v)| {
            s.condition("StringEquals", format!("aws:RequestTag/{k}"), [v.clone()])
        })
    }

    fn matches(&self, req: &AccessRequest) -> bool {
        let action_listed = |list: &[String]| {
            list.iter()
                .any(|a| wildcard(&a.to_ascii_lowercase(), &req.action.to_ascii_lowercase()))
        };
        let action = if self.action.is_empty() {
            !action_listed(&self.not_action)
        } else {
            action_listed(&self.action)
        };
        action
            && self.resource.iter().any(|r| wildcard(r, &req.resource))
            && self.condition.iter().all(|(op, keys)| {
                let Some(op) = ConditionOp::from_name(op) else {
                    // Unknown operators are refused by `validate`; here they never match, so
                    // an Allow with one allows nothing (a Deny with one is made to match).
                    return self.effect == Effect::Deny;
                };
                keys.iter()
                    .all(|(key, values)| condition_holds(op, req.context.get(key), values))
            })
    }
}

fn condition_holds(op: ConditionOp, actual: Option<&Vec<String>>, values: &[String]) -> bool {
    let any_eq = |a: &Vec<String>| a.iter().any(|x| values.iter().any(|v| v == x));
    let any_like = |a: &Vec<String>| a.iter().any(|x| values.iter().any(|v| wildcard(v, x)));
    match op {
        ConditionOp::StringEquals => actual.is_some_and(any_eq),
        ConditionOp::StringNotEquals => !actual.is_some_and(any_eq),
        ConditionOp::StringLike => actual.is_some_and(any_like),
        ConditionOp::StringNotLike => !actual.is_some_and(any_like),
        ConditionOp::Null => {
            let absent = actual.is_none_or(Vec::is_empty);
            values.iter().any(|v| (v == "true") == absent)
        }
        // IAM: ForAllValues is true when the key is absent (every one of no values matches).
        ConditionOp::ForAllValuesStringEquals => actual.is_none_or(|a| a.iter().all(|x| values.contains(x))),
        ConditionOp::ForAnyValueStringEquals => actual.is_some_and(any_eq),
    }
}

/// IAM's wildcard match: `*` any run of characters, `?` any one.
pub fn wildcard(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0usize, 0usize, None::<usize>, 0usize);
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

fn one_or_many<'de, D, T>(d: D) -> std::result::Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany<T> {
        One(T),
        Many(Vec<T>),
    }
    Ok(match OneOrMany::<T>::deserialize(d)? {
        OneOrMany::One(t) => vec![t],
        OneOrMany::Many(v) => v,
    })
}

fn conditions<'de, D>(d: D) -> std::result::Result<Conditions, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    let raw: BTreeMap<String, BTreeMap<String, OneOrMany>> = Deserialize::deserialize(d)?;
    Ok(raw
        .into_iter()
        .map(|(op, keys)| {
            let keys = keys
                .into_iter()
                .map(|(k, v)| {
                    let v = match v {
                        OneOrMany::One(s) => vec![s],
                        OneOrMany::Many(v) => v,
                    };
                    (k, v)
                })
                .collect();
            (op, keys)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn req(action: &str, resource: &str, ctx: &[(&str, &str)]) -> AccessRequest {
        let mut r = AccessRequest::new(action, resource);
        for (k, v) in ctx {
            r.context.entry(k.to_string()).or_default().push(v.to_string());
        }
        r
    }

    #[test]
    fn wildcards_match_as_iam_does() {
        assert!(wildcard("*", ""));
        assert!(wildcard("ec2:Describe*", "ec2:DescribeInstances"));
        assert!(wildcard(
            "arn:aws:ec2:*:*:instance/*",
            "arn:aws:ec2:us-east-1:1:instance/i-1"
        ));
        assert!(!wildcard(
            "arn:aws:ec2:*:*:instance/*",
            "arn:aws:ec2:us-east-1:1:volume/vol-1"
        ));
        assert!(wildcard("a?c", "abc"));
        assert!(!wildcard("a?c", "ac"));
        assert!(wildcard("*a*b*", "xxaxxbxx"));
        assert!(!wildcard("*a*b", "xxaxxbxx"));
    }

    #[test]
    fn deny_by_default_allow_then_explicit_deny_wins() {
        let allow = Statement::allow(["ec2:*"], ["*"]);
        let p = Policy::new(vec![]);
        assert_eq!(p.evaluate(&req("ec2:RunInstances", "x", &[])), Decision::ImplicitDeny);
        let p = Policy::new(vec![allow.clone()]);
        assert_eq!(
            p.evaluate(&req("EC2:runinstances", "x", &[])),
            Decision::Allow,
            "actions are case-insensitive"
        );
        let p = Policy::new(vec![
            allow,
            Statement::deny(["ec2:TerminateInstances"], ["*"]).sid("NoKill"),
        ]);
        assert_eq!(
            p.evaluate(&req("ec2:TerminateInstances", "x", &[])),
            Decision::ExplicitDeny(1, Some("NoKill".into()))
        );
    }

    #[test]
    fn tag_conditions() {
        let tags: crate::Tags = [("owner".to_string(), "me".to_string())].into();
        let p = Policy::new(vec![
            Statement::allow(["ec2:TerminateInstances"], ["*"]).resource_tags(&tags),
        ]);
        let ok = req("ec2:TerminateInstances", "i", &[("aws:ResourceTag/owner", "me")]);
        let other = req("ec2:TerminateInstances", "i", &[("aws:ResourceTag/owner", "you")]);
        let untagged = req("ec2:TerminateInstances", "i", &[]);
        assert_eq!(p.evaluate(&ok), Decision::Allow);
        assert_eq!(p.evaluate(&other), Decision::ImplicitDeny);
        assert_eq!(p.evaluate(&untagged), Decision::ImplicitDeny);
        let keys = Policy::new(vec![Statement::allow(["a:B"], ["*"]).condition(
            "ForAllValues:StringEquals",
            "aws:TagKeys",
            ["k1", "k2"],
        )]);
        assert_eq!(
            keys.evaluate(&req("a:B", "r", &[("aws:TagKeys", "k1")])),
            Decision::Allow
        );
        assert_eq!(
            keys.evaluate(&req("a:B", "r", &[("aws:TagKeys", "k3")])),
            Decision::ImplicitDeny
        );
        let null = Policy::new(vec![Statement::allow(["a:B"], ["*"]).condition(
            "Null",
            "aws:RequestTag/k",
            ["false"],
        )]);
        assert_eq!(null.evaluate(&req("a:B", "r", &[])), Decision::ImplicitDeny);
        assert_eq!(
            null.evaluate(&req("a:B", "r", &[("aws:RequestTag/k", "v")])),
            Decision::Allow
        );
        let not = Policy::new(vec![Statement::allow(["a:B"], ["*"]).condition(
            "StringNotEquals",
            "k",
            ["v"],
        )]);
        assert_eq!(
            not.evaluate(&req("a:B", "r", &[])),
            Decision::Allow,
            "absent key: StringNotEquals holds"
        );
        assert_eq!(not.evaluate(&req("a:B", "r", &[("k", "v")])), Decision::ImplicitDeny);
    }

    #[test]
    fn not_action_and_validation() {
        let mut s = Statement::allow(Vec::<String>::new(), ["*"]);
        s.not_action = vec!["iam:*".into()];
        let p = Policy::new(vec![s]);
        p.validate().unwrap();
        assert_eq!(p.evaluate(&req("ec2:RunInstances", "r", &[])), Decision::Allow);
        assert_eq!(p.evaluate(&req("iam:CreateUser", "r", &[])), Decision::ImplicitDeny);
        let bad = Policy::new(vec![Statement::allow(["a:B"], ["*"]).condition(
            "DateGreaterThan",
            "aws:CurrentTime",
            ["x"],
        )]);
        let e = bad.validate().unwrap_err().to_string();
        assert!(
            e.contains("Statement[0].Condition") && e.contains("DateGreaterThan"),
            "{e}"
        );
        assert!(
            Policy::new(vec![Statement::allow(["a:B"], Vec::<String>::new())])
                .validate()
                .is_err()
        );
    }

    #[test]
    fn json_round_trip_and_aws_shapes() {
        let json = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*",
            "Condition":{"StringEquals":{"aws:ResourceTag/a":"b"}}}}"#;
        let p: Policy = serde_json::from_str(json).unwrap();
        assert_eq!(p.statement[0].action, ["ec2:Describe*"]);
        assert_eq!(p.statement[0].condition["StringEquals"]["aws:ResourceTag/a"], ["b"]);
        let back: Policy = serde_json::from_str(&p.to_json_pretty()).unwrap();
        assert_eq!(back, p);
    }

    proptest! {
        #[test]
        fn star_matches_everything_and_literals_only_themselves(s in "[a-zA-Z0-9:/*?-]{0,30}") {
            prop_assert!(wildcard("*", &s));
            let lit: String = s.chars().filter(|c| *c != '*' && *c != '?').collect();
            prop_assert!(wildcard(&lit, &lit));
            let longer = format!("{lit}x");
            prop_assert!(!wildcard(&lit, &longer));
        }
    }
}
