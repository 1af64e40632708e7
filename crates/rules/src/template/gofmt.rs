//! Go's `fmt` for template values: `Sprint`, `Sprintln`, `Sprintf` with the verbs rule
//! authors use (`%s %d %f %.2f %v %q %x %g %e %t %c %%`, width, precision, flags) and
//! Go's error forms (`%!d(string=x)`, `%!s(MISSING)`, `%!(EXTRA ...)`).

use super::gotime;
use super::value::Value;

/// Formats a float the way Go's `strconv.FormatFloat` does for verb `e`, `E`, `f`, `F`,
/// `g`, `G` with `prec` (`None` = shortest round-trip representation).
pub fn format_float(v: f64, verb: char, prec: Option<usize>) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let neg = v.is_sign_negative();
    let a = v.abs();
    let body = match verb {
        'f' | 'F' => match prec {
            Some(p) => format!("{a:.p$}"),
            None => {
                let (digits, dp) = shortest_digits(a);
                fixed_from_digits(&digits, dp, digits.len().saturating_sub(dp.max(0) as usize))
            }
        },
        'e' | 'E' => {
            let (digits, dp) = match prec {
                Some(p) => precision_digits(a, p + 1),
                None => shortest_digits(a),
            };
            let p = prec.unwrap_or(digits.len().saturating_sub(1));
            exp_from_digits(&digits, dp, p, verb)
        }
        _ => {
            // 'g' / 'G'
            let shortest = prec.is_none();
            let mut p = match prec {
                Some(0) => 1,
                Some(p) => p,
                None => 0,
            };
            let (digits, dp) = if shortest {
                shortest_digits(a)
            } else {
                precision_digits(a, p)
            };
            let nd = digits.len() as i64;
            let dpi = dp as i64;
            let mut eprec = if shortest { 6 } else { p as i64 };
            if !shortest && eprec > nd && nd >= dpi {
                eprec = nd;
            }
            if shortest {
                p = digits.len();
            }
            let exp = dpi - 1;
            let e_verb = if verb == 'G' { 'E' } else { 'e' };
            if exp < -4 || exp >= eprec {
                let p = p.min(digits.len());
                exp_from_digits(&digits, dp, p.saturating_sub(1), e_verb)
            } else {
                let p = if p as i64 > dpi { digits.len() } else { p };
                fixed_from_digits(&digits, dp, (p as i64 - dpi).max(0) as usize)
            }
        }
    };
    if neg {
        format!("-{body}")
    } else {
        body
    }
}

/// Shortest round-trip decimal digits of `a` (>= 0) and the decimal point position.
fn shortest_digits(a: f64) -> (String, i32) {
    split_exp(&format!("{a:e}"))
}

/// `n` significant digits of `a`, correctly rounded, trailing zeros trimmed.
fn precision_digits(a: f64, n: usize) -> (String, i32) {
    let n = n.max(1);
    let (digits, dp) = split_exp(&format!("{a:.prec$e}", prec = n - 1));
    let trimmed = digits.trim_end_matches('0');
    if trimmed.is_empty() {
        ("0".into(), 1)
    } else {
        (trimmed.to_string(), dp)
    }
}

/// Splits Rust's `d.ddde±x` into ("dddd", decimal point position).
fn split_exp(s: &str) -> (String, i32) {
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    if digits.chars().all(|c| c == '0') {
        return ("0".into(), 1);
    }
    (digits, exp + 1)
}

fn fixed_from_digits(digits: &str, dp: i32, frac: usize) -> String {
    let d = digits.as_bytes();
    let mut out = String::new();
    if dp > 0 {
        for i in 0..dp as usize {
            out.push(d.get(i).map_or('0', |b| *b as char));
        }
    } else {
        out.push('0');
    }
    if frac > 0 {
        out.push('.');
        for i in 0..frac as i64 {
            let idx = dp as i64 + i;
            let c = if idx < 0 {
                '0'
            } else {
                d.get(idx as usize).map_or('0', |b| *b as char)
            };
            out.push(c);
        }
    }
    out
}

fn exp_from_digits(digits: &str, dp: i32, prec: usize, verb: char) -> String {
    let d = digits.as_bytes();
    let mut out = String::new();
    out.push(d.first().map_or('0', |b| *b as char));
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            out.push(d.get(i).map_or('0', |b| *b as char));
        }
    }
    let exp = if digits == "0" { 0 } else { dp - 1 };
    out.push(if verb == 'E' { 'E' } else { 'e' });
    out.push(if exp < 0 { '-' } else { '+' });
    let abs = exp.unsigned_abs();
    if abs < 10 {
        out.push('0');
    }
    out.push_str(&abs.to_string());
    out
}

