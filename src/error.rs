//! One error type for the whole crate, and the one place where AWS error codes are classified.
//!
//! Every implementation of the service traits (the SDK adapters, the simulator, the wrappers)
//! produces [`Error`]. AWS error codes are turned into a variant by [`Error::from_api`], so a
//! `RequestLimitExceeded` from EC2 and a `TooManyRequestsException` from Lambda are both
//! [`Error::Throttled`], whichever backend answered.

use std::fmt;
use std::time::Duration;

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A boxed error source, used by [`Error::Transport`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The AWS service an error (or a journal entry) belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum Service {
    /// Amazon EC2 (instances, images, security groups, volumes, snapshots, tags).
    Ec2,
    /// The EBS direct APIs (snapshot blocks).
    Ebs,
    /// Elastic Load Balancing v2 (Application Load Balancers).
    Elbv2,
    /// Amazon CloudWatch (metrics, alarms, dashboards).
    CloudWatch,
    /// AWS Lambda.
    Lambda,
    /// Amazon EC2 Auto Scaling.
    AutoScaling,
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Service::Ec2 => "EC2",
            Service::Ebs => "EBS",
            Service::Elbv2 => "ELBv2",
            Service::CloudWatch => "CloudWatch",
            Service::Lambda => "Lambda",
            Service::AutoScaling => "Auto Scaling",
        })
    }
}

/// What a service answered: its error code, message and request id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The service that answered.
    pub service: Service,
    /// The AWS error code, such as `InvalidInstanceID.NotFound`.
    pub code: String,
    /// The message the service sent.
    pub message: String,
    /// The request id, where the service sent one.
    pub request_id: Option<String>,
    /// The HTTP status, where known.
    pub status: Option<u16>,
}

