import Foundation
import VGGSystem
import VGGTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// What the file-system tests need beyond the shared temporary folder.
extension TemporaryFolder {
    /// Names in the folder, by bytes.
    func names() -> [String] { (try? Directory.names(in: path)) ?? [] }

    func write(_ name: String, _ text: String) {
        _ = FileManager.default.createFile(atPath: file(name), contents: Data(text.utf8))
    }

    func read(_ name: String) -> String? {
        (try? InputFile.read(file(name))).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// Wall time of `body` in seconds.
func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = Date()
    try body()
    return Date().timeIntervalSince(start)
}

/// Whether a process with this id exists (a zombie counts).
func processExists(_ pid: pid_t) -> Bool { kill(pid, 0) == 0 || errno == EPERM }

/// A pid that no process has: the highest allowed, checked to be free.
func deadPID() -> pid_t {
    var pid: pid_t = 4_194_000
    while processExists(pid) { pid -= 1 }
    return pid
}
