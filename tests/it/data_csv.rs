//! CSV point files: parsing rules, error lines, exact round trips, and `Distribution::parse` of files.

use nsgf::Point;
use nsgf::data::csv_points::{parse_points, read_points, save_points, write_points};
use nsgf::data::{DataError, Distribution, Preset, seeded_rng};

fn malformed_line(text: &str) -> usize {
    match parse_points(text, "t.csv") {
        Err(DataError::Malformed { line, path, .. }) => {
            assert_eq!(path, "t.csv");
            line
        }
        other => panic!("expected Malformed for {text:?}, got {other:?}"),
    }
}

#[test]
fn parses_plain_header_blank_lines_and_whitespace() {
    let points = parse_points("1,2\n-3.5, 4e-3\n", "a").unwrap();
    assert_eq!(points, vec![[1.0, 2.0], [-3.5, 4e-3]]);
    let points = parse_points("x,y\r\n  1 , 2 \r\n\r\n\n3,4\n\n", "a").unwrap();
    assert_eq!(points, vec![[1.0, 2.0], [3.0, 4.0]]);
    let points = parse_points("\n\n\"x\",\"y\"\n5,6", "a").unwrap();
    assert_eq!(points, vec![[5.0, 6.0]]);
    let points = parse_points("\u{feff}x,y\n7,8\n", "a").unwrap();
    assert_eq!(points, vec![[7.0, 8.0]]);
}

#[test]
fn rejects_bad_lines_with_their_line_numbers() {
    assert_eq!(malformed_line("1,2\nx,y\n"), 2); // a header is only allowed first
    assert_eq!(malformed_line("1,2\n3\n"), 2);
    assert_eq!(malformed_line("1,2\n\n3,4,5\n"), 3);
    assert_eq!(malformed_line("x,y\n1,2\n1,abc\n"), 3);
    assert_eq!(malformed_line("NaN,1\n"), 1);
    assert_eq!(malformed_line("1,2\n1,inf\n"), 2);
    assert_eq!(malformed_line("1,2\n-inf,0\n"), 2);
    assert_eq!(malformed_line("1;2\n3;4\n"), 2); // first line taken as a header, the second fails
    assert_eq!(malformed_line("1,,2\n"), 1);
    let message = parse_points("1,2\n1,abc\n", "pts.csv")
        .unwrap_err()
        .to_string();
    assert!(message.starts_with("pts.csv:2:"), "{message}");
    assert!(message.contains("abc"), "{message}");
}

#[test]
fn empty_inputs_are_empty_errors() {
    for text in ["", "\n\n", "x,y\n", "x,y\n\n  \n"] {
        match parse_points(text, "e.csv") {
            Err(DataError::Empty(origin)) => assert_eq!(origin, "e.csv"),
            other => panic!("{text:?}: {other:?}"),
        }
    }
}

#[test]
fn write_then_parse_round_trips_exactly() {
    let mut points: Vec<Point> = Preset::TwoSpirals.sample(500, &mut seeded_rng(3));
    points.extend([
        [0.1, -0.0],
        [1e-300, -2.9999999999999997e153],
        [f64::MIN_POSITIVE, 5e-324],
        [1.0 / 3.0, 2.0f64.sqrt()],
    ]);
    let mut bytes = Vec::new();
    write_points(&mut bytes, &points).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    assert_eq!(text.lines().count(), points.len());
    let back = parse_points(&text, "mem").unwrap();
    assert_eq!(back.len(), points.len());
    for (a, b) in points.iter().zip(&back) {
        assert_eq!(a[0].to_bits(), b[0].to_bits());
        assert_eq!(a[1].to_bits(), b[1].to_bits());
    }
}

#[test]
fn files_save_read_and_parse_as_distributions() {
    let dir = std::env::temp_dir().join(format!("nsgf-data-csv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("points.csv");
    let points = Preset::Moons.sample(64, &mut seeded_rng(1));
    save_points(&path, &points).unwrap();
    assert_eq!(read_points(&path).unwrap(), points);
    let spec = path.to_str().unwrap();
    let distribution = Distribution::parse(spec).unwrap();
    assert_eq!(distribution.label(), spec);
    assert_eq!(
        distribution,
        Distribution::Points {
            label: spec.to_string(),
            points: points.clone()
        }
    );
    // A malformed file names itself and its line.
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "x,y\n1,2\n3,oops\n").unwrap();
    let message = Distribution::parse(bad.to_str().unwrap())
        .unwrap_err()
        .to_string();
    assert!(message.contains("bad.csv:3:"), "{message}");
    // Missing files and unwritable paths.
    let missing = dir.join("missing.csv");
    assert!(matches!(
        read_points(&missing),
        Err(DataError::Unreadable { .. })
    ));
    let unwritable = dir.join("no-such-dir").join("out.csv");
    assert!(matches!(
        save_points(&unwritable, &points),
        Err(DataError::Unwritable { .. })
    ));
    // A directory is not a file: parse reports an unknown distribution.
    assert!(matches!(
        Distribution::parse(dir.to_str().unwrap()),
        Err(DataError::UnknownPreset { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn fixture_files_read() {
    let a = read_points(std::path::Path::new("tests/fixtures/w2_a.csv")).unwrap();
    assert_eq!(a.len(), 50);
    assert_eq!(a[0], [-1.1090091065152694, -0.8733410823282927]);
}

#[test]
fn a_first_line_with_a_number_is_data_not_a_header() {
    assert_eq!(malformed_line("1,abc\n2,3\n"), 1);
    assert_eq!(malformed_line("x,2\n2,3\n"), 1);
}

#[test]
fn coordinates_whose_squares_overflow_are_refused_with_their_line() {
    let error = parse_points("0,0\n1,-1.7976931348623157e308\n", "huge.csv").unwrap_err();
    let text = error.to_string();
    assert!(text.starts_with("huge.csv:2:"), "{text}");
    assert!(text.contains("overflow f64"), "{text}");
}
