import Foundation

/// A Polar Measurement Data ECG frame, notified on the PMD data characteristic (FB005C82-…); see `PolarPMD`.
///
/// Layout (little-endian): Measurement Type uint8 (low 6 bits; 0 = ECG); Time Stamp uint64, nanoseconds since
/// 2000-01-01T00:00:00Z of the LAST sample in the frame; Frame Type uint8 (bit 7 = compressed, low 7 bits the
/// type); then the samples. This type decodes frame type 0 (the H10's): uncompressed 24-bit signed samples in
/// microvolts, three bytes each (about 73 per notification at 130 Hz). Other measurement or frame types are
/// rejected as invalid rather than misread.
///
/// The time stamp is the sensor's clock: an H10 falls back to 2019-01-01 after power-off unless the collector
/// set its time, so check it against the receive time before trusting it.
public struct PolarECGFrame: Hashable, Sendable, WireDescribable {
    public static let uuid = PolarPMD.dataUUID
    public static let entity = "Polar PMD ECG data frame (FB005C82)"

    /// 2000-01-01T00:00:00Z as seconds since Foundation's reference date 2001-01-01T00:00:00Z (366 days earlier).
    static let epochFromReferenceDate: TimeInterval = -31_622_400

    public static let minimumSample: Int32 = -0x80_0000
    public static let maximumSample: Int32 = 0x7F_FFFF

    /// The Measurement Type byte as sent (0 for ECG; the top 2 bits are kept).
    public var measurementTypeByte: UInt8
    /// Nanoseconds since 2000-01-01T00:00:00Z of the last sample.
    public var timestamp: UInt64
    /// The Frame Type byte as sent (0).
    public var frameTypeByte: UInt8
    /// Samples in microvolts, oldest first. Each fits in 24 bits; `encoded()` clamps values that do not.
    public var samples: [Int32]

    public init(timestamp: UInt64, samples: [Int32]) {
        measurementTypeByte = PolarPMD.MeasurementType.ecg.rawValue
        self.timestamp = timestamp
        frameTypeByte = 0
        self.samples = samples
    }

    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        measurementTypeByte = try r.u8("Measurement Type")
        guard measurementTypeByte & 0x3F == PolarPMD.MeasurementType.ecg.rawValue else {
            let t = PolarPMD.MeasurementType(rawValue: measurementTypeByte)
            throw r.error("Measurement Type", .invalidValue("\(t) is not ECG (0)"), at: 0)
        }
        let ts = try r.bytes(8, "Time Stamp")
        var t: UInt64 = 0
        for (i, b) in ts.enumerated() { t |= UInt64(b) << (8 * UInt64(i)) }
        timestamp = t
        frameTypeByte = try r.u8("Frame Type")
        guard frameTypeByte == 0 else {
            let what =
                frameTypeByte & 0x80 != 0 ? "compressed frame type \(frameTypeByte & 0x7F)" : "frame type \(frameTypeByte)"
            throw r.error("Frame Type", .invalidValue("\(what) is not supported; only 0 (24-bit µV samples)"), at: 9)
        }
        samples = []
        repeat {
            let b = try r.bytes(3, "Samples[\(samples.count)]")
            let u = Int32(b[0]) | Int32(b[1]) << 8 | Int32(b[2]) << 16
            samples.append(u & 0x80_0000 != 0 ? u - 0x100_0000 : u)
        } while !r.isAtEnd
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u8(measurementTypeByte)
        for i in 0..<8 { w.u8(UInt8((timestamp >> (8 * UInt64(i))) & 0xFF)) }
        w.u8(frameTypeByte)
        for s in samples {
            let v = UInt32(bitPattern: min(max(s, Self.minimumSample), Self.maximumSample))
            w.u24le(v & 0xFF_FFFF)
        }
        return w.bytes
    }

    public var measurementType: PolarPMD.MeasurementType { PolarPMD.MeasurementType(rawValue: measurementTypeByte) }

    /// The last sample's time as a `Date` (to about a microsecond).
    public var date: Date { Self.date(nanosecondsSince2000: timestamp) }

    /// The last sample's time as ISO 8601 UTC text, to the nanosecond.
    public var isoTimestamp: String { PolarPMD.isoString(nanosecondsSince2000: timestamp) }

    public static func date(nanosecondsSince2000 ns: UInt64) -> Date {
        let seconds = Double(ns / 1_000_000_000) + Double(ns % 1_000_000_000) / 1e9
        return Date(timeIntervalSinceReferenceDate: epochFromReferenceDate + seconds)
    }

    /// Each sample's time, nanoseconds since 2000-01-01T00:00:00Z, oldest first; the last one is `timestamp`.
    ///
    /// With the previous frame's time stamp (earlier than this one) the samples share the interval since it
    /// evenly, which follows the sensor's clock. Without it they are spaced 1/`sampleRate` seconds back from the
    /// last. Returns an empty array when neither can be used (`sampleRate` not positive and no usable previous).
    public func sampleTimestamps(sampleRate: Double, previousFrameTimestamp: UInt64? = nil) -> [UInt64] {
        let n = samples.count
        guard n > 0 else { return [] }
        if let prev = previousFrameTimestamp, prev < timestamp {
            let step = Double(timestamp - prev) / Double(n)
            return (0..<n).map { i in i == n - 1 ? timestamp : prev + UInt64((step * Double(i + 1)).rounded()) }
        }
        guard sampleRate > 0, sampleRate.isFinite else { return [] }
        let step = 1e9 / sampleRate
        return (0..<n).map { i in
            let back = (step * Double(n - 1 - i)).rounded()
            return back >= Double(timestamp) ? 0 : timestamp - UInt64(back)
        }
    }

    public var json: JSONValue {
        .object([
            ("characteristic", .string(Self.uuid.description)),
            ("name", .string("Polar PMD data")),
            (
                "measurementType",
                .object([("raw", .int(Int64(measurementTypeByte))), ("name", .string(measurementType.description))])
            ),
            ("timeStamp", .string(isoTimestamp)),
            ("timeStampNanosecondsSince2000", .int(Int64(clamping: timestamp))),
            ("timeStampIsOfLastSample", .bool(true)),
            ("frameType", .object([("raw", .int(Int64(frameTypeByte))), ("compressed", .bool(frameTypeByte & 0x80 != 0))])),
            ("sampleCount", .int(Int64(samples.count))),
            ("samples", .array(samples.map { .int(Int64($0)) })),
            ("samplesUnit", .string("uV")),
        ])
    }
}