impl ApiError {
    /// An API error with a code and message, and no request id or status.
    pub fn new(service: Service, code: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError {
            service,
            code: code.into(),
            message: message.into(),
            request_id: None,
            status: None,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.service, self.code, self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// A coarse classification of an [`Error`], for `match`ing without caring about the details.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request was rejected as invalid (by us before sending it, or by the service).
    Validation,
    /// The resource does not exist (or is not yet visible: EC2 is eventually consistent).
    NotFound,
    /// The service throttled the request; retry with backoff.
    Throttled,
    /// The resource is in a state that conflicts with the request (in use, dependency, duplicate).
    Conflict,
    /// The caller is not allowed to make the request, or its credentials are bad.
    AccessDenied,
    /// A wait ran out of time.
    Timeout,
    /// The service failed (5xx, or an unclassified code).
    Service,
    /// The request did not reach the service or no answer came back.
    Transport,
    /// A Lambda function ran and returned an error.
    FunctionError,
    /// A workflow failed (and was rolled back).
    Workflow,
    /// A local file or stream could not be read or written (snapshot transfer).
    Io,
    /// The endpoint answered, but not in the API's protocol (no AWS error code could be read:
    /// a wrong endpoint, a proxy's error page, an emulator that does not speak the protocol).
    UnrecognizedResponse,
    /// A wait ended because the resource reached a terminal state the wait cannot leave
    /// (an instance terminated while waiting for it to run, a failed load balancer, ...).
    WaitFailed,
    /// The operation is not available here: this implementation of the service trait does
    /// not provide it (a user's partial fake, an older backend), or the service's SDK crate
    /// was not compiled in (its cargo feature is off).
    Unsupported,
}

/// The crate's error.
///
/// Use [`Error::kind`] or the `is_*` helpers to classify it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A request was invalid; nothing was sent.
    #[error("invalid {field}: {rule}")]
    Validation {
        /// The path of the field at fault as the user set it: `memory_mb`,
        /// `health_check.path`, `data[3].metric_name`, `subnets[1]` (a spec read with
        /// [`workflows::spec`](crate::workflows::spec)). A typed id parsed on its own, with
        /// no field around it, names its type (`volume id`).
        field: String,
        /// The rule it broke, e.g. `must be between 128 and 10240`.
        rule: String,
    },
    /// The resource does not exist.
    #[error("{kind} not found{} ({api})", id_suffix(.id))]
    NotFound {
        /// The kind of resource, e.g. `instance` or `load balancer`.
        kind: String,
        /// The resource id as far as it is known (may be empty).
        id: String,
        /// What the service answered.
        api: Box<ApiError>,
    },
    /// The service throttled the request.
    #[error("throttled: {0}")]
    Throttled(Box<ApiError>),
    /// A conflict: the resource is in use, has a dependency, is a duplicate, or is in the wrong state.
    #[error("conflict: {0}")]
    Conflict(Box<ApiError>),
    /// Access denied or bad credentials.
    #[error("access denied: {0}")]
    AccessDenied(Box<ApiError>),
    /// A wait ran out of time.
    #[error("timed out after {waited:?} waiting for {what}; last state seen: {last_state}")]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long it was awaited.
        waited: Duration,
        /// The last state seen before giving up.
        last_state: String,
    },
    /// Any other service error (including the service's own validation errors and 5xx).
    #[error("service error: {0}")]
    Service(Box<ApiError>),
    /// The request did not reach the service, or its answer could not be read.
    ///
    /// Its message says what happened at this level (`request not sent`, `no answer in time`);
    /// the underlying error, with its own causes, is the [`source`](std::error::Error::source).
    #[error("transport error talking to {service}: {message}")]
    Transport {
        /// The service being called.
        service: Service,
        /// What went wrong, at this level only (the source's text is not repeated).
        message: String,
        /// Whether the request may have reached the service: it was sent and no answer came in
        /// time (a read timeout, a dropped connection). `false` when it never left (refused,
        /// unreachable, DNS): the retry layer gives those a small budget, so a wrong endpoint
        /// fails within seconds, and timeouts the full one.
        sent: bool,
        /// The underlying error.
        #[source]
        source: Option<BoxError>,
    },
    /// A Lambda function ran and reported an error.
    #[error("function {function} failed ({error_type}): {payload}")]
    FunctionError {
        /// The function (and qualifier) invoked.
        function: String,
        /// The `FunctionError` header value (`Unhandled` or `Handled`).
        error_type: String,
        /// The error payload the function returned.
        payload: String,
        /// The decoded tail of the execution log, where requested.
        log_tail: Option<String>,
    },
    /// A workflow failed; what it had created was removed. Its
    /// [`source`](std::error::Error::source) is the failed step's error.
    #[error(transparent)]
    Workflow(Box<WorkflowError>),
    /// The endpoint answered in a way that is not the API's protocol: no AWS error code could be
    /// read from it (a 404 from a wrong endpoint, an HTML page, an empty body). It is never
    /// taken for "not found". Retryable only for 5xx statuses.
    #[error("{service} endpoint did not answer in the {service} API's protocol{}: {detail}", status.map(|s| format!(" (HTTP {s})")).unwrap_or_default())]
    UnrecognizedResponse {
        /// The service being called.
        service: Service,
        /// The HTTP status, where there was a response.
        status: Option<u16>,
        /// What was wrong with the answer.
        detail: String,
    },
    /// A wait ended in a terminal state it cannot leave (see [`crate::wait`]).
    #[error("{what}: reached {state}, which it cannot leave")]
    WaitFailed {
        /// What was awaited.
        what: String,
        /// The terminal state seen.
        state: String,
    },
    /// The operation is not available from this implementation (see
    /// [`ErrorKind::Unsupported`]); nothing was sent.
    #[error("{service} {operation} is not supported here: {reason}")]
    Unsupported {
        /// The service of the operation.
        service: Service,
        /// The AWS operation name, e.g. `StopInstances`.
        operation: &'static str,
        /// Why: `not implemented by this backend`, or the cargo feature that is off.
        reason: String,
    },
    /// A local file or stream could not be read or written (snapshot transfer). The I/O
    /// error is the [`source`](std::error::Error::source).
    #[error("I/O error on {what}")]
    Io {
        /// What was being read or written (a path, or `the source stream`).
        what: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// Details of a failed workflow: the original cause and what the rollback did.
///
/// Its `Display` names the workflow, the step and what the rollback did; the cause is its
/// [`source`](std::error::Error::source) (print the chain with [`Error::chain`], or anyhow's
/// `{:#}`).
#[derive(Debug)]
pub struct WorkflowError {
    /// The workflow's name (e.g. `web-tier demo`).
    pub workflow: String,
    /// The step that failed.
    pub step: String,
    /// The original cause.
    pub cause: Error,
    /// Resources the rollback removed, in the order removed.
    pub cleaned_up: Vec<String>,
    /// Resources the rollback could not remove, with the reason.
    pub left_behind: Vec<String>,
}

impl fmt::Display for WorkflowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "workflow {} failed at step {}; rolled back {} resource(s)",
            self.workflow,
            self.step,
            self.cleaned_up.len()
        )?;
        if !self.left_behind.is_empty() {
            write!(f, "; LEFT BEHIND: {}", self.left_behind.join(", "))?;
        }
        Ok(())
    }
}

impl std::error::Error for WorkflowError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.cause)
    }
}

/// An error and its causes, `: `-separated, each once: what [`Error::chain`] (and
/// [`chain`]) display.
#[derive(Clone, Copy)]
pub struct Chain<'a>(&'a (dyn std::error::Error + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut cur = self.0.source();
        while let Some(e) = cur {
            write!(f, ": {e}")?;
            cur = e.source();
        }
        Ok(())
    }
}

impl fmt::Debug for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.to_string())
    }
}

