-- Surveys (app/src/surveys/): a needs-research questionnaire, a satisfaction survey or a
-- project's acceptance rating round. The electorate is the kernel's, frozen when the survey
-- opens; the turnout and paper keyings are the kernel's too. Only what was answered is here.
CREATE TABLE surveys (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    community_id    INTEGER NOT NULL REFERENCES communities(id),
    title           TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 60),
    intro           TEXT CHECK (intro IS NULL OR length(intro) BETWEEN 1 AND 2000),
    purpose         TEXT NOT NULL CHECK (purpose IN ('research', 'satisfaction', 'acceptance')),
    unit            TEXT NOT NULL CHECK (unit IN ('person', 'household')),
    anonymous       INTEGER NOT NULL CHECK (anonymous IN (0, 1)),
    double_entry    INTEGER NOT NULL CHECK (double_entry IN (0, 1)),
    status          TEXT NOT NULL CHECK (status IN ('scheduled', 'open', 'closed')),
    opens_at        INTEGER NOT NULL,
    closes_at       INTEGER NOT NULL,
    -- Acceptance rounds: satisfied share in percent, and the minimum of raters as a count or a
    -- percentage of the electorate.
    threshold_pct   INTEGER CHECK (threshold_pct IS NULL OR threshold_pct BETWEEN 1 AND 100),
    min_raters      INTEGER CHECK (min_raters IS NULL OR min_raters >= 0),
    min_raters_pct  INTEGER CHECK (min_raters_pct IS NULL OR min_raters_pct BETWEEN 0 AND 100),
    electorate_id   INTEGER REFERENCES electorates(id),
    -- Anonymous surveys: the key of the answers' keys while open; erased at the close.
    answer_secret   TEXT,
    -- The results (JSON), written with the closing.
    result          TEXT,
    created_by      INTEGER NOT NULL REFERENCES users(id),
    created_at      INTEGER NOT NULL,
    closed_at       INTEGER,
    CHECK (closes_at > opens_at),
    CHECK ((purpose = 'acceptance') = (threshold_pct IS NOT NULL)),
    CHECK ((status = 'closed') = (result IS NOT NULL)),
    CHECK ((status = 'scheduled') = (electorate_id IS NULL))
);
CREATE INDEX surveys_community ON surveys (community_id, id);
CREATE INDEX surveys_due ON surveys (status, opens_at, closes_at);

CREATE TABLE survey_buildings (
    survey_id   INTEGER NOT NULL REFERENCES surveys(id),
    building_id INTEGER NOT NULL REFERENCES buildings(id),
    PRIMARY KEY (survey_id, building_id)
);

-- The questions in order; a choice question's options as a JSON array of texts.
CREATE TABLE survey_questions (
    survey_id   INTEGER NOT NULL REFERENCES surveys(id),
    idx         INTEGER NOT NULL CHECK (idx >= 0),
    kind        TEXT NOT NULL CHECK (kind IN ('single', 'multi', 'stars', 'text')),
    prompt      TEXT NOT NULL CHECK (length(prompt) BETWEEN 1 AND 200),
    options     TEXT NOT NULL,
    max_choices INTEGER NOT NULL CHECK (max_choices >= 1),
    required    INTEGER NOT NULL CHECK (required IN (0, 1)),
    PRIMARY KEY (survey_id, idx)
);

-- One response per unit of the electorate, keyed by the unit id (named surveys) or a keyed hash
-- of it (anonymous ones); no time, no row order for anonymous surveys to line up with the turnout.
CREATE TABLE survey_responses (
    survey_id      INTEGER NOT NULL REFERENCES surveys(id),
    respondent_key TEXT NOT NULL,
    answers        TEXT NOT NULL,
    PRIMARY KEY (survey_id, respondent_key)
);
