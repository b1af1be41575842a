import Foundation
import VGGCore

/// The walk along a graph's single activation path (see `ONNXImporter`).
struct GraphWalk {
    enum Layout: String { case nchw = "NCHW", nhwc = "NHWC" }

    /// The activation as ONNX sees it (rank and layout) and as our layers see it.
    struct Activation {
        var name: String
        var ours: ActivationShape
        /// ONNX rank: 4 for feature maps (also [N,C,1,1] after GlobalAveragePool), 2 for vectors.
        var rank: Int
        var layout: Layout
        /// A channels-first map flattened to a vector: its values are in ONNX's (c, y, x)
        /// order, ours are (y, x, c). The next dense layer absorbs the permutation.
        var pendingCHW: (h: Int, w: Int, c: Int)?
    }

    let proto: Onnx_ModelProto
    let reader: TensorReader
    let options: ImportOptions
    let opset: Int
    let nodes: [Onnx_NodeProto]
    var constants: [String: ConstantTensor] = [:]
    /// Initializers not decoded yet. Each is decoded when a node first needs it and its
    /// protobuf bytes are dropped then, so at any time a weight lives once in memory
    /// (as protobuf bytes, or as converted floats), not twice.
    var pending: [String: Onnx_TensorProto] = [:]
    /// Initializer names, and which initializers a node (possibly through folds) consumed.
    var initializers: Set<String> = []
    var usedInitializers: Set<String> = []
    /// A folded constant's initializer origin, so using the fold marks the initializer used.
    var origins: [String: Set<String>] = [:]
    /// Weights already converted and dropped; a second use is reported, not silently re-read.
    var released: Set<String> = []
    var layers: [NamedLayer] = []
    var tensors: [String: Tensor] = [:]
    var taken: Set<String> = []
    var notes: [String] = []
    var current: Activation

    init(proto original: consuming Onnx_ModelProto, reader: TensorReader, options: ImportOptions) throws {
        var proto = original
        for t in proto.graph.initializer {
            guard pending.updateValue(t, forKey: t.name) == nil else {
                throw ONNXError.badTensor(name: t.name, reason: "two initializers have this name")
            }
            initializers.insert(t.name)
            origins[t.name] = [t.name]
        }
        proto.graph.initializer = []
        self.proto = proto
        self.reader = reader
        self.options = options
        opset = try ONNXImporter.opset(of: proto)
        nodes = proto.graph.node
        current = Activation(name: "", ours: .vector(1), rank: 2, layout: .nchw, pendingCHW: nil)
        try checkWellFormed()
        try checkSupported()
        current = try inputActivation()
    }

    // MARK: - Before the walk

    /// Most outputs an operator has (the rest: 1). More is not ONNX.
    static let maximumOutputs = ["Dropout": 2, "MaxPool": 2, "BatchNormalization": 5]

    /// What `onnx.checker` and ONNX Runtime require of any graph, so vggc never imports one
    /// they refuse: every value has exactly one producer (a graph input, an initializer or
    /// one node output: static single assignment), and no node has more outputs than its
    /// operator defines.
    func checkWellFormed() throws {
        var producer: [String: String] = [:]
        for input in proto.graph.input { producer[input.name] = "graph input" }
        for name in initializers where producer[name] == nil { producer[name] = "initializer" }
        for (i, node) in nodes.enumerated() {
            let limit = Self.maximumOutputs[node.opType] ?? 1
            guard node.output.count <= limit else {
                throw ONNXError.malformedGraph("node #\(i) \(node.opType) \"\(node.name)\" has \(node.output.count) outputs; \(node.opType) has at most \(limit)")
            }
            for name in node.output where !name.isEmpty {
                if let first = producer[name] {
                    throw ONNXError.malformedGraph("value \"\(name)\" is produced twice (by \(first) and by node #\(i) \(node.opType)); "
                        + "every value of an ONNX graph has exactly one producer")
                }
                producer[name] = "node #\(i) \(node.opType)"
            }
        }
    }

