import Foundation
import VitalsCore

/// Date Time characteristic (0x2A08) layout: year uint16, then month, day, hours, minutes, seconds (uint8 each).
///
/// Year 0 and month 0 mean "not known" in the specification. Out-of-range values are kept as sent,
/// so validation can flag them instead of the decoder throwing the whole reading away.
public struct BLEDateTime: Hashable, Sendable, CustomStringConvertible {
    public static let byteCount = 7

    public var year: UInt16, month: UInt8, day: UInt8, hours: UInt8, minutes: UInt8, seconds: UInt8

    public init(year: UInt16, month: UInt8, day: UInt8, hours: UInt8, minutes: UInt8, seconds: UInt8) {
        (self.year, self.month, self.day, self.hours, self.minutes, self.seconds) = (year, month, day, hours, minutes, seconds)
    }

    /// The clock reading for `date` in `timeZone`.
    public init(date: Date, in timeZone: TimeZone) {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = timeZone
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        self.init(year: UInt16(c.year!), month: UInt8(c.month!), day: UInt8(c.day!), hours: UInt8(c.hour!), minutes: UInt8(c.minute!), seconds: UInt8(c.second!))
    }

    public init(from r: inout ByteReader, field: String) throws(WireError) {
        year = try r.u16le("\(field).year")
        month = try r.u8("\(field).month")
        day = try r.u8("\(field).day")
        hours = try r.u8("\(field).hours")
        minutes = try r.u8("\(field).minutes")
        seconds = try r.u8("\(field).seconds")
    }

    public func encode(into w: inout ByteWriter) {
        w.u16le(year)
        w.u8(month)
        w.u8(day)
        w.u8(hours)
        w.u8(minutes)
        w.u8(seconds)
    }

    /// Whether every field is in its specified range and known.
    public var isValid: Bool {
        (1582...9999).contains(year) && (1...12).contains(month) && (1...31).contains(day) && hours < 24
            && minutes < 60 && seconds < 60
    }

    public var deviceTime: DeviceTime {
        DeviceTime(
            year: Int(year), month: Int(month), day: Int(day), hour: Int(hours), minute: Int(minutes),
            second: Int(seconds))
    }

    /// ISO 8601 local time without a zone (devices do not say one).
    public var description: String { deviceTime.description }

    public var json: JSONValue { isValid ? .string(description) : .string("invalid(\(description))") }
}
