//! Template expansion tests with Prometheus's expected outputs and error texts (the
//! scenarios of Prometheus's `template_test.go`, plus alert-header cases).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::*;

struct FixedQuerier(Vec<QuerySample>);

impl TemplateQuerier for FixedQuerier {
    fn query(&self, _expr: &str, _t_ms: i64) -> Result<Vec<QuerySample>, String> {
        Ok(self.0.clone())
    }
}

fn sample(pairs: &[(&str, &str)], value: f64) -> QuerySample {
    QuerySample {
        labels: pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        value,
    }
}

const EXTERNAL_URL: &str = "http://testhost:9090/path/prefix";
const NOW_MS: i64 = 1_353_755_652_000;

fn run(text: &str, input: Value, results: Vec<QuerySample>) -> Result<String, String> {
    let querier = FixedQuerier(results);
    let env = FuncEnv {
        querier: Some(&querier),
        timestamp_ms: NOW_MS,
        external_url: EXTERNAL_URL,
    };
    Template::parse("test", text)
        .and_then(|t| t.execute(input, &env))
        .map_err(|e| e.to_string())
}

fn ok(text: &str, input: Value) -> String {
    match run(text, input, Vec::new()) {
        Ok(s) => s,
        Err(e) => panic!("{text}: {e}"),
    }
}

fn slice(elem_type: &'static str, items: Vec<Value>) -> Value {
    Value::Slice {
        elem_type,
        items: Arc::new(items),
    }
}

fn floats(v: &[f64]) -> Value {
    slice("float64", v.iter().map(|f| Value::Float(*f)).collect())
}

fn strs(v: &[&str]) -> Value {
    slice("string", v.iter().map(|s| Value::str(*s)).collect())
}

fn ints(v: &[i64]) -> Value {
    slice("int64", v.iter().map(|i| Value::Int64(*i)).collect())
}

fn uints(v: &[u64]) -> Value {
    slice("uint64", v.iter().map(|u| Value::Uint64(*u)).collect())
}

#[test]
fn plain_values_and_missing_keys() {
    let cases: &[(&str, &str)] = &[
        ("plain text", "plain text"),
        ("{{ 1 }}", "1"),
        ("{{ .Foo }}", "<no value>"),
        ("{{ \"<b>\" }}", "<b>"),
        ("{{ reReplaceAll \"(a)b\" \"x$1\" \"ab\" }}", "xa"),
        ("{{ \"aa bb CC\" | title }}", "Aa Bb CC"),
        ("{{ \"aa bb CC\" | toUpper }}", "AA BB CC"),
        ("{{ \"aA bB CC\" | toLower }}", "aa bb cc"),
        ("{{ match \"a+\" \"aa\" }} {{ match \"a+\" \"b\" }}", "true false"),
        ("{{ graphLink \"up\" }}", "/graph?g0.expr=up&g0.tab=0"),
        ("{{ tableLink \"up\" }}", "/graph?g0.expr=up&g0.tab=1"),
        ("{{ pathPrefix }}", "/path/prefix"),
        ("{{ externalURL }}", "http://testhost:9090/path/prefix"),
        ("{{ printf \"%0.2f\" (parseDuration \"1h2m10ms\") }}", "3720.01"),
        ("{{ printf \"%0.2f\" (parseDuration \"-1h2m10ms\") }}", "-3720.01"),
        ("{{ now }}", "1.353755652e+09"),
        ("{{ (now | toTime).Format \"Mon Jan 2 15:04:05 2006\" }}", "Sat Nov 24 11:14:12 2012"),
        ("{{ (\"-30m\" | parseDuration | toDuration | (now | toTime).Add).UnixMilli }}", "1353753852000"),
        ("{{ (1435065584.128 | toTime).Format \"2006\" }}", "2015"),
        ("{{ (\"1435065584.128\" | toTime).Format \"2006\" }}", "2015"),
        ("{{ (1800 | toDuration).String }}", "30m0s"),
        ("{{ (\"1800\" | toDuration).String }}", "30m0s"),
        ("{{ 1435065584.128 | humanizeTimestamp }}", "2015-06-23 13:19:44.128 +0000 UTC"),
        ("{{ \"1435065584.128\" | humanizeTimestamp }}", "2015-06-23 13:19:44.128 +0000 UTC"),
        (
            "{{ -0.22222 | humanizePercentage }}:{{ 0.0 | humanizePercentage }}:{{ 0.1234567 | humanizePercentage }}:{{ 1.23456 | humanizePercentage }}",
            "-22.22%:0%:12.35%:123.5%",
        ),
        (
            "{{ \"-0.22222\" | humanizePercentage }}:{{ \"0.0\" | humanizePercentage }}:{{ \"0.1234567\" | humanizePercentage }}:{{ \"1.23456\" | humanizePercentage }}",
            "-22.22%:0%:12.35%:123.5%",
        ),
        ("{{define \"x\"}}{{.arg0}} {{.arg1}}{{end}}{{template \"x\" (args 1 \"2\")}}", "1 2"),
        ("{{ 0.0512 | humanizePercentage }}", "5.12%"),
        ("{{ humanizeDuration 3725 }}", "1h 2m 5s"),
        ("{{ humanize 1234567 }}", "1.235M"),
        ("{{ humanize1024 1048576 }}", "1Mi"),
        ("{{ \"http://a b/?x=1&y\" | urlQueryEscape }}", "http%3A%2F%2Fa+b%2F%3Fx%3D1%26y"),
        ("{{ \"<b>\" | safeHtml }}", "<b>"),
    ];
    for (text, want) in cases {
        assert_eq!(ok(text, Value::Nil), *want, "template {text}");
    }
}

