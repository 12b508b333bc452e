/// Why a compressed waveform block could not be decoded: the field and its byte offset.
public struct WaveformCodecError: Error, Equatable, Sendable, CustomStringConvertible {
    public var field: String
    public var offset: Int
    public var message: String

    public init(field: String, offset: Int, message: String) {
        self.field = field
        self.offset = offset
        self.message = message
    }

    public var description: String { "waveform block: \(field) at byte offset \(offset): \(message)" }
}

/// Lossless codec for blocks of integer ADC samples (store codec 1), in the manner of FLAC's fixed
/// predictors and partitioned Rice coding. docs/ecg.md describes the format byte by byte:
///
/// ```
/// 0      u8      format version (1)
/// 1      u8      predictor order k, 0…3: residual = x[n] − Σ fixed coefficients (FLAC's fixed predictors)
/// 2      u8      partition order p, 0…15: the residuals are split into 2^p partitions
/// 3…6    u32 LE  sample count n (≥ 1, ≥ k)
/// 7…     i32 LE  k warm-up samples (x[0]…x[k−1], verbatim)
/// …      bits    for each partition: a 6-bit Rice parameter r, then each residual zig-zag mapped to
///                u = 2|e| − (e < 0), written as u >> r in unary (that many 0 bits, then a 1) followed by
///                the low r bits of u; bits are written most significant first; zero bits pad to a byte
/// last 4 u32 LE  CRC-32 (IEEE 802.3, reflected 0xEDB88320, initial and final 0xFFFFFFFF) of all bytes before it
/// ```
/// Partition i covers residuals [i·m >> p, (i+1)·m >> p) of the m = n − k residuals.
public enum WaveformCodec {
    public static let version: UInt8 = 1
    static let headerSize = 7
    static let maxPartitionOrder = 15
    static let parameterBits = 6

    // MARK: Encoding

    /// Encodes a block: for every predictor order 0…3 the residual magnitude is measured, the cheapest is
    /// kept, and the partition order and per-partition Rice parameters are chosen to minimise the size.
    public static func encode(_ samples: [Int32]) -> [UInt8] {
        samples.withUnsafeBufferPointer { encode($0) }
    }

