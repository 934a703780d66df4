//! `reconcile.toml`: every option of every command, from a file.
//!
//! The file mirrors the command line: top-level keys are long option names
//! that apply to every command taking that option; a `[command]` table
//! applies to that command only and wins over the top level. Precedence is
//! flag > environment (`RECONCILE_<OPTION>`, plus `DATABASE_URL` where the
//! option says so) > file > built-in default. It is done by turning file
//! values into clap defaults and every option into an environment variable,
//! before parsing, so clap itself applies the precedence.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::builder::ValueParser;
use clap::{Arg, ArgAction, Command};

pub const FILE: &str = "reconcile.toml";

/// A loaded file: where it is and its values, `(command or "", option)`.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub path: Option<PathBuf>,
    pub values: BTreeMap<(String, String), Vec<String>>,
}

/// The file named by `--config` / `RECONCILE_CONFIG`, or the first
/// `reconcile.toml` found walking up from the current directory.
pub fn discover(args: &[String]) -> Result<Config, String> {
    let named = args
        .windows(2)
        .find(|w| w[0] == "--config")
        .map(|w| PathBuf::from(&w[1]))
        .or_else(|| {
            args.iter()
                .find_map(|a| a.strip_prefix("--config=").map(PathBuf::from))
        })
        .or_else(|| std::env::var_os("RECONCILE_CONFIG").map(PathBuf::from));
    let path = match named {
        Some(p) => {
            if !p.is_file() {
                return Err(format!("{}: no such configuration file", p.display()));
            }
            Some(p)
        }
        None => find_up(&std::env::current_dir().map_err(|e| e.to_string())?),
    };
    match path {
        Some(p) => load(&p),
        None => Ok(Config::default()),
    }
}

fn find_up(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|d| d.join(FILE))
        .find(|p| p.is_file())
}

/// Parses a file; errors name the file, line and column.
pub fn load(path: &Path) -> Result<Config, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(&text, path)
}

pub fn parse(text: &str, path: &Path) -> Result<Config, String> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let at = e
            .span()
            .map(|s| line_col(text, s.start))
            .map(|(l, c)| format!(":{l}:{c}"))
            .unwrap_or_default();
        format!("{}{at}: {}", path.display(), e.message())
    })?;
    let mut values = BTreeMap::new();
    for (key, value) in &table {
        match value {
            toml::Value::Table(section) => {
                for (k, v) in section {
                    let list =
                        scalars(v).map_err(|e| format!("{}: [{key}] {k}: {e}", path.display()))?;
                    values.insert((key.clone(), k.replace('_', "-")), list);
                }
            }
            v => {
                let list = scalars(v).map_err(|e| format!("{}: {key}: {e}", path.display()))?;
                values.insert((String::new(), key.replace('_', "-")), list);
            }
        }
    }
    Ok(Config {
        path: Some(path.to_path_buf()),
        values,
    })
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

fn scalars(v: &toml::Value) -> Result<Vec<String>, String> {
    match v {
        toml::Value::String(s) => Ok(vec![s.clone()]),
        toml::Value::Integer(i) => Ok(vec![i.to_string()]),
        toml::Value::Float(f) => Ok(vec![f.to_string()]),
        toml::Value::Boolean(b) => Ok(vec![b.to_string()]),
        toml::Value::Array(items) => items
            .iter()
            .map(|i| match i {
                toml::Value::Array(_) | toml::Value::Table(_) => {
                    Err("a list holds plain values only".to_string())
                }
                other => scalars(other).map(|mut v| v.remove(0)),
            })
            .collect(),
        _ => Err("expected a string, number, boolean or list".into()),
    }
}

/// The environment variable of an option: `RECONCILE_LOCK_KEY`.
pub fn env_name(long: &str) -> String {
    format!("RECONCILE_{}", long.to_uppercase().replace('-', "_"))
}

/// Options the file and environment do not set: help, version, the
/// config file itself.
fn configurable(arg: &Arg) -> bool {
    arg.get_long().is_some()
        && !matches!(
            arg.get_action(),
            ArgAction::Help | ArgAction::Version | ArgAction::HelpLong | ArgAction::HelpShort
        )
        && arg.get_id() != "config"
}

fn is_path(arg: &Arg) -> bool {
    arg.get_value_parser().type_id() == ValueParser::path_buf().type_id()
}

