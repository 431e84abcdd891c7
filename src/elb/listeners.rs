//! Listeners: the CreateListener request and the listener model.

use bon::Builder;
use serde::{Deserialize, Serialize};

use super::*;
use crate::Tags;
use crate::error::{Error, Result};
use crate::macros::validated_builder;
use crate::validate::{self, Validate};
use crate::id::{Arn, ListenerArn, LoadBalancerArn, TargetGroupArn};

/// A listener.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct Listener {
    /// Its ARN.
    pub arn: ListenerArn,
    /// Its load balancer.
    pub load_balancer_arn: LoadBalancerArn,
    /// HTTP or HTTPS.
    #[builder(default)]
    pub protocol: Protocol,
    /// The port it listens on.
    #[builder(default = 80)]
    pub port: u16,
    /// The target group its default action forwards to (`None` if the default action is not
    /// a forward).
    pub default_target_group: Option<TargetGroupArn>,
    /// The HTTPS port its default action redirects to (HTTP 301, same host, path and query),
    /// `None` if it is not such a redirect.
    pub redirect_to_https: Option<u16>,
    /// The default certificate (HTTPS).
    pub certificate_arn: Option<Arn>,
    /// The security policy (HTTPS).
    pub ssl_policy: Option<String>,
}

/// A request to create a listener forwarding to one target group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct CreateListenerRequest {
    /// The load balancer.
    pub load_balancer_arn: LoadBalancerArn,
    /// HTTP (default) or HTTPS.
    #[builder(default)]
    pub protocol: Protocol,
    /// The port: 1-65535.
    pub port: u16,
    /// The certificate: required for HTTPS, not allowed for HTTP.
    pub certificate_arn: Option<Arn>,
    /// The security policy (HTTPS only; `None`: the API's default, `ELBSecurityPolicy-2016-08`;
    /// the web tier sends [`DEFAULT_TLS_POLICY`]).
    pub ssl_policy: Option<String>,
    /// Where the default action forwards (exactly one of this and `redirect_to_https`).
    pub default_target_group: Option<TargetGroupArn>,
    /// The default action redirects to HTTPS on this port (HTTP 301, same host, path and
    /// query; for an HTTP listener in front of an HTTPS one).
    pub redirect_to_https: Option<u16>,
    /// Tags.
    #[builder(default)]
    pub tags: Tags,
}
validated_builder!(
    CreateListenerRequest,
    CreateListenerRequestBuilder,
    create_listener_request_builder
);

impl Validate for CreateListenerRequest {
    fn validate(&self) -> Result<()> {
        // ELBv2 API reference, CreateListener: Port 1-65535; Certificates "[HTTPS and TLS
        // listeners] ... You must provide exactly one certificate"; SslPolicy is for HTTPS
        // and TLS listeners.
        validate::in_range("port", self.port, 1, u16::MAX)?;
        validate_alb_protocol("protocol", &self.protocol)?;
        match (&self.protocol, &self.certificate_arn) {
            (Protocol::Https, None) => {
                return Err(Error::validation(
                    "certificate_arn",
                    "is required for an HTTPS listener",
                ));
            }
            (Protocol::Http, Some(_)) => {
                return Err(Error::validation(
                    "certificate_arn",
                    "is not allowed for an HTTP listener",
                ));
            }
            _ => {}
        }
        if self.protocol == Protocol::Http && self.ssl_policy.is_some() {
            return Err(Error::validation("ssl_policy", "is not allowed for an HTTP listener"));
        }
        if let Some(p) = &self.ssl_policy {
            validate::len_in("ssl_policy", p, 1, 255)?;
        }
        match (&self.default_target_group, self.redirect_to_https) {
            (Some(_), Some(_)) | (None, None) => {
                return Err(Error::validation(
                    "default_target_group",
                    "give exactly one default action: default_target_group or redirect_to_https",
                ));
            }
            (None, Some(0)) => {
                return Err(Error::validation("redirect_to_https", "must be a port 1-65535 (got 0)"));
            }
            _ => {}
        }
        validate::tags_with("tags", &self.tags, TAG_RULES)
    }
}
