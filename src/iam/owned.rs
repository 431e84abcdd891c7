//! The shape every workflow's policy shares: reads on `*`, creates that must carry the
//! workflow's ownership tags, changes and removals only of resources that carry them, and
//! the few uses of resources that are not the workflow's (images, subnets, a given instance).

use super::{Policy, Statement};
use crate::Tags;
use crate::workflows::plan::{TAG_NAME, TAG_WORKFLOW};

/// Builds a workflow's least-privilege policy around its ownership tags
/// (`aws-facade:workflow`, `aws-facade:name`). ARNs use `*` for region and account.
#[derive(Debug, Clone)]
pub struct PolicyBuilder {
    owner: Tags,
    statements: Vec<Statement>,
}

/// The ARN pattern of an EC2 resource type (`instance`, `volume`, ...), any region and
/// account (images and snapshots have no account in their ARNs).
pub fn ec2_arn(kind: &str, id: &str) -> String {
    let account = if matches!(kind, "image" | "snapshot") { "" } else { "*" };
    format!("arn:aws:ec2:*:{account}:{kind}/{id}")
}

/// The ARN pattern of an ELBv2 resource (`loadbalancer/app/NAME/*`, `targetgroup/NAME/*`).
pub fn elb_arn(resource: &str) -> String {
    format!("arn:aws:elasticloadbalancing:*:*:{resource}")
}

/// The ARN pattern of the Auto Scaling group `name` (any region, account and group id).
pub fn autoscaling_group_arn(name: &str) -> String {
    format!("arn:aws:autoscaling:*:*:autoScalingGroup:*:autoScalingGroupName/{name}")
}

/// The ARN pattern of CloudWatch alarms named `pattern`.
pub fn alarm_arn(pattern: &str) -> String {
    format!("arn:aws:cloudwatch:*:*:alarm:{pattern}")
}

/// The ARN patterns of Lambda function `name` and of its versions and aliases.
pub fn function_arns(name: &str) -> [String; 2] {
    let base = format!("arn:aws:lambda:*:*:function:{name}");
    [base.clone(), format!("{base}:*")]
}

impl PolicyBuilder {
    /// A policy for the resources of `workflow` named `name`.
    pub fn new(workflow: &str, name: &str) -> Self {
        PolicyBuilder {
            owner: [
                (TAG_WORKFLOW.to_string(), workflow.to_string()),
                (TAG_NAME.to_string(), name.to_string()),
            ]
            .into(),
            statements: Vec::new(),
        }
    }

    /// The ownership tags the conditions require.
    pub fn owner(&self) -> &Tags {
        &self.owner
    }

    /// `actions` that support no resource-level permission (`Resource: "*"`).
    pub fn read(mut self, sid: &str, actions: &[&str]) -> Self {
        self.statements
            .push(Statement::allow(actions.iter().copied(), ["*"]).sid(sid));
        self
    }

    /// `actions` creating `resources`, allowed only if the request carries the ownership tags.
    pub fn create(mut self, sid: &str, actions: &[&str], resources: &[String]) -> Self {
        let s = Statement::allow(actions.iter().copied(), resources.iter().cloned()).sid(sid);
        self.statements.push(s.request_tags(&self.owner));
        self
    }

    /// The tagging action (`ec2:CreateTags`, `elasticloadbalancing:AddTags`) on `resources`,
    /// only as part of the create actions `creates` (keyed by `create_key`) and only with the
    /// ownership tags.
    pub fn tag_on_create(
        mut self,
        sid: &str,
        action: &str,
        create_key: &str,
        creates: &[&str],
        resources: &[String],
    ) -> Self {
        let s = Statement::allow([action], resources.iter().cloned())
            .sid(sid)
            .condition("StringEquals", create_key, creates.iter().copied());
        self.statements.push(s.request_tags(&self.owner));
        self
    }

    /// `actions` on existing `resources`, allowed only on those that carry the ownership tags.
    pub fn manage(mut self, sid: &str, actions: &[&str], resources: &[String]) -> Self {
        let s = Statement::allow(actions.iter().copied(), resources.iter().cloned()).sid(sid);
        self.statements.push(s.resource_tags(&self.owner));
        self
    }

    /// `actions` on `resources` without a tag condition (resources that are not the
    /// workflow's, or actions IAM cannot scope by tag), as narrow as the ARNs make them.
    pub fn on(mut self, sid: &str, actions: &[&str], resources: &[String]) -> Self {
        self.statements
            .push(Statement::allow(actions.iter().copied(), resources.iter().cloned()).sid(sid));
        self
    }

    /// Adds a statement as is.
    pub fn statement(mut self, s: Statement) -> Self {
        self.statements.push(s);
        self
    }

    /// The policy.
    pub fn build(self) -> Policy {
        Policy::new(self.statements)
    }
}
