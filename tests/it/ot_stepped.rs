//! The annealed velocity a step at a time (the browser's CPU path) against the whole call:
//! the same numbers to the last bit, its step count, budgets and refusals.

use nsgf::Point;
use nsgf::ot::cpu::CpuBackend;
use nsgf::ot::stepped::SteppedVelocity;
use nsgf::ot::{
    OtError, Precision, SinkhornParams, Truncation, VelocityBackend, VelocityMode, flow_velocity,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use std::time::Duration;

fn cloud(rng: &mut ChaCha8Rng, n: usize, centre: Point, spread: f64) -> Vec<Point> {
    (0..n)
        .map(|_| {
            let (a, b): (f64, f64) = (StandardNormal.sample(rng), StandardNormal.sample(rng));
            [centre[0] + spread * a, centre[1] + spread * b]
        })
        .collect()
}

/// Steps `stepped` to the end, one step at a time; returns the velocity and the steps taken.
fn step_through(stepped: &mut SteppedVelocity) -> (nsgf::ot::FlowVelocity, usize) {
    let mut steps = 0;
    loop {
        steps += 1;
        if let Some(done) = stepped.step() {
            return (done.expect("a velocity"), steps);
        }
        assert!(steps < 10_000, "it never finished");
    }
}

#[test]
fn a_stepped_velocity_is_the_whole_call_bit_for_bit() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let x = cloud(&mut rng, 240, [-1.0, 0.5], 1.0);
    let y = cloud(&mut rng, 310, [1.5, -0.5], 0.7);
    let params = SinkhornParams {
        blur: 0.05,
        scaling: 0.8,
    };
    for precision in [Precision::F32, Precision::F64] {
        let whole = flow_velocity(&x, &y, &params, precision).unwrap();
        let mut stepped = SteppedVelocity::new(&x, &y, &params, precision, false).unwrap();
        let (_, total) = stepped.progress();
        let (velocity, steps) = step_through(&mut stepped);
        assert_eq!(velocity, whole, "{precision:?}");
        assert_eq!(
            steps, total,
            "{precision:?}: the announced steps are the steps"
        );
        assert_eq!(stepped.progress(), (total, total));
        // Far more steps than one: each is one Sinkhorn iteration or one projection.
        assert_eq!(total as u64 - 2, whole.stats.iterations as u64 + 4);
        assert!(matches!(stepped.step(), Some(Err(OtError::Unsupported(_)))));
    }
}

#[test]
fn a_stepped_velocity_on_truncated_kernels_is_the_backends_call() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let x = cloud(&mut rng, 1100, [0.0, 0.0], 1.0);
    let y = cloud(&mut rng, 1000, [2.0, 1.0], 0.5);
    let params = SinkhornParams {
        blur: 0.05,
        scaling: 0.8,
    };
    let mut backend = CpuBackend::new(Precision::F32).with_truncation(Truncation::On);
    let whole = backend.velocity(&x, &y, &params).unwrap();
    let mut stepped = backend
        .start_stepped(&x, &y, &params)
        .expect("the annealed CPU steps")
        .unwrap();
    let (velocity, _) = step_through(&mut stepped);
    assert_eq!(velocity.velocity, whole);
    assert_eq!(velocity.stats, backend.last_stats());
}

#[test]
fn run_for_stops_at_its_budget_and_always_takes_a_step() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let x = cloud(&mut rng, 200, [0.0, 0.0], 1.0);
    let y = cloud(&mut rng, 200, [1.0, 1.0], 1.0);
    let params = SinkhornParams {
        blur: 0.1,
        scaling: 0.8,
    };
    let mut stepped = SteppedVelocity::new(&x, &y, &params, Precision::F64, false).unwrap();
    let (_, total) = stepped.progress();
    assert!(stepped.run_for(Duration::ZERO).is_none());
    assert_eq!(stepped.progress().0, 1, "a zero budget still runs one step");
    let done = stepped.run_for(Duration::from_mins(10)).expect("done");
    assert_eq!(
        done.unwrap(),
        flow_velocity(&x, &y, &params, Precision::F64).unwrap()
    );
    assert_eq!(stepped.progress(), (total, total));
}

