//! `nsgf table`: the paper's Table 1 protocol as a Markdown table.

use crate::support::nsgf;

/// The Markdown rows of `stdout` (header included), split into trimmed cells.
fn table_rows(stdout: &str) -> Vec<Vec<String>> {
    stdout
        .lines()
        .filter(|line| line.starts_with('|') && !line.starts_with("|---"))
        .map(|line| {
            line.trim_matches('|')
                .split('|')
                .map(|cell| cell.trim().to_string())
                .collect()
        })
        .collect()
}

/// The mean of a "mean ± SE" cell.
fn mean_of(cell: &str) -> f64 {
    cell.split(" ± ").next().unwrap().parse().unwrap()
}

#[test]
fn the_table_puts_the_methods_side_by_side_at_their_nfes_and_reloads_its_models() {
    let models = std::env::temp_dir().join(format!("nsgf-table-{}", std::process::id()));
    let args = [
        "table",
        "--pairs",
        "cfm-moons",
        "--methods",
        "nsgf,otcfm,icfm",
        "--iterations",
        "2",
        "--seeds",
        "2",
        "--draws",
        "2",
        "--n",
        "64",
        "--models",
        models.to_str().unwrap(),
    ];
    let output = nsgf(&args);
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.starts_with("### gaussian → cfm-moons"), "{stdout}");
    let rows = table_rows(&stdout);
    assert_eq!(
        rows[0],
        [
            "method",
            "NFE",
            "training",
            "W2",
            "seed sd",
            "floor",
            "W2 / floor",
            "vs OT-CFM at 100 NFE",
            "paper's W2"
        ]
    );
    let labels: Vec<(&str, &str)> = rows[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    let mut expected = vec![("NSGF (T = 10)", "10"), ("NSGF (T = 100)", "100")];
    for method in ["OT-CFM", "I-CFM"] {
        for nfe in ["1", "2", "5", "10", "100"] {
            expected.push((method, nfe));
        }
    }
    assert_eq!(labels, expected, "{stdout}");
    for row in &rows[1..] {
        let (w2, floor) = (mean_of(&row[3]), mean_of(&row[5]));
        let ratio: f64 = row[6].parse().unwrap();
        assert!(
            w2 > 0.0 && floor > 0.0 && (w2 / floor - ratio).abs() < 0.01,
            "{row:?}"
        );
        let verdict = &row[7];
        if row[0] == "OT-CFM" && row[1] == "100" {
            assert_eq!(verdict, "(reference)");
        } else {
            assert!(
                ["within noise", "better by", "worse by"]
                    .iter()
                    .any(|v| verdict.starts_with(v)),
                "{row:?}"
            );
        }
        // Only NSGF has the paper's number: gaussian → cfm-moons, 0.077 at 10 and 0.067 at 100.
        let paper = match row[0].as_str() {
            "NSGF (T = 10)" => "0.077 (paper)",
            "NSGF (T = 100)" => "0.067 (paper)",
            _ => "",
        };
        assert_eq!(row[8], paper, "{row:?}");
        // A model's first NFE gives its training time, the next ones the same model's.
        let first = row[1] == "1" || row[0].starts_with("NSGF");
        assert_eq!(row[2].ends_with(" s"), first, "{row:?}");
    }
    assert!(stdout.contains("over 2 seed(s)") && stdout.contains("arXiv 2401.14069"));
    assert!(stdout.contains("Not at the defaults: every model trained 2 outer iterations"));
    // Every seed's model was saved; a second run loads them and gives the same table.
    for stem in ["nsgf10", "nsgf100", "otcfm", "icfm"] {
        for seed in [0, 1] {
            let path = models.join(format!("gaussian-to-cfm-moons-{stem}-seed{seed}.json"));
            let model = nsgf::model::TrainedModel::load(&path).unwrap();
            assert_eq!(model.config.seed, seed);
        }
    }
    let again = nsgf(&args);
    assert!(String::from_utf8_lossy(&again.stderr).contains("loaded"));
    assert_eq!(String::from_utf8_lossy(&again.stdout), stdout);
    std::fs::remove_dir_all(&models).ok();
}

#[test]
fn bad_table_options_are_errors() {
    for args in [
        &["--n", "1"][..],
        &["--draws", "0"][..],
        &["--seeds", "0"][..],
        &["--n", "100000000"][..],
        &["--pairs", "gaussian:nosuchpreset"][..],
        &["--methods", "nosuchmethod"][..],
    ] {
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
}

#[test]
fn the_digits_table_puts_every_method_side_by_side_and_checks_its_sizes() {
    let out = nsgf(&[
        "table",
        "--target",
        "digits",
        "--methods",
        "nsgf,nsgfpp,onestep,icfm",
        "--iterations",
        "1",
        "--seeds",
        "1",
        "--n",
        "20",
        "--draws",
        "2",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("### normal64 → digits"), "{text}");
    let rows = table_rows(&text);
    assert_eq!(rows[0][7], "nearest training point (median)", "{text}");
    let labels: Vec<(&str, &str)> = rows[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    assert_eq!(
        labels,
        [
            ("NSGF (T = 10)", "10"),
            ("NSGF (T = 10)", "20"),
            ("NSGF++ (T₁ = 5)", "7"),
            ("NSGF++ (T₁ = 5)", "10"),
            ("one-step (distilled from NSGF++)", "1"),
            ("I-CFM", "1"),
            ("I-CFM", "2"),
            ("I-CFM", "5"),
            ("I-CFM", "10"),
            ("I-CFM", "100"),
        ],
        "{text}"
    );
    for row in &rows[1..] {
        // "W2 ± se" and "floor ± se", and a ratio that is their quotient.
        let (w2, floor) = (mean_of(&row[3]), mean_of(&row[5]));
        let ratio: f64 = row[6].parse().unwrap();
        assert!((w2 / floor - ratio).abs() < 0.01, "{row:?}");
        let nearest: f64 = row[7].parse().unwrap();
        assert!(nearest > 0.0, "{row:?}");
    }
    assert!(rows[5][2].contains("teacher"), "{text}");
    assert!(text.contains("Held-out points' nearest training point (median)"));
    // Sizes the floor cannot take, other targets, and a one-step run without its teacher are
    // refused with the reason.
    for (args, needle) in [
        (
            &["table", "--target", "digits", "--n", "500"][..],
            "2..=449",
        ),
        (&["table", "--target", "moons"][..], "digits"),
        (
            &["table", "--target", "digits", "--methods", "onestep"][..],
            "nsgfpp",
        ),
    ] {
        let out = nsgf(args);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains(needle));
    }
}
