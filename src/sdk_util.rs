//! What every SDK adapter shares: the one mapping from `SdkError` to [`Error`], and
//! conversions between SDK and crate types.

use std::time::SystemTime;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::Tags;
use crate::error::{ApiError, Error, Service};

/// Maps any SDK error of `service` to [`Error`]: service errors by their AWS code (through
/// [`Error::from_api`]), everything else as transport.
pub(crate) fn map_sdk_error<E>(service: Service, err: SdkError<E, HttpResponse>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match err {
        SdkError::ServiceError(se) => {
            let status = se.raw().status().as_u16();
            let request_id = se
                .raw()
                .headers()
                .get("x-amzn-requestid")
                .or_else(|| se.raw().headers().get("x-amz-request-id"))
                .map(str::to_string);
            let e = se.err();
            let Some(code) = e.code().filter(|c| !c.is_empty()) else {
                // The body parsed as no AWS error at all (a wrong endpoint's 404, a proxy's
                // page): never "not found", whatever the status says. A success status whose
                // body the SDK could not read as the operation's output ends up here too.
                let why = e.message().map(str::to_string).or_else(|| describe_chain(e));
                return unrecognized(service, se.raw(), why);
            };
            Error::from_api(ApiError {
                service,
                code: code.to_string(),
                message: e.message().unwrap_or("").to_string(),
                request_id,
                status: Some(status),
            })
        }
        // The transport error's message says what happened at this level only; the SDK error,
        // whose sources carry the connector's and the OS's own words, is its source (printed
        // by `Error::chain` or anyhow's `{:#}`, once).
        SdkError::TimeoutError(_) => Error::transport_after_send(
            service,
            "no answer in time (the request may have taken effect)",
            Some(Box::new(err)),
        ),
        SdkError::DispatchFailure(ref d) => {
            // A connector timeout may come after the request was written; an I/O failure
            // (refused, reset before sending, DNS) is treated as never sent.
            let connector = d.as_connector_error();
            if connector.is_some_and(|c| c.is_timeout()) {
                let msg = "connection timed out (the request may have been sent)";
                Error::transport_after_send(service, msg, Some(Box::new(err)))
            } else {
                let msg = match connector {
                    Some(c) if c.is_io() => "request not sent: connection failed",
                    Some(c) if c.is_user() => "request not sent: the HTTP client refused it",
                    _ => "request not sent",
                };
                Error::transport(service, msg, Some(Box::new(err)))
            }
        }
        SdkError::ResponseError(ref r) => {
            // The service answered with a body that is not its protocol's document (an HTML
            // page, an empty or truncated body): say so with the status. A 5xx stays retryable.
            unrecognized(service, r.raw(), describe_chain(&err))
        }
        SdkError::ConstructionFailure(_) => {
            // A request the SDK could not build: our bug or a missing required field.
            Error::validation(
                "request",
                format!(
                    "the SDK could not build it: {}",
                    describe_chain(&err).unwrap_or_default()
                ),
            )
        }
        other => Error::transport(service, "unknown SDK error", Some(Box::new(other))),
    }
}

/// What a success response of an operation must carry to be that operation's answer, where
/// the SDK would accept less: the REST-JSON deserializers (Lambda, EBS) take an empty body for
/// an empty document, and header-only outputs need no body at all, so a wrong endpoint's
/// `200` with nothing in it would pass for "done, and nothing there".
#[cfg(any(feature = "ebs", feature = "lambda"))]
#[derive(Debug, Clone, Copy)]
pub(crate) enum Answer {
    /// The output is a JSON document in the body: an empty body is not an answer.
    Body,
    /// The output is in headers: this header must be present.
    Header(&'static str),
}

/// An interceptor that turns a `2xx` response lacking what [`Answer`] says the operation's
/// answer carries into an [`Error::UnrecognizedResponse`] with the status (through
/// `SdkError::ResponseError`, see [`map_sdk_error`]). Operations not listed are not checked
/// (those that answer `204`/`202` with an empty body, streaming ones).
#[cfg(any(feature = "ebs", feature = "lambda"))]
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequireAnswer(pub(crate) &'static [(&'static str, Answer)]);

#[cfg(any(feature = "ebs", feature = "lambda"))]
impl aws_smithy_runtime_api::client::interceptors::Intercept for RequireAnswer {
    fn name(&self) -> &'static str {
        "RequireAnswer"
    }

    fn read_after_deserialization(
        &self,
        context: &aws_smithy_runtime_api::client::interceptors::context::AfterDeserializationInterceptorContextRef<'_>,
        _: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        cfg: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        let response = context.response();
        if !response.status().is_success() || context.output_or_error().is_err() {
            return Ok(());
        }
        let Some(op) = cfg.load::<aws_smithy_runtime_api::client::orchestrator::Metadata>() else {
            return Ok(());
        };
        let op = op.name();
        match self.0.iter().find(|(name, _)| *name == op).map(|(_, a)| *a) {
            Some(Answer::Body)
                if response
                    .body()
                    .bytes()
                    .is_some_and(|b| b.iter().all(u8::is_ascii_whitespace)) =>
            {
                Err(format!("a {op} response is a JSON document, and this success response has an empty body").into())
            }
            Some(Answer::Header(h)) if response.headers().get(h).is_none() => {
                Err(format!("a {op} response carries the {h} header, and this success response has none").into())
            }
            _ => Ok(()),
        }
    }
}

