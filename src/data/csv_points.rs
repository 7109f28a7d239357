//! Reading and writing point sets as CSV (`x,y` per line, optional header, blank lines ignored).
//!
//! The format read: one point per line as two comma-separated finite numbers; surrounding
//! whitespace and a trailing `\r` are ignored, blank lines are skipped, and the first non-blank
//! line may be a header (a line none of whose fields is a number). Anything else is an
//! error naming the file and the 1-based line. The format written is `x,y` per line with Rust's
//! shortest round-trip `f64` formatting, so reading back gives the same bits.

use super::DataError;
use crate::Point;
use std::io::Write;
use std::path::Path;

/// Reads the points of a CSV file (see the module docs for the format).
pub fn read_points(path: &Path) -> Result<Vec<Point>, DataError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| DataError::Unreadable {
        path: origin.clone(),
        source,
    })?;
    parse_points(&text, &origin)
}

/// Parses CSV text into points; `origin` (a file path, "clipboard") names the text in errors.
pub fn parse_points(text: &str, origin: &str) -> Result<Vec<Point>, DataError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut points = Vec::new();
    let mut seen_content = false;
    for (index, raw_line) in text.lines().enumerate() {
        let line = raw_line.trim();
        if line.is_empty() {
            continue;
        }
        let first_content = !seen_content;
        seen_content = true;
        if first_content && is_header(line) {
            continue;
        }
        let point = parse_line(line).map_err(|reason| DataError::Malformed {
            path: origin.to_string(),
            line: index + 1,
            reason,
        })?;
        if points.len() == crate::limits::MAX_POINTS {
            return Err(DataError::TooLarge(crate::limits::LimitError {
                option: format!("the points of {origin}"),
                value: (points.len() + 1) as u64,
                limit: crate::limits::MAX_POINTS as u64,
                bytes: None,
            }));
        }
        points.push(point);
    }
    if points.is_empty() {
        return Err(DataError::Empty(origin.to_string()));
    }
    Ok(points)
}

/// Whether a line is a header: none of its fields parses as a number (`x,y`, `"a";"b"`).
pub(crate) fn is_header(line: &str) -> bool {
    line.split(',')
        .all(|field| field.trim().parse::<f64>().is_err())
}

/// Parses one non-blank line as `x,y`; the error says what is wrong.
fn parse_line(line: &str) -> Result<Point, String> {
    let fields: Vec<&str> = line.split(',').map(str::trim).collect();
    if fields.len() != 2 {
        return Err(format!(
            "expected 2 comma-separated numbers (x,y), found {} field(s) in '{}'",
            fields.len(),
            excerpt(line)
        ));
    }
    let mut point = [0.0; 2];
    for (coordinate, field) in point.iter_mut().zip(&fields) {
        let value: f64 = field
            .parse()
            .map_err(|_| format!("'{}' is not a number", excerpt(field)))?;
        if !value.is_finite() {
            return Err(format!("'{field}' is not a finite number"));
        }
        if value.abs() > crate::limits::MAX_COORDINATE_F64 {
            return Err(format!(
                "'{field}' is too large: squared distances would overflow f64 (|x| must be at \
                 most {:e}); rescale the data",
                crate::limits::MAX_COORDINATE_F64
            ));
        }
        *coordinate = value;
    }
    Ok(point)
}

/// The characters of a CSV line or field quoted in an error message at most (about 60).
const EXCERPT_CHARS: usize = 60;

/// `text` as an error message quotes it: whole up to [`EXCERPT_CHARS`] characters, else its
/// first ones and "…" with the length (a 64-column line would otherwise fill the terminal).
pub(crate) fn excerpt(text: &str) -> String {
    let length = text.chars().count();
    if length <= EXCERPT_CHARS {
        return text.to_string();
    }
    let head: String = text.chars().take(EXCERPT_CHARS - 1).collect();
    format!("{head}… ({length} characters)")
}

/// Writes `x,y` lines, one per point, with enough digits to read back the same `f64`s.
pub fn write_points(out: &mut impl Write, points: &[Point]) -> std::io::Result<()> {
    for [x, y] in points {
        writeln!(out, "{x},{y}")?;
    }
    Ok(())
}

/// Saves points to a CSV file, through a temporary file renamed into place: a failure (full
/// disk, unwritable folder) leaves an existing file as it was and no temporary file behind.
pub fn save_points(path: &Path, points: &[Point]) -> Result<(), DataError> {
    crate::files::write_atomically(path, |out| write_points(out, points))
        .map(drop)
        .map_err(|source| DataError::Unwritable {
            path: path.display().to_string(),
            source,
        })
}