#[test]
fn host_helpers() {
    let cases: &[(&str, &str, &str)] = &[
        ("foo.example.com", "foo.example.com", "foo"),
        ("foo.example.com:12345", "foo.example.com", "foo:12345"),
        ("192.0.2.1", "192.0.2.1", "192.0.2.1"),
        ("192.0.2.1:12345", "192.0.2.1", "192.0.2.1:12345"),
        ("2001:0DB8::1", "2001:0DB8::1", "2001:0DB8::1"),
        (
            "[2001:0DB8::1]:12345",
            "2001:0DB8::1",
            "[2001:0DB8::1]:12345",
        ),
        (
            "[2001:0DB8::1]::12345",
            "[2001:0DB8::1]::12345",
            "[2001:0DB8::1]::12345",
        ),
    ];
    for (input, port_stripped, domain_stripped) in cases {
        let q = promlite_model::go_quote(input);
        assert_eq!(
            ok(&format!("{{{{ {q} | stripPort }}}}"), Value::Nil),
            *port_stripped
        );
        assert_eq!(
            ok(&format!("{{{{ {q} | stripDomain }}}}"), Value::Nil),
            *domain_stripped
        );
    }
}

#[test]
fn humanize_over_inputs_of_every_type() {
    let r = "{{ range . }}{{ humanize . }}:{{ end }}";
    assert_eq!(
        ok(r, floats(&[0.0, 1.0, 1234567.0, 0.12])),
        "0:1:1.235M:120m:"
    );
    assert_eq!(
        ok(r, strs(&["0.0", "1.0", "1234567.0", ".12"])),
        "0:1:1.235M:120m:"
    );
    assert_eq!(
        ok(r, ints(&[0, -1, 1, 1234567, i64::MAX])),
        "0:-1:1:1.235M:9.223E:"
    );
    assert_eq!(
        ok(r, uints(&[0, 1, 1234567, u64::MAX])),
        "0:1:1.235M:18.45E:"
    );
    let r = "{{ range . }}{{ humanize1024 . }}:{{ end }}";
    assert_eq!(ok(r, floats(&[0.0, 1.0, 1048576.0, 0.12])), "0:1:1Mi:0.12:");
    assert_eq!(
        ok(r, ints(&[0, -1, 1, 1234567, i64::MAX])),
        "0:-1:1:1.177Mi:8Ei:"
    );
    assert_eq!(
        ok(r, uints(&[0, 1, 1234567, u64::MAX])),
        "0:1:1.177Mi:16Ei:"
    );
    let r = "{{ range . }}{{ humanizeDuration . }}:{{ end }}";
    assert_eq!(
        ok(
            r,
            floats(&[
                0.0,
                1.0,
                60.0,
                3600.0,
                86400.0,
                86400.0 + 3600.0,
                -(86400.0 * 2.0 + 3600.0 * 3.0 + 60.0 * 4.0 + 5.0),
                899.99
            ])
        ),
        "0s:1s:1m 0s:1h 0m 0s:1d 0h 0m 0s:1d 1h 0m 0s:-2d 3h 4m 5s:14m 59s:"
    );
    assert_eq!(
        ok(
            r,
            floats(&[0.1, 0.0001, 0.12345, 60.1, 60.5, 1.2345, 12.345])
        ),
        "100ms:100us:123.5ms:1m 0s:1m 0s:1.234s:12.35s:"
    );
    assert_eq!(
        ok(
            r,
            strs(&[".1", ".0001", ".12345", "60.1", "60.5", "1.2345", "12.345"])
        ),
        "100ms:100us:123.5ms:1m 0s:1m 0s:1.234s:12.35s:"
    );
    assert_eq!(
        ok(r, ints(&[0, -1, 1, 1234567])),
        "0s:-1s:1s:14d 6h 56m 7s:"
    );
    let r = "{{ range . }}{{ humanize . }}:{{ humanize1024 . }}:{{ humanizeDuration . }}:{{humanizeTimestamp .}}:{{ end }}";
    let want = "+Inf:+Inf:+Inf:+Inf:-Inf:-Inf:-Inf:-Inf:NaN:NaN:NaN:NaN:";
    assert_eq!(
        ok(r, floats(&[f64::INFINITY, f64::NEG_INFINITY, f64::NAN])),
        want
    );
    assert_eq!(ok(r, strs(&["+Inf", "-Inf", "NaN"])), want);
    let r = "{{ range . }}{{ humanizePercentage . }}:{{ end }}";
    assert_eq!(
        ok(r, ints(&[0, -1, 1, 1234567, i64::MAX])),
        "0%:-100%:100%:1.235e+08%:9.223e+20%:"
    );
    assert_eq!(
        ok(r, uints(&[0, 1, 1234567, u64::MAX])),
        "0%:100%:1.235e+08%:1.845e+21%:"
    );
    let r = "{{ range . }}{{ humanizeTimestamp . }}:{{ end }}";
    assert_eq!(
        ok(r, ints(&[0, -1, 1, 1234567, 9223372036])),
        "1970-01-01 00:00:00 +0000 UTC:1969-12-31 23:59:59 +0000 UTC:1970-01-01 00:00:01 +0000 UTC:1970-01-15 06:56:07 +0000 UTC:2262-04-11 23:47:16 +0000 UTC:"
    );
}

