//! Fuzz target: see `nsgf::fuzz_checks::model_loader`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| nsgf::fuzz_checks::model_loader(data));
