import VGGCore
@testable import VGGFormat
#if canImport(Glibc)
import Glibc
import VGGTestSupport
#endif

/// Small models for the format tests: VGG variants and hand-made ones that cover every
/// layer kind and padding mode.
enum TestModels {
    static func vgg(batchNorm: Bool, head: ClassifierHead, output: OutputActivation, seed: UInt64) throws -> Model {
        let labels = output == .sigmoid ? ["normal", "pneumonia"] : ["covid", "normal", "pneumonia"]
        var model = try Model.vgg(VGGConfiguration(depth: .vgg11, batchNorm: batchNorm, widthMultiplier: 0.0625,
                                                   input: InputSpec(height: 32, width: 32, channels: 1),
                                                   labels: labels, head: head, output: output), seed: seed)
        model.randomizeParameters(seed: seed &+ 1)
        return model
    }

    /// Every VGG variant the round-trip test covers.
    static func vggVariants() throws -> [(String, Model)] {
        var models: [(String, Model)] = []
        var seed: UInt64 = 10
        for batchNorm in [false, true] {
            for (headName, head) in [("classic", ClassifierHead.classic(hidden: 8, dropout: 0.5)),
                                     ("small", .small(hidden: 6, dropout: 0)), ("gap", .globalPool)] {
                for output in [OutputActivation.softmax, .sigmoid] {
                    seed += 1
                    let name = "vgg11\(batchNorm ? "_bn" : "") \(headName) \(output.rawValue)"
                    models.append((name, try vgg(batchNorm: batchNorm, head: head, output: output, seed: seed)))
                }
            }
        }
        return models
    }

    /// Conv with asymmetric kernel, explicit pads and stride 2; BN; both pools with `same`
    /// and explicit padding; a 1×1 valid conv without bias; GAP; dense; dropout; softmax.
    static func everyKind(seed: UInt64 = 7) throws -> Model {
        let layers: [NamedLayer] = [
            NamedLayer("c1", .conv2D(Conv2D(kernelHeight: 3, kernelWidth: 2, strideHeight: 2, strideWidth: 1,
                                            padding: .explicit(top: 1, left: 0, bottom: 2, right: 1),
                                            inChannels: 3, outChannels: 4, hasBias: true))),
            NamedLayer("bn1", .batchNorm(BatchNorm(channels: 4, epsilon: 1e-5))),
            NamedLayer("relu1", .relu(ReLU())),
            NamedLayer("max", .maxPool2D(MaxPool2D(PoolWindow(kernel: 3, stride: 2, padding: .same)))),
            NamedLayer("avg", .averagePool2D(AveragePool2D(PoolWindow(kernelHeight: 2, kernelWidth: 3, strideHeight: 1,
                                                                      strideWidth: 2,
                                                                      padding: .explicit(top: 1, left: 1, bottom: 0, right: 2))))),
            NamedLayer("c2", .conv2D(Conv2D(kernel: 1, stride: 1, padding: .valid, inChannels: 4, outChannels: 5,
                                            hasBias: false))),
            NamedLayer("gap", .globalAveragePool(GlobalAveragePool())),
            NamedLayer("fc1", .dense(Dense(inFeatures: 5, outFeatures: 6))),
            NamedLayer("fc1_relu", .relu(ReLU())),
            NamedLayer("drop", .dropout(Dropout(rate: 0.25))),
            NamedLayer("fc2", .dense(Dense(inFeatures: 6, outFeatures: 3, hasBias: false))),
            NamedLayer("softmax", .softmax(Softmax())),
        ]
        let input = InputSpec(height: 11, width: 13, channels: 3, pixelScale: 1.0 / 255,
                              mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], resize: .bilinear)
        var model = Model(input: input, labels: ["covid", "normal", "pneumonia"], layers: layers,
                          metadata: ["alpha": "1", "beta": "two", "dataset": "chest-xray-mini", "épreuve": "ü"])
        model.randomizeParameters(seed: seed)
        return model
    }

    /// Flatten, a vector batch norm, a one-unit dense and a sigmoid output.
    static func flattenSigmoid(seed: UInt64 = 3) -> Model {
        var model = Model(input: InputSpec(height: 4, width: 4, channels: 1),
                          labels: ["normal", "pneumonia"],
                          layers: [NamedLayer("flatten", .flatten(Flatten())),
                                   NamedLayer("fc", .dense(Dense(inFeatures: 16, outFeatures: 1))),
                                   NamedLayer("bn", .batchNorm(BatchNorm(channels: 1))),
                                   NamedLayer("out", .sigmoid(Sigmoid()))])
        model.randomizeParameters(seed: seed)
        return model
    }

    /// A model without any parameter tensor.
    static func parameterless() -> Model {
        Model(input: InputSpec(height: 1, width: 2, channels: 1), labels: ["a", "b"],
              layers: [NamedLayer("flatten", .flatten(Flatten())), NamedLayer("softmax", .softmax(Softmax()))])
    }
}

extension TemporaryFolder {
    /// The folder's entries, sorted (read with opendir, as the atomic writer's cleanup does).
    func entries() -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}

/// The problem a failing decode reports, or nil if it succeeded or threw something else.
func decodeProblem(_ bytes: [UInt8]) -> (ModelFileError.Problem?, Error?) {
    do {
        _ = try ModelFile.decode(bytes)
        return (nil, nil)
    } catch let e as ModelFileError {
        return (e.problem, e)
    } catch {
        return (nil, error)
    }
}
