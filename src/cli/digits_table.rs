//! `nsgf table --target digits`: the methods side by side in 64 dimensions, on the engine and
//! protocol of the 2D table. NSGF (T = 10) at 10 and 20 NFE, NSGF++ (T₁ = 5) at 7 and 10, a
//! one-step generator distilled from that NSGF++ model at 1, and the flow-matching rivals at 1,
//! 2, 5, 10 and 100, each trained at its defaults for 64 dimensions per seed, judged by the
//! exact W2 of `--n` samples against held-out digits beside the floor (two disjoint held-out
//! halves), with the median distance of a sample to its nearest training digit.

use super::table::{FLOW_MATCHING_NFES, Run, TableArgs, run_pair};
use super::table_markdown::{markdown, protocol_note};
use crate::data::Distribution;
use crate::model::{Method, OneStepMode, TrainConfig};

/// Samples per draw by default (the floor takes two disjoint halves of the 898 held-out digits).
const DEFAULT_SAMPLES: usize = 400;
/// The most samples per draw: half of the held-out digits.
const MAX_SAMPLES: usize = 449;

/// The digits runs of `methods`: a one-step generator is distilled from the NSGF++ run, which
/// must be among them.
fn digits_runs(methods: &[Method], iterations: Option<usize>) -> anyhow::Result<Vec<Run>> {
    let dim = Distribution::Digits.dim();
    let mut runs: Vec<Run> = Vec::new();
    for &method in methods {
        let mut config = TrainConfig::defaults_for_dim(method, dim);
        config.onestep_mode = OneStepMode::Distilled;
        if let Some(iterations) = iterations {
            config.iterations = iterations;
        }
        let (label, nfes, teacher) = match method {
            Method::Nsgf => ("NSGF (T = 10)".to_string(), vec![10, 20], None),
            Method::NsgfPp => ("NSGF++ (T₁ = 5)".to_string(), vec![7, 10], None),
            Method::OneStep => {
                let teacher = runs.iter().position(|r| r.method == Method::NsgfPp);
                if teacher.is_none() {
                    anyhow::bail!(
                        "--methods: on digits the one-step generator is distilled from NSGF++: \
                         list nsgfpp before onestep"
                    );
                }
                (
                    "one-step (distilled from NSGF++)".to_string(),
                    vec![1],
                    teacher,
                )
            }
            Method::OtCfm | Method::Icfm | Method::Rf => (
                method.display_name().to_string(),
                FLOW_MATCHING_NFES.to_vec(),
                None,
            ),
        };
        runs.push(Run {
            method,
            label,
            stem: method.cli_name().to_string(),
            config,
            nfes,
            teacher,
        });
    }
    Ok(runs)
}

/// Trains every method of `--methods` on the digits for every seed, judges them and prints the
/// Markdown table.
pub(crate) fn run(args: &TableArgs, target: &str) -> anyhow::Result<()> {
    if target != "digits" {
        anyhow::bail!(
            "--target {target}: the table's other target is `digits` (the 2D table runs without \
             --target)"
        );
    }
    args.check()?;
    let n = args.n.unwrap_or(DEFAULT_SAMPLES);
    if !(2..=MAX_SAMPLES).contains(&n) {
        anyhow::bail!(
            "--n must lie in 2..={MAX_SAMPLES} on digits (the floor takes two disjoint halves of \
             the held-out digits; got {n})"
        );
    }
    let protocol = args.protocol.protocol(n)?;
    let runs = digits_runs(&args.methods, args.iterations)?;
    let table = run_pair(args, &protocol, ("normal64", "digits"), &runs, (0, 1))?;
    print!("{}", markdown(&table, &protocol));
    print!("{}", protocol_note(&protocol, args.seeds, args.iterations));
    Ok(())
}
