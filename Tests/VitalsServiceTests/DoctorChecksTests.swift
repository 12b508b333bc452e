import Foundation
import Testing
import VitalsService
#if canImport(Glibc)
import Glibc
#endif

/// `vitals doctor`'s checks on made-up files, directories and process states.
struct DoctorChecksTests {
    func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("doctor-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        chmod(d.path, 0o700)
        return d
    }

    func file(_ dir: URL, _ name: String, mode: mode_t) -> String {
        let p = dir.appendingPathComponent(name).path
        FileManager.default.createFile(atPath: p, contents: Data("x".utf8))
        chmod(p, mode)
        return p
    }

    @Test func keyFilesMustBeOwnerOnly() throws {
        let d = try tempDir()
        defer { try? FileManager.default.removeItem(at: d) }
        #expect(ServiceChecks.privateFile(file(d, "ok", mode: 0o600), what: "token file", required: true).status == .ok)
        #expect(ServiceChecks.privateFile(file(d, "ro", mode: 0o400), what: "token file", required: true).status == .ok)
        let wide = ServiceChecks.privateFile(file(d, "wide", mode: 0o644), what: "token file", required: true)
        #expect(wide.status == .fail && wide.detail.contains("mode 644") && wide.fix?.contains("chmod 600") == true)
        #expect(ServiceChecks.privateFile(file(d, "group", mode: 0o640), what: "token file", required: true).status == .fail)
        let other = ServiceChecks.privateFile(file(d, "mine", mode: 0o600), what: "token file", required: true, uid: geteuid() + 1)
        #expect(other.status == .fail && other.detail.contains("owned by uid"))
        #expect(ServiceChecks.privateFile(d.appendingPathComponent("missing").path, what: "token file", required: true).status == .fail)
        #expect(ServiceChecks.privateFile(d.appendingPathComponent("missing").path, what: "bond key file", required: false).status == .ok)
        #expect(ServiceChecks.privateFile(d.path, what: "token file", required: true).status == .fail, "a directory is not a key file")
    }

    @Test func theDatabaseAndItsLogFilesAreChecked() throws {
        let d = try tempDir()
        defer { try? FileManager.default.removeItem(at: d) }
        let db = file(d, "vitals.sqlite", mode: 0o600)
        _ = file(d, "vitals.sqlite-wal", mode: 0o644)
        let findings = ServiceChecks.database(db)
        #expect(findings.map(\.subject) == ["database", "database -wal"])
        #expect(findings.map(\.status) == [.ok, .fail])
        #expect(ServiceChecks.worst(findings) == .fail)
        #expect(ServiceChecks.database(d.appendingPathComponent("none.sqlite").path).map(\.status) == [.warn], "made at the first start")
    }

    @Test func theStateDirectoryIsNotForOthers() throws {
        let d = try tempDir()
        defer { try? FileManager.default.removeItem(at: d) }
        #expect(ServiceChecks.stateDirectory(d.path).status == .ok)
        chmod(d.path, 0o755)
        #expect(ServiceChecks.stateDirectory(d.path).status == .warn)
        chmod(d.path, 0o777)
        #expect(ServiceChecks.stateDirectory(d.path).status == .fail)
        #expect(ServiceChecks.stateDirectory(d.appendingPathComponent("none").path).status == .warn, "made when the service starts")
    }

    @Test func udevRulesAreLookedForWhereUdevReadsThem() throws {
        let d = try tempDir()
        defer { try? FileManager.default.removeItem(at: d) }
        let empty = d.appendingPathComponent("etc").path
        let lib = d.appendingPathComponent("lib").path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: lib, withIntermediateDirectories: true)
        #expect(ServiceChecks.udevRules(directories: [empty, lib]).status == .warn)
        _ = file(URL(fileURLWithPath: lib), ServiceChecks.udevRulesName, mode: 0o644)
        let found = ServiceChecks.udevRules(directories: [empty, lib])
        #expect(found.status == .ok && found.detail.contains(lib))
    }

    @Test func usbDevicesTheUserCannotOpenFail() {
        let devices = [(name: "1a79:7410 Contour", node: "/dev/bus/usb/001/004"), (name: "1209:7100 PHD", node: "/dev/bus/usb/001/005")]
        let findings = ServiceChecks.usbAccess(devices) { $0.hasSuffix("004") }
        #expect(findings.map(\.status) == [.ok, .fail])
        #expect(findings[1].fix?.contains("udev") == true)
        #expect(ServiceChecks.usbAccess([]) { _ in false }.map(\.status) == [.ok])
        #expect(!ServiceChecks.canOpenReadWrite("/nonexistent/device"))
    }

    @Test func capabilitiesAreReadFromCapEff() {
        func status(_ capEff: String) -> String { "Name:\tvitals\nCapInh:\t0000000000000000\nCapEff:\t\(capEff)\nCapBnd:\t000001ffffffffff\n" }
        // CAP_NET_ADMIN (12) and CAP_NET_RAW (13): 0x3000.
        #expect(ServiceChecks.capabilities(status: status("0000000000003000"), needed: true).status == .ok)
        let onlyRaw = ServiceChecks.capabilities(status: status("0000000000002000"), needed: true)
        #expect(onlyRaw.status == .fail && onlyRaw.detail.contains("CAP_NET_RAW") && !onlyRaw.detail.contains("CAP_NET_ADMIN and"))
        #expect(ServiceChecks.capabilities(status: status("0000000000000000"), needed: true).status == .fail)
        #expect(ServiceChecks.capabilities(status: status("0000000000000000"), needed: false).status == .ok)
        #expect(ServiceChecks.capabilities(status: status("000001ffffffffff"), needed: true).status == .warn, "root: more than needed")
        #expect(ServiceChecks.capabilities(status: "Name:\tx\n", needed: false).status == .warn)
    }

    @Test func theWorstFindingDecides() {
        #expect(ServiceChecks.worst([]) == .ok)
        #expect(ServiceChecks.worst([Finding(.ok, "a", ""), Finding(.warn, "b", "")]) == .warn)
        #expect(ServiceChecks.worst([Finding(.fail, "a", ""), Finding(.warn, "b", "")]) == .fail)
        #expect(Finding(.fail, "token file", "/t is mode 644", fix: "chmod 600 /t").description == "fail token file: /t is mode 644 — chmod 600 /t")
    }

    @Test func entriesAnUplinkParkedAreAWarningNamingTargetAndReason() {
        #expect(ServiceChecks.parkedUplinkEntries([]).status == .ok)
        let f = ServiceChecks.parkedUplinkEntries([
            ("fhir:https://fhir.example.org/r4", "the FHIR server found the transaction invalid: HTTP 422"),
            ("fhir:https://fhir.example.org/r4", "the FHIR server found the transaction invalid: HTTP 422"),
            ("postgres://central", "other"),
        ])
        #expect(f.status == .warn)
        #expect(f.detail.contains("3 readings or blocks") && f.detail.contains("2 at fhir:https://fhir.example.org/r4 (the FHIR server found the transaction invalid: HTTP 422)"))
        #expect(f.detail.contains("1 at postgres://central (other)") && f.fix != nil)
    }
}
