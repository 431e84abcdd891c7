//! Resource-based policy statements (AddPermission, RemovePermission).

use bon::Builder;
use serde::{Deserialize, Serialize};

use super::*;
use crate::error::{Error, Result};
use crate::id::{Arn, FunctionName};
use crate::macros::validated_builder;
use crate::validate::{self, Validate};

/// A request to add a statement to a function's resource-based policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct AddPermissionRequest {
    /// The function.
    pub function: FunctionName,
    /// A version or alias the statement applies to (default: the unqualified function).
    pub qualifier: Option<String>,
    /// The statement id: 1-100 letters, digits, hyphens and underscores.
    pub statement_id: String,
    /// The action (default `lambda:InvokeFunction`).
    #[builder(default = "lambda:InvokeFunction".to_string())]
    pub action: String,
    /// The principal: a service (`lambda.alarms.cloudwatch.amazonaws.com`), an account id or `*`.
    pub principal: String,
    /// Only calls on behalf of this resource (e.g. the alarm's ARN).
    pub source_arn: Option<Arn>,
    /// Only calls on behalf of this account.
    pub source_account: Option<String>,
}
validated_builder!(
    AddPermissionRequest,
    AddPermissionRequestBuilder,
    add_permission_request_builder
);

/// AddPermission `StatementId`: `([a-zA-Z0-9-_]+)`, 1-100 characters.
fn validate_statement_id(field: &str, sid: &str) -> Result<()> {
    validate::len_in(field, sid, 1, MAX_STATEMENT_ID_CHARS)?;
    if !sid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(Error::validation(
            field,
            format!("may contain only letters, digits, hyphens and underscores (got {sid:?})"),
        ));
    }
    Ok(())
}

impl Validate for AddPermissionRequest {
    fn validate(&self) -> Result<()> {
        if let Some(q) = &self.qualifier {
            validate_qualifier("qualifier", q)?;
        }
        validate_statement_id("statement_id", &self.statement_id)?;
        // AddPermission `Action`: `(lambda:[*]|lambda:[a-zA-Z]+|[*])`.
        let a = &self.action;
        let action_ok = a == "*"
            || a == "lambda:*"
            || a.strip_prefix("lambda:")
                .is_some_and(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_alphabetic()));
        if !action_ok {
            return Err(Error::validation(
                "action",
                format!("must be lambda:ACTION, lambda:* or * (got {a:?})"),
            ));
        }
        // AddPermission `Principal`: `[^\s]+`.
        if self.principal.is_empty() || self.principal.chars().any(char::is_whitespace) {
            return Err(Error::validation(
                "principal",
                "must be a service principal, an account id or *, without whitespace",
            ));
        }
        if let Some(acct) = &self.source_account
            && !(acct.len() == 12 && acct.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(Error::validation(
                "source_account",
                format!("must be a 12-digit account id (got {acct:?})"),
            ));
        }
        Ok(())
    }
}

/// A request to remove a statement from a function's resource-based policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct RemovePermissionRequest {
    /// The function.
    pub function: FunctionName,
    /// The statement id.
    pub statement_id: String,
    /// The version or alias whose policy holds the statement.
    pub qualifier: Option<String>,
}
validated_builder!(
    RemovePermissionRequest,
    RemovePermissionRequestBuilder,
    remove_permission_request_builder
);

impl Validate for RemovePermissionRequest {
    fn validate(&self) -> Result<()> {
        if let Some(q) = &self.qualifier {
            validate_qualifier("qualifier", q)?;
        }
        validate_statement_id("statement_id", &self.statement_id)
    }
}
