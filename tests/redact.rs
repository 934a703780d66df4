//! Password redaction: a DSN, or a message that echoes it, never shows the
//! password in any spelling (the seeds' fake credential shape included).

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
    assert_eq!(redact("postgres://u:p@ss@h/db"), "postgres://u:***@h/db");
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
