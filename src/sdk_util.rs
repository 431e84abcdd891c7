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
            let code = e.code().unwrap_or("Unknown").to_string();
            let message = e.message().unwrap_or("").to_string();
            Error::from_api(ApiError {
                service,
                code,
                message,
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
        SdkError::ResponseError(ref r) if r.raw().status().as_u16() >= 500 => {
            // The service answered with a server error whose body is not its protocol's error
            // document (an HTML error page, say): a service error with its status (retryable),
            // not a transport failure.
            let status = r.raw().status().as_u16();
            let message = format!(
                "HTTP {status} with an unreadable error body: {}",
                describe_chain(&err).unwrap_or_default()
            );
            Error::from_api(ApiError {
                service,
                code: "Unknown".into(),
                message,
                request_id: None,
                status: Some(status),
            })
        }
        SdkError::ResponseError(_) => {
            let msg = format!("unreadable response: {}", describe_chain(&err).unwrap_or_default());
            Error::transport(service, msg, Some(Box::new(err)))
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
        assert_eq!(e.kind(), crate::ErrorKind::Service, "{e:?}");
        assert_eq!(e.api_error().unwrap().status, Some(500));
        assert!(e.is_retryable());
    }

    #[test]
    fn timeouts_and_dispatch_failures_are_transport() {
        let e = map_sdk_error::<FakeErr>(crate::Service::Lambda, SdkError::timeout_error("slow"));
        assert_eq!(e.kind(), crate::ErrorKind::Transport);
        assert!(e.is_retryable());
    }
}
