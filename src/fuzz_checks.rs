//! The properties the fuzz targets in `fuzz/` check, shared with the corpus replay test in
//! `tests/it/fuzz_replay.rs` (which runs them on stable, without libFuzzer). Each check panics
//! only when the property fails; any input at all must be handled by a clean error.

use crate::Point;
use crate::data::csv_points::parse_points;
use crate::model::TrainedModel;
use crate::ot::cpu::CpuBackend;
use crate::ot::{Precision, SinkhornParams, VelocityBackend};

/// The CSV point reader never panics; what it accepts is finite and non-empty.
pub fn csv_reader(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    if let Ok(points) = parse_points(text, "fuzz.csv") {
        assert!(!points.is_empty(), "an accepted file holds points");
        assert!(
            points.iter().flatten().all(|c| c.is_finite()),
            "accepted points are finite"
        );
    }
}

/// The model-file loader never panics; a model it accepts samples a few finite points or
/// fails cleanly.
pub fn model_loader(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let Ok(model) = TrainedModel::from_json(text, std::path::Path::new("fuzz.json")) else {
        return;
    };
    // Loaded models are small by construction of the fuzz inputs; sampling must not panic.
    let config = &model.config;
    if config.hidden_width * config.hidden_layers.max(1) > 4096 {
        return;
    }
    if let Ok(points) = model.sample(4, None, 0) {
        assert_eq!(points.len(), 4);
        assert!(
            points.iter().flatten().all(|c| c.is_finite()),
            "non-finite samples returned as data: {points:?}"
        );
    }
}

/// Reads a coordinate from 2 bytes: a 12-bit mantissa in about ±1 times one of 16 scales,
/// from subnormal through the everyday range to past f32's coordinate limit (2^60 ≈ 1.2e18,
/// 2^64) and near f64's (2^500).
fn coordinate(bytes: &[u8]) -> f64 {
    const EXPONENTS: [i32; 16] = [
        -1070, -120, -60, -24, -12, -8, -4, -2, 0, 2, 4, 8, 24, 60, 64, 500,
    ];
    let mantissa = f64::from(i16::from_le_bytes([bytes[0], bytes[1] & 0x0f])) / 2048.0;
    mantissa * 2f64.powi(EXPONENTS[usize::from(bytes[1] >> 4)])
}

/// The Sinkhorn velocity on arbitrary small clouds and parameters: either a finite velocity
/// per source point, or a clean error.
pub fn velocity(bytes: &[u8]) {
    if bytes.len() < 4 {
        return;
    }
    let (head, body) = bytes.split_at(4);
    let n = usize::from(head[0] % 12) + 1;
    let m = usize::from(head[1] % 12) + 1;
    let blur = coordinate(&[head[2], head[3]]).abs();
    let scaling = f64::from(head[2]) / 256.0;
    let precision = if head[3] & 1 == 0 {
        Precision::F64
    } else {
        Precision::F32
    };
    let points: Vec<Point> = body
        .chunks_exact(4)
        .map(|c| [coordinate(&c[..2]), coordinate(&c[2..])])
        .collect();
    if points.len() < n + m {
        return;
    }
    let (source, target) = points.split_at(n);
    let target = &target[..m];
    let params = SinkhornParams { blur, scaling };
    let mut backend = CpuBackend::new(precision);
    if let Ok(velocities) = backend.velocity(source, target, &params) {
        assert_eq!(velocities.len(), n);
        assert!(
            velocities.iter().flatten().all(|v| v.is_finite()),
            "non-finite velocity returned as data: {velocities:?} for {source:?} -> {target:?} \
             at {params:?} {precision:?}"
        );
    }
    if let Ok(divergence) = backend.divergence(source, target, &params) {
        assert!(
            divergence.is_finite(),
            "non-finite divergence returned as data: {divergence} for {source:?} -> {target:?} \
             at {params:?} {precision:?}"
        );
    }
}
