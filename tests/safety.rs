//! Safe by default: hostile text in the desired state is refused where it
//! is written, before anything is planned or run.

mod support;

use std::path::Path;

fn reconcile(dir: &Path, args: &[&str]) -> (i32, String, String) {
    support::reconcile_in(dir, args)
}

/// A table every case may add to, and the line each case's text is on.
const HEAD: &str = "tables:
  public.victim:
    columns:
      id: { type: bigint, nullable: false }
  public.t:
    row_level_security: { enabled: true }
    columns:
      id: { type: bigint, nullable: false }
";

/// (what, the rest of the file after HEAD; the hostile text on its first line)
const INJECTIONS: &[(&str, &str)] = &[
    (
        "policy using",
        "    policies:\n      p: { using: \"true); DROP TABLE public.victim; --\" }\n",
    ),
    (
        "policy with_check",
        "    policies:\n      p: { for: insert, with_check: \"true); DROP TABLE public.victim; --\" }\n",
    ),
    (
        "policy using ending in a comment",
        "    policies:\n      p: { using: \"true --\", with_check: \"true\" }\n",
    ),
    (
        "check",
        "    checks:\n      c: \"id > 0); DROP TABLE public.victim; --\"\n",
    ),
    (
        "default",
        "      v: { type: int, default: \"1; DROP TABLE public.victim\" }\n",
    ),
    (
        "generated column",
        "      g: { type: bigint, generated: \"id); DROP TABLE public.victim; --\" }\n",
    ),
    (
        "index predicate",
        "    indexes:\n      i: { columns: [id], where: \"true); DROP TABLE public.victim; --\" }\n",
    ),
    (
        "index expression",
        "    indexes:\n      i: { columns: [{ expression: \"id); DROP TABLE public.victim; --\" }] }\n",
    ),
    (
        "trigger when",
        "    triggers:\n      tr: { timing: before, events: [insert], function: public.f, when: \"true); DROP TABLE public.victim; --\" }\nfunctions:\n  public.f(): { returns: trigger, language: plpgsql, body: \"begin return new; end\" }\n",
    ),
    (
        "exclusion",
        "    exclusions:\n      e: { definition: \"USING btree (id WITH =); DROP TABLE public.victim; --\" }\n",
    ),
    (
        "domain check",
        "domains:\n  public.d: { type: int, checks: { pos: \"VALUE > 0); DROP TABLE public.victim; --\" } }\n",
    ),
    (
        "view query",
        "views:\n  public.v: { definition: \"SELECT 1 AS one; DROP TABLE public.victim\" }\n",
    ),
    (
        "view query ending in a comment",
        "views:\n  public.v: { definition: \"SELECT 1 AS one --\" }\n",
    ),
    (
        "SQL-standard function body",
        "functions:\n  public.g(): { returns: int, language: sql, body: \"RETURN 1; DROP TABLE public.victim\" }\n",
    ),
    (
        "function return type",
        "functions:\n  public.g(): { returns: \"int LANGUAGE sql AS 'SELECT 1'; DROP TABLE public.victim; --\", language: sql, body: \"SELECT 1\" }\n",
    ),
];

#[test]
fn hostile_text_is_refused_with_its_place_by_check_and_plan() {
    let line = HEAD.lines().count() + 1;
    for (what, rest) in INJECTIONS {
        let dir = support::temp_dir();
        std::fs::create_dir_all(dir.join("schema")).unwrap();
        std::fs::write(dir.join("schema/a.yaml"), format!("{HEAD}{rest}")).unwrap();
        // The hostile text is on the first line after HEAD, or the next.
        let here =
            |err: &str| (line..line + 2).any(|l| err.contains(&format!("schema/a.yaml:{l}:")));
        let (code, out, err) = reconcile(&dir, &["check"]);
        assert_eq!(code, 2, "{what}: check\n{out}{err}");
        assert!(here(&err), "{what}: check names the place\n{err}");
        for args in [&["plan", "--dry-run"][..], &["plan"][..]] {
            let (code, out, err) = reconcile(&dir, args);
            assert_eq!(code, 2, "{what}: {args:?}\n{out}{err}");
            assert!(here(&err), "{what}: {args:?} names the place\n{err}");
            assert!(!out.contains("DROP TABLE"), "{what}: {args:?}\n{out}");
        }
        assert!(
            !dir.join("generated").exists(),
            "{what}: nothing is written"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
