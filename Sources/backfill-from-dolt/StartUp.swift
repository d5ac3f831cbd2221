#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

#if os(Linux)
/// The runtime's own override of `CommandLine` (exported by libswiftCore for immediate mode).
@_silgen_name("_swift_stdlib_overrideUnsafeArgvArgc")
private func overrideCommandLine(_ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>, _ argc: CInt)

/// Start-up work that makes the static binary independent of /proc. It is an `.init_array` entry
/// with a priority, which the linker orders before the Swift runtime's unprioritised constructors,
/// and the C library calls it with argc, argv and envp. Only C calls here: nothing of the Swift
/// runtime is initialised yet.
///
/// Why: in a static glibc binary the Swift runtime (6.3) finds its arguments by reading
/// /proc/self/cmdline, and its backtracer set-up finds the executable through /proc/self/exe and
/// aborts ("Unable to obtain Swift runtime path") when it cannot. So:
///   1. `CommandLine` gets argv from the C library directly (the same strings, in every build);
///   2. when /proc/self/exe cannot be read and SWIFT_BACKTRACE is not set, crash backtraces are
///      switched off and the helper's path is named, which skips the lookup (the `swift-backtrace`
///      helper is never shipped with this binary anyway).
@used @section(".init_array.00200")
let startWithoutProc: @convention(c) (CInt, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Void = { argc, argv, _ in
    if let argv, argc > 0 { overrideCommandLine(argv, argc) }
    var byte: CChar = 0
    if readlink("/proc/self/exe", &byte, 1) < 0, getenv("SWIFT_BACKTRACE") == nil {
        setenv("SWIFT_BACKTRACE", "enable=no,swift-backtrace=/nonexistent/swift-backtrace", 0)
    }
}
#endif
