//! NSGF and NSGF++ models: training improves W2, sampling is seeded and honours the NFE budget,
//! the JSON file round-trips and rejects corrupt or foreign files, cancellation and bad
//! hyperparameters are clean errors.

use nsgf::data::{Distribution, Preset, seeded_rng};
use nsgf::metrics::exact_w2;
use nsgf::model::{Method, ModelError, TrainConfig, TrainProgress, TrainedModel};
use std::sync::atomic::AtomicBool;

/// A small, fast configuration (a few seconds in release mode).
fn small_config(method: Method) -> TrainConfig {
    let mut config = TrainConfig::defaults_for(method);
    config.particles = 128;
    config.iterations = 12;
    config.adam_steps = 20;
    config.batch_size = 256;
    config.hidden_width = 48;
    config.hidden_layers = 2;
    config.straight_iterations = 200;
    config.eval_every = 6;
    config.eval_samples = 100;
    config.flow.sinkhorn.blur = 0.1;
    config
}

fn train(config: &TrainConfig) -> (TrainedModel, Vec<TrainProgress>) {
    let mut reports = Vec::new();
    let model = TrainedModel::train(
        config,
        &Distribution::Preset(Preset::Gaussian),
        &Distribution::Preset(Preset::EightGaussians),
        &AtomicBool::new(false),
        &mut |progress| reports.push(progress.clone()),
    )
    .expect("training succeeds");
    (model, reports)
}

fn w2_to_target(points: &[nsgf::Point], seed: u64) -> f64 {
    let target = Distribution::Preset(Preset::EightGaussians)
        .sample(points.len(), &mut seeded_rng(seed))
        .unwrap();
    exact_w2(points, &target).unwrap()
}

#[test]
fn nsgf_training_moves_samples_toward_the_target_and_logs_progress() {
    let config = small_config(Method::Nsgf);
    let (model, reports) = train(&config);
    assert_eq!(reports.len(), config.iterations);
    assert!((reports.last().unwrap().fraction_done - 1.0).abs() < 1e-12);
    assert!(
        reports
            .windows(2)
            .all(|w| w[0].fraction_done < w[1].fraction_done)
    );
    assert_eq!(model.log.losses.len(), config.iterations);
    assert_eq!(model.log.w2.len(), 2, "checkpoints at iterations 6 and 12");
    let source = Distribution::Preset(Preset::Gaussian)
        .sample(400, &mut seeded_rng(7))
        .unwrap();
    let samples = model.sample(400, None, 7).unwrap();
    let (before, after) = (w2_to_target(&source, 8), w2_to_target(&samples, 8));
    assert!(after < 0.5 * before, "W2 went from {before} to {after}");
}

#[test]
fn sampling_is_seeded_and_follows_the_nfe_budget() {
    // Small steps (η = 0.35 rather than NSGF's default 0.8): the learned field then stays near a
    // continuous-time one, so integrating it on a finer grid over the same horizon lands near the
    // same end points (at η = 0.8 this 12-iteration model's 10 and 40 NFE ends differ by W2 0.55).
    let mut config = small_config(Method::Nsgf);
    config.flow.eta = 0.35;
    let (model, _) = train(&config);
    assert_eq!(model.default_nfe(), 10);
    let a = model.sample_trajectory(50, None, 3).unwrap();
    let b = model.sample_trajectory(50, None, 3).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.len(), 11);
    assert_eq!(a.nfe(), 10);
    assert!((a.frames()[10].t - 1.0).abs() < 1e-12);
    let coarse = model.sample_trajectory(50, Some(4), 3).unwrap();
    assert_eq!((coarse.len(), coarse.nfe()), (5, 4));
    assert_eq!(
        coarse.frames()[0].positions,
        a.frames()[0].positions,
        "same seed, same source samples"
    );
    // Resampling the time grid over the same horizon keeps the end point close.
    let fine = model.sample_trajectory(50, Some(40), 3).unwrap();
    let end_gap = w2_between(
        a.end_points().unwrap().points(),
        fine.end_points().unwrap().points(),
    );
    assert!(
        end_gap < 0.5,
        "10 vs 40 NFE end points differ by W2 {end_gap}"
    );
    assert!(model.sample_trajectory(0, None, 3).is_err());
    assert!(model.sample_trajectory(5, Some(0), 3).is_err());
}

fn w2_between(a: &[nsgf::Point], b: &[nsgf::Point]) -> f64 {
    exact_w2(a, b).unwrap()
}

