import Testing
@testable import VGGCore

@Suite("Shape inference and validation")
struct ValidationTests {
    static let spec = InputSpec(height: 8, width: 8, channels: 1)

    static func tiny() -> Model {
        var m = Model(input: spec, labels: ["a", "b"], layers: [
            NamedLayer("conv", .conv2D(Conv2D(inChannels: 1, outChannels: 4))),
            NamedLayer("relu", .relu(ReLU())),
            NamedLayer("pool", .maxPool2D(MaxPool2D())),
            NamedLayer("flat", .flatten(Flatten())),
            NamedLayer("fc", .dense(Dense(inFeatures: 64, outFeatures: 2))),
            NamedLayer("softmax", .softmax(Softmax())),
        ])
        m.initializeParameters(seed: 1)
        return m
    }

    @Test func validModelShapes() throws {
        let shapes = try Self.tiny().validate()
        #expect(shapes == [.image(height: 8, width: 8, channels: 1), .image(height: 8, width: 8, channels: 4),
                           .image(height: 8, width: 8, channels: 4), .image(height: 4, width: 4, channels: 4),
                           .vector(64), .vector(2), .vector(2)])
    }

    /// TensorFlow's `same`: output ceil(in / stride), the odd pad pixel at the bottom/right.
    @Test(arguments: [(7, 3, 2, 4, 1, 1), (8, 3, 2, 4, 0, 1), (8, 3, 1, 8, 1, 1), (5, 5, 1, 5, 2, 2), (6, 2, 2, 3, 0, 0)])
    func samePadding(size: Int, kernel: Int, stride: Int, out: Int, before: Int, after: Int) throws {
        let g = try WindowGeometry(layer: "t", inputHeight: size, inputWidth: size, kernel: (kernel, kernel),
                                   stride: (stride, stride), padding: .same)
        #expect(g.outputHeight == out && g.padTop == before && g.padBottom == after && g.padLeft == before)
    }

    @Test func shapeErrorsNameTheLayer() throws {
        var m = Self.tiny()
        m.layers[4] = NamedLayer("fc", .dense(Dense(inFeatures: 63, outFeatures: 2)))
        #expect(throws: ModelError.impossibleShape(layer: "fc", reason: "input has 64 features but the dense layer expects 63")) {
            try m.validate()
        }
        m = Self.tiny()
        m.layers.remove(at: 3)  // dense straight after a pool
        #expect(throws: ModelError.self) { try m.validate() }
        m = Self.tiny()
        m.layers[0] = NamedLayer("conv", .conv2D(Conv2D(inChannels: 3, outChannels: 4)))
        #expect(throws: ModelError.impossibleShape(layer: "conv", reason: "input has 1 channels but the convolution expects 3")) {
            try m.validate()
        }
    }

    @Test func settingsAreRangeChecked() throws {
        var m = Self.tiny()
        m.layers[0] = NamedLayer("conv", .conv2D(Conv2D(kernel: 3, stride: 0, inChannels: 1, outChannels: 4)))
        #expect(throws: ModelError.invalidSetting(layer: "conv", setting: "strideHeight", value: "0", expected: "1...16")) {
            try m.validate()
        }
        m.layers[0] = NamedLayer("conv", .conv2D(Conv2D(kernel: 3, padding: .explicit(top: 3, left: 0, bottom: 0, right: 0),
                                                        inChannels: 1, outChannels: 4)))
        #expect(throws: ModelError.self) { try m.validate() }
        m = Self.tiny()
        m.layers[1] = NamedLayer("relu", .dropout(Dropout(rate: 1)))
        #expect(throws: ModelError.invalidSetting(layer: "relu", setting: "rate", value: "1.0", expected: "0 ≤ rate < 1")) {
            try m.validate()
        }
    }

    @Test func tensorProblemsAreNamed() throws {
        var m = Self.tiny()
        m.tensors["conv.bias"] = nil
        #expect(throws: ModelError.missingTensor(name: "conv.bias", expectedShape: [4])) { try m.validate() }
        m = Self.tiny()
        m.tensors["conv.weight"] = Tensor(zeros: [3, 3, 4, 1])
        #expect(throws: ModelError.tensorShapeMismatch(name: "conv.weight", found: [3, 3, 4, 1], expected: [3, 3, 1, 4])) {
            try m.validate()
        }
        m = Self.tiny()
        m.tensors["ghost.weight"] = Tensor(zeros: [1])
        #expect(throws: ModelError.unusedTensor("ghost.weight")) { try m.validate() }
        m = Self.tiny()
        m.tensors["fc.bias"] = Tensor(shape: [2], data: [1])
        #expect(throws: ModelError.tensorDataMismatch(name: "fc.bias", elements: 1, expected: 2)) { try m.validate() }
    }

    @Test func parameterValuesMustBeFinite() throws {
        var m = Self.tiny()
        m.tensors["fc.bias"] = Tensor(shape: [2], data: [0, .infinity])
        #expect(throws: ModelError.invalidSetting(layer: "fc.bias", setting: "value[1]", value: "inf", expected: "a finite number")) {
            try m.validate()
        }
        m = Self.tiny()
        m.tensors["conv.weight"]!.data[3] = .nan
        #expect(throws: ModelError.self) { try m.validate() }
    }

    @Test func namesLabelsAndOutput() throws {
        var m = Self.tiny()
        m.layers[1].name = "conv"
        #expect(throws: ModelError.duplicateLayerName("conv")) { try m.validate() }
        m = Self.tiny()
        m.layers[1].name = "bad name"
        #expect(throws: ModelError.self) { try m.validate() }
        m = Self.tiny()
        m.labels = ["a", "b", "c"]
        #expect(throws: ModelError.self) { try m.validate() }
        m.labels = ["a", "a"]
        #expect(throws: ModelError.invalidName("a", reason: "label appears twice")) { try m.validate() }
        m = Self.tiny()
        m.layers.removeLast()
        #expect(throws: ModelError.self) { try m.validate() }
        m.layers = []
        #expect(throws: ModelError.emptyModel) { try m.validate() }
    }

    @Test func inputSpecIsChecked() throws {
        var m = Self.tiny()
        m.input.std = [0]
        #expect(throws: ModelError.invalidInput(field: "std[0]", value: "0.0", expected: "a finite value > 0")) { try m.validate() }
        m = Self.tiny()
        m.input.mean = [0, 0]
        #expect(throws: ModelError.self) { try m.validate() }
        m = Self.tiny()
        m.input.height = 0
        #expect(throws: ModelError.invalidInput(field: "height", value: "0", expected: "1...16384")) { try m.validate() }
        #expect(Self.spec.normalize(255, channel: 0) == 1)
    }

    @Test func checkedElementCountRefusesOverflow() {
        #expect(checkedElementCount([2, 3, 4]) == 24)
        #expect(checkedElementCount([1 << 20, 1 << 20]) == nil)
        #expect(checkedElementCount([Int.max, 2]) == nil)
        #expect(checkedElementCount([-1]) == nil)
    }

    @Test func byteReaderReportsTruncation() throws {
        let bytes: [UInt8] = [1, 0, 0]
        try bytes.withUnsafeBytes { buffer in
            var r = ByteReader(buffer, origin: 100)
            let first = try r.u16("a")
            #expect(first == 1)
            #expect(throws: ByteReadError.truncated(field: "b", offset: 102, needed: 4, available: 1)) { try r.u32("b") }
        }
    }

    @Test func toleranceGrowsWithLength() {
        #expect(Tolerance.dotProduct(length: 9, absoluteSum: 1) < Tolerance.dotProduct(length: 4608, absoluteSum: 1))
        #expect(Tolerance.gamma(1) > 0x1p-24 && Tolerance.gamma(1) < 0x1p-23)
    }
}
