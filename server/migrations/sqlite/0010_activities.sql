-- Activities and the time bank (志愿活动 / 时间银行). Volunteers are residents a worker approved
-- (the `volunteer` membership); an activity's participants and each volunteer role are kernel
-- capacity pools (0007_capacity.sql), so sign-ups share the services' places and waitlist rules.
-- The time bank is an append-only ledger per person (a household member, so hours can go to a
-- parent without a phone); `timebank_accounts.balance` is the ledger's sum, kept in the same
-- transaction and never below zero. Hours are counted in half hours. Times in ms UTC.

CREATE TABLE volunteer_applications (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    user_id       INTEGER NOT NULL REFERENCES users(id),
    skills        TEXT NOT NULL CHECK (length(skills) BETWEEN 1 AND 200),
    availability  TEXT NOT NULL CHECK (length(availability) BETWEEN 1 AND 200),
    -- pending → approved | declined; approved → suspended.
    status        TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'declined', 'suspended')),
    reason        TEXT CHECK (reason IS NULL OR length(reason) BETWEEN 1 AND 200),
    decided_by    INTEGER REFERENCES users(id),
    decided_at    INTEGER,
    created_at    INTEGER NOT NULL
);
-- One open application (pending or approved) per person and community.
CREATE UNIQUE INDEX volunteer_applications_open ON volunteer_applications (community_id, user_id) WHERE status IN ('pending', 'approved');

CREATE TABLE activities (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    community_id     INTEGER NOT NULL REFERENCES communities(id),
    organiser_id     INTEGER NOT NULL REFERENCES users(id),
    category         TEXT NOT NULL CHECK (category IN ('environment', 'elderly', 'children', 'culture', 'patrol', 'other')),
    title            TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 40),
    description      TEXT NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
    place            TEXT NOT NULL CHECK (length(place) BETWEEN 1 AND 60),
    starts_at        INTEGER NOT NULL,
    ends_at          INTEGER NOT NULL,
    signup_opens_at  INTEGER NOT NULL,
    signup_closes_at INTEGER NOT NULL,
    -- The age range of the person taking part, inclusive (kernel::audience); NULL: open.
    min_age          INTEGER CHECK (min_age IS NULL OR min_age BETWEEN 0 AND 130),
    max_age          INTEGER CHECK (max_age IS NULL OR max_age BETWEEN 0 AND 130),
    -- The participants' places (capacity = the pool's).
    pool_id          INTEGER NOT NULL UNIQUE REFERENCES capacity_pools(id),
    -- draft → submitted → published | returned (→ submitted again); published → cancelled.
    status           TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'returned', 'published', 'cancelled')),
    return_reason    TEXT CHECK (return_reason IS NULL OR length(return_reason) BETWEEN 1 AND 200),
    cancel_reason    TEXT CHECK (cancel_reason IS NULL OR length(cancel_reason) BETWEEN 1 AND 200),
    decided_by       INTEGER REFERENCES users(id),
    decided_at       INTEGER,
    report           TEXT CHECK (report IS NULL OR length(report) BETWEEN 1 AND 2000),
    -- When the activity's figures went out as an official event (once).
    figures_at       INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    CHECK (ends_at > starts_at),
    CHECK (signup_closes_at > signup_opens_at),
    CHECK (signup_closes_at <= ends_at)
);
CREATE INDEX activities_community ON activities (community_id, status, starts_at);

-- A volunteer role (e.g. 2 helpers): its count is its pool's capacity.
CREATE TABLE activity_roles (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id  INTEGER NOT NULL REFERENCES activities(id),
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 20),
    pool_id      INTEGER NOT NULL UNIQUE REFERENCES capacity_pools(id),
    UNIQUE (activity_id, name)
);

-- A resident's sign-up for members of their household: one claim for all of them.
CREATE TABLE activity_signups (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id    INTEGER NOT NULL REFERENCES activities(id),
    household_id   INTEGER NOT NULL REFERENCES households(id),
    claim_id       INTEGER NOT NULL UNIQUE REFERENCES capacity_claims(id),
    booked_by      INTEGER REFERENCES users(id),
    actor_user_id  INTEGER NOT NULL REFERENCES users(id),
    code           TEXT NOT NULL UNIQUE CHECK (length(code) = 6),
    created_at     INTEGER NOT NULL,
    cancelled_at   INTEGER
);
CREATE INDEX activity_signups_household ON activity_signups (household_id, activity_id);

CREATE TABLE activity_signup_people (
    signup_id      INTEGER NOT NULL REFERENCES activity_signups(id),
    activity_id    INTEGER NOT NULL REFERENCES activities(id),
    member_id      INTEGER NOT NULL REFERENCES household_members(id),
    active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    checked_in_at  INTEGER,
    checked_in_by  INTEGER REFERENCES users(id),
    PRIMARY KEY (signup_id, member_id)
);
-- A person takes part once.
CREATE UNIQUE INDEX activity_signup_people_once ON activity_signup_people (activity_id, member_id) WHERE active = 1;

