-- Services (一老一小): the catalogue of a community's services, their schedules and sessions, and
-- bookings for household members. A session's places are a kernel capacity pool
-- (0007_capacity.sql); a booking is a claim on it, held or waiting. Times in ms UTC; days are days
-- since 1970-01-01 in Beijing; minutes are minutes of the day in Beijing; money in fen.

CREATE TABLE services (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id      BIGINT NOT NULL REFERENCES communities(id),
    category          TEXT NOT NULL CHECK (category IN ('meals', 'day_care', 'rehab', 'health_check', 'bathing', 'infant_care', 'after_school', 'holiday_class')),
    title             TEXT NOT NULL CHECK (char_length(title) BETWEEN 1 AND 40),
    provider          TEXT NOT NULL CHECK (char_length(provider) BETWEEN 1 AND 60),
    place             TEXT NOT NULL CHECK (char_length(place) BETWEEN 1 AND 60),
    description       TEXT CHECK (description IS NULL OR char_length(description) BETWEEN 1 AND 1000),
    -- The age range of the person served, inclusive (age = the session's year − the birth year).
    min_age           BIGINT CHECK (min_age IS NULL OR min_age BETWEEN 0 AND 130),
    max_age           BIGINT CHECK (max_age IS NULL OR max_age BETWEEN 0 AND 130),
    -- The price below every age band (service_price_bands); 0 = free. Paid at the place.
    base_price_fen    BIGINT NOT NULL CHECK (base_price_fen BETWEEN 0 AND 100000),
    party_limit       BIGINT NOT NULL CHECK (party_limit BETWEEN 1 AND 10),
    cancel_before_min BIGINT NOT NULL CHECK (cancel_before_min BETWEEN 0 AND 10080),
    per_day           BIGINT CHECK (per_day IS NULL OR per_day >= 1),
    per_week          BIGINT CHECK (per_week IS NULL OR per_week >= 1),
    active            BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_by        BIGINT NOT NULL REFERENCES users(id),
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX services_community ON services (community_id, active, category);

-- From `from_age` on (until the next band), the price is `price_fen`.
CREATE TABLE service_price_bands (
    service_id BIGINT NOT NULL REFERENCES services(id),
    from_age   BIGINT NOT NULL CHECK (from_age BETWEEN 0 AND 130),
    price_fen  BIGINT NOT NULL CHECK (price_fen BETWEEN 0 AND 100000),
    PRIMARY KEY (service_id, from_age)
);

-- If a service has rows here, it serves only the households of these buildings.
CREATE TABLE service_buildings (
    service_id  BIGINT NOT NULL REFERENCES services(id),
    building_id BIGINT NOT NULL REFERENCES buildings(id),
    PRIMARY KEY (service_id, building_id)
);

-- When a service's sessions fall. The scheduler generates them ahead, up to `generated_to`
-- (a day), moved in the same transaction as the sessions it generated: never twice.
CREATE TABLE service_schedules (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    service_id        BIGINT NOT NULL REFERENCES services(id),
    -- once: on first_day; weekly: `days` is a mask, bit 0 = Monday; monthly: `days` is the day
    -- of the month (the last day of shorter months).
    repeat            TEXT NOT NULL CHECK (repeat IN ('once', 'weekly', 'monthly')),
    days              BIGINT NOT NULL CHECK (days BETWEEN 0 AND 127),
    first_day         BIGINT NOT NULL,
    last_day          BIGINT,
    start_min         BIGINT NOT NULL CHECK (start_min BETWEEN 0 AND 1439),
    end_min           BIGINT NOT NULL CHECK (end_min BETWEEN 1 AND 1440),
    capacity          BIGINT NOT NULL CHECK (capacity BETWEEN 1 AND 10000),
    opens_days_before BIGINT NOT NULL CHECK (opens_days_before BETWEEN 0 AND 60),
    opens_min         BIGINT NOT NULL CHECK (opens_min BETWEEN 0 AND 1439),
    closes_min        BIGINT NOT NULL CHECK (closes_min BETWEEN 0 AND 1439),
    generated_to      BIGINT NOT NULL,
    ended             BIGINT NOT NULL DEFAULT 0 CHECK (ended IN (0, 1)),
    created_by        BIGINT NOT NULL REFERENCES users(id),
    created_at        BIGINT NOT NULL,
    CHECK (end_min > start_min)
);
CREATE INDEX service_schedules_due ON service_schedules (ended, generated_to);

-- Days on which no session is generated (public holidays), per community.
CREATE TABLE service_skip_days (
    community_id BIGINT NOT NULL REFERENCES communities(id),
    day          BIGINT NOT NULL,
    PRIMARY KEY (community_id, day)
);

CREATE TABLE service_sessions (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    service_id   BIGINT NOT NULL REFERENCES services(id),
    schedule_id  BIGINT REFERENCES service_schedules(id),
    day          BIGINT NOT NULL,
    starts_at    BIGINT NOT NULL,
    ends_at      BIGINT NOT NULL,
    opens_at     BIGINT NOT NULL,
    closes_at    BIGINT NOT NULL,
    pool_id      BIGINT NOT NULL UNIQUE REFERENCES capacity_pools(id),
    status       TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
    cancel_reason TEXT CHECK (cancel_reason IS NULL OR char_length(cancel_reason) BETWEEN 1 AND 200),
    cancelled_by BIGINT REFERENCES users(id),
    cancelled_at BIGINT,
    -- Steps of the scheduler, each done once: booking closed (the waitlist told), the reminder,
    -- the no-shows counted.
    closed_done  BIGINT NOT NULL DEFAULT 0 CHECK (closed_done IN (0, 1)),
    reminded     BIGINT NOT NULL DEFAULT 0 CHECK (reminded IN (0, 1)),
    ended_done   BIGINT NOT NULL DEFAULT 0 CHECK (ended_done IN (0, 1)),
    CHECK (ends_at > starts_at AND closes_at > opens_at AND closes_at <= starts_at),
    UNIQUE (schedule_id, day)
);
CREATE INDEX service_sessions_service ON service_sessions (service_id, starts_at);
CREATE INDEX service_sessions_due ON service_sessions (status, closes_at);

-- A booking: one claim on the session's pool for one or more members of one household; held or
-- waiting as its claim is. `booked_by` is the household's resident who booked (told of what
-- happens to it; NULL for a worker's walk-in for a household without an account), `actor` who
-- pressed the button (a worker at the desk or in 代办).
CREATE TABLE service_bookings (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id    BIGINT NOT NULL REFERENCES service_sessions(id),
    household_id  BIGINT NOT NULL REFERENCES households(id),
    claim_id      BIGINT NOT NULL UNIQUE REFERENCES capacity_claims(id),
    booked_by     BIGINT REFERENCES users(id),
    actor_user_id BIGINT NOT NULL REFERENCES users(id),
    channel       TEXT NOT NULL CHECK (channel IN ('app', 'desk')),
    code          TEXT NOT NULL UNIQUE CHECK (char_length(code) = 6),
    total_fen     BIGINT NOT NULL CHECK (total_fen >= 0),
    created_at    BIGINT NOT NULL,
    cancelled_at  BIGINT,
    cancelled_by  BIGINT REFERENCES users(id),
    cancel_reason TEXT CHECK (cancel_reason IS NULL OR char_length(cancel_reason) BETWEEN 1 AND 200)
);
CREATE INDEX service_bookings_session ON service_bookings (session_id);
CREATE INDEX service_bookings_household ON service_bookings (household_id, id);

-- The people a booking serves, with the age and price copied at booking. `active` while the
-- booking is held or waiting: a person is never in one session twice.
CREATE TABLE service_booking_people (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    booking_id    BIGINT NOT NULL REFERENCES service_bookings(id),
    session_id    BIGINT NOT NULL REFERENCES service_sessions(id),
    member_id     BIGINT NOT NULL REFERENCES household_members(id),
    age           BIGINT,
    price_fen     BIGINT NOT NULL CHECK (price_fen >= 0),
    active        BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    checked_in_at BIGINT,
    checked_in_by BIGINT REFERENCES users(id),
    no_show       BIGINT NOT NULL DEFAULT 0 CHECK (no_show IN (0, 1)),
    UNIQUE (booking_id, member_id)
);
CREATE UNIQUE INDEX service_booking_people_once ON service_booking_people (session_id, member_id) WHERE active = 1;
CREATE INDEX service_booking_people_member ON service_booking_people (member_id, active);

-- A check-in as the worker's phone sent it: its own id, so that a retried one counts once.
CREATE TABLE service_checkins (
    client_id  TEXT PRIMARY KEY CHECK (char_length(client_id) BETWEEN 8 AND 64),
    session_id BIGINT NOT NULL REFERENCES service_sessions(id),
    booking_id BIGINT NOT NULL REFERENCES service_bookings(id),
    person_id  BIGINT REFERENCES service_booking_people(id),
    at         BIGINT NOT NULL,
    by_user_id BIGINT NOT NULL REFERENCES users(id)
);

-- A community's no-show rule (defaults when absent: 3 in 30 days → 1 booking a week for 30 days).
CREATE TABLE service_settings (
    community_id        BIGINT PRIMARY KEY REFERENCES communities(id),
    noshow_count        BIGINT NOT NULL CHECK (noshow_count BETWEEN 1 AND 20),
    noshow_window_days  BIGINT NOT NULL CHECK (noshow_window_days BETWEEN 1 AND 365),
    noshow_penalty_days BIGINT NOT NULL CHECK (noshow_penalty_days BETWEEN 0 AND 365),
    noshow_week_limit   BIGINT NOT NULL CHECK (noshow_week_limit BETWEEN 0 AND 7)
);

-- The monthly figures sent as an official event: one row per community and month, inserted in
-- the event's transaction, so a month is counted once whatever restarts.
CREATE TABLE service_monthly (
    community_id BIGINT NOT NULL REFERENCES communities(id),
    month        TEXT NOT NULL CHECK (char_length(month) = 7),
    event_id     BIGINT NOT NULL REFERENCES events(id),
    PRIMARY KEY (community_id, month)
);
