//! The simulator's metric math and composite alarm rules.
//!
//! Metric math (GetMetricData `Expression`, metric-math alarms): the simulator evaluates a
//! subset of CloudWatch's syntax and refuses the rest with [`MathError::Unsupported`] (an
//! [`Error::Unsupported`](crate::Error::Unsupported), never a guessed answer):
//!
//! - numbers, the ids of other queries of the request (metrics or expressions; a cycle is an
//!   error), parentheses, unary `-`, and `+ - * /` with the usual precedence;
//! - `SUM`, `AVG`, `MIN`, `MAX` of one series (a single number, usable in arithmetic such as
//!   `m1 / SUM(m1)`) or of an array `[m1, m2, ...]` (a series: per timestamp, over the series
//!   that have a value there).
//!
//! Arithmetic on two series keeps the timestamps both have; a series with a number applies to
//! each point; a point that is not a finite number (a division by zero) is left out. Everything
//! else (other functions such as `METRICS()`, `FILL`, `RATE`, `IF`; comparison and logical
//! operators; arithmetic on arrays; Metrics Insights `SELECT` queries; an expression whose
//! result is a single number) is unsupported.
//!
//! Composite alarm rules (PutCompositeAlarm `AlarmRule`): `ALARM(x)`, `OK(x)`,
//! `INSUFFICIENT_DATA(x)` with an alarm name or ARN, optionally in double quotes; `TRUE`,
//! `FALSE`; `AND`, `OR`, `NOT` (NOT binds tightest, then AND, then OR) and parentheses.

use std::collections::BTreeMap;

use crate::cloudwatch::{AlarmState, MetricDataQuery, MetricStat};

/// A time series: period start (epoch seconds) → value.
pub(super) type Series = BTreeMap<u64, f64>;

/// Why an expression could not be evaluated.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum MathError {
    /// The expression is wrong (syntax, unknown id, cycle): CloudWatch's `ValidationError`.
    Invalid(String),
    /// The expression may be right, but the simulator does not evaluate it.
    Unsupported(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Ident(String),
    Sym(char),
}

fn tokenize(s: &str) -> Result<Vec<Tok>, MathError> {
    let b: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || (c == '.' && b.get(i + 1).is_some_and(char::is_ascii_digit)) {
            let start = i;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == '.') {
                i += 1;
            }
            if i < b.len() && (b[i] == 'e' || b[i] == 'E') {
                let mut j = i + 1;
                if j < b.len() && (b[j] == '+' || b[j] == '-') {
                    j += 1;
                }
                if j < b.len() && b[j].is_ascii_digit() {
                    i = j;
                    while i < b.len() && b[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            let text: String = b[start..i].iter().collect();
            let v: f64 = text
                .parse()
                .map_err(|_| MathError::Invalid(format!("{text:?} is not a number")))?;
            out.push(Tok::Num(v));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == '_') {
                i += 1;
            }
            out.push(Tok::Ident(b[start..i].iter().collect()));
        } else if "+-*/()[],".contains(c) {
            out.push(Tok::Sym(c));
            i += 1;
        } else {
            return Err(MathError::Unsupported(format!(
                "the character {c:?} (the simulator evaluates + - * / only; no comparison, logical or ^ operators)"
            )));
        }
    }
    Ok(out)
}

#[derive(Debug, Clone)]
enum Expr {
    Num(f64),
    Id(String),
    Neg(Box<Expr>),
    Bin(char, Box<Expr>, Box<Expr>),
    Call(String, Box<Expr>),
    Array(Vec<Expr>),
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

/// The functions the simulator evaluates.
const FUNCTIONS: [&str; 4] = ["SUM", "AVG", "MIN", "MAX"];

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(&Tok::Sym(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<(), MathError> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(MathError::Invalid(format!(
                "expected {c:?} at token {} of the expression",
                self.pos + 1
            )))
        }
    }

