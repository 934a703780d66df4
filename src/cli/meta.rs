//! `completions` and `man`: generated from the clap definitions.

use clap::CommandFactory;
use clap_complete::Shell;

use super::{Cli, Exit, Failure};

/// An example per command, shown at the end of its `--help`.
const EXAMPLES: &[(&str, &str)] = &[
    ("plan", "reconcile plan --dry-run\n  reconcile plan --name add_invoices\n  reconcile plan --check --database-url \"$DATABASE_URL\""),
    ("check", "reconcile check --schema schema/"),
    ("inspect", "reconcile inspect --database-url \"$DATABASE_URL\" --schemas public --format json"),
    ("baseline", "reconcile baseline --database-url \"$DATABASE_URL\" --mark-applied"),
    ("verify", "reconcile verify --migrations generated/migrations"),
    ("json-schema", "reconcile json-schema > reconcile.schema.json"),
    ("apply", "reconcile apply --dry-run\n  reconcile apply --to 0004\n  reconcile apply --required required-schema.yaml --format json"),
    ("revert", "reconcile revert --steps 1 --dry-run\n  reconcile revert 0005..0003 --allow-destructive"),
    ("status", "reconcile status --format json"),
    ("mark", "reconcile mark 0007 --applied --reason \"index built by hand during the incident\""),
    ("retire", "reconcile retire 0004 --reason \"superseded by 0005; never applied\""),
    ("validate", "reconcile validate --required required-schema.yaml"),
    ("drift", "reconcile drift --lock --format markdown > drift.md"),
    ("lint", "reconcile lint --level warning\n  reconcile lint --migrations generated/migrations --pg-version 14"),
    ("doctor", "reconcile doctor --schema schema/"),
    ("test-rls", "reconcile test-rls --tests tests/rls/example.yaml"),
    ("explain-check", "reconcile explain-check --queries tests/explain/example.yaml"),
    ("shim", "reconcile shim | psql \"$DATABASE_URL\""),
    ("completions", "reconcile completions zsh > ~/.zfunc/_reconcile"),
    ("man", "reconcile man > /usr/local/share/man/man1/reconcile.1"),
    ("config", "reconcile config --command apply"),
];

/// The command line with an example at the end of each command's help
/// (commands that define their own keep it).
pub fn with_examples(mut root: clap::Command) -> clap::Command {
    for (name, example) in EXAMPLES {
        if let Some(sub) = root.find_subcommand_mut(name) {
            if sub.get_after_help().is_none() {
                *sub = sub.clone().after_help(format!("Example:\n  {example}"));
            }
        }
    }
    root
}

pub fn completions(shell: Shell) -> Result<Exit, Failure> {
    let mut cmd = with_examples(Cli::command());
    clap_complete::generate(shell, &mut cmd, "reconcile", &mut std::io::stdout());
    Ok(Exit::Ok)
}

pub fn man() -> Result<Exit, Failure> {
    let page = clap_mangen::Man::new(with_examples(Cli::command()));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_an_example() {
        let root = with_examples(Cli::command());
        for sub in root.get_subcommands() {
            let help = sub
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            assert!(
                help.contains("Example:")
                    && help.contains(&format!("reconcile {}", sub.get_name())),
                "{} has no example in its --help",
                sub.get_name()
            );
        }
    }
}
