// Most of a plan on a large schema is allocating and freeing small strings
// and maps, on several threads; mimalloc does that in about half the time
// glibc's allocator takes (docs/BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // Like other Unix tools, end quietly when the reader of stdout goes
    // away (`reconcile plan | head`) instead of panicking on EPIPE.
    // SAFETY: set once at start-up, before any thread exists.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    reconcile::cli::main()
}