#[test]
fn stepped_velocities_refuse_what_the_whole_call_refuses() {
    let params = SinkhornParams {
        blur: 0.1,
        scaling: 0.8,
    };
    let good = vec![[0.0, 0.0], [1.0, 1.0]];
    let bad = vec![[f64::NAN, 0.0]];
    for (x, y) in [(&bad, &good), (&good, &bad), (&Vec::new(), &good)] {
        let stepped = SteppedVelocity::new(x, y, &params, Precision::F32, false).err();
        let whole = flow_velocity(x, y, &params, Precision::F32).err();
        assert!(stepped.is_some());
        assert_eq!(stepped, whole);
    }
    let blur = SinkhornParams {
        blur: -1.0,
        scaling: 0.8,
    };
    assert!(matches!(
        SteppedVelocity::new(&good, &good, &blur, Precision::F64, false),
        Err(OtError::InvalidBlur(_))
    ));
    // Only the annealed CPU can pause a velocity; the warm-started modes keep state across
    // calls and answer None (call `velocity`).
    let mut refined = CpuBackend::new(Precision::F32)
        .with_mode(VelocityMode::Refined(nsgf::ot::WarmStartConfig::default()));
    assert!(refined.start_stepped(&good, &good, &params).is_none());
}

#[test]
fn a_stepped_divergence_is_the_whole_call_bit_for_bit() {
    use nsgf::ot::sinkhorn_divergence;
    use nsgf::ot::stepped::SteppedDivergence;
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let x = cloud(&mut rng, 150, [-1.0, 0.5], 1.0);
    let y = cloud(&mut rng, 170, [1.5, -0.5], 0.7);
    let params = SinkhornParams {
        blur: 0.05,
        scaling: 0.8,
    };
    for precision in [Precision::F32, Precision::F64] {
        let whole = sinkhorn_divergence(&x, &y, &params, precision).unwrap();
        let mut stepped = SteppedDivergence::new(&x, &y, &params, precision).unwrap();
        let mut steps = 1;
        let value = loop {
            if let Some(done) = stepped.run_for(Duration::ZERO) {
                break done.unwrap();
            }
            steps += 1;
        };
        assert_eq!(value.to_bits(), whole.to_bits(), "{precision:?}");
        assert!(steps > 30, "{steps} steps: one Sinkhorn iteration each");
    }
    // The backend's stepped divergence is its own call's, and bad input is refused alike.
    let mut backend = CpuBackend::new(Precision::F32);
    let whole = backend.divergence(&x, &y, &params).unwrap();
    let mut stepped = backend
        .start_stepped_divergence(&x, &y, &params)
        .expect("the CPU steps")
        .unwrap();
    let value = stepped.run_for(Duration::from_mins(10)).unwrap().unwrap();
    assert_eq!(value.to_bits(), whole.to_bits());
    let bad = vec![[f64::INFINITY, 0.0]];
    let refused = backend
        .start_stepped_divergence(&bad, &y, &params)
        .expect("answered")
        .err();
    assert!(refused.is_some());
    assert_eq!(refused, backend.divergence(&bad, &y, &params).err());
}

#[test]
fn a_stepped_w2_is_the_exact_w2() {
    use nsgf::metrics::{SteppedW2, exact_w2};
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    for n in [1, 2, 60, 257] {
        let a = cloud(&mut rng, n, [0.0, 0.0], 1.0);
        let b = cloud(&mut rng, n, [1.0, -1.0], 2.0);
        let whole = exact_w2(&a, &b).unwrap();
        let mut stepped = SteppedW2::new(&a, &b).unwrap();
        let mut steps = 1;
        let value = loop {
            if let Some(done) = stepped.run_for(Duration::ZERO) {
                break done.unwrap();
            }
            steps += 1;
        };
        assert_eq!(value.to_bits(), whole.to_bits(), "n = {n}");
        if n > 2 {
            assert!(steps > 1, "n = {n}: one augmenting path a step");
        }
    }
    let a = cloud(&mut rng, 3, [0.0, 0.0], 1.0);
    let b = cloud(&mut rng, 4, [0.0, 0.0], 1.0);
    assert_eq!(
        SteppedW2::new(&a, &b).err().map(|e| e.to_string()),
        exact_w2(&a, &b).err().map(|e| e.to_string())
    );
}
