import Foundation
import VitalsWire

/// A scenario: the devices firmware-sim plays and what each has to tell. Loaded from JSON.
public struct Scenario: Codable, Sendable, Hashable {
    public var name: String
    public var description: String?
    public var devices: [DeviceSpec]
    /// A slow link: every ATT frame toward the hub waits this long (the simulator link front-end only).
    public var linkLatencyMs: Int?

    public struct DeviceSpec: Codable, Sendable, Hashable {
        /// `bp-cuff` or `glucose-meter`.
        public var type: String
        /// The advertised local name (device-profiles match on it).
        public var name: String
        /// `AA:BB:CC:DD:EE:FF`.
        public var address: String
        /// Blood pressure readings the cuff holds (bp-cuff).
        public var readings: [BPReading]?
        /// Stored records (glucose-meter).
        public var records: [GlucoseRecord]?
        /// Blood Pressure Feature / Glucose Feature bits; defaults say every condition is detected.
        public var features: Int?
        /// Glucose meter: this many synthetic records (one every 4 hours, ending now) after `records`; CGM: this
        /// many (one every 15 minutes, ending now, with a daily meal pattern) before `records`.
        public var generatedRecords: Int?
        /// ECG strap: how many seconds of 130 Hz ECG to stream, ending now.
        public var durationSeconds: Double?
        /// Heart-rate strap: the rates it notifies, in beats per minute.
        public var heartRates: [Int]?
        /// Pulse oximeter: its stored spot-check readings.
        public var spotChecks: [SpotCheck]?
        /// IEEE 11073-20601 agents over USB (`phd-*` types): the measurements, values in the
        /// specialisation's order (BP: systolic, diastolic, mean, pulse; oximeter: SpO2, pulse; ECG: heart
        /// rate; thermometer °C; scale kg; glucose mg/dL).
        public var measurements: [PHDReading]?
        /// `phd-*`: measurements kept in the agent's PM-store (stored-data transfer; implies an extended configuration).
        public var stored: [PHDReading]?
        /// `phd-glucose`: this many more stored measurements, one every 3 hours ending 3 hours ago.
        public var generatedStored: Int?
        /// `phd-*`: announce an extended configuration (sent in a configuration report) instead of the standard one.
        public var extendedConfig: Bool?
        /// `phd-*`: the agent's EUI-64 system id, 16 hex digits (default: derived from the address).
        public var systemID: String?
        /// `bp-cuff`: the Device Information Model Number String it reports (default `SIM-BP-1`).
        public var modelNumber: String?
        public var faults: Faults?
    }

    public struct PHDReading: Codable, Sendable, Hashable {
        public var values: [Double]
        public var minutesAgo: Double?
    }

    /// A pulse-oximeter spot check.
    public struct SpotCheck: Codable, Sendable, Hashable {
        public var spo2: Double
        public var pulse: Double
        public var minutesAgo: Double?
        /// Measurement Status bits by their PLX names, e.g. "questionableMeasurementDetected".
        public var status: [String]?
    }

    /// Faults a device plays on demand.
    public struct Faults: Codable, Sendable, Hashable {
        /// Glucose meter: on the first transfer, drop the link after this many records.
        public var disconnectAfterRecords: Int?
        /// Answer no ATT request at all (the hub's transaction timeout must end the link).
        public var ignoreRequests: Bool?
        /// CGM: records (by index, from 0) whose E2E-CRC is sent wrong.
        public var badCRCRecords: [Int]?
        /// Answer the first request with this ATT opcode (e.g. 16 = Read By Group Type) with this ATT error code.
        public var attErrorOnce: ATTErrorFault?
        /// Blood pressure cuff: send one truncated, malformed measurement before the real ones.
        public var malformedFirst: Bool?
        /// Send one malformed ATT PDU (a notification cut off inside its handle) on the first exchange.
        public var malformedPDU: Bool?
        /// The device's clock is this many minutes ahead (negative: behind); its time stamps carry the error.
        public var clockOffsetMinutes: Double?
        /// Blood pressure cuff: the IEEE 11073-104xx specializations its regulatory list claims (default [7]).
        public var certifiedSpecializations: [Int]?
        /// `phd-*`: answer nothing after the association request.
        public var noResponse: Bool?
        /// `phd-*`: answer the manager's GET with the wrong invoke-id.
        public var wrongInvokeID: Bool?
        /// `phd-*`: leave the manager's first GET unanswered (as a slow agent would): the manager aborts on its
        /// timeout and the agent associates again with its measurements.
        public var ignoreFirstGet: Bool?
        /// `phd-*`: abort the association after this many acknowledged measurements.
        public var abortAfter: Int?
        /// `phd-*`: offer an extended configuration the manager cannot use, then fall back to the standard one.
        public var unknownConfig: Bool?
        /// `astm-meter`: send frame K (from 1) with a bad checksum once.
        public var badChecksumFrame: Int?
    }