/// Displays `err` and each of its causes once, `: `-separated (like anyhow's `{:#}`).
pub fn chain<'a>(err: &'a (dyn std::error::Error + 'static)) -> Chain<'a> {
    Chain(err)
}

impl Error {
    /// This error and each of its causes once, `: `-separated: its `Display` says this level
    /// only (a workflow's step and rollback, a transport failure's kind), and the causes
    /// follow (the step's error, the connector's I/O error).
    pub fn chain(&self) -> Chain<'_> {
        Chain(self)
    }

    /// A validation error naming the field and the rule it broke.
    pub fn validation(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Error::Validation {
            field: field.into(),
            rule: rule.into(),
        }
    }

    /// A validation error of a part, placed under `prefix` in the whole (`data[3]` +
    /// `metric_name` = `data[3].metric_name`; `dimensions` + `[0].name` =
    /// `dimensions[0].name`); other errors are unchanged.
    pub(crate) fn prefixed(self, prefix: &str) -> Self {
        match self {
            Error::Validation { field, rule } => {
                let field = if field.is_empty() {
                    prefix.to_string()
                } else if field.starts_with('[') {
                    format!("{prefix}{field}")
                } else {
                    format!("{prefix}.{field}")
                };
                Error::Validation { field, rule }
            }
            other => other,
        }
    }

    /// An I/O error on `what` (a path, or a stream).
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            what: what.into(),
            source,
        }
    }

    /// A timeout naming what was awaited, how long, and the last state seen.
    pub fn timeout(what: impl Into<String>, waited: Duration, last_state: impl Into<String>) -> Self {
        Error::Timeout {
            what: what.into(),
            waited,
            last_state: last_state.into(),
        }
    }

    /// A transport error: the request never reached the service (refused, unreachable).
    pub fn transport(service: Service, message: impl Into<String>, source: Option<BoxError>) -> Self {
        Error::Transport {
            service,
            message: message.into(),
            sent: false,
            source,
        }
    }

    /// A transport error after the request was sent: no answer came in time, or the connection
    /// dropped (the call may have taken effect).
    pub fn transport_after_send(service: Service, message: impl Into<String>, source: Option<BoxError>) -> Self {
        Error::Transport {
            service,
            message: message.into(),
            sent: true,
            source,
        }
    }

    /// Classifies an AWS error code: the one place where codes become variants.
    ///
    /// Both the SDK adapters and the simulator call this, so a code means the same thing
    /// whichever backend answered.
    pub fn from_api(api: ApiError) -> Self {
        let api = Box::new(api);
        match classify(&api) {
            ErrorKind::NotFound => {
                let kind = resource_kind(&api.code, &api.message);
                let id = not_found_id(&api.message, kind).unwrap_or_default();
                Error::NotFound {
                    kind: qualified_kind(kind, &id).to_string(),
                    id,
                    api,
                }
            }
            ErrorKind::Throttled => Error::Throttled(api),
            ErrorKind::Conflict => Error::Conflict(api),
            ErrorKind::AccessDenied => Error::AccessDenied(api),
            _ => Error::Service(api),
        }
    }

    /// Shorthand for `Error::from_api(ApiError::new(service, code, message))`.
    pub fn api(service: Service, code: impl Into<String>, message: impl Into<String>) -> Self {
        Error::from_api(ApiError::new(service, code, message))
    }

    /// The coarse class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Validation { .. } => ErrorKind::Validation,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::Throttled(_) => ErrorKind::Throttled,
            Error::Conflict(_) => ErrorKind::Conflict,
            Error::AccessDenied(_) => ErrorKind::AccessDenied,
            Error::Timeout { .. } => ErrorKind::Timeout,
            Error::Service(api) => match classify(api) {
                ErrorKind::Validation => ErrorKind::Validation,
                _ => ErrorKind::Service,
            },
            Error::Transport { .. } => ErrorKind::Transport,
            Error::FunctionError { .. } => ErrorKind::FunctionError,
            Error::Workflow(w) => w.cause.kind(),
            Error::Io { .. } => ErrorKind::Io,
            Error::UnrecognizedResponse { .. } => ErrorKind::UnrecognizedResponse,
            Error::WaitFailed { .. } => ErrorKind::WaitFailed,
            Error::Unsupported { .. } => ErrorKind::Unsupported,
        }
    }

    /// The AWS error code, where the service sent one.
    pub fn code(&self) -> Option<&str> {
        self.api_error().map(|a| a.code.as_str())
    }

    /// What the service answered, where it did.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::NotFound { api, .. }
            | Error::Throttled(api)
            | Error::Conflict(api)
            | Error::AccessDenied(api)
            | Error::Service(api) => Some(api),
            Error::Workflow(w) => w.cause.api_error(),
            _ => None,
        }
    }

    /// Whether retrying the same request later may succeed: throttling, transport failures,
    /// 5xx and the codes AWS documents as transient.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Throttled(_) | Error::Transport { .. } => true,
            Error::UnrecognizedResponse { status, .. } => status.is_some_and(|s| s >= 500),
            Error::Service(api) => {
                api.status.is_some_and(|s| s >= 500)
                    || matches!(
                        api.code.as_str(),
                        "InternalError"
                            | "InternalFailure"
                            | "InternalServerError"
                            | "InternalFailureException"
                            | "ServiceUnavailable"
                            | "ServiceUnavailableException"
                            | "ServiceException"
                            | "Unavailable"
                            | "InsufficientInstanceCapacity"
                            | "ConcurrentModificationException"
                    )
            }
            _ => false,
        }
    }
    /// Whether this is [`ErrorKind::Throttled`].
    pub fn is_throttled(&self) -> bool {
        self.kind() == ErrorKind::Throttled
    }
    /// Whether this is [`ErrorKind::NotFound`].
    pub fn is_not_found(&self) -> bool {
        self.kind() == ErrorKind::NotFound
    }
    /// Whether this is [`ErrorKind::Conflict`] (in use, dependency violation, duplicate, wrong state).
    pub fn is_conflict(&self) -> bool {
        self.kind() == ErrorKind::Conflict
    }
    /// Whether this is a `DependencyViolation` (a resource still referenced by another).
    pub fn is_dependency_violation(&self) -> bool {
        self.code() == Some("DependencyViolation") || self.code() == Some("ResourceInUse")
    }
    /// Whether this is [`ErrorKind::AccessDenied`].
    pub fn is_access_denied(&self) -> bool {
        self.kind() == ErrorKind::AccessDenied
    }
    /// Whether this is [`ErrorKind::Validation`] (ours, or the service's).
    pub fn is_validation(&self) -> bool {
        self.kind() == ErrorKind::Validation
    }
    /// Whether this is [`ErrorKind::Timeout`].
    pub fn is_timeout(&self) -> bool {
        self.kind() == ErrorKind::Timeout
    }
}