/// Go's `%x` for floats: `0x1.8p+01`.
fn hex_float(v: f64, upper: bool) -> String {
    if v.is_nan() || v.is_infinite() {
        return format_float(v, 'g', None);
    }
    let neg = v.is_sign_negative();
    let bits = v.abs().to_bits();
    let mut exp = ((bits >> 52) & 0x7ff) as i64;
    let mut mant = bits & ((1u64 << 52) - 1);
    let body = if exp == 0 && mant == 0 {
        "0x0p+00".to_string()
    } else {
        if exp == 0 {
            // Subnormal: normalise.
            while mant & (1u64 << 52) == 0 {
                mant <<= 1;
                exp -= 1;
            }
            mant &= (1u64 << 52) - 1;
            exp += 1;
        }
        let e = exp - 1023;
        let mut hex = format!("{mant:013x}");
        while hex.ends_with('0') {
            hex.pop();
        }
        let frac = if hex.is_empty() {
            String::new()
        } else {
            format!(".{hex}")
        };
        let sign = if e < 0 { '-' } else { '+' };
        format!("0x1{frac}p{sign}{:02}", e.abs())
    };
    let body = if neg { format!("-{body}") } else { body };
    if upper {
        body.to_uppercase()
    } else {
        body
    }
}

/// Flags and sizes of one `%` directive.
#[derive(Clone, Copy, Default)]
struct Spec {
    plus: bool,
    minus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    width: Option<usize>,
    prec: Option<usize>,
    plus_v: bool,
}

impl Spec {
    fn pad(&self, s: &str) -> String {
        let len = s.chars().count();
        let Some(w) = self.width.filter(|w| *w > len) else {
            return s.to_string();
        };
        let fill = w - len;
        if self.minus {
            format!("{s}{}", " ".repeat(fill))
        } else if self.zero {
            // Zero padding goes after a sign.
            match s.strip_prefix(['-', '+', ' ']) {
                Some(rest) => format!("{}{}{rest}", &s[..1], "0".repeat(fill)),
                None => format!("{}{s}", "0".repeat(fill)),
            }
        } else {
            format!("{}{s}", " ".repeat(fill))
        }
    }
}

/// `fmt.Sprint`: spaces between operands when neither side is a string.
pub fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    let mut prev_string = false;
    for (i, a) in args.iter().enumerate() {
        let is_string = matches!(a, Value::Str(_) | Value::Html(_));
        if i > 0 && !is_string && !prev_string {
            out.push(' ');
        }
        out.push_str(&format_value(a, 'v', &Spec::default()));
        prev_string = is_string;
    }
    out
}

/// `fmt.Sprintln`: always spaces between operands, and a final newline.
pub fn sprintln(args: &[Value]) -> String {
    let parts: Vec<String> = args
        .iter()
        .map(|a| format_value(a, 'v', &Spec::default()))
        .collect();
    format!("{}\n", parts.join(" "))
}

/// The `%v` text of a value, as `fmt.Fprint` writes it.
pub fn print_value(v: &Value) -> String {
    format_value(v, 'v', &Spec::default())
}

fn bad_verb(v: &Value, verb: char) -> String {
    match v {
        Value::Nil => format!("%!{verb}(<nil>)"),
        _ => format!(
            "%!{verb}({}={})",
            v.type_name(),
            format_value(v, 'v', &Spec::default())
        ),
    }
}

