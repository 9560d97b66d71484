-- The worker's answer on a need and the text of a step of its timeline are bounded like every
-- other text (needs::model::ANSWER, 1000 characters; an empty one is stored as NULL).
ALTER TABLE needs ADD CONSTRAINT needs_answer_length CHECK (answer IS NULL OR char_length(answer) BETWEEN 1 AND 1000);
ALTER TABLE need_updates ADD CONSTRAINT need_updates_text_length CHECK (text IS NULL OR char_length(text) BETWEEN 1 AND 1000);
