//! The `nsgf` command line: a thin shell over the library. Each subcommand lives in its own file
//! with its clap arguments and a `run` function; every error reaches `main` as one line.

pub mod bench;
mod data;
mod eval;
mod flow;
mod gif;
mod model_draw;
pub mod particle_flow;
mod sample;
mod train;
mod velocity;

use clap::{Parser, Subcommand};

/// Neural Sinkhorn Gradient Flow on 2D point clouds. With no command, opens the desktop app.
#[derive(Debug, Parser)]
#[command(name = "nsgf", version, about, long_about = None)]
pub struct Cli {
    /// What to do; none opens the app.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sample a preset or resample a CSV file: CSV points on stdout.
    Data(data::DataArgs),
    /// The empirical Sinkhorn-flow velocity at every source point: n×2 CSV on stdout.
    Velocity(velocity::VelocityArgs),
    /// Simulate the particle flow: CSV `step,t,x,y` per particle per step on stdout.
    Flow(flow::FlowArgs),
    /// Train an NSGF or NSGF++ model and save it as JSON.
    Train(train::TrainArgs),
    /// Sample from a trained model: CSV points on stdout.
    Sample(sample::SampleArgs),
    /// Exact W2 of model samples against fresh target samples, next to the noise floor.
    Eval(eval::EvalArgs),
    /// Export a flow (learned or particle) as a looping GIF.
    Gif(gif::GifArgs),
    /// Benchmarks: softmin terms per second, warm-start savings, GIF export time.
    Bench(bench::BenchArgs),
    /// Open the desktop app (the same as no command).
    App,
}

/// Whether `error` comes from writing to a closed pipe (the reader, e.g. `head`, has quit).
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        None | Some(Command::App) => open_app(),
        Some(Command::Data(args)) => data::run(&args),
        Some(Command::Velocity(args)) => velocity::run(&args),
        Some(Command::Flow(args)) => flow::run(&args),
        Some(Command::Train(args)) => train::run(&args),
        Some(Command::Sample(args)) => sample::run(&args),
        Some(Command::Eval(args)) => eval::run(&args),
        Some(Command::Gif(args)) => gif::run(&args),
        Some(Command::Bench(args)) => bench::run(&args),
    }
}

/// Opens the desktop app.
#[cfg(feature = "app")]
fn open_app() -> anyhow::Result<()> {
    crate::app::run_native()
}

/// Without the `app` feature there is no window to open.
#[cfg(not(feature = "app"))]
fn open_app() -> anyhow::Result<()> {
    anyhow::bail!(
        "this nsgf was built without the desktop app (cargo feature `app`); run a subcommand \
         (nsgf --help) or rebuild with default features"
    )
}
