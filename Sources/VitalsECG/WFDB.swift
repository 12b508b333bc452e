import Foundation

/// A malformed WFDB input: which file, which field, and where.
public struct WFDBError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    public var field: String
    /// Line number (header) or byte offset (signal and annotation files), when known.
    public var location: String
    public var message: String

    public init(file: String, field: String, location: String, message: String) {
        self.file = file
        self.field = field
        self.location = location
        self.message = message
    }

    public var description: String { "\(file): \(field) at \(location): \(message)" }
}

/// One signal of a WFDB record, from its header line.
public struct WFDBSignal: Sendable, Equatable {
    public var fileName: String
    /// Storage format: 212 (two 12-bit samples in 3 bytes) or 16 (16-bit little-endian).
    public var format: Int
    /// ADC units per physical unit (200 adu/mV in MIT-BIH).
    public var gain: Double
    public var baseline: Int
    public var units: String
    public var adcResolution: Int
    public var adcZero: Int
    public var initialValue: Int
    /// Sum of all samples modulo 2^16 (as a signed 16-bit number), if the header gives it.
    public var checksum: Int?
    public var description: String
}

/// A WFDB header (`.hea`): the record line and one line per signal.
public struct WFDBHeader: Sendable, Equatable {
    public var recordName: String
    public var sampleRate: Double
    public var sampleCount: Int
    public var signals: [WFDBSignal]

    /// Parses a header's text. Errors name the file, the field and the line.
    public static func parse(_ text: String, file: String) throws(WFDBError) -> WFDBHeader {
        var lines: [(Int, [Substring])] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if !fields.isEmpty { lines.append((i + 1, fields)) }
        }
        guard let (recLine, rec) = lines.first else {
            throw WFDBError(file: file, field: "record line", location: "line 1", message: "the header is empty")
        }
        guard rec.count >= 2 else {
            throw WFDBError(file: file, field: "number of signals", location: "line \(recLine)", message: "missing")
        }
        let name = String(rec[0].split(separator: "/").first ?? rec[0])
        guard let nsig = Int(rec[1]), nsig >= 1, nsig <= 64 else {
            throw WFDBError(file: file, field: "number of signals", location: "line \(recLine)", message: "'\(rec[1])' is not a count from 1 to 64")
        }
        var fs = 250.0
        if rec.count >= 3 {
            let f = rec[2].split(separator: "/").first.map(String.init) ?? ""
            guard let v = Double(f), v > 0, v.isFinite else {
                throw WFDBError(file: file, field: "sampling frequency", location: "line \(recLine)", message: "'\(rec[2])' is not a positive number")
            }
            fs = v
        }
        guard rec.count >= 4, let n = Int(rec[3]), n >= 0 else {
            throw WFDBError(file: file, field: "number of samples", location: "line \(recLine)", message: rec.count >= 4 ? "'\(rec[3])' is not a count" : "missing (needed to read the signal file)")
        }
        guard lines.count >= 1 + nsig else {
            throw WFDBError(file: file, field: "signal specification", location: "line \(recLine + 1)", message: "the record line names \(nsig) signals but \(lines.count - 1) signal lines follow")
        }
        var signals: [WFDBSignal] = []
        for s in 0..<nsig {
            let (ln, f) = lines[1 + s]
            let loc = "line \(ln)"
            guard f.count >= 2 else { throw WFDBError(file: file, field: "format", location: loc, message: "missing") }
            let fmtText = f[1].split(whereSeparator: { $0 == "x" || $0 == ":" || $0 == "+" }).first.map(String.init) ?? ""
            guard let fmt = Int(fmtText) else { throw WFDBError(file: file, field: "format", location: loc, message: "'\(f[1])' is not a number") }
            guard fmt == 212 || fmt == 16 else { throw WFDBError(file: file, field: "format", location: loc, message: "format \(fmt) is not supported (212 and 16 are)") }
            if f[1].contains("+") { throw WFDBError(file: file, field: "format", location: loc, message: "byte offsets ('+') are not supported") }
            var gain = 200.0, baselineText: String?, units = "mV"
            if f.count >= 3 {
                var g = Substring(f[2])
                if let slash = g.firstIndex(of: "/") { units = String(g[g.index(after: slash)...]); g = g[..<slash] }
                if let open = g.firstIndex(of: "("), let close = g.firstIndex(of: ")") , open < close {
                    baselineText = String(g[g.index(after: open)..<close]); g = g[..<open]
                }
                guard let v = Double(g) else { throw WFDBError(file: file, field: "ADC gain", location: loc, message: "'\(f[2])' is not a number") }
                gain = v == 0 ? 200 : v
                guard gain > 0, gain.isFinite else { throw WFDBError(file: file, field: "ADC gain", location: loc, message: "must be positive") }
            }
            func int(_ i: Int, _ name: String, _ dflt: Int) throws(WFDBError) -> Int {
                guard f.count > i else { return dflt }
                guard let v = Int(f[i]) else { throw WFDBError(file: file, field: name, location: loc, message: "'\(f[i])' is not an integer") }
                return v
            }
            let res = try int(3, "ADC resolution", fmt == 212 ? 12 : 16)
            let zero = try int(4, "ADC zero", 0)
            let initial = try int(5, "initial value", zero)
            let checksum: Int? = f.count > 6 ? try int(6, "checksum", 0) : nil
            var baseline = zero
            if let b = baselineText {
                guard let v = Int(b) else { throw WFDBError(file: file, field: "baseline", location: loc, message: "'\(b)' is not an integer") }
                baseline = v
            }
            let desc = f.count > 8 ? f[8...].joined(separator: " ") : ""
            signals.append(WFDBSignal(fileName: String(f[0]), format: fmt, gain: gain, baseline: baseline, units: units, adcResolution: res,
                                      adcZero: zero, initialValue: initial, checksum: checksum, description: desc))
        }
        return WFDBHeader(recordName: name, sampleRate: fs, sampleCount: n, signals: signals)
    }
}

