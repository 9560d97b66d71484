-- Records sync: a gapless sequence per community for official events, and who is delivering them.
--
-- `record_streams` holds one row per community (`stream` = the community id; 0 for district-wide
-- events): the last `seq` given out, taken by an upsert in the event's own transaction (the row
-- is locked until that transaction ends, so the sequence has no gaps and follows commit order),
-- and the relay's lease on the stream: one server instance at a time delivers a community's
-- events, in `seq` order (claimed with FOR UPDATE SKIP LOCKED); a lease that runs out (an
-- instance killed) is taken over by another.
CREATE TABLE record_streams (
    stream      BIGINT PRIMARY KEY CHECK (stream >= 0),
    last_seq    BIGINT NOT NULL CHECK (last_seq >= 1),
    lease_owner TEXT CHECK (lease_owner IS NULL OR char_length(lease_owner) BETWEEN 1 AND 100),
    lease_until BIGINT
);

ALTER TABLE events ADD COLUMN seq BIGINT CHECK (seq IS NULL OR seq >= 1);
-- What the receiver answered when it took the event (status and the start of its body).
ALTER TABLE events ADD COLUMN delivered_response TEXT;

-- Official events queued before this migration get their numbers in id order.
UPDATE events SET seq = n.seq FROM (
    SELECT id, row_number() OVER (PARTITION BY COALESCE(community_id, 0) ORDER BY id) AS seq
    FROM events WHERE official = 1
) n WHERE events.id = n.id;
INSERT INTO record_streams (stream, last_seq)
    SELECT COALESCE(community_id, 0), MAX(seq) FROM events WHERE official = 1 GROUP BY COALESCE(community_id, 0);

CREATE UNIQUE INDEX events_record_seq ON events (COALESCE(community_id, 0), seq) WHERE seq IS NOT NULL;
-- Official events have a number; the others none.
ALTER TABLE events ADD CONSTRAINT events_official_seq CHECK ((official = 1) = (seq IS NOT NULL));
-- The relay's work list: a community's pending events in order.
CREATE INDEX events_pending_seq ON events (COALESCE(community_id, 0), seq) WHERE sync_state = 'pending';

-- Keys of the pull API (`GET /records/v1/events`), one district each, made and revoked by its
-- district admin. Only the SHA-256 of a key is kept (a key is 32 random bytes: nothing to guess);
-- its first characters are kept to tell keys apart on the screen.
CREATE TABLE records_api_keys (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    district_id BIGINT NOT NULL REFERENCES districts(id),
    name        TEXT NOT NULL CHECK (char_length(name) BETWEEN 1 AND 40),
    key_hash    TEXT NOT NULL UNIQUE CHECK (char_length(key_hash) = 64),
    prefix      TEXT NOT NULL CHECK (char_length(prefix) BETWEEN 1 AND 16),
    created_by  BIGINT NOT NULL REFERENCES users(id),
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
