import VGGCore

/// Conversions between in-memory Float tensors and their stored little-endian bytes.
enum TensorCoding {
    /// Whether format v1 can store `dtype` (bf16 and int8 codes are reserved).
    static func isSupported(_ dtype: DType) -> Bool { dtype == .float32 || dtype == .float16 }

    /// Writes `data` as `dtype` into `out`, which holds exactly `data.count × dtype.byteSize`
    /// bytes. Float16 rounds to nearest even (Swift's conversion), overflowing to ±infinity.
    static func store(_ data: [Float], as dtype: DType, into out: UnsafeMutableRawBufferPointer) {
        precondition(out.count == data.count * dtype.byteSize)
        switch dtype {
        case .float32:
            #if _endian(little)
            data.withUnsafeBytes { out.copyMemory(from: $0) }
            #else
            for (i, v) in data.enumerated() {
                out.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
            }
            #endif
        case .float16:
            for (i, v) in data.enumerated() {
                out.storeBytes(of: Float16(v).bitPattern.littleEndian, toByteOffset: 2 * i, as: UInt16.self)
            }
        case .bfloat16, .int8:
            preconditionFailure("dtype \(dtype) is rejected before storing")
        }
    }

    /// Reads `count` values of `dtype` from `bytes` (any alignment) as Floats.
    static func load(_ bytes: UnsafeRawBufferPointer, as dtype: DType, count: Int) -> [Float] {
        precondition(bytes.count == count * dtype.byteSize)
        switch dtype {
        case .float32:
            return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                #if _endian(little)
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: bytes)
                #else
                for i in 0..<count {
                    buffer[i] = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                }
                #endif
                initialized = count
            }
        case .float16:
            return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                for i in 0..<count {
                    let bits = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                    buffer[i] = Float(Float16(bitPattern: bits))
                }
                initialized = count
            }
        case .bfloat16, .int8:
            preconditionFailure("dtype \(dtype) is rejected before loading")
        }
    }
}
