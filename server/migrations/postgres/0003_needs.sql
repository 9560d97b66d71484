-- Needs (问需): residents propose what their community needs, support (+1) each other's needs;
-- workers moderate and answer. In-app notifications. Times in ms UTC as elsewhere.

-- Per-community rules of the needs capability.
ALTER TABLE communities ADD COLUMN need_support_threshold BIGINT NOT NULL DEFAULT 10 CHECK (need_support_threshold >= 1);
ALTER TABLE communities ADD COLUMN need_answer_days BIGINT NOT NULL DEFAULT 15 CHECK (need_answer_days >= 1);
ALTER TABLE communities ADD COLUMN need_report_limit BIGINT NOT NULL DEFAULT 3 CHECK (need_report_limit >= 1);

-- The category taxonomy. `district_id` NULL: the defaults every district starts with (close to
-- the public-service facility categories); a district adds its own rows.
CREATE TABLE need_categories (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    district_id BIGINT REFERENCES districts(id),
    code        TEXT NOT NULL CHECK (char_length(code) BETWEEN 1 AND 32),
    name_zh     TEXT NOT NULL CHECK (char_length(name_zh) BETWEEN 1 AND 50),
    name_en     TEXT NOT NULL CHECK (char_length(name_en) BETWEEN 1 AND 50),
    sort        BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX need_categories_code ON need_categories (COALESCE(district_id, 0), code);
INSERT INTO need_categories (district_id, code, name_zh, name_en, sort) VALUES
    (NULL, 'elderly', '养老服务', 'Elderly care', 10),
    (NULL, 'childcare', '托育服务', 'Childcare', 20),
    (NULL, 'health', '医疗健康', 'Health', 30),
    (NULL, 'education', '教育学习', 'Education', 40),
    (NULL, 'culture_sport', '文化体育', 'Culture and sport', 50),
    (NULL, 'commerce', '商业便民', 'Commerce and daily life', 60),
    (NULL, 'transport', '交通停车', 'Transport and parking', 70),
    (NULL, 'environment', '环境绿化', 'Environment', 80),
    (NULL, 'safety', '安全防范', 'Safety', 90),
    (NULL, 'governance', '社区治理', 'Governance', 100),
    (NULL, 'other', '其他', 'Other', 999);

CREATE TABLE needs (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id        BIGINT NOT NULL REFERENCES communities(id),
    author_user_id      BIGINT NOT NULL REFERENCES users(id),
    category_id         BIGINT NOT NULL REFERENCES need_categories(id),
    title               TEXT NOT NULL CHECK (char_length(title) BETWEEN 1 AND 60),
    body                TEXT NOT NULL CHECK (char_length(body) BETWEEN 1 AND 2000),
    building_id         BIGINT REFERENCES buildings(id),
    place               TEXT CHECK (place IS NULL OR char_length(place) BETWEEN 1 AND 60),
    status              TEXT NOT NULL CHECK (status IN ('submitted', 'changes_requested', 'published', 'under_review',
                            'accepted', 'planned', 'done', 'rejected', 'merged', 'hidden')),
    -- While hidden: the status to go back to if a worker restores it.
    hidden_from         TEXT,
    merged_into_id      BIGINT REFERENCES needs(id),
    supports            BIGINT NOT NULL DEFAULT 0 CHECK (supports >= 0),
    reports             BIGINT NOT NULL DEFAULT 0,
    -- The latest official answer (the history is in need_updates).
    answer              TEXT,
    answered_at         BIGINT,
    -- How it reached us: the app, or a worker keying in a paper form or a phone call (代办).
    channel             TEXT NOT NULL DEFAULT 'app' CHECK (channel IN ('app', 'paper', 'phone')),
    assisted_by_user_id BIGINT REFERENCES users(id),
    gram_count          BIGINT NOT NULL DEFAULT 0,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    published_at        BIGINT,
    -- When the supports reached the community's threshold: awaiting an official answer.
    awaiting_since      BIGINT,
    CHECK ((status = 'merged') = (merged_into_id IS NOT NULL)),
    CHECK ((status = 'hidden') = (hidden_from IS NOT NULL))
);
CREATE INDEX needs_by_supports ON needs (community_id, supports, id);
CREATE INDEX needs_by_date ON needs (community_id, id);
CREATE INDEX needs_by_status ON needs (community_id, status, id);
CREATE INDEX needs_author ON needs (author_user_id, id);

-- Character n-grams of a need's text (title, place, start of the description): similar needs
-- and search on both databases, for Chinese (no spaces) and English alike.
CREATE TABLE need_grams (
    community_id BIGINT NOT NULL,
    gram         TEXT NOT NULL,
    need_id      BIGINT NOT NULL REFERENCES needs(id),
    PRIMARY KEY (community_id, gram, need_id)
);
CREATE INDEX need_grams_need ON need_grams (need_id);

-- One support per resident per need: the primary key makes concurrent clicks count once.
CREATE TABLE need_supports (
    need_id    BIGINT NOT NULL REFERENCES needs(id),
    user_id    BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (need_id, user_id)
);
CREATE INDEX need_supports_user ON need_supports (user_id);

-- Photos: the bytes live in the blob store under `key`; a photo is uploaded first (need_id
-- NULL) and attached when the need is submitted.
CREATE TABLE need_photos (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    storage_key   TEXT NOT NULL UNIQUE,
    owner_user_id BIGINT NOT NULL REFERENCES users(id),
    community_id  BIGINT NOT NULL REFERENCES communities(id),
    need_id       BIGINT REFERENCES needs(id),
    content_type  TEXT NOT NULL,
    byte_size     BIGINT NOT NULL,
    width         BIGINT NOT NULL,
    height        BIGINT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX need_photos_need ON need_photos (need_id);

CREATE TABLE need_comments (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    need_id             BIGINT NOT NULL REFERENCES needs(id),
    author_user_id      BIGINT NOT NULL REFERENCES users(id),
    body                TEXT NOT NULL CHECK (char_length(body) BETWEEN 1 AND 500),
    hidden              BIGINT NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
    reports             BIGINT NOT NULL DEFAULT 0,
    assisted_by_user_id BIGINT REFERENCES users(id),
    created_at          BIGINT NOT NULL
);
CREATE INDEX need_comments_need ON need_comments (need_id, id);

-- A resident reports a need or a comment, once each.
CREATE TABLE need_reports (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    need_id     BIGINT NOT NULL REFERENCES needs(id),
    comment_id  BIGINT REFERENCES need_comments(id),
    user_id     BIGINT NOT NULL REFERENCES users(id),
    reason      TEXT NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 200),
    created_at  BIGINT NOT NULL,
    resolved_at BIGINT
);
CREATE UNIQUE INDEX need_reports_once ON need_reports (user_id, need_id, COALESCE(comment_id, 0));

-- The public timeline of a need: every status change and official answer.
CREATE TABLE need_updates (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    need_id       BIGINT NOT NULL REFERENCES needs(id),
    action        TEXT NOT NULL,
    from_status   TEXT NOT NULL,
    to_status     TEXT NOT NULL,
    text          TEXT,
    actor_user_id BIGINT REFERENCES users(id),
    created_at    BIGINT NOT NULL
);
CREATE INDEX need_updates_need ON need_updates (need_id, id);

-- Reusable reasons for rejecting or asking for changes, per community.
CREATE TABLE need_reason_templates (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id BIGINT NOT NULL REFERENCES communities(id),
    text         TEXT NOT NULL CHECK (char_length(text) BETWEEN 1 AND 200),
    UNIQUE (community_id, text)
);

-- The in-app notification centre. `kind` and `params` (JSON) are rendered in the reader's language.
CREATE TABLE notifications (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users(id),
    community_id BIGINT REFERENCES communities(id),
    kind         TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id   BIGINT,
    params       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    read_at      BIGINT
);
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id, read_at);
