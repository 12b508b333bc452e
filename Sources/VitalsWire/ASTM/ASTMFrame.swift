/// One ASTM E1381 frame: `<STX> FN text <ETB>|<ETX> C1 C2 <CR> <LF>`.
///
/// FN is the frame number as one ASCII digit, 0–7: the first frame of a transfer is 1 and each next frame
/// adds 1 modulo 8. The text is at most 240 characters; a message that is longer goes on in further frames.
/// Every frame but the last of a message ends in ETB (intermediate); the last ends in ETX (final). C1 C2 is
/// the checksum: the sum of the bytes from FN through the ETB or ETX, modulo 256, as two uppercase hex
/// digits. Text may not contain the control bytes STX, ETX, EOT, ENQ, ACK, NAK, ETB or LF; a record's
/// closing CR is part of the text.
public struct ASTMFrame: Hashable, Sendable, CustomStringConvertible {
    public static let entity = "ASTM E1381 frame"
    /// The longest frame text E1381 allows.
    public static let maxTextLength = 240
    /// STX, FN, the terminator, C1, C2, CR and LF around the text.
    public static let overhead = 7

    /// 0–7.
    public var number: UInt8
    public var text: [UInt8]
    /// ETX (the last frame of a message) rather than ETB (an intermediate frame).
    public var isFinal: Bool

    public init(number: UInt8, text: [UInt8], isFinal: Bool) {
        self.number = number
        self.text = text
        self.isFinal = isFinal
    }

    /// The checksum of `bytes` (FN through ETB/ETX): their sum modulo 256.
    public static func checksum<C: Collection>(_ bytes: C) -> UInt8 where C.Element == UInt8 {
        bytes.reduce(UInt8(0)) { $0 &+ $1 }
    }

    /// The two uppercase hex digits that carry `sum`.
    public static func checksumDigits(_ sum: UInt8) -> [UInt8] {
        let digits = Array("0123456789ABCDEF".utf8)
        return [digits[Int(sum >> 4)], digits[Int(sum & 0x0F)]]
    }

    /// The checksum this frame carries.
    public var checksum: UInt8 { Self.checksum([0x30 + number] + text + [isFinal ? ASTMControl.etx : ASTMControl.etb]) }

    public var encoded: [UInt8] {
        let terminator = isFinal ? ASTMControl.etx : ASTMControl.etb
        return [ASTMControl.stx, 0x30 + number] + text + [terminator] + Self.checksumDigits(checksum) + [ASTMControl.cr, ASTMControl.lf]
    }

    /// Decodes exactly one frame, from its STX to its LF.
    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        let stx = try r.u8("STX")
        guard stx == ASTMControl.stx else { throw r.error("STX", .invalidValue("0x\(Hex.format([stx])) is not STX"), at: 0) }
        let fn = try r.u8("FN")
        guard (0x30...0x37).contains(fn) else { throw r.error("FN", .invalidValue("'\(ASTMControl.describe([fn]))' is not a frame number 0–7"), at: 1) }
        // The text runs to the first ETB or ETX.
        guard let end = bytes[2...].firstIndex(where: { $0 == ASTMControl.etx || $0 == ASTMControl.etb }) else {
            throw r.error("ETB/ETX", .truncated(needed: 1, available: 0), at: bytes.count)
        }
        let text = try r.bytes(end - 2, "text")
        if text.count > Self.maxTextLength {
            throw r.error("text", .invalidValue("\(text.count) characters; E1381 allows \(Self.maxTextLength)"), at: 2)
        }
        for (i, b) in text.enumerated() where b != ASTMControl.cr && b < 0x20 && b != 0x09 {
            throw r.error("text", .invalidValue("control byte \(ASTMControl.describe([b])) inside frame text"), at: 2 + i)
        }
        let terminator = try r.u8("ETB/ETX")
        let c1c2At = r.absoluteOffset
        let digits = try r.bytes(2, "C1C2")
        let isHexDigit: (UInt8) -> Bool = { (0x30...0x39).contains($0) || (0x41...0x46).contains($0) }
        guard digits.allSatisfy(isHexDigit), let sent = UInt8(String(decoding: digits, as: UTF8.self), radix: 16) else {
            throw r.error("C1C2", .invalidValue("'\(ASTMControl.describe(digits))' is not two uppercase hex digits"), at: c1c2At)
        }
        let cr = try r.u8("CR")
        guard cr == ASTMControl.cr else { throw r.error("CR", .invalidValue("0x\(Hex.format([cr])) is not CR"), at: r.absoluteOffset - 1) }
        let lf = try r.u8("LF")
        guard lf == ASTMControl.lf else { throw r.error("LF", .invalidValue("0x\(Hex.format([lf])) is not LF"), at: r.absoluteOffset - 1) }
        try r.expectEnd(after: "LF")
        self.init(number: fn - 0x30, text: text, isFinal: terminator == ASTMControl.etx)
        let computed = checksum
        guard computed == sent else {
            throw r.error("C1C2", .invalidValue("checksum \(String(decoding: digits, as: UTF8.self)) does not match the computed \(String(decoding: Self.checksumDigits(computed), as: UTF8.self))"), at: c1c2At)
        }
    }

    /// How many bytes the frame at the start of `buffer` (which begins with STX) takes, through its LF; nil
    /// while the frame is incomplete. A frame that cannot end where E1381 says it must (no ETB/ETX within
    /// 240 text characters) is sized up to the next STX, EOT or ENQ, or the whole buffer, so a caller can
    /// drop it.
    public static func length(in buffer: ArraySlice<UInt8>) -> Int? {
        let start = buffer.startIndex
        var i = start + 1
        while i < buffer.endIndex {
            let b = buffer[i]
            if b == ASTMControl.etx || b == ASTMControl.etb {
                // Terminator, C1, C2, CR, LF.
                return i + 5 <= buffer.endIndex ? i + 5 - start : nil
            }
            if b == ASTMControl.stx || b == ASTMControl.eot || b == ASTMControl.enq { return i - start }
            if i - start > maxTextLength + 2 { return i - start }
            i += 1
        }
        return nil
    }

    /// Splits a message's text into frames of at most `maxText` characters, numbered from `firstNumber`
    /// (modulo 8); the last frame is final.
    public static func frames(for text: [UInt8], firstNumber: UInt8 = 1, maxText: Int = maxTextLength) -> [ASTMFrame] {
        precondition(maxText > 0 && maxText <= maxTextLength)
        var out: [ASTMFrame] = []
        var i = 0
        var n = firstNumber % 8
        repeat {
            let end = min(i + maxText, text.count)
            out.append(ASTMFrame(number: n, text: Array(text[i..<end]), isFinal: end == text.count))
            i = end
            n = (n + 1) % 8
        } while i < text.count
        return out
    }

    public var description: String { ASTMControl.describe(encoded) }
}