    public static func encode(_ x: UnsafeBufferPointer<Int32>) -> [UInt8] {
        let n = x.count
        precondition(n >= 1 && n <= Int(UInt32.max), "a block holds 1…2^32−1 samples")
        // Choose the order by the sum of absolute residuals.
        var sums: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        for i in 0..<n {
            let a = Int64(x[i])
            sums.0 &+= a.magnitude
            if i >= 1 {
                let b = Int64(x[i - 1])
                sums.1 &+= (a - b).magnitude
                if i >= 2 {
                    let c = Int64(x[i - 2])
                    sums.2 &+= (a - 2 * b + c).magnitude
                    if i >= 3 { sums.3 &+= (a - 3 * b + 3 * c - Int64(x[i - 3])).magnitude }
                }
            }
        }
        // Compare per residual (orders leave fewer residuals).
        var order = 0
        var best = Double(sums.0) / Double(n)
        let cands = [sums.1, sums.2, sums.3]
        for k in 1...3 where n > k {
            let v = Double(cands[k - 1]) / Double(n - k)
            if v < best * 0.999 { best = v; order = k }
        }
        let m = n - order
        var u = [UInt64](repeating: 0, count: m)
        u.withUnsafeMutableBufferPointer { u in
            for i in order..<n {
                let a = Int64(x[i])
                let e: Int64
                switch order {
                case 0: e = a
                case 1: e = a - Int64(x[i - 1])
                case 2: e = a - 2 * Int64(x[i - 1]) + Int64(x[i - 2])
                default: e = a - 3 * Int64(x[i - 1]) + 3 * Int64(x[i - 2]) - Int64(x[i - 3])
                }
                u[i - order] = UInt64(bitPattern: (e << 1) ^ (e >> 63))
            }
        }
        let (p, params) = choosePartitions(u, m: m)

        var w = BitWriter(capacity: headerSize + 4 * order + m + 16)
        w.bytes.append(version)
        w.bytes.append(UInt8(order))
        w.bytes.append(UInt8(p))
        let c = UInt32(n)
        w.bytes += [UInt8(c & 0xFF), UInt8(c >> 8 & 0xFF), UInt8(c >> 16 & 0xFF), UInt8(c >> 24)]
        for i in 0..<order {
            let v = UInt32(bitPattern: x[i])
            w.bytes += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)]
        }
        u.withUnsafeBufferPointer { u in
            for part in 0..<(1 << p) {
                let lo = (part * m) >> p, hi = ((part + 1) * m) >> p
                let r = params[part]
                w.write(UInt64(r), bits: parameterBits)
                for i in lo..<hi { w.writeRice(u[i], r) }
            }
        }
        w.flush()
        let crc = CRC32.checksum(w.bytes)
        w.bytes += [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 24)]
        return w.bytes
    }

    /// Exact Rice cost of values with parameter r.
    @inline(__always)
    static func cost(sum: UInt64, count: Int, r: Int) -> UInt64 {
        // Estimated as (Σu) >> r + count·(r+1): exact up to the floor of each quotient.
        (sum >> UInt64(r)) + UInt64(count) * UInt64(r + 1)
    }

    static func bestParameter(sum: UInt64, count: Int) -> (Int, UInt64) {
        guard count > 0 else { return (0, 0) }
        let mean = sum / UInt64(count)
        var r0 = mean == 0 ? 0 : 63 - mean.leadingZeroBitCount
        r0 = min(r0, 62)
        var best = (r0, cost(sum: sum, count: count, r: r0))
        for r in [r0 - 1, r0 + 1] where r >= 0 && r <= 62 {
            let c = cost(sum: sum, count: count, r: r)
            if c < best.1 { best = (r, c) }
        }
        return best
    }

    static func choosePartitions(_ u: [UInt64], m: Int) -> (Int, [Int]) {
        // Finest partition order with partitions of at least 16 residuals.
        var pmax = 0
        while pmax < maxPartitionOrder && (m >> (pmax + 1)) >= 16 { pmax += 1 }
        var sums = [UInt64](repeating: 0, count: 1 << pmax)
        u.withUnsafeBufferPointer { u in
            for part in 0..<(1 << pmax) {
                let lo = (part * m) >> pmax, hi = ((part + 1) * m) >> pmax
                var s: UInt64 = 0
                for i in lo..<hi { s &+= u[i] }
                sums[part] = s
            }
        }
        var bestP = 0, bestCost = UInt64.max, bestParams: [Int] = []
        var level = sums
        var p = pmax
        while true {
            var total: UInt64 = 0
            var params: [Int] = []
            params.reserveCapacity(level.count)
            for part in 0..<level.count {
                let cnt = (((part + 1) * m) >> p) - ((part * m) >> p)
                let (r, c) = bestParameter(sum: level[part], count: cnt)
                params.append(r)
                total += c + UInt64(parameterBits)
            }
            if total <= bestCost { bestCost = total; bestP = p; bestParams = params }
            if p == 0 { break }
            var next = [UInt64](repeating: 0, count: level.count / 2)
            for i in 0..<next.count { next[i] = level[2 * i] &+ level[2 * i + 1] }
            level = next
            p -= 1
        }
        return (bestP, bestParams)
    }

    // MARK: Decoding

    /// Decodes a block, checking its length, fields and CRC first. Errors name the field and byte offset.
    public static func decode(_ bytes: [UInt8]) throws(WaveformCodecError) -> [Int32] {
        guard bytes.count >= headerSize + 4 else {
            throw WaveformCodecError(field: "header", offset: bytes.count, message: "block of \(bytes.count) bytes is shorter than the \(headerSize + 4)-byte minimum")
        }
        let crcAt = bytes.count - 4
        let stored = UInt32(bytes[crcAt]) | UInt32(bytes[crcAt + 1]) << 8 | UInt32(bytes[crcAt + 2]) << 16 | UInt32(bytes[crcAt + 3]) << 24
        let computed = bytes.withUnsafeBufferPointer { CRC32.checksum(UnsafeBufferPointer(rebasing: $0[0..<crcAt])) }
        guard stored == computed else {
            throw WaveformCodecError(field: "CRC-32", offset: crcAt, message: "stored 0x\(hex(stored)) but the block's bytes give 0x\(hex(computed)): the block is corrupted")
        }
        guard bytes[0] == version else { throw WaveformCodecError(field: "format version", offset: 0, message: "version \(bytes[0]) is not supported (1 is)") }
        let order = Int(bytes[1])
        guard order <= 3 else { throw WaveformCodecError(field: "predictor order", offset: 1, message: "\(order) is not 0…3") }
        let p = Int(bytes[2])
        guard p <= maxPartitionOrder else { throw WaveformCodecError(field: "partition order", offset: 2, message: "\(p) is above \(maxPartitionOrder)") }
        let n = Int(UInt32(bytes[3]) | UInt32(bytes[4]) << 8 | UInt32(bytes[5]) << 16 | UInt32(bytes[6]) << 24)
        guard n >= 1, n >= order else { throw WaveformCodecError(field: "sample count", offset: 3, message: "\(n) samples with predictor order \(order)") }
        let warmEnd = headerSize + 4 * order
        guard warmEnd <= crcAt else { throw WaveformCodecError(field: "warm-up samples", offset: headerSize, message: "the block ends inside them") }
        var out = [Int32](repeating: 0, count: n)
        for i in 0..<order {
            let o = headerSize + 4 * i
            out[i] = Int32(bitPattern: UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24)
        }
        let m = n - order
        try bytes.withUnsafeBufferPointer { (buf) throws(WaveformCodecError) in
            var r = BitReader(buf, start: warmEnd, end: crcAt)
            try out.withUnsafeMutableBufferPointer { (o) throws(WaveformCodecError) in
                var i = order
                for part in 0..<(1 << p) {
                    let lo = (part * m) >> p, hi = ((part + 1) * m) >> p
                    let paramAt = r.byteOffset
                    guard let k = r.read(parameterBits) else {
                        throw WaveformCodecError(field: "Rice parameter of partition \(part)", offset: paramAt, message: "the bit stream ends")
                    }
                    guard k <= 62 else { throw WaveformCodecError(field: "Rice parameter of partition \(part)", offset: paramAt, message: "\(k) is above 62") }
                    for _ in lo..<hi {
                        let at = r.byteOffset
                        guard let u = r.readRice(Int(k)) else {
                            throw WaveformCodecError(field: "residual \(i - order)", offset: at, message: "the bit stream ends or the value overflows")
                        }
                        let e = Int64(bitPattern: u >> 1) ^ -Int64(bitPattern: u & 1)
                        let pred: Int64
                        switch order {
                        case 0: pred = 0
                        case 1: pred = Int64(o[i - 1])
                        case 2: pred = 2 * Int64(o[i - 1]) - Int64(o[i - 2])
                        default: pred = 3 * Int64(o[i - 1]) - 3 * Int64(o[i - 2]) + Int64(o[i - 3])
                        }
                        let (v, overflow) = pred.addingReportingOverflow(e)
                        guard !overflow, let s = Int32(exactly: v) else {
                            throw WaveformCodecError(field: "residual \(i - order)", offset: at, message: "the decoded sample is outside the 32-bit range")
                        }
                        o[i] = s
                        i += 1
                    }
                }
            }
            if r.endBit - r.pos >= 8 {
                let at = (r.pos + 7) >> 3
                throw WaveformCodecError(field: "padding", offset: at, message: "\(crcAt - at) bytes follow the last residual")
            }
        }
        return out
    }

    static func hex(_ v: UInt32) -> String {
        let s = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: 8 - s.count) + s
    }
}

