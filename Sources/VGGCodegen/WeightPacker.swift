import VGGCore

/// Lays out every step's parameters in the order and shape its kernel reads them.
///
/// - Convolution: batch norm folded (`w·s`, `(b − mean)·s + β` with `s = γ/√(var+ε)`,
///   computed in Double, rounded once), then `[outBlock][kh][kw][cin][lanes]` where `lanes`
///   is the kernel's output-channel block (16 or 32), zero-padded past `cout`; bias padded
///   to whole blocks.
/// - Dense: folded likewise, then `[outBlock][in][lanes]` so each block streams contiguously.
/// Every tensor starts 64-byte aligned (16 floats), so the kernels' SIMD16 loads are aligned.
struct WeightPacker {
    private(set) var floats: [Float] = []
    /// Float offset of each packed tensor, by step index and role ("weight", "bias", …).
    private(set) var offsets: [String: Int] = [:]

    mutating func append(_ values: [Float], key: String) {
        while floats.count % 16 != 0 { floats.append(0) }
        offsets[key] = floats.count
        floats += values
    }

    /// bfloat16 weights for the bf16 kernels, from `packBlocks` output `[block][rows][lanes]`
    /// whose rows fall in groups of `rowsPerGroup` (a convolution's taps × Cin; one group of
    /// all inputs for dense): per block and group, rows paired as 32-bit words
    /// `[pair][lanes]`, row 2k in the low half and row 2k+1 in the high half (0 past an odd
    /// group's end). A kernel widens one word vector into both rows' float32 weights with a
    /// shift and a mask.
    mutating func appendBF16(_ packed: [Float], rows: Int, rowsPerGroup: Int, lanes: Int, key: String) {
        let blocks = packed.count / (rows * lanes), groups = rows / rowsPerGroup, pairs = (rowsPerGroup + 1) / 2
        var words = [Float]()
        words.reserveCapacity(blocks * groups * pairs * lanes)
        for b in 0..<blocks { for gr in 0..<groups { for p in 0..<pairs { for l in 0..<lanes {
            let row = gr * rowsPerGroup + 2 * p
            let lo = packed[(b * rows + row) * lanes + l].bf16Bits
            let hi = 2 * p + 1 < rowsPerGroup ? packed[(b * rows + row + 1) * lanes + l].bf16Bits : 0
            words.append(Float(bitPattern: UInt32(lo) | UInt32(hi) << 16))
        } } } }
        append(words, key: key)
    }

    /// bfloat16 values in their original order, two per 32-bit word (element 2k in the low
    /// half, as a little-endian UInt16 array reads them); a trailing odd element gets a zero.
    mutating func appendBF16Values(_ values: [Float], key: String) {
        let words = stride(from: 0, to: values.count, by: 2).map { i in
            Float(bitPattern: UInt32(values[i].bf16Bits) | UInt32(i + 1 < values.count ? values[i + 1].bf16Bits : 0) << 16)
        }
        append(words, key: key)
    }

    /// Little-endian bytes of the blob, for `weights.bin`.
    var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(floats.count * 4)
        for f in floats { withUnsafeBytes(of: f.bitPattern.littleEndian) { out += $0 } }
        return out
    }
}

/// Output-channel block width for a convolution: two SIMD16 vectors when the channels
/// allow, else one (keeps 14–16 accumulators live, see docs/codegen.md).
func convLanes(_ cout: Int) -> Int { cout % 32 == 0 ? 32 : 16 }

/// Output block for dense layers: up to 8 vectors (128 outputs) so a wide layer splits
/// over the threads and each block's accumulators stay in registers.
func denseLanes(_ outputs: Int) -> Int { min(8, (outputs + 15) / 16) * 16 }

/// A convolution or dense step's weight and bias in the original layout (`[…, out]`, the
/// output channel fastest), its batch norm folded in; a zero bias when the layer has none.
func foldedParameters(_ model: Model, _ step: Schedule.Step) -> (weight: [Float], bias: [Float]) {
    let layer = model.layers[step.layers[0]].name
    let (outputs, hasBias, bn): (Int, Bool, BatchNorm?)
    switch step.kind {
    case let .conv(conv, _, batchNorm): (outputs, hasBias, bn) = (conv.outChannels, conv.hasBias, batchNorm)
    case let .dense(dense, batchNorm): (outputs, hasBias, bn) = (dense.outFeatures, dense.hasBias, batchNorm)
    default: preconditionFailure("\(step.name) has no weights")
    }
    var weight = model.tensors["\(layer).weight"]!.data
    var bias = hasBias ? model.tensors["\(layer).bias"]!.data : [Float](repeating: 0, count: outputs)
    if let bn { model.foldBatchNorm(bn, named: model.layers[step.layers[1]].name, weight: &weight, bias: &bias) }
    return (weight, bias)
}

/// `[rows][outputs]` → `[outputs / lanes blocks][rows][lanes]`, zero-padded.
func packBlocks(_ weight: [Float], rows: Int, outputs: Int, lanes: Int) -> [Float] {
    let blocks = (outputs + lanes - 1) / lanes
    var out = [Float](repeating: 0, count: blocks * rows * lanes)
    for b in 0..<blocks {
        for r in 0..<rows {
            for l in 0..<lanes where b * lanes + l < outputs {
                out[(b * rows + r) * lanes + l] = weight[r * outputs + b * lanes + l]
            }
        }
    }
    return out
}

func padded(_ v: [Float], to multiple: Int) -> [Float] {
    v + [Float](repeating: 0, count: (multiple - v.count % multiple) % multiple)
}