    fn expr(&mut self) -> Result<Expr, MathError> {
        let mut e = self.term()?;
        loop {
            let op = match self.peek() {
                Some(Tok::Sym(c @ ('+' | '-'))) => *c,
                _ => return Ok(e),
            };
            self.pos += 1;
            e = Expr::Bin(op, Box::new(e), Box::new(self.term()?));
        }
    }

    fn term(&mut self) -> Result<Expr, MathError> {
        let mut e = self.unary()?;
        loop {
            let op = match self.peek() {
                Some(Tok::Sym(c @ ('*' | '/'))) => *c,
                _ => return Ok(e),
            };
            self.pos += 1;
            e = Expr::Bin(op, Box::new(e), Box::new(self.unary()?));
        }
    }

    fn unary(&mut self) -> Result<Expr, MathError> {
        if self.eat('-') {
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, MathError> {
        match self.peek().cloned() {
            Some(Tok::Num(v)) => {
                self.pos += 1;
                Ok(Expr::Num(v))
            }
            Some(Tok::Ident(name)) => {
                self.pos += 1;
                if self.eat('(') {
                    if !FUNCTIONS.contains(&name.as_str()) {
                        return Err(MathError::Unsupported(format!(
                            "the function {name}() (the simulator evaluates {} only)",
                            FUNCTIONS.join(", ")
                        )));
                    }
                    let arg = self.expr()?;
                    if self.peek() == Some(&Tok::Sym(',')) {
                        return Err(MathError::Unsupported(format!("{name}() with more than one argument")));
                    }
                    self.expect(')')?;
                    Ok(Expr::Call(name, Box::new(arg)))
                } else {
                    Ok(Expr::Id(name))
                }
            }
            Some(Tok::Sym('(')) => {
                self.pos += 1;
                let e = self.expr()?;
                self.expect(')')?;
                Ok(e)
            }
            Some(Tok::Sym('[')) => {
                self.pos += 1;
                let mut items = vec![self.expr()?];
                while self.eat(',') {
                    items.push(self.expr()?);
                }
                self.expect(']')?;
                Ok(Expr::Array(items))
            }
            Some(t) => Err(MathError::Invalid(format!("unexpected {t:?} in the expression"))),
            None => Err(MathError::Invalid("the expression ends too early".into())),
        }
    }
}

fn parse(src: &str) -> Result<Expr, MathError> {
    if src
        .trim_start()
        .get(..6)
        .is_some_and(|w| w.eq_ignore_ascii_case("SELECT"))
    {
        return Err(MathError::Unsupported("Metrics Insights queries (SELECT ...)".into()));
    }
    let mut p = Parser {
        toks: tokenize(src)?,
        pos: 0,
    };
    let e = p.expr()?;
    if p.pos != p.toks.len() {
        return Err(MathError::Invalid(format!(
            "unexpected {:?} after the end of the expression",
            p.toks[p.pos]
        )));
    }
    Ok(e)
}

#[derive(Debug, Clone)]
enum Value {
    Scalar(f64),
    Series(Series),
    Array(Vec<Series>),
}

fn finite(s: Series) -> Series {
    s.into_iter().filter(|(_, v)| v.is_finite()).collect()
}

fn apply(op: char, a: f64, b: f64) -> f64 {
    match op {
        '+' => a + b,
        '-' => a - b,
        '*' => a * b,
        _ => a / b,
    }
}

fn aggregate(name: &str, vals: impl Iterator<Item = f64>) -> f64 {
    let v: Vec<f64> = vals.collect();
    if v.is_empty() {
        return f64::NAN;
    }
    match name {
        "SUM" => v.iter().sum(),
        "AVG" => v.iter().sum::<f64>() / v.len() as f64,
        "MIN" => v.iter().copied().fold(f64::INFINITY, f64::min),
        _ => v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    }
}

/// Evaluates the queries of one request: each metric query's series comes from `fetch`, each
/// expression is computed from the others. Returns every query's series by id.
pub(super) fn evaluate_queries(
    queries: &[MetricDataQuery],
    fetch: &dyn Fn(&MetricStat) -> Series,
) -> Result<BTreeMap<String, Series>, (String, MathError)> {
    let mut ctx = Ctx {
        queries,
        fetch,
        done: BTreeMap::new(),
        visiting: Vec::new(),
    };
    for q in queries {
        ctx.series_of(&q.id).map_err(|e| (q.id.clone(), e))?;
    }
    Ok(ctx.done)
}

struct Ctx<'a> {
    queries: &'a [MetricDataQuery],
    fetch: &'a dyn Fn(&MetricStat) -> Series,
    done: BTreeMap<String, Series>,
    visiting: Vec<String>,
}

impl Ctx<'_> {
    fn series_of(&mut self, id: &str) -> Result<Series, MathError> {
        if let Some(s) = self.done.get(id) {
            return Ok(s.clone());
        }
        if self.visiting.iter().any(|v| v == id) {
            return Err(MathError::Invalid(format!(
                "the expressions refer to each other in a cycle ({} -> {id})",
                self.visiting.join(" -> ")
            )));
        }
        let Some(q) = self.queries.iter().find(|q| q.id == id) else {
            return Err(MathError::Invalid(format!(
                "Unknown metric id {id:?} in the expression"
            )));
        };
        let s = match (&q.metric, &q.expression) {
            (Some(m), _) => (self.fetch)(m),
            (None, Some(e)) => {
                let ast = parse(e)?;
                self.visiting.push(id.to_string());
                let v = self.eval(&ast);
                self.visiting.pop();
                match v? {
                    Value::Series(s) => s,
                    Value::Scalar(_) => {
                        return Err(MathError::Unsupported(format!(
                            "the expression {e:?} yields a single number, not a time series"
                        )));
                    }
                    Value::Array(_) => {
                        return Err(MathError::Unsupported(format!(
                            "the expression {e:?} yields several time series"
                        )));
                    }
                }
            }
            (None, None) => Series::new(),
        };
        self.done.insert(id.to_string(), s.clone());
        Ok(s)
    }

