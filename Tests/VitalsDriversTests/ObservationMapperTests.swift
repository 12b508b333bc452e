import Foundation
import Testing
import VitalsCore
@testable import VitalsDrivers
import VitalsValidation
import VitalsWire

struct ObservationMapperTests {
    let device = DeviceIdentity(transport: .simBLE, address: "C0:FF:EE:00:01:01", profileID: "sim-bp-cuff")
    var context: ObservationMapper.Context {
        .init(subject: SubjectID("s1"), device: device, received: Date(timeIntervalSince1970: 1_700_000_000))
    }

    @Test func bloodPressureBecomesCodedCompoundReading() throws {
        let bytes = try Hex.parse("1E 7800 5000 A5F3 E907 03 0E 09 1A 35 4800 01 0C00")
        let r = try #require(try ObservationMapper.reading(characteristic: GATTAssigned.bloodPressureMeasurement, value: bytes, context: context))
        #expect(r.kind == .bloodPressure)
        #expect(r.observations.map(\.metric.mdc) == [150_021, 150_022, 150_023, 149_546])
        #expect(r.observations.map(\.metric.loinc) == ["8480-6", "8462-4", "8478-0", "8867-4"])
        #expect(r.observation(.systolic)?.value == 120)
        #expect(r.observation(.systolic)?.unit.code == "mm[Hg]")
        #expect(r.observation(.systolic)?.wire.description == "sfloat:0x0078 mmHg")
        #expect(r.observation(.pulseRateNonInvasive)?.unit.code == "/min")
        // The mapper records what the cuff said; without the BP Feature, validation takes no clear status bit
        // as "checked, fine".
        #expect(r.flags == [.irregularPulse, .pulseAboveRange])
        #expect(r.report.checkedConditions == [])
        #expect(DeviceRules.uncheckedConditions(r).count == 5)
        #expect(r.deviceTime?.description == "2025-03-14T09:26:53")
        #expect(r.effectiveTime == ISO8601DateFormatter().date(from: "2025-03-14T09:26:53Z"))
        #expect(r.naturalKey == "dt:2025-03-14T09:26:53")
        #expect(r.raw.bytes == bytes)
    }

    @Test func kilopascalsAreConvertedAndTheWireValueKept() throws {
        let r = try #require(try ObservationMapper.reading(characteristic: GATTAssigned.bloodPressureMeasurement, value: try Hex.parse("01 A0F0 6BF0 7DF0"), context: context))
        #expect(r.observation(.systolic)?.value == 120.0)  // 16.0 kPa × 7.50062 = 120.0 mmHg
        #expect(r.observation(.systolic)?.wire.unit == "kPa")
        #expect(r.flags.contains(.deviceTimeMissing))
        #expect(r.effectiveTime == context.received)
    }

    @Test func glucoseUsesSequenceAndSampleType() throws {
        let r = try #require(try ObservationMapper.reading(characteristic: GATTAssigned.glucoseMeasurement, value: try Hex.parse("0B 0700 E907 03 0E 08 00 00 C4FF 5FB0 11 0100"), context: context))
        #expect(r.kind == .glucose)
        #expect(r.sequence == 7)
        #expect(r.naturalKey == "seq:7")
        #expect(r.observations.first?.metric == .glucoseCapillaryWholeBlood)
        #expect(r.observations.first?.value == 95)
        #expect(r.observations.first?.unit == .milligramPerDecilitre)
        #expect(r.flags == [.batteryLow])
        // Base time 08:00 with offset -60 min.
        #expect(r.effectiveTime == ISO8601DateFormatter().date(from: "2025-03-14T07:00:00Z"))
    }

    /// A meter's LOW: Sensor Status Annunciation bit 6 ("result lower than the device can process") with its
    /// limit (20 mg/dL) in the field, or the SFLOAT −INFINITY (0x0802) itself. Both are censored −INF with the
    /// below-range flag, still a measurement (no `value.infinite`); the wire value keeps what was sent.
    @Test func aMetersLowIsCensoredNotItsLimit() throws {
        let byStatus = try #require(try ObservationMapper.reading(
            characteristic: GATTAssigned.glucoseMeasurement, value: try Hex.parse("0B 0800 E907 03 0E 08 00 00 0000 14B0 11 4000"), context: context))
        #expect(byStatus.flags == [.resultBelowDeviceRange])
        #expect(byStatus.observations.first?.state == .negativeInfinity && byStatus.observations.first?.value == nil)
        #expect(byStatus.observations.first?.wire.description == "sfloat:0xB014 kg/L")
        #expect(byStatus.isAnalysable)
        let byValue = try #require(try ObservationMapper.reading(
            characteristic: GATTAssigned.glucoseMeasurement, value: try Hex.parse("02 0900 E907 03 0E 08 00 00 0208 11"), context: context))
        #expect(byValue.flags == [.resultBelowDeviceRange])
        #expect(byValue.observations.first?.state == .negativeInfinity && byValue.isAnalysable)
    }

    @Test func nanAndControlSolutionAreFlagged() throws {
        let r = try #require(try ObservationMapper.reading(characteristic: GATTAssigned.glucoseMeasurement, value: try Hex.parse("02 0100 E907 01 01 00 00 00 FF07 4A"), context: context))
        #expect(r.flags.contains(.valueNotANumber))
        #expect(r.flags.contains(.controlSolution))
        #expect(r.observations.first?.value == nil)
        #expect(r.observations.first?.state == .notANumber)
    }
}

