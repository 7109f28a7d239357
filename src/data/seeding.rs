//! The seeding rule, written once: the only place where a `u64` seed becomes a random number
//! generator. Every random draw of the crate names a [`Stream`]; [`stream_rng`] gives its
//! generator and [`derive_seed`] the seed a caller passes on (to a model's sampler, a judgement,
//! a worker's request). The constants of each derivation live beside the stream they define.
//!
//! Each stream is a ChaCha8 generator: a key ([`derive_seed`]) and a ChaCha stream word (0 for
//! every stream but [`Stream::Target`], which shares [`Stream::Source`]'s key on word 1).
//! The values are those of the derivations that each stream replaced, bit for bit, so committed
//! fixtures, snapshots and the measured tables stay reproducible; `tests/it/seeding.rs` pins them.

use rand::SeedableRng;

/// The portable RNG used everywhere: the same seed gives the same points on every machine.
pub type SeededRng = rand_chacha::ChaCha8Rng;

/// The step between the seeds of two consecutive draws of a judgement (a 32-bit golden ratio,
/// so the draws' keys never meet for any realistic number of draws).
const DRAW_STEP: u64 = 0x9e37_79b9;
/// Moves the held-out target of [`crate::model::TrainedModel::evaluate_held_out`] off the
/// model's own sample key.
const HELD_OUT_MASK: u64 = 0x51de;
/// Moves the S_ε draws of a judgement off its W2 draws.
const SINKHORN_DRAW_MASK: u64 = 0x5e_d1f;
/// Moves the target of an S_ε draw off the draw's model samples.
const SINKHORN_DRAW_TARGET_MASK: u64 = 0x7a_26e7;
/// Moves a floor's W2 draws off the judgement draws of the same seed.
const FLOOR_DRAW_MASK: u64 = 0x000f_1004;
/// Moves a floor's S_ε draws off the judgement's S_ε draws of the same seed.
const FLOOR_SINKHORN_DRAW_MASK: u64 = 0x000f_1005;
/// Moves training checkpoints off every seed a user types.
const CHECKPOINT_MASK: u64 = 0x5eed_c4ec_0000;
/// The offset of the app's readout targets from the app's seed.
const READOUT_OFFSET: u64 = 0x5eed;
/// Moves `nsgf table`'s floor off the judgements of its first training seed.
const TABLE_FLOOR_MASK: u64 = 0xf1_00;
/// Moves `nsgf table`'s judgements off the training seed of the model they judge.
const TABLE_JUDGING_MASK: u64 = 0x7ab1e;
/// The fixed seed of the mean-field study's reference samples (apart from its seeds 0, 1, …).
const MEAN_FIELD_REFERENCE_SEED: u64 = 1_000_003;
/// The ChaCha stream word of [`Stream::Target`].
const TARGET_STREAM_WORD: u64 = 1;

/// A named sub-stream of a seed: who draws from it is said on each variant. An index counts
/// draws, training units or models from 0.
///
/// Streams of the form `seed + j` (Source, `JudgingDraw(0)`, `TrainingSeed(j)`,
/// `SeedModelJudging(j - 1)`, `NextSamples`, `CheckpointTarget`, `BenchTarget`,
/// `PrecisionSource(j / 2)`, `PrecisionTarget((j - 1) / 2)`) are the same generator when their
/// `j` meets (kept so that the values stay; they serve different commands or models).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stream {
    /// The source sample of a flow (`data::sample_source_and_target`: `nsgf flow`,
    /// `nsgf gif --flow`, a scene, the app), the noise of a trained model's samples, and every
    /// single-cloud draw seeded directly by the user's seed. Key `seed`, ChaCha stream 0.
    Source,
    /// The target sample of a flow (`data::sample_source_and_target`, `nsgf gif --model`'s
    /// target). Key `seed`, ChaCha stream 1.
    Target,
    /// The held-out target and floor of `TrainedModel::evaluate_held_out` (one judgement draw,
    /// `nsgf eval`). Key `seed ^ 0x51de`.
    HeldOut,
    /// The seed of W2 draw `draw` of `TrainedModel::judge` (passed on to `evaluate_held_out`).
    /// Key `seed + draw · 0x9e37_79b9`.
    JudgingDraw(usize),
    /// The seed of S_ε draw `draw` of `TrainedModel::judge` (the model's samples).
    /// Key `(seed ^ 0x5e_d1f) + draw · 0x9e37_79b9`.
    SinkhornDraw(usize),
    /// The target points of one S_ε draw, applied to a [`Stream::SinkhornDraw`] seed.
    /// Key `seed ^ 0x7a_26e7`.
    SinkhornDrawTarget,
    /// W2 draw `draw` of `model::judge_floor` (two held-out target samples).
    /// Key `JudgingDraw(draw) ^ 0xf_1004`.
    FloorDraw(usize),
    /// S_ε draw `draw` of `model::judge_floor`. Key `SinkhornDraw(draw) ^ 0xf_1005`.
    FloorSinkhornDraw(usize),
    /// The seed of the W2 checkpoint after `unit` training units (the model's samples), from
    /// the training seed. Key `seed ^ 0x5eed_c4ec_0000 ^ unit`.
    Checkpoint(usize),
    /// The target sample (and noise floor) of a checkpoint, applied to a
    /// [`Stream::Checkpoint`] seed. Key `seed + 1`.
    CheckpointTarget,
    /// The seed of the app's readouts (W2 and S_ε of a shown frame against a fresh target),
    /// passed on in the metrics request. Key `seed + 0x5eed`.
    Readout,
    /// The seed the app's "New samples" command moves to. Key `seed + 1`.
    NextSamples,
    /// The seed of `nsgf table`'s floor of a pair. Key `seed ^ 0xf1_00`.
    TableFloor,
    /// The `k`-th training seed of `nsgf table`. Key `seed + k`.
    TrainingSeed(usize),
    /// The seed of `nsgf table`'s judgements, applied to a [`Stream::TrainingSeed`] seed.
    /// Key `seed ^ 0x7ab1e`.
    TableJudging,
    /// The seed of the judgement of the `k`-th model of `nsgf eval --seed-models` (the floor
    /// is judged at the seed itself). Key `seed + k + 1`.
    SeedModelJudging(usize),
    /// The reference samples of the mean-field study, the same whatever the seed.
    /// Key `1_000_003`.
    MeanFieldReference,
    /// The moons target of `nsgf bench`'s throughput clouds. Key `seed + 1`.
    BenchTarget,
    /// The source of pair `pair` of `nsgf bench precision`. Key `seed + 2 · pair`.
    PrecisionSource(usize),
    /// The target of pair `pair` of `nsgf bench precision`. Key `seed + 2 · pair + 1`.
    PrecisionTarget(usize),
}

