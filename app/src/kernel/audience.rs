//! Who something is for (an audience): an age range of the person served or taking part, and
//! optionally some buildings. Service bookings and activity sign-ups check people by this one rule.
//!
//! **Age** is the calendar year (in Beijing) of what is booked minus the birth year: the roster
//! keeps birth years only, so a person born in 1966 counts as 60 at everything in 2026, from 1
//! January — "turning 60 this year" is 60. An age range is inclusive at both ends.
use crate::time::year_of;
use serde::{Deserialize, Serialize};

/// The person's age at something starting at `starts_at` (module doc).
pub fn age_at(birth_year: i64, starts_at: i64) -> i64 {
    year_of(starts_at) - birth_year
}

/// Who a service or an activity is for: an inclusive age range (either end open) and, if not empty, the
/// buildings whose households it serves.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Eligibility {
    pub min_age: Option<i64>,
    pub max_age: Option<i64>,
    pub building_ids: Vec<i64>,
}

/// Why a person may not be served (or take part).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ineligible {
    /// The service or activity has an age range and the roster has no birth year for them.
    NoBirthYear,
    TooYoung {
        min: i64,
    },
    TooOld {
        max: i64,
    },
    /// Their building is not among those served.
    Building,
    /// Not a confirmed member of a verified household.
    NotConfirmed,
}

impl Eligibility {
    /// The person's age at `starts_at` (if known) when they may be served or take part.
    pub fn check(&self, birth_year: Option<i64>, building: i64, starts_at: i64) -> Result<Option<i64>, Ineligible> {
        if !self.building_ids.is_empty() && !self.building_ids.contains(&building) {
            return Err(Ineligible::Building);
        }
        let age = birth_year.map(|b| age_at(b, starts_at));
        if self.min_age.is_some() || self.max_age.is_some() {
            let a = age.ok_or(Ineligible::NoBirthYear)?;
            if let Some(min) = self.min_age
                && a < min
            {
                return Err(Ineligible::TooYoung { min });
            }
            if let Some(max) = self.max_age
                && a > max
            {
                return Err(Ineligible::TooOld { max });
            }
        }
        Ok(age)
    }
}

/// Why someone may not be booked or signed up, in a few words (beside their name).
pub fn why_not(w: Ineligible, l: crate::i18n::Locale) -> String {
    use crate::i18n::td_string;
    match w {
        Ineligible::NoBirthYear => td_string!(l, svc_why_no_birth_year).to_string(),
        Ineligible::TooYoung { min } => td_string!(l, svc_why_young, min = min).to_string(),
        Ineligible::TooOld { max } => td_string!(l, svc_why_old, max = max).to_string(),
        Ineligible::Building => td_string!(l, svc_why_building).to_string(),
        Ineligible::NotConfirmed => td_string!(l, svc_why_pending).to_string(),
    }
}

#[cfg(feature = "ssr")]
pub use store::*;

#[cfg(feature = "ssr")]
mod store {
    /// A member of a household, as booking or signing up needs them.
    pub struct Person {
        pub id: i64,
        pub name: String,
        pub birth_year: Option<i64>,
        pub building: i64,
        /// A confirmed member (a family member a worker has not confirmed yet may not be booked for).
        pub confirmed: bool,
    }

    /// The members of a household (rejected ones left out), in id order.
    pub async fn household_people(conn: &mut sqlx::AnyConnection, household: i64) -> Result<Vec<Person>, sqlx::Error> {
        Ok(households_people(conn, &[household]).await?.remove(&household).unwrap_or_default())
    }

    /// The members of each of `households` (as `household_people`), in one query; a household
    /// with none is absent.
    pub async fn households_people(conn: &mut sqlx::AnyConnection, households: &[i64]) -> Result<std::collections::HashMap<i64, Vec<Person>>, sqlx::Error> {
        if households.is_empty() {
            return Ok(std::collections::HashMap::new());
        }
        let mut sql = crate::kernel::sql::Sql::new();
        let list = sql.list(households);
        sql.text = format!(
            "SELECT m.household_id, m.id, m.name, m.birth_year, h.building_id, m.status FROM household_members m JOIN households h ON h.id = m.household_id \
             WHERE m.household_id IN ({list}) AND m.status <> 'rejected' ORDER BY m.id"
        );
        let rows: Vec<(i64, i64, String, Option<i64>, i64, String)> = sql.fetch_all(conn).await?;
        let mut by_household: std::collections::HashMap<i64, Vec<Person>> = std::collections::HashMap::new();
        for (household, id, name, birth_year, building, status) in rows {
            by_household.entry(household).or_default().push(Person { id, name, birth_year, building, confirmed: status == "confirmed" });
        }
        Ok(by_household)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::local_to_ms;

    fn at(s: &str) -> i64 {
        local_to_ms(s).unwrap()
    }

    #[test]
    fn age_is_the_sessions_year_minus_the_birth_year() {
        // Born 1966: 60 at every session of 2026, from 1 January (Beijing), 59 the evening before.
        assert_eq!(age_at(1966, at("2026-01-01T00:00")), 60);
        assert_eq!(age_at(1966, at("2025-12-31T23:59")), 59);
        let meals = Eligibility { min_age: Some(60), max_age: None, building_ids: vec![] };
        assert_eq!(meals.check(Some(1966), 1, at("2026-03-01T11:30")), Ok(Some(60)));
        assert_eq!(meals.check(Some(1967), 1, at("2026-12-31T11:30")), Err(Ineligible::TooYoung { min: 60 }));
        assert_eq!(meals.check(None, 1, at("2026-03-01T11:30")), Err(Ineligible::NoBirthYear));
        // 托育 for ages 0–3: a child born 2023 is 3 in 2026 (served), 4 in 2027 (not).
        let infants = Eligibility { min_age: Some(0), max_age: Some(3), building_ids: vec![] };
        assert_eq!(infants.check(Some(2023), 1, at("2026-12-31T09:00")), Ok(Some(3)));
        assert_eq!(infants.check(Some(2023), 1, at("2027-01-01T09:00")), Err(Ineligible::TooOld { max: 3 }));
        assert_eq!(infants.check(Some(2027), 1, at("2026-06-01T09:00")), Err(Ineligible::TooYoung { min: 0 }));
        // Open to all ages: no birth year needed; buildings.
        let open = Eligibility { min_age: None, max_age: None, building_ids: vec![4, 5] };
        assert_eq!(open.check(None, 5, at("2026-06-01T09:00")), Ok(None));
        assert_eq!(open.check(None, 6, at("2026-06-01T09:00")), Err(Ineligible::Building));
    }
}
