/// ATT_EXCHANGE_MTU_REQ (0x02) and ATT_EXCHANGE_MTU_RSP (0x03): Client/Server Rx MTU uint16.
/// The ATT_MTU used is the smaller of the two, and never below the LE default of 23.
public struct ATTExchangeMTU: Hashable, Sendable {
    public static let defaultLEMTU: UInt16 = 23
    public var mtu: UInt16

    public init(mtu: UInt16) { self.mtu = mtu }

    init(parameters r: inout ByteReader, field: String) throws(WireError) {
        mtu = try r.u16le(field)
        try r.expectEnd(after: field)
    }

    func encodeParameters(into w: inout ByteWriter) { w.u16le(mtu) }
}
