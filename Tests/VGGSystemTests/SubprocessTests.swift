import Foundation
import Testing
import VGGSystem
import VGGTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Whether `pid` is a live process (not gone, not a zombie waiting for a reaper).
func isRunning(_ pid: pid_t) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return false }
    let state = stat[stat.index(close, offsetBy: 2)]
    return state != "Z" && state != "X"
}

/// The pid a shell snippet wrote to `file`, waiting briefly for it to appear.
func pid(in file: String) -> pid_t? {
    for _ in 0..<100 {
        if let text = try? String(contentsOfFile: file, encoding: .utf8), let p = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) { return p }
        usleep(20_000)
    }
    return nil
}

@Suite("child processes: bounded in time, output and lifetime")
struct SubprocessTests {
    @Test("status, standard output and standard error")
    func ordinaryRun() throws {
        let r = try Subprocess("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"], timeout: 30).run()
        #expect(r.status == 3 && r.stdoutText == "out\n" && r.stderrText == "err\n")
    }

    @Test("a child that never ends is stopped at the time limit, with what it started")
    func timeout() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        var child = Subprocess("/bin/sh", ["-c", "sleep 1000 & echo $! > \(dir.file("pid")); wait"], timeout: 1)
        child.stopGraceSeconds = 1
        let t = seconds {
            #expect(throws: SubprocessError.timedOut(command: child.commandLine, seconds: 1)) { try child.run() }
        }
        #expect(t < 5)
        let sleeper = try #require(pid(in: dir.file("pid")))
        usleep(200_000)
        #expect(!isRunning(sleeper), "the grandchild outlived the time limit")
    }

    @Test("a child that ignores SIGTERM is killed after the grace period")
    func ignoresTerm() throws {
        var child = Subprocess("/bin/sh", ["-c", "trap '' TERM; while :; do sleep 0.05; done"], timeout: 0.5)
        child.stopGraceSeconds = 0.5
        let t = seconds { #expect(throws: SubprocessError.self) { try child.run() } }
        #expect(t < 4)
    }

    @Test("an orphan holding standard output open neither hangs the parent nor survives")
    func orphanHoldsPipe() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        var child = Subprocess("/bin/sh", ["-c", "sleep 1000 & echo $! > \(dir.file("pid")); echo done"], timeout: 60)
        child.drainSeconds = 0.5
        var result: Subprocess.Result?
        let t = try seconds { result = try child.run() }
        #expect(t < 5)
        #expect(result?.status == 0 && result?.stdoutText == "done\n")
        let orphan = try #require(pid(in: dir.file("pid")))
        usleep(200_000)
        #expect(!isRunning(orphan))
    }

    @Test("a flood of output is cut at the cap, not buffered without bound")
    func flood() throws {
        var child = Subprocess("/usr/bin/yes", [], timeout: 60)
        child.stdoutLimit = 1 << 20
        #expect(throws: SubprocessError.outputTooLarge(command: "/usr/bin/yes", stream: "standard output", limit: 1 << 20)) { try child.run() }
        var errors = Subprocess("/bin/sh", ["-c", "yes >&2"], timeout: 60)
        errors.stderrLimit = 1 << 16
        #expect(throws: SubprocessError.self) { try errors.run() }
    }

    @Test("a program that does not exist cannot start, and says so")
    func missingProgram() {
        #expect(throws: SubprocessError.self) { try Subprocess("/no/such/program", [], timeout: 5).run() }
    }

    @Test("a started child can be signalled by its process group")
    func signalGroup() throws {
        let running = try Subprocess("/bin/sh", ["-c", "sleep 1000"], timeout: 60).start()
        usleep(100_000)
        #expect(killpg(running.pid, SIGTERM) == 0)
        let r = try running.wait()
        #expect(r.status == 128 + SIGTERM)
    }
}