/// The seed of a judgement draw: `seed + draw · DRAW_STEP`.
const fn draw_key(seed: u64, draw: usize) -> u64 {
    seed.wrapping_add((draw as u64).wrapping_mul(DRAW_STEP))
}

/// The key of `stream` under `seed`: the seed a caller passes on where a stream is handed to
/// other code as a seed (a model's sampler, a judgement, a request), and the key of
/// [`stream_rng`]'s generator.
#[must_use]
pub const fn derive_seed(seed: u64, stream: Stream) -> u64 {
    match stream {
        Stream::Source | Stream::Target => seed,
        Stream::HeldOut => seed ^ HELD_OUT_MASK,
        Stream::JudgingDraw(draw) => draw_key(seed, draw),
        Stream::SinkhornDraw(draw) => draw_key(seed ^ SINKHORN_DRAW_MASK, draw),
        Stream::SinkhornDrawTarget => seed ^ SINKHORN_DRAW_TARGET_MASK,
        Stream::FloorDraw(draw) => draw_key(seed, draw) ^ FLOOR_DRAW_MASK,
        Stream::FloorSinkhornDraw(draw) => {
            draw_key(seed ^ SINKHORN_DRAW_MASK, draw) ^ FLOOR_SINKHORN_DRAW_MASK
        }
        Stream::Checkpoint(unit) => seed ^ CHECKPOINT_MASK ^ unit as u64,
        Stream::CheckpointTarget | Stream::NextSamples | Stream::BenchTarget => {
            seed.wrapping_add(1)
        }
        Stream::Readout => seed.wrapping_add(READOUT_OFFSET),
        Stream::TableFloor => seed ^ TABLE_FLOOR_MASK,
        Stream::TrainingSeed(k) => seed.wrapping_add(k as u64),
        Stream::TableJudging => seed ^ TABLE_JUDGING_MASK,
        Stream::SeedModelJudging(k) => seed.wrapping_add(k as u64).wrapping_add(1),
        Stream::MeanFieldReference => MEAN_FIELD_REFERENCE_SEED,
        Stream::PrecisionSource(pair) => seed.wrapping_add(2 * pair as u64),
        Stream::PrecisionTarget(pair) => seed.wrapping_add(2 * pair as u64).wrapping_add(1),
    }
}

/// The generator of `stream` under `seed`.
#[must_use]
pub fn stream_rng(seed: u64, stream: Stream) -> SeededRng {
    let mut rng = seeded_rng(derive_seed(seed, stream));
    if stream == Stream::Target {
        rng.set_stream(TARGET_STREAM_WORD);
    }
    rng
}

/// A [`SeededRng`] keyed by `seed` on ChaCha stream 0: [`Stream::Source`], and the generator a
/// seed that [`derive_seed`] handed on is drawn from.
#[must_use]
pub fn seeded_rng(seed: u64) -> SeededRng {
    SeededRng::seed_from_u64(seed)
}

/// The RNG of the target sample under the seeding rule of
/// [`super::sample_source_and_target`]: [`Stream::Target`] (also the target drawn under a
/// learned flow in `nsgf gif --model`).
#[must_use]
pub fn target_rng(seed: u64) -> SeededRng {
    stream_rng(seed, Stream::Target)
}
