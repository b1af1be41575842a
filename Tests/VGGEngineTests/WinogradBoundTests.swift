import Foundation
import Testing
import VGGTestSupport
import VGGCore
@testable import VGGEngine

/// The Winograd F(4×4, 3×3) matrices and the bound `check` applies to a predictor step
/// computed with them (WinogradBounds.swift): a float32 Winograd evaluation written
/// independently here, in plain matrix form, must lie within B/2 of the exact convolution.
@Suite("Winograd bound")
struct WinogradBoundTests {
    /// The matrices are right: on random data, Winograd in Double equals the direct 3×3
    /// correlation of a 6×6 tile to rounding.
    @Test func transformsComputeTheConvolution() {
        var rng = SeededGenerator(seed: 5)
        for _ in 0..<20 {
            let d = (0..<6).map { _ in (0..<6).map { _ in Double(rng.uniform(-1...1)) } }
            let k = (0..<3).map { _ in (0..<3).map { _ in Double(rng.uniform(-1...1)) } }
            let y = Self.winograd(d, k, round: { $0 })
            for a in 0..<4 { for b in 0..<4 {
                var direct = 0.0
                for i in 0..<3 { for j in 0..<3 { direct += d[a + i][b + j] * k[i][j] } }
                #expect(abs(y[a][b] - direct) < 1e-12)
            } }
        }
    }

