import VGGCore

extension Conv2D {
    func prepare(_ context: LayerContext) throws -> PreparedLayer {
        let geometry = try geometry(for: context.input, layer: context.name)
        let weight = try context.tensor("weight")
        let k = kernelHeight * kernelWidth * inChannels
        let packed = weight.withUnsafeBufferPointer { PackedMatrix(rowMajor: $0, rows: k, columns: outChannels) }
        return ConvolutionKernel(g: geometry, inChannels: inChannels, outChannels: outChannels,
                                 weights: packed, bias: hasBias ? try context.tensor("bias") : nil)
    }
}

/// Convolution as im2col + GEMM, one block of output pixels at a time.
///
/// Shapes: input `H×W×Cin`, output `OH×OW×Cout`, weights `[KH·KW·Cin, Cout]` packed.
/// For a block of up to 64 output pixels, row `r` of the im2col block holds the receptive
/// field of pixel `r` in (tap row, tap column, channel) order — the same order as the HWIO
/// weight rows — with zeros where the window hangs over the padding. Blocks (over all
/// images of the batch) are spread over the threads; each writes only its own pixels.
struct ConvolutionKernel: PreparedLayer {
    static let blockPixels = 64
    let g: WindowGeometry
    let inChannels: Int, outChannels: Int
    let weights: PackedMatrix
    let bias: [Float]?

    /// A 1×1 stride-1 unpadded convolution reads the input itself as the im2col matrix.
    var isPointwise: Bool {
        g.kernelHeight == 1 && g.kernelWidth == 1 && g.strideHeight == 1 && g.strideWidth == 1
            && g.padTop == 0 && g.padLeft == 0
    }

    func forward(_ input: UnsafeBufferPointer<Float>, _ output: UnsafeMutableBufferPointer<Float>,
                 batch: Int, parallel: Parallel) {
        let pixels = g.outputHeight * g.outputWidth
        let blocksPerImage = (pixels + Self.blockPixels - 1) / Self.blockPixels
        let k = g.kernelHeight * g.kernelWidth * inChannels
        let inImage = g.inputHeight * g.inputWidth * inChannels
        let out = UnsafeSendable(output.baseAddress!), inp = UnsafeSendable(input.baseAddress!)
        let biasCopy = bias
        biasCopy.withOptionalPointer { biasPointer in
            let biasBox = UnsafeSendable(biasPointer)
            parallel.forEach(batch * blocksPerImage) { job in
                let image = job / blocksPerImage
                let first = (job % blocksPerImage) * Self.blockPixels
                let count = min(Self.blockPixels, pixels - first)
                let source = inp.value + image * inImage
                let destination = out.value + (image * pixels + first) * outChannels
                if isPointwise {
                    GEMM.multiply(a: source + first * inChannels, lda: inChannels, rows: count, b: weights,
                                  panels: 0..<weights.panels, bias: biasBox.value, c: destination, ldc: outChannels)
                    return
                }
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: count * k)
                defer { scratch.deallocate() }
                for r in 0..<count { g.gatherWindow(pixel: first + r, channels: inChannels, from: source, into: scratch + r * k) }
                GEMM.multiply(a: scratch, lda: k, rows: count, b: weights, panels: 0..<weights.panels,
                              bias: biasBox.value, c: destination, ldc: outChannels)
            }
        }
    }
}

package extension Optional where Wrapped == [Float] {
    /// Calls `body` with a pointer to the array's storage, or nil.
    func withOptionalPointer<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        switch self {
        case .none: return body(nil)
        case let .some(array): return array.withUnsafeBufferPointer { body($0.baseAddress) }
        }
    }
}
