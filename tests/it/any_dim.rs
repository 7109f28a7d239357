//! The one core in d dimensions: GeomLoss parity in 64 dimensions, CSV files of any width,
//! small digits runs of every method that lower W2, the image-grid GIF, and model files of
//! every format.

use nsgf::PointCloud;
use nsgf::data::Distribution;
use nsgf::data::csv_rows::{Rows, read_table};
use nsgf::flow::simulate_cloud_flow;
use nsgf::metrics;
use nsgf::model::{Method, OneStepMode, TrainConfig, TrainedModel, Trainer};
use nsgf::ot::{CloudKernels, CpuCloudKernels, OtError, Precision, SinkhornParams};
use nsgf::render::image_grid;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

fn rows_to_cloud(rows: &Rows) -> PointCloud {
    PointCloud::from_flat(rows.ncols(), rows.iter().copied().collect())
}

fn cloud_to_rows(cloud: &PointCloud) -> Rows {
    Rows::from_shape_vec((cloud.len(), cloud.dim()), cloud.coords().to_vec()).unwrap()
}

/// The velocity of the one core for every dimension, on rows.
fn cloud_velocity(
    x: &Rows,
    y: &Rows,
    params: &SinkhornParams,
    precision: Precision,
) -> Result<Rows, OtError> {
    nsgf::ot::cloud_velocity(&rows_to_cloud(x), &rows_to_cloud(y), params, precision)
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
    let (first, reversed) = (rows_to_cloud(&first), rows_to_cloud(&reversed));
    assert!(metrics::cloud_exact_w2(&first, &reversed).unwrap() < 1e-12);
    let pairing = metrics::cloud_assignment(&first, &reversed).unwrap();
    assert!(pairing.iter().enumerate().all(|(i, &j)| j == 49 - i));
    // A shift by a constant vector c moves W2 to |c|.
    let shifted = PointCloud::from_flat(64, first.coords().iter().map(|v| v + 0.25).collect());
    let w2 = metrics::cloud_exact_w2(&first, &shifted).unwrap();
    assert!((w2 - 0.25 * 8.0).abs() < 1e-9, "{w2}");
    let nearest = metrics::nearest_distances(&shifted, &first);
    assert!(nearest.iter().all(|&d| d <= 2.0 + 1e-9));
}

#[test]
fn a_csv_of_any_width_reads_and_a_bad_line_is_named() {
    let dir = std::env::temp_dir().join(format!("nsgf-highdim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("five.csv");
    std::fs::write(&good, "label,a,b,c,d,e\n3,1,2,3,4,5\n4,6,7,8,9,10\n").unwrap();
    let target = Distribution::parse(good.to_str().unwrap()).unwrap();
    assert_eq!(target.dim(), 5, "the label column is dropped");
    assert!(matches!(target, Distribution::Rows { .. }));
    let planar = dir.join("two.csv");
    std::fs::write(&planar, "x,y\n1,2\n3,4\n").unwrap();
    assert!(matches!(
        Distribution::parse(planar.to_str().unwrap()).unwrap(),
        Distribution::Points { .. }
    ));
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "1,2,3\n4,5,6\n7,8\n").unwrap();
    let error = nsgf::data::csv_rows::read_table(&bad)
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        format!("{}:3: expected 3 values, found 2", bad.display())
    );
    assert_eq!(
        Distribution::parse("normal7").unwrap(),
        Distribution::StandardNormal { dim: 7 }
    );
    std::fs::remove_dir_all(&dir).ok();
}

fn small(method: Method) -> TrainConfig {
    TrainConfig {
        particles: 128,
        iterations: 20,
        adam_steps: 20,
        batch_size: 128,
        hidden_width: 128,
        hidden_layers: 2,
        straight_iterations: 300,
        eval_samples: 100,
        ..TrainConfig::defaults_for_dim(method, 64)
    }
}

fn train(
    config: &TrainConfig,
    source: &Distribution,
    target: &Distribution,
    guide: Option<Arc<TrainedModel>>,
) -> TrainedModel {
    Trainer::guided(config, source, target, guide)
        .expect("a valid run")
        .run(&AtomicBool::new(false), &mut |_| {})
        .expect("training succeeds")
}

fn digits_run(method: Method) -> TrainedModel {
    train(
        &small(method),
        &Distribution::StandardNormal { dim: 64 },
        &Distribution::Digits,
        None,
    )
}