    /// Lists every node the walk could not translate, so the user sees all of them at once.
    func checkSupported() throws {
        var problems: [ONNXError.NodeProblem] = []
        for (i, node) in nodes.enumerated() {
            func problem(_ reason: String) {
                problems.append(.init(index: i, opType: node.opType, name: node.name, reason: reason))
            }
            guard node.domain.isEmpty || node.domain == "ai.onnx" else { problem("operator domain \(node.domain) is not ai.onnx"); continue }
            guard ONNXImporter.supportedOps.contains(node.opType) else { problem("operator not supported by vggc"); continue }
            guard let first = node.output.first, !first.isEmpty else { problem("the node has no output"); continue }
            let a = Attributes(node)
            // Window attributes: the right counts and sane values, checked before any arithmetic.
            if ["Conv", "MaxPool", "AveragePool"].contains(node.opType) {
                let k = a.ints("kernel_shape"), st = a.ints("strides"), pads = a.ints("pads")
                if node.opType != "Conv" && k.count != 2 { problem("kernel_shape \(k) must have 2 values") }
                if !k.isEmpty && (k.count != 2 || k.contains { !(1...64).contains($0) }) { problem("kernel_shape \(k) must be 2 values in 1...64") }
                if !st.isEmpty && (st.count != 2 || st.contains { !(1...64).contains($0) }) { problem("strides \(st) must be 2 values in 1...64") }
                if !pads.isEmpty && (pads.count != 4 || pads.contains { !(0...63).contains($0) }) { problem("pads \(pads) must be 4 values in 0...63") }
                let autoPad = a.string("auto_pad", "NOTSET")
                if !["NOTSET", "", "VALID", "SAME_UPPER", "SAME_LOWER"].contains(autoPad) { problem("auto_pad \(autoPad) is not an ONNX value") }
            }
            switch node.opType {
            case "Flatten":
                if ![1, -3].contains(a.int("axis", 1)) { problem("axis \(a.int("axis", 1)) is not supported (only 1: keep the batch)") }
            case "Softmax":
                if ![1, -1].contains(a.int("axis", opset >= 13 ? -1 : 1)) { problem("axis \(a.int("axis", -1)) is not the class axis of a [batch, classes] tensor") }
            case "Transpose":
                if ![[0, 3, 1, 2], [0, 2, 3, 1], [1, 0], []].contains(a.ints("perm")) { problem("perm \(a.ints("perm")) is not NHWC↔NCHW (or a 2-D weight transpose)") }
            case "Constant":
                let forms = ["value", "value_float", "value_floats", "value_int", "value_ints"]
                if !a.byName.keys.contains(where: forms.contains) { problem("only tensor, float(s) and int(s) constants are supported") }
            case "Conv":
                if a.int("group", 1) != 1 { problem("group \(a.int("group", 1)) (grouped or depthwise convolution) is not supported") }
                if a.ints("dilations").contains(where: { $0 != 1 }) { problem("dilations \(a.ints("dilations")) are not supported (only 1)") }
            case "MaxPool", "AveragePool":
                if a.int("ceil_mode", 0) != 0 { problem("ceil_mode 1 is not supported") }
                if a.ints("dilations").contains(where: { $0 != 1 }) { problem("dilations are not supported") }
                if node.opType == "MaxPool", a.int("storage_order", 0) != 0 { problem("storage_order 1 is not supported") }
                if node.opType == "AveragePool", a.int("count_include_pad", 0) != 0,
                   a.ints("pads").contains(where: { $0 != 0 }) || ["SAME_UPPER", "SAME_LOWER"].contains(a.string("auto_pad", "NOTSET")) {
                    problem("count_include_pad 1 with padding is not supported (vggc excludes padding from the mean)")
                }
            case "BatchNormalization":
                if a.int("training_mode", 0) != 0 { problem("training_mode 1 is not supported (inference only)") }
                if a.int("spatial", 1) != 1 { problem("spatial 0 is not supported") }
            case "Gemm":
                if a.int("transA", 0) != 0 { problem("transA 1 is not supported") }
            default: break
            }
        }
        if !problems.isEmpty { throw ONNXError.unsupportedNodes(problems) }
    }

