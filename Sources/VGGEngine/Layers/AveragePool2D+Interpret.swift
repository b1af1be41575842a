import VGGCore

extension AveragePool2D {
    func prepare(_ context: LayerContext) throws -> PreparedLayer {
        PoolKernel(g: try window.geometry(for: context.input, layer: context.name, kind: Self.kind),
                   channels: context.inputDims.c, mode: .average)
    }
}