    fn eval(&mut self, e: &Expr) -> Result<Value, MathError> {
        Ok(match e {
            Expr::Num(v) => Value::Scalar(*v),
            Expr::Id(id) => Value::Series(self.series_of(id)?),
            Expr::Neg(x) => match self.eval(x)? {
                Value::Scalar(v) => Value::Scalar(-v),
                Value::Series(s) => Value::Series(s.into_iter().map(|(t, v)| (t, -v)).collect()),
                Value::Array(_) => return Err(MathError::Unsupported("arithmetic on an array of series".into())),
            },
            Expr::Bin(op, a, b) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                match (a, b) {
                    (Value::Scalar(x), Value::Scalar(y)) => Value::Scalar(apply(*op, x, y)),
                    (Value::Series(s), Value::Scalar(y)) => {
                        Value::Series(finite(s.into_iter().map(|(t, x)| (t, apply(*op, x, y))).collect()))
                    }
                    (Value::Scalar(x), Value::Series(s)) => {
                        Value::Series(finite(s.into_iter().map(|(t, y)| (t, apply(*op, x, y))).collect()))
                    }
                    (Value::Series(s), Value::Series(r)) => Value::Series(finite(
                        s.into_iter()
                            .filter_map(|(t, x)| r.get(&t).map(|y| (t, apply(*op, x, *y))))
                            .collect(),
                    )),
                    _ => return Err(MathError::Unsupported("arithmetic on an array of series".into())),
                }
            }
            Expr::Array(items) => {
                let mut out = Vec::new();
                for i in items {
                    match self.eval(i)? {
                        Value::Series(s) => out.push(s),
                        _ => {
                            return Err(MathError::Unsupported("an array item that is not a time series".into()));
                        }
                    }
                }
                Value::Array(out)
            }
            Expr::Call(name, arg) => match self.eval(arg)? {
                Value::Scalar(v) => Value::Scalar(v),
                Value::Series(s) => Value::Scalar(aggregate(name, s.values().copied())),
                Value::Array(all) => {
                    let mut times: Vec<u64> = all.iter().flat_map(|s| s.keys().copied()).collect();
                    times.sort_unstable();
                    times.dedup();
                    Value::Series(finite(
                        times
                            .into_iter()
                            .map(|t| (t, aggregate(name, all.iter().filter_map(|s| s.get(&t).copied()))))
                            .collect(),
                    ))
                }
            },
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Composite alarm rules

/// A parsed composite alarm rule.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Rule {
    Const(bool),
    /// The named alarm is in this state.
    State(AlarmState, String),
    Not(Box<Rule>),
    And(Box<Rule>, Box<Rule>),
    Or(Box<Rule>, Box<Rule>),
}

impl Rule {
    /// The alarms the rule names (without repeats, in order).
    pub(super) fn children(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.walk(&mut out);
        out
    }

    fn walk(&self, out: &mut Vec<String>) {
        match self {
            Rule::Const(_) => {}
            Rule::State(_, n) => {
                if !out.contains(n) {
                    out.push(n.clone());
                }
            }
            Rule::Not(r) => r.walk(out),
            Rule::And(a, b) | Rule::Or(a, b) => {
                a.walk(out);
                b.walk(out);
            }
        }
    }

    /// Whether the rule holds, given each child's state (`None`: the alarm does not exist,
    /// which matches no state).
    pub(super) fn holds(&self, state: &dyn Fn(&str) -> Option<AlarmState>) -> bool {
        match self {
            Rule::Const(b) => *b,
            Rule::State(s, n) => state(n).as_ref() == Some(s),
            Rule::Not(r) => !r.holds(state),
            Rule::And(a, b) => a.holds(state) && b.holds(state),
            Rule::Or(a, b) => a.holds(state) || b.holds(state),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum RTok {
    Open,
    Close,
    Word(String),
    /// An alarm name or ARN inside a state function's parentheses.
    Name(String),
}

/// The largest number of elements a rule may have (PutCompositeAlarm `AlarmRule`: "The
/// AlarmRule expression can have as many as 500 elements. Elements are child alarms, TRUE or
/// FALSE statements, and parentheses").
pub(super) const MAX_RULE_ELEMENTS: usize = 500;
/// The most alarms a rule may name ("The AlarmRule can specify as many as 100 children
/// alarms").
pub(super) const MAX_RULE_CHILDREN: usize = 100;

fn rule_tokens(s: &str) -> Result<Vec<RTok>, String> {
    let b: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            out.push(RTok::Open);
            i += 1;
            // After a state function, the parentheses hold a name.
            if matches!(out.iter().rev().nth(1), Some(RTok::Word(w)) if ["ALARM", "OK", "INSUFFICIENT_DATA"].contains(&w.as_str()))
            {
                while i < b.len() && b[i].is_whitespace() {
                    i += 1;
                }
                let name = if b.get(i) == Some(&'"') {
                    let end = b[i + 1..]
                        .iter()
                        .position(|&c| c == '"')
                        .ok_or("an alarm name in double quotes is not closed")?;
                    let n: String = b[i + 1..i + 1 + end].iter().collect();
                    i += end + 2;
                    n
                } else {
                    let end = b[i..]
                        .iter()
                        .position(|&c| c == ')')
                        .ok_or("a state function is not closed")?;
                    let n: String = b[i..i + end].iter().collect();
                    i += end;
                    n.trim().to_string()
                };
                if name.is_empty() {
                    return Err("a state function names no alarm".into());
                }
                // An ARN names the alarm after `:alarm:`.
                let name = name.split_once(":alarm:").map_or(name.clone(), |(_, n)| n.to_string());
                out.push(RTok::Name(name));
            }
        } else if c == ')' {
            out.push(RTok::Close);
            i += 1;
        } else {
            let start = i;
            while i < b.len() && !b[i].is_whitespace() && b[i] != '(' && b[i] != ')' {
                i += 1;
            }
            out.push(RTok::Word(b[start..i].iter().collect()));
        }
    }
    Ok(out)
}

/// Parses a composite alarm rule; the error is CloudWatch's `ValidationError` message.
pub(super) fn parse_rule(s: &str) -> Result<Rule, String> {
    let toks = rule_tokens(s)?;
    let elements = toks
        .iter()
        .filter(|t| !matches!(t, RTok::Word(w) if ["AND", "OR", "NOT"].contains(&w.as_str())))
        .count();
    if elements > MAX_RULE_ELEMENTS {
        return Err(format!(
            "AlarmRule can have at most {MAX_RULE_ELEMENTS} elements (got {elements})"
        ));
    }
    let mut p = RuleParser { toks, pos: 0 };
    let r = p.or()?;
    if p.pos != p.toks.len() {
        return Err(format!("unexpected {:?} in AlarmRule", p.toks[p.pos]));
    }
    let n = r.children().len();
    if n > MAX_RULE_CHILDREN {
        return Err(format!(
            "AlarmRule can name at most {MAX_RULE_CHILDREN} alarms (got {n})"
        ));
    }
    Ok(r)
}

struct RuleParser {
    toks: Vec<RTok>,
    pos: usize,
}

impl RuleParser {
    fn word(&mut self, w: &str) -> bool {
        if matches!(self.toks.get(self.pos), Some(RTok::Word(x)) if x == w) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Result<Rule, String> {
        let mut r = self.and()?;
        while self.word("OR") {
            r = Rule::Or(Box::new(r), Box::new(self.and()?));
        }
        Ok(r)
    }

    fn and(&mut self) -> Result<Rule, String> {
        let mut r = self.not()?;
        while self.word("AND") {
            r = Rule::And(Box::new(r), Box::new(self.not()?));
        }
        Ok(r)
    }

    fn not(&mut self) -> Result<Rule, String> {
        if self.word("NOT") {
            return Ok(Rule::Not(Box::new(self.not()?)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Rule, String> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        match t {
            Some(RTok::Open) => {
                let r = self.or()?;
                match self.toks.get(self.pos) {
                    Some(RTok::Close) => {
                        self.pos += 1;
                        Ok(r)
                    }
                    _ => Err("a parenthesis in AlarmRule is not closed".into()),
                }
            }
            Some(RTok::Word(w)) if w == "TRUE" => Ok(Rule::Const(true)),
            Some(RTok::Word(w)) if w == "FALSE" => Ok(Rule::Const(false)),
            Some(RTok::Word(w)) => {
                let state = match w.as_str() {
                    "ALARM" => AlarmState::Alarm,
                    "OK" => AlarmState::Ok,
                    "INSUFFICIENT_DATA" => AlarmState::InsufficientData,
                    _ => {
                        return Err(format!(
                            "{w:?} is not a function of AlarmRule (ALARM, OK, INSUFFICIENT_DATA, TRUE, FALSE)"
                        ));
                    }
                };
                match (
                    self.toks.get(self.pos),
                    self.toks.get(self.pos + 1),
                    self.toks.get(self.pos + 2),
                ) {
                    (Some(RTok::Open), Some(RTok::Name(n)), Some(RTok::Close)) => {
                        let n = n.clone();
                        self.pos += 3;
                        Ok(Rule::State(state, n))
                    }
                    _ => Err(format!("{w} must be followed by an alarm name in parentheses")),
                }
            }
            Some(t) => Err(format!("unexpected {t:?} in AlarmRule")),
            None => Err("AlarmRule ends too early".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudwatch::Metric;

    fn q(id: &str, expr: Option<&str>) -> MetricDataQuery {
        let b = MetricDataQuery::builder().id(id);
        match expr {
            Some(e) => b.expression(e).build(),
            None => b
                .metric(
                    MetricStat::builder()
                        .metric(Metric::builder().namespace("App").metric_name(id).build())
                        .period_secs(60)
                        .stat("Sum")
                        .build(),
                )
                .build(),
        }
    }

    fn run(queries: &[MetricDataQuery]) -> Result<BTreeMap<String, Series>, (String, MathError)> {
        let fetch = |m: &MetricStat| -> Series {
            match m.metric.metric_name.as_str() {
                "a" => Series::from([(0, 2.0), (60, 4.0), (120, 6.0)]),
                "b" => Series::from([(0, 1.0), (60, 0.0)]),
                _ => Series::new(),
            }
        };
        evaluate_queries(queries, &fetch)
    }

    #[test]
    fn arithmetic_precedence_and_alignment() {
        let r = run(&[q("a", None), q("b", None), q("e", Some("a + b * 2 - -1"))]).unwrap();
        assert_eq!(r["e"], Series::from([(0, 5.0), (60, 5.0)]), "only timestamps both have");
        let r = run(&[q("a", None), q("b", None), q("e", Some("(a + 2) / b"))]).unwrap();
        assert_eq!(r["e"], Series::from([(0, 4.0)]), "a division by zero drops the point");
        let r = run(&[q("a", None), q("e", Some("a / SUM(a) * 100"))]).unwrap();
        assert!((r["e"][&60] - 100.0 * 4.0 / 12.0).abs() < 1e-9);
        let r = run(&[
            q("a", None),
            q("b", None),
            q("e", Some("MAX([a, b])")),
            q("f", Some("e * 2")),
        ])
        .unwrap();
        assert_eq!(r["e"], Series::from([(0, 2.0), (60, 4.0), (120, 6.0)]));
        assert_eq!(r["f"][&120], 12.0, "an expression over an expression");
        let r = run(&[q("a", None), q("b", None), q("e", Some("AVG([a,b])"))]).unwrap();
        assert_eq!(r["e"], Series::from([(0, 1.5), (60, 2.0), (120, 6.0)]));
    }

    #[test]
    fn errors_are_invalid_or_unsupported() {
        let err = |e: &str| run(&[q("a", None), q("e", Some(e))]).unwrap_err().1;
        assert!(matches!(err("a +"), MathError::Invalid(_)));
        assert!(matches!(err("zz * 2"), MathError::Invalid(_)));
        assert!(matches!(err("(a"), MathError::Invalid(_)));
        assert!(matches!(err("e + 1"), MathError::Invalid(_)), "a cycle");
        assert!(matches!(err("FILL(a, 0)"), MathError::Unsupported(_)));
        assert!(matches!(err("a > 2"), MathError::Unsupported(_)));
        assert!(matches!(err("SUM(a)"), MathError::Unsupported(_)), "a single number");
        assert!(matches!(err("[a, a]"), MathError::Unsupported(_)));
        assert!(matches!(err("SELECT AVG(x) FROM y"), MathError::Unsupported(_)));
    }

    #[test]
    fn rules_parse_and_hold() {
        let r = parse_rule(r#"(ALARM(cpu) OR ALARM("disk io")) AND NOT OK(arn:aws:cloudwatch:us-east-1:1:alarm:net)"#)
            .unwrap();
        assert_eq!(r.children(), ["cpu", "disk io", "net"]);
        let states = |cpu: AlarmState, net: AlarmState| {
            move |n: &str| match n {
                "cpu" => Some(cpu.clone()),
                "net" => Some(net.clone()),
                _ => None,
            }
        };
        assert!(r.holds(&states(AlarmState::Alarm, AlarmState::Alarm)));
        assert!(!r.holds(&states(AlarmState::Alarm, AlarmState::Ok)));
        assert!(!r.holds(&states(AlarmState::Ok, AlarmState::Alarm)));
        assert!(parse_rule("TRUE").unwrap().holds(&|_| None));
        assert!(!parse_rule("NOT TRUE OR FALSE").unwrap().holds(&|_| None));
        for bad in [
            "",
            "ALARM cpu",
            "ALARM(cpu) AND",
            "SOMETIMES(cpu)",
            "(ALARM(a)",
            "ALARM(\"a)",
            "ALARM()",
        ] {
            assert!(parse_rule(bad).is_err(), "{bad:?}");
        }
        let many = (0..101)
            .map(|i| format!("ALARM(a{i})"))
            .collect::<Vec<_>>()
            .join(" OR ");
        assert!(parse_rule(&many).unwrap_err().contains("100"));
    }
}
