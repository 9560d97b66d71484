//! A record checked against its kind's JSON Schema in docs/records/ (the records contract).

/// The record follows its kind's schema in docs/records/: the types, every required field
/// present and, where the schema closes an object, nothing it does not name — checked through
/// every nested object and array (the parts of JSON Schema those files use).
pub fn assert_follows_its_schema(record: &serde_json::Value) {
    let kind = record["kind"].as_str().unwrap();
    let path = format!("{}/../docs/records/{kind}.v1.schema.json", env!("CARGO_MANIFEST_DIR"));
    let schema: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap();
    check_schema(kind, "", record, &schema);
}

fn check_schema(kind: &str, at: &str, value: &serde_json::Value, schema: &serde_json::Value) {
    use serde_json::Value;
    if let Some(c) = schema.get("const") {
        assert_eq!(value, c, "{kind}{at}");
    }
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let ok = types.iter().any(|t| match *t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            _ => false,
        });
        assert!(ok, "{kind}{at}: {value} is not {types:?}");
    }
    if let (Some(fields), Some(props)) = (value.as_object(), schema.get("properties").and_then(Value::as_object)) {
        for required in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            assert!(fields.contains_key(required.as_str().unwrap()), "{kind}{at}: {required} missing");
        }
        for (name, v) in fields {
            match props.get(name) {
                Some(s) => check_schema(kind, &format!("{at}.{name}"), v, s),
                None => assert!(schema.get("additionalProperties") != Some(&Value::Bool(false)), "{kind}{at}: {name} is not in the schema"),
            }
        }
    }
    if let (Some(items), Some(s)) = (value.as_array(), schema.get("items")) {
        for (i, v) in items.iter().enumerate() {
            check_schema(kind, &format!("{at}[{i}]"), v, s);
        }
    }
}
