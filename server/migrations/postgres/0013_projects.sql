-- Projects (app/src/projects/): the improvements a community makes (补短板), followed from plan to
-- acceptance by the residents' rating. A rating round is an acceptance survey (surveys); its
-- close decides the project's acceptance in the same transaction.
CREATE TABLE projects (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id    BIGINT NOT NULL REFERENCES communities(id),
    title           TEXT NOT NULL CHECK (char_length(title) BETWEEN 1 AND 60),
    category_id     BIGINT NOT NULL REFERENCES need_categories(id),
    description     TEXT NOT NULL CHECK (char_length(description) BETWEEN 1 AND 4000),
    budget_fen      BIGINT NOT NULL CHECK (budget_fen BETWEEN 0 AND 1000000000000),
    funding         TEXT CHECK (funding IS NULL OR char_length(funding) BETWEEN 1 AND 60),
    contractor      TEXT CHECK (contractor IS NULL OR char_length(contractor) BETWEEN 1 AND 80),
    status          TEXT NOT NULL CHECK (status IN ('planned', 'in_progress', 'completed', 'rating', 'accepted', 'not_accepted', 'rectification')),
    -- The acceptance rule of its rating rounds.
    threshold_pct   BIGINT NOT NULL CHECK (threshold_pct BETWEEN 1 AND 100),
    min_raters      BIGINT CHECK (min_raters IS NULL OR min_raters >= 0),
    min_raters_pct  BIGINT CHECK (min_raters_pct IS NULL OR min_raters_pct BETWEEN 0 AND 100),
    created_by      BIGINT NOT NULL REFERENCES users(id),
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    CHECK ((min_raters IS NULL) <> (min_raters_pct IS NULL))
);
CREATE INDEX projects_community ON projects (community_id, id);

CREATE TABLE project_milestones (
    project_id  BIGINT NOT NULL REFERENCES projects(id),
    idx         BIGINT NOT NULL CHECK (idx >= 0),
    name        TEXT NOT NULL CHECK (char_length(name) BETWEEN 1 AND 60),
    planned_day BIGINT NOT NULL,
    done_day    BIGINT,
    weight      BIGINT NOT NULL CHECK (weight BETWEEN 1 AND 100),
    PRIMARY KEY (project_id, idx)
);

-- What a project answers: needs (a need belongs to one project at most), deliberations, surveys.
CREATE TABLE project_needs (
    project_id BIGINT NOT NULL REFERENCES projects(id),
    need_id    BIGINT NOT NULL UNIQUE REFERENCES needs(id),
    PRIMARY KEY (project_id, need_id)
);
CREATE TABLE project_deliberations (
    project_id      BIGINT NOT NULL REFERENCES projects(id),
    deliberation_id BIGINT NOT NULL REFERENCES deliberations(id),
    PRIMARY KEY (project_id, deliberation_id)
);
CREATE TABLE project_surveys (
    project_id BIGINT NOT NULL REFERENCES projects(id),
    survey_id  BIGINT NOT NULL REFERENCES surveys(id),
    PRIMARY KEY (project_id, survey_id)
);

-- Its rating rounds, numbered from 1; the outcome written with the round's close.
CREATE TABLE project_rounds (
    project_id BIGINT NOT NULL REFERENCES projects(id),
    round      BIGINT NOT NULL CHECK (round >= 1),
    survey_id  BIGINT NOT NULL UNIQUE REFERENCES surveys(id),
    accepted   BIGINT CHECK (accepted IS NULL OR accepted IN (0, 1)),
    PRIMARY KEY (project_id, round)
);

-- Its news, in order (milestones done, status changes, a worker's words).
CREATE TABLE project_updates (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    body       TEXT NOT NULL CHECK (char_length(body) BETWEEN 1 AND 1000),
    kind       TEXT NOT NULL CHECK (char_length(kind) BETWEEN 1 AND 32),
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX project_updates_project ON project_updates (project_id, id);

-- Who follows it (`auto`: as a supporter of a linked need).
CREATE TABLE project_follows (
    project_id BIGINT NOT NULL REFERENCES projects(id),
    user_id    BIGINT NOT NULL REFERENCES users(id),
    auto       BIGINT NOT NULL CHECK (auto IN (0, 1)),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_follows_user ON project_follows (user_id);

-- The daily digest: a project's followers are told at most once a (China Standard Time) day.
CREATE TABLE project_digests (
    project_id BIGINT NOT NULL REFERENCES projects(id),
    day        BIGINT NOT NULL,
    sent_at    BIGINT NOT NULL,
    PRIMARY KEY (project_id, day)
);
