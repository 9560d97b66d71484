-- A project's before / after photos (the needs' photo pipeline: checked, re-encoded, no EXIF).
CREATE TABLE project_photos (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id  BIGINT NOT NULL REFERENCES projects(id),
    phase       TEXT NOT NULL CHECK (phase IN ('before', 'after')),
    storage_key TEXT NOT NULL UNIQUE,
    uploaded_by BIGINT NOT NULL REFERENCES users(id),
    byte_size   BIGINT NOT NULL,
    width       BIGINT NOT NULL,
    height      BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX project_photos_project ON project_photos (project_id, phase, id);
