//! Load errors: every problem found, each with a file position and a hint.

use std::fmt;

/// One problem in the desired state, located in a source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// The file as given (a path or a label such as `<stdin>`).
    pub file: String,
    /// 1-based line; 0 when only the file is known.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            // Only the file is known (an I/O error, a missing directory).
            write!(f, "{}: {}", self.file, self.message)?;
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.message
            )?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// All the errors found while loading (never just the first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadErrors {
    pub errors: Vec<LoadError>,
}

impl LoadErrors {
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }
}

impl fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadErrors {}

/// A problem found after deserialising, addressed by its key path in the
/// merged model (`["tables", "public.users", "columns", "id"]`). The loader
/// turns the path into a file position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: Vec<String>,
    pub message: String,
    pub hint: Option<String>,
}

impl Problem {
    pub fn new(path: &[&str], message: impl Into<String>) -> Self {
        Problem {
            path: path.iter().map(|s| s.to_string()).collect(),
            message: message.into(),
            hint: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}
