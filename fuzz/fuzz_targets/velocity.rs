//! Fuzz target: see `nsgf::fuzz_checks::velocity`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| nsgf::fuzz_checks::velocity(data));
