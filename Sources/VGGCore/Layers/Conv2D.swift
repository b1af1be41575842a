/// 2-D convolution, channels-last.
///
/// Shapes: input `H×W×inChannels` → output `OH×OW×outChannels` (see `WindowGeometry`).
/// Parameters: `weight` `[kernelHeight, kernelWidth, inChannels, outChannels]` (HWIO, so the
/// output channel is the fastest-moving index and vectorizes), `bias` `[outChannels]` if any.
/// `out[y, x, o] = bias[o] + Σ_{i,j,c} in[y·s + i − padTop, x·s + j − padLeft, c] · weight[i, j, c, o]`
/// with zeros outside the input.
public struct Conv2D: LayerSettings {
    public static let kind = LayerKind.conv2D
    public var kernelHeight: Int, kernelWidth: Int
    public var strideHeight: Int, strideWidth: Int
    public var padding: Padding
    public var inChannels: Int, outChannels: Int
    public var hasBias: Bool

    public init(kernel: Int = 3, stride: Int = 1, padding: Padding = .same,
                inChannels: Int, outChannels: Int, hasBias: Bool = true) {
        self.init(kernelHeight: kernel, kernelWidth: kernel, strideHeight: stride, strideWidth: stride,
                  padding: padding, inChannels: inChannels, outChannels: outChannels, hasBias: hasBias)
    }

    public init(kernelHeight: Int, kernelWidth: Int, strideHeight: Int, strideWidth: Int,
                padding: Padding, inChannels: Int, outChannels: Int, hasBias: Bool) {
        self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight; self.strideWidth = strideWidth
        self.padding = padding
        self.inChannels = inChannels; self.outChannels = outChannels
        self.hasBias = hasBias
    }

    public func validate(layer: String) throws {
        try check(kernelHeight, in: 1...31, layer: layer, "kernelHeight")
        try check(kernelWidth, in: 1...31, layer: layer, "kernelWidth")
        try check(strideHeight, in: 1...16, layer: layer, "strideHeight")
        try check(strideWidth, in: 1...16, layer: layer, "strideWidth")
        try check(inChannels, in: 1...maximumChannels, layer: layer, "inChannels")
        try check(outChannels, in: 1...maximumChannels, layer: layer, "outChannels")
        try padding.validate(layer: layer, kernel: (kernelHeight, kernelWidth))
    }

    public func geometry(for input: ActivationShape, layer: String) throws -> WindowGeometry {
        let (h, w, c) = try requireImage(input, layer: layer, kind: Self.kind)
        guard c == inChannels else {
            throw ModelError.impossibleShape(layer: layer,
                reason: "input has \(c) channels but the convolution expects \(inChannels)")
        }
        return try WindowGeometry(layer: layer, inputHeight: h, inputWidth: w,
                                  kernel: (kernelHeight, kernelWidth),
                                  stride: (strideHeight, strideWidth), padding: padding)
    }

    public func outputShape(for input: ActivationShape, layer: String) throws -> ActivationShape {
        let g = try geometry(for: input, layer: layer)
        return .image(height: g.outputHeight, width: g.outputWidth, channels: outChannels)
    }

    public func parameters(for input: ActivationShape) -> [ParameterSlot] {
        let weight = ParameterSlot("weight", [kernelHeight, kernelWidth, inChannels, outChannels])
        return hasBias ? [weight, ParameterSlot("bias", [outChannels])] : [weight]
    }

    public func multiplyAccumulates(input: ActivationShape, output: ActivationShape) -> Int {
        output.elementCount * kernelHeight * kernelWidth * inChannels
    }

    public var summary: String {
        let k = kernelHeight == kernelWidth ? "\(kernelHeight)×\(kernelHeight)" : "\(kernelHeight)×\(kernelWidth)"
        let s = strideHeight == strideWidth ? "s\(strideHeight)" : "s\(strideHeight)×\(strideWidth)"
        return "\(k) \(s) \(padding), \(inChannels)→\(outChannels)\(hasBias ? "" : ", no bias")"
    }

    public func encode(into w: inout ByteWriter) {
        for v in [kernelHeight, kernelWidth, strideHeight, strideWidth, inChannels, outChannels] { w.u32(v) }
        padding.encode(into: &w)
        w.u8(hasBias ? 1 : 0)
    }

    public static func decode(from r: inout ByteReader, layer: String) throws -> Conv2D {
        let kh = try r.u32("\(layer).kernelHeight"), kw = try r.u32("\(layer).kernelWidth")
        let sh = try r.u32("\(layer).strideHeight"), sw = try r.u32("\(layer).strideWidth")
        let ci = try r.u32("\(layer).inChannels"), co = try r.u32("\(layer).outChannels")
        let padding = try Padding.decode(from: &r, layer: layer)
        let bias = try r.u8("\(layer).hasBias")
        guard bias <= 1 else {
            throw ModelError.invalidSetting(layer: layer, setting: "hasBias", value: "\(bias)", expected: "0 or 1")
        }
        return Conv2D(kernelHeight: kh, kernelWidth: kw, strideHeight: sh, strideWidth: sw,
                      padding: padding, inChannels: ci, outChannels: co, hasBias: bias == 1)
    }
}