struct DeviceClockTests {
    let device = DeviceIdentity(transport: .ble, address: "C0:FF:EE:00:01:01", profileID: "p")

    @Test func offsetCorrectsEffectiveTimeAndFlagsDrift() throws {
        var c = ObservationMapper.Context(subject: SubjectID("s"), device: device, received: Date(timeIntervalSince1970: 1_741_944_413))
        c.deviceClockOffset = 600  // device 10 minutes ahead
        let bytes = try Hex.parse("1E 7800 5000 A5F3 E907 03 0E 09 1A 35 4800 01 0C00")
        let r = try #require(try ObservationMapper.reading(characteristic: GATTAssigned.bloodPressureMeasurement, value: bytes, context: c))
        #expect(r.effectiveTime == ISO8601DateFormatter().date(from: "2025-03-14T09:16:53Z"))
        #expect(r.deviceTime?.description == "2025-03-14T09:26:53", "the device's own time is kept")
        #expect(r.naturalKey == "dt:2025-03-14T09:26:53", "the key does not move with the measured offset")
        #expect(r.report.clockOffset == 600)
        #expect(!r.flags.contains(.deviceClockDrift), "the mapper records the offset; validation judges it")
        #expect(DeviceRules.clockFlags(r) == [.deviceClockDrift])
        c.deviceClockOffset = 120
        let small = try #require(try ObservationMapper.reading(characteristic: GATTAssigned.bloodPressureMeasurement, value: bytes, context: c))
        #expect(DeviceRules.clockFlags(small).isEmpty, "two minutes is within the 5-minute limit")
    }

    @Test func aClockResetToTheYear2000IsFlagged() throws {
        let c = ObservationMapper.Context(subject: SubjectID("s"), device: device, received: Date())
        // Year 2000 (0x07D0), 1 January 00:05:00.
        let r = try #require(try ObservationMapper.reading(characteristic: GATTAssigned.bloodPressureMeasurement, value: try Hex.parse("02 7800 5000 5D00 D007 01 01 00 05 00"), context: c))
        #expect(r.deviceTime?.year == 2000 && !r.flags.contains(.deviceClockReset))
        #expect(DeviceRules.clockFlags(r) == [.deviceClockReset])
    }
}

struct BloodPressureFeatureTests {
    @Test func clearBitsCountOnlyForConditionsTheCuffDetects() throws {
        var c = ObservationMapper.Context(subject: SubjectID("s"), device: DeviceIdentity(transport: .ble, address: "C0:FF:EE:00:00:01", profileID: nil), received: Date())
        // Feature 0x0005: body movement (bit 0) and irregular pulse (bit 2) detection only. Status 0x0000: nothing set.
        c.bloodPressureFeature = BloodPressureFeature(rawValue: 0x0005)
        let r = try #require(try ObservationMapper.reading(characteristic: GATTAssigned.bloodPressureMeasurement, value: try Hex.parse("10 7800 5000 5D00 0000"), context: c))
        #expect(r.flags == [.deviceTimeMissing])
        #expect(r.report.checkedConditions == [.bodyMovement, .irregularPulse])
        #expect(DeviceRules.uncheckedConditions(r) == [QualityFlag("bp.unchecked.cuff-fit"), QualityFlag("bp.unchecked.pulse-rate-range"), QualityFlag("bp.unchecked.measurement-position")])
        c.bloodPressureFeature = BloodPressureFeature(rawValue: 0x001F)
        let all = try #require(try ObservationMapper.reading(characteristic: GATTAssigned.bloodPressureMeasurement, value: try Hex.parse("10 7800 5000 5D00 0000"), context: c))
        #expect(DeviceRules.uncheckedConditions(all).isEmpty, "every condition detected and clear: checked, fine")
    }
}

struct CGMCensoringTests {
    var context: ObservationMapper.Context {
        .init(subject: SubjectID("s1"), device: DeviceIdentity(transport: .simBLE, address: "C0:FF:EE:00:02:01", profileID: "sim-cgm"), received: Date(timeIntervalSince1970: 1_700_000_000))
    }