    public struct ATTErrorFault: Codable, Sendable, Hashable {
        public var opcode: Int
        public var error: Int
    }

    public struct BPReading: Codable, Sendable, Hashable {
        public var systolic: Double
        public var diastolic: Double
        /// Mean arterial pressure; computed as DBP + (SBP − DBP)/3 when absent.
        public var mean: Double?
        public var pulse: Double?
        /// `mmHg` (default) or `kPa`.
        public var unit: String?
        /// When it was measured, relative to the scenario start; nil sends no time stamp.
        public var minutesAgo: Double?
        /// Measured this many seconds after the scenario starts (a patient pressing start): the cuff holds it
        /// only from then on, stamped with that time, and advertises again to deliver it.
        public var atSeconds: Double?
        public var userID: Int?
        /// Status conditions by name: body-movement, cuff-too-loose, irregular-pulse, pulse-above-range,
        /// pulse-below-range, improper-position.
        public var status: [String]?
    }

    public struct GlucoseRecord: Codable, Sendable, Hashable {
        public var sequence: Int?
        public var mgdl: Double
        public var minutesAgo: Double
        /// Sample type number (1 capillary whole blood … 10 control solution); default 1.
        public var sampleType: Int?
        /// Sample location number (1 finger … 4 control solution); default 1.
        public var sampleLocation: Int?
        /// Sensor Status Annunciation bit numbers to set.
        public var sensorStatusBits: [Int]?
        /// `kg/L` (default) or `mol/L`.
        public var unit: String?
        /// Glucose Measurement Context Meal value (1 preprandial, 2 postprandial, 3 fasting, 4 casual, 5 bedtime):
        /// the record then announces a context record and the meter sends one after it.
        public var meal: Int?
        /// Context Tester value (1 self, 2 health care professional, 3 lab test); sent with `meal`.
        public var tester: Int?

        public init(sequence: Int? = nil, mgdl: Double, minutesAgo: Double, sampleType: Int? = nil, sampleLocation: Int? = nil, sensorStatusBits: [Int]? = nil, unit: String? = nil) {
            self.sequence = sequence
            self.mgdl = mgdl
            self.minutesAgo = minutesAgo
            self.sampleType = sampleType
            self.sampleLocation = sampleLocation
            self.sensorStatusBits = sensorStatusBits
            self.unit = unit
        }
    }

    public struct ScenarioError: Error, CustomStringConvertible, Sendable {
        public var source: String
        public var reason: String
        public var description: String { "\(source): \(reason)" }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }

    public static func parse(_ data: Data, source: String) throws(ScenarioError) -> Scenario {
        let s: Scenario
        do { s = try JSONDecoder().decode(Scenario.self, from: data) } catch let DecodingError.keyNotFound(k, ctx) {
            throw ScenarioError(source: source, reason: "missing field '\(path(ctx.codingPath + [k]))'")
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw ScenarioError(source: source, reason: "field '\(path(ctx.codingPath))': \(ctx.debugDescription)")
        } catch {
            throw ScenarioError(source: source, reason: "not a valid scenario: \(error)")
        }
        for (i, d) in s.devices.enumerated() {
            guard Self.deviceTypes.contains(d.type) else {
                throw ScenarioError(source: source, reason: "devices[\(i)].type '\(d.type)' is not one of \(Self.deviceTypes.joined(separator: ", "))")
            }
            for (j, c) in (d.spotChecks ?? []).enumerated() {
                for name in c.status ?? [] where !PLXMeasurementStatus.namedBits.contains(where: { $0.key == name }) {
                    throw ScenarioError(source: source, reason: "devices[\(i)].spotChecks[\(j)].status '\(name)' is not a PLX Measurement Status bit name")
                }
            }
            for (j, r) in (d.readings ?? []).enumerated() {
                for name in r.status ?? [] where !Self.statusNames.contains(name) {
                    throw ScenarioError(source: source, reason: "devices[\(i)].readings[\(j)].status '\(name)' is not one of \(Self.statusNames.sorted().joined(separator: ", "))")
                }
                if r.atSeconds != nil && r.minutesAgo != nil {
                    throw ScenarioError(source: source, reason: "devices[\(i)].readings[\(j)]: give minutesAgo (measured before the start) or atSeconds (measured after it), not both")
                }
                if let t = r.atSeconds, t < 0 { throw ScenarioError(source: source, reason: "devices[\(i)].readings[\(j)].atSeconds must not be negative") }
                if let u = r.unit, u != "mmHg", u != "kPa" {
                    throw ScenarioError(source: source, reason: "devices[\(i)].readings[\(j)].unit '\(u)' is not mmHg or kPa")
                }
            }
            guard BLEAddress(string: d.address) != nil else {
                throw ScenarioError(source: source, reason: "devices[\(i)].address '\(d.address)' is not AA:BB:CC:DD:EE:FF")
            }
        }
        return s
    }

