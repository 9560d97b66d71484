//! The household roster (户籍名册) as a worker exports it from Excel: CSV in UTF-8 (with or
//! without BOM) or GBK, one row per person. Parsing is all-or-nothing per row: a row is either
//! good (and imported whole) or reported with its line, column and problem.
#[cfg(feature = "ssr")]
use super::model::normalize_phone;
use serde::{Deserialize, Serialize};

/// The columns of a roster file; headers may be Chinese or English.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RosterColumn {
    Building,
    Unit,
    Room,
    Name,
    Phone,
    BirthYear,
    Owner,
    Area,
    Relationship,
    /// Homes with the same value (in one community) belong to one owner, who counts as one head
    /// in owners' votes (法释〔2009〕7号 art. 9); e.g. 开发商 for the developer's unsold homes.
    OwnerGroup,
}

impl RosterColumn {
    #[cfg_attr(not(feature = "ssr"), allow(dead_code))]
    const ALL: [RosterColumn; 10] = [
        RosterColumn::Building,
        RosterColumn::Unit,
        RosterColumn::Room,
        RosterColumn::Name,
        RosterColumn::Phone,
        RosterColumn::BirthYear,
        RosterColumn::Owner,
        RosterColumn::Area,
        RosterColumn::Relationship,
        RosterColumn::OwnerGroup,
    ];

    #[cfg_attr(not(feature = "ssr"), allow(dead_code))]
    fn headers(self) -> &'static [&'static str] {
        match self {
            RosterColumn::Building => &["楼栋", "楼幢", "幢", "building"],
            RosterColumn::Unit => &["单元", "unit"],
            RosterColumn::Room => &["房号", "室", "room"],
            RosterColumn::Name => &["姓名", "name"],
            RosterColumn::Phone => &["手机", "手机号", "电话", "phone"],
            RosterColumn::BirthYear => &["出生年份", "出生年", "birth year", "birth_year"],
            RosterColumn::Owner => &["业主", "是否业主", "owner"],
            RosterColumn::Area => &["面积", "建筑面积", "专有面积", "area"],
            RosterColumn::Relationship => &["关系", "与户主关系", "relationship"],
            RosterColumn::OwnerGroup => &["产权人编号", "同一产权人", "owner group", "owner_group"],
        }
    }

    #[cfg_attr(not(feature = "ssr"), allow(dead_code))]
    fn required(self) -> bool {
        matches!(self, RosterColumn::Building | RosterColumn::Unit | RosterColumn::Room | RosterColumn::Name)
    }
}

/// What is wrong with a row (or the file).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RosterProblem {
    /// The file is neither UTF-8 nor GBK.
    Encoding,
    /// The header lacks required columns.
    MissingColumns(Vec<RosterColumn>),
    /// The file has no data rows.
    Empty,
    /// The row has fewer or more fields than the header.
    FieldCount {
        expected: usize,
        found: usize,
    },
    Required,
    TooLong {
        max: usize,
    },
    BadPhone,
    BadBirthYear,
    BadOwner,
    BadArea,
    /// The same person (building, unit, room, name) appears again.
    Duplicate {
        first_line: usize,
    },
    /// The same household was given another floor area on an earlier line.
    AreaConflict {
        first_line: usize,
    },
    /// The same household was given another owner group on an earlier line.
    OwnerGroupConflict {
        first_line: usize,
    },
    /// The CSV itself is malformed here (e.g. an unclosed quote).
    Malformed,
}

/// A problem at a place: 1-based line of the file (the header is line 1) and the column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterError {
    pub line: usize,
    pub column: Option<RosterColumn>,
    pub problem: RosterProblem,
}

/// A good row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterRow {
    pub line: usize,
    pub building: String,
    pub unit: String,
    pub room: String,
    pub name: String,
    pub phone: Option<String>,
    pub birth_year: Option<i64>,
    pub owner: bool,
    /// Exclusive floor area in 0.01 m².
    pub area_centi_m2: Option<i64>,
    /// 与户主关系, if the file has it.
    pub relationship: String,
    /// The household's owner group, if given (see `RosterColumn::OwnerGroup`).
    pub owner_group: Option<String>,
}

/// The parsed file: good rows and row errors, or a file-level error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParsedRoster {
    pub rows: Vec<RosterRow>,
    pub errors: Vec<RosterError>,
}

