//! Migration timestamps: the 14-digit UTC time (`YYYYMMDDHHMMSS`) a
//! migration was written at, kept in its metadata so that every export
//! names it the same. Supabase's CLI orders migrations by this version as
//! a string and refuses to push one that sorts before the newest applied,
//! so each new migration is stamped strictly after the one before it (an
//! imported history keeps its own versions).

use std::path::Path;

use super::Migration;

/// Migration N of a history written before timestamps were recorded:
/// 2000-01-01 00:00:00 UTC plus N seconds, so such histories export as
/// they always did.
pub fn legacy(number: u32) -> String {
    let s = u64::from(number);
    format!("20000101{:02}{:02}{:02}", s / 3600, s % 3600 / 60, s % 60)
}

/// The current UTC time as `YYYYMMDDHHMMSS`; `$SOURCE_DATE_EPOCH` (the
/// reproducible-builds convention: seconds since 1970), when set, stands
/// for the clock, so that the same inputs write the same files.
pub fn now() -> String {
    let fixed = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok());
    let secs = fixed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    });
    format_secs(secs)
}

/// Seconds since the epoch as `YYYYMMDDHHMMSS`.
pub fn format_secs(secs: i64) -> String {
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}{m:02}{d:02}{:02}{:02}{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// `YYYYMMDDHHMMSS` as seconds since the epoch, when it is a valid time.
pub fn parse_secs(text: &str) -> Option<i64> {
    if text.len() != 14 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| text[r].parse::<i64>().ok();
    let (y, mo, d) = (n(0..4)?, n(4..6)?, n(6..8)?);
    let (h, mi, s) = (n(8..10)?, n(10..12)?, n(12..14)?);
    let days = days_from_civil(y, mo, d);
    let valid = (1..=12).contains(&mo)
        && (1..=31).contains(&d)
        && civil_from_days(days) == (y, mo as u32, d as u32)
        && h < 24
        && mi < 60
        && s < 60;
    valid.then_some(days * 86_400 + h * 3600 + mi * 60 + s)
}

/// The version for a migration written at `now` after one versioned
/// `last`: `now`, unless that does not sort after `last` (a clock behind,
/// several migrations in one second, an imported history from the
/// future), then one second after `last`.
pub fn after(last: Option<&str>, now: &str) -> String {
    let Some(last) = last else {
        return now.to_string();
    };
    if now.len() == last.len() && now > last {
        return now.to_string();
    }
    match parse_secs(last) {
        Some(s) => format_secs(s + 1),
        // Not a time (an imported `0042`): a longer string of digits that
        // still sorts after it.
        None if last.len() < now.len() && now > last => now.to_string(),
        None => format!("{last}1"),
    }
}

/// Stamps each of `ms` that has no timestamp yet, in order, after `last`.
pub fn stamp(ms: &mut [Migration], last: Option<String>, now: &str) {
    let mut last = last;
    for m in ms {
        let version = match &m.metadata.timestamp {
            Some(t) => t.clone(),
            None => {
                let t = after(last.as_deref(), now);
                m.metadata.timestamp = Some(t.clone());
                t
            }
        };
        last = Some(version);
    }
}

/// The version of the newest migration under `dir` (its timestamp, or the
/// legacy one), if there is any.
pub fn last_version(dir: &Path) -> Result<Option<String>, String> {
    if !dir.exists() {
        return Ok(None);
    }
    let sources = super::source::read(dir)?;
    Ok(sources.last().map(|s| s.version()))
}

/// The timestamp recorded in the metadata of migration `name` under
/// `dir`, if it exists and has one (a migration written again keeps it).
pub fn recorded(dir: &Path, name: &str) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(name).join("metadata.toml")).ok()?;
    let value: toml::Table = text.parse().ok()?;
    value.get("timestamp")?.as_str().map(str::to_string)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_versions_are_ordered_valid_times() {
        assert_eq!(legacy(1), "20000101000001");
        assert_eq!(legacy(61), "20000101000101");
        assert_eq!(legacy(9999), "20000101024639");
        let all: Vec<String> = (1..=9999).map(legacy).collect();
        assert!(all.windows(2).all(|w| w[0] < w[1]));
        assert!(all.iter().all(|v| parse_secs(v).is_some()));
    }

    #[test]
    fn times_format_and_parse_back() {
        assert_eq!(format_secs(0), "19700101000000");
        assert_eq!(format_secs(951_782_400), "20000229000000");
        assert_eq!(format_secs(1_704_067_199), "20231231235959");
        for secs in [0, 951_782_400, 1_704_067_199, 4_102_444_800, 1_234_567_890] {
            assert_eq!(parse_secs(&format_secs(secs)), Some(secs));
        }
        for bad in [
            "20230230000000",
            "20231301000000",
            "20230101240000",
            "2023",
            "2023010100000x",
        ] {
            assert_eq!(parse_secs(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_new_version_always_sorts_after_the_last() {
        let now = "20260512093000";
        assert_eq!(after(None, now), now);
        assert_eq!(after(Some("20240101000000"), now), now);
        // Same second, or a clock behind the history: one second later.
        assert_eq!(after(Some(now), now), "20260512093001");
        assert_eq!(after(Some("20991231235959"), now), "21000101000000");
        // Versions that are not times still sort before what follows.
        assert_eq!(after(Some("0042"), now), now);
        assert_eq!(after(Some("99"), now), "991");
        for last in ["20260512093000", "20991231235959", "0042", "99", "9"] {
            assert!(after(Some(last), now).as_str() > last, "{last}");
        }
    }
}
