//! What a run says as it goes. The runner only calls the sink; the caller
//! (the CLI) decides whether and where the lines go.

use std::fmt;
use std::sync::Arc;

/// One event of a run, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress<'a> {
    /// A migration (or its revert) starts: its place in the run and size.
    Start {
        index: usize,
        total: usize,
        name: &'a str,
        statements: usize,
    },
    /// One statement of it finished.
    Statement {
        name: &'a str,
        number: usize,
        of: usize,
        ms: f64,
    },
    /// It ended: `applied`, `reverted` or `failed`.
    End {
        index: usize,
        total: usize,
        name: &'a str,
        status: &'a str,
        ms: f64,
    },
}

/// Receives [`Progress`] events; cheap to clone.
#[derive(Clone)]
pub struct ProgressSink(Arc<dyn Fn(&Progress<'_>) + Send + Sync>);

impl ProgressSink {
    pub fn new(f: impl Fn(&Progress<'_>) + Send + Sync + 'static) -> Self {
        ProgressSink(Arc::new(f))
    }

    pub(crate) fn emit(&self, event: &Progress<'_>) {
        (self.0)(event)
    }
}

impl fmt::Debug for ProgressSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProgressSink")
    }
}

/// Emits to the sink when there is one.
pub(crate) fn emit(sink: &Option<ProgressSink>, event: Progress<'_>) {
    if let Some(s) = sink {
        s.emit(&event);
    }
}

/// The line a terminal shows for an event; None for a quick statement
/// (only slow ones are worth a line).
pub fn line(event: &Progress<'_>) -> Option<String> {
    match event {
        Progress::Start {
            index,
            total,
            name,
            statements,
        } => Some(format!(
            "[{index}/{total}] {name}: {statements} statement{}",
            if *statements == 1 { "" } else { "s" }
        )),
        Progress::Statement {
            name,
            number,
            of,
            ms,
        } => (*ms >= 1000.0)
            .then(|| format!("      {name}: statement {number}/{of} done in {ms:.0} ms")),
        Progress::End {
            index,
            total,
            name,
            status,
            ms,
        } => Some(format!("[{index}/{total}] {name}: {status} in {ms:.0} ms")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_for_start_slow_statements_and_end() {
        let start = Progress::Start {
            index: 2,
            total: 5,
            name: "0002_b",
            statements: 1,
        };
        assert_eq!(line(&start).unwrap(), "[2/5] 0002_b: 1 statement");
        let quick = Progress::Statement {
            name: "0002_b",
            number: 1,
            of: 1,
            ms: 3.0,
        };
        assert_eq!(line(&quick), None);
        let slow = Progress::Statement {
            name: "0002_b",
            number: 1,
            of: 1,
            ms: 1500.0,
        };
        assert!(line(&slow)
            .unwrap()
            .contains("statement 1/1 done in 1500 ms"));
        let end = Progress::End {
            index: 2,
            total: 5,
            name: "0002_b",
            status: "applied",
            ms: 12.4,
        };
        assert_eq!(line(&end).unwrap(), "[2/5] 0002_b: applied in 12 ms");
    }
}