/// Decodes what Excel saves: UTF-8 (BOM or not) or, failing that, GBK.
#[cfg(feature = "ssr")]
pub fn decode(bytes: &[u8]) -> Result<String, RosterError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_string());
    }
    let (text, _, had_errors) = encoding_rs::GBK.decode(bytes);
    if had_errors {
        return Err(RosterError { line: 0, column: None, problem: RosterProblem::Encoding });
    }
    Ok(text.into_owned())
}

/// "89.5" or "89.50" m² → 8950; at most two decimals, positive, below 100,000 m².
pub fn parse_area(s: &str) -> Option<i64> {
    let s = s.trim().trim_end_matches("㎡").trim_end_matches("m²").trim();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() || whole.len() > 5 || frac.len() > 2 || !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac_centi = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse::<i64>().ok()?,
    };
    let v = whole.parse::<i64>().ok()? * 100 + frac_centi;
    (v > 0).then_some(v)
}

#[cfg(feature = "ssr")]
fn parse_owner(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "是" | "y" | "yes" | "1" | "true" | "业主" => Some(true),
        "否" | "n" | "no" | "0" | "false" | "" => Some(false),
        _ => None,
    }
}

/// The line that first gave `key` a value other than `value`; otherwise `None`, and `value` is
/// remembered for `key` (with `line`) if it is the first.
#[cfg(feature = "ssr")]
fn conflicting<K: Clone + Eq + std::hash::Hash, V: PartialEq>(
    seen: &mut std::collections::HashMap<K, (usize, V)>,
    key: &K,
    line: usize,
    value: V,
) -> Option<usize> {
    match seen.get(key) {
        Some((first_line, v)) if *v != value => Some(*first_line),
        Some(_) => None,
        None => {
            seen.insert(key.clone(), (line, value));
            None
        }
    }
}

