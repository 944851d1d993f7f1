//! `bursar synth`: synthetic populations, for the 2023 scheme or any other.

use std::path::{Path, PathBuf};

use crate::load::load_scheme;
use crate::Exit;

/// The file format of a synthetic population.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum SynthFormat {
    #[default]
    Csv,
    Parquet,
}

pub(crate) fn synth(rows: u64, seed: u64, output: Option<&Path>, format: SynthFormat) -> Exit {
    if output.is_none()
        && format == SynthFormat::Parquet
        && std::io::IsTerminal::is_terminal(&std::io::stdout())
    {
        eprintln!("error: `--format parquet` writes a binary file, not text for a terminal: give `-o FILE`, e.g. `-o population.parquet`, or redirect standard output to a file");
        return Exit::Usage;
    }
    let result = match (output, format) {
        (Some(path), SynthFormat::Parquet) => std::fs::File::create(path).and_then(|f| {
            let w = std::io::BufWriter::with_capacity(1 << 20, f);
            let mut w = bursar_simulator::synth::write_population_parquet(w, rows, seed)?;
            std::io::Write::flush(&mut w)
        }),
        (None, SynthFormat::Parquet) => {
            let w = std::io::BufWriter::new(std::io::stdout());
            bursar_simulator::synth::write_population_parquet(w, rows, seed)
                .and_then(|mut w| std::io::Write::flush(&mut w))
        }
        (Some(path), SynthFormat::Csv) => std::fs::File::create(path).and_then(|f| {
            let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
            bursar_simulator::synth::write_population(&mut w, rows, seed)?;
            std::io::Write::flush(&mut w)
        }),
        (None, SynthFormat::Csv) => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::new(stdout.lock());
            bursar_simulator::synth::write_population(&mut w, rows, seed)
                .and_then(|_| std::io::Write::flush(&mut w))
        }
    };
    match result {
        Ok(()) => Exit::Ok,
        Err(e) => match output {
            Some(p) => {
                eprintln!(
                    "error: cannot write the population to `{}`: {e}",
                    p.display()
                );
                Exit::Io
            }
            None => crate::stdout::failed(e).map_or_else(|e| e, |()| Exit::Ok),
        },
    }
}

/// `synth --scheme`: a population (and list files) for any scheme.
pub(crate) fn synth_scheme(
    path: &Path,
    rows: u64,
    seed: u64,
    output: Option<&Path>,
    lists: &[String],
    format: SynthFormat,
) -> Exit {
    let scheme = match load_scheme(path) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let scheme = scheme.scheme;
    let wanted = bursar_simulator::synth_scheme::list_fields(&scheme);
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    for l in lists {
        let Some((name, file)) = l.split_once('=') else {
            eprintln!("error: `--list {l}`: write `--list LIST=FILE`");
            return Exit::Usage;
        };
        files.push((name.trim().to_string(), PathBuf::from(file.trim())));
    }
    let Some(output) = output else {
        eprintln!("error: `synth --scheme` writes files: give `-o FILE`");
        return Exit::Usage;
    };
    let mut writers = Vec::new();
    for (_, name, _) in &wanted {
        let Some((_, file)) = files.iter().find(|(n, _)| n == name) else {
            eprintln!("error: the scheme has a list `{name}`: say where its items go with `--list {name}=FILE`");
            return Exit::Usage;
        };
        match std::fs::File::create(file) {
            Ok(f) => writers.push((file.clone(), std::io::BufWriter::with_capacity(1 << 20, f))),
            Err(e) => {
                eprintln!("error: cannot write `{}`: {e}", file.display());
                return Exit::Io;
            }
        }
    }
    if let Some((name, _)) = files
        .iter()
        .find(|(n, _)| !wanted.iter().any(|(_, w, _)| w == n))
    {
        eprintln!("error: `--list {name}=…`: the scheme has no list `{name}`");
        return Exit::Usage;
    }
    let result = std::fs::File::create(output).and_then(|f| {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
        let mut list_writers: Vec<&mut dyn std::io::Write> = writers
            .iter_mut()
            .map(|(_, w)| w as &mut dyn std::io::Write)
            .collect();
        match format {
            SynthFormat::Csv => bursar_simulator::synth_scheme::write(
                &scheme,
                &mut w,
                &mut list_writers,
                rows,
                seed,
            )?,
            SynthFormat::Parquet => {
                w = bursar_simulator::synth_scheme::write_parquet(
                    &scheme,
                    w,
                    &mut list_writers,
                    rows,
                    seed,
                )?;
            }
        }
        std::io::Write::flush(&mut w)?;
        for (_, w) in &mut writers {
            std::io::Write::flush(w)?;
        }
        Ok(())
    });
    match result {
        Ok(()) => Exit::Ok,
        Err(e) => {
            eprintln!("error: cannot write the population: {e}");
            Exit::Io
        }
    }
}
