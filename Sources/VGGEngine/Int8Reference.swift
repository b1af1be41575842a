import VGGCore

/// The int8 definition (Sources/VGGCore/Int8Quantization.swift) executed plainly: what
/// `vggc check` compares an int8 predictor's steps with, bit for bit, and what calibrates
/// the input scales.
///
/// Integer dot products are exact in any order, and the float steps after them (one
/// conversion, one multiply, one add) are each correctly rounded, so this plain loop and the
/// predictor's `vpdpbusd` kernel give identical floats.
extension Engine {
    /// Layer `index` (a Conv2D or Dense of the engine's model, quantized as `layer`) on one
    /// image's input to it; returns the layer's float output.
    public func int8Forward(layer index: Int, quantized layer: Int8Layer, input: [Float]) throws -> [Float] {
        let inShape = shapes[index], outShape = shapes[index + 1]
        guard input.count == inShape.elementCount else {
            throw EngineError.inputSize(expected: inShape.elementCount, got: input.count, batch: 1)
        }
        let q = input.map { Int32(Int8Quantization.quantize($0, inverseScale: layer.inverseInputScale)) }
        let w = layer.weights.map { Int32($0) }
        let outputs = layer.bias.count
        var acc = [Int32](repeating: 0, count: outShape.elementCount)
        switch model.layers[index].layer {
        case let .conv2D(conv):
            let g = try conv.geometry(for: inShape, layer: model.layers[index].name)
            let cin = conv.inChannels
            for oy in 0..<g.outputHeight { for ox in 0..<g.outputWidth {
                let out = (oy * g.outputWidth + ox) * outputs
                // Padding taps are skipped: zero padding is code 0.
                g.forEachTap(output: oy, ox) { i, j, iy, ix in
                    for c in 0..<cin {
                        let x = q[(iy * g.inputWidth + ix) * cin + c]
                        if x == 0 { continue }
                        let row = ((i * g.kernelWidth + j) * cin + c) * outputs
                        for o in 0..<outputs { acc[out + o] &+= x &* w[row + o] }
                    }
                }
            } }
        case .dense:
            for (k, x) in q.enumerated() where x != 0 {
                for o in 0..<outputs { acc[o] &+= x &* w[k * outputs + o] }
            }
        default:
            preconditionFailure("int8 quantizes Conv2D and Dense layers only")
        }
        return acc.enumerated().map { k, a in Float(a) * layer.outputScales[k % outputs] + layer.bias[k % outputs] }
    }

    /// The calibration of `--precision int8` for `model` on `inputs` (one image each): the
    /// largest value each int8 layer's input takes, computed as the predictor computes it —
    /// on the BN-folded model, for its `int8LayerIndices`. Keyed by layer name.
    public static func int8InputMaxima(model: Model, inputs: [[Float]], threads: Int = Engine.defaultThreads) throws -> [String: Float] {
        let folded = try model.foldingBatchNorms()
        return try Engine(model: folded, threads: threads).inputMaxima(layers: folded.int8LayerIndices(), inputs: inputs)
    }

    /// The largest value each layer's input takes over `inputs` (one image each), keyed by
    /// the layer's name, for `layers` only.
    public func inputMaxima(layers: [Int], inputs: [[Float]]) throws -> [String: Float] {
        var maxima = [String: Float]()
        for i in layers { maxima[model.layers[i].name] = 0 }
        for input in inputs {
            let outputs = try runCapturingLayers(input, batch: 1)
            for i in layers {
                let values = i == 0 ? input : outputs[i - 1]
                let name = model.layers[i].name
                maxima[name] = values.reduce(maxima[name]!) { $1 > $0 ? $1 : $0 }  // NaN never wins
            }
        }
        return maxima
    }
}