#[test]
fn query_functions() {
    let a = sample(&[("__name__", "metric"), ("instance", "a")], 11.0);
    let b = sample(&[("__name__", "metric"), ("instance", "b")], 21.0);
    let cases: Vec<(&str, Vec<QuerySample>, &str)> = vec![
        ("{{ query \"1.5\" | first | value }}", vec![sample(&[], 1.5)], "1.5"),
        ("{{ query \"metric{instance='a'}\" | first | value }}", vec![a.clone()], "11"),
        ("{{ query \"metric{instance='a'}\" | first | label \"instance\" }}", vec![a.clone()], "a"),
        ("{{ query \"metric{instance='a'}\" | first | label \"foo\" }}", vec![a.clone()], ""),
        (
            "{{ query \"metric{__value__='a'}\" | first | strvalue }}",
            vec![sample(&[("__name__", "metric"), ("__value__", "a")], 11.0)],
            "a",
        ),
        ("{{ $x := query \"metric\" | first }}{{ $x.Labels.foo }}", vec![a.clone()], ""),
        (
            "{{ range query \"metric\" | sortByLabel \"instance\" }}{{.Labels.instance}}:{{.Value}}: {{end}}",
            vec![b.clone(), a.clone()],
            "a:11: b:21: ",
        ),
        (
            "{{ range $i, $s := query \"m\" }}{{ $i }}={{ $s.Value }};{{ else }}none{{ end }}",
            vec![a.clone(), b.clone()],
            "0=11;1=21;",
        ),
        ("{{ range query \"m\" }}x{{ else }}none{{ end }}", vec![], "none"),
        ("{{ with query \"m\" }}{{ len . }}{{ end }}", vec![a.clone(), b.clone()], "2"),
        ("{{ (index (query \"m\") 1).Value }}", vec![a, b], "21"),
    ];
    for (text, results, want) in cases {
        assert_eq!(
            run(text, Value::Nil, results).unwrap(),
            want,
            "template {text}"
        );
    }
}

