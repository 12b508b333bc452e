import Testing
import VitalsCore
@testable import VitalsWire

/// Vectors written by hand from the Glucose Service field table, not produced by our encoder.
struct GlucoseMeasurementTests {
    // Flags 0x0B: time offset, concentration + type/location (kg/L), sensor status.
    // Seq 7; base time 2025-03-14 08:00:00; offset -60 min (0xFFC4); 95 mg/dL = 95e-5 kg/L (0xB05F);
    // type 1 capillary whole blood (low nibble), location 1 finger (high nibble); status 0x0001 battery low.
    static let full = "0B 0700 E907 03 0E 08 00 00 C4FF 5FB0 11 0100"

    @Test func decodesEveryField() throws {
        let g = try GlucoseMeasurement(bytes: try Hex.parse(Self.full))
        #expect(g.sequenceNumber == 7)
        #expect(g.baseTime.description == "2025-03-14T08:00:00")
        #expect(g.timeOffsetMinutes == -60)
        #expect(g.concentration?.bitPattern == 0xB05F)
        #expect(g.unit == .kilogramPerLitre)
        #expect(g.conventionalValue?.value == 95)
        #expect(g.conventionalValue?.unit == .milligramPerDecilitre)
        #expect(g.sampleType == .capillaryWholeBlood)
        #expect(g.sampleLocation == .finger)
        #expect(g.sensorStatus?.setNames == ["Device battery low at time of measurement"])
        #expect(g.contextFollows == false)
        #expect(g.encoded() == (try Hex.parse(Self.full)))
    }

    @Test func decodesMolesPerLitreAndNibbleOrder() throws {
        // Flags 0x06: concentration present, mol/L. Seq 0x0100; 5.3 mmol/L = 53e-4 mol/L (0xC035);
        // 0x92 = location 9? no: type is the LOW nibble: 0x22 = type 2 plasma, location 2 alternate site.
        let g = try GlucoseMeasurement(bytes: try Hex.parse("06 0001 E807 0C 1F 17 3B 3B 35C0 A2"))
        #expect(g.sequenceNumber == 256)
        #expect(g.baseTime.description == "2024-12-31T23:59:59")
        #expect(g.unit == .molePerLitre)
        #expect(g.conventionalValue?.value == 5.3)
        #expect(g.conventionalValue?.unit == .millimolePerLitre)
        #expect(g.sampleType == .capillaryPlasma)  // low nibble 2
        #expect(g.sampleLocation?.rawValue == 0x0A)  // high nibble 0xA: reserved, kept
        #expect(g.sampleLocation?.description == "Reserved (10)")
    }

    @Test func controlSolutionIsRecognised() throws {
        // Type 10 (control solution, 0x0A) at location 4 (control solution): 0x4A.
        let g = try GlucoseMeasurement(bytes: try Hex.parse("02 0100 E907 01 01 00 00 00 5FB0 4A"))
        #expect(g.sampleType == .controlSolution)
        #expect(g.sampleLocation == .controlSolution)
    }

    @Test(arguments: Array(0..<12))
    func sensorStatusBitsHaveSpecificationNames(bit: Int) throws {
        let raw = UInt16(1) << UInt16(bit)
        let g = try GlucoseMeasurement(bytes: [0x08, 0x01, 0x00, 0xE9, 0x07, 1, 1, 0, 0, 0, UInt8(raw & 0xFF), UInt8(raw >> 8)])
        #expect(g.sensorStatus?.setNames.count == 1)
        if bit == 5 { #expect(g.sensorStatus?.setNames == ["Sensor result higher than the device can process"]) }
        if bit == 6 { #expect(g.sensorStatus?.setNames == ["Sensor result lower than the device can process"]) }
    }

    @Test func truncationSweep() throws {
        let full = try Hex.parse(Self.full)
        let expected: [Int: (String, Int)] = [
            0: ("Flags", 0), 1: ("Sequence Number", 1), 3: ("Base Time.year", 3), 10: ("Time Offset", 10),
            12: ("Glucose Concentration", 12), 14: ("Type-Sample Location", 14), 15: ("Sensor Status Annunciation", 15),
            16: ("Sensor Status Annunciation", 15),
        ]
        for n in 0..<full.count {
            do {
                _ = try GlucoseMeasurement(bytes: Array(full[0..<n]))
                Issue.record("a \(n)-byte prefix decoded")
            } catch {
                #expect(error.reason.isTruncation)
                if let (field, offset) = expected[n] {
                    #expect(error.field == field, "prefix \(n)")
                    #expect(error.offset == offset, "prefix \(n)")
                }
            }
        }
    }
}

struct RecordAccessControlPointTests {
    @Test func requestsEncodeAsTheSpecificationLaysThemOut() {
        #expect(RecordAccessControlPoint.reportAllRecords().encoded() == [0x01, 0x01])
        #expect(RecordAccessControlPoint.reportNumberOfAllRecords().encoded() == [0x04, 0x01])
        // Report stored records, operator >=, filter type 1 (sequence number), operand 0x0105.
        #expect(RecordAccessControlPoint.reportRecords(fromSequence: 0x0105).encoded() == [0x01, 0x03, 0x01, 0x05, 0x01])
        #expect(RecordAccessControlPoint.abort().encoded() == [0x03, 0x00])
    }

    @Test func responsesDecode() throws {
        let n = try RecordAccessControlPoint(bytes: [0x05, 0x00, 0x0A, 0x00])
        #expect(n.numberOfRecords == 10)
        let ok = try RecordAccessControlPoint(bytes: [0x06, 0x00, 0x01, 0x01])
        #expect(ok.responseCodeValue?.request == .reportStoredRecords)
        #expect(ok.responseCodeValue?.code == .success)
        let none = try RecordAccessControlPoint(bytes: [0x06, 0x00, 0x01, 0x06])
        #expect(none.responseCodeValue?.code == .noRecordsFound)
        let unknown = try RecordAccessControlPoint(bytes: [0x06, 0x00, 0x01, 0x42])
        #expect(unknown.responseCodeValue?.code.description == "Reserved (66)")
    }

    @Test func shortResponsesAreErrorsWithOffsets() {
        #expect { try RecordAccessControlPoint(bytes: [0x06, 0x00, 0x01]) } throws: { e in
            (e as? WireError)?.field == "Operand.Response Code Value" && (e as? WireError)?.offset == 3
        }
        #expect { try RecordAccessControlPoint(bytes: [0x05, 0x00, 0x0A]) } throws: { e in
            (e as? WireError)?.offset == 2 && (e as? WireError)?.reason.isTruncation == true
        }
        #expect { try RecordAccessControlPoint(bytes: [0x06]) } throws: { e in (e as? WireError)?.field == "Operator" }
    }
}
