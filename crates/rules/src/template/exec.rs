//! The template executor: walks the parse tree with Go `text/template`'s semantics
//! (pipelines, variables, `if`/`range`/`with`, field and map access with
//! `missingkey=zero`, typed function arguments) and reports errors at the same node
//! Go does: `template: NAME:LINE:COL: executing "NAME" at <NODE>: MESSAGE`.

use std::sync::Arc;

use super::ast::{Arg, BranchKind, Command, Node, NodeRef, Pipe};
use super::funcs::{self, FuncEnv, Param, Signature};
use super::gofmt;
use super::parse::TemplateSet;
use super::value::Value;

/// How many nested `{{template}}` calls may run; deeper recursion is an error.
const MAX_EXEC_DEPTH: usize = 1000;

/// Why a walk stopped early.
pub(crate) enum Stop {
    Error(String),
    Break,
    Continue,
}

impl From<String> for Stop {
    fn from(s: String) -> Stop {
        Stop::Error(s)
    }
}

type EResult<T> = Result<T, Stop>;

pub(crate) struct Exec<'a> {
    set: &'a TemplateSet,
    env: &'a FuncEnv<'a>,
    out: String,
    /// The node being evaluated, for error messages (Go's `state.node`).
    node: Option<NodeRef<'a>>,
    vars: Vec<(String, Value)>,
    depth: usize,
    /// Name of the template being executed (changes inside `{{template}}`).
    current: String,
}

/// Executes the set's root template with `data` as dot.
pub(crate) fn execute(set: &TemplateSet, env: &FuncEnv<'_>, data: Value) -> Result<String, String> {
    let mut exec = Exec {
        set,
        env,
        out: String::new(),
        node: None,
        vars: vec![("$".to_string(), data.clone())],
        depth: 0,
        current: set.name.clone(),
    };
    let Some(root) = set.trees.get(&set.name) else {
        return Err(format!(
            "template: {}: {} is an incomplete or empty template",
            set.name,
            promlite_model::go_quote(&set.name)
        ));
    };
    match exec.walk_list(&data, root) {
        Ok(()) => Ok(exec.out),
        Err(Stop::Error(e)) => Err(e),
        // The parser rejects break/continue outside range.
        Err(Stop::Break | Stop::Continue) => Ok(exec.out),
    }
}

impl<'a> Exec<'a> {
    fn at(&mut self, node: NodeRef<'a>) {
        self.node = Some(node);
    }

    fn errorf(&self, message: impl std::fmt::Display) -> Stop {
        let name = self.current.replace('%', "%%");
        let Some(node) = self.node else {
            return Stop::Error(format!("template: {name}: {message}"));
        };
        let pos = node.pos().min(self.set.text.len());
        let before = self.set.text.get(..pos).unwrap_or("");
        let (line, col) = match before.rfind('\n') {
            None => (1, pos),
            Some(nl) => (1 + before.matches('\n').count(), pos - (nl + 1)),
        };
        let context = node.to_string().replace('%', "%%");
        Stop::Error(format!(
            "template: {}:{line}:{col}: executing {} at <{context}>: {message}",
            self.set.name,
            promlite_model::go_quote(&name)
        ))
    }

    fn walk_list(&mut self, dot: &Value, list: &'a [Node]) -> EResult<()> {
        for node in list {
            self.walk(dot, node)?;
        }
        Ok(())
    }

