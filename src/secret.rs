//! Values that are never printed or serialised by accident: [`Secret`] and [`SecretString`].
//!
//! Instance user data and Lambda environment values often carry bootstrap secrets (database
//! passwords, API tokens). They are held as [`SecretString`]s, which:
//!
//! - show `[redacted; N bytes]` in `Debug` (also `{:#?}`) and `Display`: the length, never the
//!   value. (No digest either: a hash of a short password is a cheap way to test guesses.)
//! - serialise as `{"redacted": true, "len": N}` by default, in outputs (a
//!   [`FunctionConfiguration`](crate::lambda::FunctionConfiguration)) and input specs
//!   ([`WebTier`](crate::workflows::web_tier::WebTier)) alike. Reading that back fails with a
//!   message that says so, rather than launching with a placeholder for user data. To write
//!   a spec file with its values (a round trip), serialise inside [`exposing`].
//! - deserialise from a plain string, so a spec file says `"user_data": "#!/bin/sh ..."`.
//! - give the value only to [`Secret::expose_secret`] (or [`Secret::into_exposed`]): the
//!   adapters call it where the value goes to AWS, and a reader can find every such place.
//!
//! ```
//! use aws_facade::{SecretString, secret};
//! let pw = SecretString::from("hunter2");
//! assert_eq!(format!("{pw:?}"), "[redacted; 7 bytes]");
//! assert_eq!(serde_json::to_string(&pw).unwrap(), r#"{"redacted":true,"len":7}"#);
//! assert_eq!(secret::exposing(|| serde_json::to_string(&pw)).unwrap(), r#""hunter2""#);
//! assert_eq!(pw.expose_secret(), "hunter2");
//! // A spec file holds the plain value; a redacted one is refused when read back.
//! let read: SecretString = serde_json::from_str(r#""hunter2""#).unwrap();
//! assert_eq!(read, pw);
//! assert!(serde_json::from_str::<SecretString>(r#"{"redacted":true,"len":7}"#).is_err());
//! ```
//!
//! The memory is not zeroed on drop: the SDK copies the value into its request anyway.
//! Equality (`==`, used to tell whether a spec changed) is not constant-time.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};

/// A value kept out of `Debug`, `Display` and serde output; see the [module docs](self).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret<T>(T);

/// A secret string: instance user data, Lambda environment values.
pub type SecretString = Secret<String>;

impl<T> Secret<T> {
    /// Wraps `value`.
    pub const fn new(value: T) -> Self {
        Secret(value)
    }
    /// The value itself. Call it only where the value must go (to AWS, or into a file the
    /// user asked for), never to print it.
    pub fn expose_secret(&self) -> &T {
        &self.0
    }
    /// The value itself, unwrapped (see [`Secret::expose_secret`]).
    pub fn into_exposed(self) -> T {
        self.0
    }
}

impl<T: AsRef<[u8]>> Secret<T> {
    /// Its length in bytes (not secret: limits such as user data's 16 KB count it).
    pub fn len(&self) -> usize {
        self.0.as_ref().len()
    }
    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.0.as_ref().is_empty()
    }
}

impl<T> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Secret(value)
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

impl<T: AsRef<[u8]>> fmt::Debug for Secret<T> {
    /// `[redacted; N bytes]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[redacted; {} bytes]", self.len())
    }
}

