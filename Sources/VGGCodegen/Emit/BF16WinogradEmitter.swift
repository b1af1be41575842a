import VGGCore

/// Emits one bf16 Winograd step: the fp32 Winograd kernel (WinogradEmitter) on the input
/// rounded to bfloat16 in place, with U = G g Gᵀ computed from the stored bfloat16 g.
///
/// The file keeps the compact bfloat16 g (half of fp32's 1× weights, instead of 4× for a
/// stored U); U is computed once, on first use, exactly as `vggc compile` computes it for
/// fp32 (Double, one rounding: `emitWinogradTransform`), so the step computes what an fp32
/// Winograd step of the bfloat16-rounded weights would.
struct BF16WinogradEmitter: StepEmitter {
    let winograd: WinogradEmitter
    var step: Schedule.Step { winograd.step }
    var index: Int { winograd.index }

    init(step: Schedule.Step, index: Int, tiling: Tiling = .wide) {
        winograd = WinogradEmitter(step: step, index: index, tiling: tiling)
        precondition(winograd.cout % winograd.lanes == 0, "winogradWeights writes whole blocks only")
    }

    func packWeights(_ model: Model, into packer: inout WeightPacker) {
        let (weight, bias) = foldedParameters(model, step)
        packer.appendBF16Values(weight, key: key("weight"))
        packer.append(bias, key: key("bias"))
    }

    var scratch: (floats: Int, threads: Int) { winograd.scratch }

    func registerKernels(_ kernels: inout KernelRegistry) -> String { winograd.registerKernels(&kernels) }

    func emitCall(_ out: inout StepCode, kernel: String, site: CallSite) {
        let g = "UnsafeRawPointer(vggc_weight_base() + \(site.offset("weight"))).assumingMemoryBound(to: UInt16.self)"
        out.declarations.append("nonisolated(unsafe) static let winogradU\(index) = winogradWeights(\(g), "
                                + "cin: \(winograd.cin), cout: \(winograd.cout), lanes: \(winograd.lanes))")
        // Touched before the threads start, so the transform runs once, here, not on the
        // first worker to reach it while the others wait.
        out.run.line("let u\(index) = Network.winogradU\(index)")
        out.run.line("parallelRanges(\(step.input.floats), threads) { "
                     + "vggc_round_bf16_floats(\(site.x), $0, $1, kernelTier) }")
        out.run.line(winograd.call(kernel, site: site, u: "u\(index)"))
    }
}
