//! The `bursar` command. All the work is in the library; this only gives it a
//! generous stack (deeply nested policy text is refused by the parser, but a
//! large stack keeps the margin wide) and turns its result into an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    let worker = std::thread::Builder::new()
        .stack_size(256 * 1024 * 1024)
        .spawn(bursar::run);
    match worker.map(|handle| handle.join()) {
        Ok(Ok(code)) => code.into(),
        _ => {
            eprintln!("bursar: internal error");
            bursar::Exit::Internal.into()
        }
    }
}
