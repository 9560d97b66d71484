-- Records sync: a gapless sequence per community for official events, and who is delivering them.
--
-- `record_streams` holds one row per community (`stream` = the community id; 0 for district-wide
-- events): the last `seq` given out, taken by an upsert in the event's own transaction (the row
-- is locked until that transaction ends, so the sequence has no gaps and follows commit order),
-- and the relay's lease on the stream: one server instance at a time delivers a community's
-- events, in `seq` order; a lease that runs out (an instance killed) is taken over by another.
CREATE TABLE record_streams (
    stream      INTEGER PRIMARY KEY CHECK (stream >= 0),
    last_seq    INTEGER NOT NULL CHECK (last_seq >= 1),
    lease_owner TEXT CHECK (lease_owner IS NULL OR length(lease_owner) BETWEEN 1 AND 100),
    lease_until INTEGER
);

ALTER TABLE events ADD COLUMN seq INTEGER CHECK (seq IS NULL OR seq >= 1);
-- What the receiver answered when it took the event (status and the start of its body).
ALTER TABLE events ADD COLUMN delivered_response TEXT;

-- Official events queued before this migration get their numbers in id order.
UPDATE events SET seq = (
    SELECT COUNT(*) FROM events e2
    WHERE e2.official = 1 AND COALESCE(e2.community_id, 0) = COALESCE(events.community_id, 0) AND e2.id <= events.id
) WHERE official = 1;
INSERT INTO record_streams (stream, last_seq)
    SELECT COALESCE(community_id, 0), MAX(seq) FROM events WHERE official = 1 GROUP BY COALESCE(community_id, 0);

CREATE UNIQUE INDEX events_record_seq ON events (COALESCE(community_id, 0), seq) WHERE seq IS NOT NULL;
-- Official events have a number; the others none.
CREATE TRIGGER events_official_seq BEFORE INSERT ON events
    WHEN (NEW.official = 1) <> (NEW.seq IS NOT NULL)
BEGIN
    SELECT RAISE(ABORT, 'an official event needs a seq, and only an official one');
END;
-- The relay's work list: a community's pending events in order.
CREATE INDEX events_pending_seq ON events (COALESCE(community_id, 0), seq) WHERE sync_state = 'pending';

-- Keys of the pull API (`GET /records/v1/events`), one district each, made and revoked by its
-- district admin. Only the SHA-256 of a key is kept (a key is 32 random bytes: nothing to guess);
-- its first characters are kept to tell keys apart on the screen.
CREATE TABLE records_api_keys (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    district_id INTEGER NOT NULL REFERENCES districts(id),
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 40),
    key_hash    TEXT NOT NULL UNIQUE CHECK (length(key_hash) = 64),
    prefix      TEXT NOT NULL CHECK (length(prefix) BETWEEN 1 AND 16),
    created_by  INTEGER NOT NULL REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
