//! The `ws` binary: the library's command line, nothing more.

mod allocator;

#[global_allocator]
static ALLOCATOR: allocator::Allocator = allocator::Allocator;

fn main() {
    std::process::exit(ws::run_command_line(std::env::args_os()));
}
