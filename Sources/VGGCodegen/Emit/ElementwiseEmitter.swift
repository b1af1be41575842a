import VGGCore

/// Emits the steps that touch each value once: stand-alone batch norm and ReLU, global
/// average pooling, softmax and sigmoid. They copy the engine's expressions literally, so
/// most of them agree with it bit for bit.
enum ElementwiseEmitter {
    /// Batch norm as the engine writes it: `(x − mean) · invStd · γ + β`, with `invStd`
    /// computed at generation time by the same Float expression the engine uses.
    /// Parameters are packed `[mean | invStd | gamma | beta]`.
    static func batchNorm(_ w: inout SourceWriter, name: String, rows: Int, width: Int, channels c: Int, output: Storage) {
        w.line("@inline(never)")
        w.block("func \(name)(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ p: UnsafePointer<Float>)") { w in
            w.block("for r in 0..<\(rows)") { w in
                w.block("for px in 0..<\(width)") { w in
                    w.line("let src = x + (r * \(width) + px) * \(c), dst = y + \(output.origin) + r * \(output.rowStride) + px * \(c)")
                    w.line("for k in 0..<\(c) { dst[k] = (src[k] - p[k]) * p[\(c) + k] * p[\(2 * c) + k] + p[\(3 * c) + k] }")
                }
            }
        }
    }

    static func relu(_ w: inout SourceWriter, name: String, rows: Int, width: Int, channels c: Int, output: Storage) {
        w.line("@inline(never)")
        w.block("func \(name)(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>)") { w in
            w.block("for r in 0..<\(rows)") { w in
                w.line("let src = x + r * \(width * c), dst = y + \(output.origin) + r * \(output.rowStride)")
                w.line("for k in 0..<\(width * c) { let v = src[k]; dst[k] = v < 0 ? 0 : v }")
            }
        }
    }

    static func globalAveragePool(_ w: inout SourceWriter, name: String, pixels: Int, channels c: Int) {
        w.line("@inline(never)")
        w.block("func \(name)(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>)") { w in
            w.line("for k in 0..<\(c) { y[k] = 0 }")
            w.line("for p in 0..<\(pixels) { for k in 0..<\(c) { y[k] += x[p * \(c) + k] } }")
            w.line("for k in 0..<\(c) { y[k] /= Float(\(pixels)) }")
        }
    }

    static func softmax(_ w: inout SourceWriter, name: String, count n: Int) {
        w.line("@inline(never)")
        w.block("func \(name)(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>)") { w in
            w.line("var top = -Float.infinity")
            w.line("for i in 0..<\(n) { top = max(top, x[i]) }")
            w.line("var sum: Float = 0")
            w.line("for i in 0..<\(n) { let e = expf(x[i] - top); y[i] = e; sum += e }")
            w.line("for i in 0..<\(n) { y[i] /= sum }")
        }
    }

    static func sigmoid(_ w: inout SourceWriter, name: String, count n: Int) {
        w.line("@inline(never)")
        w.block("func \(name)(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>)") { w in
            w.line("for i in 0..<\(n) { y[i] = 1 / (1 + expf(-x[i])) }")
        }
    }
}
