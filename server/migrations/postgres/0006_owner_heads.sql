-- Owners' votes count heads as the Supreme People's Court's interpretation on building ownership
-- (法释〔2009〕7号, art. 8–9) does: one head per exclusive part, but an owner of several parts is
-- one head (and the developer's unsold parts are one head together). The roster says which homes
-- share an owner: households with the same owner_group in one community (any label the worker
-- chooses, e.g. 开发商 for the unsold parts; NULL: the home's owner owns only it).
ALTER TABLE households ADD COLUMN owner_group TEXT CHECK (owner_group IS NULL OR char_length(owner_group) BETWEEN 1 AND 40);

-- How many homes a unit of a snapshot stands for (1 but for an owner of several), and the homes
-- of each household or owner unit: who may cast a unit's vote is found through its homes.
ALTER TABLE deliberation_units ADD COLUMN homes BIGINT NOT NULL DEFAULT 1 CHECK (homes >= 1);

CREATE TABLE deliberation_unit_homes (
    deliberation_id BIGINT NOT NULL REFERENCES deliberations(id),
    household_id    BIGINT NOT NULL REFERENCES households(id),
    unit_id         BIGINT NOT NULL,
    PRIMARY KEY (deliberation_id, household_id),
    FOREIGN KEY (deliberation_id, unit_id) REFERENCES deliberation_units(deliberation_id, unit_id)
);
CREATE INDEX deliberation_unit_homes_unit ON deliberation_unit_homes (deliberation_id, unit_id);

-- Snapshots taken before: each household or owned home was its own unit.
INSERT INTO deliberation_unit_homes (deliberation_id, household_id, unit_id)
SELECT du.deliberation_id, du.unit_id, du.unit_id FROM deliberation_units du
JOIN deliberations d ON d.id = du.deliberation_id WHERE d.vote_unit IN ('household', 'owner');

-- The homes the snapshot counted (shown beside the heads when an owner has several).
ALTER TABLE deliberations ADD COLUMN electorate_homes BIGINT;
