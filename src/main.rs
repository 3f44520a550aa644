//! The `ws` binary: parses the command line and hands it to the library.

use clap::Parser;

fn main() {
    let cli = ws::cli::Cli::parse();
    let status = match ws::commands::run(cli) {
        Ok(status) => status,
        Err(error) => {
            ws::commands::report(&error);
            error.exit_status()
        }
    };
    std::process::exit(status);
}
