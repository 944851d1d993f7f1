//! Emission: a checked scheme as a bundle. (Its input record as a JSON
//! Schema is the runtime's `input_schema`, so that bindings holding only a
//! bundle give the same schema.)

use bursar_runtime::ir::Scheme;
use bursar_runtime::Bundle;

/// This compiler's version, recorded in every bundle.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Wraps a checked scheme in a bundle.
pub fn bundle(scheme: Scheme) -> Bundle {
    Bundle::new(scheme, VERSION)
}
