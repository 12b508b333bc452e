import Testing
import VitalsTestSupport
@testable import VitalsECG

@Suite struct WFDBTests {
    @Test func headerFields() throws {
        let h = try WFDBHeader.parse("100 2 360 650000\n100.dat 212 200 11 1024 995 -22131 0 MLII\n100.dat 212 200(5)/mV 11 1024 1011 20052 0 V5\n# comment\n", file: "100.hea")
        #expect(h.sampleRate == 360 && h.sampleCount == 650_000 && h.signals.count == 2)
        #expect(h.signals[0].format == 212 && h.signals[0].gain == 200 && h.signals[0].baseline == 1024 && h.signals[0].checksum == -22131)
        #expect(h.signals[1].baseline == 5 && h.signals[1].units == "mV" && h.signals[1].description == "V5")
    }

    @Test func badHeadersNameTheField() {
        #expect(throws: WFDBError(file: "x.hea", field: "sampling frequency", location: "line 1", message: "'fast' is not a positive number")) {
            try WFDBHeader.parse("x 1 fast 100\nx.dat 16 200\n", file: "x.hea")
        }
        #expect(throws: WFDBError.self) { try WFDBHeader.parse("x 2 360 100\nx.dat 212 200\n", file: "x.hea") }
        do {
            _ = try WFDBHeader.parse("x 1 360 100\nx.dat 310 200\n", file: "x.hea")
            Issue.record("format 310 accepted")
        } catch { #expect(error.field == "format" && error.location == "line 2") }
    }

    @Test func format212ByHand() throws {
        // Samples 0x123 and -2 (0xFFE): byte 0 = 0x23, byte 1 = high nibbles (0xF << 4 | 0x1), byte 2 = 0xFE.
        let s = try WFDBSignalFile.decode([0x23, 0xF1, 0xFE, 0x00, 0xF8, 0xFF], format: 212, signalCount: 2, sampleCount: 2, file: "t.dat")
        #expect(s[0] == [0x123, -2048] && s[1] == [-2, -1])
        let s16 = try WFDBSignalFile.decode([0x01, 0x00, 0xFF, 0xFF], format: 16, signalCount: 1, sampleCount: 2, file: "t.dat")
        #expect(s16 == [[1, -1]])
    }

    @Test func truncatedSignalFileNamesTheOffset() {
        do {
            _ = try WFDBSignalFile.decode([0x23, 0xF1, 0xFE, 0x00], format: 212, signalCount: 2, sampleCount: 2, file: "t.dat")
            Issue.record("truncated file accepted")
        } catch {
            #expect(error.file == "t.dat" && error.location == "byte offset 4" && error.field == "format-212 samples")
        }
    }

    @Test func annotationsByHand() throws {
        // N at 10, SKIP +100000, V at +5, rhythm '+' at +1 with aux "(AFIB" (5 bytes, padded), end.
        var b: [UInt8] = [10, 1 << 2]                      // code 1 (N), step 10
        b += [0, 59 << 2, 0x01, 0x00, 0xA0, 0x86]          // SKIP: high word 0x0001, low word 0x86A0 → 100000
        b += [5, 5 << 2]                                   // V, step 5
        b += [1, 28 << 2]                                  // rhythm, step 1
        b += [5, 63 << 2] + Array("(AFIB".utf8) + [0]      // AUX of 5 bytes + pad
        b += [0, 0]
        let a = try WFDBAnnotationFile.decode(b, file: "t.atr")
        #expect(a.map(\.sample) == [10, 100_015, 100_016])
        #expect(a.map(\.mnemonic) == ["N", "V", "+"] && a[2].aux == "(AFIB")
        #expect(a.filter(\.isBeat).count == 2)
        #expect(WFDBAnnotationFile.rhythmSpans(a, rhythm: "(AFIB", recordEnd: 200_000).map { [$0.start, $0.end] } == [[100_016, 200_000]])
        #expect(throws: WFDBError.self) { try WFDBAnnotationFile.decode([5, 63 << 2, 0x41], file: "t.atr") }
    }

    @Test func scoringMatchesWithinTolerance() {
        let s = BeatScore.score(reference: [100, 200, 300, 400], detections: [105, 195, 260, 330, 500], tolerance: 20, from: 150)
        // In range: refs 200, 300, 400; dets 195, 260, 330, 500 → 195 matches 200; 300 and 400 missed; 3 FP.
        #expect(s.truePositives == 1 && s.falseNegatives == 2 && s.falsePositives == 3)
        let e = EpisodeScore.score(reference: [(0, 100)], detected: [(50, 150)])
        #expect(e.overlap == 50 && e.sensitivity == 50 && e.positivePredictivity == 50)
    }
}