/// An answer that is not the API's protocol, with its status, why the SDK could not read it,
/// and the start of what the endpoint sent (so a wrong endpoint shows itself: an HTML page,
/// an empty body).
fn unrecognized(service: Service, raw: &HttpResponse, why: Option<String>) -> Error {
    let status = raw.status().as_u16();
    let lead = if raw.status().is_success() {
        "a success status, but the body is not the operation's response"
    } else {
        "no AWS error code in the response"
    };
    // A generic error's metadata with nothing in it displays as just "Error".
    let why = why
        .filter(|w| !w.is_empty() && w != "Error")
        .map(|w| format!(" ({w})"))
        .unwrap_or_default();
    let body = match raw.body().bytes() {
        Some(b) if b.iter().all(u8::is_ascii_whitespace) => "; empty body".to_string(),
        Some(b) => {
            let text = String::from_utf8_lossy(&b[..b.len().min(200)]);
            let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let cut: String = text.chars().take(80).collect();
            let more = if cut.len() < text.len() || b.len() > 200 {
                "..."
            } else {
                ""
            };
            format!("; body starts {cut:?}{more}")
        }
        None => String::new(),
    };
    Error::UnrecognizedResponse {
        service,
        status: Some(status),
        detail: format!("{lead}{why}{body}"),
    }
}

fn describe_chain(err: &dyn std::error::Error) -> Option<String> {
    let mut parts = Vec::new();
    let mut cur = err.source();
    while let Some(e) = cur {
        parts.push(e.to_string());
        cur = e.source();
    }
    (!parts.is_empty()).then(|| parts.join(": "))
}

/// A `.map_err(sdk_err(Service::Ec2))` helper.
pub(crate) fn sdk_err<E>(service: Service) -> impl Fn(SdkError<E, HttpResponse>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    move |e| map_sdk_error(service, e)
}

/// SDK date-time to `SystemTime`.
pub(crate) fn to_system_time(t: &aws_smithy_types::DateTime) -> Option<SystemTime> {
    SystemTime::try_from(*t).ok()
}

/// `SystemTime` to SDK date-time.
#[cfg(feature = "cloudwatch")]
pub(crate) fn to_date_time(t: SystemTime) -> aws_smithy_types::DateTime {
    aws_smithy_types::DateTime::from(t)
}

/// Builds crate tags from any iterator of optional key/value pairs (SDK tag structs).
pub(crate) fn tags_from<'a>(pairs: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>) -> Tags {
    pairs
        .into_iter()
        .filter_map(|(k, v)| Some((k?.to_string(), v.unwrap_or_default().to_string())))
        .collect()
}

/// Parses a typed id from an SDK string field, naming the field if it is missing or malformed.
pub(crate) fn parse_id<T>(service: Service, field: &str, value: Option<&str>) -> crate::Result<T>
where
    T: std::str::FromStr<Err = Error>,
{
    missing(service, field, value)?.parse()
}

/// [`parse_id`] for a string moved out of an answer the adapter owns: the id keeps it.
pub(crate) fn take_id<T>(service: Service, field: &str, value: Option<String>) -> crate::Result<T>
where
    T: TryFrom<String, Error = Error>,
{
    T::try_from(missing(service, field, value)?)
}

