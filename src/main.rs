fn main() -> std::process::ExitCode {
    reconcile::cli::main()
}
