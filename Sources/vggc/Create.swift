import ArgumentParser
import Foundation
import VGGCore
import VGGFormat
import VGGSystem

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

    @OptionGroup var architecture: ArchitectureOptions

    @Option(help: "Comma-separated class labels, in output order.")
    var labels = "NORMAL,PNEUMONIA"

    @Option(help: "Random seed for the weights.")
    var seed: UInt64 = 1

    @Option(name: .shortAndLong, help: "Output model.bin path.")
    var output: String

    func validate() throws { _ = try builderConfiguration() }

    func run() throws {
        let config = try builderConfiguration()
        try vggc.run {
            let out = try OutputFile(output)
            var model = try Model.vgg(config, seed: seed)
            model.metadata["created-by"] = canonicalCommand
            model.metadata["weights"] = "random (He-normal, seed \(seed)); not trained"
            let info = try ModelFile.write(model, to: out)
            let summary = try ModelSummary(model)
            print("wrote \(Display.text(output)): \(Format.grouped(info.fileSize)) bytes, \(Format.grouped(summary.totalParameters)) parameters, "
                + "\(Format.count(summary.totalMultiplyAccumulates)) MACs/image, sha256:\(info.hash)")
        }
    }

    /// The effective options, spelled out and without the output path, so the same model
    /// always gets the same metadata and therefore the same hash wherever it is written.
    var canonicalCommand: String {
        // Kept in the order of the first release so existing models keep their hashes.
        let a = architecture
        return "vggc create --arch \(a.arch.lowercased())\(a.batchNorm ? " --batch-norm" : "") --width \(a.width) --input \(a.input.lowercased())"
            + " --labels \(labels) --head \(a.head.lowercased())\(a.dropout == 0.5 ? "" : " --dropout \(a.dropout)")"
            + " --activation \(a.activation.lowercased()) --resize \(a.resize.lowercased()) --seed \(seed)"
    }

    func builderConfiguration() throws -> VGGConfiguration {
        try architecture.configuration(labels: try parseLabels(labels))
    }
}

/// Comma-separated class labels, at least two, none empty.
func parseLabels(_ text: String) throws -> [String] {
    let names = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    guard names.count >= 2, !names.contains("") else {
        throw ValidationError("--labels needs at least two non-empty comma-separated labels, got \(text)")
    }
    if let bad = names.first(where: Display.containsControlCharacter) {
        throw ValidationError("--labels: \"\(Display.text(bad))\" holds a control character (C0, DEL or C1); labels are printed, so they may not")
    }
    return names
}
