import Foundation
import Hummingbird
import VitalsCore
import VitalsECG
import VitalsStore

/// `GET /api/v1/waveforms`: an ECG strip of one device, decoded to millivolts, with the beats VitalsECG's
/// `QRSDetector` finds on that strip. At most `maxSeconds` long.
struct WaveformHandlers: Sendable {
    let store: VitalsStore
    static let maxSeconds: Double = 60
    static let defaultSeconds: Double = 10

    struct Beat: Encodable {
        /// Index into `samples`.
        var sample: Int
        var at: Date
    }

    struct Strip: Encodable {
        var device: String
        var subject: String
        var lead: Int64
        var sampleRate: Double
        var unit: String
        var start: Date
        var end: Date
        /// Physical values in `unit` (mV), rounded to the microvolt.
        var samples: [Double]
        var beats: [Beat]
        /// Mean heart rate over the beats found (per minute); null with fewer than two beats.
        var heartRate: Double?
    }

    func waveforms(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let q = try Query(request, allowed: ["device", "from", "to"])
        var device = try q.string("device")
        var from = try q.time("from"), to = try q.time("to")
        if let from, let to, to <= from { throw APIError.badParameter("to", "must be later than from") }
        if let from, let to, to.timeIntervalSince(from) > Self.maxSeconds {
            throw APIError.badParameter("to", "a strip is at most \(Int(Self.maxSeconds)) s long")
        }
        if device == nil {
            // The newest stored strip, of whichever device recorded it.
            guard let latest = try await store.latestWaveform() else { throw APIError.notFound("no waveform is stored", field: "device") }
            device = latest.deviceID
            if to == nil && from == nil { to = latest.end }
        }
        guard let device else { throw APIError.notFound("no waveform is stored", field: "device") }
        if to == nil && from == nil {
            guard let end = try await store.waveformBlockRecords(device: device, from: .distantPast, to: .distantFuture, lookBack: 0).last.map({ b in
                Date(timeIntervalSince1970: Double(b.startMicroseconds) / 1e6 + Double(b.samples.count) / b.sampleRate)
            }) else { throw APIError.notFound("no waveform is stored for this device", field: "device") }
            to = end
        }
        let end = to ?? from!.addingTimeInterval(Self.defaultSeconds)
        let start = from ?? end.addingTimeInterval(-Self.defaultSeconds)
        let blocks = try await store.waveformBlockRecords(device: device, from: start, to: end)
        guard let lead = blocks.first?.leadMDC else { throw APIError.notFound("no waveform of this device in that time range", field: "device") }
        let strip = try Self.strip(blocks.filter { $0.leadMDC == lead }, from: start, to: end)
        return try JSON.response(strip)
    }

    /// The contiguous run of samples in `[from, to)` from the first block that reaches into it (a gap of more
    /// than one sample period ends it), in mV, and the beats on it.
    static func strip(_ blocks: [VitalsStore.StoredWaveformBlock], from: Date, to: Date) throws(APIError) -> Strip {
        guard let first = blocks.first else { throw APIError.notFound("no waveform in that time range") }
        let fs = first.sampleRate
        let fromUs = Double(from.timeIntervalSince1970 * 1e6), toUs = Double(to.timeIntervalSince1970 * 1e6)
        var raw: [Int32] = []
        var physical: [Double] = []
        var startUs: Double?
        var expectedUs: Double?
        let perMillivolt: Double = first.unit == "uV" ? first.gain * 1000 : first.gain
        for b in blocks where b.sampleRate == fs {
            let blockStart = Double(b.startMicroseconds)
            if let e = expectedUs, abs(blockStart - e) > 1e6 / fs * 1.5, blockStart > e { break }
            for (i, s) in b.samples.enumerated() {
                let t = blockStart + Double(i) * 1e6 / fs
                guard t >= fromUs - 1, t < toUs else { continue }
                if let e = expectedUs, startUs != nil, t < e - 1e6 / fs / 2 { continue }  // overlap with the previous block
                if startUs == nil { startUs = t }
                raw.append(s)
                let mv = Double(Int64(s) - b.baseline) / (b.unit == "uV" ? b.gain * 1000 : b.gain)
                physical.append((mv * 1000).rounded() / 1000)
                expectedUs = t + 1e6 / fs
            }
        }
        guard let startUs, !raw.isEmpty else { throw APIError.notFound("no waveform in that time range") }
        var detector = QRSDetector(.init(sampleRate: fs, adcGain: perMillivolt > 0 ? perMillivolt : nil))
        var out = detector.process(raw)
        out.beats += detector.finish().beats
        let indices = Array(Set(out.beats.map(\.sample).filter { $0 >= 0 && $0 < raw.count })).sorted()
        let start = Date(timeIntervalSince1970: startUs / 1e6)
        let beats = indices.map { Beat(sample: $0, at: start.addingTimeInterval(Double($0) / fs)) }
        let rate: Double? = indices.count >= 2 ? 60 * Double(indices.count - 1) / (Double(indices.last! - indices.first!) / fs) : nil
        return Strip(
            device: first.deviceID, subject: first.subjectID, lead: first.leadMDC, sampleRate: fs, unit: "mV", start: start,
            end: start.addingTimeInterval(Double(raw.count) / fs), samples: physical, beats: beats, heartRate: rate.map { ($0 * 10).rounded() / 10 })
    }
}