/// Classifies an AWS answer: by its code, except Auto Scaling's not-found, which is a
/// `ValidationError` whose message says what was "not found" (`DeleteAutoScalingGroup`:
/// "AutoScalingGroup name not found - ...") and nothing else tells apart.
fn classify(api: &ApiError) -> ErrorKind {
    if api.service == Service::AutoScaling
        && api.code == "ValidationError"
        && crate::autoscaling::is_not_found_message(&api.message)
    {
        return ErrorKind::NotFound;
    }
    classify_code(&api.code, api.status)
}

/// Classifies an AWS error code (all services).
fn classify_code(code: &str, status: Option<u16>) -> ErrorKind {
    match code {
        // Throttling: EC2 query API, ELBv2/CloudWatch (Throttling), Lambda, EBS direct.
        "RequestLimitExceeded"
        // Auto Scaling: "You already have a pending update to an Auto Scaling resource".
        | "ResourceContention"
        | "Throttling"
        | "ThrottlingException"
        | "ThrottledException"
        | "TooManyRequestsException"
        | "RequestThrottled"
        | "RequestThrottledException"
        | "SlowDown"
        | "EC2ThrottledException"
        | "BandwidthLimitExceeded"
        | "PriorRequestNotComplete"
        | "ProvisionedThroughputExceededException" => ErrorKind::Throttled,
        // Conflicts: in use, dependency, duplicate, wrong state.
        "DependencyViolation"
        | "ResourceConflictException"
        | "ResourceInUse"
        | "ResourceInUseException"
        | "IncorrectInstanceState"
        | "IncorrectState"
        | "VolumeInUse"
        | "InvalidVolume.InUse"
        | "InvalidSnapshot.InUse"
        | "DuplicateLoadBalancerName"
        | "DuplicateTargetGroupName"
        | "DuplicateListener"
        // ELBv2: another rule of the listener has the priority.
        | "PriorityInUse"
        | "DuplicateTagKeys"
        | "InvalidGroup.Duplicate"
        | "InvalidPermission.Duplicate"
        | "InvalidKeyPair.Duplicate"
        | "IncorrectModificationState"
        // Six hours between modifications of a volume: not a throttle to retry.
        | "VolumeModificationRateExceeded"
        | "InvalidGroup.InUse"
        // Elastic IPs: releasing one still associated; moving one associated elsewhere
        // without AllowReassociation; the account's quota of addresses.
        | "InvalidIPAddress.InUse"
        | "Resource.AlreadyAssociated"
        | "AddressLimitExceeded"
        | "InvalidLaunchTemplateName.AlreadyExistsException"
        | "LaunchTemplateVersionLimitExceeded"
        | "IdempotentParameterMismatch"
        | "IdempotencyException"
        | "ConflictException"
        | "ResourceAlreadyExistsException"
        | "PreconditionFailedException"
        | "TargetNotRunning"
        | "InvalidAttachment.NotFound"
        | "ResourceLimitExceeded"
        | "ConcurrentAccessException"
        // CloudWatch DeleteAlarms: an alarm a composite alarm's rule names.
        | "ResourceConflict"
        // The crate's own: a resource with a workflow's name but without its ownership tags
        // (see `workflows::remove::not_ours`).
        | "ResourceNotOwned"
        // Auto Scaling: a name in use; a scaling activity or instance refresh in progress;
        // a quota reached.
        | "AlreadyExists"
        | "ScalingActivityInProgress"
        | "InstanceRefreshInProgress"
        | "LimitExceeded" => ErrorKind::Conflict,
        // Access.
        "AccessDenied"
        | "AccessDeniedException"
        | "UnauthorizedOperation"
        | "AuthFailure"
        | "InvalidClientTokenId"
        | "UnrecognizedClientException"
        | "SignatureDoesNotMatch"
        | "ExpiredToken"
        | "ExpiredTokenException"
        | "OptInRequired"
        | "MissingAuthenticationToken" => ErrorKind::AccessDenied,
        // The service's own validation.
        "ValidationError"
        | "ValidationException"
        | "InvalidParameter"
        | "InvalidParameterValue"
        | "InvalidParameterValueException"
        | "InvalidParameterCombination"
        | "InvalidParameterException"
        | "MissingParameter"
        | "InvalidRequestContentException"
        | "InvalidConfigurationRequest"
        | "InvalidInput"
        | "InvalidTarget"
        | "InvalidInstanceType"
        | "InvalidDashboardBody"
        | "InvalidParameterInput" => ErrorKind::Validation,
        c if c.ends_with(".Malformed") => ErrorKind::Validation,
        // Not found: EC2's `Invalid*.NotFound`, ELBv2's `*NotFound`, Lambda's and EBS's
        // `ResourceNotFoundException`, CloudWatch's `ResourceNotFound`.
        c if c.ends_with("NotFound")
            || c.ends_with("NotFoundException")
            || c.ends_with(".NotFound")
            || c == "InvalidAMIID.Unavailable"
            // DeleteLaunchTemplateVersions' per-version codes (`LaunchTemplateErrorCode`).
            || c == "launchTemplateIdDoesNotExist"
            || c == "launchTemplateNameDoesNotExist"
            || c == "launchTemplateVersionDoesNotExist" =>
        {
            ErrorKind::NotFound
        }
        // A code this table does not know, from a service that did speak its protocol: the
        // status refines it. Never 404 -> NotFound: only a not-found code says "not found".
        _ => match status {
            Some(403) => ErrorKind::AccessDenied,
            Some(429) => ErrorKind::Throttled,
            Some(409) => ErrorKind::Conflict,
            _ => ErrorKind::Service,
        },
    }
}

