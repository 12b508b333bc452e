import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Prometheus
import VitalsCore
import VitalsHTTP
import VitalsStore
import VitalsTestSupport

/// What the API tests share: the app over an in-memory store, a fixed clock, readings, and JSON helpers.

let testToken = "test-token-0123456789abcdef"
let fixedNow = Date(timeIntervalSince1970: 1_800_000_000)

/// The production router over `store`, in an application the test client drives without a socket
/// (`.router`) or on an ephemeral loopback port (`.live`).
func makeApp(_ store: VitalsStore, token: String? = testToken, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) throws -> some ApplicationProtocol {
    let (router, _) = VitalsAPI.router(store: store, token: try token.map { try APIToken($0) }, registry: registry, logger: quiet, now: { fixedNow })
    return Application(router: router, logger: quiet)
}

extension TestClientProtocol {
    /// A request with the test token (or `token`, or none), and a JSON body when given.
    func call(_ method: HTTPRequest.Method, _ uri: String, token: String? = testToken, json: String? = nil) async throws -> TestResponse {
        var headers = HTTPFields()
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    func object() throws -> [String: Any] {
        guard let o = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { throw CocoaError(.coderReadCorrupt) }
        return o
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try JSONDecoder().decode(T.self, from: Data(text.utf8)) }
}

/// The error body every failure answers with.
struct ErrorBody: Decodable, Equatable {
    var error: String
    var field: String?
}

/// Percent-encodes a path segment (alert ids hold '/', ':' and '|').
func segment(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~")))! }

let cgm = DeviceIdentity(transport: .simBLE, address: "C0:FF:EE:00:03:01", profileID: "sim-cgm")
let cuff = DeviceIdentity(transport: .simBLE, address: "C0:FF:EE:00:01:01", profileID: "sim-bp-cuff")

/// A CGM glucose reading (sequence `seq`, `mgdl`, at `time`), or a LOW result when `mgdl` is nil.
func cgmReading(_ subject: String, seq: UInt32, at time: Date, mgdl: Double?, unit: UCUMUnit = .milligramPerDecilitre) -> Reading {
    let o = mgdl.map { Observation(metric: .glucoseInterstitial, value: $0, unit: unit, wire: WireValue(encoding: "sfloat", bits: 0, unit: "mg/dL")) }
        ?? Observation(metric: .glucoseInterstitial, value: nil, state: .negativeInfinity, unit: unit, wire: WireValue(encoding: "sfloat", bits: 0x0802, unit: "mg/dL"))
    return Reading(
        subject: SubjectID(subject), device: cgm, kind: .glucose, observations: [o], effectiveTime: time, deviceTime: nil, receivedTime: time,
        sequence: seq, flags: mgdl == nil ? [.resultBelowDeviceRange] : [], grade: .medical, raw: RawFrame(source: "2AA7", bytes: [UInt8(seq & 0xFF)]))
}

/// A cuff reading (systolic, diastolic, pulse) at `time`.
func cuffReading(_ subject: String, seq: UInt32, at time: Date, sys: Double, dia: Double, pulse: Double = 70) -> Reading {
    let w = WireValue(encoding: "sfloat", bits: 0, unit: "mmHg")
    return Reading(
        subject: SubjectID(subject), device: cuff, kind: .bloodPressure,
        observations: [
            Observation(metric: .systolic, value: sys, unit: .millimetreOfMercury, wire: w), Observation(metric: .diastolic, value: dia, unit: .millimetreOfMercury, wire: w),
            Observation(metric: .pulseRateNonInvasive, value: pulse, unit: .perMinute, wire: w),
        ],
        effectiveTime: time, deviceTime: nil, receivedTime: time, sequence: seq, grade: .medical, raw: RawFrame(source: "2A35", bytes: [0]))
}

/// A deterministic glucose trace: a daily curve with some noise, 60–260 mg/dL.
func glucoseValue(_ i: Int) -> Double {
    let hour = Double(i % 96) / 4
    let base = 140 + 70 * sin(hour / 24 * 2 * .pi)
    let noise = Double((i * 7919) % 41) - 20
    return (base + noise).rounded()
}

/// A crisis alert on `reading`, raised at its time.
func crisisAlert(on r: Reading) -> Alert {
    Alert(
        id: "bp.hypertensive-crisis/\(Alert.evidenceKey(for: r))", ruleID: "bp.hypertensive-crisis", subject: r.subject, device: r.device.id,
        severity: .critical, state: .raised, message: "Blood pressure is at hypertensive-crisis level", citation: "ACC/AHA 2017",
        raisedAt: r.effectiveTime, effectiveTime: r.effectiveTime, evidenceKey: Alert.evidenceKey(for: r), evidenceFrom: r.effectiveTime, evidenceTo: r.effectiveTime)
}
