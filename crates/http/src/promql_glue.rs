//! The places where the API needs the PromQL AST outside query evaluation:
//! `query_exemplars` (which selectors does a query use) and `format_query`.

use promlite_model::Matcher;
use promlite_promql_parser::{parse, Expr};

/// Collects the matchers of every vector selector in `expr` (Prometheus's
/// `parser.ExtractSelectors`).
fn collect_selectors(expr: &Expr, out: &mut Vec<Vec<Matcher>>) {
    match expr {
        Expr::Number(_) | Expr::String(_) => {}
        Expr::VectorSelector(vs) => out.push(vs.matchers.clone()),
        Expr::MatrixSelector(ms) => out.push(ms.vs.matchers.clone()),
        Expr::Subquery(sq) => collect_selectors(&sq.expr, out),
        Expr::Call(c) => c.args.iter().for_each(|a| collect_selectors(a, out)),
        Expr::Aggregate(a) => {
            if let Some(p) = &a.param {
                collect_selectors(p, out);
            }
            collect_selectors(&a.expr, out);
        }
        Expr::Binary(b) => {
            collect_selectors(&b.lhs, out);
            collect_selectors(&b.rhs, out);
        }
        Expr::Unary(u) => collect_selectors(&u.expr, out),
        Expr::Paren(p) => collect_selectors(&p.expr, out),
    }
}

/// The vector selectors of a query; the error is the parser's message.
pub fn query_selectors(query: &str) -> Result<Vec<Vec<Matcher>>, String> {
    let expr = parse(query).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    collect_selectors(&expr, &mut out);
    Ok(out)
}

/// The query printed back in canonical form (`format_query`).
pub fn format_query(query: &str) -> Result<String, String> {
    parse(query)
        .map(|e| e.to_string())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_selector() {
        let s =
            query_selectors(r#"sum(rate(a[5m])) / on() b{x="1"} + max_over_time(c[1h:1m]) + 1"#)
                .unwrap();
        assert_eq!(s.len(), 3);
        assert!(query_selectors("1 + 2").unwrap().is_empty());
        assert!(query_selectors("up{").is_err());
        assert_eq!(format_query("sum(up)by(job)").unwrap(), "sum by (job) (up)");
    }
}