    /// CGM LOW and HIGH (warning bits 22 and 23): the value is censored, −INF / +INF, never the number the
    /// sensor put in the field; a record without the bits keeps its number.
    @Test func cgmLowAndHighAreCensoredNotNumbers() throws {
        let session = ObservationMapper.CGMSessionInfo(crcExpected: false, sessionStart: Date(timeIntervalSince1970: 1_699_990_000))
        func reading(_ warning: UInt8?) -> Reading {
            let m = CGMMeasurement(glucoseConcentration: SFloat(bitPattern: 40), timeOffsetMinutes: 5, sensorStatus: .init(warning: warning))
            return ObservationMapper.cgmReading(m, raw: [], session: session, context: context)
        }
        let low = reading(0x40)
        #expect(low.observations.first?.value == nil && low.observations.first?.state == .negativeInfinity)
        #expect(low.flags.contains(.resultBelowDeviceRange) && low.isAnalysable)
        let high = reading(0x80)
        #expect(high.observations.first?.value == nil && high.observations.first?.state == .positiveInfinity && high.flags.contains(.resultAboveDeviceRange))
        #expect(reading(nil).observations.first?.value == 40)
    }

    /// Records from the sensor's warm-up (the profile's minutes after the session start) are flagged and
    /// left out of analytics; from the end of the warm-up on they are measurements.
    @Test func cgmWarmUpRecordsAreFlagged() throws {
        let session = ObservationMapper.CGMSessionInfo(crcExpected: false, sessionStart: Date(timeIntervalSince1970: 1_699_990_000))
        var c = context
        c.cgmWarmUpMinutes = 60
        func reading(_ offset: UInt16) -> Reading {
            ObservationMapper.cgmReading(CGMMeasurement(glucoseConcentration: SFloat(bitPattern: 120), timeOffsetMinutes: offset), raw: [], session: session, context: c)
        }
        #expect(reading(0).flags.contains(.cgmWarmUp) && !reading(0).isAnalysable)
        #expect(reading(59).flags.contains(.cgmWarmUp))
        #expect(!reading(60).flags.contains(.cgmWarmUp) && reading(60).isAnalysable)
        // No declared warm-up: nothing is flagged.
        #expect(ObservationMapper.cgmReading(CGMMeasurement(glucoseConcentration: SFloat(bitPattern: 120), timeOffsetMinutes: 0), raw: [], session: session, context: context).flags.isEmpty)
    }

    /// Each Sensor Status Annunciation bit the service defines becomes a flag by name; faults make the
    /// record not a measurement, calibration and warning bits travel with it.
    @Test func cgmStatusBitsBecomeFlagsByName() throws {
        let session = ObservationMapper.CGMSessionInfo(crcExpected: false, sessionStart: Date(timeIntervalSince1970: 1_699_990_000))
        func flags(_ status: UInt8?, _ calTemp: UInt8?, _ warning: UInt8?) -> Set<String> {
            let m = CGMMeasurement(glucoseConcentration: SFloat(bitPattern: 120), timeOffsetMinutes: 5,
                                   sensorStatus: .init(status: status, calTemp: calTemp, warning: warning))
            return Set(ObservationMapper.cgmReading(m, raw: [], session: session, context: context).flags.map(\.rawValue))
        }
        #expect(flags(0x01, nil, nil) == ["cgm.session-stopped"])
        #expect(flags(0x02, nil, nil) == ["device.battery-low"])
        #expect(flags(0x04, nil, nil) == ["glucose.sensor-malfunction"])
        #expect(flags(0x20, nil, nil) == ["device.general-fault"])
        #expect(flags(nil, 0x01, nil) == ["cgm.time-sync-required"])
        #expect(flags(nil, 0x0E, nil) == ["cgm.calibration-not-allowed", "cgm.calibration-recommended", "cgm.calibration-required"])
        #expect(flags(nil, 0x30, nil) == ["glucose.temperature-too-high", "glucose.temperature-too-low"])
        #expect(flags(nil, nil, 0x3F) == ["cgm.below-patient-low", "cgm.above-patient-high", "cgm.below-hypo-level", "cgm.above-hyper-level",
                                          "cgm.rate-of-decrease-exceeded", "cgm.rate-of-increase-exceeded"])
        #expect(flags(nil, nil, nil).isEmpty)
        // A faulty sensor's value is left out of analytics; a calibration request alone is not.
        let bad = ObservationMapper.cgmReading(CGMMeasurement(glucoseConcentration: SFloat(bitPattern: 120), timeOffsetMinutes: 5, sensorStatus: .init(status: 0x08)), raw: [], session: session, context: context)
        #expect(!bad.isAnalysable)
        let cal = ObservationMapper.cgmReading(CGMMeasurement(glucoseConcentration: SFloat(bitPattern: 120), timeOffsetMinutes: 5, sensorStatus: .init(calTemp: 0x08)), raw: [], session: session, context: context)
        #expect(cal.isAnalysable)
    }
}
