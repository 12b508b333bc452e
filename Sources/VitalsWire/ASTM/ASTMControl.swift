/// The ASCII control characters of ASTM E1381 (CLSI LIS1-A) low-level transfer.
public enum ASTMControl {
    /// Start of text: begins a frame.
    public static let stx: UInt8 = 0x02
    /// End of text: ends the last frame of a message.
    public static let etx: UInt8 = 0x03
    /// End of transmission: ends the transfer phase.
    public static let eot: UInt8 = 0x04
    /// Enquiry: the sender asks to start a transfer.
    public static let enq: UInt8 = 0x05
    /// Acknowledge: the receiver accepts the enquiry or a frame.
    public static let ack: UInt8 = 0x06
    /// Line feed: the last byte of a frame.
    public static let lf: UInt8 = 0x0A
    /// Carriage return: ends a record, and comes before the frame's closing LF.
    public static let cr: UInt8 = 0x0D
    /// Negative acknowledge: the receiver rejects the enquiry or a frame (the sender sends it again).
    public static let nak: UInt8 = 0x15
    /// End of transmission block: ends an intermediate frame.
    public static let etb: UInt8 = 0x17

    /// A readable name for a control byte (`<ENQ>`), or nil for other bytes.
    public static func name(_ b: UInt8) -> String? {
        switch b {
        case stx: "<STX>"
        case etx: "<ETX>"
        case eot: "<EOT>"
        case enq: "<ENQ>"
        case ack: "<ACK>"
        case lf: "<LF>"
        case cr: "<CR>"
        case nak: "<NAK>"
        case etb: "<ETB>"
        default: nil
        }
    }

    /// Bytes as text with control bytes named, for logs and errors: `<STX>1H|\^&…<CR><ETB>D7<CR><LF>`.
    public static func describe<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        bytes.map { b in name(b) ?? (b >= 0x20 && b < 0x7F ? String(UnicodeScalar(b)) : "<\(Hex.format([b], separator: ""))>") }.joined()
    }
}