    fn walk(&mut self, dot: &Value, node: &'a Node) -> EResult<()> {
        self.at(NodeRef::Node(node));
        match node {
            Node::Text { text } => self.out.push_str(text),
            Node::Action { pipe, .. } => {
                let value = self.eval_pipeline(dot, pipe)?;
                if pipe.decl.is_empty() {
                    self.at(NodeRef::Node(node));
                    let text = printable(&value);
                    self.out.push_str(&text);
                }
            }
            Node::Branch {
                kind: BranchKind::Range,
                pipe,
                list,
                else_list,
                ..
            } => self.walk_range(dot, node, pipe, list, else_list.as_deref())?,
            Node::Branch {
                kind,
                pipe,
                list,
                else_list,
                ..
            } => {
                let mark = self.vars.len();
                let value = self.eval_pipeline(dot, pipe)?;
                let result = if value.is_true() {
                    let inner_dot = if *kind == BranchKind::With {
                        value
                    } else {
                        dot.clone()
                    };
                    self.walk_list(&inner_dot, list)
                } else if let Some(else_list) = else_list {
                    self.walk_list(dot, else_list)
                } else {
                    Ok(())
                };
                self.vars.truncate(mark);
                result?;
            }
            Node::Template { name, pipe, .. } => {
                let Some(tree) = self.set.trees.get(name) else {
                    return Err(self.errorf(format!(
                        "template {} not defined",
                        promlite_model::go_quote(name)
                    )));
                };
                if self.depth >= MAX_EXEC_DEPTH {
                    return Err(self.errorf(format!(
                        "exceeded maximum template depth ({MAX_EXEC_DEPTH})"
                    )));
                }
                let new_dot = match pipe {
                    Some(p) => self.eval_pipeline(dot, p)?,
                    None => Value::Nil,
                };
                let saved_vars =
                    std::mem::replace(&mut self.vars, vec![("$".to_string(), new_dot.clone())]);
                let saved_name = std::mem::replace(&mut self.current, name.clone());
                self.depth += 1;
                let result = self.walk_list(&new_dot, tree);
                self.depth -= 1;
                self.vars = saved_vars;
                self.current = saved_name;
                result?;
            }
            Node::Break { .. } => return Err(Stop::Break),
            Node::Continue { .. } => return Err(Stop::Continue),
        }
        Ok(())
    }

    fn walk_range(
        &mut self,
        dot: &Value,
        node: &'a Node,
        pipe: &'a Pipe,
        list: &'a [Node],
        else_list: Option<&'a [Node]>,
    ) -> EResult<()> {
        self.at(NodeRef::Node(node));
        let outer_mark = self.vars.len();
        let result = self.walk_range_inner(dot, pipe, list, else_list);
        self.vars.truncate(outer_mark);
        match result {
            Err(Stop::Break) => Ok(()),
            other => other,
        }
    }

