//! Validation of request values, shared by the builders and every trait implementation.

use crate::error::{Error, Result};

/// A request value that can check itself before it is sent.
///
/// Builders call it in `build()`; implementations of the service traits call it again on
/// entry, so a request made by hand (or deserialized) cannot reach a backend unchecked.
pub trait Validate {
    /// Checks the value; a bad field is [`Error::Validation`] naming the field and the rule.
    fn validate(&self) -> Result<()>;
}

/// Checks `lo <= value <= hi`, naming `field` and the range on failure.
pub fn in_range<T: PartialOrd + std::fmt::Display>(field: &str, value: T, lo: T, hi: T) -> Result<()> {
    if value < lo || value > hi {
        Err(Error::validation(
            field,
            format!("must be between {lo} and {hi} (got {value})"),
        ))
    } else {
        Ok(())
    }
}

/// Checks that a string's length in bytes is within `lo..=hi`.
pub fn len_in(field: &str, value: &str, lo: usize, hi: usize) -> Result<()> {
    if value.len() < lo || value.len() > hi {
        Err(Error::validation(
            field,
            format!("must be {lo} to {hi} characters long (got {})", value.len()),
        ))
    } else {
        Ok(())
    }
}

/// Checks that a list is not empty.
pub fn non_empty<T>(field: &str, items: &[T]) -> Result<()> {
    if items.is_empty() {
        Err(Error::validation(field, "must not be empty"))
    } else {
        Ok(())
    }
}

/// Checks that a list has at most `max` items.
pub fn at_most<T>(field: &str, items: &[T], max: usize) -> Result<()> {
    if items.len() > max {
        Err(Error::validation(
            field,
            format!("must have at most {max} items (got {})", items.len()),
        ))
    } else {
        Ok(())
    }
}

/// Resource tags: at most 50 per resource, keys 1-128 characters not starting with `aws:`,
/// values at most 256 characters (EC2 User Guide, "Tag restrictions"; the same limits apply to
/// ELBv2, CloudWatch and Lambda tags).
pub fn tags(field: &str, tags: &crate::Tags) -> Result<()> {
    if tags.len() > 50 {
        return Err(Error::validation(
            field,
            format!("at most 50 tags (got {})", tags.len()),
        ));
    }
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 {
            return Err(Error::validation(
                field,
                format!("tag key {k:?} must be 1 to 128 characters"),
            ));
        }
        if k.to_ascii_lowercase().starts_with("aws:") {
            return Err(Error::validation(
                field,
                format!("tag key {k:?} must not start with `aws:`"),
            ));
        }
        if v.chars().count() > 256 {
            return Err(Error::validation(
                field,
                format!("tag value for {k:?} must be at most 256 characters"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_rules() {
        let mut t = crate::Tags::new();
        t.insert("Name".into(), "web".into());
        assert!(tags("tags", &t).is_ok());
        t.insert("aws:reserved".into(), "x".into());
        let e = tags("tags", &t).unwrap_err();
        assert!(e.to_string().contains("aws:"), "{e}");
        let many: crate::Tags = (0..51).map(|i| (format!("k{i}"), String::new())).collect();
        assert!(tags("tags", &many).is_err());
    }

    #[test]
    fn ranges_name_the_field() {
        let e = in_range("memory_mb", 64, 128, 10240).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid memory_mb: must be between 128 and 10240 (got 64)"
        );
    }
}