    public static let deviceTypes = ["bp-cuff", "glucose-meter", "cgm", "polar-ecg", "heart-rate", "pulse-oximeter", "astm-meter"] + phdTypes.keys.sorted()

    /// USB IEEE 11073-20601 agents by scenario type, with their specialisation.
    public static let phdTypes: [String: StandardConfiguration.Specialization] = [
        "phd-bp": StandardConfiguration.bloodPressure, "phd-glucose": StandardConfiguration.glucoseMeter,
        "phd-scale": StandardConfiguration.weighingScale, "phd-thermometer": StandardConfiguration.thermometer,
        "phd-pulse-oximeter": StandardConfiguration.pulseOximeter, "phd-ecg": StandardConfiguration.basicECG,
    ]

    /// Blood pressure status condition names a scenario may use.
    public static let statusNames: Set<String> = [
        "body-movement", "cuff-too-loose", "irregular-pulse", "pulse-above-range", "pulse-below-range", "improper-position",
    ]

    /// Loads a built-in scenario by name, or a JSON file by path.
    public static func load(_ nameOrPath: String) throws(ScenarioError) -> Scenario {
        if let builtin = BuiltinScenarios.all[nameOrPath] {
            return try parse(Data(builtin.utf8), source: "built-in '\(nameOrPath)'")
        }
        guard let data = FileManager.default.contents(atPath: nameOrPath) else {
            throw ScenarioError(source: nameOrPath, reason: "no built-in scenario by that name and no readable file (built-ins: \(BuiltinScenarios.all.keys.sorted().joined(separator: ", ")))")
        }
        return try parse(data, source: nameOrPath)
    }
}

/// Scenarios compiled into firmware-sim, so `make demo` needs no files beside the binary.
public enum BuiltinScenarios {
    public static let all: [String: String] = [
        "demo": demo, "quiet": quiet, "sync-1000": sync1000, "cgm-bad-crc": cgmBadCRC, "ecg-10min": ecg10min,
        "wearables": wearables, "faults": faults, "usb-agents": usbAgents, "usb-faults": usbFaults, "usb-stored": usbStored, "vm-wearables": vmWearables,
        "meter-low": meterLow, "live": live, "kiosk-bp": kioskBP,
    ]

    /// For the dashboard: two weeks of CGM (the AGP), a 30-s ECG strip, and a cuff whose crisis-level reading
    /// is measured 20 s after the start, so a page opened at the start sees the alert arrive live.
    public static let live = """
        {
          "name": "live",
          "description": "Dashboard: CGM with 14 days of 15-minute records, ECG strap with 30 s of ECG, and a cuff with a normal reading now and a crisis-level one measured 20 s after the start.",
          "devices": [
            { "type": "cgm", "name": "OV-SIM-CGM-02", "address": "C0:FF:EE:00:03:02", "generatedRecords": 1344 },
            { "type": "polar-ecg", "name": "OV-SIM-ECG-03", "address": "C0:FF:EE:00:04:03", "durationSeconds": 30 },
            { "type": "bp-cuff", "name": "OV-SIM-BP-03", "address": "C0:FF:EE:00:01:03",
              "readings": [
                { "systolic": 132, "diastolic": 84, "pulse": 72, "minutesAgo": 1 },
                { "systolic": 188, "diastolic": 122, "pulse": 98, "atSeconds": 20 }
              ] }
          ]
        }
        """

