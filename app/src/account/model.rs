//! Accounts (账户): the pure rules — phone numbers, roles, one-time login codes, sessions.
//! No IO here: compiled for the server and the browser (which validates the phone as you type).
use serde::{Deserialize, Serialize};

pub use crate::kernel::roles::Role;
use crate::kernel::text::Limit;

/// A family member's name and relationship (kernel text rules; the SQL CHECKs say the same, see
/// `server/tests/limits.rs`).
pub const MEMBER_NAME: Limit = Limit::line(50);
pub const RELATIONSHIP: Limit = Limit::line(20);
/// A roster's owner group (`households.owner_group`): homes with the same one share an owner.
pub const OWNER_GROUP: Limit = Limit::optional_line(40);
pub use crate::kernel::text::{REASON, SEARCH};
/// What the login form lets one type: a phone number with spaces or +86, a code with spaces.
pub const PHONE_INPUT_MAX: usize = 20;
pub const CODE_INPUT_MAX: usize = 8;
pub const YEAR_INPUT_MAX: usize = 4;

/// Why a phone number was not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PhoneError {
    Empty,
    NotAMobileNumber,
}

/// A mainland mobile number as 11 digits (`1[3-9]xxxxxxxxx`), from what people type: spaces,
/// dashes and a `+86` / `0086` prefix are accepted.
pub fn normalize_phone(input: &str) -> Result<String, PhoneError> {
    let digits: String = input.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')')).collect();
    if digits.is_empty() {
        return Err(PhoneError::Empty);
    }
    let digits = digits.strip_prefix("+86").or_else(|| digits.strip_prefix("0086")).unwrap_or(&digits);
    let b = digits.as_bytes();
    let ok = b.len() == 11 && b.iter().all(u8::is_ascii_digit) && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]);
    if ok { Ok(digits.to_string()) } else { Err(PhoneError::NotAMobileNumber) }
}

/// A 6-digit code as typed (spaces allowed), or `None` if it cannot be one.
pub fn normalize_code(input: &str) -> Option<String> {
    let code: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    (code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())).then_some(code)
}

/// The limits of one-time login codes.
#[derive(Clone, Copy, Debug)]
pub struct CodePolicy {
    /// How long a code is valid.
    pub ttl_ms: i64,
    /// Wrong tries before the code is dead.
    pub max_attempts: i64,
    /// Minimum time between two codes to the same phone.
    pub resend_cooldown_ms: i64,
    /// Codes per phone per hour.
    pub per_phone_per_hour: i64,
    /// Code requests per client address per hour (one address can hide a household or an office).
    pub per_ip_per_hour: i64,
    /// Wrong codes per client address per hour, across phones (stops spraying many numbers).
    pub failures_per_ip_per_hour: i64,
}

pub const CODE_POLICY: CodePolicy = CodePolicy {
    ttl_ms: 5 * 60 * 1000,
    max_attempts: 5,
    resend_cooldown_ms: 60 * 1000,
    per_phone_per_hour: 5,
    per_ip_per_hour: 20,
    failures_per_ip_per_hour: 30,
};

/// The stored state of the latest code sent to a phone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoredCode {
    pub expires_at: i64,
    pub attempts: i64,
    pub consumed: bool,
}

/// The outcome of presenting a code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CodeCheck {
    Accepted,
    /// Wrong code; this many tries remain.
    Wrong {
        remaining: i64,
    },
    Expired,
    /// Too many wrong tries: a new code must be requested.
    Locked,
    /// No usable code: never sent, or already used.
    NoCode,
}

/// Decides a presented code. `matches` is whether its hash equals the stored one; the order of
/// the checks matters: a dead code stays dead even when the right digits arrive later.
pub fn check_code(now: i64, stored: Option<StoredCode>, matches: bool, policy: &CodePolicy) -> CodeCheck {
    let Some(code) = stored else { return CodeCheck::NoCode };
    if code.consumed {
        return CodeCheck::NoCode;
    }
    if code.attempts >= policy.max_attempts {
        return CodeCheck::Locked;
    }
    if now >= code.expires_at {
        return CodeCheck::Expired;
    }
    if matches {
        CodeCheck::Accepted
    } else {
        let remaining = policy.max_attempts - code.attempts - 1;
        if remaining <= 0 { CodeCheck::Locked } else { CodeCheck::Wrong { remaining } }
    }
}