#[test]
fn nsgfpp_uses_both_phases_within_the_budget() {
    let config = small_config(Method::NsgfPp);
    let (model, reports) = train(&config);
    assert!(reports.iter().any(|r| r.stage == "straight flow"));
    let trajectory = model.sample_trajectory(300, Some(10), 5).unwrap();
    assert_eq!(trajectory.nfe(), 10);
    let boundary = trajectory
        .phase_boundary()
        .expect("NSGF++ marks its phase boundary");
    assert_eq!(boundary.frame, config.flow.steps);
    assert_eq!(trajectory.len(), 10);
    let taus = &boundary.transition_times;
    let floor = model.sinkhorn_phase_coverage();
    assert!(taus.iter().all(|&tau| (floor..=1.0).contains(&tau)));
    // One increasing [0, 1] timeline: the Sinkhorn phase is scaled into [0, τ̄] and the
    // straight phase starts at τ̄, the mean predicted transition time.
    let times: Vec<f64> = trajectory.times().collect();
    let mean_tau = taus.iter().sum::<f64>() / taus.len() as f64;
    assert_eq!(times[0], 0.0);
    assert!(
        (times[boundary.frame] - mean_tau).abs() < 1e-12,
        "{times:?}"
    );
    assert!(times.windows(2).all(|pair| pair[0] < pair[1]), "{times:?}");
    assert!((times[9] - 1.0).abs() < 1e-9, "{times:?}");
    // Each frame's stored velocity moves it onto the next frame.
    for pair in trajectory.frames().windows(2) {
        let moved = pair[0].displacements().expect("a moving frame");
        for ((x, d), next) in pair[0].points().iter().zip(&moved).zip(pair[1].points()) {
            assert!((x[0] + d[0] - next[0]).abs() < 1e-9 && (x[1] + d[1] - next[1]).abs() < 1e-9);
        }
    }
    let source = Distribution::Preset(Preset::Gaussian)
        .sample(300, &mut seeded_rng(5))
        .unwrap();
    let (before, after) = (
        w2_to_target(&source, 9),
        w2_to_target(trajectory.end_points().unwrap().points(), 9),
    );
    assert!(after < 0.5 * before, "W2 went from {before} to {after}");
    let too_small = model.min_nfe() - 1;
    let error = model.sample_trajectory(10, Some(too_small), 5).unwrap_err();
    assert!(
        error.to_string().contains("nfe must be at least"),
        "{error}"
    );
}

