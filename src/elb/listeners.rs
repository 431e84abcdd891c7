//! Listeners: the CreateListener request and the listener model.

use bon::Builder;
use serde::{Deserialize, Serialize};

use super::*;
use crate::Tags;
use crate::error::{Error, Result};
use crate::id::{Arn, ListenerArn, LoadBalancerArn, TargetGroupArn};
use crate::macros::validated_builder;
use crate::validate::{self, Validate};

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
    /// Its default actions (those of its default rule); `default_target_group` and
    /// `redirect_to_https` are read from them.
    #[builder(default)]
    pub default_actions: Vec<Action>,
}

/// The target group a listener's default actions forward to (the first of a weighted forward).
pub fn default_target_group_of(actions: &[Action]) -> Option<TargetGroupArn> {
    actions
        .iter()
        .find_map(|a| a.target_groups().first().map(|g| (*g).clone()))
}

/// The HTTPS port a listener's default actions redirect to, if they are a redirect to HTTPS on
/// the same host (what [`CreateListenerRequest::redirect_to_https`] creates).
pub fn redirect_to_https_of(actions: &[Action]) -> Option<u16> {
    actions.iter().find_map(|a| match a {
        Action::Redirect(r) if r.protocol == "HTTPS" && r.host == "#{host}" => r.port.parse().ok(),
        _ => None,
    })
}

/// A certificate of a listener.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListenerCertificate {
    /// The certificate.
    pub arn: Arn,
    /// Whether it is the listener's default certificate.
    pub is_default: bool,
}

/// Checks the certificates of an Add/RemoveListenerCertificates call: at least one, each once.
pub fn validate_certificates(certificates: &[Arn]) -> Result<()> {
    validate::non_empty("certificates", certificates)?;
    for (i, c) in certificates.iter().enumerate() {
        if certificates[..i].contains(c) {
            return Err(Error::validation("certificates", format!("lists {c} twice")));
        }
    }
    Ok(())
}

/// A request to change a listener; what is `None` is unchanged (ELBv2 `ModifyListener`).
/// Changing HTTPS to HTTP drops the certificate and security policy; changing HTTP to HTTPS
/// needs a certificate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct ModifyListenerRequest {
    /// The listener.
    pub listener_arn: ListenerArn,
    /// The new port: 1-65535.
    pub port: Option<u16>,
    /// The new protocol: HTTP or HTTPS.
    pub protocol: Option<Protocol>,
    /// The new default certificate (HTTPS).
    pub certificate_arn: Option<Arn>,
    /// The new security policy (HTTPS).
    pub ssl_policy: Option<String>,
    /// The new default actions (the whole list; see [`validate_actions`]).
    pub default_actions: Option<Vec<Action>>,
}
validated_builder!(
    ModifyListenerRequest,
    ModifyListenerRequestBuilder,
    modify_listener_request_builder
);

impl Validate for ModifyListenerRequest {
    fn validate(&self) -> Result<()> {
        if self.port.is_none()
            && self.protocol.is_none()
            && self.certificate_arn.is_none()
            && self.ssl_policy.is_none()
            && self.default_actions.is_none()
        {
            return Err(Error::validation("listener_arn", "give at least one setting to change"));
        }
        if let Some(p) = self.port {
            validate::in_range("port", p, 1, u16::MAX)?;
        }
        if let Some(p) = &self.protocol {
            validate_alb_protocol("protocol", p)?;
            if *p == Protocol::Http && self.certificate_arn.is_some() {
                return Err(Error::validation(
                    "certificate_arn",
                    "is not allowed for an HTTP listener",
                ));
            }
            if *p == Protocol::Http && self.ssl_policy.is_some() {
                return Err(Error::validation("ssl_policy", "is not allowed for an HTTP listener"));
            }
        }
        if let Some(p) = &self.ssl_policy {
            validate::len_in("ssl_policy", p, 1, 255)?;
        }
        if let Some(a) = &self.default_actions {
            validate_actions("default_actions", a)?;
        }
        Ok(())
    }
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
impl CreateListenerRequest {
    /// The default actions the request creates: a forward to `default_target_group`, or a
    /// 301 redirect to HTTPS on `redirect_to_https`.
    pub fn default_actions(&self) -> Vec<Action> {
        match (&self.default_target_group, self.redirect_to_https) {
            (Some(tg), _) => vec![Action::forward(tg.clone())],
            (None, port) => vec![Action::Redirect(RedirectConfig::to_https(port.unwrap_or(443)))],
        }
    }
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