/// Signal-file decoding (formats 212 and 16) as pure functions over bytes.
public enum WFDBSignalFile {
    /// Decodes the interleaved samples of the signals stored in one file.
    /// `signalCount` signals share the file, frame after frame. Returns one array per signal.
    public static func decode(_ bytes: [UInt8], format: Int, signalCount: Int, sampleCount: Int, file: String) throws(WFDBError) -> [[Int32]] {
        precondition(signalCount >= 1)
        let total = sampleCount * signalCount
        var out = [[Int32]](repeating: [], count: signalCount)
        for s in 0..<signalCount { out[s].reserveCapacity(sampleCount) }
        switch format {
        case 212:
            let needed = (total * 3 + 1) / 2
            guard bytes.count >= needed else {
                throw WFDBError(file: file, field: "format-212 samples", location: "byte offset \(bytes.count)",
                                message: "the file ends after \(bytes.count) bytes; \(sampleCount) samples × \(signalCount) signals need \(needed) (sample \(bytes.count * 2 / 3) is the first missing)")
            }
            bytes.withUnsafeBufferPointer { b in
                var k = 0, i = 0
                while k < total {
                    let b0 = Int32(b[i]), b1 = Int32(b[i + 1])
                    var v = b0 | ((b1 & 0x0F) << 8)
                    if v >= 2048 { v -= 4096 }
                    out[k % signalCount].append(v)
                    k += 1
                    if k < total {
                        var w = Int32(b[i + 2]) | ((b1 & 0xF0) << 4)
                        if w >= 2048 { w -= 4096 }
                        out[k % signalCount].append(w)
                        k += 1
                    }
                    i += 3
                }
            }
        case 16:
            let needed = total * 2
            guard bytes.count >= needed else {
                throw WFDBError(file: file, field: "format-16 samples", location: "byte offset \(bytes.count - bytes.count % 2)",
                                message: "the file ends after \(bytes.count) bytes; \(sampleCount) samples × \(signalCount) signals need \(needed)")
            }
            for k in 0..<total {
                let v = Int16(bitPattern: UInt16(bytes[2 * k]) | UInt16(bytes[2 * k + 1]) << 8)
                out[k % signalCount].append(Int32(v))
            }
        default:
            throw WFDBError(file: file, field: "format", location: "header", message: "format \(format) is not supported")
        }
        return out
    }

    /// Verifies a signal against the header's checksum (sum of samples, 16-bit).
    public static func checksumMatches(_ samples: [Int32], expected: Int) -> Bool {
        var sum: Int64 = 0
        for v in samples { sum &+= Int64(v) }
        return Int16(truncatingIfNeeded: sum) == Int16(truncatingIfNeeded: expected)
    }
}

/// One WFDB annotation: a sample index, a code (beat label etc.) and an optional aux string.
public struct WFDBAnnotation: Sendable, Equatable {
    public var sample: Int
    public var code: Int
    public var aux: String?

