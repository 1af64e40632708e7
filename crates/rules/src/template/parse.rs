//! The template parser: Go `text/template`'s grammar (actions, pipelines, `if`/`range`/
//! `with`/`else if`, `define`/`template`/`block`, variables, `break`/`continue`) with
//! its error messages (`template: NAME:LINE: function "x" not defined`).

use std::collections::HashMap;

use super::ast::{Arg, BranchKind, Command, Node, Pipe};
use super::lex::{lex, Item, ItemKind};
use super::literals::{parse_number, unquote_string};

/// A parsed template and the templates it defines, keyed by name.
#[derive(Clone, Debug)]
pub(crate) struct TemplateSet {
    /// Byte offsets in nodes refer to this text.
    pub text: String,
    pub name: String,
    pub trees: HashMap<String, Vec<Node>>,
}

/// Parses `text` as template `name`; `has_function` says which identifiers are functions.
pub(crate) fn parse(
    name: &str,
    text: &str,
    has_function: &dyn Fn(&str) -> bool,
) -> Result<TemplateSet, String> {
    let mut parser = Parser {
        name: name.to_string(),
        items: lex(text),
        idx: 0,
        lexed: 0,
        vars: vec!["$".to_string()],
        range_depth: 0,
        paren_depth: 0,
        action_line: 0,
        has_function,
        trees: HashMap::new(),
    };
    let root = parser.parse_root()?;
    parser.add_tree(name.to_string(), root)?;
    Ok(TemplateSet {
        text: text.to_string(),
        name: name.to_string(),
        trees: parser.trees,
    })
}

/// What `textOrAction` yields: a node, or the `{{end}}`/`{{else}}` closing a list.
enum Parsed {
    Node(Node),
    End,
    Else,
}

impl Parsed {
    fn describe(&self) -> String {
        match self {
            Parsed::Node(n) => n.to_string(),
            Parsed::End => "{{end}}".into(),
            Parsed::Else => "{{else}}".into(),
        }
    }
}

const MAX_PAREN_DEPTH: usize = 10_000;

struct Parser<'f> {
    name: String,
    items: Vec<Item>,
    idx: usize,
    /// Highest item index read so far: Go reports errors at that token's line.
    lexed: usize,
    vars: Vec<String>,
    range_depth: usize,
    paren_depth: usize,
    action_line: usize,
    has_function: &'f dyn Fn(&str) -> bool,
    trees: HashMap<String, Vec<Node>>,
}

type PResult<T> = Result<T, String>;

fn is_empty_tree(list: &[Node]) -> bool {
    list.iter().all(|n| match n {
        Node::Text { text } => text.trim().is_empty(),
        _ => false,
    })
}

