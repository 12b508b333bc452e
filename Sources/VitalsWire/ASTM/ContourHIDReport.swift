/// The USB HID wrapping the Bayer/Ascensia Contour meters put around their ASTM E1381 bytes: 64-byte
/// reports, each `"ABC"` (0x41 0x42 0x43), a length byte (0–60), that many data bytes, zero padding.
/// Sources: glucometerutils' Contour driver and Tidepool's Contour driver (facts only).
public struct ContourHIDReport: Hashable, Sendable {
    public static let size = 64
    public static let maxData = 60
    public static let header: [UInt8] = [0x41, 0x42, 0x43]
    public static let entity = "Contour HID report"

    public var data: [UInt8]

    public init(data: [UInt8]) {
        precondition(data.count <= Self.maxData)
        self.data = data
    }

    /// Reads one report. The three header bytes are not checked (meters are known to vary them); the length
    /// must fit the report.
    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        _ = try r.bytes(3, "header")
        let lengthOffset = r.offset
        let n = Int(try r.u8("length"))
        guard n <= Self.maxData else {
            throw r.error("length", .invalidValue("\(n) is more than the \(Self.maxData) data bytes a report holds"), at: lengthOffset)
        }
        data = try r.bytes(n, "data")
    }

    public var encoded: [UInt8] {
        var b = Self.header + [UInt8(data.count)] + data
        b += [UInt8](repeating: 0, count: Self.size - b.count)
        return b
    }

    /// `bytes` as reports of at most 60 data bytes each.
    public static func reports(for bytes: [UInt8]) -> [ContourHIDReport] {
        guard !bytes.isEmpty else { return [] }
        return stride(from: 0, to: bytes.count, by: maxData).map { ContourHIDReport(data: Array(bytes[$0..<min($0 + maxData, bytes.count)])) }
    }
}
