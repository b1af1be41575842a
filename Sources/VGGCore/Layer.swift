/// The layer kinds of format v1, by their on-disk code. Codes are never reused; a new kind
/// gets a new code and a minor format note (see docs/model-format.md).
public enum LayerKind: Int, CaseIterable, Sendable, CustomStringConvertible {
    case conv2D = 1, batchNorm = 2, relu = 3, maxPool2D = 4, averagePool2D = 5
    case globalAveragePool = 6, flatten = 7, dense = 8, dropout = 9, softmax = 10, sigmoid = 11

    public var description: String {
        switch self {
        case .conv2D: return "Conv2D"
        case .batchNorm: return "BatchNorm"
        case .relu: return "ReLU"
        case .maxPool2D: return "MaxPool2D"
        case .averagePool2D: return "AveragePool2D"
        case .globalAveragePool: return "GlobalAveragePool"
        case .flatten: return "Flatten"
        case .dense: return "Dense"
        case .dropout: return "Dropout"
        case .softmax: return "Softmax"
        case .sigmoid: return "Sigmoid"
        }
    }
}

/// A parameter tensor a layer needs: its name suffix (`weight`, `bias`, …) and shape.
public struct ParameterSlot: Equatable, Sendable {
    public var suffix: String
    public var shape: [Int]
    public init(_ suffix: String, _ shape: [Int]) { self.suffix = suffix; self.shape = shape }
}

/// What every layer kind provides, in the same order in every file: its settings (the
/// conforming struct), checks of those settings, its output shape, the parameters it reads,
/// its cost, and its binary record. The engine adds `interpret`, the code generator `emit`.
public protocol LayerSettings: Equatable, Sendable {
    static var kind: LayerKind { get }
    /// Checks settings that do not depend on the input (ranges, oddness, …).
    func validate(layer: String) throws
    /// The output shape for `input`, or an `impossibleShape` error naming the layer.
    func outputShape(for input: ActivationShape, layer: String) throws -> ActivationShape
    /// The parameter tensors this layer reads, in file order.
    func parameters(for input: ActivationShape) -> [ParameterSlot]
    /// Multiply-accumulates per image (conv and dense; 0 for the rest).
    func multiplyAccumulates(input: ActivationShape, output: ActivationShape) -> Int
    /// A short human summary of the settings, e.g. `3×3 s1 same, 64→128`.
    var summary: String { get }
    func encode(into w: inout ByteWriter)
    static func decode(from r: inout ByteReader, layer: String) throws -> Self
}

public extension LayerSettings {
    func validate(layer: String) throws {}
    func parameters(for input: ActivationShape) -> [ParameterSlot] { [] }
    func multiplyAccumulates(input: ActivationShape, output: ActivationShape) -> Int { 0 }
    var summary: String { "" }
    func encode(into w: inout ByteWriter) {}
}

/// One layer of a sequential network.
public enum Layer: Equatable, Sendable {
    case conv2D(Conv2D)
    case batchNorm(BatchNorm)
    case relu(ReLU)
    case maxPool2D(MaxPool2D)
    case averagePool2D(AveragePool2D)
    case globalAveragePool(GlobalAveragePool)
    case flatten(Flatten)
    case dense(Dense)
    case dropout(Dropout)
    case softmax(Softmax)
    case sigmoid(Sigmoid)

    /// The settings behind the case, for the protocol's uniform steps.
    public var settings: any LayerSettings {
        switch self {
        case let .conv2D(s): return s
        case let .batchNorm(s): return s
        case let .relu(s): return s
        case let .maxPool2D(s): return s
        case let .averagePool2D(s): return s
        case let .globalAveragePool(s): return s
        case let .flatten(s): return s
        case let .dense(s): return s
        case let .dropout(s): return s
        case let .softmax(s): return s
        case let .sigmoid(s): return s
        }
    }

    public var kind: LayerKind { type(of: settings).kind }

    /// Decodes the settings record of a layer of `kind`.
    public static func decode(kind: LayerKind, from r: inout ByteReader, layer: String) throws -> Layer {
        switch kind {
        case .conv2D: return .conv2D(try .decode(from: &r, layer: layer))
        case .batchNorm: return .batchNorm(try .decode(from: &r, layer: layer))
        case .relu: return .relu(try .decode(from: &r, layer: layer))
        case .maxPool2D: return .maxPool2D(try .decode(from: &r, layer: layer))
        case .averagePool2D: return .averagePool2D(try .decode(from: &r, layer: layer))
        case .globalAveragePool: return .globalAveragePool(try .decode(from: &r, layer: layer))
        case .flatten: return .flatten(try .decode(from: &r, layer: layer))
        case .dense: return .dense(try .decode(from: &r, layer: layer))
        case .dropout: return .dropout(try .decode(from: &r, layer: layer))
        case .softmax: return .softmax(try .decode(from: &r, layer: layer))
        case .sigmoid: return .sigmoid(try .decode(from: &r, layer: layer))
        }
    }
}

/// A layer with the name that its parameters (`<name>.weight`) and its dumped output use.
public struct NamedLayer: Equatable, Sendable {
    public var name: String
    public var layer: Layer
    public init(_ name: String, _ layer: Layer) { self.name = name; self.layer = layer }
}

/// Checks a 1...limit integer setting.
func check(_ value: Int, in range: ClosedRange<Int>, layer: String, _ setting: String) throws {
    guard range.contains(value) else {
        throw ModelError.invalidSetting(layer: layer, setting: setting, value: "\(value)",
                                        expected: "\(range.lowerBound)...\(range.upperBound)")
    }
}

/// Requires a spatial input; layers that slide windows or pool call it first.
func requireImage(_ input: ActivationShape, layer: String, kind: LayerKind) throws -> (Int, Int, Int) {
    guard case let .image(h, w, c) = input else {
        throw ModelError.impossibleShape(layer: layer,
            reason: "\(kind) needs an image (height×width×channels) input but gets a flat vector of \(input.elementCount)")
    }
    return (h, w, c)
}

/// Requires a flat input; dense and output layers call it first.
func requireVector(_ input: ActivationShape, layer: String, kind: LayerKind) throws -> Int {
    guard case let .vector(n) = input else {
        throw ModelError.impossibleShape(layer: layer,
            reason: "\(kind) needs a flat vector but gets an image \(input); add a Flatten or GlobalAveragePool layer")
    }
    return n
}

/// Largest channel or feature count a setting may claim (keeps products far from overflow).
let maximumChannels = 1 << 20
