//! The flow-matching rivals in the one model core: the conditional paths and targets match
//! their formulas, OT-CFM's pairing is the exact assignment, short runs of OT-CFM, I-CFM and
//! rectified flow (with a reflow pass) lower W2, and their files round-trip.

use nsgf::PointCloud;
use nsgf::data::{Distribution, Preset, seeded_rng};
use nsgf::metrics::exact_w2;
use nsgf::model::{Method, TrainConfig, TrainedModel, conditional_batch, ot_paired};
use std::sync::atomic::AtomicBool;

#[test]
fn conditional_paths_and_targets_match_their_formulas() {
    let sources = PointCloud::from_flat(3, vec![0.0, 1.0, 2.0, -1.0, 0.5, 4.0]);
    let targets = PointCloud::from_flat(3, vec![2.0, -1.0, 0.0, 3.0, 0.5, -4.0]);
    let noise = [0.5, -0.5, 1.0, 2.0, 0.0, -1.0];
    let batch = conditional_batch(&sources, &targets, vec![0.25, 1.0], &noise, 0.1);
    // x_t = (1 − t)·x₀ + t·x₁ + σ·ε and u = x₁ − x₀, coordinate by coordinate.
    let expected = [
        0.75 * 0.0 + 0.25 * 2.0 + 0.05,
        0.75 * 1.0 - 0.25 * 1.0 - 0.05,
        0.75 * 2.0 + 0.25 * 0.0 + 0.1,
        3.0 + 0.2,
        0.5,
        -4.0 - 0.1,
    ];
    for (got, want) in batch.positions.coords().iter().zip(expected) {
        assert!((got - want).abs() < 1e-15, "{got} vs {want}");
    }
    assert_eq!(
        batch.targets.coords(),
        &[2.0, -2.0, -2.0, 4.0, 0.0, -8.0][..]
    );
    assert_eq!(batch.times, vec![0.25, 1.0]);
}

/// Every permutation of 0..n.
fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![Vec::new()];
    }
    let mut all = Vec::new();
    for rest in permutations(n - 1) {
        for slot in 0..n {
            let mut p = rest.clone();
            p.insert(slot, n - 1);
            all.push(p);
        }
    }
    all
}

#[test]
fn ot_cfm_pairs_a_minibatch_by_the_exact_assignment() {
    let mut rng = seeded_rng(5);
    let normal = Distribution::StandardNormal { dim: 3 };
    for _ in 0..5 {
        let sources = normal.sample_cloud(6, &mut rng).unwrap();
        let targets = normal.sample_cloud(6, &mut rng).unwrap();
        let cost = |paired: &[f64]| -> f64 {
            sources
                .coords()
                .iter()
                .zip(paired)
                .map(|(a, b)| (a - b) * (a - b))
                .sum()
        };
        let best = permutations(6)
            .iter()
            .map(|p| {
                let paired: Vec<f64> = p
                    .iter()
                    .flat_map(|&j| targets.coords()[3 * j..3 * j + 3].to_vec())
                    .collect();
                cost(&paired)
            })
            .fold(f64::INFINITY, f64::min);
        let paired = ot_paired(&sources, &targets).unwrap();
        assert!(
            (cost(paired.coords()) - best).abs() < 1e-12,
            "{} vs the brute force {best}",
            cost(paired.coords())
        );
    }
}

fn train(config: &TrainConfig) -> TrainedModel {
    TrainedModel::train(
        config,
        &Distribution::Preset(Preset::Gaussian),
        &Distribution::Preset(Preset::Moons),
        &AtomicBool::new(false),
        &mut |_| {},
    )
    .expect("training succeeds")
}

#[test]
fn short_flow_matching_runs_lower_w2_and_their_files_round_trip() {
    let mut rng = seeded_rng(8);
    let moons = Distribution::Preset(Preset::Moons)
        .sample(400, &mut rng)
        .unwrap();
    let noise = Distribution::Preset(Preset::Gaussian)
        .sample(400, &mut rng)
        .unwrap();
    let before = exact_w2(&noise, &moons).unwrap();
    let dir = std::env::temp_dir().join(format!("nsgf-cfm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for method in [Method::OtCfm, Method::Icfm, Method::Rf] {
        let config = TrainConfig {
            iterations: 15,
            adam_steps: 40,
            reflow_iterations: if method == Method::Rf { 3 } else { 0 },
            eval_every: 0,
            eval_samples: 200,
            ..TrainConfig::defaults_for(method)
        };
        let model = train(&config);
        assert_eq!(model.default_nfe(), 100);
        let samples = model.sample(400, Some(20), 3).unwrap();
        let after = exact_w2(&samples, &moons).unwrap();
        println!("{method:?}: W2 {before:.3} → {after:.3} at 20 NFE");
        assert!(after < 0.5 * before, "{method:?}: {before} → {after}");
        let trajectory = model.sample_trajectory(50, Some(4), 1).unwrap();
        assert_eq!(trajectory.kind(), method.flow_kind());
        assert_eq!((trajectory.nfe(), trajectory.len()), (4, 5));
        let frame_times: Vec<f64> = trajectory.times().collect();
        assert_eq!(frame_times, vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        // One unit per 40 steps, plus the reflow units, each logged.
        let units = config.iterations + config.reflow_iterations;
        assert_eq!(model.log.losses.len(), units);
        let path = dir.join(format!("{}.json", method.cli_name()));
        model.save(&path).unwrap();
        let loaded = TrainedModel::load(&path).unwrap();
        assert_eq!(loaded.method, method);
        assert_eq!(loaded.config.sigma, config.sigma);
        assert_eq!(
            loaded.sample(10, Some(5), 2).unwrap(),
            model.sample(10, Some(5), 2).unwrap()
        );
    }
    std::fs::remove_dir_all(&dir).ok();
    // σ and the reflow pass are checked.
    let bad = TrainConfig {
        sigma: -0.1,
        ..TrainConfig::defaults_for(Method::Icfm)
    };
    assert!(bad.validate().unwrap_err().to_string().contains("sigma"));
    let bad = TrainConfig {
        reflow_iterations: 2,
        ..TrainConfig::defaults_for(Method::OtCfm)
    };
    assert!(
        bad.validate()
            .unwrap_err()
            .to_string()
            .contains("rectified flow")
    );
}