impl Parser<'_> {
    fn item(&self, i: usize) -> Item {
        match self.items.get(i) {
            Some(item) => item.clone(),
            // The lexer always ends with Eof or Error; stay on that last item.
            None => self.items.last().cloned().unwrap_or(Item {
                kind: ItemKind::Eof,
                pos: 0,
                val: String::new(),
                line: 1,
            }),
        }
    }

    fn next(&mut self) -> Item {
        let it = self.item(self.idx);
        self.lexed = self.lexed.max(self.idx);
        if self.idx < self.items.len() - 1 {
            self.idx += 1;
        } else {
            // Past the end: further reads return the final item again.
            self.idx = self.items.len();
        }
        it
    }

    fn backup(&mut self) {
        self.idx = self.idx.saturating_sub(1);
    }

    fn peek(&mut self) -> Item {
        let it = self.next();
        self.backup();
        it
    }

    fn next_non_space(&mut self) -> Item {
        loop {
            let it = self.next();
            if it.kind != ItemKind::Space {
                return it;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item {
        let it = self.next_non_space();
        self.backup();
        it
    }

    fn errorf(&self, message: impl std::fmt::Display) -> String {
        let line = self.item(self.lexed).line;
        format!("template: {}:{}: {}", self.name, line, message)
    }

    fn unexpected(&self, token: &Item, context: &str) -> String {
        if token.kind == ItemKind::Error {
            let mut extra = String::new();
            if self.action_line != 0 && self.action_line != token.line {
                extra = format!(" in action started at {}:{}", self.name, self.action_line);
                if token.val.ends_with(" action") {
                    extra = extra[" in action".len()..].to_string();
                }
            }
            return self.errorf(format!("{token}{extra}"));
        }
        self.errorf(format!("unexpected {token} in {context}"))
    }

    fn expect(&mut self, kind: ItemKind, context: &str) -> PResult<Item> {
        let token = self.next_non_space();
        if token.kind != kind {
            return Err(self.unexpected(&token, context));
        }
        Ok(token)
    }

    fn add_tree(&mut self, name: String, root: Vec<Node>) -> PResult<()> {
        match self.trees.get(&name) {
            Some(existing) if !is_empty_tree(existing) => {
                if !is_empty_tree(&root) {
                    return Err(self.errorf(format!(
                        "template: multiple definition of template {}",
                        promlite_model::go_quote(&name)
                    )));
                }
            }
            _ => {
                self.trees.insert(name, root);
            }
        }
        Ok(())
    }

    fn parse_root(&mut self) -> PResult<Vec<Node>> {
        let mut root = Vec::new();
        while self.peek().kind != ItemKind::Eof {
            if self.peek().kind == ItemKind::LeftDelim {
                let delim_idx = self.idx;
                self.next();
                if self.next_non_space().kind == ItemKind::Define {
                    self.parse_definition()?;
                    continue;
                }
                self.idx = delim_idx;
            }
            match self.text_or_action()? {
                Parsed::Node(n) => root.push(n),
                other => return Err(self.errorf(format!("unexpected {}", other.describe()))),
            }
        }
        Ok(root)
    }

    /// Parses the body of `{{define "name"}}...{{end}}` with a fresh variable scope.
    fn parse_definition(&mut self) -> PResult<()> {
        const CONTEXT: &str = "define clause";
        let token = self.next_non_space();
        if token.kind != ItemKind::String && token.kind != ItemKind::RawString {
            return Err(self.unexpected(&token, CONTEXT));
        }
        let name = unquote_string(&token.val).map_err(|e| self.errorf(e))?;
        self.expect(ItemKind::RightDelim, CONTEXT)?;
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$".to_string()]);
        let saved_depth = std::mem::take(&mut self.range_depth);
        let (list, end) = self.item_list()?;
        self.vars = saved_vars;
        self.range_depth = saved_depth;
        if !matches!(end, Parsed::End) {
            return Err(self.errorf(format!("unexpected {} in {CONTEXT}", end.describe())));
        }
        self.add_tree(name, list)
    }

    fn item_list(&mut self) -> PResult<(Vec<Node>, Parsed)> {
        let mut list = Vec::new();
        while self.peek_non_space().kind != ItemKind::Eof {
            match self.text_or_action()? {
                Parsed::Node(n) => list.push(n),
                closing => return Ok((list, closing)),
            }
        }
        Err(self.errorf("unexpected EOF"))
    }

    fn text_or_action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.kind {
            ItemKind::Text => Ok(Parsed::Node(Node::Text { text: token.val })),
            ItemKind::LeftDelim => {
                self.action_line = token.line;
                let result = self.action();
                self.action_line = 0;
                result
            }
            _ => Err(self.unexpected(&token, "input")),
        }
    }

    fn action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.kind {
            ItemKind::Block => return self.block_control().map(Parsed::Node),
            ItemKind::Break | ItemKind::Continue => {
                let is_break = token.kind == ItemKind::Break;
                let keyword = if is_break {
                    "{{break}}"
                } else {
                    "{{continue}}"
                };
                let next = self.next_non_space();
                if next.kind != ItemKind::RightDelim {
                    return Err(self.unexpected(&next, keyword));
                }
                if self.range_depth == 0 {
                    return Err(self.errorf(format!("{keyword} outside {{{{range}}}}")));
                }
                let pos = token.pos;
                return Ok(Parsed::Node(if is_break {
                    Node::Break { pos }
                } else {
                    Node::Continue { pos }
                }));
            }
            ItemKind::Else => {
                let peek = self.peek_non_space();
                if peek.kind != ItemKind::If && peek.kind != ItemKind::With {
                    self.expect(ItemKind::RightDelim, "else")?;
                }
                return Ok(Parsed::Else);
            }
            ItemKind::End => {
                self.expect(ItemKind::RightDelim, "end")?;
                return Ok(Parsed::End);
            }
            ItemKind::If => return self.branch(BranchKind::If).map(Parsed::Node),
            ItemKind::Range => return self.branch(BranchKind::Range).map(Parsed::Node),
            ItemKind::With => return self.branch(BranchKind::With).map(Parsed::Node),
            ItemKind::Template => return self.template_control().map(Parsed::Node),
            _ => {}
        }
        self.backup();
        let token = self.peek();
        let pipe = self.pipeline("command", ItemKind::RightDelim)?;
        Ok(Parsed::Node(Node::Action {
            pos: token.pos,
            pipe,
        }))
    }

    fn branch(&mut self, kind: BranchKind) -> PResult<Node> {
        let context = match kind {
            BranchKind::If => "if",
            BranchKind::Range => "range",
            BranchKind::With => "with",
        };
        let vars_len = self.vars.len();
        let pipe = self.pipeline(context, ItemKind::RightDelim)?;
        if kind == BranchKind::Range {
            self.range_depth += 1;
        }
        let listed = self.item_list();
        if kind == BranchKind::Range {
            self.range_depth -= 1;
        }
        let (list, next) = listed?;
        let mut else_list = None;
        if let Parsed::Else = next {
            let chained = match kind {
                BranchKind::If if self.peek().kind == ItemKind::If => Some(BranchKind::If),
                BranchKind::With if self.peek().kind == ItemKind::With => Some(BranchKind::With),
                _ => None,
            };
            if let Some(chained) = chained {
                // "{{else if x}}" is "{{else}}{{if x}}...{{end}}{{end}}" sharing one end.
                self.next();
                else_list = Some(vec![self.branch(chained)?]);
            } else {
                let (list, next) = self.item_list()?;
                if !matches!(next, Parsed::End) {
                    return Err(self.errorf(format!("expected end; found {}", next.describe())));
                }
                else_list = Some(list);
            }
        }
        self.vars.truncate(vars_len);
        Ok(Node::Branch {
            kind,
            pos: pipe.pos,
            pipe,
            list,
            else_list,
        })
    }

    fn template_name(&mut self, token: &Item, context: &str) -> PResult<String> {
        match token.kind {
            ItemKind::String | ItemKind::RawString => {
                unquote_string(&token.val).map_err(|e| self.errorf(e))
            }
            _ => Err(self.unexpected(token, context)),
        }
    }

    fn template_control(&mut self) -> PResult<Node> {
        const CONTEXT: &str = "template clause";
        let token = self.next_non_space();
        let name = self.template_name(&token, CONTEXT)?;
        let mut pipe = None;
        if self.next_non_space().kind != ItemKind::RightDelim {
            self.backup();
            pipe = Some(self.pipeline(CONTEXT, ItemKind::RightDelim)?);
        }
        Ok(Node::Template {
            pos: token.pos,
            name,
            pipe,
        })
    }

    fn block_control(&mut self) -> PResult<Node> {
        const CONTEXT: &str = "block clause";
        let token = self.next_non_space();
        let name = self.template_name(&token, CONTEXT)?;
        let pipe = self.pipeline(CONTEXT, ItemKind::RightDelim)?;
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$".to_string()]);
        let saved_depth = std::mem::take(&mut self.range_depth);
        let listed = self.item_list();
        self.vars = saved_vars;
        self.range_depth = saved_depth;
        let (list, end) = listed?;
        if !matches!(end, Parsed::End) {
            return Err(self.errorf(format!("unexpected {} in {CONTEXT}", end.describe())));
        }
        self.add_tree(name.clone(), list)?;
        Ok(Node::Template {
            pos: token.pos,
            name,
            pipe: Some(pipe),
        })
    }

    fn pipeline(&mut self, context: &str, end: ItemKind) -> PResult<Pipe> {
        let token = self.peek_non_space();
        let mut pipe = Pipe {
            pos: token.pos,
            is_assign: false,
            decl: Vec::new(),
            cmds: Vec::new(),
        };
        'decls: loop {
            let v = self.peek_non_space();
            if v.kind != ItemKind::Variable {
                break;
            }
            let v_idx = self.idx;
            self.next();
            let next = self.peek_non_space();
            match next.kind {
                ItemKind::Assign | ItemKind::Declare => {
                    pipe.is_assign = next.kind == ItemKind::Assign;
                    self.next_non_space();
                    pipe.decl.push((v.pos, v.val.clone()));
                    self.vars.push(v.val);
                }
                ItemKind::Char if next.val == "," => {
                    self.next_non_space();
                    pipe.decl.push((v.pos, v.val.clone()));
                    self.vars.push(v.val);
                    if context == "range" && pipe.decl.len() < 2 {
                        match self.peek_non_space().kind {
                            ItemKind::Variable | ItemKind::RightDelim | ItemKind::RightParen => {
                                continue 'decls;
                            }
                            _ => return Err(self.errorf("range can only initialize variables")),
                        }
                    }
                    return Err(self.errorf(format!("too many declarations in {context}")));
                }
                _ => self.idx = v_idx,
            }
            break;
        }
        loop {
            let token = self.next_non_space();
            match token.kind {
                k if k == end => {
                    self.check_pipeline(&pipe, context)?;
                    return Ok(pipe);
                }
                ItemKind::Bool
                | ItemKind::CharConstant
                | ItemKind::Complex
                | ItemKind::Dot
                | ItemKind::Field
                | ItemKind::Identifier
                | ItemKind::Number
                | ItemKind::Nil
                | ItemKind::RawString
                | ItemKind::String
                | ItemKind::Variable
                | ItemKind::LeftParen => {
                    self.backup();
                    let cmd = self.command()?;
                    pipe.cmds.push(cmd);
                }
                _ => return Err(self.unexpected(&token, context)),
            }
        }
    }

    fn check_pipeline(&self, pipe: &Pipe, context: &str) -> PResult<()> {
        if pipe.cmds.is_empty() {
            return Err(self.errorf(format!("missing value for {context}")));
        }
        for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
            if matches!(
                c.args.first(),
                Some(Arg::Bool { .. } | Arg::Dot { .. } | Arg::Nil { .. })
                    | Some(Arg::Number { .. } | Arg::Str { .. })
            ) {
                return Err(self.errorf(format!(
                    "non executable command in pipeline stage {}",
                    i + 1
                )));
            }
        }
        Ok(())
    }

    fn command(&mut self) -> PResult<Command> {
        let pos = self.peek_non_space().pos;
        let mut cmd = Command {
            pos,
            args: Vec::new(),
        };
        loop {
            self.peek_non_space();
            if let Some(operand) = self.operand()? {
                cmd.args.push(operand);
            }
            let token = self.next();
            match token.kind {
                ItemKind::Space => continue,
                ItemKind::RightDelim | ItemKind::RightParen => self.backup(),
                ItemKind::Pipe => {}
                _ => return Err(self.unexpected(&token, "operand")),
            }
            break;
        }
        if cmd.args.is_empty() {
            return Err(self.errorf("empty command"));
        }
        Ok(cmd)
    }

    fn operand(&mut self) -> PResult<Option<Arg>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().kind != ItemKind::Field {
            return Ok(Some(node));
        }
        let chain_pos = self.peek().pos;
        let mut fields = Vec::new();
        while self.peek().kind == ItemKind::Field {
            let f = self.next();
            fields.push(f.val[1..].to_string());
        }
        // Fields after a field or variable extend it (Go keeps the chain's position).
        Ok(Some(match node {
            Arg::Field { mut idents, .. } => {
                idents.extend(fields);
                Arg::Field {
                    pos: chain_pos,
                    idents,
                }
            }
            Arg::Variable { mut idents, .. } => {
                idents.extend(fields);
                Arg::Variable {
                    pos: chain_pos,
                    idents,
                }
            }
            Arg::Bool { .. }
            | Arg::Str { .. }
            | Arg::Number { .. }
            | Arg::Nil { .. }
            | Arg::Dot { .. } => {
                return Err(self.errorf(format!(
                    "unexpected . after term {}",
                    promlite_model::go_quote(&node.to_string())
                )))
            }
            other => Arg::Chain {
                pos: chain_pos,
                node: Box::new(other),
                fields,
            },
        }))
    }

    fn term(&mut self) -> PResult<Option<Arg>> {
        let token = self.next_non_space();
        let pos = token.pos;
        Ok(Some(match token.kind {
            ItemKind::Identifier => {
                if !(self.has_function)(&token.val) {
                    return Err(self.errorf(format!(
                        "function {} not defined",
                        promlite_model::go_quote(&token.val)
                    )));
                }
                Arg::Identifier {
                    pos,
                    name: token.val,
                }
            }
            ItemKind::Dot => Arg::Dot { pos },
            ItemKind::Nil => Arg::Nil { pos },
            ItemKind::Variable => {
                if !self.vars.contains(&token.val) {
                    return Err(self.errorf(format!(
                        "undefined variable {}",
                        promlite_model::go_quote(&token.val)
                    )));
                }
                Arg::Variable {
                    pos,
                    idents: vec![token.val],
                }
            }
            ItemKind::Field => Arg::Field {
                pos,
                idents: token.val[1..].split('.').map(str::to_string).collect(),
            },
            ItemKind::Bool => Arg::Bool {
                pos,
                value: token.val == "true",
            },
            ItemKind::CharConstant | ItemKind::Complex | ItemKind::Number => {
                let literal = parse_number(&token.val, token.kind == ItemKind::CharConstant)
                    .map_err(|e| self.errorf(e))?;
                Arg::Number { pos, literal }
            }
            ItemKind::LeftParen => {
                if self.paren_depth >= MAX_PAREN_DEPTH {
                    return Err(self.errorf("max expression depth exceeded"));
                }
                self.paren_depth += 1;
                let pipe = self.pipeline("parenthesized pipeline", ItemKind::RightParen);
                self.paren_depth -= 1;
                Arg::Pipe(Box::new(pipe?))
            }
            ItemKind::String | ItemKind::RawString => {
                let text = unquote_string(&token.val).map_err(|e| self.errorf(e))?;
                Arg::Str {
                    pos,
                    quoted: token.val,
                    text,
                }
            }
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn funcs(name: &str) -> bool {
        matches!(name, "humanize" | "printf" | "eq" | "len")
    }

    fn err(text: &str) -> String {
        parse("test", text, &funcs).unwrap_err()
    }

    #[test]
    fn parse_errors_read_like_go() {
        assert_eq!(err("{{"), "template: test:1: unclosed action");
        assert_eq!(
            err("{{ nope 1 }}"),
            "template: test:1: function \"nope\" not defined"
        );
        assert_eq!(
            err("{{ $x }}"),
            "template: test:1: undefined variable \"$x\""
        );
        assert_eq!(err("{{ if 1 }}x"), "template: test:1: unexpected EOF");
        assert_eq!(err("a\n{{ end }}"), "template: test:2: unexpected {{end}}");
        assert_eq!(
            err("{{ 1 | 2 }}"),
            "template: test:1: non executable command in pipeline stage 2"
        );
        assert_eq!(err("{{ }}"), "template: test:1: missing value for command");
        assert_eq!(
            err("{{ break }}"),
            "template: test:1: {{break}} outside {{range}}"
        );
    }

    #[test]
    fn parses_control_structures_and_prints_them_back() {
        let set = parse(
            "t",
            "{{ $v := 1 }}{{ if eq $v 1 }}a{{ else if eq $v 2 }}b{{ else }}c{{ end }}",
            &funcs,
        )
        .unwrap();
        let root = &set.trees["t"];
        assert_eq!(root.len(), 2);
        assert_eq!(
            root[1].to_string(),
            "{{if eq $v 1}}a{{else}}{{if eq $v 2}}b{{else}}c{{end}}{{end}}"
        );
        let set = parse("t", "{{define \"x\"}}X{{end}}{{template \"x\" .}}", &funcs).unwrap();
        assert!(set.trees.contains_key("x"));
    }
}
