//! What the program prints about itself (errors, clap's messages and help,
//! logs, panics) goes through here, and so through
//! [`redact::clean`](crate::catalog::redact::clean): no password leaves the
//! process, whichever path it took in (an argument, the environment, the
//! configuration file).

use std::io::{IsTerminal, Write};

use crate::catalog::redact;

/// Remembers the passwords in everything a user can hand the program:
/// the arguments, the environment, the configuration file's values.
pub fn remember_inputs(args: &[String]) {
    for a in args {
        redact::remember(a);
    }
    for (key, value) in std::env::vars_os() {
        let value = value.to_string_lossy();
        if key == "PGPASSWORD" {
            redact::remember_password(&value);
        } else {
            redact::remember(&value);
        }
    }
}

pub fn remember_config(cfg: &super::config::Config) {
    for v in cfg.values.values().flatten() {
        redact::remember(v);
    }
}

/// `error: message` on stderr.
pub fn error(message: &str) {
    eprintln!("error: {}", redact::clean(message));
}

/// Prints clap's error, help or version where clap would, cleaned.
pub fn clap(e: &clap::Error) {
    let rendered = e.render();
    let to_stderr = e.use_stderr();
    let terminal = match to_stderr {
        true => std::io::stderr().is_terminal(),
        false => std::io::stdout().is_terminal(),
    };
    let text = if terminal && std::env::var_os("NO_COLOR").is_none() {
        rendered.ansi().to_string()
    } else {
        rendered.to_string()
    };
    let text = redact::clean(&text);
    let _ = match to_stderr {
        true => std::io::stderr().write_all(text.as_bytes()),
        false => std::io::stdout().write_all(text.as_bytes()),
    };
}

/// A panic's message and place on stderr, cleaned: a panic that formats a
/// value holding a DSN does not print its password.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "Box<dyn Any>".into());
        let place = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
            .unwrap_or_default();
        let thread = std::thread::current();
        let name = thread.name().unwrap_or("<unnamed>");
        let mut text = format!("thread '{name}' panicked at {place}:\n{message}\n");
        let backtrace = std::backtrace::Backtrace::capture();
        match backtrace.status() {
            std::backtrace::BacktraceStatus::Captured => {
                text.push_str(&format!("stack backtrace:\n{backtrace}\n"))
            }
            _ => text.push_str(
                "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n",
            ),
        }
        let _ = std::io::stderr().write_all(redact::clean(&text).as_bytes());
    }));
}

/// The log writer: each event is cleaned, then written to stderr whole.
pub struct LogWriter;

/// One event's text, written when the event is done.
pub struct LogLine(Vec<u8>);

impl Write for LogLine {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LogLine {
    fn drop(&mut self) {
        if !self.0.is_empty() {
            let text = redact::clean(&String::from_utf8_lossy(&self.0));
            let _ = std::io::stderr().write_all(text.as_bytes());
        }
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogWriter {
    type Writer = LogLine;
    fn make_writer(&'a self) -> LogLine {
        LogLine(Vec::new())
    }
}
