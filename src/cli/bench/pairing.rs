//! What OT-CFM's exact minibatch pairing costs: milliseconds per assignment of a batch of
//! gaussian samples to moons samples, per batch size, beside the time of the Adam step it feeds
//! (TorchCFM's 3×64 MLP, batch of the same size).

use crate::data::{Distribution, Preset, seeded_rng};
use crate::model::{Method, TrainConfig, TrainedModel, ot_paired};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

/// Times `repeats` pairings at every batch size, and one unit of I-CFM and OT-CFM training
/// (100 Adam steps of batch 256) for their ratio.
pub(crate) fn bench_pairing(sizes: &[usize], repeats: usize, seed: u64) -> anyhow::Result<()> {
    println!("\nOT-CFM's exact minibatch pairing (gaussian → moons, {repeats} pairings a size):");
    let mut rng = seeded_rng(seed);
    let source = Distribution::Preset(Preset::Gaussian);
    let target = Distribution::Preset(Preset::Moons);
    for &n in sizes {
        let batches: Vec<_> = (0..repeats.max(1))
            .map(|_| -> anyhow::Result<_> {
                Ok((
                    source.sample_cloud(n, &mut rng)?,
                    target.sample_cloud(n, &mut rng)?,
                ))
            })
            .collect::<Result<_, _>>()?;
        let started = Instant::now();
        for (x0, x1) in &batches {
            ot_paired(x0, x1)?;
        }
        let ms = started.elapsed().as_secs_f64() * 1e3 / batches.len() as f64;
        println!("  n = {n:5}: {ms:.3} ms a pairing");
    }
    let unit = |method: Method| -> anyhow::Result<f64> {
        let config = TrainConfig {
            iterations: 1,
            eval_every: 0,
            eval_samples: 2,
            seed,
            ..TrainConfig::defaults_for(method)
        };
        let started = Instant::now();
        TrainedModel::train(
            &config,
            &source,
            &target,
            &AtomicBool::new(false),
            &mut |_| {},
        )?;
        Ok(started.elapsed().as_secs_f64())
    };
    let (icfm, otcfm) = (unit(Method::Icfm)?, unit(Method::OtCfm)?);
    println!(
        "  one unit of 100 Adam steps (batch 256): I-CFM {icfm:.3} s, OT-CFM {otcfm:.3} s \
         (×{:.1})",
        otcfm / icfm
    );
    Ok(())
}
