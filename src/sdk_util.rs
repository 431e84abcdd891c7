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
                // page): never "not found", whatever the status says.
                return Error::UnrecognizedResponse {
                    service,
                    status: Some(status),
                    detail: format!(
                        "no AWS error code in the response{}",
                        e.message().map(|m| format!(" ({m})")).unwrap_or_default()
                    ),
                };
            };
            Error::from_api(ApiError {
                service,
                code: code.to_string(),
                message: e.message().unwrap_or("").to_string(),
                request_id,
                status: Some(status),
            })
        }
        SdkError::TimeoutError(_) => Error::transport(service, "request timed out", Some(Box::new(err))),
        SdkError::DispatchFailure(ref d) => {
            let msg = format!(
                "dispatch failure: {}",
                describe_chain(&err).unwrap_or_else(|| format!("{d:?}"))
            );
            Error::transport(service, msg, Some(Box::new(err)))
        }
        SdkError::ResponseError(ref r) => {
            // The service answered with a body that is not its protocol's document (an HTML
            // page, an empty or truncated body): say so with the status. A 5xx stays retryable.
            let status = r.raw().status().as_u16();
            Error::UnrecognizedResponse {
                service,
                status: Some(status),
                detail: format!(
                    "unreadable response body: {}",
                    describe_chain(&err).unwrap_or_else(|| "no detail".into())
                ),
            }
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
    let v = value.ok_or_else(|| {
        Error::from_api(ApiError::new(
            service,
            "MalformedResponse",
            format!("response is missing {field}"),
        ))
    })?;
    v.parse()
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
    }
}
