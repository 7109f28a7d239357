//! The mean-field limit: the empirical velocity field at query points, and its convergence.

use nsgf::cli::meanfield::{MeanfieldArgs, study};
use nsgf::data::{Preset, seeded_rng};
use nsgf::ot::{Precision, SinkhornParams, flow_velocity, velocity_field};

#[test]
fn the_field_at_the_particles_is_the_particle_velocity() {
    let x = Preset::Gaussian.sample(300, &mut seeded_rng(1));
    let y = Preset::Moons.sample(250, &mut seeded_rng(2));
    let params = SinkhornParams::default();
    let at_particles = velocity_field(&x, &x, &y, &params, Precision::F64).unwrap();
    let velocity = flow_velocity(&x, &y, &params, Precision::F64)
        .unwrap()
        .velocity;
    for (a, b) in at_particles.iter().zip(&velocity) {
        assert!((a[0] - b[0]).abs() < 1e-12 && (a[1] - b[1]).abs() < 1e-12);
    }
    // Off the particles it is defined too, and bad query points are named.
    let field = velocity_field(&[[0.3, -0.2], [9.0, 9.0]], &x, &y, &params, Precision::F32);
    assert!(
        field
            .unwrap()
            .iter()
            .all(|v| v[0].is_finite() && v[1].is_finite())
    );
    let error = velocity_field(&[[0.0, f64::NAN]], &x, &y, &params, Precision::F32).unwrap_err();
    assert!(error.to_string().contains("query"), "{error}");
}

#[test]
fn the_mean_field_error_decreases_with_n() {
    let args = MeanfieldArgs {
        source: "gaussian".into(),
        target: "moons".into(),
        sizes: vec![50, 200, 800, 3200],
        seeds: 2,
        grid: 8,
        blur: 0.2,
        scaling: 0.9,
    };
    let result = study(&args).unwrap();
    let errors = result.errors();
    for e in &errors {
        println!(
            "n {:>5}: error {:.4} ({:.4} … {:.4})",
            e.n, e.mean, e.min, e.max
        );
    }
    let slope = result.slope().unwrap();
    println!("slope {slope:.3}");
    assert_eq!(result.reference_n(), 3200);
    assert_eq!(result.grid().len(), 64);
    assert_eq!(errors.len(), 3);
    assert!(result.finished());
    for pair in errors.windows(2) {
        assert!(pair[1].mean < pair[0].mean, "{pair:?}");
    }
    assert!(slope < -0.25, "slope {slope}");
    // The shown field at the smallest size is further from the reference than at the largest.
    let reference = result.reference().unwrap();
    let off = |index: usize| {
        let field = result.field_at(index).unwrap();
        let difference: Vec<[f64; 2]> = field
            .iter()
            .zip(reference)
            .map(|(a, b)| [a[0] - b[0], a[1] - b[1]])
            .collect();
        nsgf::meanfield::mean_norm(&difference)
    };
    assert!(off(2) < off(0));
}

#[test]
fn bad_meanfield_options_are_errors() {
    for args in [
        vec!["meanfield", "--sizes", "100,200"],
        vec!["meanfield", "--seeds", "0"],
        vec!["meanfield", "--blur", "0"],
        vec!["meanfield", "--target", "nowhere"],
    ] {
        let output = crate::support::nsgf(&args);
        assert!(!output.status.success(), "{args:?}");
        assert!(!output.stderr.is_empty());
    }
}
