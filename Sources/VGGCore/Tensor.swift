/// How a tensor's values are stored in model.bin. In memory they are always Float.
/// Codes are part of the format; 2 and 3 are reserved for later versions.
public enum DType: Int, Sendable, CustomStringConvertible {
    case float32 = 0
    case float16 = 1
    case bfloat16 = 2
    case int8 = 3

    public var byteSize: Int {
        switch self {
        case .float32: return 4
        case .float16, .bfloat16: return 2
        case .int8: return 1
        }
    }
    public var description: String {
        switch self {
        case .float32: return "f32"
        case .float16: return "f16"
        case .bfloat16: return "bf16"
        case .int8: return "i8"
        }
    }
}

/// A named parameter tensor (weights, biases, batch-norm statistics), row-major.
public struct Tensor: Equatable, Sendable {
    public var shape: [Int]
    public var data: [Float]
    /// The dtype used when the model is written. Float16 values are rounded on write.
    public var storage: DType

    public init(shape: [Int], data: [Float], storage: DType = .float32) {
        self.shape = shape
        self.data = data
        self.storage = storage
    }

    public init(zeros shape: [Int]) {
        self.init(shape: shape, data: Array(repeating: 0, count: shape.reduce(1, *)))
    }
}
