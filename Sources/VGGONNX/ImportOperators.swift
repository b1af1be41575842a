import VGGCore

/// Reads a node's attributes with ONNX's defaults.
struct Attributes {
    let byName: [String: Onnx_AttributeProto]
    init(_ node: Onnx_NodeProto) { byName = Dictionary(node.attribute.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a }) }
    func int(_ name: String, _ fallback: Int) -> Int { byName[name].map { Int($0.i) } ?? fallback }
    func float(_ name: String, _ fallback: Float) -> Float { byName[name].map { $0.f } ?? fallback }
    func ints(_ name: String) -> [Int] { byName[name].map { $0.ints.map { Int($0) } } ?? [] }
    func string(_ name: String, _ fallback: String) -> String { byName[name].map { String(decoding: $0.s, as: UTF8.self) } ?? fallback }
}

/// One translation per supported operator, each checking the activation it receives.
extension GraphWalk {
    mutating func convert(_ node: Onnx_NodeProto, name: String, label: String) throws {
        let a = Attributes(node)
        switch node.opType {
        case "Identity": return
        case "Transpose": try transpose(a.ints("perm"), label: label)
        case "Conv": try conv(node, a, name: name, label: label)
        case "MaxPool", "AveragePool": try pool(node, a, name: name, label: label)
        case "GlobalAveragePool":
            let (_, _, c) = try image(label)
            append(name, .globalAveragePool(GlobalAveragePool()))
            current.ours = .vector(c)   // ONNX keeps [N, C, 1, 1]; a following Flatten is then a no-op
        case "BatchNormalization": try batchNorm(node, a, name: name, label: label)
        case "Relu": append(name, .relu(ReLU()))
        case "Dropout":
            var rate = a.float("ratio", 0.5)
            if let r = try constant(node, 1, label: label, what: "ratio") { rate = r.floats.first ?? rate }
            if let t = try constant(node, 2, label: label, what: "training_mode"), t.floats.first ?? 0 != 0 {
                throw ONNXError.graphShape(reason: "\(label) is in training mode")
            }
            append(name, .dropout(Dropout(rate: min(max(rate, 0), 0.99))))
        case "Flatten":
            let axis = a.int("axis", 1)
            guard axis == 1 || (axis == -3 && current.rank == 4) else {
                throw ONNXError.graphShape(reason: "\(label) flattens from axis \(axis); only axis 1 (keep the batch) is supported")
            }
            flatten(name: name)
        case "Reshape":
            guard let shape = try constant(node, 1, label: label, what: "shape")?.integers else {
                throw ONNXError.graphShape(reason: "\(label) has no constant shape")
            }
            let n = current.ours.elementCount
            // ONNX allows at most one -1 (onnx.checker and ONNX Runtime refuse [-1, -1]).
            let ok = shape.count == 2 && [-1, 0, 1].contains(shape[0]) && (shape[1] == -1 || shape[1] == Int64(n))
                && shape.filter({ $0 == -1 }).count <= 1
            guard ok else {
                throw ONNXError.graphShape(reason: "\(label) reshapes to \(shape); only a flatten to [batch, \(n)] is supported")
            }
            flatten(name: name)
        case "Gemm":
            let alpha = a.float("alpha", 1), beta = a.float("beta", 1)
            guard let b = try constant(node, 1, label: label, what: "B") else { throw ONNXError.missingTensor(name: "B", node: label) }
            try dense(b, transposed: a.int("transB", 0) == 1, alpha: alpha, bias: try constant(node, 2, label: label, what: "C"),
                      beta: beta, name: name, label: label)
        case "MatMul":
            guard let b = try constant(node, 1, label: label, what: "B") else { throw ONNXError.missingTensor(name: "B", node: label) }
            try dense(b, transposed: false, alpha: 1, bias: nil, beta: 1, name: name, label: label)
        case "Add":
            // tf2onnx writes dense layers as MatMul then Add of the bias.
            let other = node.input.first { $0 != current.name } ?? ""
            guard let bias = try constant(node, node.input.firstIndex(of: other) ?? 1, label: label, what: "bias"),
                  let last = layers.last, case let .dense(d) = last.layer, !d.hasBias,
                  bias.dims == [d.outFeatures] || bias.dims == [1, d.outFeatures] else {
                throw ONNXError.graphShape(reason: "\(label) is not the bias of a preceding MatMul (only that Add is supported)")
            }
            layers[layers.count - 1].layer = .dense(Dense(inFeatures: d.inFeatures, outFeatures: d.outFeatures, hasBias: true))
            tensors["\(last.name).bias"] = Tensor(shape: [d.outFeatures], data: bias.floats)
            notes.append("folded \(label) into \(last.name) as its bias")
        case "Softmax", "Sigmoid":
            // Only on [batch, classes]: ONNX's axis semantics on a 4-D tensor (even [N, C, 1, 1]
            // after GlobalAveragePool) differ from a class softmax.
            guard case .vector = current.ours, current.rank == 2 else {
                throw ONNXError.graphShape(reason: "\(label) is applied to a \(current.rank)-D tensor; vggc applies it to [batch, classes] only (add a Flatten)")
            }
            let axis = a.int("axis", opset >= 13 ? -1 : 1)
            guard node.opType == "Sigmoid" || axis == 1 || axis == -1 else {
                throw ONNXError.graphShape(reason: "\(label) has axis \(axis); only the class axis (1 or -1) is supported")
            }
            if current.pendingCHW.map({ $0.h * $0.w > 1 }) == true {
                throw ONNXError.graphShape(reason: "\(label) runs on a flattened channels-first map; vggc keeps channels-last order")
            }
            current.pendingCHW = nil
            append(name, node.opType == "Softmax" ? .softmax(Softmax()) : .sigmoid(Sigmoid()))
        default:
            throw ONNXError.graphShape(reason: "\(label): operator not handled")
        }
    }

