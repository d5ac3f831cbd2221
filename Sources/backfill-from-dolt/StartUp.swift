#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs before the Swift runtime's own start-up code (an `.init_array` entry with a priority, which
/// the linker orders before the runtime's unprioritised constructors), so that the static binary
/// also starts in a root without /proc.
///
/// Why: the runtime's backtracer set-up looks for its `swift-backtrace` helper next to the
/// executable, and a static glibc binary finds the executable only through /proc/self/exe; when
/// that fails the runtime aborts ("Unable to obtain Swift runtime path") before `main`. The helper
/// is never shipped with this binary, so when /proc/self/exe cannot be read and the user set no
/// SWIFT_BACKTRACE, crash backtraces are switched off and the helper path is given, which skips
/// the lookup. Only C calls here: nothing of the Swift runtime is initialised yet.
@used @section(".init_array.00200")
let skipBacktracerLookupWithoutProc: @convention(c) () -> Void = {
    var byte: CChar = 0
    if readlink("/proc/self/exe", &byte, 1) < 0, getenv("SWIFT_BACKTRACE") == nil {
        setenv("SWIFT_BACKTRACE", "enable=no,swift-backtrace=/nonexistent/swift-backtrace", 0)
    }
}
