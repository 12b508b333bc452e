/// A Bluetooth UUID: a 16-bit SIG-assigned number or a full 128-bit UUID.
///
/// 16-bit UUIDs expand over the Bluetooth Base UUID 0000xxxx-0000-1000-8000-00805F9B34FB.
public struct BluetoothUUID: Hashable, Sendable, CustomStringConvertible {
    /// Big-endian, 16 bytes.
    public let bytes: [UInt8]

    private static let base: [UInt8] = [
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0x80, 0x5F, 0x9B, 0x34, 0xFB,
    ]

    public init(_ short: UInt16) {
        var b = Self.base
        b[2] = UInt8(short >> 8)
        b[3] = UInt8(short & 0xFF)
        bytes = b
    }

    /// From 16 big-endian bytes.
    public init?(bigEndianBytes b: [UInt8]) {
        guard b.count == 16 else { return nil }
        bytes = b
    }

    /// From the on-air little-endian form, 2 or 16 bytes.
    public init?(littleEndian b: [UInt8]) {
        switch b.count {
        case 2: self.init(UInt16(b[0]) | UInt16(b[1]) << 8)
        case 16: self.init(bigEndianBytes: b.reversed())
        default: return nil
        }
    }

    /// Parses `2A35`, `0x2A35` or `FB005C80-02E7-F387-1CAD-8ACD2D8DF0C8`.
    public init?(string: String) {
        var s = string.trimmingPrefix("0x").replacingOccurrences(of: "-", with: "")
        s = s.uppercased()
        if s.count == 4, let v = UInt16(s, radix: 16) {
            self.init(v)
            return
        }
        guard s.count == 32 else { return nil }
        var out: [UInt8] = []
        var idx = s.startIndex
        for _ in 0..<16 {
            let next = s.index(idx, offsetBy: 2)
            guard let b = UInt8(s[idx..<next], radix: 16) else { return nil }
            out.append(b)
            idx = next
        }
        self.init(bigEndianBytes: out)
    }

    /// The 16-bit form when this UUID lies on the Bluetooth Base UUID.
    public var short: UInt16? {
        var b = bytes
        b[2] = 0
        b[3] = 0
        return b == Self.base ? UInt16(bytes[2]) << 8 | UInt16(bytes[3]) : nil
    }

    /// On-air little-endian form: 2 bytes for SIG UUIDs, otherwise 16.
    public var littleEndianBytes: [UInt8] {
        if let s = short { return [UInt8(s & 0xFF), UInt8(s >> 8)] }
        return bytes.reversed()
    }

    public var description: String {
        if let s = short {
            let h = String(s, radix: 16, uppercase: true)
            return String(repeating: "0", count: 4 - h.count) + h
        }
        let hex = Hex.format(bytes, separator: "")
        let c = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(c[$0]) }.joined(separator: "-")
    }
}

extension String {
    fileprivate func trimmingPrefix(_ p: String) -> String {
        lowercased().hasPrefix(p) ? String(dropFirst(p.count)) : self
    }
    fileprivate func replacingOccurrences(of a: String, with b: String) -> String {
        split(separator: Character(a), omittingEmptySubsequences: false).joined(separator: b)
    }
}

/// SIG-assigned numbers used by the profiles we serve.
public enum GATTAssigned {
    // Services.
    public static let bloodPressureService = BluetoothUUID(0x1810)
    public static let glucoseService = BluetoothUUID(0x1808)
    public static let deviceInformationService = BluetoothUUID(0x180A)
    // Characteristics.
    public static let bloodPressureMeasurement = BluetoothUUID(0x2A35)
    public static let intermediateCuffPressure = BluetoothUUID(0x2A36)
    public static let bloodPressureFeature = BluetoothUUID(0x2A49)
    public static let glucoseMeasurement = BluetoothUUID(0x2A18)
    public static let glucoseMeasurementContext = BluetoothUUID(0x2A34)
    public static let glucoseFeature = BluetoothUUID(0x2A51)
    public static let recordAccessControlPoint = BluetoothUUID(0x2A52)
    public static let manufacturerName = BluetoothUUID(0x2A29)
    public static let modelNumber = BluetoothUUID(0x2A24)
    public static let serialNumber = BluetoothUUID(0x2A25)
    // GATT declarations and descriptors.
    public static let primaryService = BluetoothUUID(0x2800)
    public static let secondaryService = BluetoothUUID(0x2801)
    public static let include = BluetoothUUID(0x2802)
    public static let characteristic = BluetoothUUID(0x2803)
    public static let clientCharacteristicConfiguration = BluetoothUUID(0x2902)
}
