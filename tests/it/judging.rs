//! The one protocol: the standard error against its closed form, the pooling of training
//! seeds, the "within noise" rule, and the shape of a judgement (draws, floor, the Sinkhorn
//! divergence) on a tiny model, in the library and through `nsgf eval`.

use crate::support::nsgf;
use nsgf::data::{Distribution, Preset};
use nsgf::metrics::{Estimate, Verdict, compare, standard_error};
use nsgf::model::{
    Method, PROTOCOL_DRAWS, PROTOCOL_SAMPLES, Protocol, SinkhornMetric, TrainConfig, TrainedModel,
    judge_floor,
};
use std::sync::atomic::AtomicBool;

#[test]
fn the_standard_error_is_the_sample_deviation_over_the_root_of_the_count() {
    // 1, 2, …, k: mean (k + 1)/2, sample variance k(k + 1)/12, so SE = √((k + 1)/12).
    for k in [2_usize, 5, 20, 101] {
        let values: Vec<f64> = (1..=k).map(|v| v as f64).collect();
        let estimate = Estimate::of(&values);
        let closed = ((k as f64 + 1.0) / 12.0).sqrt();
        assert!((estimate.mean - 0.5 * (k as f64 + 1.0)).abs() < 1e-12);
        assert!(
            (estimate.standard_error - closed).abs() < 1e-12,
            "k = {k}: {} vs {closed}",
            estimate.standard_error
        );
        assert!((estimate.spread - closed * (k as f64).sqrt()).abs() < 1e-9);
        assert_eq!(estimate.count, k);
        assert_eq!(standard_error(&values), estimate.standard_error);
    }
    // One value has no spread; constant values none either.
    assert_eq!(standard_error(&[7.0]), 0.0);
    assert_eq!(standard_error(&[3.0, 3.0, 3.0]), 0.0);
    assert!(Estimate::of(&[]).mean.is_nan());
    // Synthetic draws of N(0, 1): over many groups of k = 20, the SE averages near 1/√20.
    let mut rng = nsgf::data::seeded_rng(11);
    let normal = Distribution::StandardNormal { dim: 1 };
    let groups = 400;
    let mean_se = (0..groups)
        .map(|_| {
            let draws = normal.sample_cloud(20, &mut rng).unwrap();
            Estimate::of(draws.coords()).standard_error
        })
        .sum::<f64>()
        / groups as f64;
    // E[s] = c₄·σ with c₄(20) ≈ 0.9869.
    let expected = 0.9869 / 20_f64.sqrt();
    assert!(
        (mean_se - expected).abs() < 0.02 * expected + 0.003,
        "{mean_se} vs {expected}"
    );
}

#[test]
fn seeds_pool_into_the_mean_of_means_with_their_spread_and_the_larger_error() {
    let seed = |mean: f64, standard_error: f64| Estimate {
        mean,
        standard_error,
        spread: standard_error * 20_f64.sqrt(),
        count: 20,
    };
    // Seeds that disagree: the seed means' SE (sd 0.1 over √3) dominates.
    let pooled = Estimate::pooled(&[seed(1.0, 0.01), seed(1.1, 0.01), seed(1.2, 0.01)]);
    assert!((pooled.mean - 1.1).abs() < 1e-12);
    assert!((pooled.spread - 0.1).abs() < 1e-12);
    assert!((pooled.standard_error - 0.1 / 3_f64.sqrt()).abs() < 1e-12);
    assert_eq!(pooled.count, 3);
    // Seeds that happen to agree keep the draws' error: √(3 · 0.05²) / 3.
    let pooled = Estimate::pooled(&[seed(1.0, 0.05), seed(1.0, 0.05), seed(1.0, 0.05)]);
    assert_eq!(pooled.spread, 0.0);
    assert!((pooled.standard_error - 0.05 / 3_f64.sqrt()).abs() < 1e-12);
    // One seed is itself.
    assert_eq!(Estimate::pooled(&[seed(2.0, 0.1)]), seed(2.0, 0.1));
}

#[test]
fn a_difference_under_twice_the_combined_error_is_within_noise() {
    let at = |mean: f64, standard_error: f64| Estimate {
        mean,
        standard_error,
        spread: 0.0,
        count: 20,
    };
    // Combined error √(0.03² + 0.04²) = 0.05: the line lies at 0.1.
    let reference = at(1.0, 0.04);
    let close = compare(&at(1.099, 0.03), &reference);
    assert_eq!(close.verdict, Verdict::WithinNoise);
    assert!((close.combined_error - 0.05).abs() < 1e-12);
    assert_eq!(close.to_string(), "within noise (+0.099, 2 SE = 0.100)");
    let worse = compare(&at(1.101, 0.03), &reference);
    assert_eq!(worse.verdict, Verdict::Worse);
    assert_eq!(worse.to_string(), "worse by 0.101 (2.0 SE)");
    let better = compare(&at(0.75, 0.03), &reference);
    assert_eq!(better.verdict, Verdict::Better);
    assert_eq!(better.to_string(), "better by 0.250 (5.0 SE)");
    // Exact equality with no error is within noise, any difference then is not.
    assert_eq!(
        compare(&at(1.0, 0.0), &at(1.0, 0.0)).verdict,
        Verdict::WithinNoise
    );
    assert_eq!(
        compare(&at(1.0, 0.0), &at(1.1, 0.0)).verdict,
        Verdict::Better
    );
}

