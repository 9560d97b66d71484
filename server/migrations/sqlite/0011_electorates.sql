-- The kernel's electorate (app/src/kernel/electorate.rs), shared by deliberations and surveys: who
-- may answer, frozen when a poll opens, and which units answered through which channel. Until now
-- these were deliberations' own tables; their rows move here (a deliberation's electorate keeps
-- the deliberation's id) and the old tables go.
CREATE TABLE electorates (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    -- One unit per person, per household, or per owner (homes with their area).
    unit         TEXT NOT NULL CHECK (unit IN ('person', 'household', 'owner')),
    frozen_at    INTEGER NOT NULL
);

-- The buildings the electorate was limited to (none: the whole community).
CREATE TABLE electorate_buildings (
    electorate_id INTEGER NOT NULL REFERENCES electorates(id),
    building_id   INTEGER NOT NULL REFERENCES buildings(id),
    PRIMARY KEY (electorate_id, building_id)
);

-- One row per unit (a person: unit_id = user id; a household or an owner's homes: unit_id = the
-- first home's household id), its weight and how many homes it stands for.
CREATE TABLE electorate_units (
    electorate_id INTEGER NOT NULL REFERENCES electorates(id),
    unit_id       INTEGER NOT NULL,
    area          INTEGER NOT NULL CHECK (area >= 0),
    label         TEXT NOT NULL,
    homes         INTEGER NOT NULL DEFAULT 1 CHECK (homes >= 1),
    PRIMARY KEY (electorate_id, unit_id)
);

-- Who may answer for a unit in the app, as frozen (the person; adult members; owners).
CREATE TABLE electorate_voters (
    electorate_id INTEGER NOT NULL,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    unit_id       INTEGER NOT NULL,
    PRIMARY KEY (electorate_id, user_id, unit_id),
    FOREIGN KEY (electorate_id, unit_id) REFERENCES electorate_units (electorate_id, unit_id)
);
CREATE INDEX electorate_voters_user ON electorate_voters (user_id, electorate_id);

-- The homes of each household or owner unit: who may answer is found through them.
CREATE TABLE electorate_homes (
    electorate_id INTEGER NOT NULL REFERENCES electorates(id),
    household_id  INTEGER NOT NULL REFERENCES households(id),
    unit_id       INTEGER NOT NULL,
    PRIMARY KEY (electorate_id, household_id),
    FOREIGN KEY (electorate_id, unit_id) REFERENCES electorate_units (electorate_id, unit_id)
);
CREATE INDEX electorate_homes_unit ON electorate_homes (electorate_id, unit_id);
CREATE INDEX electorate_homes_household ON electorate_homes (household_id);

-- That a unit answered, how and by whom (never what): one row per unit, so a unit answers once,
-- in one channel. `version` counts the changes of an app answer (0 = the first).
CREATE TABLE electorate_turnout (
    electorate_id        INTEGER NOT NULL,
    unit_id              INTEGER NOT NULL,
    channel              TEXT NOT NULL CHECK (channel IN ('app', 'paper')),
    cast_by_user_id      INTEGER REFERENCES users(id),
    on_behalf_of_user_id INTEGER REFERENCES users(id),
    first_at             INTEGER NOT NULL,
    last_at              INTEGER NOT NULL,
    version              INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (electorate_id, unit_id),
    FOREIGN KEY (electorate_id, unit_id) REFERENCES electorate_units (electorate_id, unit_id)
);

-- Paper forms as keyed in: every keying and correction, who keyed it and when (what was keyed,
-- encoded by the poll, only for open polls).
CREATE TABLE electorate_paper (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    electorate_id    INTEGER NOT NULL REFERENCES electorates(id),
    unit_id          INTEGER NOT NULL,
    -- entry: a form keyed (the first keying where two are required); second: the second keying of
    -- a form by another worker; resolution: a third worker's reading where the two differed;
    -- correction: a counted form corrected, with a reason.
    kind             TEXT NOT NULL CHECK (kind IN ('entry', 'second', 'resolution', 'correction')),
    content          TEXT,
    reason           TEXT CHECK (reason IS NULL OR length(reason) BETWEEN 1 AND 200),
    keyed_by_user_id INTEGER NOT NULL REFERENCES users(id),
    created_at       INTEGER NOT NULL,
    CHECK ((kind = 'correction') = (reason IS NOT NULL))
);
CREATE INDEX electorate_paper_electorate ON electorate_paper (electorate_id, id);

ALTER TABLE deliberations ADD COLUMN electorate_id INTEGER REFERENCES electorates(id);

-- The deliberations' snapshots taken before.
INSERT INTO electorates (id, community_id, unit, frozen_at)
SELECT id, community_id, vote_unit, opened_at FROM deliberations WHERE opened_at IS NOT NULL;
INSERT INTO electorate_buildings (electorate_id, building_id)
SELECT db.deliberation_id, db.building_id FROM deliberation_buildings db JOIN electorates e ON e.id = db.deliberation_id;
INSERT INTO electorate_units (electorate_id, unit_id, area, label, homes)
SELECT deliberation_id, unit_id, area, label, homes FROM deliberation_units;
INSERT INTO electorate_voters (electorate_id, user_id, unit_id)
SELECT deliberation_id, user_id, unit_id FROM deliberation_unit_voters;
INSERT INTO electorate_homes (electorate_id, household_id, unit_id)
SELECT deliberation_id, household_id, unit_id FROM deliberation_unit_homes;
INSERT INTO electorate_turnout (electorate_id, unit_id, channel, cast_by_user_id, on_behalf_of_user_id, first_at, last_at, version)
SELECT deliberation_id, unit_id, channel, cast_by_user_id, on_behalf_of_user_id, first_at, last_at, version FROM deliberation_turnout;
INSERT INTO electorate_paper (id, electorate_id, unit_id, kind, content, reason, keyed_by_user_id, created_at)
SELECT id, deliberation_id, unit_id, kind, choice, reason, keyed_by_user_id, created_at FROM paper_entries ORDER BY id;
UPDATE deliberations SET electorate_id = id WHERE opened_at IS NOT NULL;

DROP TABLE paper_entries;
DROP TABLE deliberation_turnout;
DROP TABLE deliberation_unit_homes;
DROP TABLE deliberation_unit_voters;
DROP TABLE deliberation_units;
