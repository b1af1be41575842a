import ArgumentParser
import VGGCore

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
          64  usage error (bad option or argument)
          65  bad input data (corrupt model file, unreadable image, invalid model)
          66  a named input file or folder does not exist
          130 train: interrupted (Ctrl-C) before the first epoch finished
        """,
        version: ToolchainVersion.string,
        subcommands: [Create.self, Train.self, Eval.self, Import.self, Export.self, Inspect.self, Predict.self, Compile.self, Check.self, Bench.self]
    )
}