/// Parses a roster file. `current_year` bounds birth years.
#[cfg(feature = "ssr")]
pub fn parse(bytes: &[u8], current_year: i64) -> Result<ParsedRoster, RosterError> {
    let text = decode(bytes)?;
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(_)) => {
            return Err(RosterError { line: 1, column: None, problem: RosterProblem::Malformed });
        }
        None => {
            return Err(RosterError { line: 1, column: None, problem: RosterProblem::Empty });
        }
    };
    let mut index = [None; RosterColumn::ALL.len()];
    for (i, h) in header.iter().enumerate() {
        let h = h.trim().to_lowercase();
        if let Some(c) = RosterColumn::ALL.iter().position(|c| c.headers().iter().any(|n| *n == h)) {
            index[c].get_or_insert(i);
        }
    }
    let missing: Vec<RosterColumn> = RosterColumn::ALL.iter().zip(index).filter(|(c, i)| c.required() && i.is_none()).map(|(c, _)| *c).collect();
    if !missing.is_empty() {
        return Err(RosterError { line: 1, column: None, problem: RosterProblem::MissingColumns(missing) });
    }
    let width = header.len();
    let mut parsed = ParsedRoster { rows: Vec::new(), errors: Vec::new() };
    let mut seen_people: std::collections::HashMap<(String, String, String, String), usize> = Default::default();
    let mut seen_areas: std::collections::HashMap<(String, String, String), (usize, i64)> = Default::default();
    let mut seen_groups: std::collections::HashMap<(String, String, String), (usize, String)> = Default::default();
    for record in records {
        let (line, record) = match record {
            Ok(r) => (r.position().map(|p| p.line() as usize).unwrap_or(0), r),
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
                parsed.errors.push(RosterError { line, column: None, problem: RosterProblem::Malformed });
                continue;
            }
        };
        if record.iter().all(|f| f.is_empty()) {
            continue; // blank lines that Excel leaves at the end
        }
        if record.len() != width {
            parsed.errors.push(RosterError { line, column: None, problem: RosterProblem::FieldCount { expected: width, found: record.len() } });
            continue;
        }
        let get = |c: RosterColumn| index[c as usize].and_then(|i| record.get(i)).unwrap_or("").to_string();
        let err = |c: RosterColumn, p: RosterProblem| RosterError { line, column: Some(c), problem: p };
        let text = |c: RosterColumn, max: usize| -> Result<String, RosterError> {
            let v = get(c);
            if v.is_empty() {
                Err(err(c, RosterProblem::Required))
            } else if v.chars().count() > max {
                Err(err(c, RosterProblem::TooLong { max }))
            } else {
                Ok(v)
            }
        };
        let row = (|| -> Result<RosterRow, RosterError> {
            let building = text(RosterColumn::Building, 50)?;
            let unit = text(RosterColumn::Unit, 20)?;
            let room = text(RosterColumn::Room, 20)?;
            let name = text(RosterColumn::Name, 50)?;
            let phone = match get(RosterColumn::Phone) {
                p if p.is_empty() => None,
                p => Some(normalize_phone(&p).map_err(|_| err(RosterColumn::Phone, RosterProblem::BadPhone))?),
            };
            let birth_year = match get(RosterColumn::BirthYear) {
                y if y.is_empty() => None,
                y => Some(
                    y.parse::<i64>()
                        .ok()
                        .filter(|y| (1900..=current_year).contains(y))
                        .ok_or_else(|| err(RosterColumn::BirthYear, RosterProblem::BadBirthYear))?,
                ),
            };
            let owner = parse_owner(&get(RosterColumn::Owner)).ok_or_else(|| err(RosterColumn::Owner, RosterProblem::BadOwner))?;
            let area_centi_m2 = match get(RosterColumn::Area) {
                a if a.is_empty() => None,
                a => Some(parse_area(&a).ok_or_else(|| err(RosterColumn::Area, RosterProblem::BadArea))?),
            };
            let relationship = get(RosterColumn::Relationship);
            if relationship.chars().count() > 20 {
                return Err(err(RosterColumn::Relationship, RosterProblem::TooLong { max: 20 }));
            }
            // Cleaned by the shared text rules (trimmed, NFC, no control characters), so that
            // a label typed with a stray space is still the same group.
            let owner_group = match super::model::OWNER_GROUP.check(&get(RosterColumn::OwnerGroup)) {
                Ok(g) => Some(g).filter(|g| !g.is_empty()),
                Err(crate::kernel::text::TextProblem::TooLong { max }) => return Err(err(RosterColumn::OwnerGroup, RosterProblem::TooLong { max })),
                Err(crate::kernel::text::TextProblem::Empty) => None,
            };
            Ok(RosterRow { line, building, unit, room, name, phone, birth_year, owner, area_centi_m2, relationship, owner_group })
        })();
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                parsed.errors.push(e);
                continue;
            }
        };
        let person = (row.building.clone(), row.unit.clone(), row.room.clone(), row.name.clone());
        if let Some(&first_line) = seen_people.get(&person) {
            parsed.errors.push(RosterError { line, column: Some(RosterColumn::Name), problem: RosterProblem::Duplicate { first_line } });
            continue;
        }
        let household = (row.building.clone(), row.unit.clone(), row.room.clone());
        // A household's area and owner group are given once: a later line that says otherwise is
        // reported with the first line's number.
        if let Some(first_line) = row.area_centi_m2.and_then(|area| conflicting(&mut seen_areas, &household, line, area)) {
            parsed.errors.push(RosterError { line, column: Some(RosterColumn::Area), problem: RosterProblem::AreaConflict { first_line } });
            continue;
        }
        if let Some(first_line) = row.owner_group.clone().and_then(|group| conflicting(&mut seen_groups, &household, line, group)) {
            parsed.errors.push(RosterError { line, column: Some(RosterColumn::OwnerGroup), problem: RosterProblem::OwnerGroupConflict { first_line } });
            continue;
        }
        seen_people.insert(person, line);
        parsed.rows.push(row);
    }
    if parsed.rows.is_empty() && parsed.errors.is_empty() {
        return Err(RosterError { line: 2, column: None, problem: RosterProblem::Empty });
    }
    Ok(parsed)
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    const HEADER: &str = "楼栋,单元,房号,姓名,手机,出生年份,业主,面积\n";

    fn parse_str(s: &str) -> Result<ParsedRoster, RosterError> {
        parse(s.as_bytes(), 2026)
    }

    #[test]
    fn utf8_file_with_bom_and_chinese_headers_parses() {
        let file = format!("\u{feff}{HEADER}1幢,1,101,王芳,13800000001,1975,是,89.5\n1幢,1,101,王建国,,1948,否,\n");
        let p = parse_str(&file).unwrap();
        assert_eq!(p.errors, vec![]);
        assert_eq!(p.rows.len(), 2);
        assert_eq!(p.rows[0].area_centi_m2, Some(8950));
        assert_eq!(p.rows[0].phone.as_deref(), Some("13800000001"));
        assert!(p.rows[0].owner && !p.rows[1].owner);
        assert_eq!((p.rows[0].line, p.rows[1].line), (2, 3));
    }

    #[test]
    fn gbk_file_from_excel_parses_the_same() {
        let file = format!("{HEADER}2幢,1,202,李强,13800000002,1988,否,\n");
        let (gbk, _, _) = encoding_rs::GBK.encode(&file);
        assert!(std::str::from_utf8(&gbk).is_err(), "really GBK, not UTF-8");
        let p = parse(&gbk, 2026).unwrap();
        assert_eq!(p.rows[0].name, "李强");
        assert_eq!(p.rows[0].building, "2幢");
    }

    #[test]
    fn bytes_that_are_neither_utf8_nor_gbk_are_an_encoding_error() {
        let e = parse(&[0xff, 0xff, 0xff, 0x80, 0x80], 2026).unwrap_err();
        assert_eq!(e.problem, RosterProblem::Encoding);
    }

    #[test]
    fn quoted_fields_keep_commas_and_quotes() {
        let file = format!("{HEADER}\"1幢\",\"1\",\"101\",\"欧阳, 娜娜\",,1990,否,\n1幢,1,102,\"Li \"\"Lucky\"\" Wei\",,,否,\n");
        let p = parse_str(&file).unwrap();
        assert_eq!(p.rows[0].name, "欧阳, 娜娜");
        assert_eq!(p.rows[1].name, "Li \"Lucky\" Wei");
    }

    #[test]
    fn english_headers_in_any_order_are_recognized() {
        let p = parse_str("Name,Room,Unit,Building\nAnna,101,1,B1\n").unwrap();
        assert_eq!((p.rows[0].name.as_str(), p.rows[0].building.as_str(), p.rows[0].phone.clone()), ("Anna", "B1", None));
    }

    #[test]
    fn missing_required_columns_are_named() {
        let e = parse_str("楼栋,姓名\n1幢,王芳\n").unwrap_err();
        assert_eq!(e.problem, RosterProblem::MissingColumns(vec![RosterColumn::Unit, RosterColumn::Room]));
    }

    #[test]
    fn bad_rows_are_reported_with_line_and_column_and_good_rows_kept() {
        let file = format!(
            "{HEADER}1幢,1,101,王芳,13800000001,1975,是,89.5\n\
             1幢,1,102,,13800000002,1980,否,\n\
             1幢,1,103,张三,12345,1980,否,\n\
             1幢,1,104,李四,,1890,否,\n\
             1幢,1,105,赵五,,1980,也许,\n\
             1幢,1,106,钱六,,1980,是,-3\n\
             1幢,1,107,孙七\n\
             1幢,1,108,周八,,,是,120.123\n"
        );
        let p = parse_str(&file).unwrap();
        assert_eq!(p.rows.len(), 1);
        let got: Vec<(usize, Option<RosterColumn>, RosterProblem)> = p.errors.into_iter().map(|e| (e.line, e.column, e.problem)).collect();
        assert_eq!(
            got,
            vec![
                (3, Some(RosterColumn::Name), RosterProblem::Required),
                (4, Some(RosterColumn::Phone), RosterProblem::BadPhone),
                (5, Some(RosterColumn::BirthYear), RosterProblem::BadBirthYear),
                (6, Some(RosterColumn::Owner), RosterProblem::BadOwner),
                (7, Some(RosterColumn::Area), RosterProblem::BadArea),
                (8, None, RosterProblem::FieldCount { expected: 8, found: 4 }),
                (9, Some(RosterColumn::Area), RosterProblem::BadArea),
            ]
        );
    }

    #[test]
    fn duplicate_people_and_conflicting_areas_point_to_the_first_line() {
        let file = format!("{HEADER}1幢,1,101,王芳,,,是,89.5\n1幢,1,101,王芳,,,是,89.5\n1幢,1,101,王建国,,,是,90\n");
        let p = parse_str(&file).unwrap();
        assert_eq!(p.rows.len(), 1);
        assert_eq!(p.errors[0], RosterError { line: 3, column: Some(RosterColumn::Name), problem: RosterProblem::Duplicate { first_line: 2 } });
        assert_eq!(p.errors[1], RosterError { line: 4, column: Some(RosterColumn::Area), problem: RosterProblem::AreaConflict { first_line: 2 } });
    }

    #[test]
    fn owner_groups_are_read_cleaned_and_must_agree_within_a_household() {
        let long = "长".repeat(41);
        let file = format!(
            "楼栋,单元,房号,姓名,业主,产权人编号\n1幢,1,101,王建国,是, 王建国 \n2幢,1,502,王建国,是,王建国\n3幢,1,101,李明,是,\n\
             1幢,1,101,王芳,是,开发商\n4幢,1,101,赵敏,是,{long}\n"
        );
        let p = parse_str(&file).unwrap();
        let groups: Vec<(usize, Option<&str>)> = p.rows.iter().map(|r| (r.line, r.owner_group.as_deref())).collect();
        assert_eq!(groups, vec![(2, Some("王建国")), (3, Some("王建国")), (4, None)]);
        assert_eq!(
            p.errors,
            vec![
                RosterError { line: 5, column: Some(RosterColumn::OwnerGroup), problem: RosterProblem::OwnerGroupConflict { first_line: 2 } },
                RosterError { line: 6, column: Some(RosterColumn::OwnerGroup), problem: RosterProblem::TooLong { max: 40 } },
            ]
        );
        assert!(describe(&p.errors[0], crate::i18n::Locale::zh_CN).contains("产权人编号"));
    }

    #[test]
    fn blank_trailing_lines_are_ignored_and_an_empty_file_is_an_error() {
        let p = parse_str(&format!("{HEADER}1幢,1,101,王芳,,,否,\n,,,,,,,\n\n")).unwrap();
        assert_eq!((p.rows.len(), p.errors.len()), (1, 0));
        assert_eq!(parse_str(HEADER).unwrap_err().problem, RosterProblem::Empty);
        assert_eq!(parse_str("").unwrap_err().problem, RosterProblem::Empty);
    }

    #[test]
    fn areas_are_exact_hundredths_of_a_square_metre() {
        assert_eq!(parse_area("89.5"), Some(8950));
        assert_eq!(parse_area("89.05"), Some(8905));
        assert_eq!(parse_area("120"), Some(12000));
        assert_eq!(parse_area("75.25㎡"), Some(7525));
        assert_eq!(parse_area("0"), None);
        assert_eq!(parse_area("1.234"), None);
        assert_eq!(parse_area("abc"), None);
        assert_eq!(parse_area(".5"), None);
    }
}

