//! Spreadsheets for workers (activities' hours, survey answers, open data): CSV with CRLF lines,
//! fields quoted where they must be, encoded as UTF-8 with a BOM (Excel then reads the Chinese) or
//! as GBK (older Excel and the district's systems).

/// How a CSV file is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 with a byte-order mark.
    Utf8,
    Gbk,
}

impl Encoding {
    /// From a request's `encoding` parameter: `gbk`, anything else UTF-8.
    pub fn from_param(p: Option<&str>) -> Encoding {
        if p == Some("gbk") { Encoding::Gbk } else { Encoding::Utf8 }
    }

    /// The `charset` of its `Content-Type`.
    pub fn charset(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Gbk => "GBK",
        }
    }
}

/// One field, quoted if it holds a comma, a quote or a line break.
pub fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// A CSV file being written.
#[derive(Debug, Clone, Default)]
pub struct Csv {
    text: String,
}

impl Csv {
    /// A file starting with the header line.
    pub fn new<S: AsRef<str>>(header: &[S]) -> Csv {
        let mut c = Csv::default();
        c.line(header);
        c
    }

    pub fn line<S: AsRef<str>>(&mut self, fields: &[S]) {
        self.text.push_str(&fields.iter().map(|f| field(f.as_ref())).collect::<Vec<_>>().join(","));
        self.text.push_str("\r\n");
    }

    /// The text, without a byte-order mark.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The file's bytes (characters GBK lacks become HTML numeric references, as encoders do).
    #[cfg(feature = "ssr")]
    pub fn encoded(self, e: Encoding) -> Vec<u8> {
        match e {
            Encoding::Utf8 => format!("\u{feff}{}", self.text).into_bytes(),
            Encoding::Gbk => encoding_rs::GBK.encode(&self.text).0.into_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_where_they_must_be() {
        let mut c = Csv::new(&["编号", "意见"]);
        c.line(&["1", "好，很好"]);
        c.line(&["2", "good, very"]);
        c.line(&["3", "说\"不错\""]);
        c.line(&["4", "第一行\n第二行"]);
        assert_eq!(c.text(), "编号,意见\r\n1,好，很好\r\n2,\"good, very\"\r\n3,\"说\"\"不错\"\"\"\r\n4,\"第一行\n第二行\"\r\n");
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn utf8_has_a_bom_and_gbk_reads_back() {
        let c = Csv::new(&["满意度", "意见"]);
        let utf8 = c.clone().encoded(Encoding::Utf8);
        assert!(utf8.starts_with(&[0xEF, 0xBB, 0xBF]));
        let gbk = c.encoded(Encoding::Gbk);
        assert!(std::str::from_utf8(&gbk).is_err(), "really GBK");
        assert_eq!(encoding_rs::GBK.decode(&gbk).0, "满意度,意见\r\n");
    }
}
