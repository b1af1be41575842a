import Testing
import VGGCore
@testable import VGGTrain

/// A distinct value per sample: v(x, y, c) = 100·y + 10·x + c (+ 0.25 to avoid zeros).
private func pattern(height: Int, width: Int, channels: Int) -> [Float] {
    var v: [Float] = []
    for y in 0..<height { for x in 0..<width { for c in 0..<channels { v.append(Float(100 * y + 10 * x + c) + 0.25) } } }
    return v
}

/// Runs the deterministic core on `image` and returns the output.
private func transformed(_ image: [Float], height: Int, width: Int, channels: Int,
                         _ t: Augmentation.Transform, fill: Float = -7, range: Float = 1) -> [Float] {
    var out = [Float](repeating: .nan, count: image.count)
    image.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            Augmentation.apply(transform: t, src, height: height, width: width, channels: channels, into: dst,
                               fill: [Float](repeating: fill, count: channels),
                               valueRange: [Float](repeating: range, count: channels))
        }
    }
    return out
}

/// Runs the public, random `apply`.
private func augmented(_ image: [Float], height: Int, width: Int, channels: Int, _ a: Augmentation,
                       seed: UInt64, fill: Float = 0) -> [Float] {
    var out = [Float](repeating: .nan, count: image.count)
    var rng = SeededGenerator(seed: seed)
    image.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            a.apply(src, height: height, width: width, channels: channels, into: dst, rng: &rng, fill: fill)
        }
    }
    return out
}

private func randomImage(count: Int, seed: UInt64) -> [Float] {
    var rng = SeededGenerator(seed: seed)
    return (0..<count).map { _ in rng.normal() }
}

@Test func identityCopiesExactly() {
    var image = randomImage(count: 7 * 9 * 3, seed: 1)
    image[5] = -0.0
    for seed: UInt64 in 0..<5 {
        let out = augmented(image, height: 7, width: 9, channels: 3, .none, seed: seed)
        #expect(out.map { $0.bitPattern } == image.map { $0.bitPattern })
    }
    #expect(Augmentation.none.isIdentity)
    #expect(!Augmentation.xray.isIdentity)
    #expect(!Augmentation(horizontalFlip: true).isIdentity)
    // A flip-only augmentation copies exactly whenever its coin says "no flip".
    let image2 = randomImage(count: 4 * 6, seed: 2)
    let flipOnly = Augmentation(horizontalFlip: true)
    let outs = (0..<10).map { augmented(image2, height: 4, width: 6, channels: 1, flipOnly, seed: $0) }
    #expect(outs.contains(image2))
    #expect(outs.contains(transformed(image2, height: 4, width: 6, channels: 1, .init(flip: true))))
}

@Test func wholePixelShiftMovesThePatternExactly() {
    let (h, w, c) = (5, 6, 2)
    let image = pattern(height: h, width: w, channels: c)
    let out = transformed(image, height: h, width: w, channels: c, .init(shiftX: 2, shiftY: -1))
    for y in 0..<h {
        for x in 0..<w {
            for ch in 0..<c {
                let sx = x - 2, sy = y + 1
                let expected: Float = (0..<w).contains(sx) && (0..<h).contains(sy)
                    ? image[(sy * w + sx) * c + ch] : -7
                #expect(out[(y * w + x) * c + ch] == expected, "at (\(x), \(y), \(ch))")
            }
        }
    }
}

