//! One-step generators: the debiased velocity of the direct mode is the flow velocity when the
//! second batch is the first, both modes lower W2 on a small run, a direct run continues a
//! distilled generator, sampling takes exactly one NFE, the file round-trips, and a missing or
//! unfit teacher is a clear error.

use nsgf::Point;
use nsgf::data::{Distribution, Preset, seeded_rng};
use nsgf::metrics::exact_w2;
use nsgf::model::{Method, ModelError, OneStepMode, TrainConfig, TrainedModel};
use nsgf::ot::cpu::CpuBackend;
use nsgf::ot::{
    OtError, Precision, SinkhornParams, SolveStats, VelocityBackend, debiased_velocity,
    flow_velocity,
};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

fn cloud(preset: Preset, n: usize, seed: u64) -> Vec<Point> {
    Distribution::Preset(preset)
        .sample(n, &mut seeded_rng(seed))
        .unwrap()
}

fn largest_norm(field: &[Point]) -> f64 {
    field.iter().map(|v| v[0].hypot(v[1])).fold(0.0, f64::max)
}

fn largest_gap(a: &[Point], b: &[Point]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(p, q)| (p[0] - q[0]).hypot(p[1] - q[1]))
        .fold(0.0, f64::max)
}

#[test]
fn the_direct_velocity_with_the_same_batch_twice_is_the_flow_velocity() {
    let params = SinkhornParams {
        blur: 0.1,
        scaling: 0.8,
    };
    let x = cloud(Preset::Gaussian, 300, 1);
    let y = cloud(Preset::Moons, 250, 2);
    for precision in [Precision::F64, Precision::F32] {
        let reference = flow_velocity(&x, &y, &params, precision).unwrap().velocity;
        let debiased = debiased_velocity(&x, &x, &y, &params, precision, false).unwrap();
        let tolerance = match precision {
            Precision::F64 => 1e-9,
            Precision::F32 => 2e-4,
        } * largest_norm(&reference);
        let gap = largest_gap(&reference, &debiased);
        assert!(
            gap <= tolerance,
            "{precision:?}: gap {gap:e} > {tolerance:e}"
        );
    }
    // Through the backend, which the training loop calls.
    let mut backend = CpuBackend::new(Precision::F64);
    let reference = backend.velocity(&x, &y, &params).unwrap();
    let debiased = backend.debiased_velocity(&x, &x, &y, &params).unwrap();
    assert!(largest_gap(&reference, &debiased) <= 1e-9 * largest_norm(&reference));
}

/// A backend that only knows `velocity`: it gets the trait's default debiased velocity.
struct VelocityOnly(CpuBackend);

impl VelocityBackend for VelocityOnly {
    fn name(&self) -> String {
        "velocity only".into()
    }
    fn velocity(
        &mut self,
        particles: &[Point],
        target: &[Point],
        params: &SinkhornParams,
    ) -> Result<Vec<Point>, OtError> {
        self.0.velocity(particles, target, params)
    }
    fn divergence(
        &mut self,
        particles: &[Point],
        target: &[Point],
        params: &SinkhornParams,
    ) -> Result<f64, OtError> {
        self.0.divergence(particles, target, params)
    }
    fn reset_warm_start(&mut self) {
        self.0.reset_warm_start();
    }
    fn last_stats(&self) -> SolveStats {
        self.0.last_stats()
    }
}

#[test]
fn every_backend_has_the_debiased_velocity_and_an_independent_batch_changes_it() {
    let params = SinkhornParams {
        blur: 0.15,
        scaling: 0.8,
    };
    let x = cloud(Preset::Gaussian, 200, 3);
    let independent = cloud(Preset::Gaussian, 180, 4);
    let y = cloud(Preset::EightGaussians, 220, 5);
    let mut cpu = CpuBackend::new(Precision::F64);
    let direct = cpu
        .debiased_velocity(&x, &independent, &y, &params)
        .unwrap();
    let mut generic = VelocityOnly(CpuBackend::new(Precision::F64));
    let by_difference = generic
        .debiased_velocity(&x, &independent, &y, &params)
        .unwrap();
    let scale = largest_norm(&direct);
    assert!(
        largest_gap(&direct, &by_difference) <= 1e-9 * scale,
        "the default (two velocities) and the CPU's own (two projections) differ"
    );
    // The self term now comes from another batch: the velocity is not the flow velocity.
    let biased = cpu.velocity(&x, &y, &params).unwrap();
    assert!(largest_gap(&direct, &biased) > 1e-3 * scale);
    // A bad independent batch is named as such.
    let mut broken = independent.clone();
    broken[7] = [f64::NAN, 0.0];
    let error = debiased_velocity(&x, &broken, &y, &params, Precision::F64, false).unwrap_err();
    assert_eq!(
        error,
        OtError::NonFinite {
            set: "independent",
            index: 7
        }
    );
}

