//! Function URLs: an HTTPS endpoint for a function (or one of its aliases).
//!
//! **A URL with [`FunctionUrlAuthType::None`] is a public endpoint**: anyone on the internet who
//! knows it can invoke the function (and run up its bill) once a resource-based policy allows
//! `lambda:InvokeFunctionUrl` to `*`. The default here is [`FunctionUrlAuthType::AwsIam`]:
//! callers must sign their requests with credentials allowed `lambda:InvokeFunctionUrl`.

use std::time::SystemTime;

use bon::Builder;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::id::{Arn, FunctionName};
use crate::macros::validated_builder;
use crate::validate::{self, Validate};

crate::macros::open_enum! {
    /// Who may call a function URL (`FunctionUrlAuthType`).
    #[derive(Default)]
    pub enum FunctionUrlAuthType {
        /// Callers sign requests with IAM credentials allowed `lambda:InvokeFunctionUrl` (the
        /// default: secure by default).
        #[default]
        AwsIam = "AWS_IAM",
        /// No authentication: **a public endpoint** (see the module docs).
        None = "NONE",
    }
}

crate::macros::open_enum! {
    /// How a function URL returns the function's response (`InvokeMode`).
    #[derive(Default)]
    pub enum InvokeMode {
        /// The whole response at once, up to 6 MB (the default).
        #[default]
        Buffered = "BUFFERED",
        /// Streamed as the function writes it.
        ResponseStream = "RESPONSE_STREAM",
    }
}

/// Cross-origin resource sharing for a function URL (`Cors`). Limits from the Lambda API model:
/// at most 100 origins (1 to 253 characters each), 100 headers per list (at most 1,024
/// characters each), 6 methods, and a max age of 86,400 seconds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct Cors {
    /// Allow cookies and other credentials.
    #[builder(default)]
    #[serde(default)]
    pub allow_credentials: bool,
    /// Headers a request may carry.
    #[builder(default)]
    #[serde(default)]
    pub allow_headers: Vec<String>,
    /// Methods a request may use (`GET`, `POST`, ..., or `*`).
    #[builder(default)]
    #[serde(default)]
    pub allow_methods: Vec<String>,
    /// Origins allowed (`https://example.com`, or `*`).
    #[builder(default)]
    #[serde(default)]
    pub allow_origins: Vec<String>,
    /// Response headers the browser may read.
    #[builder(default)]
    #[serde(default)]
    pub expose_headers: Vec<String>,
    /// How long a browser may cache the preflight answer, in seconds.
    pub max_age_secs: Option<u32>,
}

impl Cors {
    fn validate(&self) -> Result<()> {
        validate::at_most("cors.allow_origins", &self.allow_origins, 100)?;
        for o in &self.allow_origins {
            validate::len_in("cors.allow_origins", o, 1, 253)?;
        }
        for (field, list) in [
            ("cors.allow_headers", &self.allow_headers),
            ("cors.expose_headers", &self.expose_headers),
        ] {
            validate::at_most(field, list, 100)?;
            for h in list {
                validate::len_in(field, h, 0, 1024)?;
            }
        }
        validate::at_most("cors.allow_methods", &self.allow_methods, 6)?;
        for m in &self.allow_methods {
            validate::len_in("cors.allow_methods", m, 1, 6)?;
        }
        if let Some(age) = self.max_age_secs {
            validate::in_range("cors.max_age_secs", age, 0, 86_400)?;
        }
        Ok(())
    }
}

/// A function URL's configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct FunctionUrlConfig {
    /// The URL (`https://ID.lambda-url.REGION.on.aws/`).
    pub url: String,
    /// The function (qualified by the alias, if the URL is an alias's).
    pub function_arn: Arn,
    /// Who may call it.
    #[builder(default)]
    pub auth_type: FunctionUrlAuthType,
    /// Its CORS settings.
    pub cors: Option<Cors>,
    /// How it returns responses.
    #[builder(default)]
    pub invoke_mode: InvokeMode,
    /// When it was created.
    pub created: Option<SystemTime>,
}

impl FunctionUrlConfig {
    /// Whether anyone may call it without credentials ([`FunctionUrlAuthType::None`]).
    pub fn is_public(&self) -> bool {
        self.auth_type == FunctionUrlAuthType::None
    }
}

/// A request to create or replace a function URL's configuration (CreateFunctionUrlConfig,
/// UpdateFunctionUrlConfig). The default is an IAM-authenticated, buffered URL without CORS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct FunctionUrlRequest {
    /// The function.
    pub function: FunctionName,
    /// An alias the URL belongs to (not a version number, not `$LATEST`; default: the
    /// unqualified function).
    pub qualifier: Option<String>,
    /// Who may call it (default IAM). [`FunctionUrlAuthType::None`] makes **a public
    /// endpoint**.
    #[builder(default)]
    #[serde(default)]
    pub auth_type: FunctionUrlAuthType,
    /// CORS settings.
    pub cors: Option<Cors>,
    /// How it returns responses (default buffered).
    #[builder(default)]
    #[serde(default)]
    pub invoke_mode: InvokeMode,
}
validated_builder!(
    FunctionUrlRequest,
    FunctionUrlRequestBuilder,
    function_url_request_builder
);

impl Validate for FunctionUrlRequest {
    fn validate(&self) -> Result<()> {
        validate_url_qualifier(self.qualifier.as_deref())?;
        if let Some(c) = &self.cors {
            c.validate()?;
        }
        Ok(())
    }
}

/// The Lambda API model's `FunctionUrlQualifier`: 1 to 128 of `[0-9a-zA-Z-_]`, not all digits
/// (an alias name; a version number or `$LATEST` cannot have a URL).
pub(crate) fn validate_url_qualifier(q: Option<&str>) -> Result<()> {
    let Some(q) = q else { return Ok(()) };
    validate::len_in("qualifier", q, 1, 128)?;
    if !q.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') || q.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(Error::validation(
            "qualifier",
            format!("must be an alias name: letters, digits, - and _, not a version number (got {q:?})"),
        ));
    }
    Ok(())
}