struct BitWriter {
    var bytes: [UInt8]
    var acc: UInt64 = 0
    var count = 0  // bits in acc

    init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inline(__always)
    mutating func write(_ value: UInt64, bits: Int) {
        // bits ≤ 57 keeps acc from overflowing after draining to < 8 bits.
        if bits > 56 {
            write(value >> 32, bits: bits - 32)
            write(value & 0xFFFF_FFFF, bits: 32)
            return
        }
        acc = (bits == 0 ? acc : (acc << UInt64(bits))) | (bits == 0 ? 0 : value)
        count += bits
        while count >= 8 {
            count -= 8
            bytes.append(UInt8(truncatingIfNeeded: acc >> UInt64(count)))
        }
        acc &= (1 << UInt64(count)) &- 1
    }

    @inline(__always)
    mutating func writeRice(_ u: UInt64, _ r: Int) {
        var q = u >> UInt64(r)
        let low = r == 0 ? 0 : u & ((1 << UInt64(r)) - 1)
        if q + 1 + UInt64(r) <= 56 {
            write((1 << UInt64(r)) | low, bits: Int(q) + 1 + r)
            return
        }
        while q >= 56 { write(0, bits: 56); q -= 56 }
        write(1, bits: Int(q) + 1)
        write(low, bits: r)
    }