/// What the file says for `long` under `command`: the command's table
/// first, then the top level.
fn lookup<'a>(cfg: &'a Config, command: &str, long: &str) -> Option<(&'a Vec<String>, bool)> {
    cfg.values
        .get(&(command.to_string(), long.to_string()))
        .map(|v| (v, true))
        .or_else(|| {
            cfg.values
                .get(&(String::new(), long.to_string()))
                .map(|v| (v, false))
        })
}

/// A file value as clap should see it: paths relative to the file's
/// directory, so the file works from any subdirectory.
fn resolved(cfg: &Config, arg: &Arg, values: &[String]) -> Vec<String> {
    let base = cfg.path.as_deref().and_then(Path::parent);
    values
        .iter()
        .map(|v| match base {
            Some(b) if is_path(arg) && Path::new(v).is_relative() && !b.as_os_str().is_empty() => {
                b.join(v).display().to_string()
            }
            _ => v.clone(),
        })
        .collect()
}

/// Whether `value` is one clap would accept for `arg` (possible values only;
/// other parsers check at parse time).
fn accepts(arg: &Arg, value: &str) -> bool {
    let possible = arg.get_possible_values();
    possible.is_empty() || possible.iter().any(|p| p.matches(value, false))
}

/// Every option gets its environment variable, and file values become
/// defaults. Unknown keys, and values no command accepts, are errors.
pub fn apply(mut root: Command, cfg: &Config) -> Result<Command, String> {
    let label = cfg
        .path
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| FILE.into());
    let mut used: BTreeMap<(String, String), bool> =
        cfg.values.keys().map(|k| (k.clone(), false)).collect();
    let names: Vec<String> = root
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in &names {
        let sub = root.find_subcommand_mut(name).expect("listed subcommand");
        let mut changed = sub.clone();
        for arg in sub.get_arguments().filter(|a| configurable(a)) {
            let long = arg.get_long().unwrap_or_default().to_string();
            let mut a = arg.clone();
            if a.get_env().is_none() {
                a = a.env(env_name(&long));
            }
            if let Some((values, own)) = lookup(cfg, name, &long) {
                let fits = values.iter().all(|v| accepts(arg, v));
                if own && !fits {
                    return Err(format!(
                        "{label}: [{name}] {long}: `{}` is not one of {}",
                        values.join(", "),
                        possible(arg)
                    ));
                }
                if fits {
                    let key = if own { name.clone() } else { String::new() };
                    used.insert((key, long.clone()), true);
                    let v = resolved(cfg, arg, values);
                    a = if matches!(arg.get_action(), ArgAction::Append) || v.len() > 1 {
                        a.default_values(v)
                    } else {
                        a.default_value(v[0].clone())
                    };
                    // A default cannot satisfy `required`; a file value should.
                    a = a.required(false);
                }
            }
            changed = changed.mut_arg(arg.get_id().clone(), |_| a);
        }
        *root.find_subcommand_mut(name).expect("listed subcommand") = changed;
    }
    for ((section, key), ok) in used {
        if ok {
            continue;
        }
        let known_section = section.is_empty() || names.contains(&section);
        return Err(if !known_section {
            format!(
                "{label}: [{section}] is not a command (commands: {})",
                names.join(", ")
            )
        } else if section.is_empty() {
            format!("{label}: no command takes `{key}` (or no command accepts its value)")
        } else {
            format!("{label}: [{section}] has no option `{key}`")
        });
    }
    Ok(root)
}

