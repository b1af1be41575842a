import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import VGGCodegen
import VGGCore
import VGGSystem

/// `vggc`: VGG models to small, fast, verified predictors.
@main
struct VGGC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vggc",
        abstract: "Train, inspect and run VGG chest X-ray classifiers; compile them into verified predictors.",
        discussion: """
        A model is one model.bin file (format: docs/model-format.md). Typical use:
          vggc create --arch vgg11 --width 0.25 --input 64x64x1 -o demo.bin   # seeded random weights
          vggc inspect demo.bin                                                # layers, shapes, cost, hash
          vggc predict demo.bin xray1.png xray2.png                            # label + probabilities
          vggc train data --arch vgg16 --width 0.25 --input 128x128x1 -o m.bin # train on data/train/CLASS/*.png
          vggc eval m.bin data/test                                            # accuracy, recall, F1, ROC AUC

        Exit codes (all subcommands):
          0   success
          64  usage error (bad option or argument; an output that is one of the inputs)
          65  bad input data (corrupt model file, unreadable image, invalid model)
          66  a named input file or folder does not exist or is not a regular file
          70  the memory a run needs was refused
          73  an output cannot be written (missing folder; exists and is not a regular file)
          130 interrupted by Ctrl-C (nothing half-written is left; train saves first)

        Outputs are replaced atomically and never destroy an input or a device;
        docs/reliability.md says what else you can rely on.
        """,
        version: "\(ToolchainVersion.string) (generator \(GeneratorIdentity.string))",
        subcommands: [Create.self, Train.self, Eval.self, Import.self, Export.self, Inspect.self, Predict.self, Compile.self, Check.self, Bench.self]
    )

    /// Arguments byte for byte (a file name that is not UTF-8 still names its file),
    /// Ctrl-C/SIGTERM handled so that no temporary file or child process outlives vggc, and
    /// results that cannot be written to standard output (a full disk) never exit 0.
    static func main() {
        Interruption.install()
        do {
            var command = try parseAsRoot(Array(SystemPath.arguments().dropFirst()))
            try command.run()
        } catch {
            let code = exitCode(for: error), message = fullMessage(for: error)
            if !message.isEmpty {
                if code == .success { Swift.print(message) } else { FileHandle.standardError.write(Data((message + "\n").utf8)) }
            }
            finish(code.rawValue)
        }
        finish(0)
    }

    /// Flushes standard output and exits with `status`, or 74 if the output was lost.
    static func finish(_ status: Int32) -> Never {
        if fflush(nil) != 0 {
            let reason = String(cString: strerror(errno))
            FileHandle.standardError.write(Data("vggc: error: cannot write to standard output: \(reason)\n".utf8))
            Glibc.exit(Exit.ioError)
        }
        Glibc.exit(status)
    }
}
