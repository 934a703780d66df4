//! The JSON Schema of the desired-state format, for editors and CI checks.

use super::Database;

/// Pretty-printed JSON Schema (draft 2020-12) of [`Database`].
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Database);
    serde_json::to_string_pretty(&schema).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn has_short_forms() {
        let s = super::json_schema();
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert!(v["properties"]["tables"].is_object());
        assert!(s.contains("anyOf"));
    }
}