fn format_int(i: i128, verb: char, spec: &Spec, v: &Value) -> String {
    let neg = i < 0;
    let a = i.unsigned_abs();
    let mut digits = match verb {
        'd' | 'v' => a.to_string(),
        'x' => format!("{a:x}"),
        'X' => format!("{a:X}"),
        'o' | 'O' => format!("{a:o}"),
        'b' => format!("{a:b}"),
        'c' => return spec.pad(&char::from_u32(i as u32).unwrap_or('\u{fffd}').to_string()),
        'q' => {
            let c = char::from_u32(i as u32).unwrap_or('\u{fffd}');
            return spec.pad(&promlite_model::go_quote_with(&c.to_string(), '\''));
        }
        'U' => return spec.pad(&format!("U+{:04X}", i)),
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' | 's' | 't' => return bad_verb(v, verb),
        _ => return bad_verb(v, verb),
    };
    if let Some(p) = spec.prec {
        while digits.len() < p {
            digits.insert(0, '0');
        }
    }
    if spec.sharp {
        match verb {
            'x' => digits.insert_str(0, "0x"),
            'X' => digits.insert_str(0, "0X"),
            'o' => digits.insert(0, '0'),
            'b' => digits.insert_str(0, "0b"),
            _ => {}
        }
    }
    if verb == 'O' {
        digits.insert_str(0, "0o");
    }
    let sign = if neg {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    };
    let mut s = spec;
    let owned;
    if spec.prec.is_some() {
        // Go ignores the zero flag when a precision is given for integers.
        owned = Spec {
            zero: false,
            ..*spec
        };
        s = &owned;
    }
    s.pad(&format!("{sign}{digits}"))
}

fn format_float_verb(f: f64, verb: char, spec: &Spec, v: &Value) -> String {
    let (fverb, default_prec) = match verb {
        'v' => ('g', None),
        'e' | 'E' | 'f' | 'F' => (verb, Some(6)),
        'g' | 'G' => (verb, None),
        'x' | 'X' => return spec.pad(&hex_float(f, verb == 'X')),
        _ => return bad_verb(v, verb),
    };
    let mut num = format_float(f, fverb, spec.prec.or(default_prec));
    if f.is_nan() {
        if spec.plus {
            num = "+NaN".into();
        } else if spec.space {
            num = " NaN".into();
        }
        return Spec {
            zero: false,
            ..*spec
        }
        .pad(&num);
    }
    if f.is_infinite() {
        if f > 0.0 && !spec.plus {
            num = if spec.space {
                " Inf".into()
            } else {
                "+Inf".into()
            };
        }
        return Spec {
            zero: false,
            ..*spec
        }
        .pad(&num);
    }
    if !num.starts_with('-') {
        if spec.plus {
            num.insert(0, '+');
        } else if spec.space {
            num.insert(0, ' ');
        }
    }
    spec.pad(&num)
}

fn format_str(s: &str, verb: char, spec: &Spec, v: &Value) -> String {
    let truncated: String = match spec.prec {
        Some(p) => s.chars().take(p).collect(),
        None => s.to_string(),
    };
    match verb {
        'v' | 's' => spec.pad(&truncated),
        'q' => {
            if spec.sharp && !truncated.contains('`') && !truncated.contains('\n') {
                spec.pad(&format!("`{truncated}`"))
            } else {
                spec.pad(&promlite_model::go_quote(&truncated))
            }
        }
        'x' | 'X' => {
            let sep = if spec.space { " " } else { "" };
            let parts: Vec<String> = truncated
                .bytes()
                .map(|b| {
                    if verb == 'x' {
                        format!("{b:02x}")
                    } else {
                        format!("{b:02X}")
                    }
                })
                .collect();
            spec.pad(&parts.join(sep))
        }
        _ => bad_verb(v, verb),
    }
}

