-- A project's before / after photos (the needs' photo pipeline: checked, re-encoded, no EXIF).
CREATE TABLE project_photos (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id  INTEGER NOT NULL REFERENCES projects(id),
    phase       TEXT NOT NULL CHECK (phase IN ('before', 'after')),
    storage_key TEXT NOT NULL UNIQUE,
    uploaded_by INTEGER NOT NULL REFERENCES users(id),
    byte_size   INTEGER NOT NULL,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX project_photos_project ON project_photos (project_id, phase, id);
