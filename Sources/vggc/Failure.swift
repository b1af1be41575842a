import ArgumentParser
import Foundation
import VGGCore
import VGGEngine
import VGGFormat
import VGGImage
import VGGCheck
import VGGTrain
import VGGONNX

/// The exit codes of every subcommand (sysexits.h values, documented in `vggc --help`).
enum Exit {
    static let usage: Int32 = 64
    static let dataError: Int32 = 65
    static let noInput: Int32 = 66
    /// Ctrl-C (128 + SIGINT), the shell's convention.
    static let interrupted: Int32 = 130
}

/// Turns a library error into a message on standard error and the documented exit code.
/// Library code only throws; this is the one place that decides how the process ends.
func exitStatus(for error: Error) -> Int32 {
    switch error {
    case let e as ModelFileError: return e.problem == .fileNotFound ? Exit.noInput : Exit.dataError
    case let e as ImageError:
        if case .fileNotFound = e { return Exit.noInput }
        return Exit.dataError
    case let e as DatasetError:
        if case .missingFolder = e { return Exit.noInput }
        return Exit.dataError
    case let e as CheckError:
        if case .predictorMissing = e { return Exit.noInput }
        return Exit.dataError
    case is ImageFolderMissing: return Exit.noInput
    case let ONNXError.unreadable(_, reason) where reason == "no such file": return Exit.noInput
    case let e as TrainingError where e == .interruptedBeforeFirstEpoch: return Exit.interrupted
    default: return Exit.dataError
    }
}

func reportAndExit(_ error: Error) -> ExitCode {
    printError("\(error)")
    return ExitCode(exitStatus(for: error))
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data("vggc: error: \(message)\n".utf8))
}

func printWarning(_ message: String) {
    FileHandle.standardError.write(Data("vggc: warning: \(message)\n".utf8))
}

/// Runs `body`, mapping any thrown library error to its message and exit code.
func run(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as ExitCode {
        throw e
    } catch let e as CleanExit {
        throw e
    } catch {
        throw reportAndExit(error)
    }
}

/// Pretty, key-sorted JSON on standard output: stable for scripts and diffs.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    // A violated zero bound is an infinite ratio; JSON has no infinity, so say it in words.
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
