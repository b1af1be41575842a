import Dispatch
import Foundation

/// Runs the built `vggc` binary (test targets that use it depend on `vggc`, so SwiftPM
/// builds it first) or any other program, and collects its status and output.
public struct CLI {
    public struct Result: Sendable { public var status: Int32; public var stdout: String; public var stderr: String }

    /// `.build/<config>/vggc`, next to the test bundle.
    public static let executable: URL = {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("vggc")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        // Fall back to the package's default build folder.
        return packageRoot.appendingPathComponent(".build/debug/vggc")
    }()

    public static func run(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) throws
        -> Result {
        try runBinary(executable.path, arguments, in: directory, environment: environment)
    }

    /// Runs any program (e.g. a compiled predictor) the same way. Both pipes are read at
    /// once (standard error on a thread of its own): a child that fills one pipe while the
    /// test waits on the other would otherwise block forever.
    public static func runBinary(_ path: String, _ arguments: [String], in directory: URL? = nil,
                                 environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let errors = Collected()
        let done = DispatchGroup()
        DispatchQueue.global().async(group: done) { errors.data = err.fileHandleForReading.readDataToEndOfFile() }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        done.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                      stderr: String(decoding: errors.data, as: UTF8.self))
    }
}

/// Standard error as the reading thread collected it (read once `done` is passed).
private final class Collected: @unchecked Sendable {
    var data = Data()
}

/// The package's root folder (this file is Tests/VGGTestSupport/Processes.swift).
public let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
