import NIOCore
import VitalsStore

/// PostgreSQL's COPY text format: columns separated by a tab, rows ended by a newline, `\N` for null, and
/// backslash, tab, newline and carriage return escaped with a backslash.
public enum CopyText {
    /// Appends one staging row (the columns of `CentralSchema.stagingColumns`).
    public static func appendStaging(_ r: UplinkRow, to b: inout ByteBuffer) {
        int(r.seq, &b); tab(&b)
        measurement(r, &b)
        int(r.effectiveMs, &b); tab(&b)
        int(r.receivedMs, &b); tab(&b)
        text(r.grade, &b); tab(&b)
        text(r.flags, &b)
        b.writeInteger(UInt8(ascii: "\n"))
    }

    /// Appends one row in the central table's own column order (for a raw `\copy` of the same rows in the benchmark):
    /// hub_id, device_id, natural_key, metric, kind, subject_id, mdc_code, loinc, value, state, unit, effective_at,
    /// received_at, grade, flags, hub_seq.
    public static func appendCentral(_ r: UplinkRow, hubID: String, to b: inout ByteBuffer) {
        text(hubID, &b); tab(&b)
        measurement(r, &b)
        timestamp(r.effectiveMs, &b); tab(&b)
        timestamp(r.receivedMs, &b); tab(&b)
        text(r.grade, &b); tab(&b)
        text(r.flags, &b); tab(&b)
        int(r.seq, &b)
        b.writeInteger(UInt8(ascii: "\n"))
    }

    /// The columns both layouts share, device id to unit, each followed by a tab.
    static func measurement(_ r: UplinkRow, _ b: inout ByteBuffer) {
        text(r.deviceID, &b); tab(&b)
        text(r.naturalKey, &b); tab(&b)
        text(r.metric, &b); tab(&b)
        text(r.kind, &b); tab(&b)
        text(r.subjectID, &b); tab(&b)
        int(r.mdc, &b); tab(&b)
        optText(r.loinc, &b); tab(&b)
        double(r.value, &b); tab(&b)
        text(r.state, &b); tab(&b)
        text(r.unit, &b); tab(&b)
    }

    static func tab(_ b: inout ByteBuffer) { b.writeInteger(UInt8(ascii: "\t")) }

    static func optText(_ s: String?, _ b: inout ByteBuffer) {
        if let s { text(s, &b) } else { b.writeStaticString("\\N") }
    }

    static func text(_ s: String, _ b: inout ByteBuffer) {
        var plain = true
        for c in s.utf8 where c == 0x5C || c == 0x09 || c == 0x0A || c == 0x0D { plain = false; break }
        if plain {
            b.writeString(s)
            return
        }
        for c in s.utf8 {
            switch c {
            case 0x5C: b.writeStaticString("\\\\")
            case 0x09: b.writeStaticString("\\t")
            case 0x0A: b.writeStaticString("\\n")
            case 0x0D: b.writeStaticString("\\r")
            default: b.writeInteger(c)
            }
        }
    }

    /// Decimal digits straight into the buffer (no String per value: this runs several times per row).
    static func int(_ v: Int64, _ b: inout ByteBuffer) {
        if v < 0 { b.writeInteger(UInt8(ascii: "-")) }
        var m = v.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[19 - n] = UInt8(truncatingIfNeeded: m % 10) + 0x30
                m /= 10
                n += 1
            } while m > 0
            b.writeBytes(UnsafeRawBufferPointer(rebasing: d[(20 - n)...]))
        }
    }

    static func double(_ v: Double?, _ b: inout ByteBuffer) {
        guard let v, v.isFinite else { b.writeStaticString("\\N"); return }
        if v == v.rounded(), abs(v) < 1e15 { int(Int64(v), &b) } else { b.writeString(v.description) }
    }

    /// `2026-03-01 12:34:56.789+00`.
    static func timestamp(_ ms: Int64, _ b: inout ByteBuffer) {
        let days = ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
        let rest = ms - days * 86_400_000
        let (y, m, d) = CentralSchema.civil(days: days)
        func two(_ v: Int64) { b.writeInteger(UInt8(truncatingIfNeeded: v / 10) + 0x30); b.writeInteger(UInt8(truncatingIfNeeded: v % 10) + 0x30) }
        int(y, &b); b.writeInteger(UInt8(ascii: "-")); two(m); b.writeInteger(UInt8(ascii: "-")); two(d)
        b.writeInteger(UInt8(ascii: " "))
        two(rest / 3_600_000); b.writeInteger(UInt8(ascii: ":")); two(rest / 60_000 % 60); b.writeInteger(UInt8(ascii: ":")); two(rest / 1000 % 60)
        b.writeInteger(UInt8(ascii: "."))
        let milli = rest % 1000
        b.writeInteger(UInt8(truncatingIfNeeded: milli / 100) + 0x30); two(milli % 100)
        b.writeStaticString("+00")
    }
}
