//! The crate's module graph: the `crate::…`, `super::…` and `self::…` paths of every file under
//! `src/` are edges between modules; the top-level modules must follow [`LAYERS`] (mirrored in
//! ARCHITECTURE.md), and the sibling modules inside `app` and `cli` must form no cycle.
//!
//! The source is read as text (comments and string literals removed, `use` trees expanded); no
//! dependency, no compiler plugin. A path is attributed to the longest module it names, so
//! `crate::app::state::DialogPurpose` is an edge to `app::state`, `crate::data::Preset` one to
//! `data`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers of the top-level modules, lowest first. A module may use modules of lower layers
/// only: never one of its own layer, never one above. Keep ARCHITECTURE.md's "Layers" block in
/// step with this list.
pub const LAYERS: &[&[&str]] = &[
    &["limits", "encoding", "error_text", "files", "font"],
    &["point_cloud", "nn"],
    &["data"],
    &["ot", "metrics"],
    &["gpu", "flow", "meanfield"],
    &["model", "render"],
    &["scene"],
    &["scene_link", "job", "fuzz_checks"],
    &["app"],
    &["cli"],
];

/// The top-level modules whose children are checked against each other for cycles.
const SLICED: &[&str] = &["app", "cli"];

/// One module-to-module use: where it is written and what it names.
#[derive(Clone, Debug)]
struct Edge {
    from: String,
    to: String,
    file: String,
    path: String,
}

#[test]
fn the_top_level_modules_follow_the_layer_order() {
    let graph = ModuleGraph::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let violations = layer_violations(&graph.layer_edges());
    assert!(violations.is_empty(), "{}", violations.join("\n\n"));
}

#[test]
fn the_modules_inside_app_and_cli_form_no_cycle() {
    let graph = ModuleGraph::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let cycles: Vec<String> = SLICED
        .iter()
        .flat_map(|top| every_cycle(graph.sibling_edges(top)))
        .map(|cycle| describe_cycle(&cycle))
        .collect();
    assert!(cycles.is_empty(), "{}", cycles.join("\n\n"));
}

#[test]
fn every_top_level_module_has_a_layer() {
    let graph = ModuleGraph::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let unplaced: Vec<&String> = graph
        .top_level_modules()
        .filter(|module| layer_of(module).is_none())
        .collect();
    assert!(
        unplaced.is_empty(),
        "the top-level modules {unplaced:?} have no layer: add each to `LAYERS` in \
         tests/it/module_layers.rs (the lowest layer whose modules it may use all lie below it) \
         and to ARCHITECTURE.md"
    );
}

#[test]
fn the_checks_find_a_planted_cycle_and_a_planted_upward_edge() {
    let edge = |from: &str, to: &str| Edge {
        from: from.into(),
        to: to.into(),
        file: format!("src/{from}.rs"),
        path: format!("crate::{to}::thing"),
    };
    let cycle = find_cycle(&[
        edge("cli::a", "cli::b"),
        edge("cli::b", "cli::c"),
        edge("cli::c", "cli::a"),
        edge("cli::c", "cli::d"),
    ])
    .expect("a → b → c → a is a cycle");
    assert_eq!(cycle.len(), 3);
    assert!(describe_cycle(&cycle).contains("cli::a → cli::b → cli::c → cli::a"));
    assert!(find_cycle(&[edge("cli::a", "cli::b"), edge("cli::a", "cli::c")]).is_none());
    let violations = layer_violations(&[edge("data", "model"), edge("model", "data")]);
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert!(violations[0].contains("`data` (layer 3) uses `model` (layer 6)"));
}

/// The modules found under `src/` and the edges between them.
struct ModuleGraph {
    /// Every module a file defines (`["cli", "train"]`; the crate root is `[]`).
    modules: BTreeSet<Vec<String>>,
    /// The crate root's re-exports: a name at the root and the module it comes from.
    root_reexports: BTreeMap<String, String>,
    /// Every path a file names: (file, its module, the absolute path).
    uses: Vec<(String, Vec<String>, Vec<String>)>,
}