/// `: ID` for a known id, nothing for an unknown one (no dangling colon or double space).
fn id_suffix(id: &str) -> String {
    if id.is_empty() {
        String::new()
    } else {
        format!(": {id}")
    }
}

/// The kind of resource a not-found code names; for a generic code (Lambda's and EBS's
/// `ResourceNotFoundException`, CloudWatch's `ResourceNotFound`) the message's first word
/// (`Function not found: ARN`, `The snapshot 'snap-1' does not exist`).
fn resource_kind(code: &str, message: &str) -> &'static str {
    let c = code.to_ascii_lowercase();
    if c.starts_with("resourcenotfound") {
        let m = message.to_ascii_lowercase();
        let generic: &[(&str, &str)] = &[
            ("alias", "alias"),
            ("function", "function"),
            // Before "version": `LayerVersion ARN` names a layer version.
            ("layer", "layer version"),
            ("version", "function version"),
            ("snapshot", "snapshot"),
            ("dashboard", "dashboard"),
            ("alarm", "alarm"),
            ("statement", "policy statement"),
        ];
        return generic
            .iter()
            .map(|(needle, kind)| (m.find(needle), *kind))
            .filter_map(|(at, kind)| Some((at?, kind)))
            .min_by_key(|(at, _)| *at)
            .map(|(_, kind)| kind)
            .unwrap_or("resource");
    }
    let table: &[(&str, &str)] = &[
        ("instanceid", "instance"),
        ("amiid", "image"),
        ("volume", "volume"),
        ("snapshot", "snapshot"),
        ("subnet", "subnet"),
        ("vpc", "vpc"),
        // Before "group": `TargetGroupNotFound` names a target group, not a security group.
        ("targetgroup", "target group"),
        ("group", "security group"),
        ("loadbalancer", "load balancer"),
        ("rulenotfound", "rule"),
        ("listener", "listener"),
        ("alarm", "alarm"),
        ("dashboard", "dashboard"),
        ("function", "function"),
        ("alias", "alias"),
    ];
    table
        .iter()
        .find(|(needle, _)| c.contains(needle))
        .map(|(_, kind)| *kind)
        .unwrap_or("resource")
}

/// The id a not-found message names, in the forms the five services (and moto) use:
/// `'ID'`, `not found: ID`, an ARN anywhere (`The resource ARN does not exist.`, `Cannot find
/// alias arn: ARN`), `[ID, ...]` (`The specified dashboard does not exist. [ops]`), or the
/// word after the kind (`Dashboard ops does not exist`, `Alarm high-cpu not found`).
fn not_found_id(message: &str, kind: &str) -> Option<String> {
    quoted_id(message)
        .or_else(|| named_id(message))
        .or_else(|| arn_id(message))
        .or_else(|| bracketed_id(message))
        .or_else(|| id_after_kind(message, kind))
}

/// A Lambda function ARN with a qualifier names a version (`:7`, `:$LATEST`) or an alias
/// (`:live`): `Function not found: arn:aws:lambda:r:a:function:f:7` is a missing version.
fn qualified_kind(kind: &'static str, id: &str) -> &'static str {
    if kind != "function" {
        return kind;
    }
    let parts: Vec<&str> = id.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "lambda", _, _, "function", _, q] if q.chars().all(|c| c.is_ascii_digit()) || *q == "$LATEST" => {
            "function version"
        }
        ["arn", _, "lambda", _, _, "function", _, _] => "alias",
        _ => kind,
    }
}

/// The first whitespace-separated token that is an ARN (`arn:` and more).
fn arn_id(message: &str) -> Option<String> {
    message
        .split_whitespace()
        .map(|t| t.trim_end_matches(['.', ',', ';']))
        .find(|t| t.starts_with("arn:") && t.len() > "arn:".len())
        .map(str::to_string)
}

/// What a message lists in square brackets (`... does not exist. [ops, web]` → `ops, web`).
fn bracketed_id(message: &str) -> Option<String> {
    let start = message.find('[')? + 1;
    let len = message[start..].find(']')?;
    let id = message[start..start + len].trim();
    (!id.is_empty()).then(|| id.to_string())
}

/// The token after the kind's word when the message goes on with what happened to it
/// (`Dashboard ops does not exist` → `ops`; `Dashboard does not exist` → nothing).
fn id_after_kind(message: &str, kind: &str) -> Option<String> {
    let word = kind.rsplit(' ').next()?;
    let tokens: Vec<&str> = message.split_whitespace().collect();
    let at = tokens.iter().position(|t| t.eq_ignore_ascii_case(word))?;
    let id = tokens.get(at + 1)?.trim_end_matches(['.', ',']);
    let then = tokens.get(at + 2).map(|t| t.to_ascii_lowercase());
    let says_missing = matches!(then.as_deref(), Some("does" | "not" | "is" | "was"));
    let stop = ["does", "not", "is", "was", "you", "the", "specified", "with", "of"];
    (says_missing && !id.is_empty() && !stop.contains(&id.to_ascii_lowercase().as_str())).then(|| id.to_string())
}