/// Whether a new code may be sent now, given the send times of the last hour (newest last).
pub fn may_send_code(now: i64, sent_last_hour: &[i64], policy: &CodePolicy) -> Result<(), SendRefusal> {
    if let Some(&last) = sent_last_hour.last() {
        let wait = last + policy.resend_cooldown_ms - now;
        if wait > 0 {
            return Err(SendRefusal::Cooldown { wait_secs: (wait + 999) / 1000 });
        }
    }
    if sent_last_hour.iter().filter(|&&t| now - t < 3_600_000).count() as i64 >= policy.per_phone_per_hour {
        return Err(SendRefusal::TooMany);
    }
    Ok(())
}

/// Why no code was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SendRefusal {
    Cooldown { wait_secs: i64 },
    TooMany,
}

/// Lifetimes of the session tokens.
pub const ACCESS_TTL_SECS: i64 = 15 * 60;
pub const REFRESH_TTL_SECS: i64 = 30 * 24 * 60 * 60;

/// The stored state of a refresh token that was presented.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoredRefresh {
    pub expires_at: i64,
    /// When it was rotated (ms), if it was.
    pub used_at: Option<i64>,
    pub family_revoked: bool,
}

/// How long (ms) a just-rotated refresh token still renews — to the successor it was rotated to,
/// never to a new family member. A page sends several server-function calls at once; after the
/// access token has expired each carries the same refresh token, and only one can rotate it.
/// Without this interval the others looked like a stolen token coming back, and the app logged
/// its own user out. Okta and Auth0 allow up to 60 s; a reuse after it still revokes the family.
pub const REFRESH_GRACE_MS: i64 = 60_000;

/// What to do with a presented refresh token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefreshDecision {
    /// Issue a new pair and mark this token used.
    Rotate,
    /// Refuse; the token is unknown or expired.
    Reject,
    /// Refuse and revoke the whole family: a rotated token came back, so someone else has it.
    RevokeFamily,
    /// Rotated moments ago (`REFRESH_GRACE_MS`): answer with the same successor again.
    Successor,
}

