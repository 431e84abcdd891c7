//! Dashboards: PutDashboard, GetDashboard and DeleteDashboards requests and outputs.

use bon::Builder;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::macros::validated_builder;
use crate::validate::{self, Validate};

use super::MAX_DASHBOARD_NAME_CHARS;

/// Checks a dashboard name: 1-255 characters, letters, digits, `-` and `_` (PutDashboard
/// `DashboardName`).
pub fn validate_dashboard_name(field: &str, name: &str) -> Result<()> {
    validate::len_in(field, name, 1, MAX_DASHBOARD_NAME_CHARS)?;
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(Error::validation(
            field,
            format!("may contain only letters, digits, `-` and `_` (got {name:?})"),
        ));
    }
    Ok(())
}

/// Checks a list of dashboard names for DeleteDashboards (1-100 valid names).
pub fn validate_dashboard_names(names: &[String]) -> Result<()> {
    validate::non_empty("names", names)?;
    validate::at_most("names", names, 100)?;
    for n in names {
        validate_dashboard_name("names", n)?;
    }
    Ok(())
}

/// A request to create or replace a dashboard (PutDashboard).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct PutDashboardRequest {
    /// The name: 1-255 letters, digits, `-` and `_`.
    pub name: String,
    /// The body: a JSON object with a `widgets` array (CloudWatch "Dashboard body structure
    /// and syntax").
    pub body: String,
}
validated_builder!(
    PutDashboardRequest,
    PutDashboardRequestBuilder,
    put_dashboard_request_builder
);

impl Validate for PutDashboardRequest {
    fn validate(&self) -> Result<()> {
        validate_dashboard_name("name", &self.name)?;
        let v: serde_json::Value =
            serde_json::from_str(&self.body).map_err(|e| Error::validation("body", format!("must be JSON: {e}")))?;
        if !v.get("widgets").is_some_and(serde_json::Value::is_array) {
            return Err(Error::validation(
                "body",
                "must be a JSON object with a `widgets` array",
            ));
        }
        Ok(())
    }
}

/// A dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct Dashboard {
    /// The name.
    pub name: String,
    /// The ARN.
    #[builder(default)]
    pub arn: String,
    /// The JSON body.
    #[builder(default)]
    pub body: String,
}