impl ModuleGraph {
    fn read(src: &Path) -> Self {
        let mut files = Vec::new();
        rust_files(src, &mut files);
        let mut modules = BTreeSet::new();
        let mut uses = Vec::new();
        let mut root_reexports = BTreeMap::new();
        let files: Vec<(PathBuf, Vec<String>)> = files
            .into_iter()
            .filter_map(|file| {
                let module = module_of(file.strip_prefix(src).expect("under src"))?;
                modules.insert(module.clone());
                Some((file, module))
            })
            .collect();
        for (file, module) in &files {
            let text = std::fs::read_to_string(file).expect("a readable source file");
            let tokens = tokens(&strip_comments_and_literals(&text));
            let name = format!(
                "src/{}",
                file.strip_prefix(src).expect("under src").display()
            );
            for (inner, path) in paths(&tokens, module, &modules) {
                if module.is_empty() && inner.is_empty() && path.len() == 2 {
                    root_reexports.insert(path[1].clone(), path[0].clone());
                }
                uses.push((name.clone(), inner, path));
            }
        }
        Self {
            modules,
            root_reexports,
            uses,
        }
    }

    fn top_level_modules(&self) -> impl Iterator<Item = &String> {
        self.modules
            .iter()
            .filter(|module| module.len() == 1)
            .map(|module| &module[0])
    }

    /// The longest module `path` names (its first `depth` segments at most).
    fn module_named(&self, path: &[String], depth: usize) -> Vec<String> {
        let mut path = path.to_vec();
        if let Some(first) = path.first()
            && !self.modules.contains(&vec![first.clone()])
            && let Some(origin) = self.root_reexports.get(first)
        {
            path.insert(0, origin.clone());
        }
        (0..=path.len().min(depth))
            .rev()
            .map(|len| path[..len].to_vec())
            .find(|prefix| self.modules.contains(prefix))
            .unwrap_or_default()
    }

    /// Edges between different top-level modules.
    fn layer_edges(&self) -> Vec<Edge> {
        self.edges(1, |from, to| {
            from.len() == 1 && to.len() == 1 && from[0] != to[0]
        })
    }

    /// Edges between different children of the top-level module `top`.
    fn sibling_edges(&self, top: &str) -> Vec<Edge> {
        self.edges(2, |from, to| {
            from.len() == 2 && to.len() == 2 && from[0] == top && to[0] == top && from[1] != to[1]
        })
    }

