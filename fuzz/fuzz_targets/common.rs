//! The 2023 scheme, compiled once, for the targets that read its input.

use std::sync::OnceLock;

use bursar_runtime::ir::Scheme;

pub fn scheme() -> &'static Scheme {
    static SCHEME: OnceLock<Scheme> = OnceLock::new();
    SCHEME.get_or_init(|| {
        let text = include_str!("../../policies/beijing/2023-career-boost.bursar");
        let source = bursar_compiler::SourceFile::new("2023.bursar", text.to_string());
        match bursar_compiler::compile(&source).scheme {
            Some(s) => s,
            None => panic!("the 2023 policy does not compile"),
        }
    })
}
