//! `completions` and `man`: generated from the clap definitions.

use clap::CommandFactory;
use clap_complete::Shell;

use super::{Cli, Exit, Failure};

pub fn completions(shell: Shell) -> Result<Exit, Failure> {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "reconcile", &mut std::io::stdout());
    Ok(Exit::Ok)
}

pub fn man() -> Result<Exit, Failure> {
    let page = clap_mangen::Man::new(Cli::command());
    page.render(&mut std::io::stdout())
        .map_err(|e| Failure::new(Exit::Internal, format!("cannot write the man page: {e}")))?;
    Ok(Exit::Ok)
}

/// `0.1.0 (commit abc123)`: the commit is taken at build time.
pub fn long_version() -> &'static str {
    concat!(
        env!("CARGO_PKG_VERSION"),
        " (commit ",
        env!("RECONCILE_COMMIT"),
        ")"
    )
}