    /// For the kiosk: a cuff the patient uses after the start: three readings for a first patient 40, 48 and
    /// 56 s after the start, three for a second patient 110, 118 and 126 s after it.
    public static let kioskBP = """
        {
          "name": "kiosk-bp",
          "description": "Kiosk cuff measured on demand: 142/91, 138/88, 134/86 at 40, 48, 56 s after the start (first patient); 118/76, 116/74, 114/72 at 110, 118, 126 s (second patient).",
          "devices": [
            { "type": "bp-cuff", "name": "OV-SIM-BP-04", "address": "C0:FF:EE:00:01:04",
              "readings": [
                { "systolic": 142, "diastolic": 91, "pulse": 77, "atSeconds": 40 },
                { "systolic": 138, "diastolic": 88, "pulse": 75, "atSeconds": 48 },
                { "systolic": 134, "diastolic": 86, "pulse": 74, "atSeconds": 56 },
                { "systolic": 118, "diastolic": 76, "pulse": 66, "atSeconds": 110 },
                { "systolic": 116, "diastolic": 74, "pulse": 65, "atSeconds": 118 },
                { "systolic": 114, "diastolic": 72, "pulse": 64, "atSeconds": 126 }
              ] }
          ]
        }
        """

    /// One IEEE 11073-20601 agent per specialisation over USB; the glucose meter and the scale announce
    /// extended configurations (a configuration exchange the first time, none once the hub knows them).
    public static let usbAgents = """
        {
          "name": "usb-agents",
          "description": "USB PHDC agents: BP (10407), glucose (10417, extended config), scale (10415, extended config), thermometer (10408), pulse oximeter (10404), basic ECG (10406); and an ASTM E1394 glucose meter (Contour-style, one bad checksum).",
          "devices": [
            { "type": "phd-bp", "name": "OV-SIM-PHD-BP", "address": "C0:FF:EE:00:07:01",
              "measurements": [ { "values": [128, 82, 97, 66], "minutesAgo": 30 }, { "values": [186, 124, 145, 88], "minutesAgo": 2 } ] },
            { "type": "phd-glucose", "name": "OV-SIM-PHD-GLUCOSE", "address": "C0:FF:EE:00:07:02", "extendedConfig": true,
              "measurements": [ { "values": [104], "minutesAgo": 240 }, { "values": [52], "minutesAgo": 10 }, { "values": [88], "minutesAgo": 1 } ] },
            { "type": "phd-scale", "name": "OV-SIM-PHD-SCALE", "address": "C0:FF:EE:00:07:03", "extendedConfig": true,
              "measurements": [ { "values": [76.2], "minutesAgo": 60 } ] },
            { "type": "phd-thermometer", "name": "OV-SIM-PHD-THERMO", "address": "C0:FF:EE:00:07:04",
              "measurements": [ { "values": [37.4], "minutesAgo": 5 } ] },
            { "type": "phd-pulse-oximeter", "name": "OV-SIM-PHD-OXI", "address": "C0:FF:EE:00:07:05",
              "measurements": [ { "values": [97, 72], "minutesAgo": 3 }, { "values": [95, 75], "minutesAgo": 1 } ] },
            { "type": "phd-ecg", "name": "OV-SIM-PHD-ECG", "address": "C0:FF:EE:00:07:06",
              "measurements": [ { "values": [64], "minutesAgo": 1 }, { "values": [66] } ] },
            { "type": "astm-meter", "name": "OV-SIM-ASTM", "address": "C0:FF:EE:00:07:07", "faults": { "badChecksumFrame": 3 } }
          ]
        }
        """

    /// A glucose meter that keeps 25 measurements in its PM-store (handed over in segment-data events of
    /// ten entries) and takes one more while connected.
    public static let usbStored = """
        {
          "name": "usb-stored",
          "description": "USB glucose meter (IEEE 11073-10417) with 25 stored measurements in its PM-store and one live measurement.",
          "devices": [
            { "type": "phd-glucose", "name": "OV-SIM-PHD-GLUCOSE", "address": "C0:FF:EE:00:09:01", "generatedStored": 25,
              "measurements": [ { "values": [131], "minutesAgo": 0 } ] }
          ]
        }
        """