/// Held-out digits, their floor and the W2 of noise against them.
fn digits_yardstick() -> (PointCloud, f64, f64) {
    let mut rng = nsgf::data::seeded_rng(3);
    let (held_out, floor) =
        metrics::held_out_and_floor(&Distribution::Digits, 100, &mut rng).unwrap();
    let noise = Distribution::StandardNormal { dim: 64 }
        .sample_cloud(100, &mut rng)
        .unwrap();
    let before = metrics::cloud_exact_w2(&noise, &held_out).unwrap();
    (held_out, floor, before)
}

#[test]
fn small_digits_runs_lower_w2_and_their_files_round_trip() {
    let (held_out, floor, before) = digits_yardstick();
    for method in [Method::Nsgf, Method::NsgfPp] {
        let model = digits_run(method);
        assert_eq!(model.dim, 64);
        let samples = model.sample_cloud(100, None, 5).unwrap();
        let after = metrics::cloud_exact_w2(&samples, &held_out).unwrap();
        println!("{method:?}: W2 {before:.3} → {after:.3} (floor {floor:.3})");
        assert!(
            after < 0.7 * before,
            "{method:?}: W2 went from {before} to {after}"
        );
        assert!(
            model.sample(3, None, 5).is_err(),
            "no 2D points of a 64-D model"
        );
        let logged = *model.log.w2.last().expect("the final checkpoint");
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
        let text = std::fs::read_to_string(&path).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["dim"], 64);
        assert_eq!(value["format_version"], nsgf::model::FORMAT_VERSION);
        let loaded = TrainedModel::load(&path).unwrap();
        assert_eq!(
            loaded.sample_cloud(8, None, 2).unwrap(),
            model.sample_cloud(8, None, 2).unwrap()
        );
        // A file whose dimension disagrees with its networks is refused, naming the file.
        let mut broken = value;
        broken["dim"] = serde_json::json!(32);
        let error = TrainedModel::from_json(&broken.to_string(), &path)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("digits.json") && error.contains("32"),
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
        let normal = Distribution::StandardNormal { dim };
        let x = cloud_to_rows(&normal.sample_cloud(n, &mut rng).unwrap());
        let y = cloud_to_rows(&normal.sample_cloud(m, &mut rng).unwrap()) + 1.5;
        let cpu = cloud_velocity(&x, &y, &params, Precision::F64).unwrap();
        let gpu_v = gpu.flow_velocity(x.view(), y.view(), &params).unwrap();
        let scale = cpu.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        let error = (&gpu_v - &cpu).iter().fold(0.0_f64, |m, v| m.max(v.abs())) / scale;
        println!("n {n}, m {m}, d {dim}: gpu vs cpu f64 {error:.2e}");
        assert!(error < 5e-3, "n {n}, m {m}, d {dim}: {error:e}");
    }
    // Mismatched dimensions are refused.
    let x = fixture("digits64.source.csv");
    let wrong = ndarray::Array2::<f64>::zeros((3, 2));
    assert!(gpu.flow_velocity(x.view(), wrong.view(), &params).is_err());
    // A particle flow on the GPU follows the CPU's (what `--backend gpu` trains on).
    let flow = nsgf::flow::FlowConfig {
        steps: 3,
        eta: 0.35,
        sinkhorn: params,
    };
    let source = rows_to_cloud(&fixture("digits64.source.csv"));
    let target = rows_to_cloud(&fixture("digits64.target.csv"));
    let end = |kernels: &dyn CloudKernels| {
        simulate_cloud_flow(kernels, source.clone(), &target, &flow)
            .unwrap()
            .end_points()
            .unwrap()
            .clone()
    };
    let on_gpu = end(&gpu);
    let on_cpu = end(&CpuCloudKernels {
        precision: Precision::F64,
    });
    let gap = on_gpu
        .coords()
        .iter()
        .zip(on_cpu.coords())
        .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()));
    println!("3-step flow: gpu vs cpu, largest coordinate gap {gap:.2e}");
    assert!(gap < 1e-3, "{gap:e}");
}

