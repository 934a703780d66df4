//! Password redaction: a DSN, or a message that echoes it, never shows the
//! password in any spelling (the seeds' fake credential shape included).

mod support;

use std::path::Path;

use reconcile::catalog::redact::{redact, scrub, sets_param};

#[test]
fn redacts_url_passwords() {
    assert_eq!(
        redact("postgresql://app:p%40ss%3Aw0rd@db.example.com:5432/postgres?sslmode=require"),
        "postgresql://app:***@db.example.com:5432/postgres?sslmode=require"
    );
    assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
    assert_eq!(redact("postgres://u@h:5/db"), "postgres://u@h:5/db");
    assert_eq!(redact("postgres://h/db"), "postgres://h/db");
    // libpq would read user `u`, password `p`, host `ss@h`: all but the
    // host is hidden.
    assert_eq!(redact("postgres://u:p@ss@h/db"), "postgres://***@h/db");
    assert_eq!(
        redact("postgres://u@h/db?sslmode=disable&password=hunter2&x=1"),
        "postgres://u@h/db?sslmode=disable&password=***&x=1"
    );
}

#[test]
fn redacts_key_value_passwords() {
    assert_eq!(
        redact("host=h user=u password=hunter2 dbname=d"),
        "host=h user=u password=*** dbname=d"
    );
    assert_eq!(
        redact("host=h password = 'a b\\'c' dbname=d"),
        "host=h password = *** dbname=d"
    );
    assert_eq!(redact("host=h dbname=d"), "host=h dbname=d");
    assert_eq!(redact("password="), "password=***");
}

#[test]
fn scrubs_every_spelling() {
    let dsn = "postgresql://app:p%40ss%3Aw0rd@db.example.com:5432/postgres?sslmode=require";
    let msg = format!("failed for {dsn}: p@ss:w0rd and p%40ss%3Aw0rd");
    let out = scrub(&msg, dsn);
    assert!(!out.contains("w0rd"), "{out}");
    assert!(out.contains("db.example.com"));
    let kv = "host=h password='se cret'";
    assert_eq!(scrub("x se cret y 'se cret'", kv), "x *** y ***");
}

#[test]
fn a_parameter_is_set_by_its_key_not_by_text_that_names_it() {
    assert!(sets_param("postgres://u@h/db?sslmode=require", "sslmode"));
    assert!(sets_param("postgres://u@h/db?a=1&sslmode", "sslmode"));
    assert!(!sets_param("postgres://u:sslmode@h/db", "sslmode"));
    assert!(!sets_param(
        "postgres://u:my_sslmode_connect_timeout@h/db",
        "connect_timeout"
    ));
    assert!(!sets_param(
        "postgres://u@h/db?password=sslmode%3Ddisable",
        "sslmode"
    ));
    assert!(sets_param(
        "postgres://u@h/db?password=x&ssl%6Dode=disable",
        "sslmode"
    ));
    assert!(!sets_param("postgres://u@sslmode/db?x=sslmode", "sslmode"));
    assert!(!sets_param("postgres://u@h/db", "sslmode"));
    assert!(sets_param("host=h sslmode = 'verify-full'", "sslmode"));
    assert!(!sets_param("host=h password='sslmode=disable'", "sslmode"));
    assert!(!sets_param("host=h password=a\\ sslmode=x", "sslmode"));
    assert!(!sets_param("host=h mysslmode=require", "sslmode"));
}

#[test]
fn urls_libpq_would_split_elsewhere_are_refused_and_fully_redacted() {
    use reconcile::catalog::redact::check;
    for (dsn, part) in [
        ("postgres://app:p@ss@host/db", "p@ss"),
        ("postgres://app:p/ss@host/db", "p/ss"),
        ("postgres://host?password=a@b", "password=a"),
        ("postgresql://u:a@b@c@h:5432/db?sslmode=require", "b@c"),
        // libpq would take this one whole, but it reads as the one above.
        ("postgres://u:p?ss@h/db", "p?ss"),
    ] {
        assert!(check(dsn).is_err(), "{dsn}");
        let shown = redact(dsn);
        assert!(!shown.contains(part), "{dsn} -> {shown}");
    }
    assert_eq!(
        redact("postgres://app:p@ss@host/db"),
        "postgres://***@host/db"
    );
    for dsn in [
        "postgres://u:p%40ss@h/db",
        "postgres://u:p%3Fss@h/db",
        "postgres://h/db?password=a@b",
        "postgres://h:5432",
        "host=h password='a b'",
        "",
    ] {
        assert!(check(dsn).is_ok(), "{dsn}");
    }
    // An unquoted space: libpq would echo the word after it.
    assert!(check("host=h password=a b").is_err());
    assert_eq!(
        redact("host=h password=a b dbname=d"),
        "host=h password=*** dbname=d"
    );
}

