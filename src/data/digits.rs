//! The handwritten digits: 1797 images of 8×8 pixels (values 0–16; UCI "Optical Recognition of
//! Handwritten Digits", CC BY 4.0, attribution in `assets/digits/README.md`), shipped inside the
//! binary, as points in 64 dimensions with pixels scaled to [−1, 1] (p/8 − 1). Even-numbered
//! images train, odd-numbered ones are held out for evaluation.

use super::csv_rows::Rows;
use crate::data::csv_rows::parse_table;
use std::sync::OnceLock;

/// Pixels per image side.
pub(crate) const SIDE: usize = 8;
/// The dimension of a digit: 8 × 8 pixels.
pub(crate) const DIM: usize = SIDE * SIDE;

/// The shipped CSV (`label,p0,…,p63` per line).
const CSV: &str = include_str!("../../assets/digits/digits8x8.csv");

/// The parsed digits: pixels scaled to [−1, 1].
struct Digits {
    pixels: Rows,
}

fn digits() -> &'static Digits {
    static DIGITS: OnceLock<Digits> = OnceLock::new();
    DIGITS.get_or_init(|| {
        let table = parse_table(CSV, "assets/digits/digits8x8.csv")
            .expect("the shipped digits parse (checked by a test)");
        let pixels = table.without_column("label").rows.mapv(|p| p / 8.0 - 1.0);
        Digits { pixels }
    })
}

/// Every digit, one per row, pixels in [−1, 1] (row-major, top-left first).
fn all() -> &'static Rows {
    &digits().pixels
}

/// The even-numbered digits: what models train on (899 images).
pub(crate) fn training() -> Rows {
    every_other(0)
}

/// The odd-numbered digits: held out for evaluation (898 images).
pub(crate) fn held_out() -> Rows {
    every_other(1)
}

fn every_other(first: usize) -> Rows {
    let picked: Vec<usize> = (first..all().nrows()).step_by(2).collect();
    all().select(ndarray::Axis(0), &picked)
}

/// A pixel value in [−1, 1] as a grey level 0–255 (−1 black, 1 white), clamped.
pub(crate) fn grey_level(value: f64) -> u8 {
    (((value + 1.0) * 0.5).clamp(0.0, 1.0) * 255.0).round() as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_digits_are_1797_images_of_64_pixels_in_range() {
        assert_eq!(all().dim(), (1797, DIM));
        assert!(all().iter().all(|&p| (-1.0..=1.0).contains(&p)));
        assert_eq!(training().nrows() + held_out().nrows(), 1797);
        assert_eq!(training().row(1), all().row(2));
        assert_eq!(grey_level(-1.0), 0);
        assert_eq!(grey_level(1.0), 255);
    }
}
