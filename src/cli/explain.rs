//! `reconcile explain-check`, and `apply --explain-check`: the declared
//! critical queries explained before and after the migrations.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use serde::Serialize;

use super::run::{parse_duration, print_report, ReportFormat as ApplyFormat};
use super::{Exit, Failure};
use crate::catalog;
use crate::runner::{self, RunnerError};
use crate::verify::explain::{self, Planned, QueryFile, QueryResult, Regression};

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Args, Debug)]
pub struct ExplainCheckArgs {
    /// Connection URL; defaults to $DATABASE_URL. Never printed.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: String,
    /// The declared queries and their expectations (YAML or JSON).
    #[arg(long)]
    pub queries: PathBuf,
    /// EXPLAIN ANALYZE: run each query, inside a transaction that is
    /// rolled back.
    #[arg(long)]
    pub analyze: bool,
    /// statement_timeout for each EXPLAIN (e.g. 60s, 2m, 500ms).
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub statement_timeout: Duration,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// Exit 0 when every expectation holds, 1 otherwise.
pub fn explain_check(args: &ExplainCheckArgs) -> Result<Exit, Failure> {
    let file = read(&args.queries)?;
    let planned = run(
        &args.database_url,
        &file,
        args.analyze,
        args.statement_timeout,
    )?;
    let results = explain::judge_all(&file, &planned);
    let passed = results.iter().all(|r| r.passed);
    match args.format {
        Format::Text => print!("{}", explain::render_text(&results)),
        Format::Json => {
            #[derive(Serialize)]
            struct Out<'a> {
                passed: bool,
                queries: &'a [QueryResult],
            }
            print_json(&Out {
                passed,
                queries: &results,
            })
        }
    }
    Ok(if passed { Exit::Ok } else { Exit::Changes })
}

fn read(path: &std::path::Path) -> Result<QueryFile, Failure> {
    explain::read(path).map_err(|e| Failure::new(Exit::Input, e))
}

fn run(
    url: &str,
    file: &QueryFile,
    analyze: bool,
    timeout: Duration,
) -> Result<Vec<(String, Planned)>, Failure> {
    let db_error = |e: catalog::CatalogError| Failure::new(Exit::Database, e.to_string());
    let mut conn = catalog::connect(url).map_err(db_error)?;
    crate::verify::explain_run::explain_all(&mut conn, file, analyze, timeout).map_err(db_error)
}

fn print_json<T: Serialize>(value: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

/// The `apply` flags.
#[derive(Args, Debug, Clone)]
pub struct ApplyExplainArgs {
    /// Critical queries (YAML or JSON) explained before and after the
    /// migrations; plans that got worse are reported, and exit 1.
    #[arg(long, value_name = "FILE")]
    pub explain_check: Option<PathBuf>,
    /// With --explain-check: an estimated cost up by more than this many
    /// percent is a regression.
    #[arg(long, default_value_t = 20.0, requires = "explain_check")]
    pub explain_threshold: f64,
}

/// The plans before `apply` changes anything.
pub struct Baseline {
    file: QueryFile,
    before: Vec<(String, Planned)>,
    threshold: f64,
}

impl Baseline {
    /// None without `--explain-check`. Bad files fail before anything runs.
    pub fn take(args: &ApplyExplainArgs, url: &str) -> Result<Option<Baseline>, Failure> {
        let Some(path) = &args.explain_check else {
            return Ok(None);
        };
        if args.explain_threshold < 0.0 || args.explain_threshold.is_nan() {
            return Err(Failure::new(
                Exit::Input,
                "--explain-threshold must be zero or more",
            ));
        }
        let file = read(path)?;
        let before = run(url, &file, false, Duration::from_secs(60))?;
        Ok(Some(Baseline {
            file,
            before,
            threshold: args.explain_threshold,
        }))
    }

    /// Prints the run's report and, after a successful (not dry) run, the
    /// queries as they plan now and what got worse: exit 1 if anything did.
    pub fn finish(
        self,
        result: Result<runner::Report, RunnerError>,
        format: ApplyFormat,
        url: &str,
        dry_run: bool,
    ) -> Result<Exit, Failure> {
        let report = match result {
            Ok(r) => r,
            Err(e) => return super::run::finish(Err(e), format),
        };
        let after = if dry_run {
            None
        } else {
            Some(run(url, &self.file, false, Duration::from_secs(60))?)
        };
        let planned = after.as_ref().unwrap_or(&self.before);
        let results = explain::judge_all(&self.file, planned);
        let regressions = match &after {
            Some(a) => explain::compare(&self.file, &self.before, a, self.threshold),
            None => vec![],
        };
        match format {
            ApplyFormat::Text => {
                print_report(&report, format);
                let when = if dry_run { "now" } else { "after" };
                println!("explain-check ({when}):");
                print!("{}", explain::render_text(&results));
                if !dry_run {
                    print!("{}", explain::render_regressions(&regressions));
                }
            }
            ApplyFormat::Json => {
                #[derive(Serialize)]
                struct Out<'a> {
                    apply: &'a runner::Report,
                    explain_check: Check<'a>,
                }
                #[derive(Serialize)]
                struct Check<'a> {
                    queries: &'a [QueryResult],
                    regressions: &'a [Regression],
                }
                print_json(&Out {
                    apply: &report,
                    explain_check: Check {
                        queries: &results,
                        regressions: &regressions,
                    },
                })
            }
        }
        Ok(if regressions.is_empty() {
            Exit::Ok
        } else {
            Exit::Changes
        })
    }
}
