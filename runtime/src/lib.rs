//! The bundle format and the one evaluator.
pub mod ir;
pub mod money;
pub use money::Money;
