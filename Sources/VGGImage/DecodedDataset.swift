import VGGCore

/// A labelled set of images already turned into network inputs, kept in memory so an epoch
/// never touches the disk: image `i` is `inputs[i·elementCount ..< (i+1)·elementCount]`
/// (channels-last, normalised by the model's `InputSpec`) with class `labels[i]`.
public struct DecodedDataset: Sendable, Equatable {
    public var classes: [String]
    public var shape: ActivationShape
    public var inputs: [Float]
    public var labels: [Int]
    /// Where each image came from (file paths), for error messages and reports.
    public var sources: [String]

    public init(classes: [String], shape: ActivationShape, inputs: [Float], labels: [Int], sources: [String]) {
        precondition(inputs.count == labels.count * shape.elementCount, "DecodedDataset: inputs/labels mismatch")
        precondition(sources.count == labels.count, "DecodedDataset: sources/labels mismatch")
        self.classes = classes; self.shape = shape; self.inputs = inputs; self.labels = labels; self.sources = sources
    }

    public var count: Int { labels.count }
    public var elementCount: Int { shape.elementCount }

    /// Images per class, indexed like `classes`.
    public func counts() -> [Int] {
        var c = [Int](repeating: 0, count: classes.count)
        for l in labels { c[l] += 1 }
        return c
    }

    /// The images at `indices`, in that order.
    public func subset(_ indices: [Int]) -> DecodedDataset {
        var inputs = [Float]()
        inputs.reserveCapacity(indices.count * elementCount)
        for i in indices { inputs += self.inputs[i * elementCount ..< (i + 1) * elementCount] }
        return DecodedDataset(classes: classes, shape: shape, inputs: inputs,
                            labels: indices.map { labels[$0] }, sources: indices.map { sources[$0] })
    }
}
