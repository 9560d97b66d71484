-- The worker's answer on a need and the text of a step of its timeline are bounded like every
-- other text (needs::model::ANSWER, 1000 characters; an empty one is stored as NULL). SQLite
-- cannot add a CHECK to an existing table, so triggers refuse what the CHECK would.
CREATE TRIGGER needs_answer_length_insert BEFORE INSERT ON needs
WHEN NEW.answer IS NOT NULL AND length(NEW.answer) NOT BETWEEN 1 AND 1000
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: needs_answer_length'); END;

CREATE TRIGGER needs_answer_length_update BEFORE UPDATE OF answer ON needs
WHEN NEW.answer IS NOT NULL AND length(NEW.answer) NOT BETWEEN 1 AND 1000
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: needs_answer_length'); END;

CREATE TRIGGER need_updates_text_length_insert BEFORE INSERT ON need_updates
WHEN NEW.text IS NOT NULL AND length(NEW.text) NOT BETWEEN 1 AND 1000
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: need_updates_text_length'); END;

CREATE TRIGGER need_updates_text_length_update BEFORE UPDATE OF text ON need_updates
WHEN NEW.text IS NOT NULL AND length(NEW.text) NOT BETWEEN 1 AND 1000
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: need_updates_text_length'); END;
