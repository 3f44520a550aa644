//! The `ws` binary: the library's command line, nothing more.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(ws::run_command_line(std::env::args_os()));
}