    func image(_ label: String) throws -> (Int, Int, Int) {
        guard case let .image(h, w, c) = current.ours, current.rank == 4 else {
            throw ONNXError.graphShape(reason: "\(label) needs a feature map but gets a vector of \(current.ours.elementCount)")
        }
        guard current.layout == .nchw else {
            throw ONNXError.graphShape(reason: "\(label) runs on an NHWC tensor; ONNX operators expect NCHW (a Transpose is missing)")
        }
        return (h, w, c)
    }

    mutating func transpose(_ perm: [Int], label: String) throws {
        guard current.rank == 4 else { throw ONNXError.graphShape(reason: "\(label) transposes a vector") }
        switch (current.layout, perm) {
        case (.nhwc, [0, 3, 1, 2]): current.layout = .nchw
        case (.nchw, [0, 2, 3, 1]): current.layout = .nhwc
        default: throw ONNXError.graphShape(reason: "\(label) has perm \(perm) on an \(current.layout.rawValue) tensor; only NHWC↔NCHW is supported")
        }
    }

    mutating func flatten(name: String) {
        guard current.rank == 4 else { return }
        current.rank = 2
        guard case let .image(h, w, c) = current.ours else { return }   // after GlobalAveragePool: already a vector
        append(name, .flatten(Flatten()))
        current.ours = .vector(h * w * c)
        current.pendingCHW = current.layout == .nchw && h * w > 1 ? (h, w, c) : nil
    }

    /// Window padding from ONNX's `auto_pad` / `pads` ([top, left, bottom, right]).
    func padding(_ a: Attributes, label: String) throws -> Padding {
        switch a.string("auto_pad", "NOTSET") {
        case "VALID": return .valid
        case "SAME_UPPER": return .same
        case "SAME_LOWER": return .same   // differs only for odd total padding; checked by the caller
        case "NOTSET", "":
            let p = a.ints("pads")
            guard !p.isEmpty else { return .valid }
            guard p.count == 4, p.allSatisfy({ $0 >= 0 }) else { throw ONNXError.graphShape(reason: "\(label) has pads \(p); expected 4 values ≥ 0") }
            return p.allSatisfy({ $0 == 0 }) ? .valid : .explicit(top: p[0], left: p[1], bottom: p[2], right: p[3])
        case let other: throw ONNXError.graphShape(reason: "\(label) has auto_pad \(other)")
        }
    }

