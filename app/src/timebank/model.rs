//! The rules of the time bank (时间银行), pure. Amounts are **half hours** (integers): an hour and
//! a half is 3. A person's balance is the sum of their ledger; it never goes below zero. Hours
//! earned in a calendar year (Beijing) count against the community's yearly cap, corrections of
//! those entries included; transfers and refunds do not.
use crate::kernel::stored::str_enum;
use crate::kernel::text::Limit;
use serde::{Deserialize, Serialize};

pub use crate::kernel::text::REASON;

/// The largest single amount (a transfer, a correction): 1,000 hours.
pub const MAX_AMOUNT: i64 = 2_000;
/// The default yearly cap per person: 200 hours.
pub const DEFAULT_YEARLY_CAP: i64 = 400;
/// The most a community may set as the yearly cap (the column's CHECK says the same).
pub const MAX_YEARLY_CAP: i64 = 100_000;
/// What a correction's reason may hold.
pub const CORRECTION_REASON: Limit = REASON;

str_enum! {
    /// What an entry of the ledger records.
    EntryKind {
        /// Hours of an activity, verified by a worker.
        Earned = "earned",
        /// A service booking paid with hours.
        Spent = "spent",
        /// A paid booking cancelled: its hours back.
        Refunded = "refunded",
        /// To or from a member of the same household.
        Transferred = "transferred",
        /// A worker's correction of an earlier entry, with a reason.
        Corrected = "corrected",
    }
}

/// Why the ledger refuses a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Refusal {
    /// It would take the balance below zero.
    Insufficient { balance: i64 },
    /// Nothing more may be earned this year.
    YearlyCap { cap: i64 },
    /// An amount of zero, or more than `MAX_AMOUNT`.
    Amount,
    /// A transfer to someone outside the household, or to oneself.
    NotInHousehold,
    /// A correction that would turn the entry's sign (earn less than nothing, spend less than
    /// nothing) or that changes nothing.
    Correction,
}

/// The balance after adding `delta`.
pub fn apply(balance: i64, delta: i64) -> Result<i64, Refusal> {
    if delta == 0 {
        return Err(Refusal::Amount);
    }
    let after = balance + delta;
    if after < 0 { Err(Refusal::Insufficient { balance }) } else { Ok(after) }
}

/// How much of `half_hours` of verified activity time is credited, with `earned` already counted
/// this year and the community's `cap`: all of it, or what is left under the cap (the rest is not
/// banked, and the worker is told); nothing left is a refusal.
pub fn creditable(half_hours: i64, earned: i64, cap: i64) -> Result<i64, Refusal> {
    if half_hours <= 0 {
        return Err(Refusal::Amount);
    }
    let left = cap - earned;
    if left <= 0 { Err(Refusal::YearlyCap { cap }) } else { Ok(half_hours.min(left)) }
}

/// Whether `amount` half hours may go from one member to another: within one household, to
/// someone else, a positive amount up to `MAX_AMOUNT`.
pub fn transfer_allowed(from: (i64, i64), to: (i64, i64), amount: i64) -> Result<(), Refusal> {
    if !(1..=MAX_AMOUNT).contains(&amount) {
        return Err(Refusal::Amount);
    }
    let ((from_member, from_household), (to_member, to_household)) = (from, to);
    if from_member == to_member || from_household != to_household {
        return Err(Refusal::NotInHousehold);
    }
    Ok(())
}

/// A correction of an entry of `original` half hours already corrected by `corrected` (the sum of
/// its corrections): the entry then counts `original + corrected + delta`, which must keep the
/// original's sign or be zero (a full reversal). Returns that new effective amount.
pub fn correction(original: i64, corrected: i64, delta: i64) -> Result<i64, Refusal> {
    if delta == 0 || delta.abs() > MAX_AMOUNT {
        return Err(Refusal::Amount);
    }
    let now = original + corrected + delta;
    if now == 0 || now.signum() == original.signum() { Ok(now) } else { Err(Refusal::Correction) }
}

/// `3` → "1.5", `4` → "2": half hours as hours, for people.
pub fn hours(half_hours: i64) -> String {
    let sign = if half_hours < 0 { "-" } else { "" };
    let h = half_hours.abs();
    if h % 2 == 0 { format!("{sign}{}", h / 2) } else { format!("{sign}{}.5", h / 2) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_balance_never_goes_below_zero() {
        assert_eq!(apply(4, -4), Ok(0));
        assert_eq!(apply(4, -5), Err(Refusal::Insufficient { balance: 4 }));
        assert_eq!(apply(0, 3), Ok(3));
        assert_eq!(apply(3, 0), Err(Refusal::Amount));
    }

    #[test]
    fn the_yearly_cap_credits_what_is_left_then_refuses() {
        // Cap 10 half hours (5 h): 6 earned, 6 more verified → 4 credited; then nothing.
        assert_eq!(creditable(6, 0, 10), Ok(6));
        assert_eq!(creditable(6, 6, 10), Ok(4));
        assert_eq!(creditable(1, 10, 10), Err(Refusal::YearlyCap { cap: 10 }));
        // A cap lowered below what was earned: nothing more, nothing taken back.
        assert_eq!(creditable(2, 12, 10), Err(Refusal::YearlyCap { cap: 10 }));
        assert_eq!(creditable(0, 0, 10), Err(Refusal::Amount));
    }

    #[test]
    fn transfers_stay_within_the_household() {
        assert_eq!(transfer_allowed((1, 7), (2, 7), 4), Ok(()));
        assert_eq!(transfer_allowed((1, 7), (3, 8), 4), Err(Refusal::NotInHousehold));
        assert_eq!(transfer_allowed((1, 7), (1, 7), 4), Err(Refusal::NotInHousehold));
        assert_eq!(transfer_allowed((1, 7), (2, 7), 0), Err(Refusal::Amount));
        assert_eq!(transfer_allowed((1, 7), (2, 7), MAX_AMOUNT + 1), Err(Refusal::Amount));
    }

    #[test]
    fn corrections_reverse_or_reduce_never_flip() {
        // Earned 6: reversed fully, reduced to 4, raised to 8; not below zero.
        assert_eq!(correction(6, 0, -6), Ok(0));
        assert_eq!(correction(6, 0, -2), Ok(4));
        assert_eq!(correction(6, 0, 2), Ok(8));
        assert_eq!(correction(6, 0, -7), Err(Refusal::Correction));
        // Already reduced by 2: another −4 reverses it, −5 would flip it.
        assert_eq!(correction(6, -2, -4), Ok(0));
        assert_eq!(correction(6, -2, -5), Err(Refusal::Correction));
        // A spend of 4 (−4) corrected to −2.
        assert_eq!(correction(-4, 0, 2), Ok(-2));
        assert_eq!(correction(-4, 0, 5), Err(Refusal::Correction));
        assert_eq!(correction(6, 0, 0), Err(Refusal::Amount));
    }

    #[test]
    fn half_hours_read_as_hours() {
        assert_eq!(hours(3), "1.5");
        assert_eq!(hours(4), "2");
        assert_eq!(hours(-1), "-0.5");
        assert_eq!(hours(0), "0");
    }
}
