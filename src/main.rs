//! The `ws` binary: the library's command line, nothing more.

mod allocator;
#[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
mod glibc_copies;

#[global_allocator]
static ALLOCATOR: allocator::Allocator = allocator::Allocator;

fn main() {
    #[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
    glibc_copies::tune_for_echo_server();
    std::process::exit(ws::run_command_line(std::env::args_os()));
}
