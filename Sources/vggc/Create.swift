import ArgumentParser
import Foundation
import VGGCore
import VGGFormat

/// `vggc create`: a standard VGG with seeded random weights, written as model.bin.
struct Create: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a VGG-11/13/16/19 model.bin with seeded random (He-normal) weights.",
        discussion: """
        For trying the toolchain, benchmarks and tests before a model is trained (`vggc train`
        starts from the same builders). The same options and seed always give the same file.
        Example: vggc create --arch vgg16 --width 0.25 --input 224x224x1 --head small:256 -o m.bin
        """
    )

    @Option(help: "Architecture: vgg11, vgg13, vgg16 or vgg19.")
    var arch = "vgg16"

    @Flag(help: "Add batch normalization after every convolution.")
    var batchNorm = false

    @Option(help: "Width multiplier for every convolution (1 = the paper's 64…512 channels).")
    var width = 1.0

    @Option(help: "Input as HEIGHTxWIDTHxCHANNELS (channels 1 = gray, 3 = RGB).")
    var input = "224x224x1"

    @Option(help: "Comma-separated class labels, in output order.")
    var labels = "NORMAL,PNEUMONIA"

    @Option(help: "Classifier head: small:UNITS (Flatten→Dense→ReLU→Dropout→Dense), classic:UNITS (two hidden dense layers), or gap (GlobalAveragePool→Dense).")
    var head = "small:256"

    @Option(help: "Output layer: softmax (one unit per class) or sigmoid (binary, one unit).")
    var activation = "softmax"

    @Option(help: "Resize filter for images: area or bilinear.")
    var resize = "area"

    @Option(help: "Random seed for the weights.")
    var seed: UInt64 = 1

    @Option(name: .shortAndLong, help: "Output model.bin path.")
    var output: String

    func validate() throws { _ = try builderConfiguration() }

    func run() throws {
        let config = try builderConfiguration()
        try vggc.run {
            var model = try Model.vgg(config, seed: seed)
            model.metadata["created-by"] = canonicalCommand
            model.metadata["weights"] = "random (He-normal, seed \(seed)); not trained"
            let info = try ModelFile.write(model, to: output)
            let summary = try ModelSummary(model)
            print("wrote \(output): \(Format.grouped(info.fileSize)) bytes, \(Format.grouped(summary.totalParameters)) parameters, "
                + "\(Format.count(summary.totalMultiplyAccumulates)) MACs/image, sha256:\(info.hash)")
        }
    }

    /// The effective options, spelled out and without the output path, so the same model
    /// always gets the same metadata and therefore the same hash wherever it is written.
    var canonicalCommand: String {
        "vggc create --arch \(arch.lowercased())\(batchNorm ? " --batch-norm" : "") --width \(width) --input \(input.lowercased())"
            + " --labels \(labels) --head \(head.lowercased()) --activation \(activation.lowercased())"
            + " --resize \(resize.lowercased()) --seed \(seed)"
    }

    /// Parses the options into a builder configuration, or a usage error (exit 64).
    func builderConfiguration() throws -> VGGConfiguration {
        guard let depth = VGGDepth(rawValue: arch.lowercased()) else {
            throw ValidationError("--arch must be vgg11, vgg13, vgg16 or vgg19, got \(arch)")
        }
        let dims = input.lowercased().split(separator: "x").map { Int($0) }
        guard dims.count == 3, let h = dims[0], let w = dims[1], let c = dims[2], h > 0, w > 0, c == 1 || c == 3 else {
            throw ValidationError("--input must be HEIGHTxWIDTHxCHANNELS with 1 or 3 channels, e.g. 224x224x1; got \(input)")
        }
        guard h >= 32, w >= 32 else {
            throw ValidationError("--input \(input): a VGG halves the size 5 times, so height and width must be at least 32")
        }
        let names = labels.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard names.count >= 2, !names.contains("") else {
            throw ValidationError("--labels needs at least two non-empty comma-separated labels, got \(labels)")
        }
        let headParts = head.lowercased().split(separator: ":")
        let classifier: ClassifierHead
        switch (headParts.first.map(String.init), headParts.count > 1 ? Int(headParts[1]) : nil) {
        case ("gap", _): classifier = .globalPool
        case ("small", let n?) where n > 0: classifier = .small(hidden: n, dropout: 0.5)
        case ("classic", let n?) where n > 0: classifier = .classic(hidden: n, dropout: 0.5)
        default: throw ValidationError("--head must be small:UNITS, classic:UNITS or gap, got \(head)")
        }
        guard let out = OutputActivation(rawValue: activation.lowercased()) else {
            throw ValidationError("--activation must be softmax or sigmoid, got \(activation)")
        }
        guard let filter = ResizeFilter.allCases.first(where: { "\($0)" == resize.lowercased() }) else {
            throw ValidationError("--resize must be area or bilinear, got \(resize)")
        }
        guard width > 0, width <= 16 else { throw ValidationError("--width must be in (0, 16], got \(width)") }
        return VGGConfiguration(depth: depth, batchNorm: batchNorm, widthMultiplier: width,
                                input: InputSpec(height: h, width: w, channels: c, resize: filter),
                                labels: names, head: classifier, output: out)
    }
}
