//! The `automl` binary: everything happens in `automl::cli` (parse, run, print the error
//! chain once, exit code).

fn main() -> std::process::ExitCode {
    automl::cli::main()
}