/// The token after `not found: ` (`Function not found: arn:aws:lambda:...:function:f` → the ARN).
fn named_id(message: &str) -> Option<String> {
    let at = message.find("not found: ")? + "not found: ".len();
    let id = message[at..].split_whitespace().next()?.trim_end_matches(['.', ',']);
    (!id.is_empty()).then(|| id.to_string())
}

/// The first single-quoted token of a message (`The instance ID 'i-1' does not exist` → `i-1`).
fn quoted_id(message: &str) -> Option<String> {
    let start = message.find('\'')? + 1;
    let len = message[start..].find('\'')?;
    Some(message[start..start + len].to_string())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn kind_of(code: &str) -> ErrorKind {
        Error::api(Service::Ec2, code, "m").kind()
    }

    #[test]
    fn codes_are_classified() {
        let cases = [
            ("InvalidInstanceID.NotFound", ErrorKind::NotFound),
            ("InvalidVolume.NotFound", ErrorKind::NotFound),
            ("InvalidGroup.NotFound", ErrorKind::NotFound),
            ("LoadBalancerNotFound", ErrorKind::NotFound),
            ("TargetGroupNotFound", ErrorKind::NotFound),
            ("ResourceNotFoundException", ErrorKind::NotFound),
            ("ResourceNotFound", ErrorKind::NotFound),
            ("RequestLimitExceeded", ErrorKind::Throttled),
            ("Throttling", ErrorKind::Throttled),
            ("TooManyRequestsException", ErrorKind::Throttled),
            ("DependencyViolation", ErrorKind::Conflict),
            ("ResourceConflictException", ErrorKind::Conflict),
            ("IncorrectInstanceState", ErrorKind::Conflict),
            ("DuplicateLoadBalancerName", ErrorKind::Conflict),
            ("VolumeInUse", ErrorKind::Conflict),
            ("AccessDenied", ErrorKind::AccessDenied),
            ("UnauthorizedOperation", ErrorKind::AccessDenied),
            ("AuthFailure", ErrorKind::AccessDenied),
            ("InvalidParameterValue", ErrorKind::Validation),
            ("InvalidInstanceID.Malformed", ErrorKind::Validation),
            ("ValidationError", ErrorKind::Validation),
            ("InternalError", ErrorKind::Service),
        ];
        for (code, kind) in cases {
            assert_eq!(kind_of(code), kind, "code {code}");
        }
    }

    #[test]
    fn retryable_is_throttling_transport_and_5xx_only() {
        assert!(Error::api(Service::Ec2, "RequestLimitExceeded", "slow down").is_retryable());
        assert!(Error::api(Service::Ec2, "InternalError", "oops").is_retryable());
        let mut api = ApiError::new(Service::Lambda, "Weird", "x");
        api.status = Some(503);
        assert!(Error::from_api(api).is_retryable());
        assert!(!Error::api(Service::Ec2, "InvalidInstanceID.NotFound", "x").is_retryable());
        assert!(!Error::api(Service::Ec2, "DependencyViolation", "x").is_retryable());
        assert!(!Error::validation("count", "must be at least 1").is_retryable());
        assert!(Error::transport(Service::Ebs, "connection reset", None).is_retryable());
    }

    #[test]
    fn not_found_names_kind_and_id() {
        let e = Error::api(
            Service::Ec2,
            "InvalidInstanceID.NotFound",
            "The instance ID 'i-0123456789abcdef0' does not exist",
        );
        match &e {
            Error::NotFound { kind, id, .. } => {
                assert_eq!(kind, "instance");
                assert_eq!(id, "i-0123456789abcdef0");
            }
            other => panic!("expected NotFound, got {other:?}"),
        }
        assert_eq!(e.code(), Some("InvalidInstanceID.NotFound"));
        assert!(e.to_string().contains("i-0123456789abcdef0"));
    }

    #[test]
    fn not_found_kinds_of_every_service() {
        for (service, code, kind) in [
            (Service::Ec2, "InvalidGroup.NotFound", "security group"),
            (Service::Elbv2, "TargetGroupNotFound", "target group"),
            (Service::Elbv2, "LoadBalancerNotFound", "load balancer"),
            (Service::Elbv2, "ListenerNotFound", "listener"),
            (Service::Elbv2, "RuleNotFound", "rule"),
            (Service::Lambda, "ResourceNotFoundException", "resource"),
            (Service::Ebs, "ResourceNotFoundException", "resource"),
        ] {
            match Error::api(service, code, "x") {
                Error::NotFound { kind: got, .. } => assert_eq!(got, kind, "{code}"),
                other => panic!("{code}: expected NotFound, got {other:?}"),
            }
        }
    }

    #[test]
    fn generic_not_found_codes_take_kind_and_id_from_the_message() {
        let arn = "arn:aws:lambda:us-east-1:123456789012:function:shop";
        let e = Error::api(
            Service::Lambda,
            "ResourceNotFoundException",
            format!("Function not found: {arn}"),
        );
        assert!(
            matches!(&e, Error::NotFound { kind, id, .. } if kind == "function" && id == arn),
            "{e:?}"
        );
        assert!(
            e.to_string().starts_with(&format!("function not found: {arn} (")),
            "{e}"
        );
        let e = Error::api(
            Service::Lambda,
            "ResourceNotFoundException",
            format!("Alias not found: {arn}:live"),
        );
        assert!(matches!(&e, Error::NotFound { kind, .. } if kind == "alias"), "{e:?}");
        let e = Error::api(
            Service::Ebs,
            "ResourceNotFoundException",
            "The snapshot 'snap-0123456789abcdef0' does not exist.",
        );
        assert!(
            matches!(&e, Error::NotFound { kind, id, .. } if kind == "snapshot" && id == "snap-0123456789abcdef0"),
            "{e:?}"
        );
        let e = Error::api(Service::CloudWatch, "ResourceNotFound", "Dashboard ops does not exist");
        assert!(
            matches!(&e, Error::NotFound { kind, .. } if kind == "dashboard"),
            "{e:?}"
        );
        // Nothing known: no dangling colon, no double space.
        let e = Error::api(Service::Lambda, "ResourceNotFoundException", "gone");
        assert!(e.to_string().starts_with("resource not found ("), "{e}");
    }

    #[test]
    fn a_404_with_an_unknown_code_is_not_not_found() {
        let mut api = ApiError::new(Service::Ebs, "Whatever", "x");
        api.status = Some(404);
        let e = Error::from_api(api);
        assert!(!e.is_not_found(), "{e:?}");
        assert_eq!(e.kind(), ErrorKind::Service);
        let mut api = ApiError::new(Service::Ebs, "Whatever", "x");
        api.status = Some(429);
        assert!(Error::from_api(api).is_throttled());
    }

    #[test]
    fn an_unrecognized_response_names_the_status_and_is_retryable_only_for_5xx() {
        let e = Error::UnrecognizedResponse {
            service: Service::Elbv2,
            status: Some(404),
            detail: "no AWS error code in the body".into(),
        };
        assert_eq!(
            e.to_string(),
            "ELBv2 endpoint did not answer in the ELBv2 API's protocol (HTTP 404): no AWS error code in the body"
        );
        assert!(!e.is_not_found() && !e.is_retryable());
        let e = Error::UnrecognizedResponse {
            service: Service::Ec2,
            status: Some(502),
            detail: "HTML".into(),
        };
        assert!(e.is_retryable());
    }

    /// Each message of `e`'s chain (its own, then each source's), asserting that each level
    /// says its own part only (no message contains a later one's text), that `chain()` shows
    /// exactly them, and that the top's `Display` is no Debug dump.
    pub(crate) fn each_once(e: &Error) -> Vec<String> {
        let mut msgs = Vec::new();
        let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
        while let Some(x) = cur {
            msgs.push(x.to_string());
            cur = x.source();
        }
        for (i, m) in msgs.iter().enumerate() {
            assert!(!m.is_empty(), "empty message in {msgs:?}");
            for later in &msgs[i + 1..] {
                assert!(!m.contains(later.as_str()), "{m:?} repeats its cause {later:?}");
            }
        }
        assert_eq!(e.chain().to_string(), msgs.join(": "));
        let top = e.to_string();
        assert_ne!(top, format!("{e:?}"));
        for dump in ["Some(", "None", " { ", "Box(", "ApiError", "Custom {", "kind:"] {
            assert!(!top.contains(dump), "{top:?} looks like a Debug dump ({dump})");
        }
        msgs
    }

    #[test]
    fn a_transport_error_says_its_level_and_keeps_the_cause_as_source() {
        let refused = std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "Connection refused (os error 111)",
        );
        let e = Error::transport(
            Service::Ec2,
            "request not sent: connection failed",
            Some(Box::new(refused)),
        );
        assert_eq!(
            each_once(&e),
            [
                "transport error talking to EC2: request not sent: connection failed",
                "Connection refused (os error 111)"
            ]
        );
    }

    #[test]
    fn a_workflow_error_states_workflow_step_and_rollback_and_its_source_is_the_cause() {
        let cause = Error::api(Service::Ec2, "IncorrectState", "the volume is attaching");
        let e = Error::Workflow(Box::new(WorkflowError {
            workflow: "volume data".into(),
            step: "attach".into(),
            cause,
            cleaned_up: vec!["volume vol-1".into()],
            left_behind: vec!["security group sg-2: conflict: in use".into()],
        }));
        let msgs = each_once(&e);
        assert_eq!(
            msgs,
            [
                "workflow volume data failed at step attach; rolled back 1 resource(s); \
                 LEFT BEHIND: security group sg-2: conflict: in use",
                "conflict: EC2 IncorrectState: the volume is attaching",
            ]
        );
        let source = std::error::Error::source(&e).unwrap();
        let source = source.downcast_ref::<Error>().expect("the source is the step's Error");
        assert!(source.is_conflict());
        // Classification still sees through the workflow.
        assert!(e.is_conflict());
        assert_eq!(e.code(), Some("IncorrectState"));
        // A workflow whose step failed for a transport error: three levels, each once.
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "Connection refused");
        let e = Error::Workflow(Box::new(WorkflowError {
            workflow: "web-tier shop".into(),
            step: "security group".into(),
            cause: Error::transport(Service::Ec2, "request not sent", Some(Box::new(refused))),
            cleaned_up: vec![],
            left_behind: vec![],
        }));
        assert_eq!(each_once(&e).len(), 3);
    }

    #[test]
    fn a_not_found_is_one_level_naming_kind_and_id() {
        let e = Error::api(
            Service::Ebs,
            "ResourceNotFoundException",
            "The snapshot 'snap-0123456789abcdef0' does not exist.",
        );
        let msgs = each_once(&e);
        assert_eq!(msgs.len(), 1, "{msgs:?}");
        assert!(
            msgs[0].starts_with("snapshot not found: snap-0123456789abcdef0 ("),
            "{msgs:?}"
        );
    }

    #[test]
    fn an_io_error_names_what_and_keeps_the_io_error_as_source() {
        let e = Error::io(
            "/tmp/x.img",
            std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory"),
        );
        assert_eq!(each_once(&e), ["I/O error on /tmp/x.img", "No such file or directory"]);
    }

    #[test]
    fn not_found_names_kind_and_id_for_lambda_cloudwatch_and_ebs() {
        let f = "arn:aws:lambda:us-east-1:123456789012:function:shop";
        let cases: &[(Service, &str, String, &str, &str)] = &[
            // Lambda: functions, versions and aliases (AWS's and moto's wording).
            (
                Service::Lambda,
                "ResourceNotFoundException",
                format!("Function not found: {f}"),
                "function",
                f,
            ),
            (
                Service::Lambda,
                "ResourceNotFoundException",
                format!("Function not found: {f}:7"),
                "function version",
                &format!("{f}:7"),
            ),
            (
                Service::Lambda,
                "ResourceNotFoundException",
                format!("Function not found: {f}:$LATEST"),
                "function version",
                &format!("{f}:$LATEST"),
            ),
            (
                Service::Lambda,
                "ResourceNotFoundException",
                format!("Function not found: {f}:live"),
                "alias",
                &format!("{f}:live"),
            ),
            (
                Service::Lambda,
                "ResourceNotFoundException",
                format!("Alias not found: {f}:live"),
                "alias",
                &format!("{f}:live"),
            ),
            (
                Service::Lambda,
                "ResourceNotFoundException",
                format!("Cannot find alias arn: {f}:live"),
                "alias",
                &format!("{f}:live"),
            ),
            (
                Service::Lambda,
                "ResourceNotFoundException",
                "Statement allow-alb is not found in resource policy.".into(),
                "policy statement",
                "allow-alb",
            ),
            // CloudWatch: dashboards and alarms.
            (
                Service::CloudWatch,
                "ResourceNotFound",
                "Dashboard ops does not exist".into(),
                "dashboard",
                "ops",
            ),
            (
                Service::CloudWatch,
                "ResourceNotFound",
                "Dashboard 'ops' does not exist".into(),
                "dashboard",
                "ops",
            ),
            (
                Service::CloudWatch,
                "ResourceNotFound",
                "The specified dashboard does not exist. [ops]".into(),
                "dashboard",
                "ops",
            ),
            (
                Service::CloudWatch,
                "ResourceNotFound",
                "Alarm high-cpu not found".into(),
                "alarm",
                "high-cpu",
            ),
            (
                Service::CloudWatch,
                "ResourceNotFound",
                "Alarm 'high-cpu' not found".into(),
                "alarm",
                "high-cpu",
            ),
            (
                Service::CloudWatch,
                "ResourceNotFoundException",
                "The resource arn:aws:cloudwatch:us-east-1:123456789012:alarm:high-cpu does not exist.".into(),
                "alarm",
                "arn:aws:cloudwatch:us-east-1:123456789012:alarm:high-cpu",
            ),
            // EBS snapshots (direct APIs) and EC2's.
            (
                Service::Ebs,
                "ResourceNotFoundException",
                "The snapshot 'snap-0123456789abcdef0' does not exist (SNAPSHOT_NOT_FOUND).".into(),
                "snapshot",
                "snap-0123456789abcdef0",
            ),
            (
                Service::Ec2,
                "InvalidSnapshot.NotFound",
                "The snapshot 'snap-0123456789abcdef0' does not exist.".into(),
                "snapshot",
                "snap-0123456789abcdef0",
            ),
        ];
        for (service, code, message, kind, id) in cases {
            let e = Error::api(*service, *code, message.as_str());
            match &e {
                Error::NotFound { kind: k, id: i, .. } => {
                    assert_eq!((k.as_str(), i.as_str()), (*kind, *id), "{message}")
                }
                other => panic!("{message}: expected NotFound, got {other:?}"),
            }
            assert!(e.to_string().starts_with(&format!("{kind} not found: {id} (")), "{e}");
        }
        // Nothing to name: no id made up from the wording.
        for message in [
            "Dashboard does not exist",
            "The resource you requested does not exist.",
            "",
        ] {
            match Error::api(Service::CloudWatch, "ResourceNotFound", message) {
                Error::NotFound { id, .. } => assert_eq!(id, "", "{message:?}"),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn dependency_violation_is_recognised() {
        assert!(Error::api(Service::Ec2, "DependencyViolation", "in use").is_dependency_violation());
        assert!(!Error::api(Service::Ec2, "VolumeInUse", "in use").is_dependency_violation());
    }
}