#[test]
fn errors_match_prometheus_text() {
    let cases: Vec<(&str, Value, &str)> = vec![
        ("{{\u{a0}}}", Value::Nil, "error parsing template test: template: test:1: unrecognized character in action: U+00A0"),
        ("{{", Value::Nil, "error parsing template test: template: test:1: unclosed action"),
        (
            "{{ query \"missing\" | first }}",
            Value::Nil,
            "error executing template test: template: test:1:21: executing \"test\" at <first>: error calling first: first() called on vector with no elements",
        ),
        (
            "{{ (query \"missing\").banana }}",
            Value::Nil,
            "error executing template test: template: test:1:10: executing \"test\" at <\"missing\">: can't evaluate field banana in type template.queryResult",
        ),
        (
            "{{ humanize \"one\" }}",
            Value::Nil,
            "error executing template test: template: test:1:3: executing \"test\" at <humanize \"one\">: error calling humanize: strconv.ParseFloat: parsing \"one\": invalid syntax",
        ),
        (
            "{{ humanize1024 \"one\" }}",
            Value::Nil,
            "error executing template test: template: test:1:3: executing \"test\" at <humanize1024 \"one\">: error calling humanize1024: strconv.ParseFloat: parsing \"one\": invalid syntax",
        ),
        (
            "{{ humanizeDuration \"one\" }}",
            Value::Nil,
            "error executing template test: template: test:1:3: executing \"test\" at <humanizeDuration \"one\">: error calling humanizeDuration: strconv.ParseFloat: parsing \"one\": invalid syntax",
        ),
        (
            "{{ \"one\" | humanizePercentage }}",
            Value::Nil,
            "error executing template test: template: test:1:11: executing \"test\" at <humanizePercentage>: error calling humanizePercentage: strconv.ParseFloat: parsing \"one\": invalid syntax",
        ),
        (
            "{{ range . }}{{ humanizeTimestamp . }}:{{ end }}",
            ints(&[i64::MIN, i64::MAX]),
            "error executing template test: template: test:1:16: executing \"test\" at <humanizeTimestamp .>: error calling humanizeTimestamp: -9.223372036854776e+18 cannot be represented as a nanoseconds timestamp since it overflows int64",
        ),
        (
            "{{ range . }}{{ humanizeTimestamp . }}:{{ end }}",
            uints(&[u64::MAX]),
            "error executing template test: template: test:1:16: executing \"test\" at <humanizeTimestamp .>: error calling humanizeTimestamp: 1.8446744073709552e+19 cannot be represented as a nanoseconds timestamp since it overflows int64",
        ),
        ("{{ nope }}", Value::Nil, "error parsing template test: template: test:1: function \"nope\" not defined"),
        (
            "{{ toUpper 1.5 }}",
            Value::Nil,
            "error executing template test: template: test:1:11: executing \"test\" at <1.5>: expected string; found 1.5",
        ),
        (
            "{{ 1.5 | toUpper }}",
            Value::Nil,
            "error executing template test: template: test:1:9: executing \"test\" at <toUpper>: wrong type for value; expected string; got float64",
        ),
        (
            "{{ humanize 1 2 }}",
            Value::Nil,
            "error executing template test: template: test:1:3: executing \"test\" at <humanize>: wrong number of args for humanize: want 1 got 2",
        ),
    ];
    for (text, input, want) in cases {
        assert_eq!(
            run(text, input, Vec::new()).unwrap_err(),
            want,
            "template {text}"
        );
    }
}

