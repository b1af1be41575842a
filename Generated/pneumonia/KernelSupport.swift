// Copied from Sources/VGGCodegen/Runtime/KernelSupport.swift by vggc compile. Do not edit this copy: edit the original.
// KernelSupport.swift — what the generated kernels need besides Workers.swift, compiled
// into every level's module (and nothing else: a level's module holds no command line).
#if canImport(Glibc)
import Glibc
#endif

/// Memory the predictor cannot run without (the activation arena, Winograd scratch):
/// `count` zeroed floats, 64-byte aligned. If the system refuses it, a message and exit 70
/// (the predictor's "software" exit code) — never a Swift runtime trap.
func allocateFloats(_ count: Int, for what: String) -> UnsafeMutablePointer<Float> {
    var raw: UnsafeMutableRawPointer?
    let code = posix_memalign(&raw, 64, max(count, 1) * 4)
    guard code == 0, let raw else {
        kernelFailure("cannot allocate \(count * 4) bytes for \(what): \(String(cString: strerror(code)))")
    }
    let p = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    p.initialize(repeating: 0, count: max(count, 1))
    return p
}

/// The resources a level's code needs could not be had: the message, and exit 70 (the
/// predictor's "software" exit code, as its main module reports it).
func kernelFailure(_ message: String) -> Never {
    let path = CommandLine.arguments.first ?? "predictor"
    let program = path.split(separator: "/").last.map(String.init) ?? path
    fputs("\(program): error: \(message)\n", stderr)
    exit(70)
}
