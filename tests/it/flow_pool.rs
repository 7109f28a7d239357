//! The particle flow records aligned (x_k, t_k, v_k) triples, and the trajectory pool keeps the
//! last P flows and samples triples from them.

use nsgf::Point;
use nsgf::data::{Distribution, Preset, seeded_rng};
use nsgf::flow::{
    FlowConfig, FlowKind, Frame, ParticleFlow, Trajectory, TrajectoryPool, simulate_flow,
};
use nsgf::ot::cpu::CpuBackend;
use nsgf::ot::{OtError, Precision, SinkhornParams};

fn clouds(n: usize, seed: u64) -> (Vec<Point>, Vec<Point>) {
    let mut rng = seeded_rng(seed);
    let source = Distribution::Preset(Preset::Gaussian)
        .sample(n, &mut rng)
        .unwrap();
    let target = Distribution::Preset(Preset::Moons)
        .sample(n, &mut rng)
        .unwrap();
    (source, target)
}

fn config(steps: usize) -> FlowConfig {
    FlowConfig {
        steps,
        eta: 0.5,
        sinkhorn: SinkhornParams {
            blur: 0.1,
            scaling: 0.7,
        },
    }
}

#[test]
fn velocities_are_computed_at_the_positions_they_are_recorded_with() {
    let (source, target) = clouds(64, 1);
    let mut backend = CpuBackend::new(Precision::F64);
    let trajectory =
        simulate_flow(source.clone(), target.clone(), config(4), &mut backend).unwrap();
    let frames = trajectory.frames();
    assert_eq!(frames.len(), 5);
    assert_eq!(trajectory.kind(), FlowKind::Sinkhorn);
    assert_eq!(frames[0].points(), source.as_slice());
    for (k, pair) in frames.windows(2).enumerate() {
        let (now, next) = (&pair[0], &pair[1]);
        assert!((now.t - k as f64 / 4.0).abs() < 1e-15);
        assert_eq!(now.step_size, 0.5);
        // v_k was computed at x_k: recompute it there and compare.
        let mut fresh = CpuBackend::new(Precision::F64);
        let recomputed = nsgf::ot::VelocityBackend::velocity(
            &mut fresh,
            now.points(),
            &target,
            &config(4).sinkhorn,
        )
        .unwrap();
        let velocities = now.velocities.as_ref().expect("a moving frame");
        for ((v, w), (x, y)) in velocities
            .points()
            .iter()
            .zip(&recomputed)
            .zip(now.points().iter().zip(next.points()))
        {
            assert!((v[0] - w[0]).abs() < 1e-9 && (v[1] - w[1]).abs() < 1e-9);
            assert!((x[0] + 0.5 * v[0] - y[0]).abs() < 1e-12);
            assert!((x[1] + 0.5 * v[1] - y[1]).abs() < 1e-12);
        }
    }
    assert!(frames[4].velocities.is_none());
}

#[test]
fn the_flow_brings_particles_closer_to_the_target() {
    let (source, target) = clouds(200, 2);
    let mut backend = CpuBackend::new(Precision::F32);
    let params = config(6).sinkhorn;
    let before =
        nsgf::ot::VelocityBackend::divergence(&mut backend, &source, &target, &params).unwrap();
    let trajectory = simulate_flow(source, target.clone(), config(6), &mut backend).unwrap();
    let last = trajectory.end_points().unwrap().points();
    let after =
        nsgf::ot::VelocityBackend::divergence(&mut backend, last, &target, &params).unwrap();
    assert!(after < 0.1 * before, "S_eps went from {before} to {after}");
}

#[test]
fn a_flow_rejects_empty_sets_and_bad_parameters() {
    let (source, target) = clouds(8, 3);
    assert!(matches!(
        ParticleFlow::new(Vec::new(), target.clone(), config(2)),
        Err(OtError::EmptySet("source"))
    ));
    assert!(matches!(
        ParticleFlow::new(source.clone(), Vec::new(), config(2)),
        Err(OtError::EmptySet("target"))
    ));
    let mut bad = config(2);
    bad.sinkhorn.blur = 0.0;
    assert!(matches!(
        ParticleFlow::new(source, target, bad),
        Err(OtError::InvalidBlur(_))
    ));
}

fn frame(t: f64, value: f64, n: usize) -> Frame {
    Frame::moving(t, vec![[value, value]; n], vec![[value, -value]; n], 1.0)
}

#[test]
fn the_pool_keeps_the_last_flows_and_samples_aligned_triples() {
    let mut pool = TrajectoryPool::new(2);
    assert!(pool.is_empty());
    let flow = |offset: f64| {
        Trajectory::from_frames(
            FlowKind::Sinkhorn,
            vec![
                frame(0.0, offset, 3),
                frame(0.5, offset + 1.0, 3),
                Frame::resting(1.0, vec![[offset + 2.0, offset + 2.0]; 3]),
            ],
        )
    };
    pool.push_flow(&flow(0.0));
    pool.push_flow(&flow(10.0));
    assert_eq!((pool.len(), pool.flow_count()), (12, 2));
    pool.push_flow(&flow(20.0));
    assert_eq!(
        (pool.len(), pool.flow_count()),
        (12, 2),
        "the oldest flow is evicted"
    );
    let mut rng = seeded_rng(4);
    let batch = pool.sample(500, &mut rng);
    assert_eq!(batch.positions.len(), 500);
    let mut seen = std::collections::BTreeSet::new();
    for ((x, t), v) in batch
        .positions
        .points()
        .iter()
        .zip(&batch.times)
        .zip(batch.velocities.points())
    {
        // Triples stay aligned: position value p, velocity (p, -p), time of the same frame.
        assert_eq!(v[0], x[0]);
        assert_eq!(v[1], -x[0]);
        assert!(x[0] >= 10.0, "a triple of the evicted flow was sampled");
        let expected_t = if (x[0] - 10.0) % 10.0 == 0.0 {
            0.0
        } else {
            0.5
        };
        assert_eq!(*t, expected_t);
        seen.insert(x[0] as i64);
    }
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), vec![10, 11, 20, 21]);
}
