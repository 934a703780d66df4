//! Arbitrary bytes through the loader's string entry point: it must return
//! Ok or located errors, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(errors) = reconcile::model::load::load_str(text, "fuzz.yaml") {
            assert!(!errors.errors.is_empty());
        }
        let _ = reconcile::model::load::load_str(text, "fuzz.json");
    }
});