/// The value of a required answer field, or a `MalformedResponse` naming it.
fn missing<T>(service: Service, field: &str, value: Option<T>) -> crate::Result<T> {
    value.ok_or_else(|| {
        Error::from_api(ApiError::new(
            service,
            "MalformedResponse",
            format!("response is missing {field}"),
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_runtime_api::client::result::ServiceError;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    #[derive(Debug)]
    struct FakeErr(ErrorMetadata);
    impl std::fmt::Display for FakeErr {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "fake")
        }
    }
    impl std::error::Error for FakeErr {}
    impl ProvideErrorMetadata for FakeErr {
        fn meta(&self) -> &ErrorMetadata {
            &self.0
        }
    }

    fn service_error(code: &str, status: u16) -> SdkError<FakeErr, HttpResponse> {
        let meta = ErrorMetadata::builder().code(code).message("it broke").build();
        let raw = HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::empty());
        SdkError::ServiceError(ServiceError::builder().source(FakeErr(meta)).raw(raw).build())
    }

    #[test]
    fn each_code_maps_to_its_kind() {
        use crate::error::ErrorKind::*;
        let cases = [
            ("InvalidInstanceID.NotFound", 400, NotFound),
            ("RequestLimitExceeded", 503, Throttled),
            ("Throttling", 400, Throttled),
            ("DependencyViolation", 400, Conflict),
            ("ResourceConflictException", 409, Conflict),
            ("ResourceNotFoundException", 404, NotFound),
            ("LoadBalancerNotFound", 400, NotFound),
            ("AccessDenied", 403, AccessDenied),
            ("InvalidParameterValue", 400, Validation),
            ("InternalError", 500, Service),
        ];
        for (code, status, kind) in cases {
            let e = map_sdk_error(crate::Service::Ec2, service_error(code, status));
            assert_eq!(e.kind(), kind, "{code}");
            assert_eq!(e.code(), Some(code));
            assert_eq!(e.api_error().unwrap().status, Some(status));
        }
    }

    #[test]
    fn a_server_error_with_an_unreadable_body_is_a_retryable_service_error() {
        let raw = HttpResponse::new(
            500.try_into().unwrap(),
            aws_smithy_types::body::SdkBody::from("<html>Internal Server Error</html>"),
        );
        let e = map_sdk_error::<FakeErr>(crate::Service::Ebs, SdkError::response_error("malformed JSON", raw));
        assert_eq!(e.kind(), crate::ErrorKind::UnrecognizedResponse, "{e:?}");
        assert!(e.to_string().contains("(HTTP 500)"), "{e}");
        assert!(e.is_retryable());
    }

    #[test]
    fn a_404_without_an_aws_code_is_an_unrecognized_response_not_not_found() {
        let meta = ErrorMetadata::builder().build();
        let raw = HttpResponse::new(
            StatusCode::try_from(404).unwrap(),
            SdkBody::from("<html>Not Found</html>"),
        );
        let err: SdkError<FakeErr, HttpResponse> =
            SdkError::ServiceError(ServiceError::builder().source(FakeErr(meta)).raw(raw).build());
        let e = map_sdk_error(crate::Service::Elbv2, err);
        assert_eq!(e.kind(), crate::ErrorKind::UnrecognizedResponse, "{e:?}");
        assert!(!e.is_not_found() && !e.is_retryable());
        assert!(
            e.to_string()
                .contains("did not answer in the ELBv2 API's protocol (HTTP 404)"),
            "{e}"
        );
        // A 200 with an unreadable body, likewise (and not retryable).
        let raw = HttpResponse::new(200.try_into().unwrap(), SdkBody::from("<html>hello</html>"));
        let e = map_sdk_error::<FakeErr>(crate::Service::Ec2, SdkError::response_error("not XML", raw));
        assert_eq!(e.kind(), crate::ErrorKind::UnrecognizedResponse);
        assert!(!e.is_retryable());
    }

    #[test]
    fn timeouts_and_dispatch_failures_are_transport() {
        let e = map_sdk_error::<FakeErr>(crate::Service::Lambda, SdkError::timeout_error("slow"));
        assert_eq!(e.kind(), crate::ErrorKind::Transport);
        assert!(e.is_retryable());
        assert!(matches!(e, Error::Transport { sent: true, .. }), "{e:?}");
    }

    /// Each message of the chain, each level saying its own part only (see `error::tests`).
    use crate::error::tests::each_once as levels;

    #[test]
    fn a_refused_connection_prints_each_cause_once() {
        use aws_smithy_runtime_api::client::result::ConnectorError;
        let refused = std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "Connection refused (os error 111)",
        );
        let err = SdkError::<FakeErr, HttpResponse>::dispatch_failure(ConnectorError::io(Box::new(refused)));
        let e = map_sdk_error(crate::Service::Ec2, err);
        assert!(matches!(e, Error::Transport { sent: false, .. }), "{e:?}");
        assert_eq!(
            levels(&e),
            [
                "transport error talking to EC2: request not sent: connection failed",
                "dispatch failure",
                "io error",
                "Connection refused (os error 111)",
            ]
        );
        // The source is the SDK error itself, boxed.
        let source = std::error::Error::source(&e).unwrap();
        assert!(source.downcast_ref::<SdkError<FakeErr, HttpResponse>>().is_some());
        assert_eq!(
            e.chain().to_string(),
            "transport error talking to EC2: request not sent: connection failed: dispatch failure: io error: \
             Connection refused (os error 111)"
        );
        // A connector timeout: sent, and said so once.
        let err = SdkError::<FakeErr, HttpResponse>::dispatch_failure(ConnectorError::timeout("read timed out".into()));
        let e = map_sdk_error(crate::Service::Lambda, err);
        assert!(matches!(e, Error::Transport { sent: true, .. }), "{e:?}");
        assert_eq!(levels(&e).len(), 4);
        let e = map_sdk_error::<FakeErr>(crate::Service::Lambda, SdkError::timeout_error("slow"));
        assert_eq!(
            levels(&e),
            [
                "transport error talking to Lambda: no answer in time (the request may have taken effect)",
                "request has timed out",
                "slow",
            ]
        );
    }
}
