import Foundation
import Testing
@testable import VGGMetrics

private let withValidation = TrainingHistory(epochs: [
    EpochRecord(epoch: 1, trainLoss: 0.693, trainAccuracy: 0.5, validationLoss: 0.7, validationAccuracy: 0.45,
                learningRate: 0.001, seconds: 12.5, imagesPerSecond: 80),
    EpochRecord(epoch: 2, trainLoss: 0.1 + 0.2, trainAccuracy: 0.875, validationLoss: 0.4, validationAccuracy: 0.8,
                learningRate: 1e-05, seconds: 11.25, imagesPerSecond: 88.88888888888889),
])

@Test func csvHasHeaderAndRoundTrippingNumbers() throws {
    let lines = withValidation.csv().split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.count == 4 && lines[3].isEmpty) // header, two epochs, final newline
    #expect(lines[0] == "epoch,train_loss,train_accuracy,validation_loss,validation_accuracy,learning_rate,seconds,images_per_second")
    #expect(lines[1] == "1,0.693,0.5,0.7,0.45,0.001,12.5,80.0")
    // 0.1 + 0.2 is not 0.3: all 17 digits are kept so the value reads back exactly.
    #expect(lines[2] == "2,0.30000000000000004,0.875,0.4,0.8,1e-05,11.25,88.88888888888889")
    let fields = lines[2].split(separator: ",").map { Double($0)! }
    #expect(fields[1] == 0.1 + 0.2 && fields[7] == 88.88888888888889)
}

@Test func csvLeavesMissingValidationEmpty() {
    var history = TrainingHistory()
    history.append(EpochRecord(epoch: 1, trainLoss: 2, trainAccuracy: 0.25, learningRate: 0.01, seconds: 3,
                               imagesPerSecond: 10))
    history.append(EpochRecord(epoch: 2, trainLoss: .nan, trainAccuracy: 0.25, validationLoss: nil,
                               validationAccuracy: 0.5, learningRate: 0.01, seconds: 3, imagesPerSecond: 10))
    #expect(!TrainingHistory().hasValidation && history.hasValidation)
    let lines = history.csv().split(separator: "\n")
    #expect(lines[1] == "1,2.0,0.25,,,0.01,3.0,10.0")
    #expect(lines[2] == "2,nan,0.25,,0.5,0.01,3.0,10.0")
    #expect(TrainingHistory().csv() == TrainingHistory.csvHeader + "\n")
}

@Test func jsonIsSortedPrettyAndRoundTrips() throws {
    let data = try withValidation.json()
    let text = String(decoding: data, as: UTF8.self)
    #expect(text.contains("\n  \"epochs\" : ["))
    // Keys are sorted alphabetically within each record.
    let keys = ["epoch", "imagesPerSecond", "learningRate", "seconds", "trainAccuracy", "trainLoss",
                "validationAccuracy", "validationLoss"]
    let positions = keys.map { text.range(of: "\"\($0)\" :")!.lowerBound }
    #expect(positions == positions.sorted())
    #expect(try TrainingHistory(json: data) == withValidation)
    // Plain JSONDecoder reads it too (finite values).
    #expect(try JSONDecoder().decode(TrainingHistory.self, from: data) == withValidation)
}

@Test func jsonOmitsMissingValidationAndSurvivesNonFiniteLoss() throws {
    let history = TrainingHistory(epochs: [
        EpochRecord(epoch: 1, trainLoss: .infinity, trainAccuracy: 0.5, learningRate: 0.1, seconds: 1,
                    imagesPerSecond: 2),
        EpochRecord(epoch: 2, trainLoss: .nan, trainAccuracy: 0.5, learningRate: 0.1, seconds: 1,
                    imagesPerSecond: 2),
    ])
    let data = try history.json()
    let text = String(decoding: data, as: UTF8.self)
    #expect(!text.contains("validation"))
    #expect(text.contains("\"trainLoss\" : \"inf\"") && text.contains("\"trainLoss\" : \"nan\""))
    let back = try TrainingHistory(json: data)
    #expect(back.epochs[0].trainLoss == .infinity && back.epochs[1].trainLoss.isNaN)
    #expect(back.epochs[0].validationLoss == nil)
    #expect(throws: DecodingError.self) { try TrainingHistory(json: Data("{\"epochs\": 3}".utf8)) }
}
