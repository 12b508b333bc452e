import Foundation
import Testing
import VitalsTestSupport
import VitalsCore

@Suite struct CodecTests {
    func roundTrip(_ x: [Int32], _ note: String = "") throws -> [UInt8] {
        let enc = WaveformCodec.encode(x)
        #expect(try WaveformCodec.decode(enc) == x, "\(note)")
        return enc
    }

    /// Derived by hand (docs/ecg.md): [10, 12, 15]. Order 0/1/2 mean |residual| 12.3 / 2.5 / 1 → order 2,
    /// residual 15 − 2·12 + 10 = 1, zig-zag 2; m = 1 residual, one partition; Rice parameter 1 costs 3 bits
    /// (as do 0 and 2; the smaller-mean guess, 1, is kept). Bits: parameter 000001, residual quotient 1 →
    /// "01", low bit "0"; 9 bits → 0x05 0x00. CRC-32 of the 17 bytes before it, computed independently
    /// (zlib.crc32): 0xA81F9EB1.
    @Test func handDerivedVector() throws {
        let expected: [UInt8] = [0x01, 0x02, 0x00, 0x03, 0x00, 0x00, 0x00, 0x0A, 0x00, 0x00, 0x00, 0x0C, 0x00, 0x00, 0x00, 0x05, 0x00,
                                 0xB1, 0x9E, 0x1F, 0xA8]
        #expect(WaveformCodec.encode([10, 12, 15]) == expected)
        #expect(try WaveformCodec.decode(expected) == [10, 12, 15])
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    @Test func edgeCases() throws {
        _ = try roundTrip([0], "single zero")
        _ = try roundTrip([Int32.min], "single minimum")
        _ = try roundTrip([Int32.max, Int32.min], "two extremes")
        let constant = try roundTrip(Array(repeating: 1234, count: 3600), "constant")
        #expect(constant.count < 7 + 4 * 3 + 3600 / 8 + 64, "a constant block costs about a bit per sample: \(constant.count) bytes")
        _ = try roundTrip((0..<1000).map { $0 % 2 == 0 ? Int32.max : Int32.min }, "max amplitude alternating")
        _ = try roundTrip((0..<1000).map { Int32.max - Int32($0 % 3) }, "near the top")
        var rng = SystemRandomNumberGenerator()
        _ = try roundTrip((0..<777).map { _ in Int32.random(in: .min ... .max, using: &rng) }, "full-range noise")
        for n in 1...40 { _ = try roundTrip((0..<n).map { Int32($0 * $0 - 7 * $0) }, "n = \(n)") }
    }

    @Test func compressesECGLikeSignals() throws {
        var rng = SystemRandomNumberGenerator()
        var v = 0.0
        let x: [Int32] = (0..<3600).map { i in
            v = 0.95 * v + Double.random(in: -4...4, using: &rng)
            return Int32(1024 + 300 * sin(Double(i) / 50) + v)
        }
        let enc = try roundTrip(x)
        #expect(Double(enc.count * 8) / Double(x.count) < 6, "bits per sample \(Double(enc.count * 8) / Double(x.count))")
    }

    @Test func corruptionIsReportedWithFieldAndOffset() throws {
        var enc = WaveformCodec.encode((0..<500).map { Int32($0 % 17) })
        enc[12] ^= 0x10
        do {
            _ = try WaveformCodec.decode(enc)
            Issue.record("corruption accepted")
        } catch {
            #expect(error.field == "CRC-32" && error.offset == enc.count - 4)
            #expect(error.description.contains("byte offset \(enc.count - 4)"))
        }
        #expect(throws: WaveformCodecError(field: "header", offset: 5, message: "block of 5 bytes is shorter than the 11-byte minimum")) {
            try WaveformCodec.decode([1, 0, 0, 1, 0])
        }
        // A block with a valid CRC but an impossible field: the field is named.
        var bad: [UInt8] = [0x01, 0x07, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00]
        let crc = CRC32.checksum(bad)
        bad += [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 24)]
        #expect(throws: WaveformCodecError(field: "predictor order", offset: 1, message: "7 is not 0…3")) { try WaveformCodec.decode(bad) }
    }
}
