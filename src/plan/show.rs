//! The ordered steps as a graph picture: Graphviz dot or Mermaid.
//! Attached steps (comments, grants, owner, RLS) are left out: they only
//! hang off their object.

use super::Step;

fn objects(steps: &[Step]) -> impl Iterator<Item = &Step> {
    steps.iter().filter(|s| s.attached_to.is_none())
}

fn dot_quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// `digraph plan { "a" -> "b"; }`, an edge from each dependency to its dependent.
pub fn to_dot(steps: &[Step]) -> String {
    let mut out = String::from("digraph plan {\n  rankdir=LR;\n");
    for s in objects(steps) {
        out.push_str(&format!("  {};\n", dot_quote(&s.id)));
        for d in &s.depends_on {
            out.push_str(&format!("  {} -> {};\n", dot_quote(d), dot_quote(&s.id)));
        }
    }
    out.push_str("}\n");
    out
}

/// `flowchart LR` with one node per step, labelled by id.
pub fn to_mermaid(steps: &[Step]) -> String {
    let index: foldhash::HashMap<&str, usize> = objects(steps)
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let mut out = String::from("flowchart LR\n");
    for (i, s) in objects(steps).enumerate() {
        let label = s.id.replace('"', "#quot;");
        out.push_str(&format!("  s{i}[\"{label}\"]\n"));
    }
    for (i, s) in objects(steps).enumerate() {
        for d in &s.depends_on {
            if let Some(j) = index.get(d.as_str()) {
                out.push_str(&format!("  s{j} --> s{i}\n"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::StepKind;

    fn step(id: &str, deps: &[&str], attached: Option<&str>) -> Step {
        Step {
            id: id.into(),
            kind: StepKind::Table,
            sql: String::new(),
            depends_on: deps.iter().map(|&d| d.into()).collect(),
            attached_to: attached.map(Into::into),
            undo: None,
        }
    }

    #[test]
    fn pictures() {
        let steps = vec![
            step("table:public.\"a\"", &[], None),
            step("view:public.v", &["table:public.\"a\""], None),
            step("comment:2", &["view:public.v"], Some("view:public.v")),
        ];
        assert_eq!(
            to_dot(&steps),
            "digraph plan {\n  rankdir=LR;\n  \"table:public.\\\"a\\\"\";\n  \"view:public.v\";\n  \"table:public.\\\"a\\\"\" -> \"view:public.v\";\n}\n"
        );
        assert_eq!(
            to_mermaid(&steps),
            "flowchart LR\n  s0[\"table:public.#quot;a#quot;\"]\n  s1[\"view:public.v\"]\n  s0 --> s1\n"
        );
    }
}
