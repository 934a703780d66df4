//! Functions, procedures and aggregates.

use crate::model::name::quote_literal;
use crate::model::{Aggregate, Function, FunctionKind, Volatility};

use super::{parse_name, quote_dotted, split_list, unquote, FunctionKey, Mode, PlanError};

/// Settings whose value is a list, each element quoted on its own (as
/// pg_get_functiondef does for GUC_LIST_QUOTE settings).
const LIST_SETTINGS: &[&str] = &[
    "search_path",
    "temp_tablespaces",
    "session_preload_libraries",
    "local_preload_libraries",
];

/// `SET name TO 'v'`; list settings as `SET search_path TO 'a', 'b'`.
pub fn function_setting(name: &str, value: &str) -> String {
    let rendered = if LIST_SETTINGS.contains(&name.to_ascii_lowercase().as_str()) {
        let items = split_list(value);
        if items.is_empty() {
            "''".to_string()
        } else {
            items
                .iter()
                .map(|i| quote_literal(&unquote(i)))
                .collect::<Vec<_>>()
                .join(", ")
        }
    } else {
        quote_literal(value)
    };
    format!("SET {name} TO {rendered}")
}

pub use crate::model::sqltext::is_sql_standard_body;

/// A dollar quote tag that cannot end the body early.
pub fn dollar_tag(body: &str) -> String {
    let fits = |tag: &str| format!("{body}{tag}").find(tag) == Some(body.len());
    for tag in ["$function$", "$body$"] {
        if fits(tag) {
            return tag.to_string();
        }
    }
    (1..)
        .map(|n| format!("$f{n}$"))
        .find(|t| fits(t))
        .unwrap_or_default()
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// `CREATE FUNCTION s.f(args) RETURNS t LANGUAGE l ... AS $function$...$function$;`
pub fn create_function(key: &FunctionKey, f: &Function, mode: Mode) -> Result<String, PlanError> {
    let args = f.arguments.as_deref().unwrap_or(&key.args);
    let kind = match f.kind {
        FunctionKind::Function => "FUNCTION",
        FunctionKind::Procedure => "PROCEDURE",
    };
    let replace = if mode == Mode::OrReplace {
        "OR REPLACE "
    } else {
        ""
    };
    let mut sql = format!("CREATE {replace}{kind} {}({args})", key.name.sql());
    if let Some(r) = &f.returns {
        sql.push_str(&format!(" RETURNS {r}"));
    } else if f.kind == FunctionKind::Function {
        return Err(PlanError::Invalid {
            what: format!("function {}", key.sql()),
            message: "a function needs `returns`".into(),
        });
    }
    let mut attrs = vec![format!("LANGUAGE {}", quote_dotted(&f.language))];
    match f.volatility {
        Volatility::Volatile => {}
        Volatility::Stable => attrs.push("STABLE".into()),
        Volatility::Immutable => attrs.push("IMMUTABLE".into()),
    }
    if f.strict {
        attrs.push("STRICT".into());
    }
    if f.security_definer {
        attrs.push("SECURITY DEFINER".into());
    }
    if f.leakproof {
        attrs.push("LEAKPROOF".into());
    }
    if let Some(p) = &f.parallel {
        let word = p.to_ascii_uppercase();
        if !matches!(word.as_str(), "SAFE" | "RESTRICTED" | "UNSAFE") {
            return Err(PlanError::Invalid {
                what: format!("function {}", key.sql()),
                message: format!("unknown parallel `{p}`"),
            });
        }
        attrs.push(format!("PARALLEL {word}"));
    }
    if let Some(c) = f.cost {
        attrs.push(format!("COST {}", number(c)));
    }
    if let Some(r) = f.rows {
        attrs.push(format!("ROWS {}", number(r)));
    }
    for (name, value) in &f.config {
        attrs.push(function_setting(name, value));
    }
    for a in attrs {
        sql.push_str(&format!("\n    {a}"));
    }
    if is_sql_standard_body(f) {
        sql.push_str(&format!("\n{}", f.body.trim()));
    } else if let Some(lib) = &f.library {
        sql.push_str(&format!(
            "\n    AS {}, {}",
            crate::model::name::quote_literal(lib),
            crate::model::name::quote_literal(&f.body)
        ));
    } else {
        let tag = dollar_tag(&f.body);
        sql.push_str(&format!("\n    AS {tag}{}{tag}", f.body));
    }
    sql.push(';');
    Ok(sql)
}

/// `CREATE AGGREGATE s.a(types) (SFUNC = ..., STYPE = ..., ...);`
pub fn create_aggregate(key: &FunctionKey, a: &Aggregate) -> Result<String, PlanError> {
    let what = format!("aggregate {}", key.sql());
    let args = if key.args.is_empty() {
        "*"
    } else {
        key.args.as_str()
    };
    let mut items = vec![
        format!("SFUNC = {}", parse_name(&a.sfunc, &what)?.sql()),
        format!("STYPE = {}", a.stype),
    ];
    if let Some(f) = &a.finalfunc {
        items.push(format!("FINALFUNC = {}", parse_name(f, &what)?.sql()));
    }
    if let Some(f) = &a.combinefunc {
        items.push(format!("COMBINEFUNC = {}", parse_name(f, &what)?.sql()));
    }
    if let Some(i) = &a.initcond {
        items.push(format!("INITCOND = {}", quote_literal(i)));
    }
    if let Some(op) = &a.sortop {
        let op = if op.contains('.') {
            format!("OPERATOR({op})")
        } else {
            op.clone()
        };
        items.push(format!("SORTOP = {op}"));
    }
    if let Some(p) = &a.parallel {
        items.push(format!("PARALLEL = {}", p.to_ascii_uppercase()));
    }
    Ok(format!(
        "CREATE AGGREGATE {}({args}) (\n    {}\n);",
        key.name.sql(),
        items.join(",\n    ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ddl::render::parse_function_key;

    #[test]
    fn settings() {
        assert_eq!(
            function_setting("search_path", "public, extensions"),
            "SET search_path TO 'public', 'extensions'"
        );
        assert_eq!(
            function_setting("search_path", "\"\""),
            "SET search_path TO ''"
        );
        assert_eq!(function_setting("search_path", ""), "SET search_path TO ''");
        assert_eq!(
            function_setting("search_path", "\"$user\", public"),
            "SET search_path TO '$user', 'public'"
        );
        assert_eq!(
            function_setting("work_mem", "64MB"),
            "SET work_mem TO '64MB'"
        );
    }

    #[test]
    fn dollar_tags() {
        assert_eq!(dollar_tag("select 1"), "$function$");
        assert_eq!(dollar_tag("x $function$ y"), "$body$");
        assert_eq!(dollar_tag("$function$ $body$"), "$f1$");
        // A body ending in `$function` would close early with `$function$`.
        assert_eq!(dollar_tag("a $function"), "$body$");
    }

    #[test]
    fn functions() {
        let k = parse_function_key("public.add(integer, integer)").unwrap();
        let mut f = Function {
            returns: Some("integer".into()),
            language: "sql".into(),
            body: "select $1 + $2".into(),
            volatility: Volatility::Immutable,
            strict: true,
            parallel: Some("safe".into()),
            cost: Some(5.0),
            ..Default::default()
        };
        f.config.insert("search_path".into(), "\"\"".into());
        assert_eq!(
            create_function(&k, &f, Mode::Plain).unwrap(),
            "CREATE FUNCTION public.add(integer, integer) RETURNS integer\n    LANGUAGE sql\n    IMMUTABLE\n    STRICT\n    PARALLEL SAFE\n    COST 5\n    SET search_path TO ''\n    AS $function$select $1 + $2$function$;"
        );
        let k = parse_function_key("app.\"Get\"(uuid)").unwrap();
        let f = Function {
            arguments: Some("p_id uuid, OUT n integer".into()),
            returns: Some("SETOF integer".into()),
            language: "plpgsql".into(),
            body: "begin return; end".into(),
            security_definer: true,
            leakproof: true,
            rows: Some(10.5),
            volatility: Volatility::Stable,
            ..Default::default()
        };
        assert_eq!(
            create_function(&k, &f, Mode::Plain).unwrap(),
            "CREATE FUNCTION app.\"Get\"(p_id uuid, OUT n integer) RETURNS SETOF integer\n    LANGUAGE plpgsql\n    STABLE\n    SECURITY DEFINER\n    LEAKPROOF\n    ROWS 10.5\n    AS $function$begin return; end$function$;"
        );
        let k = parse_function_key("public.one()").unwrap();
        let f = Function {
            returns: Some("integer".into()),
            language: "sql".into(),
            body: "BEGIN ATOMIC\n SELECT 1;\nEND".into(),
            ..Default::default()
        };
        assert_eq!(
            create_function(&k, &f, Mode::Plain).unwrap(),
            "CREATE FUNCTION public.one() RETURNS integer\n    LANGUAGE sql\nBEGIN ATOMIC\n SELECT 1;\nEND;"
        );
        let p = Function {
            kind: FunctionKind::Procedure,
            language: "plpgsql".into(),
            body: "begin null; end".into(),
            ..Default::default()
        };
        let k = parse_function_key("public.p(text)").unwrap();
        assert_eq!(
            create_function(&k, &p, Mode::Plain).unwrap(),
            "CREATE PROCEDURE public.p(text)\n    LANGUAGE plpgsql\n    AS $function$begin null; end$function$;"
        );
        let bad = Function {
            language: "sql".into(),
            ..Default::default()
        };
        assert!(create_function(&k, &bad, Mode::Plain).is_err());
    }

    #[test]
    fn aggregates() {
        let k = parse_function_key("public.group_concat(text)").unwrap();
        let a = Aggregate {
            sfunc: "public._group_concat".into(),
            stype: "text".into(),
            initcond: Some("".into()),
            parallel: Some("safe".into()),
            ..Default::default()
        };
        assert_eq!(
            create_aggregate(&k, &a).unwrap(),
            "CREATE AGGREGATE public.group_concat(text) (\n    SFUNC = public._group_concat,\n    STYPE = text,\n    INITCOND = '',\n    PARALLEL = SAFE\n);"
        );
    }
}