@Test func flipMirrorsRows() {
    let (h, w, c) = (3, 5, 3)
    let image = pattern(height: h, width: w, channels: c)
    let out = transformed(image, height: h, width: w, channels: c, .init(flip: true))
    for y in 0..<h {
        for x in 0..<w {
            for ch in 0..<c { #expect(out[(y * w + x) * c + ch] == image[(y * w + (w - 1 - x)) * c + ch]) }
        }
    }
}

@Test func quarterTurnMapsCorners() {
    let n = 6
    let image = pattern(height: n, width: n, channels: 1)
    let out = transformed(image, height: n, width: n, channels: 1, .init(rotationDegrees: 90))
    // Counter-clockwise: output (x, y) shows input (n−1−y, x); the top-right corner moves
    // to the top-left.
    for y in 0..<n {
        for x in 0..<n { #expect(abs(out[y * n + x] - image[x * n + (n - 1 - y)]) < 1e-4) }
    }
    #expect(abs(out[0] - image[n - 1]) < 1e-4)
    // Four quarter turns and a full turn are the identity (up to rounding).
    let full = transformed(image, height: n, width: n, channels: 1, .init(rotationDegrees: 360))
    #expect(zip(full, image).allSatisfy { abs($0 - $1) < 1e-4 })
}

@Test func rotationAndZoomKeepTheCentre() {
    let n = 7
    let image = pattern(height: n, width: n, channels: 1)
    let centre = 3 * n + 3
    for t in [Augmentation.Transform(rotationDegrees: 33), .init(zoom: 1.3), .init(rotationDegrees: -12, zoom: 0.8)] {
        #expect(abs(transformed(image, height: n, width: n, channels: 1, t)[centre] - image[centre]) < 1e-3)
    }
    // Zoom 2 enlarges about the centre: output (cx + 2, cy) shows input (cx + 1, cy).
    let zoomed = transformed(image, height: n, width: n, channels: 1, .init(zoom: 2))
    #expect(zoomed[3 * n + 5] == image[3 * n + 4])
    #expect(zoomed[3 * n + 4] == (image[3 * n + 3] + image[3 * n + 4]) / 2)
}

@Test func brightnessMovesImageSamplesButNotFill() {
    let (h, w) = (4, 4)
    let image = pattern(height: h, width: w, channels: 1)
    let out = transformed(image, height: h, width: w, channels: 1, .init(brightness: 0.1), range: 4)
    #expect(zip(out, image).allSatisfy { abs($0 - ($1 + 0.4)) < 1e-4 })
    let shifted = transformed(image, height: h, width: w, channels: 1, .init(shiftX: 1, brightness: -0.5), range: 2)
    for y in 0..<h {
        #expect(shifted[y * w] == -7)
        for x in 1..<w { #expect(shifted[y * w + x] == image[y * w + x - 1] - 1) }
    }
}

@Test func sameSeedSameOutputAndOutputStaysFinite() {
    let (h, w, c) = (12, 10, 3)
    let image = randomImage(count: h * w * c, seed: 9)
    let a = augmented(image, height: h, width: w, channels: c, .xray, seed: 5)
    #expect(a == augmented(image, height: h, width: w, channels: c, .xray, seed: 5))
    #expect(a != augmented(image, height: h, width: w, channels: c, .xray, seed: 6))
    #expect(a != image)

    let extreme = Augmentation(maxShift: 1, maxRotationDegrees: 180, maxZoom: 0.9, maxBrightness: 1, horizontalFlip: true)
    let invalid = Augmentation(maxShift: .nan, maxRotationDegrees: -5, maxZoom: 40, maxBrightness: .infinity)
    for aug in [Augmentation.xray, extreme, invalid] {
        for seed: UInt64 in 0..<50 {
            #expect(augmented(image, height: h, width: w, channels: c, aug, seed: seed).allSatisfy { $0.isFinite })
        }
    }
    // Degenerate transforms fill instead of crashing.
    let degenerate = transformed(image, height: h, width: w, channels: c, .init(zoom: 0))
    #expect(degenerate.allSatisfy { $0.isFinite })
    let nanShift = transformed(image, height: h, width: w, channels: c, .init(shiftX: .nan))
    #expect(nanShift.allSatisfy { $0 == -7 })
}

@Test func drawsStayWithinTheSettings() {
    var rng = SeededGenerator(seed: 4)
    var flips = 0
    for _ in 0..<2000 {
        let t = Augmentation.xray.draw(height: 100, width: 50, rng: &rng)
        #expect(abs(t.rotationDegrees) <= 7 && abs(t.zoom - 1) <= 0.1 + 1e-6 && abs(t.brightness) <= 0.1)
        #expect(abs(t.shiftX) <= 4 + 1e-4 && abs(t.shiftY) <= 8 + 1e-4)
        #expect(!t.flip)
        if Augmentation(horizontalFlip: true).draw(height: 1, width: 1, rng: &rng).flip { flips += 1 }
    }
    #expect((800...1200).contains(flips))
}

@Test func specVariantUsesBlackFillAndChannelRanges() {
    let spec = InputSpec(height: 5, width: 4, channels: 1)
    let image = randomImage(count: 20, seed: 3)
    for seed: UInt64 in 0..<5 {
        var rng = SeededGenerator(seed: seed)
        var out = [Float](repeating: .nan, count: 20)
        image.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { Augmentation.xray.apply(src, spec: spec, into: $0, rng: &rng) }
        }
        // Default spec: black is 0 and the value range is 1, the generic defaults.
        #expect(out == augmented(image, height: 5, width: 4, channels: 1, .xray, seed: seed, fill: 0))
    }
    // Per-channel fill: a shift past the edge leaves black pixels in each channel's units.
    let rgb = InputSpec(height: 2, width: 2, channels: 3, mean: [0.5, 0.4, 0.3], std: [0.5, 0.25, 0.2])
    var rng = SeededGenerator(seed: 0)
    var out = [Float](repeating: .nan, count: 12)
    let shiftAll = Augmentation(maxShift: 1)
    var sawFill = false
    for _ in 0..<20 {
        [Float](repeating: 9, count: 12).withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { shiftAll.apply(src, spec: rgb, into: $0, rng: &rng) }
        }
        if out[0] == -1 && out[1] == -1.6 && out[2] == -1.5 { sawFill = true }
    }
    #expect(sawFill)
}

@Test func parserAcceptsPresetsAndSettings() throws {
    #expect(try Augmentation(parsing: "none") == .none)
    #expect(try Augmentation(parsing: "XRAY") == .xray)
    let full = try Augmentation(parsing: "shift=0.1,rotate=7,zoom=0.1,brightness=0.1,flip")
    #expect(full == Augmentation(maxShift: 0.1, maxRotationDegrees: 7, maxZoom: 0.1, maxBrightness: 0.1,
                                 horizontalFlip: true))
    #expect(full.description == "shift=0.1,rotate=7,zoom=0.1,brightness=0.1,flip")
    #expect(try Augmentation(parsing: full.description) == full)
    #expect(Augmentation.xray.description == "shift=0.08,rotate=7,zoom=0.1,brightness=0.1")
    #expect(Augmentation.none.description == "none")
    var xrayFlip = Augmentation.xray
    xrayFlip.horizontalFlip = true
    #expect(try Augmentation(parsing: " xray , flip ") == xrayFlip)
    #expect(try Augmentation(parsing: "xray,rotate=0,flip=no").maxRotationDegrees == 0)
    #expect(try Augmentation(parsing: "rotation = 3").maxRotationDegrees == 3)
    try Augmentation.xray.validate()
    try full.validate()
}

@Test func parserRejectsWithTheBadPart() {
    let cases: [(String, String)] = [
        ("", "augmentation is empty"),
        ("shift=abc", "augmentation shift is \"abc\""),
        ("shift=2", "augmentation shift is \"2\", expected a number in 0…1"),
        ("zoom=0.95", "augmentation zoom is \"0.95\""),
        ("rotate", "augmentation rotate is empty"),
        ("rotate=nan", "augmentation rotate is \"nan\""),
        ("spin=3", "augmentation is \"spin=3\""),
        ("shift=0.1,shift=0.2", "(shift repeats)"),
        ("flip,xray", "only as the first item"),
        ("flip=maybe", "augmentation flip is \"maybe\""),
        ("xray,", "augmentation is empty"),
    ]
    for (text, fragment) in cases {
        do {
            let parsed = try Augmentation(parsing: text)
            Issue.record("\"\(text)\" parsed as \(parsed)")
        } catch let error as TrainingError {
            #expect(error.description.contains(fragment), "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
    #expect(throws: TrainingError.self) { try Augmentation(maxZoom: 1).validate() }
    #expect(throws: TrainingError.self) { try Augmentation(maxShift: .nan).validate() }
}
