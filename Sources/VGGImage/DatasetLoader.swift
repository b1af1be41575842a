import Foundation
import VGGCore
import VGGImage

/// Decodes a whole image folder into memory once, so training epochs never touch the disk.
///
/// Every image goes through `InputLoader.tensor(path:spec:)`, the same pipeline the engine
/// and the compiled predictors use for inference: a model is trained on exactly the inputs
/// it will see later.
public enum DatasetLoader {
    /// The images of `folder`, in folder order (class, then file name), as network inputs.
    ///
    /// Decoding runs on `threads` threads; the result does not depend on the thread count
    /// (each image is decoded on its own and written to its own slot). `progress`, if given,
    /// is called on the calling thread with (images done, total) after every batch of
    /// images, never concurrently; the last call is (total, total).
    ///
    /// - Throws: `DatasetError.invalidThreadCount` for `threads < 1`, `ModelError` for an
    ///   invalid `spec` (or one with neither 1 nor 3 channels), `DatasetError.invalidLabel` for
    ///   an image whose class index is not one of `folder.classes`, `.tooLarge` for a set
    ///   beyond the in-memory ceiling, and `.unreadableImage` naming the first (in folder
    ///   order) image that cannot be decoded.
    public static func load(_ folder: ImageFolder, spec: InputSpec, threads: Int,
                            progress: ((Int, Int) -> Void)? = nil) throws -> DecodedDataset {
        guard threads >= 1 else {
            throw DatasetError.invalidThreadCount(threads)
        }
        try spec.validate()
        guard spec.channels == 1 || spec.channels == 3 else {
            throw ModelError.invalidInput(field: "channels", value: "\(spec.channels)",
                                          expected: "1 (gray) or 3 (RGB) to read images")
        }
        let images = folder.images
        for image in images where !folder.classes.indices.contains(image.classIndex) {
            throw DatasetError.invalidLabel(path: image.path, label: image.classIndex, classCount: folder.classes.count)
        }
        let size = spec.shape.elementCount
        guard checkedElementCount([images.count, size]) != nil else {
            throw DatasetError.tooLarge(images: images.count, shape: "\(spec.shape)",
                                        maximumValues: maximumElementCount)
        }

        var inputs = [Float](repeating: 0, count: images.count * size)
        var failures = [DatasetError?](repeating: nil, count: images.count)
        let parallel = Parallel(threads: threads)
        // Batches keep the progress callback on the calling thread and let a failure stop
        // the work early; within a batch, workers pull images from a shared counter because
        // decode times vary with file size (an even split would leave a thread idle).
        let batch = threads * 16
        var start = 0
        try inputs.withUnsafeMutableBufferPointer { out in
            try failures.withUnsafeMutableBufferPointer { failed in
                let outBox = UnsafeSendable(out), failedBox = UnsafeSendable(failed)
                while start < images.count {
                    let end = min(start + batch, images.count)
                    let queue = WorkQueue(start..<end)
                    parallel.forEach(min(threads, end - start)) { _ in
                        while let i = queue.next() {
                            do {
                                let tensor = try InputLoader.tensor(path: images[i].path, spec: spec)
                                guard tensor.count == size else {
                                    failedBox.value[i] = .unreadableImage(
                                        path: images[i].path,
                                        reason: "decoded to \(tensor.count) values, expected \(size) (\(spec.shape))")
                                    continue
                                }
                                let slot = UnsafeMutableBufferPointer(rebasing: outBox.value[i * size ..< (i + 1) * size])
                                _ = slot.update(fromContentsOf: tensor)
                            } catch {
                                failedBox.value[i] = DatasetError.unreadable(path: images[i].path, error: error)
                            }
                        }
                    }
                    // Every image of the batch was attempted, so the first failure found in
                    // the first failing batch is the first failure overall, whatever the
                    // thread count.
                    if let failure = failed[start..<end].lazy.compactMap({ $0 }).first { throw failure }
                    start = end
                    progress?(end, images.count)
                }
            }
        }
        if images.isEmpty { progress?(0, 0) }
        return DecodedDataset(classes: folder.classes, shape: spec.shape, inputs: inputs,
                            labels: images.map(\.classIndex), sources: images.map(\.path))
    }
}

/// Hands out the indices of a range, one at a time, to whichever worker asks first.
private final class WorkQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var nextIndex: Int
    private let end: Int

    init(_ range: Range<Int>) {
        nextIndex = range.lowerBound
        end = range.upperBound
    }

    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard nextIndex < end else { return nil }
        nextIndex += 1
        return nextIndex - 1
    }
}
