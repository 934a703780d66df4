//! Connecting (timeouts, TLS, no password in any message) and the
//! session-level advisory lock that serialises runners.

use std::borrow::BorrowMut;
use std::time::{Duration, Instant};

use diesel::sql_types::{BigInt, Bool, Nullable, Text};
use diesel::{PgConnection, QueryableByName, RunQueryDsl};

use super::{Options, RunnerError};
use crate::catalog;

/// Connects with a connect timeout; refuses a connection without TLS when
/// `require_ssl` is set. Error messages hold no password.
pub fn connect(url: &str, opts: &Options) -> Result<PgConnection, RunnerError> {
    let with_timeout = add_param(url, "connect_timeout", &timeout_secs(opts));
    let named = add_param(&with_timeout, "application_name", &opts.application_name);
    let mut conn =
        catalog::connect(&named).map_err(|e| RunnerError::Connect(scrub(&e.to_string(), url)))?;
    if opts.require_ssl {
        #[derive(QueryableByName)]
        struct Ssl {
            #[diesel(sql_type = Nullable<Bool>)]
            ssl: Option<bool>,
        }
        let rows: Vec<Ssl> =
            diesel::sql_query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
                .load(&mut conn)
                .map_err(|e| RunnerError::Connect(format!("cannot check TLS: {e}")))?;
        if !rows.first().and_then(|r| r.ssl).unwrap_or(false) {
            return Err(RunnerError::Connect(format!(
                "the connection to {} is not encrypted and --require-ssl is set (add sslmode=require or verify-full)",
                catalog::redact(url)
            )));
        }
    }
    Ok(conn)
}

/// The server's version, for refusing what it cannot run before it runs.
pub fn server_version(conn: &mut PgConnection) -> Result<crate::model::PgVersion, RunnerError> {
    #[derive(QueryableByName)]
    struct Version {
        #[diesel(sql_type = diesel::sql_types::Int4)]
        num: i32,
    }
    let v: Version = diesel::sql_query("SELECT current_setting('server_version_num')::int4 AS num")
        .get_result(conn)
        .map_err(|e| RunnerError::Database(format!("cannot read the server version: {e}")))?;
    Ok(crate::model::PgVersion(v.num.max(0) as u32))
}

fn timeout_secs(opts: &Options) -> String {
    opts.connect_timeout.as_secs().max(1).to_string()
}

/// `url` for a second connection beside the runner's (a reading's): with
/// `opts.connect_timeout`, and under `--require-ssl` with `sslmode=require`
/// unless the DSN names a mode, since that connection's encryption is not
/// checked after the fact as the first one's is.
pub fn second_url(url: &str, opts: &Options) -> String {
    let url = add_param(url, "connect_timeout", &timeout_secs(opts));
    let url = add_param(&url, "application_name", &opts.application_name);
    match opts.require_ssl {
        true => add_param(&url, "sslmode", "require"),
        false => url,
    }
}

/// Appends libpq's `key=value` unless the DSN sets that key (or, for
/// `application_name`, `$PGAPPNAME` does: the user's name wins).
fn add_param(url: &str, key: &str, value: &str) -> String {
    let by_env = key == "application_name" && std::env::var_os("PGAPPNAME").is_some();
    if catalog::redact::sets_param(url, key) || by_env {
        url.to_string()
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}{key}={}", percent_encode(value))
    } else {
        format!("{url} {key}={}", conninfo_value(value))
    }
}