/// A small one-step configuration (a few seconds in release mode).
fn small_onestep(mode: OneStepMode, iterations: usize) -> TrainConfig {
    TrainConfig {
        onestep_mode: mode,
        particles: 256,
        iterations,
        batch_size: 256,
        hidden_width: 48,
        hidden_layers: 2,
        eval_every: 0,
        eval_samples: 100,
        ..TrainConfig::defaults_for(Method::OneStep)
    }
}

fn small_teacher() -> TrainedModel {
    let config = TrainConfig {
        particles: 128,
        iterations: 12,
        adam_steps: 20,
        batch_size: 256,
        hidden_width: 48,
        hidden_layers: 2,
        eval_every: 0,
        eval_samples: 100,
        ..TrainConfig::defaults_for(Method::Nsgf)
    };
    train(&config, None).expect("the teacher trains")
}

fn train(
    config: &TrainConfig,
    guide: Option<Arc<TrainedModel>>,
) -> Result<TrainedModel, ModelError> {
    TrainedModel::train_guided(
        config,
        &Distribution::Preset(Preset::Gaussian),
        &Distribution::Preset(Preset::EightGaussians),
        guide,
        &AtomicBool::new(false),
        &mut |_| {},
    )
}

/// W2 of `points` against fresh 8gaussians samples.
fn w2_to_target(points: &[Point], seed: u64) -> f64 {
    exact_w2(points, &cloud(Preset::EightGaussians, points.len(), seed)).unwrap()
}

#[test]
fn both_one_step_modes_lower_w2_and_a_direct_run_continues_a_distilled_generator() {
    let source = cloud(Preset::Gaussian, 400, 7);
    let before = w2_to_target(&source, 8);
    let teacher = Arc::new(small_teacher());
    let teacher_w2 = w2_to_target(&teacher.sample(400, None, 7).unwrap(), 8);

    let distilled = train(
        &small_onestep(OneStepMode::Distilled, 60),
        Some(Arc::clone(&teacher)),
    )
    .unwrap();
    let distilled_w2 = w2_to_target(&distilled.sample(400, None, 7).unwrap(), 8);
    assert!(
        distilled_w2 < 0.5 * before,
        "distilled: W2 went from {before} to {distilled_w2}"
    );
    assert!(
        distilled_w2 < 1.5 * teacher_w2,
        "the student ({distilled_w2}) is far from its teacher ({teacher_w2})"
    );
    let guide = distilled.guide.as_ref().expect("the teacher is recorded");
    assert_eq!((guide.method, guide.nfe), (Method::Nsgf, 10));

    let direct = train(&small_onestep(OneStepMode::Direct, 80), None).unwrap();
    let direct_w2 = w2_to_target(&direct.sample(400, None, 7).unwrap(), 8);
    assert!(
        direct_w2 < 0.5 * before,
        "direct: W2 went from {before} to {direct_w2}"
    );
    assert!(direct.guide.is_none());

    // Direct from the distilled generator: it starts where the student is, not from scratch.
    let continued = train(
        &small_onestep(OneStepMode::Direct, 5),
        Some(Arc::new(distilled.clone())),
    )
    .unwrap();
    let continued_w2 = w2_to_target(&continued.sample(400, None, 7).unwrap(), 8);
    let from_scratch = train(&small_onestep(OneStepMode::Direct, 5), None).unwrap();
    let scratch_w2 = w2_to_target(&from_scratch.sample(400, None, 7).unwrap(), 8);
    assert!(
        continued_w2 < scratch_w2,
        "5 direct iterations from the student ({continued_w2}) should beat 5 from scratch \
         ({scratch_w2})"
    );
    assert_eq!(
        continued.guide.as_ref().map(|g| g.method),
        Some(Method::OneStep)
    );
}

