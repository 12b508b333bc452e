/// LE advertising data: a sequence of AD structures, each Length uint8 (of type + data), AD Type uint8, data.
/// (Core Specification Supplement Part A; assigned AD types from the Bluetooth Assigned Numbers.)
public struct AdvertisingData: Hashable, Sendable {
    public static let entity = "Advertising Data"

    public struct Structure: Hashable, Sendable {
        public var type: UInt8
        public var data: [UInt8]
        public init(type: UInt8, data: [UInt8]) {
            self.type = type
            self.data = data
        }
    }

    public var structures: [Structure]

    public init(structures: [Structure]) { self.structures = structures }

    /// Builds the usual advertisement of a peripheral: flags, complete 16-bit service list, complete local name.
    public init(flags: UInt8 = 0x06, services: [BluetoothUUID], localName: String?, manufacturerData: [UInt8]? = nil) {
        var s: [Structure] = [Structure(type: 0x01, data: [flags])]
        let short = services.compactMap(\.short)
        if !short.isEmpty { s.append(Structure(type: 0x03, data: short.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })) }
        let long = services.filter { $0.short == nil }
        if !long.isEmpty { s.append(Structure(type: 0x07, data: long.flatMap(\.littleEndianBytes))) }
        if let localName { s.append(Structure(type: 0x09, data: Array(localName.utf8))) }
        if let manufacturerData { s.append(Structure(type: 0xFF, data: manufacturerData)) }
        structures = s
    }

    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        structures = []
        while !r.isAtEnd {
            let lengthOffset = r.offset
            let length = Int(try r.u8("AD Structure.Length"))
            if length == 0 { break }  // early termination, the rest is padding
            guard r.remaining >= length else {
                throw r.error("AD Structure.Data", .truncated(needed: length, available: r.remaining), at: lengthOffset + 1)
            }
            let type = try r.u8("AD Structure.AD Type")
            let data = try r.bytes(length - 1, "AD Structure.Data")
            structures.append(Structure(type: type, data: data))
        }
    }

    public func encoded() -> [UInt8] {
        structures.flatMap { [UInt8(1 + $0.data.count), $0.type] + $0.data }
    }

    /// AD type 0x01.
    public var flags: UInt8? { structures.first { $0.type == 0x01 }?.data.first }

    /// AD types 0x02/0x03 (16-bit) and 0x06/0x07 (128-bit) service UUIDs.
    public var serviceUUIDs: [BluetoothUUID] {
        var out: [BluetoothUUID] = []
        for s in structures {
            switch s.type {
            case 0x02, 0x03:
                stride(from: 0, to: s.data.count - 1, by: 2).forEach { out.append(BluetoothUUID(littleEndian: Array(s.data[$0..<$0 + 2]))!) }
            case 0x06, 0x07:
                stride(from: 0, to: s.data.count - 15, by: 16).forEach { out.append(BluetoothUUID(littleEndian: Array(s.data[$0..<$0 + 16]))!) }
            default: break
            }
        }
        return out
    }

    /// AD type 0x09 (complete) or 0x08 (shortened) local name.
    public var localName: String? {
        let s = structures.first { $0.type == 0x09 } ?? structures.first { $0.type == 0x08 }
        return s.map { String(decoding: $0.data, as: UTF8.self) }
    }

    /// AD type 0x0A, in dBm.
    public var txPowerLevel: Int8? { structures.first { $0.type == 0x0A }?.data.first.map { Int8(bitPattern: $0) } }

    /// AD type 0xFF: Company Identifier (uint16) then data.
    public var manufacturerData: (company: UInt16, data: [UInt8])? {
        guard let s = structures.first(where: { $0.type == 0xFF }), s.data.count >= 2 else { return nil }
        return (UInt16(s.data[0]) | UInt16(s.data[1]) << 8, Array(s.data[2...]))
    }
}
