import Foundation
import VitalsECG

/// The MIT-BIH Arrhythmia Database records in ../shared/data/mitdb (relative to the repository). CI always
/// has them, and there a missing folder fails these tests; on a clone elsewhere without it they are skipped.
public enum MITBIH {
    public static let dir = SharedData.url("mitdb")
    public static var available: Bool { SharedData.runs("mitdb") }

    public static var records: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { $0.hasSuffix(".hea") }.map { String($0.dropLast(4)) }
            .filter { FileManager.default.fileExists(atPath: dir.appendingPathComponent("\($0).atr").path) }.sorted()
    }

    public static func load(_ name: String) throws -> (WFDBHeader, [[Int32]], [WFDBAnnotation]) {
        let hea = try String(contentsOf: dir.appendingPathComponent("\(name).hea"), encoding: .utf8)
        let header = try WFDBHeader.parse(hea, file: "\(name).hea")
        let dat = [UInt8](try Data(contentsOf: dir.appendingPathComponent(header.signals[0].fileName)))
        let signals = try WFDBSignalFile.decode(dat, format: header.signals[0].format, signalCount: header.signals.count, sampleCount: header.sampleCount, file: header.signals[0].fileName)
        let atr = try WFDBAnnotationFile.decode([UInt8](try Data(contentsOf: dir.appendingPathComponent("\(name).atr"))), file: "\(name).atr")
        return (header, signals, atr)
    }
}