fn alert_data(labels: &[(&str, &str)], value: f64) -> AlertTemplateData {
    AlertTemplateData {
        labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        external_labels: BTreeMap::from([("cluster".to_string(), "eu1".to_string())]),
        external_url: "http://prom.example:9090".into(),
        value,
    }
}

#[test]
fn alert_header_variables_and_control_flow() {
    let data = alert_data(&[("instance", "web-1:9100"), ("job", "node")], 0.953);
    let cases: &[(&str, &str)] = &[
        ("{{ $labels.instance }} of {{ $labels.job }}", "web-1:9100 of node"),
        ("{{ .Labels.instance }}={{ .Value }}", "web-1:9100=0.953"),
        ("{{ $value | humanizePercentage }}", "95.3%"),
        ("{{ $externalLabels.cluster }} {{ $externalURL }}", "eu1 http://prom.example:9090"),
        ("[{{ $labels.missing }}]", "[]"),
        ("{{ printf \"%.2f\" $value }}", "0.95"),
        ("{{ printf \"%s is %v (%q) %d%%\" $labels.job $value $labels.job 5 }}", "node is 0.953 (\"node\") 5%"),
        ("{{ if gt $value 0.9 }}high{{ else if gt $value 0.5 }}mid{{ else }}low{{ end }}", "high"),
        ("{{ if and (eq $labels.job \"node\") (not (eq $labels.instance \"\")) }}yes{{ end }}", "yes"),
        ("{{- /* comment */ -}}  x  {{- \" y\" }}", "x y"),
        ("{{ range $k, $v := $labels }}{{ $k }}={{ $v }},{{ end }}", "instance=web-1:9100,job=node,"),
        ("{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}", "2"),
        ("{{ with $labels.job }}job={{ . }}{{ end }}{{ with $labels.nope }}x{{ else }}none{{ end }}", "job=nodenone"),
        ("{{ len $labels }} {{ index $labels \"job\" }}", "2 node"),
        ("{{ $labels }}", "map[instance:web-1:9100 job:node]"),
        ("{{ reReplaceAll \":.*\" \"\" $labels.instance }}", "web-1"),
        ("{{ $value }}", "0.953"),
    ];
    let env = FuncEnv {
        querier: None,
        timestamp_ms: NOW_MS,
        external_url: "http://prom.example:9090",
    };
    for (text, want) in cases {
        let t = Template::parse_alert("HighLoad", text).unwrap();
        assert_eq!(t.expand_alert(&data, &env), *want, "template {text}");
    }
}

#[test]
fn alert_expansion_errors_are_inlined() {
    let data = alert_data(&[("instance", "web-1")], 1.0);
    let out = expand_alert_text("X", "{{ $labels.instance | humanize }}", &data, 0, None, "");
    assert_eq!(
        out,
        "<error expanding template: error executing template __alert_X: template: __alert_X:1:134: executing \"__alert_X\" at <humanize>: error calling humanize: strconv.ParseFloat: parsing \"web-1\": invalid syntax>"
    );
    let out = expand_alert_text("X", "{{ humanizePercentag $value }}", &data, 0, None, "");
    assert_eq!(
        out,
        "<error expanding template: error parsing template __alert_X: template: __alert_X:1: function \"humanizePercentag\" not defined>"
    );
    assert_eq!(
        check_alert_template("X", "{{ if }}").unwrap_err(),
        "template: __alert_X:1: missing value for if"
    );
    assert!(check_alert_template("X", "{{ $value | humanize }}").is_ok());
}

#[test]
fn large_values_print_like_go() {
    let data = alert_data(&[], 1234567.0);
    let env = FuncEnv {
        querier: None,
        timestamp_ms: 0,
        external_url: "",
    };
    let t = Template::parse_alert(
        "A",
        "{{ $value }} {{ printf \"%g %e %.1f %6.2f|%-6.1f|\" $value $value $value 1.23456 2.5 }}",
    )
    .unwrap();
    assert_eq!(
        t.expand_alert(&data, &env),
        "1.234567e+06 1.234567e+06 1.234567e+06 1234567.0   1.23|2.5   |"
    );
}
