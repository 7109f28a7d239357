//! The d-dimensional core: GeomLoss parity in 64 dimensions, CSV files of any width, a small
//! digits run that lowers W2, the image-grid GIF, and model files.

use nsgf::data::csv_rows::read_table;
use nsgf::highdim::model::{WideConfig, WideModel, train};
use nsgf::highdim::{Rows, WideDistribution, cloud_to_rows, image_grid, metrics, rows_to_cloud};
use nsgf::model::Method;
use nsgf::ot::SinkhornParams;
use nsgf::ot::{OtError, Precision};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

/// The velocity of the one core for every dimension, on rows.
fn cloud_velocity(
    x: &Rows,
    y: &Rows,
    params: &SinkhornParams,
    precision: Precision,
) -> Result<Rows, OtError> {
    nsgf::ot::cloud_velocity(
        &rows_to_cloud(x.view()),
        &rows_to_cloud(y.view()),
        params,
        precision,
    )
    .map(|solved| cloud_to_rows(&solved.velocity))
}

fn fixture(name: &str) -> Rows {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    read_table(&path).expect("the fixture reads").rows
}

#[test]
fn the_64_dimensional_velocity_matches_geomloss() {
    let x = fixture("digits64.source.csv");
    let y = fixture("digits64.target.csv");
    let reference = fixture("digits64.velocity.csv");
    assert_eq!((x.dim(), y.dim()), ((200, 64), (300, 64)));
    let params = SinkhornParams {
        blur: 1.0,
        scaling: 0.9,
    };
    let scale = reference.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    for (precision, tolerance) in [(Precision::F64, 1e-10), (Precision::F32, 5e-4)] {
        let velocity = cloud_velocity(&x, &y, &params, precision).unwrap();
        let error = (&velocity - &reference)
            .iter()
            .fold(0.0_f64, |m, v| m.max(v.abs()))
            / scale;
        println!(
            "digits64 ({precision:?}, {} kernels): velocity vs GeomLoss, largest error / largest \
             component {error:.2e}",
            nsgf::ot::kernel_in_use()
        );
        assert!(error < tolerance, "{precision:?}: {error:e}");
    }
}

#[test]
fn the_velocity_between_single_points_is_their_difference() {
    let x = ndarray::array![[0.0, 1.0, 2.0]];
    let y = ndarray::array![[1.0, -1.0, 4.0]];
    let params = SinkhornParams {
        blur: 0.5,
        scaling: 0.5,
    };
    let velocity = cloud_velocity(&x, &y, &params, Precision::F64).unwrap();
    assert!((&velocity - &(&y - &x)).iter().all(|d| d.abs() < 1e-12));
    // Clouds of different dimensions are refused, naming both.
    let wrong = ndarray::array![[1.0, 2.0]];
    let error = cloud_velocity(&x, &wrong, &params, Precision::F64)
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "the source points have 3 coordinates and the target points 2: both must have the same \
         dimension"
    );
}

#[test]
fn exact_w2_in_64_dimensions_agrees_with_a_permutation() {
    let x = fixture("digits64.target.csv");
    let first = x.slice(ndarray::s![..50, ..]).to_owned();
    // The same points in reverse order: W2 is zero, and the pairing finds the permutation.
    let reversed = first.slice(ndarray::s![..;-1, ..]).to_owned();
    assert!(metrics::exact_w2(first.view(), reversed.view()).unwrap() < 1e-12);
    let pairing = metrics::assignment(first.view(), reversed.view()).unwrap();
    assert!(pairing.iter().enumerate().all(|(i, &j)| j == 49 - i));
    // A shift by a constant vector c moves W2 to |c|.
    let shifted = &first + 0.25;
    let w2 = metrics::exact_w2(first.view(), shifted.view()).unwrap();
    assert!((w2 - 0.25 * 8.0).abs() < 1e-9, "{w2}");
    let nearest = metrics::nearest_distances(shifted.view(), first.view());
    assert!(nearest.iter().all(|&d| d <= 2.0 + 1e-9));
}