    fn edges(&self, depth: usize, keep: impl Fn(&[String], &[String]) -> bool) -> Vec<Edge> {
        self.uses
            .iter()
            .filter_map(|(file, module, path)| {
                let from = self.module_named(module, depth);
                let to = self.module_named(path, depth);
                keep(&from, &to).then(|| Edge {
                    from: from.join("::"),
                    to: to.join("::"),
                    file: file.clone(),
                    path: format!("crate::{}", path.join("::")),
                })
            })
            .collect()
    }
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// One message per edge that points to the module's own layer or above, teaching the rule.
fn layer_violations(edges: &[Edge]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    edges
        .iter()
        .filter(|edge| seen.insert((edge.from.clone(), edge.to.clone())))
        .filter_map(|edge| {
            let from = layer_of(&edge.from)?;
            let to = layer_of(&edge.to)?;
            (to >= from).then(|| {
                format!(
                    "`{}` (layer {}) uses `{}` (layer {}): {} names `{}`.\n\
                     The layers point one way (tests/it/module_layers.rs `LAYERS`, lowest \
                     first: {}); a module uses only modules of lower layers. Move the item to \
                     the lower module, pass it in as a parameter, or, if the layering itself \
                     should change, edit `LAYERS` and ARCHITECTURE.md together.",
                    edge.from,
                    from + 1,
                    edge.to,
                    to + 1,
                    edge.file,
                    edge.path,
                    LAYERS
                        .iter()
                        .map(|layer| layer.join(", "))
                        .collect::<Vec<_>>()
                        .join(" | "),
                )
            })
        })
        .collect()
}

/// Cycles among the edges until none is left: each found cycle's closing module pair is
/// dropped before looking again, so every cycle's knot is reported at least once.
fn every_cycle(mut edges: Vec<Edge>) -> Vec<Vec<Edge>> {
    let mut cycles = Vec::new();
    while let Some(cycle) = find_cycle(&edges) {
        let closing = cycle.last().expect("a cycle has an edge").clone();
        edges.retain(|edge| edge.from != closing.from || edge.to != closing.to);
        cycles.push(cycle);
    }
    cycles
}

/// A cycle among the edges (the modules in order, each with the edge that leaves it), if any.
fn find_cycle(edges: &[Edge]) -> Option<Vec<Edge>> {
    let mut out: BTreeMap<&str, Vec<&Edge>> = BTreeMap::new();
    for edge in edges {
        out.entry(&edge.from).or_default().push(edge);
    }
    let mut finished = BTreeSet::new();
    for start in out.keys() {
        let mut stack = Vec::new();
        if let Some(cycle) = cycle_from(start, &out, &mut stack, &mut finished) {
            return Some(cycle);
        }
    }
    None
}

fn cycle_from<'a>(
    module: &'a str,
    out: &BTreeMap<&'a str, Vec<&'a Edge>>,
    stack: &mut Vec<&'a Edge>,
    finished: &mut BTreeSet<&'a str>,
) -> Option<Vec<Edge>> {
    if finished.contains(module) {
        return None;
    }
    if let Some(at) = stack.iter().position(|edge| edge.from == module) {
        return Some(stack[at..].iter().map(|edge| (*edge).clone()).collect());
    }
    for edge in out.get(module).into_iter().flatten() {
        stack.push(edge);
        if let Some(cycle) = cycle_from(&edge.to, out, stack, finished) {
            return Some(cycle);
        }
        stack.pop();
    }
    finished.insert(module);
    None
}

fn describe_cycle(cycle: &[Edge]) -> String {
    let mut ring: Vec<&str> = cycle.iter().map(|edge| edge.from.as_str()).collect();
    ring.push(&cycle[0].from);
    let because: Vec<String> = cycle
        .iter()
        .map(|edge| {
            format!(
                "  {} → {}: {} names `{}`",
                edge.from, edge.to, edge.file, edge.path
            )
        })
        .collect();
    format!(
        "module cycle: {}\n{}\nModules inside `app` and `cli` use each other one way: move what \
         both need into one of them (or a new module both use), so the arrows stop meeting.",
        ring.join(" → "),
        because.join("\n")
    )
}

pub(crate) fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("a readable src directory")
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
}

/// The module a file under `src/` defines (`cli/train.rs` → `["cli", "train"]`, `lib.rs` →
/// `[]`); `None` for the binary's `main.rs`.
fn module_of(relative: &Path) -> Option<Vec<String>> {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    let file = parts.pop()?;
    match file.as_str() {
        "main.rs" if parts.is_empty() => None,
        "lib.rs" if parts.is_empty() => Some(parts),
        "mod.rs" => Some(parts),
        _ => {
            parts.push(file.trim_end_matches(".rs").to_string());
            Some(parts)
        }
    }
}

/// The text with comments, string and character literals blanked (lifetimes kept).
pub(crate) fn strip_comments_and_literals(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && !chars[..i]
                .last()
                .is_some_and(|p| p.is_alphanumeric() || *p == '_')
        {
            let hashes = chars[i + 1..].iter().take_while(|&&h| h == '#').count();
            if chars.get(i + 1 + hashes) == Some(&'"') {
                i += 2 + hashes;
                while i < chars.len() {
                    if chars[i] == '"'
                        && chars[i + 1..].iter().take_while(|&&h| h == '#').count() >= hashes
                    {
                        i += 1 + hashes;
                        break;
                    }
                    i += 1;
                }
                out.push_str("\"\"");
            } else {
                out.push(c);
                i += 1;
            }
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' && next == Some('\\') {
            i += 2;
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            i += 1;
            out.push_str("' '");
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            i += 3;
            out.push_str("' '");
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Identifiers, `::` and single punctuation characters.
fn tokens(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(chars[start..i].iter().collect());
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            tokens.push("::".into());
            i += 2;
        } else {
            if !c.is_whitespace() {
                tokens.push(c.to_string());
            }
            i += 1;
        }
    }
    tokens
}

