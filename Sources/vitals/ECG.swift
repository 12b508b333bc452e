import ArgumentParser
import Foundation
import VitalsCore
import VitalsECG

struct ECG: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ecg",
        abstract: "ECG analytics on WFDB records: R-peak detection, rhythm, evaluation.",
        subcommands: [Detect.self, Rhythm.self, Score.self, Codec.self, Bench.self])

    /// A WFDB record read from disk: the header, the signals of its files, and the reference annotations.
    struct Record {
        var header: WFDBHeader
        var signals: [[Int32]]
        var path: String

        /// Reads PATH.hea and the signal files it names (from the header's folder).
        static func load(_ path: String) throws(WFDBError) -> Record {
            let base = path.hasSuffix(".hea") ? String(path.dropLast(4)) : path
            let heaPath = base + ".hea"
            guard let heaData = FileManager.default.contents(atPath: heaPath) else {
                throw WFDBError(file: heaPath, field: "header file", location: "-", message: "cannot be read")
            }
            let header = try WFDBHeader.parse(String(decoding: heaData, as: UTF8.self), file: heaPath)
            let dir = (base as NSString).deletingLastPathComponent
            var signals = [[Int32]](repeating: [], count: header.signals.count)
            // Signals sharing a file are interleaved in it, in header order.
            var byFile: [(String, [Int])] = []
            for (i, s) in header.signals.enumerated() {
                if let k = byFile.firstIndex(where: { $0.0 == s.fileName }) { byFile[k].1.append(i) } else { byFile.append((s.fileName, [i])) }
            }
            for (file, idx) in byFile {
                let fmt = header.signals[idx[0]].format
                for i in idx where header.signals[i].format != fmt {
                    throw WFDBError(file: heaPath, field: "format", location: "signal \(i)", message: "signals in one file must share a format")
                }
                let datPath = dir.isEmpty ? file : dir + "/" + file
                guard let data = FileManager.default.contents(atPath: datPath) else {
                    throw WFDBError(file: datPath, field: "signal file", location: "-", message: "cannot be read")
                }
                let decoded = try WFDBSignalFile.decode([UInt8](data), format: fmt, signalCount: idx.count, sampleCount: header.sampleCount, file: datPath)
                for (k, i) in idx.enumerated() {
                    if let c = header.signals[i].checksum, !WFDBSignalFile.checksumMatches(decoded[k], expected: c) {
                        throw WFDBError(file: datPath, field: "checksum of signal \(i)", location: heaPath, message: "the samples do not sum to the header's checksum \(c)")
                    }
                    signals[i] = decoded[k]
                }
            }
            return Record(header: header, signals: signals, path: base)
        }

        func annotations(_ ext: String = "atr") throws(WFDBError) -> [WFDBAnnotation] {
            let p = path + "." + ext
            guard let data = FileManager.default.contents(atPath: p) else {
                throw WFDBError(file: p, field: "annotation file", location: "-", message: "cannot be read")
            }
            return try WFDBAnnotationFile.decode([UInt8](data), file: p)
        }

        func channel(_ c: Int) throws -> [Int32] {
            guard c >= 0 && c < signals.count else { throw ValidationError("--channel \(c): the record has \(signals.count) signals") }
            return signals[c]
        }

        func configuration(_ c: Int) -> QRSDetector.Configuration {
            QRSDetector.Configuration(sampleRate: header.sampleRate, adcGain: header.signals[c].gain)
        }
    }

    static func malformed(_ error: any Error) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        return ExitCode(exitMalformed)
    }

    static func load(_ path: String) throws -> Record {
        do { return try Record.load(path) } catch { throw malformed(error) }
    }

    struct RecordOptions: ParsableArguments {
        @Option(help: "WFDB record path without extension (PATH.hea and its signal file; formats 212 and 16).") var record: String
        @Option(help: "Signal number (0 = first).") var channel: Int = 0
    }

    struct Detect: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print one detected R-peak sample index per line.")
        @OptionGroup var options: RecordOptions
        @Option(help: "Feed the detector blocks of this many samples (any size; the result does not depend on it).") var block: Int = 4096
        @Flag(help: "Also print each beat's latency in samples and whether search-back found it.") var verbose = false

        func run() throws {
            let rec = try ECG.load(options.record)
            let x = try rec.channel(options.channel)
            let beats = QRSDetector.detect(x, configuration: rec.configuration(options.channel), blockSize: max(1, block))
            var out = ""
            out.reserveCapacity(beats.count * 7)
            for b in beats { out += verbose ? "\(b.sample) \(b.emittedAt - b.sample) \(b.searchBack ? 1 : 0)\n" : "\(b.sample)\n" }
            FileHandle.standardOutput.write(Data(out.utf8))
        }
    }

    struct Rhythm: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print atrial-fibrillation episodes as `start end` sample pairs, one per line.")
        @OptionGroup var options: RecordOptions
        @Flag(help: "Print every rhythm event (kind start end value) instead of AF episodes only.") var all = false

        func run() throws {
            let rec = try ECG.load(options.record)
            let x = try rec.channel(options.channel)
            let (beats, breaks) = ECG.detectWithBreaks(x, rec.configuration(options.channel))
            let events = RhythmRules().analyse(beats: beats, sampleRate: rec.header.sampleRate, breaks: breaks)
            for e in events where all || e.kind == .atrialFibrillation {
                print(all ? "\(e.kind.rawValue) \(e.start) \(e.end) \(String(format: "%.1f", e.value))" : "\(e.start) \(e.end)")
            }
        }
    }

    static func detectWithBreaks(_ x: [Int32], _ cfg: QRSDetector.Configuration) -> (beats: [Int], breaks: [Int]) {
        var det = QRSDetector(cfg)
        var beats: [Int] = [], breaks: [Int] = []
        var i = 0
        while i < x.count {
            let j = min(x.count, i + 4096)
            let o = det.process(Array(x[i..<j]))
            beats += o.beats.map(\.sample)
            breaks += o.losses.compactMap(\.end)
            i = j
        }
        let o = det.finish()
        beats += o.beats.map(\.sample)
        breaks += o.losses.compactMap(\.end)
        return (beats, breaks)
    }

    struct Score: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score detections against the record's reference beats (EC57: ±150 ms, first 5 minutes excluded).",
            discussion: "Prints `record ref tp fn fp se ppv seconds max-latency-s`, and with --af the AF duration overlap `af ref-s det-s overlap-s`.")
        @OptionGroup var options: RecordOptions
        @Option(help: "Score these detections (one sample index per line) instead of running our detector.") var detections: String?
        @Option(help: "Seconds the other detector took (printed as is).") var seconds: Double?
        @Flag(help: "Also score AF episodes against the (AFIB rhythm annotations.") var af = false

        func run() throws {
            let rec = try ECG.load(options.record)
            let x = try rec.channel(options.channel)
            let ann: [WFDBAnnotation]
            do { ann = try rec.annotations() } catch { throw ECG.malformed(error) }
            let fs = rec.header.sampleRate
            var det: [Int]
            var secs = seconds ?? 0
            var maxLatency = 0.0
            if let path = detections {
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ValidationError("cannot read \(path)") }
                det = text.split(whereSeparator: \.isNewline).compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            } else {
                let t0 = DispatchTime.now().uptimeNanoseconds
                let beats = QRSDetector.detect(x, configuration: rec.configuration(options.channel))
                secs = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                det = beats.map(\.sample)
                maxLatency = Double(beats.map { $0.emittedAt - $0.sample }.max() ?? 0) / fs
            }
            let ref = ann.filter(\.isBeat).map(\.sample)
            let vf = WFDBAnnotationFile.ventricularFibrillationSpans(ann, recordEnd: rec.header.sampleCount)
            let s = BeatScore.score(reference: ref, detections: det, tolerance: Int((0.15 * fs).rounded()), from: Int(300 * fs), excluding: vf)
            print("\(rec.header.recordName) \(s.truePositives + s.falseNegatives) \(s.truePositives) \(s.falseNegatives) \(s.falsePositives) "
                + String(format: "%.2f %.2f %.4f %.3f", s.sensitivity, s.positivePredictivity, secs, maxLatency))
            if af {
                let (beats, breaks) = ECG.detectWithBreaks(x, rec.configuration(options.channel))
                let events = RhythmRules().analyse(beats: beats, sampleRate: fs, breaks: breaks).filter { $0.kind == .atrialFibrillation }
                let refSpans = WFDBAnnotationFile.rhythmSpans(ann, rhythm: "(AFIB", recordEnd: rec.header.sampleCount)
                let e = EpisodeScore.score(reference: refSpans, detected: events.map { ($0.start, $0.end) })
                print(String(format: "af %.1f %.1f %.1f", Double(e.referenceDuration) / fs, Double(e.detectedDuration) / fs, Double(e.overlap) / fs))
            }
        }
    }

    struct Codec: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compress a record's signals with the store's waveform codec and check the round trip.",
            discussion: "Prints `record samples bytes bits-per-sample`. With --raw-out DIR, also writes each signal as raw s16le (for comparison with flac).")
        @Option(help: "WFDB record path without extension.") var record: String
        @Option(help: "Block length in seconds (1–10).") var blockSeconds: Double = 10
        @Option(help: "Write each signal as DIR/NAME_sN.raw (s16le).") var rawOut: String?

        func run() throws {
            let rec = try ECG.load(record)
            let n = max(1, Int(blockSeconds * rec.header.sampleRate))
            var total = 0, samples = 0
            for (si, x) in rec.signals.enumerated() {
                var i = 0
                while i < x.count {
                    let j = min(x.count, i + n)
                    let block = Array(x[i..<j])
                    let enc = WaveformCodec.encode(block)
                    let dec: [Int32]
                    do { dec = try WaveformCodec.decode(enc) } catch { throw ECG.malformed(error) }
                    guard dec == block else { throw ValidationError("round trip failed at block \(i / n) of signal \(si)") }
                    total += enc.count
                    i = j
                }
                samples += x.count
                if let dir = rawOut {
                    var raw = [UInt8]()
                    raw.reserveCapacity(x.count * 2)
                    for v in x { let u = UInt16(bitPattern: Int16(truncatingIfNeeded: v)); raw.append(UInt8(u & 0xFF)); raw.append(UInt8(u >> 8)) }
                    try Data(raw).write(to: URL(fileURLWithPath: "\(dir)/\(rec.header.recordName)_s\(si).raw"))
                }
            }
            print("\(rec.header.recordName) \(samples) \(total) " + String(format: "%.4f", Double(total * 8) / Double(samples)))
        }
    }

    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Detector and codec throughput on one record (use a release build).")
        @OptionGroup var options: RecordOptions
        @Option(name: .customLong("repeat"), help: "Repetitions (the best is reported).") var repetitions: Int = 5

        func run() throws {
            let rec = try ECG.load(options.record)
            let x = try rec.channel(options.channel)
            let cfg = rec.configuration(options.channel)
            func best(_ body: () -> Void) -> Double {
                var b = Double.infinity
                for _ in 0..<max(1, repetitions) {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    body()
                    b = min(b, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
                }
                return b
            }
            var beats = 0
            let td = best { beats = QRSDetector.detect(x, configuration: cfg).count }
            let n = Int(10 * rec.header.sampleRate)
            let blocks = stride(from: 0, to: x.count, by: n).map { Array(x[$0..<min(x.count, $0 + n)]) }
            var encoded: [[UInt8]] = []
            let te = best { encoded = blocks.map { WaveformCodec.encode($0) } }
            var ok = true
            let tdec = best { ok = (try? encoded.map { try WaveformCodec.decode($0) }) == blocks }
            let mins = Double(x.count) / rec.header.sampleRate / 60
            print(String(format: "ecg detect: %d samples (%.1f min), %d beats, %.4f s, %.1f M samples/s, %.0f× real time",
                         x.count, mins, beats, td, Double(x.count) / td / 1e6, Double(x.count) / rec.header.sampleRate / td))
            print(String(format: "ecg codec encode: %.4f s, %.1f M samples/s (10-s blocks)", te, Double(x.count) / te / 1e6))
            print(String(format: "ecg codec decode: %.4f s, %.1f M samples/s, round trip %@", tdec, Double(x.count) / tdec / 1e6, ok ? "exact" : "FAILED"))
            if !ok { throw ExitCode.failure }
        }
    }
}
