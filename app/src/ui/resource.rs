//! Every page's data as a `Resource` decoded by the same JSON reader as server functions' answers.
//!
//! Leptos' `Resource::new` carries its value from the server to the browser as JSON read with
//! `serde_json::from_str`; server functions' answers are read with `serde_json::from_slice`. The two
//! readers are two instantiations of every data type's decoder, so a type both fetched and
//! hydrated was decoded by two copies of the same code in the WASM (334 `deserialize_struct`s
//! for ~200 types, `scripts/wasm_composition.py`). Here the resource's codec reads with
//! `from_slice` too: one copy. The JSON on the page is the same as Leptos writes.
use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::{Serialize, de::DeserializeOwned};

/// `serde_json` both ways, reading bytes as server functions' answers are read.
pub struct Json;

impl<T: Serialize> Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(val: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(val)
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(val: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(val.as_bytes())
    }
}

/// A page's data (what `Resource::new` makes, with the codec above).
pub type Data<T> = Resource<T, Json>;

/// `Resource::new(source, fetcher)` with the codec above.
#[track_caller]
pub fn resource<T, S, Fut>(source: impl Fn() -> S + Send + Sync + 'static, fetcher: impl Fn(S) -> Fut + Send + Sync + 'static) -> Data<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_codec_writes_what_leptos_writes_and_reads_it_back() {
        let v: Result<Vec<(i64, String)>, String> = Ok(vec![(1, "一\"二".into())]);
        let s = <Json as Encoder<_>>::encode(&v).unwrap();
        assert_eq!(s, <leptos::server::codee::string::JsonSerdeCodec as Encoder<_>>::encode(&v).unwrap());
        let back: Result<Vec<(i64, String)>, String> = <Json as Decoder<_>>::decode(&s).unwrap();
        assert_eq!(back, v);
        assert!(<Json as Decoder<Vec<i64>>>::decode("[1,").is_err());
    }
}
