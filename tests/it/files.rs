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

/// A tmpfs mounted for one test and unmounted when dropped: a real small disk. Mounting needs
/// root (CAP_SYS_ADMIN); without it the test says so and skips.
struct TinyDisk {
    dir: PathBuf,
}

impl TinyDisk {
    fn mount(test: &str, size: &str) -> Option<Self> {
        let dir = scratch(test);
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .stderr(std::process::Stdio::piped())
            .output();
        match status {
            Ok(output) if output.status.success() => Some(Self { dir }),
            Ok(output) => {
                crate::support::skip(&format!(
                    "{test}: cannot mount a tmpfs here ({})",
                    String::from_utf8_lossy(&output.stderr).trim()
                ));
                None
            }
            Err(error) => {
                crate::support::skip(&format!("{test}: cannot run mount ({error})"));
                None
            }
        }
    }

    fn remount_read_only(&self) {
        let status = std::process::Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&self.dir)
            .status()
            .expect("mount runs");
        assert!(status.success(), "remount read-only");
    }

    /// Fills every free byte, so the next write meets ENOSPC.
    fn fill(&self) {
        let mut filler = std::fs::File::create(self.dir.join("filler")).expect("a filler file");
        let block = vec![0_u8; 4096];
        loop {
            match filler.write_all(&block) {
                Ok(()) => {}
                Err(error) if error.raw_os_error() == Some(28) => break,
                Err(error) => panic!("filling the disk: {error}"),
            }
        }
        // What a 4 KiB block could not take, byte by byte.
        while filler.write_all(&[0]).is_ok() {}
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.dir)
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A tiny NSGF model (trained in well under a second).
fn tiny_model() -> nsgf::model::TrainedModel {
    use nsgf::data::{Distribution, Preset};
    use nsgf::model::{Method, TrainConfig, TrainedModel};
    let mut config = TrainConfig::defaults_for(Method::Nsgf);
    config.particles = 16;
    config.batch_size = 16;
    config.pool_flows = 1;
    config.iterations = 1;
    config.adam_steps = 1;
    config.hidden_width = 8;
    config.hidden_layers = 1;
    config.eval_every = 0;
    config.flow.steps = 1;
    TrainedModel::train(
        &config,
        &Distribution::Preset(Preset::Gaussian),
        &Distribution::Preset(Preset::Moons),
        &std::sync::atomic::AtomicBool::new(false),
        &mut |_| {},
    )
    .expect("training")
}

/// A GIF animation of 40 frames of 200 particles.
fn small_animation() -> nsgf::render::Animation {
    use nsgf::flow::{FlowKind, Frame, Trajectory};
    let frames = (0..40)
        .map(|k| {
            let points: Vec<nsgf::Point> = (0..200)
                .map(|i| {
                    let a = i as f64 * 0.1 + k as f64 * 0.05;
                    [a.cos() * (1.0 + k as f64 / 40.0), a.sin()]
                })
                .collect();
            Frame::resting(k as f64 / 39.0, points)
        })
        .collect();
    nsgf::render::Animation::new(
        "full disk",
        Trajectory::from_frames(FlowKind::Sinkhorn, frames),
        Vec::new(),
    )
}

/// Saves the model, the CSV and the GIF once into `dir` (what a full or read-only disk must
/// keep), returning their bytes.
fn first_saves(dir: &Path) -> [(PathBuf, Vec<u8>); 3] {
    let model_path = dir.join("model.json");
    tiny_model().save(&model_path).expect("model saved");
    let csv_path = dir.join("points.csv");
    save_points(&csv_path, &[[1.0, 2.0]]).expect("CSV saved");
    let gif_path = dir.join("flow.gif");
    nsgf::render::export_gif(
        &gif_path,
        &small_animation(),
        &nsgf::render::GifOptions::default(),
        &mut |_, _| {},
        None,
    )
    .expect("GIF saved");
    [model_path, csv_path, gif_path].map(|path| {
        let bytes = std::fs::read(&path).expect("readable");
        (path, bytes)
    })
}

/// An error with its sources, as the CLI and the app print it.
fn chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message = format!("{message}: {text}");
        }
        source = cause.source();
    }
    message
}

/// Every save path fails on `dir` with an error naming the file, and keeps `previous`.
fn every_save_fails_and_keeps(dir: &Path, previous: &[(PathBuf, Vec<u8>)], expected: &str) {
    let before = listing(dir);
    let model_error = chain(&tiny_model().save(&previous[0].0).unwrap_err());
    let many: Vec<nsgf::Point> = (0..20_000).map(|i| [i as f64, -(i as f64)]).collect();
    let csv_error = chain(&save_points(&previous[1].0, &many).unwrap_err());
    let gif_error = chain(
        &nsgf::render::export_gif(
            &previous[2].0,
            &small_animation(),
            &nsgf::render::GifOptions::default(),
            &mut |_, _| {},
            None,
        )
        .unwrap_err(),
    );
    for (error, (path, _)) in [&model_error, &csv_error, &gif_error].iter().zip(previous) {
        println!("{error}");
        let name = path.file_name().unwrap().to_string_lossy();
        assert!(error.contains(&*name), "the error names the file: {error}");
        assert!(error.contains(expected), "the error says why: {error}");
    }
    for (path, bytes) in previous {
        assert_eq!(
            &std::fs::read(path).expect("still there"),
            bytes,
            "{} kept",
            path.display()
        );
    }
    assert_eq!(listing(dir), before, "no temporary file left");
}

#[test]
fn a_full_disk_keeps_every_previous_file_and_leaves_no_temporary() {
    let Some(disk) = TinyDisk::mount("fulldisk", "1m") else {
        return;
    };
    let previous = first_saves(&disk.dir);
    disk.fill();
    every_save_fails_and_keeps(&disk.dir, &previous, "No space left on device");
}

#[test]
fn a_read_only_folder_keeps_every_previous_file() {
    let Some(disk) = TinyDisk::mount("readonly", "1m") else {
        return;
    };
    let previous = first_saves(&disk.dir);
    disk.remount_read_only();
    every_save_fails_and_keeps(&disk.dir, &previous, "Read-only file system");
}