#[test]
fn model_files_round_trip_and_bad_files_are_named_errors() {
    let (model, _) = train(&small_config(Method::Nsgf));
    let dir = std::env::temp_dir().join(format!("nsgf-model-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("model.json");
    model.save(&path).unwrap();
    let loaded = TrainedModel::load(&path).unwrap();
    assert_eq!(loaded.config, model.config);
    assert_eq!(loaded.log, model.log);
    assert_eq!(
        loaded.sample(20, None, 1).unwrap(),
        model.sample(20, None, 1).unwrap()
    );

    let text = std::fs::read_to_string(&path).unwrap();
    let current = format!("\"format_version\":{}", nsgf::model::FORMAT_VERSION);
    assert!(
        text.contains(&current),
        "a saved model has the current version"
    );
    let wrong_version = text.replacen(&current, "\"format_version\":99", 1);
    std::fs::write(&path, wrong_version).unwrap();
    let error = TrainedModel::load(&path).unwrap_err().to_string();
    assert!(
        error.contains("model.json") && error.contains("version 99"),
        "{error}"
    );

    std::fs::write(&path, &text[..text.len() / 2]).unwrap();
    let error = TrainedModel::load(&path).unwrap_err().to_string();
    assert!(
        error.contains("model.json") && error.contains("not a valid model file"),
        "{error}"
    );

    let error = TrainedModel::load(&dir.join("missing.json"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("missing.json"), "{error}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn cancellation_and_bad_hyperparameters_are_clean_errors() {
    let cancel = AtomicBool::new(true);
    let result = TrainedModel::train(
        &small_config(Method::Nsgf),
        &Distribution::Preset(Preset::Gaussian),
        &Distribution::Preset(Preset::Moons),
        &cancel,
        &mut |_| {},
    );
    assert!(matches!(result, Err(ModelError::Cancelled)));

    let mut config = small_config(Method::NsgfPp);
    config.flow.steps = 6;
    let error = config.validate().unwrap_err().to_string();
    assert!(error.contains("at most 5"), "{error}");
    let mut config = small_config(Method::Nsgf);
    config.batch_size = 0;
    assert!(
        config
            .validate()
            .unwrap_err()
            .to_string()
            .contains("batch_size")
    );
    let mut config = small_config(Method::Nsgf);
    config.flow.sinkhorn.scaling = 1.5;
    assert!(
        config
            .validate()
            .unwrap_err()
            .to_string()
            .contains("scaling")
    );
}

#[test]
fn sampling_the_end_alone_gives_the_trajectorys_end() {
    for method in [Method::Nsgf, Method::NsgfPp] {
        let (model, _) = train(&small_config(method));
        for nfe in [None, Some(model.min_nfe() + 1)] {
            let end_only = model.sample(80, nfe, 4).unwrap();
            let trajectory = model.sample_trajectory(80, nfe, 4).unwrap();
            assert_eq!(
                end_only.as_slice(),
                trajectory.end_points().unwrap().points(),
                "{method:?} at nfe {nfe:?}"
            );
        }
    }
}

/// A model whose weights are finite but overflow f32 on the way through the network (loaded
/// from a file: the loader only refuses non-finite weights) samples to an error naming the
/// sample and the frame, never to NaN points.
#[test]
fn a_model_that_overflows_samples_to_an_error_not_nan_points() {
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
    let (model, _) = train(&config);
    let mut json: serde_json::Value = serde_json::from_str(&model.to_json().unwrap()).unwrap();
    let weights = json
        .pointer_mut("/networks/velocity/parameters")
        .and_then(serde_json::Value::as_array_mut)
        .expect("the velocity network's parameters");
    for weight in weights.iter_mut() {
        *weight = serde_json::json!(3.0e38);
    }
    let text = serde_json::to_string(&json).unwrap();
    let huge = TrainedModel::from_json(&text, std::path::Path::new("huge.json"))
        .expect("finite weights load");
    let error = huge.sample(10, Some(4), 0).unwrap_err();
    assert!(
        matches!(error, ModelError::NonFiniteSample { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("non-finite position"), "{error}");
}

#[test]
fn a_run_paused_every_few_microseconds_trains_the_same_model() {
    use nsgf::model::{TrainStep, Trainer};
    use std::time::Duration;
    for method in [Method::Nsgf, Method::NsgfPp] {
        let mut config = small_config(method);
        config.iterations = 3;
        config.straight_iterations = 60;
        let (whole, reports) = train(&config);
        let mut trainer = Trainer::new(
            &config,
            &Distribution::Preset(Preset::Gaussian),
            &Distribution::Preset(Preset::EightGaussians),
        )
        .unwrap();
        let (mut calls, mut paused_reports) = (0, Vec::new());
        let paused = loop {
            calls += 1;
            assert!(calls < 1_000_000, "it never finished");
            match trainer.step_for(Duration::from_micros(50)).unwrap() {
                None => {}
                Some(TrainStep::Progress(report)) => paused_reports.push(report),
                Some(TrainStep::Finished(model)) => break *model,
            }
        };
        assert!(
            calls > 2 * reports.len(),
            "{method:?}: {calls} calls for {} units: the units did pause",
            reports.len()
        );
        assert_eq!(paused.log.losses, whole.log.losses, "{method:?}");
        let units = |reports: &[TrainProgress]| -> Vec<(usize, usize)> {
            reports.iter().map(|r| (r.iteration, r.total)).collect()
        };
        assert_eq!(units(&paused_reports), units(&reports));
        assert_eq!(
            paused.sample_trajectory(64, None, 9).unwrap(),
            whole.sample_trajectory(64, None, 9).unwrap(),
            "{method:?}: the same networks"
        );
    }
}

/// W2 between the last step of the particle flow NSGF trains on (`config.flow`, n = 1000, seed
/// `seed`) and a fresh sample of cfm-moons.
fn flow_reach_on_cfm_moons(config: &TrainConfig, seed: u64) -> f64 {
    use nsgf::data::sample_source_and_target;
    use nsgf::flow::simulate_flow;
    use nsgf::ot::{Precision, cpu::CpuBackend};
    let (source, target) = (
        Distribution::Preset(Preset::Gaussian),
        Distribution::Preset(Preset::CfmMoons),
    );
    let (particles, target_points) =
        sample_source_and_target(&source, &target, 1000, seed).unwrap();
    let mut backend = CpuBackend::new(Precision::F32);
    let flow = simulate_flow(particles, target_points, config.flow, &mut backend).unwrap();
    let fresh = target.sample(1000, &mut seeded_rng(seed + 100)).unwrap();
    let last = flow.frames().last().unwrap();
    w2_between(last.positions.points(), &fresh)
}

/// NSGF's default flow reaches cfm-moons in its 10 steps, which the former default (η = 0.35,
/// blur 0.2) did not: a model only imitates its flow (docs/judging.md; `scripts/flow_reach.py`
/// measured 0.138 ± 0.002 against 0.352 ± 0.007, floor 0.103 ± 0.002).
#[test]
fn nsgfs_default_flow_reaches_the_target_in_its_steps() {
    let default = TrainConfig::defaults_for(Method::Nsgf);
    assert_eq!(default.flow.steps, 10);
    let mut former = default.clone();
    former.flow.eta = 0.35;
    former.flow.sinkhorn.blur = 0.2;
    let seed = 0;
    let (now, before) = (
        flow_reach_on_cfm_moons(&default, seed),
        flow_reach_on_cfm_moons(&former, seed),
    );
    assert!(now < 0.18, "the default flow ends at W2 {now}");
    assert!(
        before > 0.28,
        "the former flow ends at W2 {before}: is the default still needed?"
    );
}
