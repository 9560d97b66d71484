//! What residents may type, decided once for every capability and both databases.
//!
//! Every text field has one `Limit` constant (in its capability's model, or here when shared):
//! the form's `maxlength` and `required` come from it, the server checks with it
//! (`Limit::check`), and a test (`server/tests/limits.rs`) compares it with the SQL CHECK of its
//! column in both backends' migrations. Forms never write `maxlength` as a literal.
//!
//! The rules, applied before counting:
//! - surrounding white space is trimmed; `\r\n` and `\r` become `\n`;
//! - NUL and every other control character is removed, except `\n` in multi-line fields (in a
//!   one-line field a line break becomes a space) and tab (a space);
//! - bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069), which can make text
//!   read differently from what it says, are removed;
//! - text of nothing but white space and zero-width characters counts as empty;
//! - on the server, the text is stored in Unicode normalization form C (NFC): the same words typed
//!   on two phones (a precomposed "é" or "e" + combining accent; Chinese is unaffected) compare,
//!   search and count the same. Compatibility forms (NFKC: full-width letters, ①) are kept as typed:
//!   they are what the resident wrote. The browser does not normalize (it would bring the Unicode
//!   tables into the WASM); NFC never makes text longer, so a text the form accepts, the server
//!   accepts.
//!
//! Length is counted in Unicode scalar values (characters), as `char_length` (PostgreSQL) and
//! `length` (SQLite) count them, after the rules. With NUL removed here, both databases store the
//! same text (PostgreSQL refuses NUL in text; SQLite would keep it).
use serde::{Deserialize, Serialize};

/// The bounds of a text field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// At most this many characters.
    pub max: usize,
    /// Empty is refused.
    pub required: bool,
    /// Line breaks are kept.
    pub multiline: bool,
}

/// Why a text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TextProblem {
    Empty,
    TooLong { max: usize },
}

impl Limit {
    /// A required one-line field.
    pub const fn line(max: usize) -> Limit {
        Limit { max, required: true, multiline: false }
    }
    /// An optional one-line field.
    pub const fn optional_line(max: usize) -> Limit {
        Limit { max, required: false, multiline: false }
    }
    /// A required multi-line field.
    pub const fn text(max: usize) -> Limit {
        Limit { max, required: true, multiline: true }
    }
    /// An optional multi-line field.
    pub const fn optional_text(max: usize) -> Limit {
        Limit { max, required: false, multiline: true }
    }

    /// The same bounds, empty allowed (a field required only in some cases).
    pub const fn optional(self) -> Limit {
        Limit { required: false, ..self }
    }

    /// The cleaned text if it fits; empty (`""`) is allowed only for optional fields.
    pub fn check(self, s: &str) -> Result<String, TextProblem> {
        let cleaned = clean(s, self.multiline);
        if cleaned.is_empty() {
            return if self.required { Err(TextProblem::Empty) } else { Ok(cleaned) };
        }
        if cleaned.chars().count() > self.max {
            return Err(TextProblem::TooLong { max: self.max });
        }
        Ok(cleaned)
    }
}

/// A capability's text fields, and the error of its own that names them.
pub trait TextField: Copy {
    type Error;
    fn refused(self, problem: TextProblem) -> Self::Error;
}

/// Checks `s` against `limit`; a refusal names `field` in the capability's own error.
pub fn checked<F: TextField>(s: &str, field: F, limit: Limit) -> Result<String, F::Error> {
    limit.check(s).map_err(|p| field.refused(p))
}

/// A reason a worker gives (moderation, corrections, closing early): shared by every capability.
pub const REASON: Limit = Limit::line(200);
/// A search box.
pub const SEARCH: Limit = Limit::optional_line(50);

fn invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

fn bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Applies the rules above (without the length check).
pub fn clean(s: &str, multiline: bool) -> String {
    #[cfg(feature = "ssr")]
    let s: String = unicode_normalization::UnicodeNormalization::nfc(s).collect();
    let s = s.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' if multiline => out.push('\n'),
            '\n' | '\t' => out.push(' '),
            c if c.is_control() || bidi_control(c) => {}
            c => out.push(c),
        }
    }
    let trimmed = out.trim();
    if trimmed.chars().all(|c| c.is_whitespace() || invisible(c)) {
        return String::new();
    }
    trimmed.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_count_characters_after_trimming() {
        let l = Limit::line(4);
        assert_eq!(l.check("  加装电梯  "), Ok("加装电梯".into()));
        assert_eq!(l.check("加装电梯吧"), Err(TextProblem::TooLong { max: 4 }));
        assert_eq!(l.check("   "), Err(TextProblem::Empty));
        assert_eq!(Limit::optional_line(4).check(""), Ok(String::new()));
    }

    #[test]
    fn control_characters_and_bidi_overrides_are_removed() {
        assert_eq!(clean("a\u{0}b\u{7}c", false), "abc");
        assert_eq!(clean("a\u{202E}cba\u{202C}", false), "acba");
        assert_eq!(clean("x\u{2066}y\u{2069}", false), "xy");
        assert_eq!(clean("第一行\r\n第二行", true), "第一行\n第二行");
        assert_eq!(clean("第一行\n第二行", false), "第一行 第二行");
        assert_eq!(clean("a\tb", true), "a b");
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn text_is_stored_in_nfc_and_compatibility_forms_are_kept() {
        assert_eq!(clean("Cafe\u{301}", false), "Caf\u{e9}");
        assert_eq!(Limit::line(4).check("Cafe\u{301}"), Ok("Caf\u{e9}".into()), "counted after normalizing");
        assert_eq!(clean("ＡＢＣ①", false), "ＡＢＣ①");
        assert_eq!(clean("加装电梯", false), "加装电梯");
    }

    #[test]
    fn zero_width_only_is_empty() {
        assert_eq!(Limit::line(10).check("\u{200B}\u{FEFF} \u{200D}"), Err(TextProblem::Empty));
        assert_eq!(Limit::line(10).check("\u{0}\u{0}"), Err(TextProblem::Empty));
        // Zero-width joiners inside real text stay (emoji sequences use them).
        assert_eq!(Limit::line(10).check("👨\u{200D}👩"), Ok("👨\u{200D}👩".into()));
    }
}