    /// Agents with faults: one never answers, one answers GET with the wrong invoke-id, one aborts after
    /// its first measurement, one offers a configuration the hub cannot use and falls back, one clock 2 h slow,
    /// one too slow for the first GET (aborted, associates again).
    public static let usbFaults = """
        {
          "name": "usb-faults",
          "description": "USB agents with faults: no response, wrong invoke-id, abort after one measurement, unusable extended config (falls back to standard), clock 2 hours slow, first GET unanswered.",
          "devices": [
            { "type": "phd-bp", "name": "OV-SIM-PHD-BP", "address": "C0:FF:EE:00:08:01", "measurements": [ { "values": [120, 80, 93, 60] } ],
              "faults": { "noResponse": true } },
            { "type": "phd-glucose", "name": "OV-SIM-PHD-GLUCOSE", "address": "C0:FF:EE:00:08:02", "measurements": [ { "values": [99], "minutesAgo": 5 } ],
              "faults": { "wrongInvokeID": true } },
            { "type": "phd-thermometer", "name": "OV-SIM-PHD-THERMO", "address": "C0:FF:EE:00:08:03",
              "measurements": [ { "values": [36.9], "minutesAgo": 9 }, { "values": [37.1], "minutesAgo": 4 } ], "faults": { "abortAfter": 1 } },
            { "type": "phd-scale", "name": "OV-SIM-PHD-SCALE", "address": "C0:FF:EE:00:08:04", "measurements": [ { "values": [81.5], "minutesAgo": 3 } ],
              "faults": { "unknownConfig": true } },
            { "type": "phd-pulse-oximeter", "name": "OV-SIM-PHD-OXI", "address": "C0:FF:EE:00:08:05", "measurements": [ { "values": [98, 64], "minutesAgo": 20 }, { "values": [97, 66], "minutesAgo": 10 } ],
              "faults": { "clockOffsetMinutes": -120 } },
            { "type": "phd-ecg", "name": "OV-SIM-PHD-ECG", "address": "C0:FF:EE:00:08:06", "measurements": [ { "values": [72], "minutesAgo": 6 }, { "values": [75], "minutesAgo": 2 } ],
              "faults": { "ignoreFirstGet": true } }
          ]
        }
        """

    /// A cuff that refuses the first service discovery, sends one malformed measurement, runs 90 minutes fast,
    /// over a slow link.
    public static let faults = """
        {
          "name": "faults",
          "description": "BP cuff with faults: ATT error on the first service discovery, a malformed ATT PDU, one malformed measurement, clock 90 min fast; 5 ms link latency.",
          "linkLatencyMs": 5,
          "devices": [
            { "type": "bp-cuff", "name": "OV-SIM-BP-07", "address": "C0:FF:EE:00:01:07",
              "readings": [ { "systolic": 131, "diastolic": 84, "pulse": 70, "minutesAgo": 20 }, { "systolic": 124, "diastolic": 79, "pulse": 66, "minutesAgo": 5 } ],
              "faults": { "attErrorOnce": { "opcode": 16, "error": 14 }, "malformedFirst": true, "malformedPDU": true, "clockOffsetMinutes": 90, "certifiedSpecializations": [17] } }
          ]
        }
        """

    /// A heart-rate strap and a pulse oximeter (one spot check marked questionable).
    public static let wearables = """
        {
          "name": "wearables",
          "description": "Heart-rate strap with ten beats per minute readings; pulse oximeter with three spot checks, one questionable.",
          "devices": [
            { "type": "heart-rate", "name": "OV-SIM-HR-01", "address": "C0:FF:EE:00:05:01", "heartRates": [62, 64, 63, 66, 70, 74, 71, 68, 65, 64] },
            { "type": "pulse-oximeter", "name": "OV-SIM-PLX-01", "address": "C0:FF:EE:00:06:01",
              "spotChecks": [
                { "spo2": 97, "pulse": 68, "minutesAgo": 30 },
                { "spo2": 88, "pulse": 101, "minutesAgo": 10, "status": ["questionableMeasurementDetected"] },
                { "spo2": 96, "pulse": 72, "minutesAgo": 1 }
              ] }
          ]
        }
        """

    /// For the real-kernel tier: a heart-rate strap and a Polar-style ECG strap with one minute of ECG.
    public static let vmWearables = """
        {
          "name": "vm-wearables",
          "description": "Heart-rate strap (ten readings) and a Polar-style ECG strap streaming 60 s of 130 Hz ECG (7,800 samples).",
          "devices": [
            { "type": "heart-rate", "name": "OV-SIM-HR-01", "address": "C0:FF:EE:00:05:01", "heartRates": [62, 64, 63, 66, 70, 74, 71, 68, 65, 64] },
            { "type": "polar-ecg", "name": "OV-SIM-ECG-02", "address": "C0:FF:EE:00:04:02", "durationSeconds": 60 }
          ]
        }
        """

