import Foundation
import SwiftProtobuf
import VGGCore

/// `Model` → a standard ONNX graph (opset 13) that ONNX Runtime runs, so users can
/// cross-check our models with any ONNX tool.
///
/// The graph takes the image as we do, NHWC `[1, H, W, C]`, and transposes it to NCHW for
/// ONNX's operators (as tf2onnx does for Keras models); before a Flatten it transposes
/// back, so the flattened order — and therefore every dense weight — is exactly ours.
/// Padding is always written as explicit `pads` resolved for the actual sizes. Dropout is
/// left out (identity at inference). Labels and the input preprocessing travel in
/// `metadata_props` (`vggc.labels`, `vggc.input`), which `ONNXImporter` reads back.
public enum ONNXExporter {
    public static let opset: Int64 = 13

    public static func export(_ model: Model) throws -> Data {
        let shapes = try model.validate()
        var graph = Onnx_GraphProto()
        graph.name = "vggc"
        let spec = model.input
        graph.input = [valueInfo("input", [1, spec.height, spec.width, spec.channels])]
        var current = "input"
        var serial = 0
        func node(_ op: String, _ name: String, _ inputs: [String], _ attributes: [Onnx_AttributeProto] = []) -> String {
            serial += 1
            var n = Onnx_NodeProto()
            n.opType = op
            n.name = name
            n.input = inputs
            n.output = ["\(name):out\(serial)"]
            n.attribute = attributes
            graph.node.append(n)
            return n.output[0]
        }
        func initializer(_ name: String, _ dims: [Int], _ values: [Float]) -> String {
            var t = Onnx_TensorProto()
            t.name = name
            t.dims = dims.map { Int64($0) }
            t.dataType = 1
            var raw = Data(capacity: values.count * 4)
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { raw.append(contentsOf: $0) } }
            t.rawData = raw
            graph.initializer.append(t)
            return name
        }
        func tensor(_ layer: String, _ suffix: String) -> [Float] { model.tensors["\(layer).\(suffix)"]!.data }

        current = node("Transpose", "input_to_nchw", [current], [ints("perm", [0, 3, 1, 2])])
        var nchw = true
        for (i, named) in model.layers.enumerated() {
            let name = named.name, input = shapes[i]
            switch named.layer {
            case let .conv2D(s):
                let g = try s.geometry(for: input, layer: name)
                let (kh, kw, ci, co) = (s.kernelHeight, s.kernelWidth, s.inChannels, s.outChannels)
                let hwio = tensor(name, "weight")
                var oihw = [Float](repeating: 0, count: hwio.count)
                for o in 0..<co { for c in 0..<ci { for y in 0..<kh { for x in 0..<kw {
                    oihw[((o * ci + c) * kh + y) * kw + x] = hwio[((y * kw + x) * ci + c) * co + o]
                } } } }
                var inputs = [current, initializer("\(name).weight", [co, ci, kh, kw], oihw)]
                if s.hasBias { inputs.append(initializer("\(name).bias", [co], tensor(name, "bias"))) }
                current = node("Conv", name, inputs, [ints("kernel_shape", [kh, kw]), ints("strides", [s.strideHeight, s.strideWidth]),
                                                      ints("pads", [g.padTop, g.padLeft, g.padBottom, g.padRight])])
            case let .batchNorm(s):
                let inputs = [current] + ["gamma", "beta", "mean", "variance"].map { initializer("\(name).\($0)", [s.channels], tensor(name, $0)) }
                current = node("BatchNormalization", name, inputs, [float("epsilon", s.epsilon)])
            case .relu: current = node("Relu", name, [current])
            case .maxPool2D, .averagePool2D:
                let w: PoolWindow
                switch named.layer {
                case let .maxPool2D(p): w = p.window
                case let .averagePool2D(p): w = p.window
                default: continue
                }
                let g = try w.geometry(for: input, layer: name, kind: named.layer.kind)
                var attributes = [ints("kernel_shape", [w.kernelHeight, w.kernelWidth]), ints("strides", [w.strideHeight, w.strideWidth]),
                                  ints("pads", [g.padTop, g.padLeft, g.padBottom, g.padRight])]
                if case .averagePool2D = named.layer { attributes.append(int("count_include_pad", 0)) }
                current = node(named.layer.kind == .maxPool2D ? "MaxPool" : "AveragePool", name, [current], attributes)
            case .globalAveragePool:
                current = node("GlobalAveragePool", name, [current])
                current = node("Flatten", "\(name)_flatten", [current], [int("axis", 1)])
                nchw = false
            case .flatten:
                if case .image = input {
                    if nchw { current = node("Transpose", "\(name)_to_nhwc", [current], [ints("perm", [0, 2, 3, 1])]) }
                    current = node("Flatten", name, [current], [int("axis", 1)])
                }
                nchw = false
            case let .dense(s):
                var inputs = [current, initializer("\(name).weight", [s.inFeatures, s.outFeatures], tensor(name, "weight"))]
                if s.hasBias { inputs.append(initializer("\(name).bias", [s.outFeatures], tensor(name, "bias"))) }
                current = node("Gemm", name, inputs)
            case .dropout: continue
            case .softmax: current = node("Softmax", name, [current], [int("axis", -1)])
            case .sigmoid: current = node("Sigmoid", name, [current])
            }
        }
        graph.node[graph.node.count - 1].output = ["output"]
        graph.output = [valueInfo("output", [1, shapes.last!.elementCount])]

        var proto = Onnx_ModelProto()
        proto.irVersion = 7
        proto.producerName = "vggc"
        proto.producerVersion = ToolchainVersion.string
        var op = Onnx_OperatorSetIdProto()
        op.domain = ""
        op.version = opset
        proto.opsetImport = [op]
        proto.graph = graph
        var props = model.metadata.map { entry($0.key, $0.value) }
        props.append(entry("vggc.labels", String(decoding: try JSONEncoder().encode(model.labels), as: UTF8.self)))
        props.append(entry("vggc.input", inputDescription(spec)))
        proto.metadataProps = props
        return try proto.serializedBytes()
    }

    /// `pixelScale;mean,…;std,…;resize` — read back by the importer.
    static func inputDescription(_ s: InputSpec) -> String {
        "\(s.pixelScale);\(s.mean.map { "\($0)" }.joined(separator: ","));\(s.std.map { "\($0)" }.joined(separator: ","));\(s.resize)"
    }

    static func valueInfo(_ name: String, _ dims: [Int]) -> Onnx_ValueInfoProto {
        var v = Onnx_ValueInfoProto()
        v.name = name
        var t = Onnx_TypeProto.Tensor()
        t.elemType = 1
        t.shape.dim = dims.map { d in var x = Onnx_TensorShapeProto.Dimension(); x.dimValue = Int64(d); return x }
        v.type.tensorType = t
        return v
    }

    static func entry(_ key: String, _ value: String) -> Onnx_StringStringEntryProto {
        var e = Onnx_StringStringEntryProto()
        e.key = key
        e.value = value
        return e
    }
    static func ints(_ name: String, _ values: [Int]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto(); a.name = name; a.type = .ints; a.ints = values.map { Int64($0) }; return a
    }
    static func int(_ name: String, _ value: Int) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto(); a.name = name; a.type = .int; a.i = Int64(value); return a
    }
    static func float(_ name: String, _ value: Float) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto(); a.name = name; a.type = .float; a.f = value; return a
    }
}