/// Every path from the crate (`crate::`, `super::`, `self::`, or `use child::…` of a child
/// module among `modules`) the tokens name, each with the module it is written in (`module` and
/// the inline `mod name { … }` blocks around it), `use` trees expanded to one path per leaf.
fn paths(
    tokens: &[String],
    module: &[String],
    modules: &BTreeSet<Vec<String>>,
) -> Vec<(Vec<String>, Vec<String>)> {
    let mut found = Vec::new();
    let mut inline: Vec<(usize, String)> = Vec::new();
    let mut depth = 0;
    let mut i = 0;
    while i < tokens.len() {
        let token = tokens[i].as_str();
        match token {
            "{" => depth += 1,
            "}" => {
                depth -= 1;
                if inline.last().is_some_and(|(at, _)| *at == depth) {
                    inline.pop();
                }
            }
            "mod" if tokens.get(i + 2).is_some_and(|t| t == "{") => {
                inline.push((depth, tokens[i + 1].clone()));
            }
            _ => {}
        }
        let mut here: Vec<String> = module.to_vec();
        here.extend(inline.iter().map(|(_, name)| name.clone()));
        let child_use = i > 0 && tokens[i - 1] == "use" && {
            let mut child = here.clone();
            child.push(token.to_string());
            modules.contains(&child)
        };
        let starts_path = (matches!(token, "crate" | "super" | "self") || child_use)
            && tokens.get(i + 1).is_some_and(|t| t == "::")
            && !(i > 0 && tokens[i - 1] == "::");
        if starts_path {
            let mut leaves = Vec::new();
            i = use_tree(tokens, i, Vec::new(), &mut leaves);
            for leaf in leaves {
                if let Some(path) = absolute(&leaf, &here) {
                    found.push((here.clone(), path));
                }
            }
            continue;
        }
        i += 1;
    }
    found
}

/// Reads a path or `use` tree starting at `tokens[i]`, pushing each leaf (prefix included);
/// returns the index after it.
fn use_tree(
    tokens: &[String],
    mut i: usize,
    mut prefix: Vec<String>,
    leaves: &mut Vec<Vec<String>>,
) -> usize {
    loop {
        let Some(token) = tokens.get(i) else {
            leaves.push(prefix);
            return i;
        };
        if token == "{" {
            i += 1;
            while tokens.get(i).is_some_and(|t| t != "}") {
                if tokens[i] == "," {
                    i += 1;
                    continue;
                }
                i = use_tree(tokens, i, prefix.clone(), leaves);
            }
            return i + 1;
        }
        if token.chars().all(|c| c.is_alphanumeric() || c == '_') {
            prefix.push(token.clone());
            i += 1;
            if tokens.get(i).is_some_and(|t| t == "::") {
                i += 1;
                continue;
            }
            if tokens.get(i).is_some_and(|t| t == "as") {
                i += 2;
            }
        } else if token == "*" {
            i += 1;
        }
        leaves.push(prefix);
        return i;
    }
}

/// `path` from the crate root, read in module `here`; `None` when it leaves the crate.
fn absolute(path: &[String], here: &[String]) -> Option<Vec<String>> {
    let mut at: Vec<String> = here.to_vec();
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            at.clear();
            rest = &rest[1..];
        }
        Some("self") => rest = &rest[1..],
        _ => {}
    }
    while rest.first().is_some_and(|segment| segment == "super") {
        at.pop()?;
        rest = &rest[1..];
    }
    at.extend(rest.iter().cloned());
    Some(at)
}
