//! `nsgf table`'s output: one pair's rows as a Markdown table (the floor, the S_ε column, the
//! verdict against OT-CFM at 100 NFE, the paper's number) and the protocol in words under them.

use crate::metrics::{Estimate, compare};
use crate::model::{Floor, Method, Protocol};
use std::fmt::Write as _;

/// One row of the table: a run at one NFE, over every seed.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// The run's label.
    pub label: String,
    /// The method.
    pub method: Method,
    /// Network evaluations.
    pub nfe: usize,
    /// Mean training seconds over the seeds (None: a further NFE of the row above's models).
    pub train_seconds: Option<f64>,
    /// Mean training seconds of the teacher (a distilled run's total cost is both).
    pub teacher_seconds: Option<f64>,
    /// W2 pooled over the seeds ([`Estimate::pooled`]).
    pub w2: Estimate,
    /// S_ε pooled over the seeds.
    pub sinkhorn: Option<Estimate>,
    /// The mean nearest-training-point median (NaN without a fixed training set).
    pub nearest_median: f64,
    /// The same for held-out points.
    pub held_out_nearest_median: f64,
    /// The paper's number for this row, if it has one.
    pub paper: Option<f64>,
}

/// One pair's table.
#[derive(Debug, Clone)]
pub(crate) struct PairTable {
    /// Source and target labels.
    pub pair: (String, String),
    /// The floor of the target.
    pub floor: Floor,
    /// The rows.
    pub rows: Vec<Row>,
    /// Training seeds pooled in every row.
    pub seeds: usize,
}

/// One pair's table in Markdown: a row per run and NFE, with the floor and, where OT-CFM at
/// 100 NFE is in the table, each row's verdict against it.
pub(crate) fn markdown(table: &PairTable, protocol: &Protocol) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### {} → {}\n", table.pair.0, table.pair.1);
    let columns = OptionalColumns::of(table, protocol);
    let header = columns.header();
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
    for row in &table.rows {
        let _ = writeln!(out, "| {} |", columns.row_cells(table, row).join(" | "));
    }
    if let Some(floor) = table.floor.sinkhorn {
        let _ = writeln!(out, "\nS_ε floor (two target samples): {floor:.4}");
    }
    if columns.nearest {
        let held_out = table
            .rows
            .first()
            .map_or(f64::NAN, |r| r.held_out_nearest_median);
        let _ = writeln!(
            out,
            "\nHeld-out points' nearest training point (median): {held_out:.2}"
        );
    }
    out.push('\n');
    out
}

/// The columns a table has beyond the fixed ones, decided once for all its rows.
struct OptionalColumns {
    /// The S_ε column's header, when the protocol measures S_ε.
    sinkhorn_header: Option<String>,
    /// Whether the nearest-training-point column is there (some row has a finite median).
    nearest: bool,
    /// The W2 of OT-CFM at 100 NFE, the reference of the verdict column, when in the table.
    reference: Option<Estimate>,
}

impl OptionalColumns {
    /// The optional columns of `table` under `protocol`.
    fn of(table: &PairTable, protocol: &Protocol) -> Self {
        Self {
            sinkhorn_header: protocol
                .sinkhorn
                .map(|m| format!("S_ε (ε = {})", super::eval::format_eps(m.eps()))),
            nearest: table.rows.iter().any(|r| r.nearest_median.is_finite()),
            reference: table.rows.iter().find(|r| is_reference(r)).map(|r| r.w2),
        }
    }

    /// The header cells, fixed and optional, in the table's order.
    fn header(&self) -> Vec<&str> {
        let mut header = vec![
            "method",
            "NFE",
            "training",
            "W2",
            "seed sd",
            "floor",
            "W2 / floor",
        ];
        if let Some(h) = &self.sinkhorn_header {
            header.push(h);
        }
        if self.nearest {
            header.push("nearest training point (median)");
        }
        if self.reference.is_some() {
            header.push("vs OT-CFM at 100 NFE");
        }
        header.push("paper's W2");
        header
    }

    /// The cells of `row` of `table`, in the order of [`OptionalColumns::header`].
    fn row_cells(&self, table: &PairTable, row: &Row) -> Vec<String> {
        let mut cells = vec![
            row.label.clone(),
            row.nfe.to_string(),
            training_cell(row),
            format!("{:.3}", row.w2),
            // One seed has no seed-to-seed spread.
            if table.seeds > 1 {
                format!("{:.3}", row.w2.spread)
            } else {
                "–".into()
            },
            format!("{:.3}", table.floor.w2),
            format!("{:.2}", row.w2.mean / table.floor.w2.mean),
        ];
        if self.sinkhorn_header.is_some() {
            cells.push(row.sinkhorn.map_or("–".into(), |s| format!("{s:.4}")));
        }
        if self.nearest {
            cells.push(format!("{:.2}", row.nearest_median));
        }
        if let Some(reference) = &self.reference {
            cells.push(if is_reference(row) {
                "(reference)".into()
            } else {
                compare(&row.w2, reference).to_string()
            });
        }
        cells.push(
            row.paper
                .map_or(String::new(), |p| format!("{p:.3} (paper)")),
        );
        cells
    }
}

/// Whether `row` is OT-CFM at 100 NFE, the row every other one is compared with.
fn is_reference(row: &Row) -> bool {
    row.method == Method::OtCfm && row.nfe == 100
}

/// The training column of `row`: its mean seconds, plus the teacher's for a distilled run, or
/// "(same model)" for a further NFE of the row above's models.
fn training_cell(row: &Row) -> String {
    match (row.train_seconds, row.teacher_seconds) {
        (None, _) => "(same model)".to_string(),
        (Some(own), None) => format!("{own:.1} s"),
        (Some(own), Some(teacher)) => format!("{own:.1} s + teacher {teacher:.1} s"),
    }
}

/// The protocol in words, printed under the tables.
pub(crate) fn protocol_note(
    protocol: &Protocol,
    seeds: usize,
    iterations: Option<usize>,
) -> String {
    let mut out = format!(
        "W2: exact assignment between {n} model samples and {n} fresh target samples, mean ± \
         standard error over {draws} draws per training seed, pooled over {seeds} seed(s) (the \
         standard error the larger of the seed means' s/√k and the draws' √(Σ SE²)/k); seed \
         sd: the standard deviation of the seeds' means. floor: W2 between two independent \
         target samples of {n}, over {draws} pairs. \"within noise\": a difference smaller \
         than 2 × √(SE₁² + SE₂²); \"better\"/\"worse by\": the difference and how many combined \
         SE it is.",
        n = protocol.samples,
        draws = protocol.draws,
    );
    if let Some(metric) = protocol.sinkhorn {
        let _ = write!(
            out,
            " S_ε: the debiased Sinkhorn divergence at blur {} (ε = {}), scaling {}, between {} \
             model and {} target samples (at most half a finite target's held-out points), over \
             {} draws.",
            metric.blur,
            super::eval::format_eps(metric.eps()),
            metric.scaling,
            metric.samples,
            metric.samples,
            metric.draws
        );
    }
    if let Some(iterations) = iterations {
        let _ = write!(
            out,
            " Not at the defaults: every model trained {iterations} outer iterations."
        );
    }
    out.push_str(
        " Paper: Zhu et al., \"Neural Sinkhorn Gradient Flow\", arXiv 2401.14069, Table 1 (its \
         NSGF row; its W2 protocol differs: most of its values lie below this floor).\n",
    );
    out
}
