//! Verification: checks of a database (introspected into the model) against
//! contracts. The checks are pure (models in, findings out); two modules
//! run probes on a live database: `rls_run` (RLS test cases, each rolled
//! back) and `explain_run` (EXPLAIN of declared queries).

pub mod doctor;
pub mod drift;
pub mod explain;
pub mod explain_run;
pub mod ignore;
pub mod lint;
pub mod required;
pub mod rls;
pub mod rls_run;
pub mod sqllint;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// One thing a check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// The object, e.g. `public.users.email`.
    pub object: String,
    pub message: String,
}

impl Finding {
    pub fn error(object: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            severity: Severity::Error,
            object: object.into(),
            message: message.into(),
        }
    }
    pub fn warning(object: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            severity: Severity::Warning,
            object: object.into(),
            message: message.into(),
        }
    }
}

/// Findings with their counts; `passed` is false when any is an error.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub passed: bool,
    pub errors: usize,
    pub warnings: usize,
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn new(findings: Vec<Finding>) -> Self {
        let errors = findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        let warnings = findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .count();
        Report {
            passed: errors == 0,
            errors,
            warnings,
            findings,
        }
    }

    pub fn render_text(&self) -> String {
        let mut out = String::new();
        for f in &self.findings {
            let tag = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "info",
            };
            out.push_str(&format!("{tag}: {}: {}\n", f.object, f.message));
        }
        out.push_str(&format!(
            "{}: {} error(s), {} warning(s)\n",
            if self.passed { "passed" } else { "FAILED" },
            self.errors,
            self.warnings
        ));
        out
    }
}
