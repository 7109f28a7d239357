//! Reading point clouds of any width from CSV: one point per line, comma-separated numbers, an
//! optional header line of names; every malformed line is an error naming the file and line.

use super::DataError;

/// A cloud of points in d dimensions, one per row.
pub type Rows = ndarray::Array2<f64>;
use super::csv_points::excerpt;
use crate::PointCloud;
use std::path::Path;

/// A CSV table of numbers: its column names (when the file has a header) and its rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The header's names, if the first line is one.
    pub columns: Option<Vec<String>>,
    /// One row per data line.
    pub rows: Rows,
}

impl Table {
    /// The table without the column called `name` (no change when there is none).
    pub(crate) fn without_column(self, name: &str) -> Self {
        let Some(columns) = &self.columns else {
            return self;
        };
        let Some(index) = columns.iter().position(|c| c == name) else {
            return self;
        };
        let kept: Vec<usize> = (0..columns.len()).filter(|&c| c != index).collect();
        Self {
            rows: self.rows.select(ndarray::Axis(1), &kept),
            columns: Some(kept.iter().map(|&c| columns[c].clone()).collect()),
        }
    }
}

/// Whether CSV `text` holds points of more than two coordinates: its first non-blank line has
/// more than two fields, a `label` column not counted (a malformed later line is then reported
/// by [`parse_table`], with its number).
pub(crate) fn is_wide_text(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .is_some_and(|line| {
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            let labels = usize::from(fields.contains(&"label"));
            fields.len() - labels > 2
        })
}

/// Reads `path` (`parse_table` names it in errors).
pub fn read_table(path: &Path) -> Result<Table, DataError> {
    let text = std::fs::read_to_string(path).map_err(|source| DataError::Unreadable {
        path: path.display().to_string(),
        source,
    })?;
    parse_table(&text, &path.display().to_string())
}

/// Parses CSV `text` from `origin`: blank lines are skipped, a first line of names (no field a
/// number, as `x,y` files have it) is the header, and every other line must hold as many finite
/// numbers as the first.
pub(crate) fn parse_table(text: &str, origin: &str) -> Result<Table, DataError> {
    let malformed = |line: usize, reason: String| DataError::Malformed {
        path: origin.to_string(),
        line,
        reason,
    };
    let mut columns = None;
    let mut width = None;
    let mut values = Vec::new();
    let mut rows = 0;
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            continue;
        }
        let fields: Vec<&str> = trimmed.split(',').map(str::trim).collect();
        let parsed: Vec<Result<f64, _>> = fields.iter().map(|f| f.parse::<f64>()).collect();
        if width.is_none() && columns.is_none() && super::csv_points::is_header(trimmed) {
            columns = Some(fields.iter().map(|f| (*f).to_string()).collect::<Vec<_>>());
            width = Some(fields.len());
            continue;
        }
        let expected = *width.get_or_insert(fields.len());
        if fields.len() != expected {
            return Err(malformed(
                line,
                format!("expected {expected} values, found {}", fields.len()),
            ));
        }
        for (column, (field, value)) in fields.iter().zip(parsed).enumerate() {
            match value {
                Ok(v) if v.is_finite() => values.push(v),
                Ok(_) => {
                    return Err(malformed(
                        line,
                        format!(
                            "column {}: {} is not a finite number",
                            column + 1,
                            excerpt(field)
                        ),
                    ));
                }
                Err(_) => {
                    return Err(malformed(
                        line,
                        format!(
                            "column {}: {:?} is not a number",
                            column + 1,
                            excerpt(field)
                        ),
                    ));
                }
            }
        }
        rows += 1;
    }
    let Some(width) = width.filter(|_| rows > 0) else {
        return Err(DataError::Malformed {
            path: origin.to_string(),
            line: text.lines().count().max(1),
            reason: "no data lines".into(),
        });
    };
    let rows = Rows::from_shape_vec((rows, width), values).expect("rows × width values");
    Ok(Table { columns, rows })
}

/// Writes one point as a CSV line: its coordinates with the shortest digits that read back the
/// same `f64`s.
pub fn write_point(out: &mut impl std::io::Write, point: &[f64]) -> std::io::Result<()> {
    for (k, value) in point.iter().enumerate() {
        if k > 0 {
            out.write_all(b",")?;
        }
        write!(out, "{value}")?;
    }
    out.write_all(b"\n")
}

/// Reads a CSV file of points of any width as a cloud (`parse_table`; a `label` column, as
/// in the digits files, is dropped).
pub fn read_cloud(path: &Path) -> Result<PointCloud, DataError> {
    Ok(table_cloud(read_table(path)?))
}

/// The rows of `table` as a cloud, without its `label` column.
pub fn table_cloud(table: Table) -> PointCloud {
    let rows = table.without_column("label").rows;
    let dim = rows.ncols();
    PointCloud::from_flat(dim, rows.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_is_kept_apart_and_a_column_can_be_dropped() {
        let table = parse_table("label,a,b\n1,2,3\n\n4,5,6\n", "t.csv").unwrap();
        assert_eq!(table.rows.dim(), (2, 3));
        let table = table.without_column("label");
        assert_eq!(table.rows, ndarray::array![[2.0, 3.0], [5.0, 6.0]]);
        assert_eq!(table.columns, Some(vec!["a".into(), "b".into()]));
    }

    #[test]
    fn bad_lines_are_named_by_file_and_line() {
        let error = parse_table("1,2,3\n4,5\n", "w.csv")
            .unwrap_err()
            .to_string();
        assert_eq!(error, "w.csv:2: expected 3 values, found 2");
        let error = parse_table("1,2\n3,x\n", "w.csv").unwrap_err().to_string();
        assert_eq!(error, "w.csv:2: column 2: \"x\" is not a number");
        let error = parse_table("1,inf\n", "w.csv").unwrap_err().to_string();
        assert_eq!(error, "w.csv:1: column 2: inf is not a finite number");
        let error = parse_table("a,b\n", "w.csv").unwrap_err().to_string();
        assert_eq!(error, "w.csv:1: no data lines");
    }
}
