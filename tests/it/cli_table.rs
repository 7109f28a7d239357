//! `nsgf table`: the paper's Table 1 protocol as a Markdown table.

use crate::support::nsgf;

#[test]
fn the_table_has_every_pair_both_step_counts_the_floor_and_the_paper_row() {
    let models = std::env::temp_dir().join(format!("nsgf-table-{}", std::process::id()));
    let output = nsgf(&[
        "table",
        "--iterations",
        "2",
        "--repeats",
        "1",
        "--n",
        "96",
        "--models",
        models.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let rows: Vec<Vec<&str>> = stdout
        .lines()
        .filter(|line| line.starts_with('|') && !line.starts_with("|---"))
        .map(|line| line.trim_matches('|').split('|').map(str::trim).collect())
        .collect();
    assert_eq!(
        rows.len(),
        7,
        "header, 2 × (ours, paper), floor, time:\n{stdout}"
    );
    assert_eq!(
        rows[0][1..],
        [
            "gaussian → cfm-8gaussians",
            "cfm-8gaussians → cfm-moons",
            "gaussian → cfm-moons",
            "gaussian → scurve",
            "gaussian → checkerboard"
        ]
    );
    assert_eq!(rows[2][0], "paper NSGF, 10 steps");
    assert_eq!(rows[2][1].trim_end_matches('*'), "0.285");
    assert_eq!(rows[4][5].trim_end_matches('*'), "0.147");
    // Our W2 and the floor are real positive numbers; a paper value below the floor is starred.
    let floor: Vec<f64> = rows[5][1..].iter().map(|c| c.parse().unwrap()).collect();
    for (row, paper) in [(1, 2), (3, 4)] {
        for column in 1..=5 {
            let ours: f64 = rows[row][column].parse().unwrap();
            assert!(ours > 0.0 && ours.is_finite());
            let cell = rows[paper][column];
            let value: f64 = cell.trim_end_matches('*').parse().unwrap();
            assert_eq!(cell.ends_with('*'), value < floor[column - 1], "{cell}");
        }
    }
    assert!(stdout.contains("arXiv 2401.14069"));
    // The ten models were saved and load; the 100-step ones flowed 100 Euler steps.
    for (source, target) in nsgf::cli::table::PAIRS {
        for steps in nsgf::cli::table::STEPS {
            let path = models.join(format!("{source}-to-{target}-{steps}.json"));
            let model = nsgf::model::TrainedModel::load(&path).unwrap();
            assert_eq!(model.config.flow.steps, steps);
        }
    }
    std::fs::remove_dir_all(&models).ok();
}

#[test]
fn bad_table_options_are_errors() {
    for args in [["--n", "0"], ["--repeats", "0"], ["--n", "100000000"]] {
        let mut full = vec!["table"];
        full.extend(args);
        let output = nsgf(&full);
        assert!(!output.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(args[0]), "{args:?}: {stderr}");
    }
}

#[test]
fn the_onestep_comparison_has_four_models_per_target_and_saves_them() {
    let models = std::env::temp_dir().join(format!("nsgf-onestep-{}", std::process::id()));
    let output = nsgf(&[
        "onestep",
        "--targets",
        "moons,checkerboard",
        "--iterations",
        "3",
        "--teacher-iterations",
        "2",
        "--repeats",
        "1",
        "--n",
        "64",
        "--models",
        models.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let rows: Vec<Vec<&str>> = stdout
        .lines()
        .filter(|line| line.starts_with('|') && !line.starts_with("|---"))
        .map(|line| line.trim_matches('|').split('|').map(str::trim).collect())
        .collect();
    assert_eq!(rows.len(), 1 + 2 * 4, "{stdout}");
    for row in &rows[1..] {
        let nfe: usize = row[2].parse().unwrap();
        assert_eq!(
            nfe,
            if row[1].starts_with("NSGF") { 10 } else { 1 },
            "{row:?}"
        );
        let (w2, floor, ratio): (f64, f64, f64) = (
            row[3].parse().unwrap(),
            row[4].parse().unwrap(),
            row[5].parse().unwrap(),
        );
        assert!(
            w2 > 0.0 && floor > 0.0 && (w2 / floor - ratio).abs() < 0.01,
            "{row:?}"
        );
        // A student's cost names its teacher's.
        assert_eq!(
            row[6].contains("before"),
            row[1].contains("distilled"),
            "{row:?}"
        );
    }
    let saved = std::fs::read_dir(&models).unwrap().count();
    assert_eq!(saved, 8, "every model is saved");
    std::fs::remove_dir_all(&models).ok();

    // The Table 1 protocol refuses one-step generators and says where they are compared.
    let output = nsgf(&["table", "--method", "onestep"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("nsgf onestep"), "{stderr}");
}

#[test]
fn the_digits_table_puts_every_method_side_by_side_and_checks_its_sizes() {
    let out = nsgf(&[
        "table",
        "--target",
        "digits",
        "--iterations",
        "1",
        "--n",
        "20",
        "--repeats",
        "2",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("| NSGF") || l.starts_with("| one-step"))
        .collect();
    assert_eq!(rows.len(), 5, "{text}");
    for (row, nfe) in rows.iter().zip(["10", "20", "7", "10", "1"]) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        assert_eq!(cells[2], nfe, "{row}");
        // "W2 ± se" and "floor ± se", and a ratio that is their quotient.
        let mean = |cell: &str| cell.split(" ± ").next().unwrap().parse::<f64>().unwrap();
        let (w2, floor) = (mean(cells[3]), mean(cells[4]));
        let ratio: f64 = cells[5].parse().unwrap();
        assert!((w2 / floor - ratio).abs() < 0.01, "{row}");
    }
    assert!(
        rows[4].starts_with("| one-step (distilled from NSGF++) | 1 |")
            && rows[4].contains("teacher"),
        "{text}"
    );
    // Sizes the floor cannot take, and other targets, are refused with the reason.
    for (args, needle) in [
        (
            &["table", "--target", "digits", "--n", "500"][..],
            "2..=449",
        ),
        (&["table", "--target", "moons"][..], "digits"),
    ] {
        let out = nsgf(args);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains(needle));
    }
}
