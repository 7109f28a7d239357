//! Fault injection on every write path (model save, CSV save, GIF export — the GIF's own cancel
//! and failure cases are in `gif_export`): a failed or interrupted write keeps the previous
//! file intact and leaves no temporary file behind.

use nsgf::data::csv_points::{read_points, save_points};
use nsgf::files::write_atomically;
use std::io::Write;
use std::path::{Path, PathBuf};

fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nsgf-files-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_writer_that_fails_midway_keeps_the_previous_file() {
    let dir = scratch("midway");
    let path = dir.join("points.csv");
    std::fs::write(&path, "1,2\n").unwrap();
    // The injected failure: half the data written, then the disk is full.
    let error = write_atomically(&path, |out| {
        out.write_all(b"3,4\n5,")?;
        Err(std::io::Error::new(
            std::io::ErrorKind::StorageFull,
            "no space left on device (injected)",
        ))
    })
    .unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::StorageFull);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "1,2\n");
    assert_eq!(listing(&dir), vec!["points.csv".to_string()]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn saves_into_a_missing_or_unusable_place_fail_cleanly() {
    let dir = scratch("unusable");
    let missing = dir.join("no such folder").join("drawn.csv");
    let error = save_points(&missing, &[[0.0, 1.0]]).unwrap_err();
    assert!(error.to_string().contains("cannot write"), "{error}");
    assert!(listing(&dir).is_empty());
    // A destination that is a folder: the rename fails, the folder and its contents stay.
    let folder = dir.join("model.json");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("keep.txt"), "keep").unwrap();
    assert!(save_points(&folder, &[[0.0, 1.0]]).is_err());
    assert_eq!(listing(&dir), vec!["model.json".to_string()]);
    assert_eq!(listing(&folder), vec!["keep.txt".to_string()]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_successful_save_replaces_the_file_whole() {
    let dir = scratch("replace");
    let path = dir.join("drawn.csv");
    std::fs::write(&path, "9,9\n9,9\n9,9\n").unwrap();
    save_points(&path, &[[0.5, -0.5]]).unwrap();
    assert_eq!(read_points(&path).unwrap(), vec![[0.5, -0.5]]);
    assert_eq!(listing(&dir), vec!["drawn.csv".to_string()]);
    std::fs::remove_dir_all(&dir).ok();
}
