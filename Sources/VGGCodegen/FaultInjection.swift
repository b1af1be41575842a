import VGGCore

// Deliberate code-generation bugs for the tests that prove `vggc check` catches them
// (`CodegenOptions.faults`; never set by users). They live here, outside the production
// emitters: parameter faults edit the model before generation, window faults wrap a step's
// emitter. Without faults nothing here runs and the arena reserves nothing for them.

extension Model {
    /// The model with the parameter faults applied (the window faults are `FaultyStep`'s).
    func injecting(_ faults: [CodegenOptions.Fault]) -> Model {
        var out = self
        for fault in faults {
            switch fault {
            case let .perturbWeight(layer, index, delta):
                out.tensors["\(layer).weight"]?.data[index] += delta
            case let .dropBias(layer):
                if let bias = out.tensors["\(layer).bias"] { out.tensors["\(layer).bias"]!.data = bias.data.map { _ in 0 } }
            case let .swapChannels(layer):
                out.swapOutputChannels(of: layer)
            case .wrongPadding, .unobservedShift:
                break
            }
        }
        return out
    }

    /// Swaps output channels 0 and 1 of a conv/dense layer, and of a batch norm right after
    /// it: the same as swapping them after folding, since folding is per channel.
    private mutating func swapOutputChannels(of layer: String) {
        guard let i = layers.firstIndex(where: { $0.name == layer }) else { return }
        var names = ["\(layer).weight", "\(layer).bias"]
        if i + 1 < layers.count, layers[i + 1].layer.kind == .batchNorm {
            names += ["gamma", "beta", "mean", "variance"].map { "\(layers[i + 1].name).\($0)" }
        }
        for name in names {
            guard var t = tensors[name], let outputs = t.shape.last, outputs > 1 else { continue }
            for r in 0..<(t.data.count / outputs) { t.data.swapAt(r * outputs, r * outputs + 1) }
            tensors[name] = t
        }
    }
}

/// `emitter` with the window faults for its step applied, or `emitter` itself.
func injectingFaults(_ faults: [CodegenOptions.Fault], into emitter: StepEmitter, model: Model) -> StepEmitter {
    let first = model.layers[emitter.step.layers[0]].name
    if faults.contains(.wrongPadding(layer: first)) { return FaultyStep(base: emitter, onlyUnobserved: false) }
    if faults.contains(.unobservedShift(layer: first)) { return FaultyStep(base: emitter, onlyUnobserved: true) }
    return emitter
}

/// A step whose kernel reads its window one pixel to the right (an off-by-one padding) —
/// always, or only in runs without `--dump-layers` (a fast path that differs from the one the
/// stages check). It moves the kernel's input pointer; the kernel itself is unchanged.
struct FaultyStep: StepEmitter {
    let base: StepEmitter
    let onlyUnobserved: Bool
    var step: Schedule.Step { base.step }
    var index: Int { base.index }
    var inputCopy: InputCopy? { base.inputCopy }
    var producesCopy: InputCopy.Kind? { base.producesCopy }
    var kernelInputPixel: Int { base.kernelInputPixel }
    var scratch: (floats: Int, threads: Int) { base.scratch }
    /// One pixel past the input: a float per element is enough for every buffer type.
    var overreadFloats: Int { base.kernelInputPixel }

    func packWeights(_ model: Model, into packer: inout WeightPacker) { base.packWeights(model, into: &packer) }
    func registerKernels(_ kernels: inout KernelRegistry) -> String { base.registerKernels(&kernels) }

    func emitCall(_ out: inout StepCode, kernel: String, site: CallSite) {
        var shifted = site
        let pixel = base.kernelInputPixel
        shifted.readOffset = onlyUnobserved ? " + (dump == nil ? \(pixel) : 0)" : " + \(pixel)"
        base.emitCall(&out, kernel: kernel, site: shifted)
    }
}
