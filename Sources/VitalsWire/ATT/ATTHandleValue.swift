/// A handle with a value: ATT_READ_REQ (0x0A, handle only), ATT_WRITE_REQ (0x12), ATT_WRITE_CMD (0x52),
/// ATT_HANDLE_VALUE_NTF (0x1B) and ATT_HANDLE_VALUE_IND (0x1D) all carry Attribute Handle uint16 then the value.
public struct ATTHandleValue: Hashable, Sendable {
    public var handle: UInt16
    public var value: [UInt8]

    public init(handle: UInt16, value: [UInt8] = []) {
        self.handle = handle
        self.value = value
    }

    /// `withValue` false for ATT_READ_REQ, which carries the handle alone.
    init(parameters r: inout ByteReader, withValue: Bool) throws(WireError) {
        handle = try r.u16le("Attribute Handle")
        if withValue {
            value = r.rest()
        } else {
            value = []
            try r.expectEnd(after: "Attribute Handle")
        }
    }

    func encodeParameters(into w: inout ByteWriter) {
        w.u16le(handle)
        w.append(value)
    }
}
