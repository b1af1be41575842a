import ArgumentParser
import VGGCore

/// The options that pick a VGG architecture, shared by `create` and `train` so both build
/// exactly the same network from the same words.
struct ArchitectureOptions: ParsableArguments {
    @Option(help: "Architecture: vgg11, vgg13, vgg16 or vgg19.")
    var arch = "vgg16"

    @Flag(help: "Add batch normalization after every convolution (folded away by compile).")
    var batchNorm = false

    @Option(help: "Width multiplier for every convolution (1 = the paper's 64…512 channels).")
    var width = 1.0

    @Option(help: "Input as HEIGHTxWIDTHxCHANNELS (channels 1 = gray, 3 = RGB).")
    var input = "224x224x1"

    @Option(help: "Classifier head: small:UNITS or just UNITS (Flatten→Dense→ReLU→Dropout→Dense), classic:UNITS (two hidden dense layers), or gap (GlobalAveragePool→Dense).")
    var head = "small:256"

    @Option(help: "Dropout rate in the head (0 for none).")
    var dropout: Float = 0.5

    @Option(help: "Output layer: softmax (one unit per class) or sigmoid (binary, one unit).")
    var activation = "softmax"

    @Option(help: "Resize filter for images: area or bilinear.")
    var resize = "area"

    /// The options spelled out, lowercased, in a fixed order (for model metadata).
    var canonical: String {
        "--arch \(arch.lowercased())\(batchNorm ? " --batch-norm" : "") --width \(width) --input \(input.lowercased())"
            + " --head \(head.lowercased())\(dropout == 0.5 ? "" : " --dropout \(dropout)") --activation \(activation.lowercased())"
            + " --resize \(resize.lowercased())"
    }

    func classifierHead() throws -> ClassifierHead {
        guard dropout >= 0, dropout < 1 else { throw ValidationError("--dropout must be in [0, 1), got \(dropout)") }
        // A bare number is the tutorial's head: `--head 256` = `small:256`.
        let spelled = Int(head).map { "small:\($0)" } ?? head.lowercased()
        let parts = spelled.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        // Exactly these spellings: "gap:3" is not gap, "small:256:1" is not small:256.
        let units = parts.count == 2 ? Int(parts[1]).flatMap { (1...65_536).contains($0) ? $0 : nil } : nil
        switch (parts[0], parts.count, units) {
        case ("gap", 1, _): return .globalPool
        case ("small", 2, let n?): return .small(hidden: n, dropout: dropout)
        case ("classic", 2, let n?): return .classic(hidden: n, dropout: dropout)
        default: throw ValidationError("--head must be small:UNITS, classic:UNITS (UNITS 1...65536) or gap, got \(head)")
        }
    }

    func outputActivation() throws -> OutputActivation {
        guard let out = OutputActivation(rawValue: activation.lowercased()) else {
            throw ValidationError("--activation must be softmax or sigmoid, got \(activation)")
        }
        return out
    }

    /// Parses the options into a builder configuration, or a usage error (exit 64).
    func configuration(labels: [String]) throws -> VGGConfiguration {
        guard let depth = VGGDepth(rawValue: arch.lowercased()) else {
            throw ValidationError("--arch must be vgg11, vgg13, vgg16 or vgg19, got \(arch)")
        }
        let dims = input.lowercased().split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
        guard dims.count == 3, let h = dims[0], let w = dims[1], let c = dims[2], h > 0, w > 0, c == 1 || c == 3 else {
            throw ValidationError("--input must be HEIGHTxWIDTHxCHANNELS with 1 or 3 channels, e.g. 224x224x1; got \(input)")
        }
        guard h >= 32, w >= 32 else {
            throw ValidationError("--input \(input): a VGG halves the size 5 times, so height and width must be at least 32")
        }
        guard h <= 4096, w <= 4096 else {
            throw ValidationError("--input \(input): height and width must be at most 4096")
        }
        guard let filter = ResizeFilter.allCases.first(where: { "\($0)" == resize.lowercased() }) else {
            throw ValidationError("--resize must be area or bilinear, got \(resize)")
        }
        guard width > 0, width <= 16 else { throw ValidationError("--width must be in (0, 16], got \(width)") }
        return VGGConfiguration(depth: depth, batchNorm: batchNorm, widthMultiplier: width,
                                input: InputSpec(height: h, width: w, channels: c, resize: filter),
                                labels: labels, head: try classifierHead(), output: try outputActivation())
    }
}