fn possible(arg: &Arg) -> String {
    arg.get_possible_values()
        .iter()
        .map(|p| p.get_name().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// One line of `reconcile config`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Effective {
    pub command: String,
    pub option: String,
    pub value: Vec<String>,
    /// `environment (NAME)`, the file's path, or `default`.
    pub source: String,
    /// The environment variable that sets it.
    pub env: String,
}

/// The value each option of each command (or of `only`) gets when no flag
/// is given, and where it comes from. Connection strings are redacted.
pub fn effective(root: &Command, cfg: &Config, only: Option<&str>) -> Vec<Effective> {
    let mut out = Vec::new();
    for sub in root.get_subcommands() {
        let name = sub.get_name();
        if only.is_some_and(|o| o != name) {
            continue;
        }
        for arg in sub.get_arguments().filter(|a| configurable(a)) {
            let long = arg.get_long().unwrap_or_default();
            let env = arg
                .get_env()
                .map(|e| e.to_string_lossy().into_owned())
                .unwrap_or_else(|| env_name(long));
            let (value, source) = if let Some(v) = std::env::var_os(&env) {
                (
                    vec![v.to_string_lossy().into_owned()],
                    format!("environment ({env})"),
                )
            } else if let Some((v, _)) =
                lookup(cfg, name, long).filter(|(v, _)| v.iter().all(|x| accepts(arg, x)))
            {
                let file = cfg
                    .path
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                (resolved(cfg, arg, v), file)
            } else {
                let mut d: Vec<String> = arg
                    .get_default_values()
                    .iter()
                    .map(|v| v.to_string_lossy().into_owned())
                    .collect();
                if d.is_empty() && matches!(arg.get_action(), ArgAction::SetTrue) {
                    d.push("false".into());
                }
                (d, "default".into())
            };
            // A DSN given to any option (by mistake, or a URL option's own)
            // shows without its password.
            let value = value
                .iter()
                .map(|v| match long.contains("url") {
                    true => crate::catalog::redact::clean(&crate::catalog::redact(v)),
                    false => crate::catalog::redact::clean(v),
                })
                .collect();
            out.push(Effective {
                command: name.to_string(),
                option: long.to_string(),
                value,
                source,
                env,
            });
        }
    }
    out
}

/// `reconcile config`: exit 0, or 2 for an unknown command name.
pub fn show(
    root: &Command,
    cfg: &Config,
    only: Option<&str>,
    format: super::run::ReportFormat,
) -> super::Exit {
    if let Some(o) = only {
        if root.find_subcommand(o).is_none() {
            super::output::error(&format!("`{o}` is not a command"));
            return super::Exit::Input;
        }
    }
    let rows = effective(root, cfg, only);
    match format {
        super::run::ReportFormat::Json => {
            let doc = serde_json::json!({
                "file": cfg.path.as_ref().map(|p| p.display().to_string()),
                "options": rows,
            });
            println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        super::run::ReportFormat::Text => {
            match &cfg.path {
                Some(p) => println!("# configuration file: {}", p.display()),
                None => println!("# no {FILE} found (walking up from the current directory)"),
            }
            let mut last = "";
            for r in &rows {
                if r.command != last {
                    println!("[{}]", r.command);
                    last = &r.command;
                }
                println!(
                    "  {} = {:?}  # {} (env {})",
                    r.option,
                    r.value.join(","),
                    r.source,
                    r.env
                );
            }
        }
    }
    super::Exit::Ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn cfg(text: &str) -> Result<Config, String> {
        parse(text, Path::new("/p/reconcile.toml"))
    }

    #[test]
    fn errors_name_the_file_line_and_column() {
        let e = cfg("lock-key = 1\n[plan\n").unwrap_err();
        assert!(e.starts_with("/p/reconcile.toml:2:"), "{e}");
        let e = apply(super::super::Cli::command(), &cfg("nope = 1\n").unwrap()).unwrap_err();
        assert!(e.contains("no command takes `nope`"), "{e}");
        let e = apply(
            super::super::Cli::command(),
            &cfg("[plan]\nnope = 1\n").unwrap(),
        )
        .unwrap_err();
        assert!(e.contains("[plan] has no option `nope`"), "{e}");
        let e = apply(
            super::super::Cli::command(),
            &cfg("[plna]\nname = \"x\"\n").unwrap(),
        )
        .unwrap_err();
        assert!(e.contains("[plna] is not a command"), "{e}");
        let e = apply(
            super::super::Cli::command(),
            &cfg("[plan]\nformat = \"yaml\"\n").unwrap(),
        )
        .unwrap_err();
        assert!(e.contains("`yaml` is not one of text, sql, json"), "{e}");
    }

    #[test]
    fn paths_are_relative_to_the_file_and_sections_win() {
        let c = cfg("schema = \"db/schema\"\nformat = \"json\"\n[drift]\nformat = \"markdown\"\n")
            .unwrap();
        let root = apply(super::super::Cli::command(), &c).unwrap();
        let e = effective(&root, &c, None);
        let get = |cmd: &str, opt: &str| {
            e.iter()
                .find(|x| x.command == cmd && x.option == opt)
                .map(|x| x.value.join(","))
                .unwrap()
        };
        assert_eq!(get("plan", "schema"), "/p/db/schema");
        assert_eq!(get("plan", "format"), "json");
        assert_eq!(get("drift", "format"), "markdown");
        // A top-level value a command cannot take leaves its default.
        assert_eq!(get("inspect", "format"), "json");
        assert_eq!(get("apply", "lock-key"), "914215");
    }
}