/// Formats one value for one verb (maps, slices and structs recurse).
fn format_value(v: &Value, verb: char, spec: &Spec) -> String {
    if verb == 'T' {
        return spec.pad(&v.type_name());
    }
    match v {
        Value::Nil => match verb {
            'v' => spec.pad("<nil>"),
            _ => bad_verb(v, verb),
        },
        Value::Bool(b) => match verb {
            'v' | 't' => spec.pad(&b.to_string()),
            _ => bad_verb(v, verb),
        },
        Value::Int(i) | Value::Int64(i) => format_int(i128::from(*i), verb, spec, v),
        Value::Uint64(u) => format_int(i128::from(*u), verb, spec, v),
        Value::Float(f) => format_float_verb(*f, verb, spec, v),
        Value::Str(s) | Value::Html(s) => format_str(s, verb, spec, v),
        Value::Time(ns) => match verb {
            'v' | 's' | 'q' | 'x' | 'X' => format_str(&gotime::time_string(*ns), verb, spec, v),
            _ => bad_verb(v, verb),
        },
        Value::Duration(d) => match verb {
            'v' | 's' | 'q' | 'x' | 'X' => format_str(&gotime::duration_string(*d), verb, spec, v),
            _ => format_int(i128::from(*d), verb, spec, v),
        },
        Value::StrMap(m) => {
            let items: Vec<String> = m
                .iter()
                .map(|(k, val)| {
                    format!(
                        "{}:{}",
                        format_str(k, verb, &Spec::default(), &Value::str(k.as_str())),
                        format_str(val, verb, &Spec::default(), &Value::str(val.as_str()))
                    )
                })
                .collect();
            format!("map[{}]", items.join(" "))
        }
        Value::AnyMap(m) => {
            let items: Vec<String> = m
                .iter()
                .map(|(k, val)| {
                    format!(
                        "{}:{}",
                        format_str(k, verb, &Spec::default(), &Value::str(k.as_str())),
                        format_value(val, verb, &Spec::default())
                    )
                })
                .collect();
            format!("map[{}]", items.join(" "))
        }
        Value::Alert(a) => {
            let field = |name: &str, text: String| {
                if spec.plus_v {
                    format!("{name}:{text}")
                } else {
                    text
                }
            };
            let labels = Value::StrMap(a.labels.clone().into());
            let ext = Value::StrMap(a.external_labels.clone().into());
            let inner = Spec::default();
            format!(
                "{{{} {} {} {}}}",
                field("Labels", format_value(&labels, verb, &inner)),
                field("ExternalLabels", format_value(&ext, verb, &inner)),
                field(
                    "ExternalURL",
                    format_str(&a.external_url, verb, &inner, &Value::Nil)
                ),
                field("Value", format_value(&Value::Float(a.value), verb, &inner)),
            )
        }
        Value::Sample(None) => spec.pad("<nil>"),
        Value::Sample(Some(s)) => {
            let labels = Value::StrMap(s.labels.clone().into());
            let inner = Spec::default();
            let (l, val) = if spec.plus_v {
                ("Labels:", "Value:")
            } else {
                ("", "")
            };
            format!(
                "&{{{l}{} {val}{}}}",
                format_value(&labels, verb, &inner),
                format_value(&Value::Float(s.value), verb, &inner)
            )
        }
        Value::QueryResult(items) => {
            let parts: Vec<String> = items
                .iter()
                .map(|s| format_value(&Value::Sample(Some(s.clone())), verb, spec))
                .collect();
            format!("[{}]", parts.join(" "))
        }
        Value::Slice { items, .. } => {
            let parts: Vec<String> = items
                .iter()
                .map(|s| format_value(s, verb, &Spec::default()))
                .collect();
            format!("[{}]", parts.join(" "))
        }
    }
}

/// `fmt.Sprintf(format, args...)`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let mut arg_num = 0usize;
    let mut reordered = false;
    let mut chars = format.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = Spec::default();
        // Flags.
        while let Some(&(_, f)) = chars.peek() {
            match f {
                '+' => spec.plus = true,
                '-' => spec.minus = true,
                '#' => spec.sharp = true,
                ' ' => spec.space = true,
                '0' => spec.zero = !spec.minus,
                _ => break,
            }
            chars.next();
        }
        // Explicit argument index, width.
        if let Some(n) = parse_arg_index(&mut chars) {
            arg_num = n;
            reordered = true;
        }
        if chars.peek().map(|p| p.1) == Some('*') {
            chars.next();
            match args.get(arg_num) {
                Some(Value::Int(w)) | Some(Value::Int64(w)) => {
                    if *w < 0 {
                        spec.minus = true;
                        spec.zero = false;
                    }
                    spec.width = Some(w.unsigned_abs() as usize);
                }
                _ => out.push_str("%!(BADWIDTH)"),
            }
            arg_num += 1;
        } else {
            spec.width = parse_num(&mut chars);
        }
        if chars.peek().map(|p| p.1) == Some('.') {
            chars.next();
            if let Some(n) = parse_arg_index(&mut chars) {
                arg_num = n;
                reordered = true;
            }
            if chars.peek().map(|p| p.1) == Some('*') {
                chars.next();
                match args.get(arg_num) {
                    Some(Value::Int(p)) | Some(Value::Int64(p)) if *p >= 0 => {
                        spec.prec = Some(*p as usize)
                    }
                    _ => out.push_str("%!(BADPREC)"),
                }
                arg_num += 1;
            } else {
                spec.prec = Some(parse_num(&mut chars).unwrap_or(0));
            }
        }
        if let Some(n) = parse_arg_index(&mut chars) {
            arg_num = n;
            reordered = true;
        }
        let Some((_, verb)) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(arg_num) else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        arg_num += 1;
        if verb == 'v' && spec.plus {
            spec.plus_v = true;
            spec.plus = false;
        }
        out.push_str(&format_value(arg, verb, &spec));
    }
    if !reordered && arg_num < args.len() {
        out.push_str("%!(EXTRA ");
        let extra: Vec<String> = args[arg_num..]
            .iter()
            .map(|a| match a {
                Value::Nil => "<nil>".to_string(),
                _ => format!("{}={}", a.type_name(), print_value(a)),
            })
            .collect();
        out.push_str(&extra.join(", "));
        out.push(')');
    }
    out
}