-- A volunteer in a role: one claim on the role's pool (held, never waiting). Hours come from
-- check-in and check-out; a worker verifies them, which writes the `earned` ledger entry.
CREATE TABLE activity_volunteers (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id     INTEGER NOT NULL REFERENCES activities(id),
    role_id         INTEGER NOT NULL REFERENCES activity_roles(id),
    user_id         INTEGER NOT NULL REFERENCES users(id),
    -- Whose time bank the hours go to (the volunteer's own roster entry).
    member_id       INTEGER NOT NULL REFERENCES household_members(id),
    claim_id        INTEGER NOT NULL UNIQUE REFERENCES capacity_claims(id),
    code            TEXT NOT NULL UNIQUE CHECK (length(code) = 6),
    created_at      INTEGER NOT NULL,
    cancelled_at    INTEGER,
    checked_in_at   INTEGER,
    checked_out_at  INTEGER,
    -- Set at check-out (activities::model::half_hours) or by a worker's edit (with a reason).
    half_hours      INTEGER CHECK (half_hours IS NULL OR half_hours BETWEEN 0 AND 480),
    hours_reason    TEXT CHECK (hours_reason IS NULL OR length(hours_reason) BETWEEN 1 AND 200),
    verified_by     INTEGER REFERENCES users(id),
    verified_at     INTEGER,
    CHECK (checked_out_at IS NULL OR checked_in_at IS NOT NULL)
);
-- A volunteer takes one role per activity.
CREATE UNIQUE INDEX activity_volunteers_once ON activity_volunteers (activity_id, user_id) WHERE cancelled_at IS NULL;

-- A community's time-bank rule: the most half hours one person may earn in a calendar year.
CREATE TABLE timebank_settings (
    community_id       INTEGER PRIMARY KEY REFERENCES communities(id),
    yearly_cap         INTEGER NOT NULL CHECK (yearly_cap BETWEEN 1 AND 100000)
);

CREATE TABLE timebank_accounts (
    member_id     INTEGER PRIMARY KEY REFERENCES household_members(id),
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    -- Half hours: always the sum of the member's entries.
    balance       INTEGER NOT NULL DEFAULT 0 CHECK (balance >= 0)
);

-- The ledger: never updated, never deleted (the triggers below). A correction is a new entry
-- reversing an earlier one, with a reason.
CREATE TABLE timebank_entries (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id         INTEGER NOT NULL REFERENCES timebank_accounts(member_id),
    community_id      INTEGER NOT NULL REFERENCES communities(id),
    kind              TEXT NOT NULL CHECK (kind IN ('earned', 'spent', 'refunded', 'transferred', 'corrected')),
    -- Signed half hours; the balance after this entry.
    half_hours        INTEGER NOT NULL CHECK (half_hours <> 0),
    balance_after     INTEGER NOT NULL CHECK (balance_after >= 0),
    -- The calendar year in Beijing (the yearly cap counts earned entries of a year).
    year              INTEGER NOT NULL,
    volunteer_id      INTEGER REFERENCES activity_volunteers(id),
    booking_id        INTEGER REFERENCES service_bookings(id),
    counterpart_id    INTEGER REFERENCES household_members(id),
    reverses_id       INTEGER REFERENCES timebank_entries(id),
    reason            TEXT CHECK (reason IS NULL OR length(reason) BETWEEN 1 AND 200),
    -- Who posted it (NULL: the system, e.g. a closed waitlist's refund).
    by_user_id        INTEGER REFERENCES users(id),
    created_at        INTEGER NOT NULL,
    CHECK ((kind = 'earned') = (volunteer_id IS NOT NULL)),
    CHECK ((kind IN ('spent', 'refunded')) = (booking_id IS NOT NULL)),
    CHECK ((kind = 'transferred') = (counterpart_id IS NOT NULL)),
    CHECK ((kind = 'corrected') = (reverses_id IS NOT NULL AND reason IS NOT NULL))
);
CREATE INDEX timebank_entries_member ON timebank_entries (member_id, id);
-- An activity's hours are earned once; an entry is reversed at most once; a booking is paid
-- and refunded at most once.
CREATE UNIQUE INDEX timebank_earned_once ON timebank_entries (volunteer_id) WHERE kind = 'earned';
CREATE UNIQUE INDEX timebank_reversed_once ON timebank_entries (reverses_id) WHERE kind = 'corrected';
CREATE UNIQUE INDEX timebank_booking_once ON timebank_entries (booking_id, kind) WHERE booking_id IS NOT NULL;

CREATE TRIGGER timebank_entries_no_update BEFORE UPDATE ON timebank_entries
BEGIN
    SELECT RAISE(ABORT, 'the time bank ledger is append-only');
END;
CREATE TRIGGER timebank_entries_no_delete BEFORE DELETE ON timebank_entries
BEGIN
    SELECT RAISE(ABORT, 'the time bank ledger is append-only');
END;

-- A service may accept time-bank hours instead of money: this many half hours per person served
-- (NULL: not accepted). A booking paid so has a `spent` entry; cancelled, its hours come back.
ALTER TABLE services ADD COLUMN timebank_half_hours INTEGER CHECK (timebank_half_hours IS NULL OR timebank_half_hours BETWEEN 1 AND 100);

-- Photos of an activity's report, through the needs' photo pipeline (checked, re-encoded, EXIF
-- gone); added by the organiser or a worker once the activity has ended.
CREATE TABLE activity_photos (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id      INTEGER NOT NULL REFERENCES activities(id),
    storage_key      TEXT NOT NULL UNIQUE,
    uploaded_by      INTEGER NOT NULL REFERENCES users(id),
    byte_size        INTEGER NOT NULL,
    width            INTEGER NOT NULL,
    height           INTEGER NOT NULL,
    created_at       INTEGER NOT NULL
);
CREATE INDEX activity_photos_activity ON activity_photos (activity_id, id);