    /// A Polar-style chest strap streaming ten minutes of 130 Hz ECG.
    public static let ecg10min = """
        {
          "name": "ecg-10min",
          "description": "Polar-style ECG strap streaming 10 minutes of 130 Hz single-lead ECG (78,000 samples).",
          "devices": [ { "type": "polar-ecg", "name": "OV-SIM-ECG-01", "address": "C0:FF:EE:00:04:01", "durationSeconds": 600 } ]
        }
        """

    /// A CGM session of twelve 5-minute records; record 5 (from 0) carries a wrong E2E-CRC.
    public static let cgmBadCRC = """
        {
          "name": "cgm-bad-crc",
          "description": "CGM with twelve records, one with a corrupted E2E-CRC: it is rejected and kept raw, the rest are stored.",
          "devices": [
            { "type": "cgm", "name": "OV-SIM-CGM-01", "address": "C0:FF:EE:00:03:01",
              "records": [
                { "mgdl": 110, "minutesAgo": 55 }, { "mgdl": 104, "minutesAgo": 50 }, { "mgdl": 97, "minutesAgo": 45 },
                { "mgdl": 88, "minutesAgo": 40 }, { "mgdl": 79, "minutesAgo": 35 }, { "mgdl": 71, "minutesAgo": 30 },
                { "mgdl": 64, "minutesAgo": 25 }, { "mgdl": 58, "minutesAgo": 20 }, { "mgdl": 52, "minutesAgo": 15 },
                { "mgdl": 55, "minutesAgo": 10 }, { "mgdl": 61, "minutesAgo": 5 }, { "mgdl": 68, "minutesAgo": 0 }
              ],
              "faults": { "badCRCRecords": [5] } }
          ]
        }
        """

    /// A meter with 1000 stored records that drops the link at record 400 on the first transfer.
    public static let sync1000 = """
        {
          "name": "sync-1000",
          "description": "Glucose meter with 1000 stored records; the first transfer drops the link after record 400.",
          "devices": [
            { "type": "glucose-meter", "name": "OV-SIM-GLU-02", "address": "C0:FF:EE:00:02:02",
              "generatedRecords": 1000, "faults": { "disconnectAfterRecords": 400 } }
          ]
        }
        """

    /// A cuff with a normal reading and a hypertensive-crisis reading; a meter with a level-2 hypoglycaemia.
    public static let demo = """
        {
          "name": "demo",
          "description": "Upper-arm cuff with a normal and a crisis-level reading; glucose meter with five stored records, one below 54 mg/dL.",
          "devices": [
            {
              "type": "bp-cuff", "name": "OV-SIM-BP-01", "address": "C0:FF:EE:00:01:01",
              "readings": [
                { "systolic": 128, "diastolic": 82, "pulse": 71, "minutesAgo": 45 },
                { "systolic": 186, "diastolic": 124, "pulse": 96, "minutesAgo": 3, "status": ["irregular-pulse"] }
              ]
            },
            {
              "type": "glucose-meter", "name": "OV-SIM-GLU-01", "address": "C0:FF:EE:00:02:01",
              "records": [
                { "mgdl": 112, "minutesAgo": 1440 },
                { "mgdl": 143, "minutesAgo": 1200, "meal": 2 },
                { "mgdl": 96, "minutesAgo": 720, "meal": 1 },
                { "mgdl": 48, "minutesAgo": 25 },
                { "mgdl": 71, "minutesAgo": 10 }
              ]
            }
          ]
        }
        """

    /// A meter whose newest result is LOW: below what it can measure (Sensor Status Annunciation bit 6, "result
    /// lower than the device can process"; the number it sends is its limit, not the result).
    public static let meterLow = """
        {
          "name": "meter-low",
          "description": "Glucose meter with two stored records: 104 mg/dL three hours ago, and LOW (below the meter's range) five minutes ago.",
          "devices": [
            {
              "type": "glucose-meter", "name": "OV-SIM-GLU-03", "address": "C0:FF:EE:00:02:03",
              "records": [
                { "mgdl": 104, "minutesAgo": 180 },
                { "mgdl": 20, "minutesAgo": 5, "sensorStatusBits": [6] }
              ]
            }
          ]
        }
        """

    /// One cuff, one ordinary reading: nothing to alert on.
    public static let quiet = """
        {
          "name": "quiet",
          "description": "One upper-arm cuff with one normal reading.",
          "devices": [
            { "type": "bp-cuff", "name": "OV-SIM-BP-02", "address": "C0:FF:EE:00:01:02",
              "readings": [ { "systolic": 118, "diastolic": 76, "pulse": 64, "minutesAgo": 1 } ] }
          ]
        }
        """
}