/// One secret the tests below pass in every way a user might, and that no
/// output may show.
const SECRET: &str = "S3cr3t-Pw0rd";

fn assert_hidden(what: &str, (code, out, err): &(i32, String, String), secrets: &[&str]) {
    for s in secrets.iter().chain([&SECRET]) {
        assert!(
            !out.contains(s) && !err.contains(s),
            "{what} (exit {code}) printed `{s}`:\n{out}{err}"
        );
    }
}

fn run(args: &[&str]) -> (i32, String, String) {
    support::reconcile_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

#[test]
fn a_dsn_as_a_positional_argument_is_not_echoed() {
    let dsn = format!("postgres://app:{SECRET}@127.0.0.1:1/db");
    for cmd in [
        "plan", "inspect", "apply", "status", "lint", "drift", "check",
    ] {
        let got = run(&[cmd, &dsn]);
        assert_eq!(got.0, 2, "{cmd}: {}", got.2);
        assert!(got.2.contains("postgres://app:***@"), "{cmd}: {}", got.2);
        assert_hidden(cmd, &got, &[]);
    }
}

#[test]
fn a_dsn_given_to_the_wrong_flag_is_not_echoed() {
    let dsn = format!(
        "postgresql://postgres:Examp1e%40%40{SECRET}@db.example-project.supabase.co:5432/postgres"
    );
    let eq = format!("--database-ur={dsn}");
    let cases: Vec<Vec<&str>> = vec![
        vec!["plan", "--dry-run", "--name", &dsn],
        vec!["plan", "--format", &dsn],
        vec!["plan", "--pg-version", &dsn],
        vec!["plan", "--dry-run", "--lock-timeout", &dsn],
        vec!["plan", &eq],
        vec!["apply", "--lock-key", &dsn],
        vec!["lint", "--level", &dsn],
        vec!["--config", &dsn, "plan"],
        vec!["config", "--command", &dsn],
    ];
    for args in cases {
        let got = run(&args);
        assert_eq!(got.0, 2, "{args:?}: {}", got.2);
        assert_hidden(&format!("{args:?}"), &got, &["Examp1e@@", "Examp1e%40%40"]);
    }
}

#[test]
fn a_dsn_under_the_wrong_key_of_the_configuration_file_is_not_echoed() {
    let dsn = format!("postgres://app:{SECRET}@127.0.0.1:1/db");
    let kv = format!("host=127.0.0.1 password={SECRET}");
    for text in [
        format!("[plan]\nformat = \"{dsn}\"\n"),
        format!("[plan]\npg-version = \"{dsn}\"\n"),
        format!("[plan]\nname = \"{dsn}\"\n"),
        format!("[plan]\nname = \"{kv}\"\n"),
        format!("database_url_typo = \"{dsn}\"\n"),
        format!("[plna]\ndatabase-url = \"{dsn}\"\n"),
        format!("[plan]\ndatabase-url = \"{dsn}\n"),
        format!("lock-key = \"{dsn}\"\n"),
    ] {
        let dir = support::temp_dir();
        std::fs::write(dir.join("reconcile.toml"), &text).unwrap();
        for args in [&["plan", "--dry-run"][..], &["config"], &["apply"]] {
            let got = support::reconcile_in(&dir, args);
            assert_hidden(&format!("{args:?} with {text}"), &got, &[]);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn environment_values_are_not_echoed_in_help_or_config() {
    let dsn = format!("postgres://app:{SECRET}@127.0.0.1:1/db");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (var, args) in [
        ("RECONCILE_DATABASE_URL", &["plan", "--help"][..]),
        ("RECONCILE_NAME", &["plan", "--help"]),
        ("RECONCILE_NAME", &["config"]),
        ("RECONCILE_NAME", &["plan", "--dry-run"]),
        ("RECONCILE_LOCK_KEY", &["apply"]),
        ("RECONCILE_DEV_URL", &["import", "--help"]),
    ] {
        let got = support::reconcile_env(root, args, &[(var, &dsn)]);
        assert_hidden(&format!("{var} {args:?}"), &got, &[]);
    }
    // $PGPASSWORD is never shown, whatever the command says about it.
    let url = "postgres://app@127.0.0.1:1/db";
    for args in [
        &["inspect", "--database-url", url][..],
        &["config"],
        &["status", "--database-url", url],
    ] {
        let got = support::reconcile_env(root, args, &[("PGPASSWORD", SECRET)]);
        assert_hidden(&format!("PGPASSWORD {args:?}"), &got, &[]);
    }
}

/// Every way of writing the password into the connection string that
/// libpq then fails on: the error names neither the DSN nor its password.
#[test]
fn connection_errors_never_show_the_password_however_it_is_written() {
    let cases = [
        // The seeds' shape: a URL-encoded password holding `@`.
        (
            format!("postgresql://postgres:Examp1e%40%40{SECRET}@127.0.0.1:1/postgres"),
            vec!["Examp1e%40%40", "Examp1e@@"],
        ),
        // An unencoded `@` (libpq would connect to host `ss-...@127.0.0.1`
        // with password `p`), `/` or `?`.
        (
            format!("postgres://app:p@ss-{SECRET}@127.0.0.1:1/db"),
            vec!["ss-"],
        ),
        (
            format!("postgres://app:p/ss-{SECRET}@127.0.0.1:1/db"),
            vec!["ss-"],
        ),
        (
            format!("postgres://127.0.0.1:1?password=p@ss-{SECRET}"),
            vec!["ss-"],
        ),
        // A password in the query, next to a parameter libpq rejects.
        (
            format!("postgres://app@127.0.0.1:1/db?password={SECRET}&bogus=1"),
            vec![],
        ),
        (
            format!("postgres://app@127.0.0.1:1/db?password={SECRET}&sslmode=disable"),
            vec![],
        ),
        (
            format!("postgres://app:{SECRET}@127.0.0.1:1/db?sslmode=bogus"),
            vec![],
        ),
        (format!("postgres://app:{SECRET}%zz@127.0.0.1:1/db"), vec![]),
        // key=value strings: plain, quoted, and an unquoted space libpq
        // would echo the rest of.
        (format!("host=127.0.0.1 port=1 password={SECRET}"), vec![]),
        (
            format!("host=127.0.0.1 port=1 password='a {SECRET}' bogus=1"),
            vec![],
        ),
        (
            format!("host=127.0.0.1 port=1 password=p4 {SECRET}"),
            vec![],
        ),
    ];
    for (dsn, parts) in &cases {
        for cmd in ["inspect", "status", "doctor"] {
            let got = run(&[cmd, "--database-url", dsn]);
            assert_eq!(got.0, 3, "{cmd} {dsn}: {}{}", got.1, got.2);
            assert_hidden(&format!("{cmd} {dsn}"), &got, parts);
        }
    }
    let got = run(&["inspect", "--database-url", &cases[1].0]);
    assert!(got.2.contains("percent-encoded"), "{}", got.2);
}

#[test]
fn a_panic_message_holding_a_dsn_is_cleaned() {
    let message = format!("lost postgres://app:{SECRET}@h/db and host=h password='{SECRET}x'");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let got = support::reconcile_env(root, &["plan"], &[("RECONCILE_TEST_PANIC", &message)]);
    assert_eq!(got.0, 101, "{}", got.2);
    assert!(
        got.2.contains("panicked") && got.2.contains("postgres://app:***@h/db"),
        "{}",
        got.2
    );
    assert_hidden("panic", &got, &[]);
}

#[test]
fn logs_holding_a_dsn_are_cleaned() {
    // A schema path that looks like a DSN reaches the info log verbatim.
    let dir = support::temp_dir();
    let schema = dir.join(format!("postgres://app:{SECRET}@h/db"));
    std::fs::create_dir_all(&schema).unwrap();
    std::fs::write(
        schema.join("t.yaml"),
        "tables:\n  public.t:\n    columns:\n      id: { type: bigint }\n",
    )
    .unwrap();
    let schema = schema.display().to_string();
    let none = dir.join("none").display().to_string();
    let args = [
        "-v",
        "plan",
        "--dry-run",
        "--schema",
        &schema,
        "--migrations",
        &none,
    ];
    let (code, _, err) = support::reconcile_in(&dir, &args);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("loaded the desired state"), "{err}");
    assert!(!err.contains(SECRET), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn clean_takes_remembered_passwords_and_every_dsn_out_of_a_text() {
    use reconcile::catalog::redact::{clean, remember, remember_password};
    remember("--database-url=postgresql://app:p%40ss%2Fw0rd-Rem@h/db");
    remember_password("env-Pw-9");
    let out = clean("libpq said p@ss/w0rd-Rem, p%40ss%2Fw0rd-Rem and env-Pw-9");
    assert_eq!(out, "libpq said ***, *** and ***");
    assert_eq!(
        clean("see postgres://u:hunter22@h/db?password=x&y=1 and `host=h password='a b' port=1`"),
        "see postgres://u:***@h/db?password=***&y=1 and `host=h password=*** port=1`"
    );
    assert_eq!(
        clean("in 'postgresql://u:p@ss@h/db' and host=h password=a b c"),
        "in 'postgresql://***@h/db' and host=h password=***"
    );
    let plain = "password authentication failed for user \"u\"; mypassword=1";
    assert_eq!(clean(plain), plain);
}