/// A roster problem in the user's language, with its line and column.
pub fn describe(e: &RosterError, locale: crate::i18n::Locale) -> String {
    use crate::i18n::td_string;
    let l = locale;
    let column = |c: RosterColumn| -> &'static str {
        match c {
            RosterColumn::Building => td_string!(l, col_building),
            RosterColumn::Unit => td_string!(l, col_unit),
            RosterColumn::Room => td_string!(l, col_room),
            RosterColumn::Name => td_string!(l, col_name),
            RosterColumn::Phone => td_string!(l, col_phone),
            RosterColumn::BirthYear => td_string!(l, col_birth_year),
            RosterColumn::Owner => td_string!(l, col_owner),
            RosterColumn::Area => td_string!(l, col_area),
            RosterColumn::Relationship => td_string!(l, col_relationship),
            RosterColumn::OwnerGroup => td_string!(l, col_owner_group),
        }
    };
    let problem = match &e.problem {
        RosterProblem::Encoding => td_string!(l, roster_encoding).to_string(),
        RosterProblem::MissingColumns(cols) => {
            let names = cols.iter().map(|c| column(*c)).collect::<Vec<_>>().join("、");
            td_string!(l, roster_missing_columns, columns = names).to_string()
        }
        RosterProblem::Empty => td_string!(l, roster_empty).to_string(),
        RosterProblem::FieldCount { expected, found } => td_string!(l, roster_field_count, expected = *expected, found = *found).to_string(),
        RosterProblem::Required => td_string!(l, roster_required).to_string(),
        RosterProblem::TooLong { max } => td_string!(l, roster_too_long, max = *max).to_string(),
        RosterProblem::BadPhone => td_string!(l, roster_bad_phone).to_string(),
        RosterProblem::BadBirthYear => td_string!(l, roster_bad_birth_year).to_string(),
        RosterProblem::BadOwner => td_string!(l, roster_bad_owner).to_string(),
        RosterProblem::BadArea => td_string!(l, roster_bad_area).to_string(),
        RosterProblem::Duplicate { first_line } => td_string!(l, roster_duplicate, line = *first_line).to_string(),
        RosterProblem::AreaConflict { first_line } => td_string!(l, roster_area_conflict, line = *first_line).to_string(),
        RosterProblem::OwnerGroupConflict { first_line } => td_string!(l, roster_owner_group_conflict, line = *first_line).to_string(),
        RosterProblem::Malformed => td_string!(l, roster_malformed).to_string(),
    };
    let place = match (e.line, e.column) {
        (0, _) => String::new(),
        (line, Some(c)) => td_string!(l, roster_at_line_column, line = line, column = column(c)).to_string(),
        (line, None) => td_string!(l, roster_at_line, line = line).to_string(),
    };
    format!("{place}{problem}")
}
