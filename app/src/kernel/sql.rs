//! Building SQL with a variable number of conditions, for both databases.
//!
//! Queries are written once with `$1, $2, …` placeholders: PostgreSQL takes them natively and
//! SQLite reads `$N` as the N-th parameter. sqlx's `QueryBuilder<Any>` cannot be used for this: it
//! emits `?` placeholders, which PostgreSQL refuses. `Sql` numbers the placeholders itself.
use sqlx::AnyConnection;

/// A bound value.
pub enum Arg {
    I(i64),
    S(String),
}

/// SQL text and the values its `$N` placeholders stand for, in order.
#[derive(Default)]
pub struct Sql {
    pub text: String,
    args: Vec<Arg>,
}

impl Sql {
    pub fn new() -> Self {
        Sql::default()
    }

    /// Adds a value; returns its placeholder (`$N`) to write into the text.
    pub fn arg(&mut self, a: Arg) -> String {
        self.args.push(a);
        format!("${}", self.args.len())
    }

    /// `$a, $b, …` for a list of integers (an `IN (…)` list).
    pub fn list(&mut self, values: &[i64]) -> String {
        values.iter().map(|v| self.arg(Arg::I(*v))).collect::<Vec<_>>().join(", ")
    }

    /// Runs the statement; returns the rows it affected.
    pub async fn execute(self, conn: &mut AnyConnection) -> Result<u64, sqlx::Error> {
        let mut q = sqlx::query(&self.text);
        for a in self.args {
            q = match a {
                Arg::I(v) => q.bind(v),
                Arg::S(v) => q.bind(v),
            };
        }
        Ok(q.execute(conn).await?.rows_affected())
    }

    /// Runs the query and returns its rows as `T`.
    pub async fn fetch_all<T>(self, conn: &mut AnyConnection) -> Result<Vec<T>, sqlx::Error>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        let mut q = sqlx::query_as::<_, T>(&self.text);
        for a in self.args {
            q = match a {
                Arg::I(v) => q.bind(v),
                Arg::S(v) => q.bind(v),
            };
        }
        q.fetch_all(conn).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut s = Sql::new();
        assert_eq!(s.arg(Arg::I(7)), "$1");
        assert_eq!(s.list(&[1, 2, 3]), "$2, $3, $4");
        assert_eq!(s.arg(Arg::S("x".into())), "$5");
    }
}
