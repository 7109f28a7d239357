//! Fuzz target: see `nsgf::fuzz_checks::csv_reader`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| nsgf::fuzz_checks::csv_reader(data));
