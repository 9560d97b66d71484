-- The needs a survey should inform (需求调研 about them), each of the survey's community.
CREATE TABLE survey_needs (
    survey_id INTEGER NOT NULL REFERENCES surveys(id),
    need_id   INTEGER NOT NULL REFERENCES needs(id),
    PRIMARY KEY (survey_id, need_id)
);
CREATE INDEX survey_needs_need ON survey_needs (need_id);
