// Most of a plan on a large schema is allocating and freeing small strings
// and maps; mimalloc does that faster than glibc's allocator.
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
    hand_back_freed_memory_sooner();
    no_transparent_huge_pages();
    std::process::ExitCode::from(reconcile::cli::main())
}

/// mimalloc asks for transparent huge pages on its arenas, and with them a
/// page touched once holds 2 MiB resident and what is freed inside it is not
/// given back: a large plan's peak is well above what it holds (figures in
/// docs/BENCHMARKS.md). `MIMALLOC_ALLOW_THP` set by the user wins. The
/// setting is the process's own (`prctl`), and applies to pages touched
/// from here on.
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
        // SAFETY: a flag on this process's memory map; no pointers involved.
        // Failure (an old kernel) only leaves huge pages on.
        unsafe {
            libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
        }
    }
}

/// mimalloc keeps memory a thread has freed for a second before handing it
/// back to the system, so a plan that frees its schema files' text and
/// parse cache while it builds the model would hold both; 10 ms gives most
/// of that back for little time (docs/BENCHMARKS.md). A
/// `MIMALLOC_PURGE_DELAY` set by the user wins.
fn hand_back_freed_memory_sooner() {
    // `mi_option_purge_delay` in mimalloc v3's `mi_option_t`; the Rust
    // binding names no constant for it. Its default, 1000 (ms), is checked
    // first, so that another version's numbering changes nothing.
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    const V3_DEFAULT: std::ffi::c_long = 1000;
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: options are set once at start-up, before any other thread
    // exists (mimalloc's options are not thread safe).
    unsafe {
        if libmimalloc_sys::mi_option_get(PURGE_DELAY) == V3_DEFAULT {
            libmimalloc_sys::mi_option_set(PURGE_DELAY, 10);
        }
    }
}