    /// SAME_LOWER puts the extra pixel first; ours (and SAME_UPPER) last. Rewritten as
    /// explicit pads for the actual geometry.
    func resolveSameLower(_ a: Attributes, input: (Int, Int), kernel: (Int, Int), stride: (Int, Int)) -> Padding? {
        guard a.string("auto_pad", "NOTSET") == "SAME_LOWER" else { return nil }
        func axis(_ size: Int, _ k: Int, _ s: Int) -> (Int, Int) {
            let out = (size + s - 1) / s, total = max((out - 1) * s + k - size, 0)
            return (total - total / 2, total / 2)
        }
        let (t, b) = axis(input.0, kernel.0, stride.0), (l, r) = axis(input.1, kernel.1, stride.1)
        return .explicit(top: t, left: l, bottom: b, right: r)
    }

    mutating func conv(_ node: Onnx_NodeProto, _ a: Attributes, name: String, label: String) throws {
        let (h, w, c) = try image(label)
        guard let weight = try constant(node, 1, label: label, what: "W"), weight.dims.count == 4 else {
            throw ONNXError.graphShape(reason: "\(label) needs a constant 4-D weight [out, in, kh, kw]")
        }
        let (o, i, kh, kw) = (weight.dims[0], weight.dims[1], weight.dims[2], weight.dims[3])
        guard checkedElementCount(weight.dims) == weight.count, o > 0, (1...31).contains(kh), (1...31).contains(kw) else {
            throw ONNXError.badTensor(name: node.input[1], reason: "dims \(weight.dims) do not describe a 1…31-pixel kernel over its \(weight.count) values")
        }
        guard i == c else { throw ONNXError.badTensor(name: node.input[1], reason: "has \(i) input channels but the activation has \(c)") }
        let strides = a.ints("strides").isEmpty ? [1, 1] : a.ints("strides")
        guard strides.count == 2 else { throw ONNXError.graphShape(reason: "\(label) is not a 2-D convolution") }
        try Conv2D(kernelHeight: kh, kernelWidth: kw, strideHeight: strides[0], strideWidth: strides[1], padding: .valid,
                   inChannels: i, outChannels: o, hasBias: false).validate(layer: name)
        if let k = Optional(a.ints("kernel_shape")), !k.isEmpty, k != [kh, kw] {
            throw ONNXError.graphShape(reason: "\(label) has kernel_shape \(k) but its weight is \(kh)×\(kw)")
        }
        let pad = try resolveSameLower(a, input: (h, w), kernel: (kh, kw), stride: (strides[0], strides[1])) ?? padding(a, label: label)
        // OIHW → HWIO: element (o, i, y, x) goes to ((y·kw + x)·in + i)·out + o.
        var hwio = [Float](repeating: 0, count: weight.count)
        for oo in 0..<o { for ii in 0..<i { for y in 0..<kh { for x in 0..<kw {
            hwio[((y * kw + x) * i + ii) * o + oo] = weight.floats[((oo * i + ii) * kh + y) * kw + x]
        } } } }
        var parameters: [String: (shape: [Int], data: [Float])] = ["weight": ([kh, kw, i, o], hwio)]
        let bias = try constant(node, 2, label: label, what: "B")
        if let bias {
            guard bias.count == o else { throw ONNXError.badTensor(name: node.input[2], reason: "has \(bias.count) values for \(o) output channels") }
            parameters["bias"] = ([o], bias.floats)
        }
        let settings = Conv2D(kernelHeight: kh, kernelWidth: kw, strideHeight: strides[0], strideWidth: strides[1],
                              padding: pad, inChannels: i, outChannels: o, hasBias: bias != nil)
        current.ours = try settings.outputShape(for: current.ours, layer: name)
        append(name, .conv2D(settings), parameters)
    }

