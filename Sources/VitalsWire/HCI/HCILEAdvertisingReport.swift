/// HCI LE Advertising Report event (Core Specification Vol 4 Part E §7.7.65.2), as read from a raw HCI socket:
/// HCI packet type 0x04 (event), Event Code 0x3E (LE Meta), Parameter Total Length, Subevent Code 0x02,
/// Num_Reports, then per report: Event_Type u8, Address_Type u8, Address (6 bytes, little-endian),
/// Data_Length u8, Data, RSSI s8 (127 = not available).
///
/// The specification lays the reports out field by field for all reports at once (all event types, then all
/// address types …); with Num_Reports = 1, which controllers send in practice, the two layouts coincide.
/// Reports are decoded in the array-of-fields layout the specification states.
public struct HCILEAdvertisingReport: Hashable, Sendable {
    public static let entity = "HCI LE Advertising Report"

    public struct Report: Hashable, Sendable {
        /// 0 ADV_IND, 1 ADV_DIRECT_IND, 2 ADV_SCAN_IND, 3 ADV_NONCONN_IND, 4 SCAN_RSP.
        public var eventType: UInt8
        /// 0 public, 1 random, 2 public identity, 3 random identity.
        public var addressType: UInt8
        public var address: BLEAddress
        public var data: [UInt8]
        public var rssi: Int8
        public init(eventType: UInt8, addressType: UInt8, address: BLEAddress, data: [UInt8], rssi: Int8) {
            self.eventType = eventType
            self.addressType = addressType
            self.address = address
            self.data = data
            self.rssi = rssi
        }
    }

    public var reports: [Report]

    public init(reports: [Report]) { self.reports = reports }

    /// Decodes a whole HCI event packet; returns nil for any other event (the caller ignores those).
    public init?(packet bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        guard bytes.count >= 4, bytes[0] == 0x04, bytes[1] == 0x3E, bytes[3] == 0x02 else { return nil }
        _ = try r.u8("HCI Packet Type")
        _ = try r.u8("Event Code")
        let lengthOffset = r.offset
        let length = Int(try r.u8("Parameter Total Length"))
        guard r.remaining == length else {
            throw r.error("Parameter Total Length", r.remaining < length ? .truncated(needed: length, available: r.remaining) : .invalidValue("says \(length) but \(r.remaining) bytes follow"), at: lengthOffset)
        }
        _ = try r.u8("Subevent Code")
        let n = Int(try r.u8("Num_Reports"))
        guard (1...25).contains(n) else { throw r.error("Num_Reports", .invalidValue("\(n) is outside 1...25"), at: r.offset - 1) }
        var types: [UInt8] = [], addrTypes: [UInt8] = [], addrs: [BLEAddress] = [], lengths: [Int] = []
        for i in 0..<n { types.append(try r.u8("Event_Type[\(i)]")) }
        for i in 0..<n { addrTypes.append(try r.u8("Address_Type[\(i)]")) }
        for i in 0..<n { addrs.append(BLEAddress(bytes: Array(try r.bytes(6, "Address[\(i)]").reversed()))) }
        for i in 0..<n { lengths.append(Int(try r.u8("Data_Length[\(i)]"))) }
        var datas: [[UInt8]] = []
        for i in 0..<n {
            guard lengths[i] <= 31 else { throw r.error("Data_Length[\(i)]", .invalidValue("\(lengths[i]) exceeds 31")) }
            datas.append(try r.bytes(lengths[i], "Data[\(i)]"))
        }
        var rssis: [Int8] = []
        for i in 0..<n { rssis.append(try r.i8("RSSI[\(i)]")) }
        try r.expectEnd(after: "RSSI")
        reports = (0..<n).map { Report(eventType: types[$0], addressType: addrTypes[$0], address: addrs[$0], data: datas[$0], rssi: rssis[$0]) }
    }

    /// The event packet, as a controller would send it (used by tests and the simulator).
    public func encodedPacket() -> [UInt8] {
        var p = ByteWriter()
        p.u8(0x02)
        p.u8(UInt8(reports.count))
        for r in reports { p.u8(r.eventType) }
        for r in reports { p.u8(r.addressType) }
        for r in reports { p.append(r.address.bytes.reversed()) }
        for r in reports { p.u8(UInt8(r.data.count)) }
        for r in reports { p.append(r.data) }
        for r in reports { p.i8(r.rssi) }
        return [0x04, 0x3E, UInt8(p.bytes.count)] + p.bytes
    }
}
