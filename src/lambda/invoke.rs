//! Invocation requests and results.

use std::fmt;

use bon::Builder;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::*;
use crate::error::{Error, Result};
use crate::id::FunctionName;
use crate::macros::validated_builder;
use crate::secret::Payload;
use crate::validate::Validate;

/// How to invoke a function.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InvocationType {
    /// Synchronously: wait for the result (status 200).
    #[default]
    RequestResponse,
    /// Asynchronously: queue the event (status 202).
    Event,
    /// Only check parameters and permissions (status 204).
    DryRun,
}

impl InvocationType {
    /// The AWS name.
    pub fn as_str(&self) -> &'static str {
        match self {
            InvocationType::RequestResponse => "RequestResponse",
            InvocationType::Event => "Event",
            InvocationType::DryRun => "DryRun",
        }
    }
}

/// A request to invoke a function.
#[derive(Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct InvokeRequest {
    /// The function.
    pub function: FunctionName,
    /// `$LATEST`, a version number or an alias (default `$LATEST`).
    pub qualifier: Option<String>,
    /// The JSON event (at most 6 MB, or 256 KB for `Event`).
    #[builder(default, into)]
    pub payload: Bytes,
    /// Synchronous (default), asynchronous or dry run.
    #[builder(default)]
    pub invocation_type: InvocationType,
    /// Return the last 4 KB of the execution log (synchronous invocations only).
    #[builder(default)]
    pub log_tail: bool,
}
validated_builder!(InvokeRequest, InvokeRequestBuilder, invoke_request_builder);

impl fmt::Debug for InvokeRequest {
    /// Shows the payload's length and SHA-256 prefix, not its bytes (events may carry tokens).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let InvokeRequest {
            function,
            qualifier,
            payload,
            invocation_type,
            log_tail,
        } = self;
        f.debug_struct("InvokeRequest")
            .field("function", function)
            .field("qualifier", qualifier)
            .field("payload", &Payload(payload))
            .field("invocation_type", invocation_type)
            .field("log_tail", log_tail)
            .finish()
    }
}

impl Validate for InvokeRequest {
    fn validate(&self) -> Result<()> {
        if let Some(q) = &self.qualifier {
            validate_qualifier("qualifier", q)?;
        }
        let max = match self.invocation_type {
            InvocationType::Event => MAX_ASYNC_PAYLOAD_BYTES,
            _ => MAX_SYNC_PAYLOAD_BYTES,
        };
        if self.payload.len() > max {
            return Err(Error::validation(
                "payload",
                format!(
                    "must be at most {max} bytes for {} invocations (got {})",
                    self.invocation_type.as_str(),
                    self.payload.len()
                ),
            ));
        }
        if self.log_tail && self.invocation_type != InvocationType::RequestResponse {
            return Err(Error::validation(
                "log_tail",
                "applies only to RequestResponse (synchronous) invocations",
            ));
        }
        Ok(())
    }
}

/// The result of an invocation.
#[derive(Clone, PartialEq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct InvokeOutput {
    /// 200 (RequestResponse), 202 (Event) or 204 (DryRun).
    #[builder(default = 200)]
    pub status_code: u16,
    /// The function's response (or error document).
    #[builder(default, into)]
    pub payload: Bytes,
    /// `Unhandled` or `Handled` when the function failed.
    pub function_error: Option<String>,
    /// The decoded tail of the execution log, when requested.
    pub log_tail: Option<String>,
    /// The version that ran (after alias routing).
    pub executed_version: Option<String>,
}

impl fmt::Debug for InvokeOutput {
    /// Shows the payload's length and SHA-256 prefix, not its bytes ([`InvokeOutput::payload_json`]
    /// reads it).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let InvokeOutput {
            status_code,
            payload,
            function_error,
            log_tail,
            executed_version,
        } = self;
        f.debug_struct("InvokeOutput")
            .field("status_code", status_code)
            .field("payload", &Payload(payload))
            .field("function_error", function_error)
            .field("log_tail", log_tail)
            .field("executed_version", executed_version)
            .finish()
    }
}

impl InvokeOutput {
    /// The payload parsed as JSON.
    pub fn payload_json(&self) -> Result<serde_json::Value> {
        serde_json::from_slice(&self.payload).map_err(|e| {
            Error::api(
                Service::Lambda,
                "MalformedResponse",
                format!("the function's payload is not JSON: {e}"),
            )
        })
    }
}