#[test]
fn a_one_step_model_jumps_once_and_round_trips_through_its_file() {
    let model = train(&small_onestep(OneStepMode::Direct, 3), None).unwrap();
    assert_eq!((model.default_nfe(), model.max_nfe()), (1, Some(1)));
    let trajectory = model.sample_trajectory(50, None, 3).unwrap();
    assert_eq!(trajectory.kind(), nsgf::flow::FlowKind::OneStep);
    assert_eq!((trajectory.len(), trajectory.nfe()), (2, 1));
    let [start, end] = trajectory.frames() else {
        panic!("two frames")
    };
    // The first frame's velocity is the jump: start + 1 · jump = end.
    let jumps = start.velocities.as_ref().expect("the jump is stored");
    assert!((start.step_size - 1.0).abs() < 1e-12);
    for ((z, jump), x) in start
        .positions
        .points()
        .iter()
        .zip(jumps.points())
        .zip(end.positions.points())
    {
        assert!((z[0] + jump[0] - x[0]).abs() < 1e-9 && (z[1] + jump[1] - x[1]).abs() < 1e-9);
    }
    // The quiver field of the first frame is the same jump.
    let field = model.velocity_field(&start.positions.to_vec(), 0.0);
    assert!(largest_gap(&field, &jumps.to_vec()) < 1e-9);
    // More than one evaluation is refused with the reason.
    let error = model.sample(10, Some(2), 0).unwrap_err().to_string();
    assert!(error.contains("exactly 1"), "{error}");

    let folder = std::env::temp_dir().join(format!("nsgf-onestep-test-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let path = folder.join("onestep.json");
    model.save(&path).unwrap();
    let loaded = TrainedModel::load(&path).unwrap();
    assert_eq!(loaded.method, Method::OneStep);
    assert_eq!(
        loaded.sample(30, None, 9).unwrap(),
        model.sample(30, None, 9).unwrap()
    );
    // A one-step file whose generator was swapped for nothing is refused, naming the file.
    let text = std::fs::read_to_string(&path).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value["networks"]
        .as_object_mut()
        .unwrap()
        .remove("generator");
    std::fs::write(&path, value.to_string()).unwrap();
    let error = TrainedModel::load(&path).unwrap_err().to_string();
    assert!(
        error.contains("onestep.json") && error.contains("do not match"),
        "{error}"
    );
    std::fs::remove_dir_all(&folder).ok();
}

#[test]
fn a_missing_or_unfit_guide_is_a_clear_error() {
    let distilled = small_onestep(OneStepMode::Distilled, 2);
    let error = train(&distilled, None).unwrap_err().to_string();
    assert!(error.contains("needs a teacher"), "{error}");

    let teacher = Arc::new(small_teacher());
    // The teacher must have been trained on the same pair.
    let error = TrainedModel::train_guided(
        &distilled,
        &Distribution::Preset(Preset::Gaussian),
        &Distribution::Preset(Preset::Moons),
        Some(Arc::clone(&teacher)),
        &AtomicBool::new(false),
        &mut |_| {},
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("8gaussians") && error.contains("moons"),
        "{error}"
    );
    // A direct run starts from a one-step generator only.
    let error = train(
        &small_onestep(OneStepMode::Direct, 2),
        Some(Arc::clone(&teacher)),
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("starts from a one-step generator"),
        "{error}"
    );
    // NSGF learns from no other model.
    let nsgf = TrainConfig::defaults_for(Method::Nsgf);
    let error = train(&nsgf, Some(teacher)).unwrap_err().to_string();
    assert!(error.contains("only one-step generators"), "{error}");
    // A starting generator of another shape is refused with both shapes.
    let small = train(&small_onestep(OneStepMode::Direct, 1), None).unwrap();
    let wider = TrainConfig {
        hidden_width: 64,
        ..small_onestep(OneStepMode::Direct, 1)
    };
    let error = train(&wider, Some(Arc::new(small)))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("width 48") && error.contains("width 64"),
        "{error}"
    );
}
