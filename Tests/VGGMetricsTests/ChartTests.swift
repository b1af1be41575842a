import Foundation
import Testing
import VGGImage
@testable import VGGMetrics
import VGGSystem
import VGGTestSupport

private func history(epochs: Int, validation: Bool) -> TrainingHistory {
    TrainingHistory(epochs: (1...max(1, epochs)).prefix(epochs).map { e in
        let t = Double(e)
        return EpochRecord(epoch: e, trainLoss: 1 / t, trainAccuracy: 1 - 0.5 / t,
                           validationLoss: validation ? 1.2 / t : nil,
                           validationAccuracy: validation ? 0.9 - 0.5 / t : nil,
                           learningRate: 0.01, seconds: 2, imagesPerSecond: 50)
    })
}

/// Number of pixels of exactly `color` in an RGB buffer.
private func count(_ color: ChartColor, in rgb: [UInt8]) -> Int {
    stride(from: 0, to: rgb.count, by: 3).filter {
        rgb[$0] == color.red && rgb[$0 + 1] == color.green && rgb[$0 + 2] == color.blue
    }.count
}

@Test func renderHasRequestedSizeAndBothCurveColours() {
    let chart = TrainingChart.render(history(epochs: 20, validation: true), width: 640, height: 400)
    #expect(chart.width == 640 && chart.height == 400 && chart.rgb.count == 640 * 400 * 3)
    // Far more than the legend swatches: the curves are drawn.
    #expect(count(TrainingChart.trainColor, in: chart.rgb) > 1000)
    #expect(count(TrainingChart.validationColor, in: chart.rgb) > 1000)
    // Text and grid are drawn too (not only background and curves).
    #expect(count(TrainingChart.textColor, in: chart.rgb) > 500)
    #expect(count(TrainingChart.gridColor, in: chart.rgb) > 500)
}

@Test func noValidationColourWithoutValidation() {
    let chart = TrainingChart.render(history(epochs: 5, validation: false))
    #expect(chart.width == 800 && chart.height == 500)
    #expect(count(TrainingChart.trainColor, in: chart.rgb) > 500)
    #expect(count(TrainingChart.validationColor, in: chart.rgb) == 0)
}

@Test func singleEpochAndEmptyHistoriesRender() {
    let one = TrainingChart.render(history(epochs: 1, validation: true), width: 300, height: 200)
    #expect(one.rgb.count == 300 * 200 * 3)
    // The single point is a dot in each panel, beyond the legend swatch.
    let swatchOnly = TrainingChart.render(TrainingHistory(epochs: [EpochRecord(
        epoch: 1, trainLoss: .nan, trainAccuracy: .nan, validationLoss: .nan, validationAccuracy: .nan,
        learningRate: 0.1, seconds: 1, imagesPerSecond: 1)]), width: 300, height: 200)
    #expect(count(TrainingChart.trainColor, in: one.rgb) > count(TrainingChart.trainColor, in: swatchOnly.rgb))
    #expect(count(TrainingChart.validationColor, in: one.rgb)
            > count(TrainingChart.validationColor, in: swatchOnly.rgb))

    let empty = TrainingChart.render(TrainingHistory(), width: 300, height: 400)
    #expect(empty.width == 300 && empty.height == 400)
}

@Test func hostileValuesAndSizesDoNotCrash() {
    var records = history(epochs: 4, validation: true).epochs
    records[1].trainLoss = 1e300
    records[2].trainLoss = -.infinity
    records[3].validationAccuracy = 7
    records[0].epoch = Int.max
    let chart = TrainingChart.render(TrainingHistory(epochs: records), width: -5, height: 1_000_000)
    #expect(chart.width == TrainingChart.minimumWidth && chart.height == TrainingChart.maximumSide)
    #expect(chart.rgb.count == chart.width * chart.height * 3)
}

@Test func writtenChartDecodesAtTheRequestedSize() throws {
    let folder = try TemporaryFolder("vggc-chart")
    defer { folder.remove() }
    let path = folder.file("history.png")
    let h = history(epochs: 12, validation: true)
    try TrainingChart.write(h, to: path, width: 480, height: 640)
    let image = try ImageDecoder.decode(path: path)
    #expect(image.width == 480 && image.height == 640 && image.channels == 3)
    let rendered = TrainingChart.render(h, width: 480, height: 640)
    #expect(image.samples == rendered.rgb.map(Float.init))

    #expect(throws: FileError.self) { try TrainingChart.write(h, to: folder.path + "/missing/x.png") }
}

@Test func axisTicksAreRoundNumbers() {
    let accuracy = ChartAxis.values([], including: [0, 1], maxTicks: 6)
    #expect(accuracy.lower == 0 && accuracy.upper == 1)
    #expect(accuracy.labels == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
    let loss = ChartAxis.values([0.3, 2.4, .nan], including: [0], maxTicks: 6)
    #expect(loss.lower == 0 && loss.upper == 2.5 && loss.labels == ["0.0", "0.5", "1.0", "1.5", "2.0", "2.5"])
    #expect(ChartAxis.epochs(first: 1, last: 50, maxTicks: 6).ticks == [1, 10, 20, 30, 40, 50])
    #expect(ChartAxis.epochs(first: 1, last: 4, maxTicks: 10).ticks == [1, 2, 3, 4])
    let single = ChartAxis.epochs(first: 3, last: 3, maxTicks: 5)
    #expect(single.ticks == [3] && single.lower < 3 && single.upper > 3)
    #expect(ChartAxis.values([0.5, 0.5], maxTicks: 5).upper > 0.5)
}