#[test]
fn a_csv_of_any_width_reads_and_a_bad_line_is_named() {
    let dir = std::env::temp_dir().join(format!("nsgf-highdim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("five.csv");
    std::fs::write(&good, "label,a,b,c,d,e\n3,1,2,3,4,5\n4,6,7,8,9,10\n").unwrap();
    let target = WideDistribution::parse_target(good.to_str().unwrap()).unwrap();
    assert_eq!(target.dim(), 5, "the label column is dropped");
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "1,2,3\n4,5,6\n7,8\n").unwrap();
    let error = WideDistribution::parse_target(bad.to_str().unwrap())
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        format!("{}:3: expected 3 values, found 2", bad.display())
    );
    std::fs::remove_dir_all(&dir).ok();
}

fn small(method: Method) -> WideConfig {
    WideConfig {
        particles: 128,
        iterations: 20,
        adam_steps: 20,
        batch_size: 128,
        hidden_width: 128,
        hidden_layers: 2,
        straight_iterations: 300,
        eval_samples: 100,
        ..WideConfig::defaults_for(method)
    }
}

fn digits_run(method: Method) -> WideModel {
    train(
        &small(method),
        &WideDistribution::StandardNormal { dim: 64 },
        &WideDistribution::Digits,
        &AtomicBool::new(false),
        &mut |_| {},
    )
    .expect("training succeeds")
}

