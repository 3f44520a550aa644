//! The `ws` binary: the library's command line, nothing more.

fn main() {
    std::process::exit(ws::run_command_line(std::env::args_os()));
}
