//! `reconcile validate` and `reconcile drift`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::commands::{introspect, load, Outcome};
use super::{DbArgs, Exit, Failure};
use crate::verify::{drift, required};

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Args, Debug)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The required-schema contract (YAML or JSON).
    #[arg(long)]
    pub required: PathBuf,
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
}

#[derive(Args, Debug)]
pub struct DriftArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Desired-state file or directory.
    #[arg(long, default_value = "schema")]
    pub schema: PathBuf,
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
}

/// Exit 0 when every requirement holds (warnings allowed), 1 otherwise.
pub fn validate(args: &ValidateArgs) -> Outcome {
    let contract = required::read(&args.required).map_err(|e| Failure::new(Exit::Input, e))?;
    let db = introspect(&args.db)?;
    let report = required::check(&contract, &db);
    match args.format {
        ReportFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        ),
        ReportFormat::Text | ReportFormat::Markdown => print!("{}", report.render_text()),
    }
    Ok(if report.passed {
        Exit::Ok
    } else {
        Exit::Changes
    })
}

/// Exit 0 when the database matches the desired state, 1 on drift.
pub fn drift(args: &DriftArgs) -> Outcome {
    let desired = load(&args.schema)?;
    let mut db_args = args.db.clone();
    if db_args.schemas.is_none() {
        db_args.schemas = Some(desired.managed_schemas());
    }
    let live = introspect(&db_args)?;
    let diffs =
        drift::drift(&live, &desired).map_err(|e| Failure::new(Exit::Input, e.to_string()))?;
    match args.format {
        ReportFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&diffs).unwrap_or_default()
        ),
        ReportFormat::Markdown => print!("{}", drift::render_markdown(&diffs)),
        ReportFormat::Text => print!("{}", drift::render_text(&diffs)),
    }
    Ok(if diffs.is_empty() {
        Exit::Ok
    } else {
        Exit::Changes
    })
}