fn parse_num(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>) -> Option<usize> {
    let mut n: Option<usize> = None;
    while let Some(&(_, d)) = chars.peek() {
        let Some(digit) = d.to_digit(10) else { break };
        n = Some(
            n.unwrap_or(0)
                .saturating_mul(10)
                .saturating_add(digit as usize),
        );
        chars.next();
    }
    n
}

/// `[n]` explicit argument index (1-based in the format, 0-based here).
fn parse_arg_index(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>) -> Option<usize> {
    if chars.peek().map(|p| p.1) != Some('[') {
        return None;
    }
    let mut probe = chars.clone();
    probe.next();
    let n = parse_num(&mut probe)?;
    if probe.next().map(|p| p.1) != Some(']') || n == 0 {
        return None;
    }
    *chars = probe;
    Some(n - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(v: f64, verb: char, prec: Option<usize>) -> String {
        format_float(v, verb, prec)
    }

    #[test]
    fn floats_print_like_go() {
        assert_eq!(f(1.0, 'g', None), "1");
        assert_eq!(f(1234567.0, 'g', None), "1.234567e+06");
        assert_eq!(f(123456.0, 'g', None), "123456");
        assert_eq!(f(0.0001, 'g', None), "0.0001");
        assert_eq!(f(0.00001, 'g', None), "1e-05");
        assert_eq!(f(1353755652.0, 'g', None), "1.353755652e+09");
        assert_eq!(f(1.2345, 'g', Some(4)), "1.234");
        assert_eq!(f(120.0, 'g', Some(4)), "120");
        assert_eq!(f(5.12, 'g', Some(4)), "5.12");
        assert_eq!(f(123456700.0, 'g', Some(4)), "1.235e+08");
        assert_eq!(f(0.0, 'g', Some(4)), "0");
        assert_eq!(f(-22.222, 'g', Some(4)), "-22.22");
        assert_eq!(f(3720.01, 'f', Some(2)), "3720.01");
        assert_eq!(f(1.0, 'e', Some(3)), "1.000e+00");
        assert_eq!(f(f64::INFINITY, 'g', Some(4)), "+Inf");
    }

    #[test]
    fn sprintf_matches_go_verbs_and_errors() {
        let s = |x: &str| Value::str(x);
        assert_eq!(sprintf("%s=%d", &[s("a"), Value::Int(3)]), "a=3");
        assert_eq!(sprintf("%.2f", &[Value::Float(1.23456)]), "1.23");
        assert_eq!(
            sprintf("%5.1f|%-4d|", &[Value::Float(2.25), Value::Int(7)]),
            "  2.2|7   |"
        );
        assert_eq!(sprintf("%q", &[s("a\"b")]), "\"a\\\"b\"");
        assert_eq!(sprintf("%x %X", &[Value::Int(255), s("hi")]), "ff 6869");
        assert_eq!(
            sprintf("%v %g", &[Value::Float(0.5), Value::Float(1e21)]),
            "0.5 1e+21"
        );
        assert_eq!(sprintf("%d", &[s("x")]), "%!d(string=x)");
        assert_eq!(sprintf("%s %s", &[s("x")]), "x %!s(MISSING)");
        assert_eq!(sprintf("%s", &[s("x"), Value::Int(1)]), "x%!(EXTRA int=1)");
        assert_eq!(
            sprintf("%05d %+d %%", &[Value::Int(-42), Value::Int(5)]),
            "-0042 +5 %"
        );
        assert_eq!(
            sprintf("%t %v", &[Value::Bool(true), Value::Nil]),
            "true <nil>"
        );
        assert_eq!(sprintf("%[2]s %[1]s", &[s("a"), s("b")]), "b a");
        assert_eq!(
            sprint(&[Value::Int(1), Value::Int(2), s("a"), Value::Int(3)]),
            "1 2a3"
        );
    }
}