    fn walk_range_inner(
        &mut self,
        dot: &Value,
        pipe: &'a Pipe,
        list: &'a [Node],
        else_list: Option<&'a [Node]>,
    ) -> EResult<()> {
        let value = self.eval_pipeline(dot, pipe)?;
        let mark = self.vars.len();
        let Some(items) = value.range_items() else {
            return Err(self.errorf(format!(
                "range can't iterate over {}",
                gofmt::print_value(&value)
            )));
        };
        if matches!(value, Value::Int(_) | Value::Int64(_)) && pipe.decl.len() > 1 {
            return Err(self.errorf(format!(
                "can't use {} to iterate over more than one variable",
                gofmt::print_value(&value)
            )));
        }
        if items.is_empty() {
            if let Some(else_list) = else_list {
                return self.walk_list(dot, else_list);
            }
            return Ok(());
        }
        for (index, elem) in items {
            if !pipe.decl.is_empty() {
                if pipe.is_assign {
                    let target = if pipe.decl.len() > 1 {
                        index.clone()
                    } else {
                        elem.clone()
                    };
                    self.set_var(&pipe.decl[0].1, target)?;
                } else {
                    self.set_top_var(1, elem.clone());
                }
            }
            if pipe.decl.len() > 1 {
                if pipe.is_assign {
                    self.set_var(&pipe.decl[1].1, elem.clone())?;
                } else {
                    self.set_top_var(2, index);
                }
            }
            let result = self.walk_list(&elem, list);
            self.vars.truncate(mark);
            match result {
                Ok(()) | Err(Stop::Continue) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(())
    }

    fn set_var(&mut self, name: &str, value: Value) -> EResult<()> {
        match self.vars.iter_mut().rev().find(|(n, _)| n == name) {
            Some(slot) => {
                slot.1 = value;
                Ok(())
            }
            None => Err(self.errorf(format!("undefined variable: {name}"))),
        }
    }

    fn set_top_var(&mut self, n: usize, value: Value) {
        let len = self.vars.len();
        if let Some(slot) = len.checked_sub(n).and_then(|i| self.vars.get_mut(i)) {
            slot.1 = value;
        }
    }

    fn var_value(&self, name: &str) -> EResult<Value> {
        match self.vars.iter().rev().find(|(n, _)| n == name) {
            Some((_, v)) => Ok(v.clone()),
            None => Err(self.errorf(format!("undefined variable: {name}"))),
        }
    }

    pub(crate) fn eval_pipeline(&mut self, dot: &Value, pipe: &'a Pipe) -> EResult<Value> {
        self.at(NodeRef::Pipe(pipe));
        let mut value: Option<Value> = None;
        for cmd in &pipe.cmds {
            value = Some(self.eval_command(dot, cmd, value)?);
        }
        let value = value.unwrap_or(Value::Nil);
        for (_, name) in &pipe.decl {
            if pipe.is_assign {
                self.set_var(name, value.clone())?;
            } else {
                self.vars.push((name.clone(), value.clone()));
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, args: &[Arg], final_value: &Option<Value>) -> EResult<()> {
        if args.len() > 1 || final_value.is_some() {
            let first = args.first().map(|a| a.to_string()).unwrap_or_default();
            return Err(self.errorf(format!("can't give argument to non-function {first}")));
        }
        Ok(())
    }

    fn eval_command(
        &mut self,
        dot: &Value,
        cmd: &'a Command,
        final_value: Option<Value>,
    ) -> EResult<Value> {
        let Some(first) = cmd.args.first() else {
            return Err(self.errorf("empty command"));
        };
        match first {
            Arg::Field { idents, .. } => {
                self.at(NodeRef::Arg(first));
                return self.eval_field_chain(
                    dot,
                    dot.clone(),
                    first,
                    idents,
                    &cmd.args,
                    final_value,
                );
            }
            Arg::Chain { .. } => return self.eval_chain(dot, first, &cmd.args, final_value),
            Arg::Identifier { name, .. } => {
                self.at(NodeRef::Arg(first));
                return self.eval_call(
                    dot,
                    name,
                    None,
                    NodeRef::Command(cmd),
                    &cmd.args[1..],
                    final_value,
                );
            }
            Arg::Pipe(p) => {
                self.not_a_function(&cmd.args, &final_value)?;
                return self.eval_pipeline(dot, p);
            }
            Arg::Variable { .. } => return self.eval_variable(dot, first, &cmd.args, final_value),
            _ => {}
        }
        self.at(NodeRef::Arg(first));
        self.not_a_function(&cmd.args, &final_value)?;
        match first {
            Arg::Bool { value, .. } => Ok(Value::Bool(*value)),
            Arg::Dot { .. } => Ok(dot.clone()),
            Arg::Nil { .. } => Err(self.errorf("nil is not a command")),
            Arg::Number { .. } => self.ideal_constant(first),
            Arg::Str { text, .. } => Ok(Value::str(text.as_str())),
            other => Err(self.errorf(format!(
                "can't evaluate command {}",
                promlite_model::go_quote(&other.to_string())
            ))),
        }
    }

    /// A number literal with no type context: int if it looks like one, else float64.
    fn ideal_constant(&mut self, arg: &'a Arg) -> EResult<Value> {
        self.at(NodeRef::Arg(arg));
        let Arg::Number { literal, .. } = arg else {
            return Ok(Value::Nil);
        };
        let text = &literal.text;
        let hex_int = text.len() > 2
            && (text.starts_with("0x") || text.starts_with("0X"))
            && !text.contains(['p', 'P']);
        let rune = text.starts_with('\'');
        if literal.is_float && !hex_int && !rune && text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Ok(Value::Float(literal.float));
        }
        if literal.is_int {
            return Ok(Value::Int(literal.int));
        }
        if literal.is_uint {
            return Err(self.errorf(format!("{text} overflows int")));
        }
        Ok(Value::Nil)
    }

    fn eval_variable(
        &mut self,
        dot: &Value,
        arg: &'a Arg,
        args: &'a [Arg],
        final_value: Option<Value>,
    ) -> EResult<Value> {
        self.at(NodeRef::Arg(arg));
        let Arg::Variable { idents, .. } = arg else {
            return Ok(Value::Nil);
        };
        let value = self.var_value(&idents[0])?;
        if idents.len() == 1 {
            self.not_a_function(args, &final_value)?;
            return Ok(value);
        }
        self.eval_field_chain(dot, value, arg, &idents[1..], args, final_value)
    }

    fn eval_chain(
        &mut self,
        dot: &Value,
        arg: &'a Arg,
        args: &'a [Arg],
        final_value: Option<Value>,
    ) -> EResult<Value> {
        self.at(NodeRef::Arg(arg));
        let Arg::Chain { node, fields, .. } = arg else {
            return Ok(Value::Nil);
        };
        if matches!(node.as_ref(), Arg::Nil { .. }) {
            return Err(self.errorf(format!("indirection through explicit nil in {arg}")));
        }
        let receiver = self.eval_arg(dot, Param::Untyped, node)?;
        self.eval_field_chain(dot, receiver, arg, fields, args, final_value)
    }

    fn eval_field_chain(
        &mut self,
        dot: &Value,
        mut receiver: Value,
        node: &'a Arg,
        idents: &'a [String],
        args: &'a [Arg],
        final_value: Option<Value>,
    ) -> EResult<Value> {
        let Some((last, init)) = idents.split_last() else {
            return Ok(receiver);
        };
        for ident in init {
            receiver = self.eval_field(dot, ident, node, &[], None, receiver)?;
        }
        self.eval_field(dot, last, node, args, final_value, receiver)
    }

    /// `.Name` on `receiver`: a method call, a struct field or a map key.
    fn eval_field(
        &mut self,
        dot: &Value,
        name: &'a str,
        node: &'a Arg,
        args: &'a [Arg],
        final_value: Option<Value>,
        receiver: Value,
    ) -> EResult<Value> {
        if matches!(receiver, Value::Nil) {
            // missingkey=zero: a missing value's fields are missing too.
            return Ok(Value::Nil);
        }
        if funcs::method_signature(&receiver, name).is_some() {
            let rest = args.get(1..).unwrap_or(&[]);
            return self.eval_call(
                dot,
                name,
                Some(&receiver),
                NodeRef::Arg(node),
                rest,
                final_value,
            );
        }
        let has_args = args.len() > 1 || final_value.is_some();
        let type_name = receiver.type_name();
        match &receiver {
            Value::Alert(data) => {
                let field = match name {
                    "Labels" => Some(Value::StrMap(Arc::new(data.labels.clone()))),
                    "ExternalLabels" => Some(Value::StrMap(Arc::new(data.external_labels.clone()))),
                    "ExternalURL" => Some(Value::str(data.external_url.as_str())),
                    "Value" => Some(Value::Float(data.value)),
                    _ => None,
                };
                if let Some(field) = field {
                    if has_args {
                        return Err(self.errorf(format!(
                            "{name} has arguments but cannot be invoked as function"
                        )));
                    }
                    return Ok(field);
                }
            }
            Value::Sample(sample) if name == "Labels" || name == "Value" => {
                let Some(sample) = sample else {
                    return Err(self.errorf(format!("nil pointer evaluating {type_name}.{name}")));
                };
                if has_args {
                    return Err(self.errorf(format!(
                        "{name} has arguments but cannot be invoked as function"
                    )));
                }
                return Ok(if name == "Labels" {
                    Value::StrMap(Arc::new(sample.labels.clone()))
                } else {
                    Value::Float(sample.value)
                });
            }
            Value::StrMap(map) => {
                if has_args {
                    return Err(self.errorf(format!("{name} is not a method but has arguments")));
                }
                return Ok(Value::str(map.get(name).map_or("", String::as_str)));
            }
            Value::AnyMap(map) => {
                if has_args {
                    return Err(self.errorf(format!("{name} is not a method but has arguments")));
                }
                return Ok(map.get(name).cloned().unwrap_or(Value::Nil));
            }
            _ => {}
        }
        Err(self.errorf(format!("can't evaluate field {name} in type {type_name}")))
    }

    /// Calls function `name` (or method `name` of `receiver`) with `args` (operand nodes,
    /// the function name excluded) and the pipeline's `final_value`.
    fn eval_call(
        &mut self,
        dot: &Value,
        name: &'a str,
        receiver: Option<&Value>,
        node: NodeRef<'a>,
        args: &'a [Arg],
        final_value: Option<Value>,
    ) -> EResult<Value> {
        let sig: Signature = match receiver {
            Some(r) => funcs::method_signature(r, name),
            None => funcs::function_signature(name),
        }
        .ok_or_else(|| {
            self.errorf(format!(
                "{} is not a defined function",
                promlite_model::go_quote(name)
            ))
        })?;
        let num_in = args.len() + usize::from(final_value.is_some());
        let num_fixed = sig.params.len();
        if sig.variadic.is_some() {
            if num_in < num_fixed {
                return Err(self.errorf(format!(
                    "wrong number of args for {name}: want at least {num_fixed} got {}",
                    args.len()
                )));
            }
        } else if num_in != num_fixed {
            return Err(self.errorf(format!(
                "wrong number of args for {name}: want {num_fixed} got {num_in}"
            )));
        }
        if receiver.is_none() && (name == "and" || name == "or") {
            // and/or short-circuit: they return the first decisive operand.
            let mut last = Value::Nil;
            for arg in args {
                last = self.eval_arg(dot, Param::Reflect, arg)?;
                if last.is_true() == (name == "or") {
                    return Ok(last);
                }
            }
            if let Some(f) = final_value {
                last = f;
            }
            return Ok(last);
        }
        let mut argv = Vec::with_capacity(num_in);
        for (i, arg) in args.iter().enumerate() {
            let param = sig
                .params
                .get(i)
                .copied()
                .or(sig.variadic)
                .unwrap_or(Param::Any);
            argv.push(self.eval_arg(dot, param, arg)?);
        }
        if let Some(f) = final_value {
            let param = sig
                .params
                .get(args.len())
                .copied()
                .or(sig.variadic)
                .unwrap_or(Param::Any);
            argv.push(self.validate_type(f, param)?);
        }
        let result = match receiver {
            Some(r) => funcs::call_method(r, name, &argv),
            None => funcs::call_function(name, &argv, args, self.env),
        };
        result.map_err(|e| {
            self.at(node);
            self.errorf(format!("error calling {name}: {e}"))
        })
    }

    fn validate_type(&self, value: Value, param: Param) -> EResult<Value> {
        funcs::validate_type(value, param).map_err(|e| self.errorf(e))
    }

    fn eval_arg(&mut self, dot: &Value, param: Param, arg: &'a Arg) -> EResult<Value> {
        self.at(NodeRef::Arg(arg));
        let value = match arg {
            Arg::Dot { .. } => dot.clone(),
            Arg::Nil { .. } => {
                return match funcs::zero_for_nil(param) {
                    Some(v) => Ok(v),
                    None => Err(self.errorf(format!("cannot assign nil to {}", param.go_name()))),
                }
            }
            Arg::Field { idents, .. } => self.eval_field_chain(
                dot,
                dot.clone(),
                arg,
                idents,
                std::slice::from_ref(arg),
                None,
            )?,
            Arg::Variable { .. } => self.eval_variable(dot, arg, &[], None)?,
            Arg::Pipe(p) => self.eval_pipeline(dot, p)?,
            Arg::Identifier { name, .. } => {
                self.at(NodeRef::Arg(arg));
                self.eval_call(dot, name, None, NodeRef::Arg(arg), &[], None)?
            }
            Arg::Chain { .. } => self.eval_chain(dot, arg, &[], None)?,
            Arg::Bool { value, .. } => {
                return match param {
                    Param::Any | Param::Reflect | Param::Untyped => Ok(Value::Bool(*value)),
                    _ => Err(self.constant_mismatch(param, arg)),
                }
            }
            Arg::Str { text, .. } => {
                return match param {
                    Param::Any | Param::Reflect | Param::Untyped | Param::Str => {
                        Ok(Value::str(text.as_str()))
                    }
                    _ => Err(self.constant_mismatch(param, arg)),
                }
            }
            Arg::Number { literal, .. } => {
                return match param {
                    Param::Any | Param::Reflect | Param::Untyped => self.ideal_constant(arg),
                    Param::Duration if literal.is_int => Ok(Value::Duration(literal.int)),
                    _ => Err(self.constant_mismatch(param, arg)),
                }
            }
        };
        self.validate_type(value, param)
    }

    /// The error for a literal of the wrong kind (`expected string; found 1`).
    fn constant_mismatch(&self, param: Param, arg: &Arg) -> Stop {
        let expected = match param {
            Param::Str => "string",
            Param::Duration => "integer",
            _ => {
                return self.errorf(format!(
                    "can't handle {arg} for arg of type {}",
                    param.go_name()
                ))
            }
        };
        self.errorf(format!("expected {expected}; found {arg}"))
    }
}

/// What an action prints for a value: pointers are followed, nil is `<no value>`.
fn printable(value: &Value) -> String {
    match value {
        Value::Nil => "<no value>".to_string(),
        Value::Sample(Some(s)) => {
            let text = gofmt::print_value(&Value::Sample(Some(s.clone())));
            text.strip_prefix('&').unwrap_or(&text).to_string()
        }
        other => gofmt::print_value(other),
    }
}