    mutating func pool(_ node: Onnx_NodeProto, _ a: Attributes, name: String, label: String) throws {
        let (h, w, _) = try image(label)
        let k = a.ints("kernel_shape")
        guard k.count == 2 else { throw ONNXError.graphShape(reason: "\(label) needs a 2-D kernel_shape") }
        let s = a.ints("strides").isEmpty ? [1, 1] : a.ints("strides")
        try PoolWindow(kernelHeight: k[0], kernelWidth: k[1], strideHeight: s[0], strideWidth: s[1], padding: .valid).validate(layer: name)
        let pad = try resolveSameLower(a, input: (h, w), kernel: (k[0], k[1]), stride: (s[0], s[1])) ?? padding(a, label: label)
        let window = PoolWindow(kernelHeight: k[0], kernelWidth: k[1], strideHeight: s[0], strideWidth: s[1], padding: pad)
        try window.validate(layer: name)
        let layer: Layer = node.opType == "MaxPool" ? .maxPool2D(MaxPool2D(window)) : .averagePool2D(AveragePool2D(window))
        current.ours = try layer.settings.outputShape(for: current.ours, layer: name)
        append(name, layer)
    }

    mutating func batchNorm(_ node: Onnx_NodeProto, _ a: Attributes, name: String, label: String) throws {
        let channels = current.rank == 4 ? current.ours.channels : current.ours.elementCount
        if current.rank == 4 { _ = try image(label) }
        guard current.pendingCHW == nil else {
            throw ONNXError.graphShape(reason: "\(label) normalizes a flattened channels-first map; not supported")
        }
        var parameters: [String: (shape: [Int], data: [Float])] = [:]
        for (i, suffix) in [(1, "gamma"), (2, "beta"), (3, "mean"), (4, "variance")] {
            guard let t = try constant(node, i, label: label, what: suffix), t.count == channels else {
                throw ONNXError.graphShape(reason: "\(label) needs constant \(suffix) of \(channels) values")
            }
            parameters[suffix] = ([channels], t.floats)
        }
        append(name, .batchNorm(BatchNorm(channels: channels, epsilon: a.float("epsilon", 1e-5))), parameters)
    }

    /// Gemm or MatMul: our weight is `[in, out]`. A pending channels-first flatten permutes
    /// its rows: ONNX row (c·H + y)·W + x becomes our row (y·W + x)·C + c.
    mutating func dense(_ b: ConstantTensor, transposed: Bool, alpha: Float, bias: ConstantTensor?, beta: Float,
                        name: String, label: String) throws {
        guard case let .vector(n) = current.ours, current.rank == 2 else {
            throw ONNXError.graphShape(reason: "\(label) needs a flat vector; add a Flatten before it")
        }
        guard b.dims.count == 2, checkedElementCount(b.dims) == b.count, b.count > 0 else {
            throw ONNXError.graphShape(reason: "\(label) needs a 2-D weight, got dims \(b.dims) over \(b.count) values")
        }
        let (rows, cols) = transposed ? (b.dims[1], b.dims[0]) : (b.dims[0], b.dims[1])
        guard rows == n else { throw ONNXError.graphShape(reason: "\(label) takes \(rows) inputs but the activation has \(n)") }
        var weight = [Float](repeating: 0, count: rows * cols)
        for r in 0..<rows {
            let ours: Int
            if let p = current.pendingCHW {
                let ch = r / (p.h * p.w), y = (r / p.w) % p.h, x = r % p.w
                ours = (y * p.w + x) * p.c + ch
            } else {
                ours = r
            }
            for o in 0..<cols { weight[ours * cols + o] = alpha * (transposed ? b.floats[o * rows + r] : b.floats[r * cols + o]) }
        }
        if current.pendingCHW != nil { notes.append("permuted the rows of \(name) from channels-first to channels-last order") }
        current.pendingCHW = nil
        var parameters: [String: (shape: [Int], data: [Float])] = ["weight": ([rows, cols], weight)]
        if let bias, beta != 0 {
            guard bias.count == cols || bias.count == 1 else {
                throw ONNXError.graphShape(reason: "\(label)'s bias has \(bias.count) values for \(cols) outputs")
            }
            parameters["bias"] = ([cols], (0..<cols).map { beta * bias.floats[bias.count == 1 ? 0 : $0] })
        }
        current.ours = .vector(cols)
        append(name, .dense(Dense(inFeatures: rows, outFeatures: cols, hasBias: parameters["bias"] != nil)), parameters)
    }
}