#[test]
fn the_gpu_kernels_stream_sizes_whose_cost_matrices_would_not_fit() {
    let _serial = nsgf::gpu::test_support::serial_gpu_test();
    // One 1024 × 1024 f32 cost matrix is 4 MiB: four times the largest buffer this device
    // allows and sixteen times its largest storage binding. The clouds (64 KiB each) fit.
    let limits = wgpu::Limits {
        max_storage_buffer_binding_size: 256 * 1024,
        max_buffer_size: 1024 * 1024,
        ..wgpu::Limits::default()
    };
    let Some((device, queue, name)) = nsgf::gpu::test_support::device_with_limits(limits) else {
        return;
    };
    let gpu = nsgf::gpu::WideGpu::on_device(device, queue, name);
    let (n, m, dim) = (1024, 1024, 16);
    let mut rng = nsgf::data::seeded_rng(5);
    let normal = Distribution::StandardNormal { dim };
    let x = cloud_to_rows(&normal.sample_cloud(n, &mut rng).unwrap());
    let y = cloud_to_rows(&normal.sample_cloud(m, &mut rng).unwrap()) + 1.0;
    let params = SinkhornParams {
        blur: 1.0,
        scaling: 0.5,
    };
    let gpu_v = gpu.flow_velocity(x.view(), y.view(), &params).unwrap();
    let cpu = cloud_velocity(&x, &y, &params, Precision::F64).unwrap();
    let scale = cpu.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    let error = (&gpu_v - &cpu).iter().fold(0.0_f64, |m, v| m.max(v.abs())) / scale;
    println!("n = m = {n}, d = {dim} on a 1 MiB-buffer device: gpu vs cpu f64 {error:.2e}");
    assert!(error < 5e-3, "{error:e}");
    // Every buffer is O((n + m)·d): points, displacements, read-back, potentials, parameters.
    let allocated = gpu.allocated_bytes();
    let linear = 8 * (n + m) * (dim + 2) * 4;
    println!(
        "allocated {allocated} bytes (bound {linear}, one cost matrix {})",
        n * m * 4
    );
    assert!(allocated <= linear as u64, "{allocated} bytes");
}

#[test]
fn a_one_step_generator_distilled_on_the_digits_comes_near_its_teacher() {
    let (held_out, floor, before) = digits_yardstick();
    let teacher = Arc::new(digits_run(Method::NsgfPp));
    let config = TrainConfig {
        onestep_mode: OneStepMode::Distilled,
        particles: 256,
        iterations: 150,
        hidden_width: 128,
        hidden_layers: 2,
        eval_samples: 100,
        ..TrainConfig::defaults_for_dim(Method::OneStep, 64)
    };
    let student = train(
        &config,
        &Distribution::StandardNormal { dim: 64 },
        &Distribution::Digits,
        Some(teacher.clone()),
    );
    assert_eq!(student.default_nfe(), 1);
    let guide = student.guide.as_ref().expect("the teacher is recorded");
    assert_eq!(guide.method, Method::NsgfPp);
    let w2 = |model: &TrainedModel| {
        metrics::cloud_exact_w2(&model.sample_cloud(100, None, 5).unwrap(), &held_out).unwrap()
    };
    let (taught, learned) = (w2(&teacher), w2(&student));
    println!("noise {before:.3}, teacher {taught:.3}, one-step {learned:.3} (floor {floor:.3})");
    assert!(learned < 0.7 * before, "one-step: {before} → {learned}");
    assert!(
        learned < 1.5 * taught,
        "one-step {learned} vs teacher {taught}"
    );
    let trajectory = student.sample_trajectory(16, None, 1).unwrap();
    assert_eq!((trajectory.nfe(), trajectory.len()), (1, 2));
}