    mutating func flush() {
        if count > 0 { bytes.append(UInt8(truncatingIfNeeded: acc << UInt64(8 - count))) }
        acc = 0
        count = 0
    }
}

struct BitReader {
    let buf: UnsafeBufferPointer<UInt8>
    var pos: Int  // bit position
    let endBit: Int

    init(_ buf: UnsafeBufferPointer<UInt8>, start: Int, end: Int) {
        self.buf = buf
        pos = start * 8
        endBit = end * 8
    }

    var byteOffset: Int { pos >> 3 }

    @inline(__always)
    mutating func bit() -> UInt64? {
        guard pos < endBit else { return nil }
        let b = (buf[pos >> 3] >> UInt8(7 - pos & 7)) & 1
        pos += 1
        return UInt64(b)
    }

    @inline(__always)
    mutating func read(_ bits: Int) -> UInt64? {
        guard pos + bits <= endBit else { return nil }
        var v: UInt64 = 0
        var left = bits
        while left > 0 {
            let byte = UInt64(buf[pos >> 3])
            let avail = 8 - pos & 7
            let take = min(avail, left)
            let shifted = (byte >> UInt64(avail - take)) & ((1 << UInt64(take)) - 1)
            v = v << UInt64(take) | shifted
            pos += take
            left -= take
        }
        return v
    }

    @inline(__always)
    mutating func readRice(_ r: Int) -> UInt64? {
        var q: UInt64 = 0
        // Skip whole zero bytes fast.
        while true {
            guard pos < endBit else { return nil }
            if pos & 7 == 0 && buf[pos >> 3] == 0 && pos + 8 <= endBit { q += 8; pos += 8; continue }
            guard let b = bit() else { return nil }
            if b == 1 { break }
            q += 1
        }
        guard q < (1 << (63 - UInt64(r))) else { return nil }
        guard let low = read(r) else { return nil }
        return q << UInt64(r) | low
    }
}

/// CRC-32 (IEEE 802.3; reflected polynomial 0xEDB88320, initial value and final XOR 0xFFFFFFFF).
/// The check value of "123456789" is 0xCBF43926.
public enum CRC32 {
    static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBufferPointer { checksum($0) } }

    public static func checksum(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            for b in bytes { c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        }
        return c ^ 0xFFFF_FFFF
    }
}
