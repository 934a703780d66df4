//! `reconcile new`: a hand-written migration in the same numbered history.
//!
//! Its schema effect is declared, not guessed (docs/migrations.md): `none`
//! (data only: the state it reaches is the one before it) or `desired` (the
//! change is also written into `schema/`: the state it reaches is the
//! desired state at creation). Either way it carries a `state.json`, so
//! offline planning keeps working after it.

use std::path::{Path, PathBuf};

use super::{next_number, read_last_state, render_state, valid_slug, write, Metadata, Migration};
use crate::model::Database;

/// What a hand-written migration does to the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaEffect {
    /// Data only (backfill, fix-up): the schema is as before.
    None,
    /// Its schema change is also in the desired state.
    Desired,
}

impl SchemaEffect {
    pub fn word(self) -> &'static str {
        match self {
            SchemaEffect::None => "none",
            SchemaEffect::Desired => "desired",
        }
    }
}

/// Creates `NNNN_slug/` under `dir` with template `up.sql`/`down.sql`,
/// metadata marking it hand-written, and the state it reaches; refreshes
/// the sum. `desired` is the loaded desired state, needed for
/// [`SchemaEffect::Desired`].
pub fn new_migration(
    dir: &Path,
    slug: &str,
    transactional: bool,
    effect: SchemaEffect,
    desired: Option<&Database>,
) -> Result<PathBuf, String> {
    if !valid_slug(slug) {
        return Err(format!(
            "migration name `{slug}` must match [a-z0-9_]+ (e.g. backfill_user_emails)"
        ));
    }
    if dir.exists() {
        super::check_sum(dir)?;
    }
    let state = match effect {
        SchemaEffect::None => match read_last_state(dir) {
            Ok(Some((_, state))) => Some(render_state(&state)?),
            Ok(None) => Some(render_state(&Database::default())?),
            // An earlier migration without state: offline planning is
            // already off for this history; say nothing new about it.
            Err(_) => None,
        },
        SchemaEffect::Desired => {
            let db = desired.ok_or("--schema-effect desired needs the desired state (--schema)")?;
            Some(render_state(db)?)
        }
    };
    let number = next_number(dir)?;
    let name = format!("{number:04}_{slug}");
    let tx_note = if transactional {
        "It runs in one transaction."
    } else {
        "It runs statement by statement, outside a transaction (run_in_transaction = false)."
    };
    let m = Migration {
        number,
        slug: slug.to_string(),
        up: format!(
            "-- {name}: hand-written migration ({} schema effect).\n-- {tx_note}\n-- Write the change here, e.g. UPDATE public.users SET ...;\n",
            effect.word()
        ),
        down: format!(
            "-- {name}: undo the change of up.sql here.\n\
             -- Until this file holds a statement, `reconcile revert` refuses to revert it.\n"
        ),
        metadata: Metadata {
            run_in_transaction: transactional,
            hazards: Vec::new(),
            depends: Vec::new(),
            timestamp: Some(super::stamp::after(
                super::stamp::last_version(dir)?.as_deref(),
                &super::stamp::now(),
            )),
            // After diesel's keys; the runner ignores them.
            extra: format!(
                "hand_written = true\n# none: data only; desired: the schema change is also in schema/\nschema_effect = \"{}\"\n",
                effect.word()
            ),
        },
        state,
    };
    write(dir, &m)
}