#[test]
fn a_direct_one_step_generator_trains_in_three_dimensions() {
    // Points on a sphere shell of radius 3 in 3D, as a CSV of three columns.
    let dir = std::env::temp_dir().join(format!("nsgf-shell-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("shell.csv");
    let normal = Distribution::StandardNormal { dim: 3 };
    let points = normal
        .sample_cloud(400, &mut nsgf::data::seeded_rng(9))
        .unwrap();
    let mut text = String::from("a,b,c\n");
    for p in points.coords().chunks_exact(3) {
        let r = (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).sqrt() / 3.0;
        writeln!(text, "{},{},{}", p[0] / r, p[1] / r, p[2] / r).unwrap();
    }
    std::fs::write(&path, text).unwrap();
    let target = Distribution::parse(path.to_str().unwrap()).unwrap();
    assert_eq!(target.dim(), 3);
    let config = TrainConfig {
        onestep_mode: OneStepMode::Direct,
        particles: 128,
        iterations: 60,
        hidden_width: 64,
        hidden_layers: 2,
        eval_samples: 100,
        ..TrainConfig::defaults_for_dim(Method::OneStep, 3)
    };
    let model = train(&config, &normal, &target, None);
    let radii: Vec<f64> = model
        .sample_cloud(200, None, 4)
        .unwrap()
        .coords()
        .chunks_exact(3)
        .map(|p| (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).sqrt())
        .collect();
    let mean = radii.iter().sum::<f64>() / radii.len() as f64;
    println!("one-step in 3D: mean radius {mean:.3} (target 3, source about 1.6)");
    assert!((mean - 3.0).abs() < 0.6, "mean radius {mean}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_debiased_velocity_in_any_dimension_is_the_planar_one_off_the_plane() {
    let mut rng = nsgf::data::seeded_rng(11);
    let mut planar = |n| {
        Distribution::Preset(nsgf::data::Preset::from_name("moons").unwrap())
            .sample(n, &mut rng)
            .unwrap()
    };
    let (x, independent, y) = (planar(60), planar(60), planar(80));
    let params = SinkhornParams {
        blur: 0.3,
        scaling: 0.7,
    };
    let expected =
        nsgf::ot::debiased_velocity(&x, &independent, &y, &params, Precision::F64, false).unwrap();
    let lift = |points: &[[f64; 2]]| {
        PointCloud::from_flat(3, points.iter().flat_map(|p| [p[0], p[1], 0.0]).collect())
    };
    let velocity = nsgf::ot::cloud_debiased_velocity(
        &lift(&x),
        &lift(&independent),
        &lift(&y),
        &params,
        Precision::F64,
    )
    .unwrap();
    let scale = expected
        .iter()
        .fold(0.0_f64, |m, v| m.max(v[0].abs()).max(v[1].abs()));
    let error = velocity
        .coords()
        .chunks_exact(3)
        .zip(&expected)
        .fold(0.0_f64, |m, (v, e)| {
            m.max((v[0] - e[0]).abs())
                .max((v[1] - e[1]).abs())
                .max(v[2].abs())
        });
    println!(
        "3D debiased velocity vs 2D: {:.1e} of max|v|",
        error / scale
    );
    assert!(error < 1e-9 * scale, "{error:e}");
    // One particle and one point on each side: the jump from the independent point to y.
    let one = |coords: &[f64]| PointCloud::from_flat(4, coords.to_vec());
    let jump = nsgf::ot::cloud_debiased_velocity(
        &one(&[0.0, 0.0, 0.0, 0.0]),
        &one(&[1.0, 0.0, 0.0, 0.0]),
        &one(&[0.0, 2.0, 0.0, 1.0]),
        &params,
        Precision::F64,
    )
    .unwrap();
    let expected_jump = [-1.0, 2.0, 0.0, 1.0];
    assert!(
        jump.coords()
            .iter()
            .zip(expected_jump)
            .all(|(a, b)| (a - b).abs() < 1e-12),
        "{:?}",
        jump.coords()
    );
}

#[test]
fn model_files_of_both_former_formats_load_into_the_one_model() {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/models");
    // A 2D file of format 1 (no dimension) and a d-dimensional `WideModel` file of format 1.
    for (name, dim, method) in [
        ("moons-nsgf.json", 2, Method::Nsgf),
        ("digits-nsgf.json", 64, Method::Nsgf),
    ] {
        let path = fixtures.join(name);
        let raw: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(
            raw["format_version"], 1,
            "{name} is a committed format-1 file"
        );
        let model = TrainedModel::load(&path).unwrap();
        assert_eq!((model.dim, model.method), (dim, method), "{name}");
        let samples = model.sample_cloud(5, None, 0).unwrap();
        assert_eq!((samples.len(), samples.dim()), (5, dim));
        // Saved again it is a format-2 file with its dimension, and samples the same points.
        let dir = std::env::temp_dir().join(format!("nsgf-migrate-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let again = dir.join(name);
        model.save(&again).unwrap();
        let raw: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&again).unwrap()).unwrap();
        assert_eq!(
            (raw["format_version"].as_u64(), raw["dim"].as_u64()),
            (Some(2), Some(dim as u64))
        );
        let reloaded = TrainedModel::load(&again).unwrap();
        assert_eq!(reloaded.sample_cloud(5, None, 0).unwrap(), samples);
        std::fs::remove_dir_all(&dir).ok();
    }
    // The migrated digits model samples exactly what its format-1 networks give: the Euler
    // steps of v_θ on raw coordinates (checked against a step written out here).
    let model = TrainedModel::load(&fixtures.join("digits-nsgf.json")).unwrap();
    let trajectory = model.sample_trajectory(3, Some(1), 7).unwrap();
    let start = &trajectory.frames()[0];
    let velocity = start.velocities.as_ref().expect("a moving first frame");
    let step = model.config.flow.eta * model.config.flow.steps as f64;
    let end = trajectory.end_points().unwrap();
    for ((x, v), e) in start
        .positions
        .coords()
        .iter()
        .zip(velocity.coords())
        .zip(end.coords())
    {
        assert_eq!(x + step * v, *e);
    }
}
