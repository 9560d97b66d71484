//! Enums stored as text in the database and sent as text in forms: one macro, one spelling per
//! value. A stored value this code does not know (written by a newer version, or by hand) is an
//! error when read back, never a silent default.

/// Defines an enum whose values are stored as the given strings: `as_str`, `parse` (for what a
/// request says: `None` if unknown), `stored` (for what the database says: an error if unknown,
/// ssr only) and `ALL`.
macro_rules! str_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name { $($(#[$vm])* $v),* }
        impl $crate::kernel::stored::StoredText for $name {
            fn as_text(self) -> &'static str { self.as_str() }
            fn from_text(s: &str) -> Option<Self> { Self::parse(s) }
        }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),*];
            pub fn as_str(self) -> &'static str { match self { $($name::$v => $s),* } }
            pub fn parse(s: &str) -> Option<Self> { match s { $($s => Some($name::$v),)* _ => None } }
            /// A value read back from the database; an unknown one is a decoding error.
            #[cfg(feature = "ssr")]
            pub fn stored(s: &str) -> Result<Self, sqlx::Error> {
                Self::parse(s).ok_or_else(|| $crate::kernel::stored::unknown(stringify!($name), s))
            }
        }
    };
}
pub(crate) use str_enum;

/// What `str_enum!` gives every enum it defines: its stored spelling.
pub trait StoredText: Copy + Sized {
    fn as_text(self) -> &'static str;
    fn from_text(s: &str) -> Option<Self>;
}

/// `#[serde(with = "crate::kernel::stored::as_text")]`: a `str_enum!` value in stored JSON (a
/// notification's parameters, an event's payload) in its stored spelling, not its Rust name.
pub mod as_text {
    use super::StoredText;

    pub fn serialize<T: StoredText, S: serde::Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v.as_text())
    }

    pub fn deserialize<'de, T: StoredText, D: serde::Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        T::from_text(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown stored value {s:?}")))
    }
}

/// The error of a stored value no variant spells.
#[cfg(feature = "ssr")]
pub fn unknown(kind: &'static str, value: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("unknown stored {kind}: {value:?}").into())
}

#[cfg(test)]
mod tests {
    str_enum!(
        /// A test enum.
        Colour { Red = "red", Dark = "dark_blue" }
    );

    #[test]
    fn every_value_round_trips_and_unknown_is_refused() {
        for c in Colour::ALL {
            assert_eq!(Colour::parse(c.as_str()), Some(*c));
        }
        assert_eq!(Colour::parse("green"), None);
        assert_eq!(Colour::parse(""), None);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn an_unknown_stored_value_is_an_error() {
        assert_eq!(Colour::stored("dark_blue").unwrap(), Colour::Dark);
        let e = Colour::stored("green").unwrap_err();
        assert!(e.to_string().contains("unknown stored Colour"), "{e}");
    }
}
