import Foundation
import VGGCore
import VGGEngine
import VGGImage
import VGGSystem

/// `vggc compile --precision int8 --calibrate DIR`: the input scales of an int8 build come from
/// the largest value each quantized layer's input takes on the user's own images (the model
/// with batch norm folded, as the predictor computes it). Images are taken evenly spaced over
/// the sorted list, so a folder of class subfolders contributes every class.
enum Calibration {
    struct NoImages: Error, CustomStringConvertible {
        let path: String
        var description: String { "no PNG or JPEG images under \(Display.text(path)) to calibrate int8 on" }
    }

    static func inputMaxima(model: Model, folder: String, limit: Int, threads: Int,
                            progress: (String) -> Void) throws -> (maxima: [String: Float], images: Int) {
        guard FileStatus.of(folder)?.kind == .directory else { throw ImageFolderMissing(path: folder) }
        let files = try imageFiles(under: folder)
        guard !files.isEmpty else { throw NoImages(path: folder) }
        let chosen = files.count <= limit ? files : (0..<limit).map { files[$0 * files.count / limit] }
        var inputs: [[Float]] = []
        for (i, path) in chosen.enumerated() {
            if i % 16 == 0 { progress("calibrating on \(chosen.count) images: \(i)/\(chosen.count) …") }
            inputs.append(try InputLoader.tensor(path: path, spec: model.input))
        }
        return (try Engine.int8InputMaxima(model: model, inputs: inputs, threads: threads), chosen.count)
    }
}
