//! Similar needs and search, for Chinese (no spaces between words) and English alike: a text is
//! cut into character n-grams — overlapping pairs of Han characters, overlapping triples of the
//! letters of a word — stored one row each (`need_grams`), so that both databases find candidates
//! with a plain indexed `IN`. Candidates are ranked by the cosine of their gram sets.
use std::collections::BTreeSet;

/// How much of the description is indexed (the title and place always are).
pub const BODY_INDEXED_CHARS: usize = 300;

/// Similar needs shown while a resident types; fewer when fewer are similar enough.
pub const SIMILAR_LIMIT: usize = 5;

/// The least cosine to call two needs similar.
pub const SIMILAR_MIN_SCORE: f64 = 0.2;

const STOPWORDS: &[&str] =
    &["the", "and", "for", "with", "our", "are", "was", "not", "but", "you", "can", "too", "of", "to", "in", "a", "an", "is", "it", "on", "at", "be", "we"];

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x3040..=0x30FF | 0xAC00..=0xD7AF | 0x20000..=0x2FA1F)
}

/// Full-width letters and digits (ＡＢＣ１２３) as their ASCII forms, lower case.
fn fold(c: char) -> char {
    let c = match c as u32 {
        0xFF10..=0xFF19 | 0xFF21..=0xFF3A | 0xFF41..=0xFF5A => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    c.to_lowercase().next().unwrap_or(c)
}

#[derive(PartialEq)]
enum Kind {
    Cjk,
    Word,
    Other,
}

fn kind(c: char) -> Kind {
    if is_cjk(c) {
        Kind::Cjk
    } else if c.is_alphanumeric() {
        Kind::Word
    } else {
        Kind::Other
    }
}

fn push_run(run: &[char], k: &Kind, out: &mut BTreeSet<String>) {
    match k {
        Kind::Cjk if run.len() == 1 => {
            out.insert(run[0].to_string());
        }
        Kind::Cjk => {
            for w in run.windows(2) {
                out.insert(w.iter().collect());
            }
        }
        Kind::Word => {
            let word: String = run.iter().collect();
            if STOPWORDS.contains(&word.as_str()) {
                return;
            }
            if run.len() <= 3 {
                out.insert(word);
            } else {
                for w in run.windows(3) {
                    out.insert(w.iter().collect());
                }
            }
        }
        Kind::Other => {}
    }
}

/// The n-grams of a text.
pub fn grams(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut run: Vec<char> = Vec::new();
    let mut run_kind = Kind::Other;
    for c in text.chars().map(fold) {
        let k = kind(c);
        if k != run_kind {
            push_run(&run, &run_kind, &mut out);
            run.clear();
            run_kind = k;
        }
        run.push(c);
    }
    push_run(&run, &run_kind, &mut out);
    out
}

/// The grams stored for a need: its title, place and the start of its description.
pub fn need_grams(title: &str, place: &str, body: &str) -> BTreeSet<String> {
    let start: String = body.chars().take(BODY_INDEXED_CHARS).collect();
    grams(&format!("{title}\n{place}\n{start}"))
}

/// The cosine of two gram sets of sizes `a` and `b` sharing `shared` grams.
pub fn cosine(shared: usize, a: usize, b: usize) -> f64 {
    if a == 0 || b == 0 { 0.0 } else { shared as f64 / ((a as f64) * (b as f64)).sqrt() }
}

/// Orders candidates `(id, shared grams, the candidate's gram count)` against a query of `query_len`
/// grams: best first, ties by newer (higher) id; those under `min_score` dropped; at most `limit`.
pub fn rank_hits(query_len: usize, hits: &[(i64, usize, usize)], min_score: f64, limit: usize) -> Vec<(i64, f64)> {
    let mut scored: Vec<(i64, f64)> = hits.iter().map(|&(id, shared, count)| (id, cosine(shared, query_len, count))).filter(|&(_, s)| s >= min_score).collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
    scored.truncate(limit);
    scored
}

/// Ranks texts against a query: the same computation as the database path, on texts in memory.
pub fn rank(query: &str, candidates: &[(i64, &str)], min_score: f64, limit: usize) -> Vec<(i64, f64)> {
    let q = grams(query);
    let hits: Vec<(i64, usize, usize)> = candidates
        .iter()
        .map(|&(id, text)| {
            let g = grams(text);
            (id, g.intersection(&q).count(), g.len())
        })
        .collect();
    rank_hits(q.len(), &hits, min_score, limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TITLES: &[(i64, &str)] = &[
        (1, "小区停车位太少，晚上回来没地方停车"),
        (2, "希望在3幢加装电梯"),
        (3, "老旧小区加装电梯的申请"),
        (4, "增设老年食堂，方便老人吃饭"),
        (5, "儿童游乐场设施损坏需要维修"),
        (6, "Not enough parking spaces at night"),
        (7, "Install an elevator in building 3"),
        (8, "A canteen for elderly residents"),
        (9, "Broken playground equipment"),
        (10, "夜间路灯不亮，存在安全隐患"),
    ];

    fn ids(query: &str) -> Vec<i64> {
        rank(query, TITLES, SIMILAR_MIN_SCORE, SIMILAR_LIMIT).into_iter().map(|(id, _)| id).collect()
    }

    #[test]
    fn chinese_without_spaces_finds_the_same_topic() {
        assert_eq!(ids("加装电梯"), vec![2, 3]);
        assert_eq!(ids("停车难，没有停车位")[0], 1);
        assert_eq!(ids("老年食堂")[0], 4);
        assert_eq!(ids("游乐场坏了")[0], 5);
        assert_eq!(ids("路灯坏了不亮")[0], 10);
    }

    #[test]
    fn english_words_match_across_forms() {
        assert_eq!(ids("parking")[0], 6);
        assert_eq!(ids("elevator for building 3")[0], 7);
        assert_eq!(ids("elderly canteen")[0], 8);
        assert_eq!(ids("playground is broken")[0], 9);
    }

    #[test]
    fn unrelated_text_finds_nothing() {
        assert!(ids("垃圾分类").is_empty());
        assert!(ids("wifi password").is_empty());
        assert!(ids("").is_empty());
    }

    #[test]
    fn grams_of_mixed_text() {
        let g = grams("3幢加装电梯 Elevator！");
        for want in ["3", "幢加", "加装", "装电", "电梯", "ele", "lev", "tor"] {
            assert!(g.contains(want), "{want} missing from {g:?}");
        }
        assert_eq!(grams("ＰＡＲＫ"), grams("park"), "full-width folds to ASCII");
        assert_eq!(grams("车"), BTreeSet::from(["车".to_string()]), "a lone Han character is its own gram");
        assert!(grams("the and of").is_empty(), "stop words carry nothing");
    }

    #[test]
    fn ranking_breaks_ties_by_newer_and_respects_the_limit() {
        let hits = [(1, 2, 4), (2, 2, 4), (3, 4, 4), (4, 0, 4)];
        let ranked = rank_hits(4, &hits, 0.1, 2);
        assert_eq!(ranked.iter().map(|r| r.0).collect::<Vec<_>>(), vec![3, 2]);
        assert!((ranked[0].1 - 1.0).abs() < 1e-9);
    }
}