    @Test func amplificationFollowsFromTheMatrices() {
        let expected = [19.0 / 3, 22.0 / 3, 34.0 / 3, 88.0 / 3]
        for (a, e) in zip(WinogradF43.amplification, expected) { #expect(abs(a - e) < 1e-12) }
    }

    /// Winograd on one tile in plain matrix form, every operation passed through `round`.
    static func winograd(_ d: [[Double]], _ k: [[Double]], round r: (Double) -> Double) -> [[Double]] {
        func mul(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
            a.map { row in (0..<b[0].count).map { j in r(row.indices.reduce(0.0) { r($0 + r(row[$1] * b[$1][j])) }) } }
        }
        func t(_ a: [[Double]]) -> [[Double]] { (0..<a[0].count).map { j in a.map { $0[j] } } }
        let bt = WinogradF43.bt, at = WinogradF43.at
        let u = WinogradF43.transformKernel(k).map { $0.map(r) }
        let v = mul(mul(bt, d), t(bt))
        let m = zip(u, v).map { zip($0, $1).map { r($0 * $1) } }
        return mul(mul(at, m), t(at))
    }

    /// A float32 Winograd convolution (pad 1 or 0, any size): tiles of 4×4 outputs, channel
    /// sums in the transformed domain, bias last.
    static func winogradConvolution(_ x: [Float], h: Int, w: Int, _ s: Conv2D, weight: [Float], bias: [Float]?,
                                    geometry g: WindowGeometry) -> [Float] {
        let f = { (v: Double) in Double(Float(v)) }
        let cin = s.inChannels, cout = s.outChannels
        var out = [Float](repeating: 0, count: g.outputHeight * g.outputWidth * cout)
        let us = (0..<(cin * cout)).map { co in
            WinogradF43.transformKernel((0..<3).map { i in (0..<3).map { j in
                Double(weight[((i * 3 + j) * cin + co / cout) * cout + co % cout]) } }).map { $0.map(f) }
        }
        func mul(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
            a.map { row in (0..<b[0].count).map { j in f(row.indices.reduce(0.0) { f($0 + f(row[$1] * b[$1][j])) }) } }
        }
        func t(_ a: [[Double]]) -> [[Double]] { (0..<a[0].count).map { j in a.map { $0[j] } } }
        for ty in 0..<((g.outputHeight + 3) / 4) {
            for tx in 0..<((g.outputWidth + 3) / 4) {
                let vs = (0..<cin).map { c -> [[Double]] in
                    let d = (0..<6).map { r in (0..<6).map { q -> Double in
                        let iy = 4 * ty + r - g.padTop, ix = 4 * tx + q - g.padLeft
                        return iy >= 0 && iy < h && ix >= 0 && ix < w ? Double(x[(iy * w + ix) * cin + c]) : 0
                    } }
                    return mul(mul(WinogradF43.bt, d), t(WinogradF43.bt))
                }
                for o in 0..<cout {
                    var m = [[Double]](repeating: [Double](repeating: 0, count: 6), count: 6)
                    for c in 0..<cin { for a in 0..<6 { for b in 0..<6 { m[a][b] = f(m[a][b] + f(us[c * cout + o][a][b] * vs[c][a][b])) } } }
                    let y = mul(mul(WinogradF43.at, m), t(WinogradF43.at))
                    for a in 0..<4 { for b in 0..<4 {
                        let oy = 4 * ty + a, ox = 4 * tx + b
                        guard oy < g.outputHeight, ox < g.outputWidth else { continue }
                        out[(oy * g.outputWidth + ox) * cout + o] = Float(y[a][b] + Double(bias?[o] ?? 0))
                    } }
                }
            }
        }
        return out
    }

    /// Ragged 10×9 and 8×7 outputs, same and valid padding, with bias; input in a wide
    /// range so cancellation is real. Both the engine (direct) and the float32 Winograd are
    /// within B/2 of the exact result, hence within B of each other.
    @Test(arguments: [1, 2] as [UInt64])
    func boundHoldsForAFloatWinograd(seed: UInt64) throws {
        let layers: [NamedLayer] = [
            NamedLayer("c1", .conv2D(Conv2D(kernel: 3, stride: 1, padding: .same, inChannels: 16, outChannels: 16))),
            NamedLayer("r1", .relu(ReLU())),
            NamedLayer("c2", .conv2D(Conv2D(kernel: 3, stride: 1, padding: .valid, inChannels: 16, outChannels: 16))),
        ]
        let model = try singleLayerModel(input: InputSpec(height: 10, width: 9, channels: 16), layers, seed: seed)
        let engine = try Engine(model: model)
        let x = randomInput(10 * 9 * 16, seed: seed + 40, range: -30...30)
        let outs = try engine.runCapturingLayers(x)
        for (i, input, h, w) in [(0, x, 10, 9), (2, outs[1], 10, 9)] {
            guard case let .conv2D(s) = model.layers[i].layer else { Issue.record("layer \(i)"); continue }
            let name = model.layers[i].name
            let weight = model.tensors["\(name).weight"]!.data, bias = model.tensors["\(name).bias"]?.data
            let g = try s.geometry(for: .image(height: h, width: w, channels: s.inChannels), layer: name)
            let wino = try engine.stageBounds(layers: i...i, input: input, winogradLayers: [i])
            let direct = try engine.stageBounds(layers: i...i, input: input)
            let exact = try referenceConvolution(input, h: h, w: w, s, weight: weight, bias: bias).values
            let ours = Self.winogradConvolution(input, h: h, w: w, s, weight: weight, bias: bias, geometry: g)
            let bound = wino.bounds[0], engineOut = wino.outputs[0]
            var used = 0.0
            for k in bound.indices {
                let half = Double(bound[k]) / 2
                #expect(abs(Double(ours[k]) - exact[k]) <= half, "\(name)[\(k)] Winograd")
                #expect(abs(Double(engineOut[k]) - exact[k]) <= half, "\(name)[\(k)] engine")
                #expect(bound[k] >= direct.bounds[0][k])
                used = max(used, abs(Double(ours[k]) - exact[k]) / half)
            }
            // Rigorous is looser for this algorithm than for the direct one (one product can
            // weigh up to ≈ 30 per dimension; docs/verification.md): on these short reductions
            // (K = 144) with inputs up to ±30 the largest bound is ≈ 1 % of a typical
            // output. It must stay under 5 %, so a wrong tile, transform, channel or sign is
            // caught.
            let typical = exact.map(abs).reduce(0, +) / Double(exact.count)
            #expect(Double(bound.max()!) < 0.05 * typical, "\(name): bound \(bound.max()!) vs typical |y| \(typical)")
            #expect(used > 0 && used < 1)
        }
    }

    @Test func onlyThreeByThreeStrideOneConvolutionsQualify() throws {
        let layers: [NamedLayer] = [
            NamedLayer("c1", .conv2D(Conv2D(kernel: 3, stride: 2, padding: .same, inChannels: 2, outChannels: 4))),
            NamedLayer("r1", .relu(ReLU())),
        ]
        let model = try singleLayerModel(input: InputSpec(height: 8, width: 8, channels: 2), layers)
        let engine = try Engine(model: model)
        let x = randomInput(8 * 8 * 2, seed: 3)
        #expect(throws: EngineError.notWinogradEligible(layer: "c1")) { try engine.stageBounds(layers: 0...1, input: x, winogradLayers: [0]) }
        #expect(throws: EngineError.notWinogradEligible(layer: "r1")) { try engine.errorBounds(for: x, winogradLayers: [1]) }
        #expect(throws: EngineError.self) { try engine.errorBounds(for: x, winogradLayers: [99]) }
        // 3×3 stride 1 but 2 and 4 channels: not something the generator makes Winograd.
        let narrow = try singleLayerModel(input: InputSpec(height: 8, width: 8, channels: 2), [
            NamedLayer("n1", .conv2D(Conv2D(kernel: 3, stride: 1, padding: .same, inChannels: 2, outChannels: 4))),
        ])
        #expect(throws: EngineError.notWinogradEligible(layer: "n1")) {
            try Engine(model: narrow).errorBounds(for: x, winogradLayers: [0])
        }
    }
}
