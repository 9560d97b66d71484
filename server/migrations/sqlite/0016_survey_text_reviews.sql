-- A worker's review of a survey's text answer (one question of one response): shown to the
-- residents with the results, or not (NULL: not decided; a worker may only have turned it into a
-- need). The text as reviewed: a respondent who changes the answer afterwards is reviewed again.
CREATE TABLE survey_text_reviews (
    survey_id      INTEGER NOT NULL REFERENCES surveys(id),
    respondent_key TEXT NOT NULL,
    idx            INTEGER NOT NULL CHECK (idx >= 0),
    text           TEXT NOT NULL,
    shown          INTEGER CHECK (shown IS NULL OR shown IN (0, 1)),
    -- The need a worker raised from it for the respondent (代办).
    need_id        INTEGER REFERENCES needs(id),
    by_user_id     INTEGER NOT NULL REFERENCES users(id),
    at             INTEGER NOT NULL,
    PRIMARY KEY (survey_id, respondent_key, idx)
);
