//! Every size a user can give, with its documented limit, checked before anything is allocated.
//! A size beyond its limit is a [`LimitError`] naming the option, the value, the limit and the
//! memory it would need, never an allocation failure.
//!
//! The limits (and why):
//! - points in one cloud (`--n`, `--particles`, a CSV file's points): `MAX_POINTS`, 16 M
//!   points, about 1 GiB of coordinates, kernels and velocities at 64 bytes a point;
//! - points of an exact W2 (`nsgf eval --n`, checkpoints): `MAX_W2_POINTS`, its dense cost
//!   matrix is n² × 8 bytes (20 000 points: 3.2 GB);
//! - network width `MAX_WIDTH` and depth `MAX_LAYERS`: the weights and Adam's moments take
//!   width² × layers × 12 bytes (4096 × 64 layers: 12.9 GB);
//! - Euler steps, NFE and training iterations: `MAX_STEPS`, bounded by time, not memory;
//! - the trajectory pool: `MAX_POOL_TRIPLES` triples (pool × particles × steps, 40 bytes each);
//! - a learned trajectory kept whole (the app, `nsgf gif`): n × NFE ≤ `MAX_FRAME_POINTS`;
//! - a GIF: frames × pixels ≤ `MAX_GIF_PIXELS` (the file, at about a byte a pixel);
//! - a coordinate: `MAX_COORDINATE_F64` (f64 kernels, CSV files, scenes) and
//!   `MAX_COORDINATE_F32` (f32 kernels), where squared distances stay finite.

/// The most points in one cloud.
pub(crate) const MAX_POINTS: usize = 1 << 24;
/// Bytes per point of a velocity computation (coordinates, kernel arrays, potentials, output).
pub(crate) const BYTES_PER_POINT: u64 = 64;
/// The most points of an exact W2 (its cost matrix is dense).
pub(crate) const MAX_W2_POINTS: usize = 20_000;
/// The widest hidden layer.
pub(crate) const MAX_WIDTH: usize = 4096;
/// The most hidden layers.
pub(crate) const MAX_LAYERS: usize = 64;
/// The most Euler steps, NFE or training iterations.
pub(crate) const MAX_STEPS: usize = 1_000_000;
/// The most `(x, t, v)` triples the trajectory pool holds.
pub(crate) const MAX_POOL_TRIPLES: usize = 1 << 26;
/// The most points of all the frames of a trajectory kept whole.
pub(crate) const MAX_FRAME_POINTS: usize = 1 << 27;
/// The most pixels of all the frames of one GIF.
pub(crate) const MAX_GIF_PIXELS: u64 = 1 << 33;

/// The largest |coordinate| the f32 kernels take: squared distances of the cloud stay finite
/// (with a margin of 16 for sums and the diameter) in f32.
pub(crate) const MAX_COORDINATE_F32: f64 = 4.0e18;
/// The largest |coordinate| the f64 kernels (and the CSV reader) take, likewise in f64.
pub(crate) const MAX_COORDINATE_F64: f64 = 3.0e153;

/// A size beyond its limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{option} = {value} is beyond the limit of {limit}{}", need_text(*.bytes))]
pub struct LimitError {
    /// The option or field ("--n", "hidden_width").
    pub option: String,
    /// The value given.
    pub value: u64,
    /// The largest allowed value.
    pub limit: u64,
    /// The memory the value would need, when memory is what bounds it.
    pub bytes: Option<u64>,
}

fn need_text(bytes: Option<u64>) -> String {
    bytes.map_or_else(String::new, |bytes| {
        format!(" (it would need about {} of memory)", human_bytes(bytes))
    })
}

/// Bytes in a short human form ("3.2 GB").
fn human_bytes(bytes: u64) -> String {
    let value = bytes as f64;
    let (scaled, unit) = [(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")]
        .into_iter()
        .find(|(size, _)| value >= *size)
        .map_or((value, "bytes"), |(size, unit)| (value / size, unit));
    if unit == "bytes" {
        format!("{bytes} bytes")
    } else {
        format!("{scaled:.1} {unit}")
    }
}

/// Fails when `value` is above `limit`; `bytes_each` is the memory per unit (0: bounded by
/// time, not memory).
pub(crate) fn check(
    option: &str,
    value: usize,
    limit: usize,
    bytes_each: u64,
) -> Result<(), LimitError> {
    check_u64(option, value as u64, limit as u64, bytes_each)
}

/// [`check`] for 64-bit sizes.
pub(crate) fn check_u64(
    option: &str,
    value: u64,
    limit: u64,
    bytes_each: u64,
) -> Result<(), LimitError> {
    if value <= limit {
        return Ok(());
    }
    Err(LimitError {
        option: option.to_string(),
        value,
        limit,
        bytes: (bytes_each > 0).then(|| value.saturating_mul(bytes_each)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_option_value_limit_and_memory() {
        let error = check("--n", 20_000_000_000, MAX_POINTS, BYTES_PER_POINT).unwrap_err();
        assert_eq!(
            error.to_string(),
            "--n = 20000000000 is beyond the limit of 16777216 (it would need about 1.3 TB of memory)"
        );
        assert!(check("--n", MAX_POINTS, MAX_POINTS, BYTES_PER_POINT).is_ok());
        let steps = check("--steps", MAX_STEPS + 1, MAX_STEPS, 0).unwrap_err();
        assert!(!steps.to_string().contains("memory"));
        assert_eq!(human_bytes(999), "999 bytes");
        assert_eq!(human_bytes(3_200_000_000), "3.2 GB");
    }
}