/// A tiny I-CFM model of gaussian → moons (30 Adam steps: far from the target).
fn tiny_model() -> TrainedModel {
    let config = TrainConfig {
        iterations: 1,
        adam_steps: 30,
        eval_every: 0,
        ..TrainConfig::defaults_for(Method::Icfm)
    };
    TrainedModel::train(
        &config,
        &Distribution::Preset(Preset::Gaussian),
        &Distribution::Preset(Preset::Moons),
        &AtomicBool::new(false),
        &mut |_| {},
    )
    .unwrap()
}

#[test]
fn the_default_protocol_judges_twenty_draws_of_a_thousand_beside_its_floor() {
    let protocol = Protocol::default();
    assert!(protocol.draws >= 20 && protocol.samples == 1000);
    assert_eq!((PROTOCOL_DRAWS, PROTOCOL_SAMPLES), (20, 1000));
    let model = tiny_model();
    // A smaller protocol of the same shape keeps the test quick; the draws are independent.
    let small = Protocol {
        samples: 200,
        draws: 6,
        sinkhorn: Some(SinkhornMetric {
            samples: 500,
            draws: 2,
            ..SinkhornMetric::default()
        }),
    };
    // At one NFE the barely trained flow leaves its samples near the source.
    let judgement = model.judge(&small, Some(1), 4).unwrap();
    assert_eq!(judgement.w2.count, 6);
    assert!(judgement.w2.standard_error > 0.0 && judgement.w2.mean > 0.0);
    assert_eq!(judgement.nfe, 1);
    let divergence = judgement.sinkhorn.expect("asked for");
    assert_eq!(divergence.count, 2);
    let floor = judge_floor(&model.target, &small, 4).unwrap();
    assert_eq!(floor.w2.count, 6);
    let floor_s = floor.sinkhorn.expect("asked for");
    // A barely trained model sits far above both floors, on both metrics.
    assert!(judgement.w2.mean > floor.w2.mean, "{judgement:?} {floor:?}");
    assert!(divergence.mean > floor_s.mean, "{divergence:?} {floor_s:?}");
    // A preset whose sampler orders its points (cfm-moons: one moon, then the other) still gets
    // a floor of two independent samples (halves of one draw would sit near 4).
    let ordered = Distribution::Preset(Preset::CfmMoons);
    let floor = judge_floor(&ordered, &small, 1).unwrap();
    assert!(floor.w2.mean < 0.3, "{floor:?}");
    // The same seed gives the same judgement; a bad protocol names its sizes.
    let again = model.judge(&small, Some(1), 4).unwrap();
    assert_eq!(
        (again.w2, again.sinkhorn),
        (judgement.w2, judgement.sinkhorn)
    );
    let bad = Protocol { draws: 0, ..small };
    assert!(
        model
            .judge(&bad, None, 0)
            .unwrap_err()
            .to_string()
            .contains("0 draws")
    );
}

#[test]
fn eval_prints_mean_and_standard_error_over_the_default_draws() {
    let model = tiny_model();
    let path = std::env::temp_dir().join(format!("nsgf-judging-{}.json", std::process::id()));
    model.save(&path).unwrap();
    let path_arg = path.to_str().unwrap();
    let output = nsgf(&["eval", "--model", path_arg, "--n", "100", "--nfe", "5"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = |key: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .unwrap_or_else(|| panic!("no {key} in {stdout}"))
            .to_string()
    };
    // The default protocol's draws, and mean ± SE of the model and of the floor.
    assert_eq!(line("draws "), "20");
    let parts = |text: String| -> (f64, f64) {
        let (mean, error) = text.split_once(" ± ").expect("mean ± SE");
        (mean.parse().unwrap(), error.parse().unwrap())
    };
    let (w2, w2_error) = parts(line("w2 "));
    let (floor, floor_error) = parts(line("floor "));
    assert!(
        w2 > floor && w2_error > 0.0 && floor_error > 0.0,
        "{stdout}"
    );
    let ratio: f64 = line("ratio ").parse().unwrap();
    assert!((ratio - w2 / floor).abs() < 1e-3);
    assert!(line("w2_vs_floor ").starts_with("worse by"), "{stdout}");
    // Two seeds' models pool (the same file twice agrees with itself: spread 0).
    let output = nsgf(&[
        "eval",
        "--model",
        path_arg,
        "--seed-models",
        path_arg,
        "--n",
        "60",
        "--draws",
        "3",
        "--sinkhorn",
        "--sinkhorn-n",
        "300",
        "--sinkhorn-draws",
        "2",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("seeds 2 ("), "{stdout}");
    assert!(stdout.contains("sinkhorn_eps 0.01 (blur 0.1"), "{stdout}");
    assert!(
        stdout.lines().any(|l| l.starts_with("sinkhorn_floor ")),
        "{stdout}"
    );
    // A bad draw count is refused by name.
    let output = nsgf(&["eval", "--model", path_arg, "--draws", "0"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--draws"));
    std::fs::remove_file(&path).ok();
}
