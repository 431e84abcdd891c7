//! [`Enforce`]: a layer that authorizes every call against an IAM policy before it is made.

use std::any::Any;
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;

use super::{AccessRequest, Arn, Decision, Policy, requests};
use crate::Tags;
use crate::error::{ApiError, Error, Result, Service};
use crate::layer::{Call, Layer, Op};

/// Where the enforcing layer reads the tags of an existing resource (for `aws:ResourceTag/K`
/// conditions). [`SimCloud`](crate::sim::SimCloud) implements it over the simulated region.
pub trait ResourceTags: Send + Sync + 'static {
    /// The tags of the resource `arn`, or `None` if it does not exist (or is not one this
    /// source knows).
    fn resource_tags(&self, arn: &Arn) -> Option<Tags>;
}

/// One call the layer refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    /// The operation called.
    pub op: &'static str,
    /// The authorization that failed.
    pub action: String,
    /// On this resource.
    pub resource: String,
}

/// A layer that evaluates every call against an IAM identity [`Policy`], with the resources
/// and condition keys IAM would see ([`requests`]), and answers the service's own
/// access-denied error (EC2 `UnauthorizedOperation`, ELBv2 and CloudWatch `AccessDenied`,
/// Lambda and EBS `AccessDeniedException`) for anything the policy does not allow. Nothing is
/// sent for a denied call.
///
/// A resource-tag condition on a resource that does not exist cannot hold; the layer then
/// lets the call through so that the service answers its own not-found (as EC2 does: it
/// checks the resource before the tag condition). Denied calls are kept
/// ([`Enforce::denials`]).
#[derive(Clone)]
pub struct Enforce {
    policy: Arc<Policy>,
    region: String,
    account: String,
    tags: Arc<dyn ResourceTags>,
    denials: Arc<Mutex<Vec<Denial>>>,
}

impl std::fmt::Debug for Enforce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enforce")
            .field("statements", &self.policy.statement.len())
            .field("region", &self.region)
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

impl Enforce {
    /// Enforces `policy` for calls in `region` and `account`, reading resource tags from
    /// `tags`. Fails if the policy uses something the layer does not evaluate
    /// ([`Policy::validate`]).
    pub fn new(policy: Policy, region: &str, account: &str, tags: Arc<dyn ResourceTags>) -> Result<Self> {
        policy.validate()?;
        Ok(Enforce {
            policy: Arc::new(policy),
            region: region.into(),
            account: account.into(),
            tags,
            denials: Arc::default(),
        })
    }

    /// The policy enforced.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Every call refused so far, in order.
    pub fn denials(&self) -> Vec<Denial> {
        self.denials.lock().unwrap().clone()
    }

    /// Authorizes one call: `Ok` if the policy allows every authorization it needs.
    pub fn authorize(&self, op: Op, args: &[&dyn Any]) -> Result<()> {
        for mut req in requests(op, args, &self.region, &self.account) {
            let exists = match &req.existing {
                Some(arn) => match self.tags.resource_tags(arn) {
                    Some(tags) => {
                        for (k, v) in tags {
                            req.context.entry(format!("aws:ResourceTag/{k}")).or_default().push(v);
                        }
                        true
                    }
                    None => false,
                },
                None => true,
            };
            let decision = self.policy.evaluate(&req);
            if decision == Decision::Allow || (!exists && decision == Decision::ImplicitDeny) {
                continue;
            }
            return Err(self.deny(op, &req, &decision));
        }
        Ok(())
    }

    fn deny(&self, op: Op, req: &AccessRequest, decision: &Decision) -> Error {
        self.denials.lock().unwrap().push(Denial {
            op: op.name,
            action: req.action.clone(),
            resource: req.resource.clone(),
        });
        let why = match decision {
            Decision::ExplicitDeny(..) => "with an explicit deny in an identity-based policy".to_string(),
            _ => format!("because no identity-based policy allows the {} action", req.action),
        };
        let code = match op.service {
            Service::Ec2 => "UnauthorizedOperation",
            Service::Elbv2 | Service::CloudWatch | Service::AutoScaling => "AccessDenied",
            Service::Lambda | Service::Ebs => "AccessDeniedException",
        };
        let message = format!(
            "User: arn:aws:sts::{}:assumed-role/aws-facade/session is not authorized to perform: {} on resource: {} {why}",
            self.account, req.action, req.resource
        );
        let mut api = ApiError::new(op.service, code, message);
        api.status = Some(403);
        api.request_id = Some("iam-enforce".into());
        Error::from_api(api)
    }
}

impl Layer for Enforce {
    fn call<'a, T: Send + 'a>(&'a self, op: Op, args: &[&dyn Any], call: Box<Call<'a, T>>) -> BoxFuture<'a, Result<T>> {
        match self.authorize(op, args) {
            Ok(()) => call(),
            Err(e) => crate::layer::refused(e),
        }
    }
}
