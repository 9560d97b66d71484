//! Deliberation (居民议事): so far the pure tally of a vote (issue #5 is not done yet: the rest —
//! deliberations, snapshots, ballots, paper entry, closing, screens — comes next).
pub mod tally;
