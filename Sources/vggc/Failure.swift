import ArgumentParser
import Foundation
import VGGCore
import VGGEngine
import VGGFormat
import VGGImage
import VGGCheck
import VGGMetrics
import VGGTrain
import VGGSystem

/// The exit codes of every subcommand (sysexits.h values, documented in `vggc --help`).
enum Exit {
    static let usage: Int32 = 64
    static let dataError: Int32 = 65
    static let noInput: Int32 = 66
    /// An internal failure (out of memory for a tensor the model needs).
    static let software: Int32 = 70
    /// An output file cannot be created or replaced.
    static let cantCreate: Int32 = 73
    /// Standard output could not be written.
    static let ioError: Int32 = 74
    /// Ctrl-C (128 + SIGINT), the shell's convention.
    static let interrupted: Int32 = 130
}

/// Turns a library error into a message on standard error and the documented exit code.
/// Library code only throws; this is the one place that decides how the process ends.
func exitStatus(for error: Error) -> Int32 {
    switch error {
    case let e as FileError:
        switch e.problem {
        case .outputIsInput: return Exit.usage
        case _ where e.problem.isWriteProblem: return Exit.cantCreate
        case .tooLarge: return Exit.dataError
        default: return Exit.noInput
        }
    case let e as Interruption.Interrupted: return e.exitStatus
    case let e as EngineError:
        if case .outOfMemory = e { return Exit.software }
        return Exit.dataError
    case is ModelFileError: return Exit.dataError
    case let e as ImageError:
        switch e {
        case .fileNotFound, .notRegularFile: return Exit.noInput
        default: return Exit.dataError
        }
    case let e as DatasetError:
        if case .missingFolder = e { return Exit.noInput }
        if case .invalidThreadCount = e { return Exit.usage }
        return Exit.dataError
    case let e as MetricsError:
        switch e {
        case .unknownPositiveClass, .positiveClassNeedsTwoClasses: return Exit.usage  // --positive
        default: return Exit.dataError
        }
    case let e as CheckError:
        if case .predictorMissing = e { return Exit.noInput }
        return Exit.dataError
    case is ImageFolderMissing: return Exit.noInput
    case let e as TrainingError where e == .interruptedBeforeFirstEpoch: return Exit.interrupted
    case let e as TrainingError:
        if case .invalidSetting = e { return Exit.usage }  // found once the data or base is known
        return Exit.dataError
    default: return Exit.dataError
    }
}

func reportAndExit(_ error: Error) -> ExitCode {
    printError(message(for: error))
    return ExitCode(exitStatus(for: error))
}

/// The error's message, naming the command-line flag where the library names a setting.
func message(for error: Error) -> String {
    switch error {
    case let e as TrainingError:
        if case let .invalidSetting(setting, _, _) = e { return e.message(naming: setting.flag) }
        return "\(e)"
    case MetricsError.unknownPositiveClass, MetricsError.positiveClassNeedsTwoClasses: return "--positive: \(error)"
    default: return "\(error)"
    }
}

extension TrainingSetting {
    /// The `vggc train` flag that sets it (with the part of its value, where it sets several).
    var flag: String {
        switch self {
        case .epochs: return "--epochs"
        case .batchSize: return "--batch-size"
        case .patience: return "--patience"
        case .stopAtAccuracy: return "--stop-at-accuracy"
        case .learningRateSchedule: return "--lr-schedule"
        case .unfreezeLast: return "--unfreeze-last"
        case .fineTuneEpochs: return "--fine-tune-epochs"
        case .fineTuneLearningRateFactor: return "--fine-tune-lr-factor"
        case .learningRate: return "--lr"
        case .weightDecay: return "--weight-decay"
        case .beta1: return "--adam beta1"
        case .beta2: return "--adam beta2"
        case .epsilon: return "--adam epsilon"
        case .momentum: return "--momentum"
        case .validationFraction: return "--validation-split"
        case let .augmentation(key): return key.map { "--augment \($0)" } ?? "--augment"
        }
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data("vggc: error: \(Display.controls(message))\n".utf8))
}

func printWarning(_ message: String) {
    FileHandle.standardError.write(Data("vggc: warning: \(Display.controls(message))\n".utf8))
}

/// Standard output of every subcommand. Shadows `Swift.print` in this module so that no line
/// can carry a raw control character (a file name with a newline forging a result line, an
/// escape sequence in a label moving the cursor): see `Display.controls`.
func print(_ text: String) {
    Swift.print(Display.controls(text))
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

/// Pretty, key-sorted JSON on standard output: stable for scripts and diffs. Valid JSON
/// whatever the strings hold: C1 controls, line separators, bidirectional overrides and
/// the raw-byte stand-ins of non-UTF-8 paths become `\uXXXX` escapes (a terminal showing
/// the JSON is as safe as one showing text), not `Display.controls`' escapes.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    // A violated zero bound is an infinite ratio; JSON has no infinity, so say it in words.
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    Swift.print(Display.json(String(decoding: try encoder.encode(value), as: UTF8.self)))
}
