//! Populations in, budget effects out. This first part holds the population
//! reader: CSV rows to applicants, checked against the scheme's input schema,
//! with every bad cell reported by file, line and column.

pub mod population;
