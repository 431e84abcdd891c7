//! Loading workflow specs ([`WebTier`](super::web_tier::WebTier),
//! [`VolumeSpec`](super::volume::VolumeSpec), [`Deployment`](super::lambda_deploy::Deployment),
//! ...) from JSON, TOML, YAML or any serde format, with errors that name the field path.
//!
//! Every spec is `Deserialize` with defaults at every level, so a file sets only what it
//! changes, and refuses fields it does not have (a misspelled setting is an error, not a
//! default). Read through these functions, a mistake is an
//! [`Error::Validation`] whose field is the path the user wrote (`subnets[1]`,
//! `health_check.interval_secs`), whether serde refused it (a typed id that does not parse, a
//! misspelled field, a wrong type) or the spec's own rules did; plain `serde_json::from_str`
//! gives serde's message and a line number instead, and checks nothing else.
//!
//! ```
//! use aws_facade::workflows::{spec, web_tier::WebTier};
//! let tier: WebTier = spec::from_json(r#"{
//!     "name": "shop",
//!     "image": {"latest": {"name_pattern": "al2023-ami-*", "owner": "amazon"}},
//!     "instance_type": "t3.micro",
//!     "health_check": {"path": "/healthz"}
//! }"#)?;
//! assert_eq!(tier.health_check.path, "/healthz");
//!
//! let e = spec::from_json::<WebTier>(r#"{"name": "shop", "instance_type": "t3.micro",
//!     "image": {"id": "ami-0123456789abcdef0"}, "subnets": ["subnet-0123456789abcdef0", "nope"]}"#)
//!     .unwrap_err();
//! assert!(matches!(&e, aws_facade::Error::Validation { field, .. } if field == "subnets[1]"), "{e}");
//!
//! let e = spec::from_json::<WebTier>(r#"{"name": "shop", "instance_type": "t3.micro",
//!     "image": {"id": "ami-0123456789abcdef0"}, "health_check": {"interval_secs": 1}}"#)
//!     .unwrap_err();
//! assert_eq!(e.to_string(), "invalid health_check.interval_secs: must be between 5 and 300 (got 1)");
//!
//! // A misspelled field is refused, not ignored (the tier would get the default health check).
//! let e = spec::from_json::<WebTier>(r#"{"name": "shop", "instance_type": "t3.micro",
//!     "image": {"id": "ami-0123456789abcdef0"}, "helth_check": {"path": "/healthz"}}"#)
//!     .unwrap_err();
//! assert!(e.to_string().contains("unknown field `helth_check`"), "{e}");
//! # Ok::<(), aws_facade::Error>(())
//! ```

use serde::de::{Deserialize, DeserializeOwned, Deserializer};

use crate::error::{Error, Result};
use crate::validate::Validate;

/// Reads a spec from JSON and checks it ([`Validate`]); see the module docs.
pub fn from_json<T: DeserializeOwned + Validate>(json: &str) -> Result<T> {
    let mut de = serde_json::Deserializer::from_str(json);
    let spec: T = from_deserializer(&mut de)?;
    de.end().map_err(|e| Error::validation("spec", e.to_string()))?;
    Ok(spec)
}

/// Reads a spec through any serde deserializer (`toml::Deserializer::parse(text)?`,
/// `serde_yaml::Deserializer::from_str(text)`, ...) and checks it ([`Validate`]). An error
/// names the path of the field at fault (`spec` for the document itself).
pub fn from_deserializer<'de, T, D>(de: D) -> Result<T>
where
    T: Deserialize<'de> + Validate,
    D: Deserializer<'de>,
{
    let spec: T = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { "spec".to_string() } else { path };
        Error::validation(field, e.into_inner().to_string())
    })?;
    spec.validate()?;
    Ok(spec)
}
