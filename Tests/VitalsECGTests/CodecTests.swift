import Testing
import VitalsCore

@Suite struct CodecTests {
    @Test func roundTripSimple() throws {
        let x: [Int32] = [1, 2, 3, 5, 8, 13]
        #expect(try WaveformCodec.decode(WaveformCodec.encode(x)) == x)
    }
}
