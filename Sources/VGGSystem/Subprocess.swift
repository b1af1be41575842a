#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a child process could not be run to completion.
public enum SubprocessError: Error, Equatable, CustomStringConvertible {
    case cannotStart(command: String, reason: String)
    /// Still running after `seconds`: its whole process group was killed.
    case timedOut(command: String, seconds: Double)
    /// Wrote more than `limit` bytes to `stream`: its whole process group was killed.
    case outputTooLarge(command: String, stream: String, limit: Int)

    public var description: String {
        switch self {
        case let .cannotStart(command, reason): return "cannot start \(Display.text(command)): \(reason)"
        case let .timedOut(command, seconds):
            return "\(Display.text(command)) did not finish within \(Subprocess.seconds(seconds)) s and was stopped (with every process it started)"
        case let .outputTooLarge(command, stream, limit):
            return "\(Display.text(command)) wrote more than \(limit) bytes to \(stream) and was stopped (with every process it started)"
        }
    }
}

/// A child process that can never hang its parent, flood its memory or outlive it.
///
/// The child runs in a process group of its own with standard input from /dev/null. Both
/// output pipes are drained concurrently (poll) up to a cap each. When the time limit
/// passes the group gets SIGTERM, and SIGKILL `stopGraceSeconds` later; a Ctrl-C of the
/// parent is passed on the same way (`Interruption`); an exceeded cap kills at once. When
/// the child exits, whatever is left of its group is killed — so a grandchild that kept a
/// pipe open, or any other orphan, dies with it. The group is killed before the child is
/// reaped, so its id cannot have been reused meanwhile.
public struct Subprocess {
    public struct Result: Sendable {
        /// The exit status, or 128 + the signal that killed the child.
        public var status: Int32
        public var stdout: [UInt8]
        public var stderr: [UInt8]
        public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    }

    public var executable: String
    public var arguments: [String]
    /// Seconds before the group is killed; nil waits for ever (only for tools we trust).
    public var timeout: Double?
    public var stdoutLimit = 64 << 20
    /// Variables set (or replaced) in the child's environment; the rest is inherited.
    public var environment: [String: String] = [:]
    public var stderrLimit = 4 << 20
    /// After the child exits, how long to keep reading what is already in the pipes.
    public var drainSeconds = 2.0
    /// After SIGTERM (time limit) or a forwarded Ctrl-C, how long before SIGKILL.
    public var stopGraceSeconds = 5.0

    public init(_ executable: String, _ arguments: [String], timeout: Double?) {
        self.executable = executable
        self.arguments = arguments
        self.timeout = timeout
    }

    /// The command as one line, for messages.
    public var commandLine: String { ([executable] + arguments).joined(separator: " ") }

    /// Runs the child to its end (see the type's documentation).
    public func run() throws -> Result { try start().wait() }

    /// A started child: its process id (also its process group's), to signal it while it runs.
    public struct Running {
        public let pid: pid_t
        let descriptors: (Int32, Int32)
        let slot: Int?
        let process: Subprocess

        /// Drains, times and reaps the child (see `Subprocess`).
        public func wait() throws -> Result { try process.wait(self) }
    }

