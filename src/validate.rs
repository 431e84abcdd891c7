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

/// Checks that a string's length in characters (Unicode scalar values) is within `lo..=hi`.
///
/// AWS counts characters, not bytes: the Smithy `@length` trait, from which botocore's
/// `min`/`max` of a string shape come, "counts the number of Unicode code points"
/// (<https://smithy.io/2.0/spec/constraint-traits.html#length-trait>).
pub fn len_in(field: &str, value: &str, lo: usize, hi: usize) -> Result<()> {
    let n = value.chars().count();
    if n < lo || n > hi {
        Err(Error::validation(
            field,
            format!("must be {lo} to {hi} characters long (got {n})"),
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

/// At most 50 tags per resource (EC2 User Guide, "Tag restrictions",
/// <https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html#tag-restrictions>;
/// the same quota applies to ELBv2, CloudWatch and Lambda resources).
pub const MAX_TAGS: usize = 50;
/// The longest tag key, in characters: 128 (EC2 "Tag restrictions"; `TagKey` `max` in the
/// ELBv2, CloudWatch and Lambda models).
pub const MAX_TAG_KEY_CHARS: usize = 128;
/// The longest tag value, in characters: 256 (EC2 "Tag restrictions"; `TagValue` `max` in the
/// ELBv2, CloudWatch and Lambda models).
pub const MAX_TAG_VALUE_CHARS: usize = 256;

/// The tag character class of the ELBv2 and Lambda models (`TagKey`/`TagValue` `pattern`
/// `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`, the one the tagging docs describe as "letters, numbers,
/// and spaces representable in UTF-8, and the following characters: + - = . _ : / @").
///
/// `\p{N}` is exactly [`char::is_numeric`] and `\p{Z}` is the seventeen separator characters
/// listed below. `\p{L}` is approximated by [`char::is_alphabetic`] (the Unicode `Alphabetic`
/// property: `\p{L}`, `\p{Nl}` and `Other_Alphabetic`), which also accepts some combining vowel
/// signs (`\p{M}`) that the service refuses; every letter is accepted.
pub fn is_tag_char(c: char) -> bool {
    c.is_alphabetic()
        || c.is_numeric()
        || is_unicode_separator(c)
        || matches!(c, '_' | '.' | ':' | '/' | '=' | '+' | '-' | '@')
}

/// `\p{Z}`: the space separators (`Zs`), U+2028 (`Zl`) and U+2029 (`Zp`) of Unicode 15.
fn is_unicode_separator(c: char) -> bool {
    matches!(
        c,
        '\u{20}' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}'
    )
}

/// The tag rules of one service's API model.
#[derive(Debug, Clone, Copy)]
pub struct TagRules {
    /// The longest key, in characters.
    pub max_key_chars: usize,
    /// The longest value, in characters.
    pub max_value_chars: usize,
    /// The characters keys and values may contain (`None`: any).
    pub charset: Option<fn(char) -> bool>,
}

impl TagRules {
    /// EC2 and CloudWatch: keys 1-128 and values 0-256 characters of any kind (the EC2 and
    /// CloudWatch models carry no pattern; "EC2 allows any character in its tags").
    pub const ANY_CHARS: TagRules = TagRules {
        max_key_chars: MAX_TAG_KEY_CHARS,
        max_value_chars: MAX_TAG_VALUE_CHARS,
        charset: None,
    };
    /// ELBv2 and Lambda: keys 1-128 and values 0-256 characters of [`is_tag_char`].
    pub const TAG_CHARS: TagRules = TagRules {
        max_key_chars: MAX_TAG_KEY_CHARS,
        max_value_chars: MAX_TAG_VALUE_CHARS,
        charset: Some(is_tag_char),
    };
}

/// Resource tags under EC2's rules ([`TagRules::ANY_CHARS`]): see [`tags_with`].
pub fn tags(field: &str, tags: &crate::Tags) -> Result<()> {
    tags_with(field, tags, TagRules::ANY_CHARS)
}

/// Resource tags: at most [`MAX_TAGS`], keys 1 to `rules.max_key_chars` characters not
/// starting with `aws:` (reserved for AWS, any case: EC2 "Tag restrictions"), values at most
/// `rules.max_value_chars` characters, both of `rules.charset` where it is set.
pub fn tags_with(field: &str, tags: &crate::Tags, rules: TagRules) -> Result<()> {
    if tags.len() > MAX_TAGS {
        return Err(Error::validation(
            field,
            format!("at most {MAX_TAGS} tags (got {})", tags.len()),
        ));
    }
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > rules.max_key_chars {
            return Err(Error::validation(
                field,
                format!("tag key {k:?} must be 1 to {} characters", rules.max_key_chars),
            ));
        }
        if k.to_ascii_lowercase().starts_with("aws:") {
            return Err(Error::validation(
                field,
                format!("tag key {k:?} must not start with `aws:`"),
            ));
        }
        if v.chars().count() > rules.max_value_chars {
            return Err(Error::validation(
                field,
                format!(
                    "tag value for {k:?} must be at most {} characters",
                    rules.max_value_chars
                ),
            ));
        }
        if let Some(ok) = rules.charset {
            for (what, text) in [("key", k), ("value", v)] {
                if let Some(c) = text.chars().find(|c| !ok(*c)) {
                    return Err(Error::validation(
                        field,
                        format!(
                            "tag {what} {text:?} contains {c:?}: only letters, numbers, spaces and + - = . _ : / @ are allowed"
                        ),
                    ));
                }
            }
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
    fn lengths_count_characters_not_bytes() {
        // Smithy's length trait counts code points: 255 two-byte characters fit in 1-255.
        assert!(len_in("description", &"é".repeat(255), 1, 255).is_ok());
        let e = len_in("description", &"é".repeat(256), 1, 255).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid description: must be 1 to 255 characters long (got 256)"
        );
    }

    #[test]
    fn tag_charset_follows_the_elbv2_and_lambda_pattern() {
        let one = |k: &str, v: &str| -> crate::Tags { [(k.to_string(), v.to_string())].into_iter().collect() };
        for ok in [
            ("Name", "web 1"),
            ("team:owner", "a+b=c/d@e_f.g-h"),
            ("名前", "ウェブ"),
            ("k", ""),
        ] {
            assert!(
                tags_with("tags", &one(ok.0, ok.1), TagRules::TAG_CHARS).is_ok(),
                "{ok:?}"
            );
        }
        for bad in [("a&b", "v"), ("k", "it's"), ("k", "tab\there"), ("k", "a*")] {
            let e = tags_with("tags", &one(bad.0, bad.1), TagRules::TAG_CHARS).unwrap_err();
            assert!(e.to_string().contains("only letters"), "{bad:?}: {e}");
            // EC2 allows any character.
            assert!(tags("tags", &one(bad.0, bad.1)).is_ok());
        }
        assert!(is_tag_char('\u{3000}') && !is_tag_char('\u{200b}'));
        let long = TagRules {
            max_key_chars: 127,
            max_value_chars: 255,
            charset: None,
        };
        assert!(tags_with("tags", &one(&"k".repeat(127), &"v".repeat(255)), long).is_ok());
        assert!(tags_with("tags", &one(&"k".repeat(128), "v"), long).is_err());
        assert!(tags_with("tags", &one("k", &"v".repeat(256)), long).is_err());
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