impl<T: AsRef<[u8]>> fmt::Display for Secret<T> {
    /// `[redacted; N bytes]`, as `Debug`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

thread_local! {
    /// How many [`exposing`] calls are running on this thread.
    static EXPOSING: Cell<u32> = const { Cell::new(0) };
}

/// Runs `f` with every [`Secret`] serialised as its plain value (on this thread, for the
/// duration of `f`), for writing a spec file that is to be read back:
/// `secret::exposing(|| serde_json::to_string_pretty(&spec))`. Outside it, secrets
/// serialise redacted. `Debug` and `Display` stay redacted inside it too.
pub fn exposing<R>(f: impl FnOnce() -> R) -> R {
    struct Restore;
    impl Drop for Restore {
        fn drop(&mut self) {
            EXPOSING.with(|n| n.set(n.get() - 1));
        }
    }
    EXPOSING.with(|n| n.set(n.get() + 1));
    let _restore = Restore;
    f()
}

/// What a secret serialises as outside [`exposing`].
#[derive(Serialize)]
struct Redacted {
    redacted: bool,
    len: usize,
}

impl<T: Serialize + AsRef<[u8]>> Serialize for Secret<T> {
    /// `{"redacted": true, "len": N}`, or the value inside [`exposing`].
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if EXPOSING.with(Cell::get) > 0 {
            self.0.serialize(s)
        } else {
            Redacted {
                redacted: true,
                len: self.len(),
            }
            .serialize(s)
        }
    }
}

impl<'de> Deserialize<'de> for SecretString {
    /// From a plain string. A redacted value (`{"redacted": true, ...}`) is an error.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Plain;
        impl Visitor<'_> for Plain {
            type Value = SecretString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a string (a secret written redacted, {\"redacted\": true, ...}, cannot be read \
                     back: put the value in, or write the file inside aws_facade::secret::exposing)",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<SecretString, E> {
                Ok(Secret(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<SecretString, E> {
                Ok(Secret(v))
            }
        }
        d.deserialize_string(Plain)
    }
}

/// `Debug` of a byte payload (a zip package, an EBS block, an invocation payload): its length
/// and the start of its SHA-256, `<N bytes, sha256 1a2b3c4d>`, never the bytes.
pub(crate) struct Payload<'a>(pub(crate) &'a [u8]);

impl fmt::Debug for Payload<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = Sha256::digest(self.0);
        write!(
            f,
            "<{} bytes, sha256 {:02x}{:02x}{:02x}{:02x}>",
            self.0.len(),
            d[0],
            d[1],
            d[2],
            d[3]
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MARKER: &str = "MARKER-s3cr3t-4f2a";

    #[test]
    fn debug_display_and_serde_never_show_the_value() {
        let s = SecretString::from(MARKER);
        for shown in [
            format!("{s:?}"),
            format!("{s:#?}"),
            format!("{s}"),
            format!("{:?}", Some(&s)),
            serde_json::to_string(&s).unwrap(),
            serde_json::to_string(&vec![s.clone()]).unwrap(),
        ] {
            assert!(!shown.contains(MARKER), "{shown}");
            assert!(shown.contains("redacted") && shown.contains("18"), "{shown}");
        }
        assert_eq!(s.expose_secret(), MARKER);
        assert_eq!(s.len(), MARKER.len());
        assert!(!s.is_empty());
        assert_eq!(s.clone().into_exposed(), MARKER);
    }

    #[test]
    fn exposing_serialises_the_value_and_restores_redaction() {
        let s = SecretString::from(MARKER);
        let json = exposing(|| serde_json::to_string(&s).unwrap());
        assert_eq!(json, format!("\"{MARKER}\""));
        assert_eq!(serde_json::from_str::<SecretString>(&json).unwrap(), s);
        // Nested, and after a panic inside, redaction is back.
        exposing(|| exposing(|| ()));
        let _ = std::panic::catch_unwind(|| exposing(|| panic!("inside")));
        assert!(!serde_json::to_string(&s).unwrap().contains(MARKER));
        // Debug stays redacted even while exposing.
        assert!(!exposing(|| format!("{s:?}")).contains(MARKER));
    }

    #[test]
    fn a_redacted_value_is_not_read_back_as_a_value() {
        let written = serde_json::to_string(&SecretString::from(MARKER)).unwrap();
        let e = serde_json::from_str::<SecretString>(&written).unwrap_err().to_string();
        assert!(e.contains("redacted") && e.contains("exposing"), "{e}");
    }

    #[test]
    fn payload_debug_shows_length_and_digest_prefix() {
        // SHA-256("abc") = ba7816bf...
        assert_eq!(format!("{:?}", Payload(b"abc")), "<3 bytes, sha256 ba7816bf>");
    }
}