#[test]
fn small_digits_runs_lower_w2_and_their_files_round_trip() {
    let target = WideDistribution::Digits;
    let mut rng = nsgf::data::seeded_rng(3);
    let (held_out, floor) =
        nsgf::highdim::model::held_out_and_floor(&target, 100, &mut rng).unwrap();
    let noise = WideDistribution::StandardNormal { dim: 64 }.sample(100, &mut rng);
    let before = metrics::exact_w2(noise.view(), held_out.view()).unwrap();
    for method in [Method::Nsgf, Method::NsgfPp] {
        let model = digits_run(method);
        let samples = model.sample(100, None, 5).unwrap();
        let after = metrics::exact_w2(samples.view(), held_out.view()).unwrap();
        println!("{method:?}: W2 {before:.3} → {after:.3} (floor {floor:.3})");
        assert!(
            after < 0.7 * before,
            "{method:?}: W2 went from {before} to {after}"
        );
        let logged = model.log.w2.expect("the final checkpoint");
        assert!(logged.w2 > 0.0 && logged.floor > 0.0);
        let trajectory = model.sample_trajectory(16, None, 1).unwrap();
        assert_eq!(trajectory.nfe(), model.default_nfe());
        assert_eq!(trajectory.frames()[0].positions.dim(), 64);
        if method == Method::NsgfPp {
            assert_eq!(trajectory.boundary_frame(), Some(model.config.flow.steps));
        }

        let dir = std::env::temp_dir().join(format!("nsgf-highdim-model-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("digits.json");
        model.save(&path).unwrap();
        let value: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let loaded = WideModel::from_value(value.clone(), &path).unwrap();
        assert_eq!(
            loaded.sample(8, None, 2).unwrap(),
            model.sample(8, None, 2).unwrap()
        );
        // A file whose dimension disagrees with its networks is refused, naming the file.
        let mut broken = value;
        broken["dim"] = serde_json::json!(32);
        let error = WideModel::from_value(broken, &path)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("digits.json") && error.contains("32 dimensions"),
            "{error}"
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}

#[test]
fn a_grid_gif_has_one_frame_per_trajectory_frame_and_draws_the_pixels() {
    let model = digits_run(Method::Nsgf);
    let trajectory = model.sample_trajectory(16, Some(4), 0).unwrap();
    let dir = std::env::temp_dir().join(format!("nsgf-highdim-gif-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("grid.gif");
    let layout = image_grid::GridLayout {
        columns: 4,
        scale: 3,
    };
    let frames = image_grid::export_grid_gif(&trajectory, &path, layout, 10).unwrap();
    assert_eq!(frames, 5);
    let mut decoder = gif::DecodeOptions::new();
    decoder.set_color_output(gif::ColorOutput::Indexed);
    let mut decoder = decoder
        .read_info(std::fs::File::open(&path).unwrap())
        .unwrap();
    let (width, height) = image_grid::grid_size(16, layout);
    assert_eq!(
        (u32::from(decoder.width()), u32::from(decoder.height())),
        (width, height)
    );
    let mut decoded = 0;
    let mut last = Vec::new();
    while let Some(frame) = decoder.read_next_frame().unwrap() {
        decoded += 1;
        last = frame.buffer.to_vec();
    }
    assert_eq!(decoded, 5);
    // The last frame's grid is the trajectory's end, pixel for pixel (grey index = level).
    let (_, _, expected) = image_grid::render_grid(
        &trajectory.frames()[4].positions,
        &image_grid::frame_caption(&trajectory, 4),
        layout,
    )
    .unwrap();
    assert_eq!(last, expected);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_gpu_kernels_match_geomloss_in_64_dimensions() {
    let _serial = nsgf::gpu::test_support::serial_gpu_test();
    let Some(gpu) = nsgf::gpu::test_support::wide_or_skip() else {
        return;
    };
    let x = fixture("digits64.source.csv");
    let y = fixture("digits64.target.csv");
    let reference = fixture("digits64.velocity.csv");
    let params = SinkhornParams {
        blur: 1.0,
        scaling: 0.9,
    };
    let velocity = gpu.flow_velocity(x.view(), y.view(), &params).unwrap();
    let scale = reference.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    let error = (&velocity - &reference)
        .iter()
        .fold(0.0_f64, |m, v| m.max(v.abs()))
        / scale;
    println!(
        "digits64 on {}: largest error / largest component {error:.2e}",
        gpu.name()
    );
    assert!(error < 5e-3, "{error:e}");
    // Sizes off the 16-point tiles and the 64-thread groups, and dimensions off 16.
    let mut rng = nsgf::data::seeded_rng(4);
    for (n, m, dim) in [(1, 1, 3), (37, 70, 5), (130, 17, 33)] {
        let x = WideDistribution::StandardNormal { dim }.sample(n, &mut rng);
        let y = WideDistribution::StandardNormal { dim }.sample(m, &mut rng) + 1.5;
        let cpu = cloud_velocity(&x, &y, &params, Precision::F64).unwrap();
        let gpu_v = gpu.flow_velocity(x.view(), y.view(), &params).unwrap();
        let scale = cpu.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        let error = (&gpu_v - &cpu).iter().fold(0.0_f64, |m, v| m.max(v.abs())) / scale;
        println!("n {n}, m {m}, d {dim}: gpu vs cpu f64 {error:.2e}");
        assert!(error < 5e-3, "n {n}, m {m}, d {dim}: {error:e}");
    }
    // Mismatched dimensions are refused.
    let wrong = ndarray::Array2::<f64>::zeros((3, 2));
    assert!(gpu.flow_velocity(x.view(), wrong.view(), &params).is_err());
    // A particle flow on the GPU follows the CPU's (what `--backend gpu` trains on).
    let flow = nsgf::flow::FlowConfig {
        steps: 3,
        eta: 0.35,
        sinkhorn: params,
    };
    let source = fixture("digits64.source.csv");
    let target = fixture("digits64.target.csv");
    let kernels = nsgf::highdim::model::WideKernels::Gpu(std::sync::Arc::new(gpu));
    let (_, _, on_gpu) =
        nsgf::highdim::model::simulate_on(&kernels, source.clone(), &target, &flow).unwrap();
    let (_, _, on_cpu) = nsgf::highdim::model::simulate(source, &target, &flow).unwrap();
    let gap = (&on_gpu - &on_cpu)
        .iter()
        .fold(0.0_f64, |m, v| m.max(v.abs()));
    println!("3-step flow: gpu vs cpu, largest coordinate gap {gap:.2e}");
    assert!(gap < 1e-3, "{gap:e}");
}
