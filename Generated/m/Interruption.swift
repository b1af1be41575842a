// Copied from Sources/VGGSystem/Interruption.swift by vggc compile. Do not edit this copy: edit the original.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ctrl-C, `kill` and hang-ups, handled so that no half-written output and no orphaned
/// child process is left behind.
///
/// Writers register their temporary files and `Subprocess` registers the process groups
/// of the tools it runs. On SIGINT, SIGQUIT, SIGTERM or SIGHUP the handler:
/// - with a child running: passes the signal on to the child's process group and records
///   it; the thread waiting for the child (`Subprocess`) kills the group if it has not ended
///   a few seconds later, then throws `Interrupted`, and the normal unwinding removes
///   temporary files and folders;
/// - otherwise: removes every registered temporary file and exits with 128 + signal.
/// With `install(gracefulInterrupt: true)` (training) the first SIGINT only sets
/// `requests`; the program finishes its step and saves. A second one acts as above.
///
/// The handler only calls async-signal-safe functions (`killpg`, `unlink`, `_exit`) on
/// storage allocated before it was installed. SIGKILL cannot be caught: what it leaves is
/// recognised and removed by the next write to the same target (see `OutputFile`).
public enum Interruption {
    /// Thrown by a wait that an interrupting signal ended.
    public struct Interrupted: Error, Equatable, CustomStringConvertible {
        public let signal: Int32
        public var description: String { "interrupted by \(signal == SIGINT ? "Ctrl-C (SIGINT)" : "signal \(signal)")" }
        /// The conventional exit status, 128 + the signal number.
        public var exitStatus: Int32 { 128 + signal }
    }

    static let capacity = 64
    /// Registered temporary files (strdup'ed paths; nil = free slot).
    nonisolated(unsafe) static let temporaries: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
        let p = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
        p.initialize(repeating: nil, count: capacity)
        return p
    }()
    /// Registered child process groups (0 = free slot).
    nonisolated(unsafe) static let groups: UnsafeMutablePointer<pid_t> = {
        let p = UnsafeMutablePointer<pid_t>.allocate(capacity: capacity)
        p.initialize(repeating: 0, count: capacity)
        return p
    }()
    /// [0]: interrupting signals received; [1]: the last one; [2]: 1 if the first SIGINT is graceful.
    nonisolated(unsafe) static let state: UnsafeMutablePointer<Int32> = {
        let p = UnsafeMutablePointer<Int32>.allocate(capacity: 3)
        p.initialize(repeating: 0, count: 3)
        return p
    }()

    /// Signals received so far (SIGINT, SIGQUIT, SIGTERM, SIGHUP).
    public static var requests: Int32 { state[0] }

    /// The signal that interrupted a wait, if any.
    public static var pending: Interrupted? { state[0] > 0 && state[2] == 0 ? Interrupted(signal: state[1]) : nil }

    /// The signals handled: Ctrl-C, Ctrl-\ (quit), `kill`, a closed terminal.
    static let signals = [SIGINT, SIGQUIT, SIGTERM, SIGHUP]

    /// Installs the handlers (once per process; later calls only change the mode).
    public static func install(gracefulInterrupt: Bool = false) {
        _ = temporaries; _ = groups  // allocate before any signal can arrive
        state[2] = gracefulInterrupt ? 1 : 0
        for sig in signals {
            var action = sigaction()
            #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = { sig in Interruption.handle(sig) }
            #else
            action.__sigaction_u.__sa_handler = { sig in Interruption.handle(sig) }
            #endif
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0  // no SA_RESTART: a blocking wait returns EINTR and looks
            sigaction(sig, &action, nil)
        }
    }

    static func handle(_ sig: Int32) {
        state[0] += 1
        state[1] = sig
        if sig == SIGINT && state[2] == 1 && state[0] == 1 { return }  // graceful: finish the step
        state[2] = 0
        var stopped = false
        for i in 0..<capacity where groups[i] > 0 {
            // Passed on, not SIGKILL: a compiler driver stops the jobs it started in
            // process groups of their own. `Subprocess` kills what is still there later.
            killpg(groups[i], sig == SIGINT ? SIGINT : SIGTERM)
            stopped = true
        }
        // The waiting thread notices the child's end and unwinds, removing what it made; a
        // second signal (or no child to wait for) means exit now.
        if stopped && state[0] == 1 { return }
        removeTemporaries()
        _exit(128 + sig)
    }

    static func removeTemporaries() {
        for i in 0..<capacity { if let p = temporaries[i] { unlink(p) } }
    }

    /// Registers a temporary file to remove if the process is interrupted; returns its slot.
    static func registerTemporary(_ path: String) -> Int? {
        guard let copy = SystemPath.withCString(path, { strdup($0) }) else { return nil }
        for i in 0..<capacity where temporaries[i] == nil {
            temporaries[i] = copy
            return i
        }
        free(copy)
        return nil
    }

    static func unregisterTemporary(_ slot: Int?) {
        guard let slot, let p = temporaries[slot] else { return }
        temporaries[slot] = nil
        free(p)
    }

    static func registerGroup(_ pid: pid_t) -> Int? {
        for i in 0..<capacity where groups[i] == 0 {
            groups[i] = pid
            return i
        }
        return nil
    }

    static func unregisterGroup(_ slot: Int?) {
        if let slot { groups[slot] = 0 }
    }
}