/// `value` as a `key=value` connection string writes it: quoted when it
/// holds anything but letters, digits and `._-`.
fn conninfo_value(value: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if !value.is_empty() && value.chars().all(plain) {
        return value.to_string();
    }
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// `value` for a URL's query: everything but unreserved characters escaped.
fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The name of the host this runs on, for the audit rows.
pub fn host_name() -> Option<String> {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname writes at
    // most that many bytes.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return None;
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    let name = String::from_utf8_lossy(&buf[..end]).into_owned();
    (!name.is_empty()).then_some(name)
}

/// `message` without the DSN's password nor `$PGPASSWORD`.
pub fn scrub(message: &str, url: &str) -> String {
    let mut out = message.replace(url, &catalog::redact(url));
    if let Ok(pw) = std::env::var("PGPASSWORD") {
        // Very short values would mangle the message more than they protect.
        if pw.len() >= 4 {
            out = out.replace(&pw, "***");
        }
    }
    out
}

/// A connection holding the session advisory lock. Dropping it unlocks on
/// every path (success, error, panic); if the connection died, the server
/// has already released the lock with the session.
pub struct Locked<C: BorrowMut<PgConnection> = PgConnection> {
    conn: C,
    key: i64,
}

#[derive(QueryableByName)]
struct Got {
    #[diesel(sql_type = Bool)]
    got: bool,
}

#[derive(QueryableByName)]
struct Holder {
    #[diesel(sql_type = Nullable<Text>)]
    holder: Option<String>,
}

impl<C: BorrowMut<PgConnection>> Locked<C> {
    /// Polls `pg_try_advisory_lock` until `wait` has passed:
    /// `lock_timeout` does not apply to advisory locks.
    pub fn acquire(mut conn: C, key: i64, wait: Duration) -> Result<Locked<C>, RunnerError> {
        let deadline = Instant::now() + wait;
        let mut pause = Duration::from_millis(20);
        let mut announced = false;
        loop {
            let got: Vec<Got> = diesel::sql_query("SELECT pg_try_advisory_lock($1) AS got")
                .bind::<BigInt, _>(key)
                .load(conn.borrow_mut())
                .map_err(|e| RunnerError::Database(format!("advisory lock: {e}")))?;
            if got.first().map(|g| g.got).unwrap_or(false) {
                return Ok(Locked { conn, key });
            }
            if Instant::now() >= deadline {
                let holder = holder(conn.borrow_mut(), key).unwrap_or_default();
                return Err(RunnerError::LockTimeout(format!(
                    "another run holds advisory lock {key}{holder}; gave up after {:?}",
                    wait
                )));
            }
            if !announced {
                tracing::info!(key, "waiting for the advisory lock held by another run");
                announced = true;
            }
            std::thread::sleep(pause.min(deadline.saturating_duration_since(Instant::now())));
            pause = (pause * 2).min(Duration::from_millis(500));
        }
    }

    pub fn conn(&mut self) -> &mut PgConnection {
        self.conn.borrow_mut()
    }
}

fn holder(conn: &mut PgConnection, key: i64) -> Option<String> {
    let rows: Vec<Holder> = diesel::sql_query(
        "SELECT ' (backend pid ' || string_agg(pid::text, ', ') || ')' AS holder FROM pg_locks \
          WHERE locktype = 'advisory' AND granted AND objsubid = 1 \
            AND classid::bigint = ($1 >> 32) AND objid::bigint = ($1 & 4294967295)",
    )
    .bind::<BigInt, _>(key)
    .load(conn)
    .ok()?;
    rows.into_iter().next().and_then(|h| h.holder)
}

impl<C: BorrowMut<PgConnection>> Drop for Locked<C> {
    fn drop(&mut self) {
        let _ = diesel::sql_query("SELECT pg_advisory_unlock($1)")
            .bind::<BigInt, _>(self.key)
            .execute(self.conn.borrow_mut());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A connect timeout of 7 s, and TLS required or not.
    fn options(require_ssl: bool) -> Options {
        Options {
            connect_timeout: Duration::from_secs(7),
            require_ssl,
            application_name: "reconcile apply".into(),
            ..Options::default()
        }
    }

    #[test]
    fn a_second_connection_gets_the_timeout_and_under_require_ssl_an_ssl_mode() {
        assert_eq!(
            second_url("postgres://u@h/db", &options(false)),
            "postgres://u@h/db?connect_timeout=7&application_name=reconcile%20apply"
        );
        let opts = options(true);
        assert_eq!(
            second_url("postgres://u@h/db?application_name=x", &opts),
            "postgres://u@h/db?application_name=x&connect_timeout=7&sslmode=require"
        );
        assert_eq!(
            second_url("host=h dbname=db sslmode=verify-full", &opts),
            "host=h dbname=db sslmode=verify-full connect_timeout=7 application_name='reconcile apply'"
        );
        assert_eq!(
            second_url(
                "postgres://u@h/db?connect_timeout=3&sslmode=verify-ca&application_name=reconcile%20apply",
                &opts
            ),
            "postgres://u@h/db?connect_timeout=3&sslmode=verify-ca&application_name=reconcile%20apply"
        );
    }

    #[test]
    fn a_key_named_inside_another_value_is_not_taken_as_set() {
        let opts = options(true);
        // A user, host or other value may hold the text `sslmode` (a
        // password too: see tests/redact.rs, which keeps secrets out of src).
        assert_eq!(
            second_url("postgres://my_sslmode_connect_timeout@h/db", &opts),
            "postgres://my_sslmode_connect_timeout@h/db?connect_timeout=7&application_name=reconcile%20apply&sslmode=require"
        );
        assert_eq!(
            second_url("postgres://u@h/db?application_name=sslmode%3Ddisable", &opts),
            "postgres://u@h/db?application_name=sslmode%3Ddisable&connect_timeout=7&sslmode=require"
        );
        assert_eq!(
            second_url("host=h application_name='x sslmode=disable' dbname=db", &opts),
            "host=h application_name='x sslmode=disable' dbname=db connect_timeout=7 sslmode=require"
        );
        // Keys spelled with percent escapes in a URL are still keys.
        assert_eq!(
            second_url(
                "postgres://u@h/db?ssl%6Dode=disable&connect_timeout=2&application_name=reconcile%20apply",
                &opts
            ),
            "postgres://u@h/db?ssl%6Dode=disable&connect_timeout=2&application_name=reconcile%20apply"
        );
    }
}
