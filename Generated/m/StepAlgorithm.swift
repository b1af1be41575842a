// Copied from Sources/VGGCore/StepAlgorithm.swift by vggc compile. Do not edit this copy: edit the original.
// No imports: the predictor runtime embeds this file too, so the generator, the predictor
// (which prints it in `steps.txt`) and the checker (which parses it) share one spelling.

/// How one generated step computes. Each case is one kernel family with its own arithmetic,
/// which is what `vggc check` needs to know to pick the step's bound.
public enum StepAlgorithm: String, CaseIterable, Sendable {
    /// fp32 direct convolution: the engine's dot products in another order.
    case direct
    /// fp32 Winograd F(4×4, 3×3): its own, larger bound (docs/verification.md).
    case winograd4x4
    /// bfloat16 weights and inputs, float32 sums (`vdpbf16ps`).
    case bf16Direct = "bf16-direct"
    /// Winograd in float32 on a bfloat16-rounded input, U from bfloat16 weights.
    case bf16Winograd = "bf16-winograd4x4"
    /// A dense layer with bfloat16 weights widened to float32, on a bfloat16-rounded input.
    case bf16Dense = "bf16-dense"
    /// 8-bit codes and weights, 32-bit integer sums (`Int8Layer`, `vpdpbusd`): exact.
    case int8
    /// Everything with one way only: fp32 dense layers, pools, element-wise steps.
    case plain = "-"

    /// Whether the step's bound is Winograd's.
    public var isWinograd: Bool { self == .winograd4x4 || self == .bf16Winograd }
    /// Whether the step rounds its input to bfloat16 first.
    public var roundsInputToBF16: Bool { self == .bf16Direct || self == .bf16Winograd || self == .bf16Dense }

    /// The name `--profile` prints for a step of kind `kind` computed this way.
    public func profileName(kind: String) -> String { isWinograd ? "\(kind) (winograd)" : kind }
}