pub fn decide_refresh(now: i64, stored: Option<StoredRefresh>) -> RefreshDecision {
    match stored {
        None => RefreshDecision::Reject,
        Some(t) if t.family_revoked => RefreshDecision::Reject,
        Some(StoredRefresh { used_at: Some(at), .. }) if now - at <= REFRESH_GRACE_MS => RefreshDecision::Successor,
        Some(StoredRefresh { used_at: Some(_), .. }) => RefreshDecision::RevokeFamily,
        Some(t) if now >= t.expires_at => RefreshDecision::Reject,
        Some(_) => RefreshDecision::Rotate,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: CodePolicy = CODE_POLICY;

    fn code(expires_at: i64, attempts: i64) -> Option<StoredCode> {
        Some(StoredCode { expires_at, attempts, consumed: false })
    }

    #[test]
    fn phone_numbers_are_normalized_or_refused() {
        assert_eq!(normalize_phone("138 0000 0001").unwrap(), "13800000001");
        assert_eq!(normalize_phone("+86 138-0000-0001").unwrap(), "13800000001");
        assert_eq!(normalize_phone("008613800000001").unwrap(), "13800000001");
        assert_eq!(normalize_phone(""), Err(PhoneError::Empty));
        assert_eq!(normalize_phone("12800000001"), Err(PhoneError::NotAMobileNumber));
        assert_eq!(normalize_phone("1380000000"), Err(PhoneError::NotAMobileNumber));
        assert_eq!(normalize_phone("1380000000a"), Err(PhoneError::NotAMobileNumber));
        assert_eq!(normalize_phone("１３８００００００01"), Err(PhoneError::NotAMobileNumber));
    }

    #[test]
    fn codes_are_six_digits() {
        assert_eq!(normalize_code(" 123 456 ").as_deref(), Some("123456"));
        assert_eq!(normalize_code("12345"), None);
        assert_eq!(normalize_code("12345a"), None);
    }

    #[test]
    fn right_code_before_expiry_is_accepted() {
        assert_eq!(check_code(1_000, code(2_000, 0), true, &P), CodeCheck::Accepted);
        assert_eq!(check_code(1_000, code(2_000, 4), true, &P), CodeCheck::Accepted, "fifth try still counts");
    }

    #[test]
    fn code_expires_at_exactly_its_deadline() {
        assert_eq!(check_code(1_999, code(2_000, 0), true, &P), CodeCheck::Accepted);
        assert_eq!(check_code(2_000, code(2_000, 0), true, &P), CodeCheck::Expired);
        assert_eq!(check_code(9_000, code(2_000, 0), false, &P), CodeCheck::Expired);
    }

    #[test]
    fn five_wrong_tries_lock_the_code_even_for_the_right_digits() {
        assert_eq!(check_code(0, code(10, 0), false, &P), CodeCheck::Wrong { remaining: 4 });
        assert_eq!(check_code(0, code(10, 3), false, &P), CodeCheck::Wrong { remaining: 1 });
        assert_eq!(check_code(0, code(10, 4), false, &P), CodeCheck::Locked);
        assert_eq!(check_code(0, code(10, 5), true, &P), CodeCheck::Locked);
    }

    #[test]
    fn used_or_missing_code_is_refused() {
        let used = Some(StoredCode { expires_at: 10, attempts: 0, consumed: true });
        assert_eq!(check_code(0, used, true, &P), CodeCheck::NoCode);
        assert_eq!(check_code(0, None, true, &P), CodeCheck::NoCode);
    }

    #[test]
    fn resend_waits_sixty_seconds_and_at_most_five_per_hour() {
        assert_eq!(may_send_code(0, &[], &P), Ok(()));
        assert_eq!(may_send_code(30_000, &[0], &P), Err(SendRefusal::Cooldown { wait_secs: 30 }));
        assert_eq!(may_send_code(59_001, &[0], &P), Err(SendRefusal::Cooldown { wait_secs: 1 }));
        assert_eq!(may_send_code(60_000, &[0], &P), Ok(()));
        let five = [0, 60_000, 120_000, 180_000, 240_000];
        assert_eq!(may_send_code(400_000, &five, &P), Err(SendRefusal::TooMany));
        assert_eq!(may_send_code(3_600_000, &five[1..], &P), Ok(()), "the oldest left the window");
    }

    #[test]
    fn refresh_rotates_once_and_reuse_revokes_the_family() {
        let fresh = StoredRefresh { expires_at: 100_000_000, used_at: None, family_revoked: false };
        assert_eq!(decide_refresh(50, Some(fresh)), RefreshDecision::Rotate);
        let rotated = StoredRefresh { used_at: Some(1_000), ..fresh };
        assert_eq!(decide_refresh(1_000, Some(rotated)), RefreshDecision::Successor);
        assert_eq!(decide_refresh(1_000 + REFRESH_GRACE_MS, Some(rotated)), RefreshDecision::Successor);
        assert_eq!(decide_refresh(1_001 + REFRESH_GRACE_MS, Some(rotated)), RefreshDecision::RevokeFamily);
        assert_eq!(decide_refresh(1_000, Some(StoredRefresh { family_revoked: true, ..rotated })), RefreshDecision::Reject);
        let fresh = StoredRefresh { expires_at: 100, ..fresh };
        assert_eq!(decide_refresh(100, Some(fresh)), RefreshDecision::Reject);
        assert_eq!(decide_refresh(50, Some(StoredRefresh { family_revoked: true, ..fresh })), RefreshDecision::Reject);
        assert_eq!(decide_refresh(50, None), RefreshDecision::Reject);
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for r in [Role::Resident, Role::Volunteer, Role::Worker, Role::DistrictAdmin] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("admin"), None);
    }
}