    /// The MIT mnemonic for the code (`N`, `V`, `+`…).
    public var mnemonic: String { code < Self.mnemonics.count ? Self.mnemonics[code] : "?\(code)" }

    static let mnemonics: [String] = [
        "", "N", "L", "R", "a", "V", "F", "J", "A", "S", "E", "j", "/", "Q", "~", "", "|", "", "s", "T", "*", "D", "\"", "=", "p", "B", "^",
        "t", "+", "u", "?", "!", "[", "]", "e", "n", "@", "x", "f", "(", ")", "r",
    ]

    /// Codes of the beat labels scored under ANSI/AAMI EC57: N L R B A a J S V r F e j n E / f Q ?.
    public static let beatCodes: Set<Int> = [1, 2, 3, 25, 8, 4, 7, 9, 5, 41, 6, 34, 11, 35, 10, 12, 38, 13, 30]

    public var isBeat: Bool { Self.beatCodes.contains(code) }
}

/// The WFDB "MIT" annotation format (`.atr`), read as a pure function over bytes.
public enum WFDBAnnotationFile {
    /// Each annotation is a 16-bit little-endian word: 6 bits of code, 10 bits of time step. Code 59 (SKIP)
    /// is followed by a 32-bit step (high word first), 60–62 (NUM, SUB, CHAN) set fields, 63 (AUX) carries
    /// the given number of bytes padded to even, and 0 with step 0 ends the file.
    public static func decode(_ bytes: [UInt8], file: String) throws(WFDBError) -> [WFDBAnnotation] {
        var out: [WFDBAnnotation] = []
        var t = 0, i = 0
        func word(_ at: Int) throws(WFDBError) -> Int {
            guard at + 1 < bytes.count else {
                throw WFDBError(file: file, field: "annotation word", location: "byte offset \(at)", message: "the file ends in the middle of an annotation")
            }
            return Int(bytes[at]) | Int(bytes[at + 1]) << 8
        }
        while i + 1 < bytes.count {
            let w = try word(i)
            let a = w >> 10, step = w & 0x3FF
            if a == 0 && step == 0 { return out }
            switch a {
            case 59:
                let hi = try word(i + 2), lo = try word(i + 4)
                t += Int(Int32(bitPattern: UInt32(hi << 16 | lo)))
                i += 6
            case 60, 61, 62:
                i += 2
            case 63:
                let start = i + 2, end = start + step
                guard end <= bytes.count else {
                    throw WFDBError(file: file, field: "aux string", location: "byte offset \(start)", message: "\(step) bytes announced, \(bytes.count - start) remain")
                }
                if !out.isEmpty {
                    let s = bytes[start..<end].prefix { $0 != 0 }
                    out[out.count - 1].aux = String(decoding: s, as: UTF8.self)
                }
                i = end + (step & 1)
            default:
                t += step
                out.append(WFDBAnnotation(sample: t, code: a, aux: nil))
                i += 2
            }
        }
        if i < bytes.count {
            throw WFDBError(file: file, field: "annotation word", location: "byte offset \(i)", message: "a lone trailing byte")
        }
        return out
    }

    /// Ventricular flutter/fibrillation spans: from each `[` (VFON, code 32) to the next `]` (VFOFF, 33).
    public static func ventricularFibrillationSpans(_ annotations: [WFDBAnnotation], recordEnd: Int) -> [(start: Int, end: Int)] {
        var spans: [(Int, Int)] = []
        var open: Int?
        for a in annotations {
            if a.code == 32, open == nil { open = a.sample }
            if a.code == 33, let o = open { spans.append((o, a.sample)); open = nil }
        }
        if let o = open { spans.append((o, recordEnd)) }
        return spans
    }

    /// Spans (start, end sample) of one rhythm in the rhythm annotations, e.g. `(AFIB`.
    /// A span runs from its rhythm label to the next rhythm label or to `recordEnd`.
    public static func rhythmSpans(_ annotations: [WFDBAnnotation], rhythm: String, recordEnd: Int) -> [(start: Int, end: Int)] {
        var spans: [(Int, Int)] = []
        var open: Int?
        for a in annotations where a.code == 28 {
            guard let aux = a.aux else { continue }
            if let o = open { spans.append((o, a.sample)); open = nil }
            if aux == rhythm { open = a.sample }
        }
        if let o = open { spans.append((o, recordEnd)) }
        return spans
    }
}