    /// The one graph input that is not an initializer, as an image activation.
    func inputActivation() throws -> Activation {
        let inputs = proto.graph.input.filter { !initializers.contains($0.name) }
        guard inputs.count == 1, let input = inputs.first else {
            throw ONNXError.graphShape(reason: "it has \(inputs.count) inputs besides its weights (\(inputs.map(\.name).joined(separator: ", "))); expected one image input")
        }
        let dims = input.type.tensorType.shape.dim.map { d -> Int? in
            if case let .dimValue(v)? = d.value, v > 0 { return Int(v) }
            return nil
        }
        let shown = input.type.tensorType.shape.dim.map { d -> String in
            switch d.value {
            case let .dimValue(v)?: return "\(v)"
            case let .dimParam(p)?: return p
            case nil: return "?"
            }
        }
        guard dims.count == 4 else {
            throw ONNXError.badInputShape(dims: shown, reason: "expected a 4-D image tensor (batch, and height, width, channels in NCHW or NHWC)")
        }
        if let n = dims[0], n != 1 {
            throw ONNXError.badInputShape(dims: shown, reason: "batch dimension \(n) must be 1 or symbolic")
        }
        // tf2onnx graphs take NHWC and transpose to NCHW first.
        let firstUse = nodes.first { $0.input.contains(input.name) }
        let layout: Layout = firstUse.map { $0.opType == "Transpose" && Attributes($0).ints("perm") == [0, 3, 1, 2] } == true ? .nhwc : .nchw
        var (h, w, c) = layout == .nchw ? (dims[2], dims[3], dims[1]) : (dims[1], dims[2], dims[3])
        if let size = options.inputSize {
            for (given, value, what) in [(h, size.height, "height"), (w, size.width, "width"), (c, size.channels, "channels")] {
                if let given, given != value {
                    throw ONNXError.badInputShape(dims: shown, reason: "--input says \(what) \(value) but the graph fixes it to \(given)")
                }
            }
            (h, w, c) = (size.height, size.width, size.channels)
        }
        guard let h, let w, let c else {
            throw ONNXError.badInputShape(dims: shown, reason: "height, width or channels are symbolic; give them with --input HxWxC")
        }
        do { try InputSpec(height: h, width: w, channels: c).validate() } catch {
            throw ONNXError.badInputShape(dims: shown, reason: "\(error)")
        }
        return Activation(name: input.name, ours: .image(height: h, width: w, channels: c), rank: 4, layout: layout, pendingCHW: nil)
    }

    // MARK: - The walk

