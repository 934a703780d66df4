//! Writes a generated benchmark schema as SQL on stdout.
//!
//!   cargo run --release --example genschema -- TABLES [--edits K] [--seed S]
//!
//! `--edits K` gives the same schema with K small edits (see
//! `schemagen::EDIT_KINDS`), so a diff against the unedited one has work.

#[path = "schemagen.rs"]
#[allow(dead_code)] // the counters are for the guard test
mod schemagen;

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut tables = None;
    let mut edits = 0;
    let mut seed = 6;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let value = |v: Option<&String>| v.and_then(|v| v.parse::<usize>().ok());
        match a.as_str() {
            "--edits" => match value(it.next()) {
                Some(k) => edits = k,
                None => return usage(),
            },
            "--seed" => match value(it.next()) {
                Some(s) => seed = s,
                None => return usage(),
            },
            n => match n.parse::<usize>() {
                Ok(n) if tables.is_none() => tables = Some(n),
                _ => return usage(),
            },
        }
    }
    let Some(n) = tables else { return usage() };
    let mut schema = schemagen::generate(n, seed as u64);
    schema.edit(edits);
    let out = std::io::stdout();
    match out.lock().write_all(schema.sql().as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("genschema: {e}");
            ExitCode::from(4)
        }
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: genschema TABLES [--edits K] [--seed S]");
    ExitCode::from(2)
}
