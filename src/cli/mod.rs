//! The `nsgf` command line: a thin shell over the library. Each subcommand lives in its own file
//! with its clap arguments and a `run` function; every error reaches `main` as one line.

mod animation_args;
mod any_dim_flow;
pub mod bench;
mod data;
mod digits_table;
mod eval;
mod figure;
mod flow;
mod gif;
pub mod meanfield;
mod model_draw;
mod onestep;
pub mod particle_flow;
mod progress;
mod protocol_args;
mod sample;
mod table;
mod table_markdown;
mod train;
mod velocity;
pub(crate) mod wide;

use clap::{Parser, Subcommand};

/// Neural Sinkhorn Gradient Flow on 2D point clouds. With no command, opens the desktop app.
#[derive(Debug, Parser)]
#[command(name = "nsgf", version, about, long_about = None)]
pub struct Cli {
    /// No progress bars and no notes on stderr (errors still go there).
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    /// A scene file, or a share link (`…#scene=v1.…`), to open the app on (the same as
    /// `nsgf app --scene FILE`).
    #[arg(long, value_name = "FILE|LINK")]
    pub scene: Option<std::path::PathBuf>,
    /// What to do; none opens the app.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Arguments of `nsgf app`.
#[derive(Debug, clap::Args)]
pub struct AppArgs {
    /// A scene file (see assets/scenes/) or a share link to open.
    #[arg(long, value_name = "FILE|LINK")]
    pub scene: Option<std::path::PathBuf>,
}

/// Arguments of `nsgf link`.
#[derive(Debug, clap::Args)]
pub struct LinkArgs {
    /// The scene file to share.
    #[arg(long, value_name = "FILE")]
    pub scene: std::path::PathBuf,
    /// The address of the page that serves the browser build (the link's part before `#`).
    #[arg(long, default_value = "")]
    pub base: String,
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
    /// Train an NSGF, NSGF++, one-step or flow-matching (OT-CFM, I-CFM, RF) model and save it
    /// as JSON.
    Train(Box<train::TrainArgs>),
    /// Sample from a trained model: CSV points on stdout.
    Sample(sample::SampleArgs),
    /// Exact W2 of model samples against fresh target samples, next to the noise floor.
    Eval(eval::EvalArgs),
    /// Export a flow (learned or particle) as a looping GIF.
    Gif(gif::GifArgs),
    /// A strip of snapshots of a flow at chosen times, as PNG and/or SVG (figures for papers).
    Figure(figure::FigureArgs),
    /// Benchmarks: softmin terms per second, warm-start savings, GIF export time.
    Bench(bench::BenchArgs),
    /// The paper's Table 1 protocol: train on its five pairs, W2 at 10 and 100 steps beside
    /// the noise floor and the paper's numbers (Markdown on stdout).
    Table(table::TableArgs),
    /// The mean-field limit: the empirical velocity field on a grid against a large-n
    /// reference as n grows, with the fitted log–log slope.
    Meanfield(meanfield::MeanfieldArgs),
    /// One-step generators (distilled, direct, both) against NSGF at 10 NFE: W2 beside the
    /// floor and the training time (Markdown on stdout).
    Onestep(onestep::OnestepArgs),
    /// The share link of a scene file (`BASE#scene=v1.…`), which opens the same scene in the
    /// browser build or in `nsgf --scene 'LINK'`.
    Link(LinkArgs),
    /// Open the desktop app (the same as no command).
    App(AppArgs),
}

/// Whether `error` comes from writing to a closed pipe (the reader, e.g. `head`, has quit).
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// What the app window does at start, from the environment (tools that measure the app set
/// these): `NSGF_APP_PARTICLES=<n>` particles in the first flow, `NSGF_APP_MODEL=<model.json>`
/// loaded at start, `NSGF_APP_BENCH` the frame-time measurement, `NSGF_APP_LOG_FRAMES` frame
/// times logged (set: on).
#[cfg(feature = "app")]
fn app_startup_from_env() -> crate::app::StartupOptions {
    crate::app::StartupOptions {
        particles: std::env::var("NSGF_APP_PARTICLES")
            .ok()
            .and_then(|value| value.parse::<usize>().ok()),
        model: std::env::var_os("NSGF_APP_MODEL").map(std::path::PathBuf::from),
        frame_time_bench: std::env::var_os("NSGF_APP_BENCH").is_some(),
        log_frame_times: std::env::var_os("NSGF_APP_LOG_FRAMES").is_some(),
    }
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    progress::set_quiet(cli.quiet);
    match cli.command {
        None => open_app(cli.scene.as_deref()),
        Some(Command::App(args)) => open_app(args.scene.as_deref().or(cli.scene.as_deref())),
        Some(_) if cli.scene.is_some() => anyhow::bail!(
            "--scene opens the app: use it alone (nsgf --scene FILE) or with `nsgf app`"
        ),
        Some(Command::Data(args)) => data::run(&args),
        Some(Command::Velocity(args)) => velocity::run(&args),
        Some(Command::Flow(args)) => flow::run(&args),
        Some(Command::Train(args)) => train::run(&args),
        Some(Command::Sample(args)) => sample::run(&args),
        Some(Command::Eval(args)) => eval::run(&args),
        Some(Command::Gif(args)) => gif::run(&args),
        Some(Command::Figure(args)) => figure::run(&args),
        Some(Command::Bench(args)) => bench::run(&args),
        Some(Command::Table(args)) => match &args.target {
            Some(target) => digits_table::run(&args, target),
            None => table::run(&args),
        },
        Some(Command::Meanfield(args)) => meanfield::run(&args),
        Some(Command::Onestep(args)) => onestep::run(&args),
        Some(Command::Link(args)) => {
            let scene = crate::scene::Scene::load(&args.scene)?;
            println!("{}", crate::scene_link::scene_link(&scene, &args.base)?);
            Ok(())
        }
    }
}

/// The scene file or share link `scene` names, read and checked (so a bad one is an error
/// before any window opens), with the path it came from.
fn read_scene(
    scene: Option<&std::path::Path>,
) -> anyhow::Result<Option<(crate::scene::Scene, std::path::PathBuf)>> {
    Ok(match scene {
        Some(link) if crate::scene_link::is_scene_link(&link.to_string_lossy()) => Some((
            crate::scene_link::scene_from_link(&link.to_string_lossy())?,
            std::path::PathBuf::from("share link"),
        )),
        Some(path) => Some((crate::scene::Scene::load(path)?, path.to_path_buf())),
        None => None,
    })
}

/// Opens the desktop app, on `scene` when given (read and checked first, so a bad file is an
/// error here, before any window opens).
#[cfg(feature = "app")]
fn open_app(scene: Option<&std::path::Path>) -> anyhow::Result<()> {
    let scene = read_scene(scene)?;
    crate::app::run_native(scene, &app_startup_from_env())?;
    Ok(())
}

/// Without the `app` feature there is no window to open (a bad scene is still named first).
#[cfg(not(feature = "app"))]
fn open_app(scene: Option<&std::path::Path>) -> anyhow::Result<()> {
    read_scene(scene)?;
    anyhow::bail!(
        "this nsgf was built without the desktop app (cargo feature `app`); run a subcommand \
         (nsgf --help) or rebuild with default features"
    )
}