    mutating func run() throws -> ImportResult {
        for (i, node) in nodes.enumerated() { try visit(node, index: i) }
        let outputs = proto.graph.output.map(\.name)
        guard outputs == [current.name] else {
            throw ONNXError.graphShape(reason: "the graph's outputs [\(outputs.joined(separator: ", "))] are not the end of its activation path (\(current.name))")
        }
        let unused = initializers.subtracting(usedInitializers).sorted()
        // (Constant nodes appear as "constant node NAME".)
        if !unused.isEmpty { throw ONNXError.unusedInitializers(unused) }
        if current.pendingCHW != nil {
            throw ONNXError.graphShape(reason: "the output is a flattened channels-first feature map, whose element order vggc does not keep")
        }
        var appended = false
        switch layers.last?.layer {
        case .softmax?, .sigmoid?: break
        default:
            guard options.appendSoftmax else {
                throw ONNXError.graphShape(reason: "the graph ends in logits, not Softmax or Sigmoid (allow appending a Softmax)")
            }
            // One logit is a binary classifier (BCE-with-logits): a Sigmoid, not a Softmax.
            if current.ours.elementCount == 1 {
                append("sigmoid", .sigmoid(Sigmoid()))
                notes.append("the graph ends in one logit; appended a Sigmoid so the output is P(second label)")
            } else {
                append("softmax", .softmax(Softmax()))
                notes.append("the graph ends in logits; appended a Softmax so outputs are probabilities")
            }
            appended = true
        }
        let outputs1 = current.ours.elementCount
        let classes = layers.last.map { if case .sigmoid = $0.layer, outputs1 == 1 { return 2 } else { return outputs1 } } ?? outputs1
        // A model exported by vggc carries its labels and preprocessing; options override them.
        let props = Dictionary(proto.metadataProps.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        let storedLabels = props["vggc.labels"].flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) }
        let labels = options.labels ?? (storedLabels?.count == classes ? storedLabels! : (0..<classes).map { "class\($0)" })
        let (h, w, c) = try inputDims()
        var input = InputSpec(height: h, width: w, channels: c, pixelScale: options.pixelScale ?? 1.0 / 255.0,
                              mean: options.mean, std: options.std, resize: options.resize ?? .area)
        if let stored = props["vggc.input"].flatMap({ Self.parseInput($0, h: h, w: w, c: c) }) {
            // What vggc export stored, with anything the user gave on top.
            input = stored
            if let v = options.pixelScale { input.pixelScale = v }
            if let v = options.mean { input.mean = v }
            if let v = options.std { input.std = v }
            if let v = options.resize { input.resize = v }
            notes.append("took the input preprocessing stored by vggc export")
        }
        var metadata = Metadata()
        for (key, value) in props where !key.hasPrefix("vggc.") && !key.isEmpty && key.utf8.count <= 256 && value.utf8.count <= 65_536 {
            metadata[key] = value
        }
        let producer = [proto.producerName, proto.producerVersion].filter { !$0.isEmpty }.joined(separator: " ")
        metadata["imported-from"] = "ONNX opset \(opset)\(producer.isEmpty ? "" : ", producer \(producer)")"
        let model = Model(input: input, labels: labels, layers: layers, tensors: tensors, metadata: metadata)
        try model.validate()
        return ImportResult(model: model, opset: opset, producer: producer, inputLayout: firstLayout.rawValue,
                            appendedSoftmax: appended, notes: notes)
    }

    /// Reads `ONNXExporter.inputDescription`.
    static func parseInput(_ text: String, h: Int, w: Int, c: Int) -> InputSpec? {
        let parts = text.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4, let scale = Float(parts[0]) else { return nil }
        let mean = parts[1].split(separator: ",").compactMap { Float($0) }, std = parts[2].split(separator: ",").compactMap { Float($0) }
        guard mean.count == c, std.count == c, let resize = ResizeFilter.allCases.first(where: { "\($0)" == parts[3] }) else { return nil }
        let spec = InputSpec(height: h, width: w, channels: c, pixelScale: scale, mean: mean, std: std, resize: resize)
        return (try? spec.validate()) == nil ? nil : spec
    }

    var firstLayout: Layout = .nchw
    var firstShape: ActivationShape?

    func inputDims() throws -> (Int, Int, Int) {
        guard case let .image(h, w, c)? = firstShape else { throw ONNXError.graphShape(reason: "no image input") }
        return (h, w, c)
    }

    mutating func visit(_ node: Onnx_NodeProto, index: Int) throws {
        if firstShape == nil { firstShape = current.ours; firstLayout = current.layout }
        let label = node.name.isEmpty ? "#\(index) \(node.opType)" : "\(node.opType) \(node.name)"
        if node.opType == "Constant" {
            let out = node.output[0]
            let a = Attributes(node)
            if let value = a.byName["value"], value.hasT {
                constants[out] = try reader.decode(value.t, name: out)
            } else if let f = a.byName["value_float"] {
                constants[out] = ConstantTensor(dims: [], floats: [f.f], integers: nil)
            } else if let f = a.byName["value_floats"] {
                constants[out] = ConstantTensor(dims: [f.floats.count], floats: f.floats, integers: nil)
            } else if let i = a.byName["value_int"] {
                constants[out] = ConstantTensor(dims: [], floats: [Float(i.i)], integers: [i.i])
            } else if let i = a.byName["value_ints"] {
                constants[out] = ConstantTensor(dims: [i.ints.count], floats: i.ints.map { Float($0) }, integers: i.ints)
            }
            // A token stands for the node, so a Constant nothing reads is reported like an
            // unused initializer.
            origins[out] = ["constant node \(node.name.isEmpty ? out : node.name)"]
            initializers.insert("constant node \(node.name.isEmpty ? out : node.name)")
            return
        }
        for input in node.input where released.contains(input) || !(origins[input] ?? []).isDisjoint(with: released) {
            throw ONNXError.graphShape(reason: "\(label) reuses weight \(input), already used by another layer (shared weights are not VGG)")
        }
        let dynamic = node.input.filter { !$0.isEmpty && !isConstant($0) }
        if dynamic.isEmpty {
            try fold(node, label: label)
            return
        }
        guard dynamic == [current.name], node.input.first == current.name || node.opType == "Add" else {
            for name in dynamic where name != current.name {
                if proto.graph.input.contains(where: { $0.name == name }) || nodes.contains(where: { $0.output.contains(name) }) {
                    throw ONNXError.graphShape(reason: "\(label) reads \(name), which is not the current activation (\(current.name)): branches and skip connections are not VGG")
                }
                throw ONNXError.missingTensor(name: name, node: label)
            }
            throw ONNXError.graphShape(reason: "\(label) reads the activation in an unexpected position")
        }
        // Extra outputs (MaxPool indices, Dropout mask, BN statistics) must not be used.
        for extra in node.output.dropFirst() where !extra.isEmpty {
            if nodes.contains(where: { $0.input.contains(extra) }) || proto.graph.output.contains(where: { $0.name == extra }) {
                throw ONNXError.graphShape(reason: "\(label)'s extra output \(extra) is used; only the first output can be")
            }
        }
        let name = layerName(node.name, op: node.opType, index: index, taken: &taken)
        do {
            try convert(node, name: name, label: label)
        } catch let error as ModelError {
            // Legal ONNX that vggc's layers refuse (e.g. a pad as large as the kernel).
            throw ONNXError.graphShape(reason: "\(label): \(error)")
        }
        if ["Conv", "Gemm", "MatMul", "BatchNormalization"].contains(node.opType) { release(node) }
        current.name = node.output[0]
    }

    /// A node whose inputs are all constants: evaluated now.
    mutating func fold(_ node: Onnx_NodeProto, label: String) throws {
        let inputs = node.input.filter { !$0.isEmpty }
        let origin = inputs.reduce(into: Set<String>()) { $0.formUnion(origins[$1] ?? []) }
        guard let firstName = inputs.first, let first = try lookup(firstName) else {
            throw ONNXError.graphShape(reason: "\(label) has no input")
        }
        var result: ConstantTensor
        switch node.opType {
        case "Identity": result = first
        case "Transpose":
            let perm = Attributes(node).ints("perm")
            guard first.dims.count == 2, perm.isEmpty || perm == [1, 0] else {
                throw ONNXError.unsupportedNodes([.init(index: nodes.firstIndex(of: node) ?? 0, opType: node.opType, name: node.name,
                                                        reason: "only 2-D transposes of constants are folded")])
            }
            let (r, c) = (first.dims[0], first.dims[1])
            result = ConstantTensor(dims: [c, r], floats: (0..<(r * c)).map { i in first.floats[(i % r) * c + i / r] }, integers: nil)
        case "Reshape":
            guard inputs.count == 2, let shape = try lookup(inputs[1])?.integers else { throw ONNXError.graphShape(reason: "\(label): constant reshape without a shape") }
            // ONNX: 0 copies the input's dimension (unless allowzero), one -1 is inferred.
            let allowZero = Attributes(node).int("allowzero", 0) == 1
            var dims = try shape.enumerated().map { i, d -> Int in
                guard d >= -1, d <= Int64(Int32.max) else { throw ONNXError.badTensor(name: inputs[1], reason: "shape value \(d) is invalid") }
                if d == 0 && !allowZero {
                    guard i < first.dims.count else { throw ONNXError.badTensor(name: inputs[1], reason: "0 at position \(i) has no input dimension to copy") }
                    return first.dims[i]
                }
                return Int(d)
            }
            let inferred = dims.indices.filter { dims[$0] == -1 }
            guard inferred.count <= 1 else { throw ONNXError.badTensor(name: inputs[1], reason: "shape \(shape) has more than one -1") }
            if let i = inferred.first {
                let known = checkedElementCount(dims.filter { $0 != -1 }) ?? 0
                guard known > 0, first.count % known == 0 else {
                    throw ONNXError.badTensor(name: inputs[1], reason: "shape \(shape) does not divide \(first.count) elements")
                }
                dims[i] = first.count / known
            }
            guard checkedElementCount(dims) == first.count else {
                throw ONNXError.badTensor(name: inputs[1], reason: "shape \(shape) holds a different number of elements than \(firstName) (\(first.count))")
            }
            result = first
            result.dims = dims
        default:
            throw ONNXError.unsupportedNodes([.init(index: nodes.firstIndex(of: node) ?? 0, opType: node.opType, name: node.name,
                                                    reason: "\(node.opType) of constants is not folded by vggc")])
        }
        constants[node.output[0]] = result
        origins[node.output[0]] = origin
    }

    /// The constant at input `i` of `node`, marking its initializers used.
    mutating func constant(_ node: Onnx_NodeProto, _ i: Int, label: String, what: String) throws -> ConstantTensor? {
        guard i < node.input.count, !node.input[i].isEmpty else { return nil }
        let name = node.input[i]
        guard let c = try lookup(name) else {
            throw ONNXError.missingTensor(name: name, node: label + " (\(what))")
        }
        usedInitializers.formUnion(origins[name] ?? [])
        return c
    }

    func isConstant(_ name: String) -> Bool { constants[name] != nil || pending[name] != nil || released.contains(name) }

    /// A constant by name, decoding a pending initializer on first use.
    mutating func lookup(_ name: String) throws -> ConstantTensor? {
        if let c = constants[name] { return c }
        guard let t = pending.removeValue(forKey: name) else { return nil }
        let c = try reader.decode(t, name: name)
        constants[name] = c
        return c
    }

    /// Forgets a weight once it has been converted into a layer's tensor — the value the
    /// node read and the initializers it was folded from — so it lives once in memory, and
    /// a second layer reading it is refused.
    mutating func release(_ node: Onnx_NodeProto) {
        for name in node.input.dropFirst() where !name.isEmpty {
            for origin in origins[name] ?? [] where !origin.hasPrefix("constant node ") {
                constants[origin] = nil
                released.insert(origin)
            }
            constants[name] = nil
            released.insert(name)
        }
    }

    mutating func append(_ name: String, _ layer: Layer, _ parameters: [String: (shape: [Int], data: [Float])] = [:]) {
        var layerName = name
        if taken.contains(name) && !layers.isEmpty && layers.contains(where: { $0.name == name }) {
            var n = 2
            while taken.contains("\(name)_\(n)") { n += 1 }
            layerName = "\(name)_\(n)"
        }
        taken.insert(layerName)
        layers.append(NamedLayer(layerName, layer))
        for (suffix, p) in parameters { tensors["\(layerName).\(suffix)"] = Tensor(shape: p.shape, data: p.data) }
    }
}

extension Onnx_NodeProto: Equatable {}