    /// Starts the child; `wait()` must follow. The child's group is known to `Interruption`
    /// from the moment it exists (signals are held back between the spawn and the
    /// registration), so a Ctrl-C at any time reaches it.
    public func start() throws -> Running {
        var all = sigset_t(), previous = sigset_t()
        sigemptyset(&all)
        for s in Interruption.signals { sigaddset(&all, s) }
        pthread_sigmask(SIG_BLOCK, &all, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        let (pid, outFD, errFD) = try spawn()
        return Running(pid: pid, descriptors: (outFD, errFD), slot: Interruption.registerGroup(pid), process: self)
    }

    func wait(_ child: Running) throws -> Result {
        let pid = child.pid, outFD = child.descriptors.0, errFD = child.descriptors.1
        var result = Result(status: 0, stdout: [], stderr: [])
        var open = [outFD, errFD]
        defer { for fd in open where fd >= 0 { close(fd) } }
        let start = Self.now()
        var exitedAt: Double?, killAt: Double?, closedAt: Double?
        var failure: SubprocessError?
        while true {
            if exitedAt == nil && Self.hasExited(pid) {
                killpg(pid, SIGKILL)  // orphans; the zombie leader keeps the group id ours
                exitedAt = Self.now()
            }
            if let t = exitedAt {
                if open.allSatisfy({ $0 < 0 }) || Self.now() - t > drainSeconds { break }
            } else if let due = killAt {
                if Self.now() > due { killpg(pid, SIGKILL) }
            } else if let timeout, Self.now() - start > timeout {
                // SIGTERM first: a compiler driver forwards it to the jobs it started in
                // process groups of their own; SIGKILL follows if the child ignores it.
                failure = .timedOut(command: commandLine, seconds: timeout)
                killpg(pid, SIGTERM)
                killAt = Self.now() + stopGraceSeconds
            } else if Interruption.pending != nil {
                killAt = Self.now() + stopGraceSeconds  // the handler sent the signal on
            }
            if closedAt == nil && open.allSatisfy({ $0 < 0 }) { closedAt = Self.now() }
            if let f = pump(&open, &result, quietSince: closedAt) {
                failure = f
                killpg(pid, SIGKILL)
                break
            }
        }
        killpg(pid, SIGKILL)
        // No longer ours to signal once reaped: its id may be reused.
        Interruption.unregisterGroup(child.slot)
        result.status = Self.reap(pid)
        if let failure { throw failure }
        if let interrupted = Interruption.pending { throw interrupted }
        return result
    }

    /// Waits up to 50 ms for output and appends what arrived; closes streams at EOF.
    private func pump(_ open: inout [Int32], _ result: inout Result, quietSince: Double?) -> SubprocessError? {
        if let quietSince {  // both closed: only the exit is awaited, promptly at first
            usleep(Self.now() - quietSince < 0.2 ? 1000 : 20_000)
            return nil
        }
        var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let ready = poll(&fds, nfds_t(fds.count), 50)
        guard ready > 0 else { return nil }  // timeout, or EINTR: the caller looks again
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        for (i, p) in fds.enumerated() where p.fd >= 0 && p.revents != 0 {
            let n = chunk.withUnsafeMutableBytes { posixRead(p.fd, $0.baseAddress, $0.count) }
            if n > 0 {
                if i == 0 { result.stdout += chunk[0..<n] } else { result.stderr += chunk[0..<n] }
                let (size, limit) = i == 0 ? (result.stdout.count, stdoutLimit) : (result.stderr.count, stderrLimit)
                if size > limit {
                    return .outputTooLarge(command: commandLine, stream: i == 0 ? "standard output" : "standard error", limit: limit)
                }
            } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                close(p.fd)
                open[i] = -1
            }
        }
        return nil
    }

    private func spawn() throws -> (pid_t, Int32, Int32) {
        var outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        guard pipe(&outPipe) == 0 else { throw SubprocessError.cannotStart(command: commandLine, reason: systemErrorText(errno)) }
        guard pipe(&errPipe) == 0 else {
            let code = errno
            close(outPipe[0]); close(outPipe[1])
            throw SubprocessError.cannotStart(command: commandLine, reason: systemErrorText(code))
        }
        // Our ends must not leak into other children (pipe2 is not in Swift's Glibc).
        for fd in outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        var none = sigset_t(), defaults = sigset_t()
        sigemptyset(&none)
        sigemptyset(&defaults)
        for s in [SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { SystemPath.withCString($0) { strdup($0) } }
        argv.append(nil)
        defer { for p in argv { free(p) } }
        var envp = childEnvironment()
        defer { for p in envp { free(p) } }
        var pid: pid_t = 0
        let status = SystemPath.withCString(executable) { posix_spawn(&pid, $0, &actions, &attributes, argv, &envp) }
        close(outPipe[1])
        close(errPipe[1])
        guard status == 0 else {
            close(outPipe[0])
            close(errPipe[0])
            throw SubprocessError.cannotStart(command: commandLine, reason: systemErrorText(status))
        }
        return (pid, outPipe[0], errPipe[0])
    }

    /// `environ` with `environment` applied, as strdup'd C strings ending in nil.
    private func childEnvironment() -> [UnsafeMutablePointer<CChar>?] {
        var entries: [UnsafeMutablePointer<CChar>?] = []
        var p = environ
        while let entry = p.pointee {
            let name = String(cString: entry).split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            if environment[name] == nil { entries.append(strdup(entry)) }
            p += 1
        }
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) { entries.append(strdup("\(name)=\(value)")) }
        entries.append(nil)
        return entries
    }

    /// Whether the child has exited, without reaping it (its id stays reserved).
    static func hasExited(_ pid: pid_t) -> Bool {
        var info = siginfo_t()
        guard waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 else { return true }
        #if canImport(Glibc)
        return info._sifields._sigchld.si_pid == pid  // 0 while it runs (WNOHANG)
        #else
        return info.si_pid == pid
        #endif
    }

    /// Reaps the child; its exit status or 128 + signal.
    static func reap(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return -1 }
        }
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }

    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    static func seconds(_ v: Double) -> String { v == v.rounded() ? "\(Int(v))" : "\(v)" }
}
