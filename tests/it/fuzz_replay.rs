//! Replays the fuzz corpus and every crash the fuzzers found (`fuzz/corpus/<target>/`,
//! `fuzz/regressions/<target>/`) through the same checks the libFuzzer targets run
//! (`nsgf::fuzz_checks`), on stable and in `cargo test`.

use std::path::PathBuf;

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut found = Vec::new();
    for folder in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(folder).join(target)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_file() {
                let bytes = std::fs::read(&path).expect("readable corpus file");
                found.push((path, bytes));
            }
        }
    }
    found.sort();
    found
}

fn replay(target: &str, check: fn(&[u8])) {
    let inputs = inputs(target);
    assert!(!inputs.is_empty(), "no corpus for {target}");
    for (path, bytes) in &inputs {
        let outcome = std::panic::catch_unwind(|| check(bytes));
        assert!(outcome.is_ok(), "{target} fails on {}", path.display());
    }
}

#[test]
fn the_csv_reader_corpus_replays_cleanly() {
    replay("csv_reader", nsgf::fuzz_checks::csv_reader);
}

#[test]
fn the_model_loader_corpus_replays_cleanly() {
    replay("model_loader", nsgf::fuzz_checks::model_loader);
}

#[test]
fn the_velocity_corpus_replays_cleanly() {
    replay("velocity", nsgf::fuzz_checks::velocity);
}
