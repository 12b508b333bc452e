/// ATT_ERROR_RSP (0x01): Request Opcode In Error uint8, Attribute Handle In Error uint16, Error Code uint8.
public struct ATTErrorResponse: Hashable, Sendable {
    public static let opcode = ATTOpcode.errorResponse
    public var requestOpcode: ATTOpcode
    public var handle: UInt16
    public var error: ATTErrorCode

    public init(requestOpcode: ATTOpcode, handle: UInt16, error: ATTErrorCode) {
        self.requestOpcode = requestOpcode
        self.handle = handle
        self.error = error
    }

    init(parameters r: inout ByteReader) throws(WireError) {
        requestOpcode = ATTOpcode(rawValue: try r.u8("Request Opcode In Error"))
        handle = try r.u16le("Attribute Handle In Error")
        error = ATTErrorCode(rawValue: try r.u8("Error Code"))
        try r.expectEnd(after: "Error Code")
    }

    func encodeParameters(into w: inout ByteWriter) {
        w.u8(requestOpcode.rawValue)
        w.u16le(handle)
        w.u8(error.rawValue)
    }
}
