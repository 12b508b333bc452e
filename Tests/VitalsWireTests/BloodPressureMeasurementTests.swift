import Testing
import VitalsCore
@testable import VitalsWire

/// Vectors written by hand from the Blood Pressure Service field table, not produced by our encoder.
struct BloodPressureMeasurementTests {
    // Flags 0x1E: mmHg, time stamp, pulse rate, user ID, measurement status present.
    // 120/80 mmHg, MAP 93.3 (0xF3A5), 2025-03-14 09:26:53, pulse 72, user 1,
    // status 0x000C = irregular pulse (bit 2) + pulse rate range 01 "exceeds upper limit" (bits 3–4).
    static let full = "1E 7800 5000 A5F3 E907 03 0E 09 1A 35 4800 01 0C00"

    @Test func decodesEveryFieldOfTheFullVector() throws {
        let m = try BloodPressureMeasurement(bytes: try Hex.parse(Self.full))
        #expect(m.unit == .mmHg)
        #expect(m.systolic.value == 120)
        #expect(m.diastolic.value == 80)
        #expect(m.meanArterialPressure.value == 93.3)
        #expect(m.timeStamp?.description == "2025-03-14T09:26:53")
        #expect(m.pulseRate?.value == 72)
        #expect(m.userID == 1)
        #expect(m.status?.irregularPulseDetected == true)
        #expect(m.status?.pulseRateRange == .exceedsUpperLimit)
        #expect(m.status?.bodyMovementDetected == false)
        #expect(m.status?.cuffTooLoose == false)
        #expect(m.status?.improperMeasurementPosition == false)
        #expect(m.encoded() == (try Hex.parse(Self.full)))
    }

    @Test func decodesKilopascalsWithOnlyMandatoryFields() throws {
        // Flags 0x01 (kPa); 16.0 (0xF0A0), 10.7 (0xF06B), 12.5 (0xF07D).
        let m = try BloodPressureMeasurement(bytes: try Hex.parse("01 A0F0 6BF0 7DF0"))
        #expect(m.unit == .kPa)
        #expect(m.systolic.value == 16.0)
        #expect(m.diastolic.value == 10.7)
        #expect(m.meanArterialPressure.value == 12.5)
        #expect(m.timeStamp == nil && m.pulseRate == nil && m.userID == nil && m.status == nil)
    }

    @Test(arguments: [
        (UInt16(0x0001), "Body movement during measurement"),
        (0x0002, "Cuff too loose"),
        (0x0004, "Irregular pulse detected"),
        (0x0008, "Pulse rate exceeds upper limit"),
        (0x0010, "Pulse rate is less than lower limit"),
        (0x0020, "Improper measurement position"),
    ])
    func eachStatusBitByName(raw: UInt16, name: String) throws {
        let bytes: [UInt8] = [0x10, 0x78, 0x00, 0x50, 0x00, 0x5D, 0x00, UInt8(raw & 0xFF), UInt8(raw >> 8)]
        let m = try BloodPressureMeasurement(bytes: bytes)
        #expect(m.status?.setNames == [name])
    }

    @Test func specialValuesSurviveDecoding() throws {
        // Intermediate-style reading: systolic 0x07FF NaN, diastolic NRes, MAP -INF.
        let m = try BloodPressureMeasurement(bytes: try Hex.parse("00 FF07 0008 0208"))
        #expect(m.systolic.state == .notANumber)
        #expect(m.diastolic.state == .notAtThisResolution)
        #expect(m.meanArterialPressure.state == .negativeInfinity)
    }

    @Test func truncationSweepNamesFieldAndOffset() throws {
        let full = try Hex.parse(Self.full)
        let expected: [Int: (String, Int)] = [
            0: ("Flags", 0), 1: ("Systolic", 1), 2: ("Systolic", 1), 3: ("Diastolic", 3), 5: ("Mean Arterial Pressure", 5),
            7: ("Time Stamp.year", 7), 9: ("Time Stamp.month", 9), 13: ("Time Stamp.seconds", 13), 14: ("Pulse Rate", 14),
            16: ("User ID", 16), 17: ("Measurement Status", 17), 18: ("Measurement Status", 17),
        ]
        for n in 0..<full.count {
            do {
                _ = try BloodPressureMeasurement(bytes: Array(full[0..<n]))
                Issue.record("a \(n)-byte prefix decoded")
            } catch {
                #expect(error.reason.isTruncation)
                #expect(error.entity == BloodPressureMeasurement.entity)
                if let (field, offset) = expected[n] {
                    #expect(error.field == field)
                    #expect(error.offset == offset)
                }
            }
        }
    }

    @Test func trailingBytesAreRejected() throws {
        #expect(throws: WireError.self) { try BloodPressureMeasurement(bytes: try Hex.parse("00 7800 5000 5D00 AA")) }
    }
}
