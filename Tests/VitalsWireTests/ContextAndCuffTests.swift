import Testing
import VitalsCore
@testable import VitalsWire

/// Vectors written by hand from the Glucose Service and Blood Pressure Service field tables, not produced
/// by our encoder.
struct GlucoseMeasurementContextTests {
    // DF        Flags: bit 0 carbohydrate, 1 meal, 2 tester-health, 3 exercise, 4 medication, 6 HbA1c, 7 extended
    //           flags; bit 5 clear = medication in kilograms
    // 07 00     Sequence Number 7
    // 00        Extended Flags (right after the Sequence Number; all bits reserved)
    // 01        Carbohydrate ID 1 Breakfast
    // 2D D0     Carbohydrate 45 g = 0.045 kg = 45e-3: mantissa 45 (0x02D), exponent -3 (0xD) = 0xD02D
    // 01        Meal 1 Preprandial
    // 51        Tester 1 Self (low nibble), Health 5 No health issues (high nibble)
    // 08 07     Exercise Duration 1800 s (0x0708)
    // 3C        Exercise Intensity 60 %
    // 01        Medication ID 1 Rapid acting insulin
    // 23 80     Medication 0.35 mg = 35e-8 kg: mantissa 35 (0x023), exponent -8 (0x8) = 0x8023
    // 41 F0     HbA1c 6.5 % = 65e-1: 0xF041
    static let full = "DF 0700 00 01 2DD0 01 51 0807 3C 01 2380 41F0"

    @Test func decodesEveryField() throws {
        let c = try GlucoseMeasurementContext(bytes: try Hex.parse(Self.full))
        #expect(c.sequenceNumber == 7)
        #expect(c.extendedFlags == 0)
        #expect(c.carbohydrate?.id == .breakfast)
        #expect(c.carbohydrate?.kilograms.value == 0.045)
        #expect(c.carbohydrateGrams == 45)
        #expect(c.meal == .preprandial)
        #expect(c.tester == .selfTest)
        #expect(c.health == .noHealthIssues)
        #expect(c.exercise?.durationSeconds == 1800)
        #expect(c.exercise?.intensityPercent == 60)
        #expect(c.medication?.id == .rapidActingInsulin)
        #expect(c.medicationUnit == .kilograms)
        #expect(c.medication?.amount.bitPattern == 0x8023)
        #expect(c.medicationConventional?.value == 0.35)
        #expect(c.medicationConventional?.unit == "mg")
        #expect(c.hbA1c?.value == 6.5)
        #expect(c.flags == 0xDF)
        #expect(c.encoded() == (try Hex.parse(Self.full)))
    }

    @Test func extendedFlagsComeRightAfterTheSequenceNumber() throws {
        // 82 = meal + extended flags; 01 00 = sequence 1; AA = Extended Flags; 03 = Meal 3 Fasting.
        // Were the Extended Flags read last, the meal would come out as 0xAA.
        let c = try GlucoseMeasurementContext(bytes: try Hex.parse("82 0100 AA 03"))
        #expect(c.extendedFlags == 0xAA)
        #expect(c.meal == .fasting)
        #expect(c.encoded() == (try Hex.parse("82 0100 AA 03")))
    }

    @Test func medicationInLitres() throws {
        // 30 = medication present + bit 5 (litres); sequence 2; Medication ID 2 Short acting insulin;
        // 0.05 mL = 5e-5 L: mantissa 5, exponent -5 (0xB) = 0xB005.
        let c = try GlucoseMeasurementContext(bytes: try Hex.parse("30 0200 02 05B0"))
        #expect(c.medicationUnit == .litres)
        #expect(c.medication?.id == .shortActingInsulin)
        #expect(c.medicationConventional?.value == 0.05)
        #expect(c.medicationConventional?.unit == "mL")
        #expect(c.json["medicationUnit"] == .string("L"))
        #expect(c.json["flags"]?["medicationValueUnits"] == .string("liters"))
        // A litres medication cut short names the litres field.
        #expect { try GlucoseMeasurementContext(bytes: try Hex.parse("30 0200 02 05")) } throws: { e in
            (e as? WireError)?.field == "Medication - units of liters" && (e as? WireError)?.offset == 4
        }
    }

    @Test func specialValuesAndReservedCodes() throws {
        // 0B = carbohydrate, meal, exercise; sequence 3; Carbohydrate ID 9 (reserved), carbohydrate NaN;
        // Meal 0 (reserved); Exercise Duration 0xFFFF = Overrun, intensity 100 %.
        let c = try GlucoseMeasurementContext(bytes: try Hex.parse("0B 0300 09 FF07 00 FFFF 64"))
        #expect(c.carbohydrate?.id.description == "Reserved (9)")
        #expect(c.carbohydrate?.kilograms.state == .notANumber)
        #expect(c.carbohydrateGrams == nil)
        #expect(c.meal?.description == "Reserved (0)")
        #expect(c.json["exerciseDuration"] == .string("Overrun"))
        #expect(c.json["carbohydrate"] == .string("NaN"))
    }

    @Test func truncationSweep() throws {
        let full = try Hex.parse(Self.full)
        let expected: [Int: (String, Int)] = [
            0: ("Flags", 0), 1: ("Sequence Number", 1), 2: ("Sequence Number", 1), 3: ("Extended Flags", 3),
            4: ("Carbohydrate ID", 4), 5: ("Carbohydrate - units of kilograms", 5),
            6: ("Carbohydrate - units of kilograms", 5), 7: ("Meal", 7), 8: ("Tester-Health", 8),
            9: ("Exercise Duration", 9), 10: ("Exercise Duration", 9), 11: ("Exercise Intensity", 11),
            12: ("Medication ID", 12), 13: ("Medication - units of kilograms", 13),
            14: ("Medication - units of kilograms", 13), 15: ("HbA1c", 15), 16: ("HbA1c", 15),
        ]
        #expect(expected.count == full.count)
        for n in 0..<full.count {
            do {
                _ = try GlucoseMeasurementContext(bytes: Array(full[0..<n]))
                Issue.record("a \(n)-byte prefix decoded")
            } catch {
                #expect(error.reason.isTruncation)
                #expect(error.entity == GlucoseMeasurementContext.entity)
                #expect(error.field == expected[n]?.0, "prefix \(n)")
                #expect(error.offset == expected[n]?.1, "prefix \(n)")
            }
        }
    }

    @Test func trailingBytesAreRejected() throws {
        #expect { try GlucoseMeasurementContext(bytes: try Hex.parse("02 0100 03 AA")) } throws: { e in
            (e as? WireError)?.reason == .trailingBytes(1) && (e as? WireError)?.offset == 4
        }
    }
}

struct IntermediateCuffPressureTests {
    // 00        Flags: mmHg, nothing optional
    // 96 00     Current Cuff Pressure 150 mmHg (0x0096)
    // FF 07     Diastolic place, unused: NaN (0x07FF)
    // FF 07     Mean Arterial Pressure place, unused: NaN
    static let minimal = "00 9600 FF07 FF07"
    // 1F        Flags: kPa (bit 0), time stamp, pulse rate, user ID, measurement status
    // C8 F0     Current Cuff Pressure 20.0 kPa = 200e-1: 0xF0C8
    // FF 07 FF 07  unused, NaN
    // E9 07 03 0E 09 1A 28  Time Stamp 2025-03-14 09:26:40
    // 46 00     Pulse Rate 70 /min
    // 02        User ID 2
    // 01 00     Measurement Status bit 0: body movement
    static let full = "1F C8F0 FF07 FF07 E907 03 0E 09 1A 28 4600 02 0100"

    @Test func decodesTheCurrentCuffPressure() throws {
        let p = try IntermediateCuffPressure(bytes: try Hex.parse(Self.minimal))
        #expect(p.unit == .mmHg)
        #expect(p.currentCuffPressure.value == 150)
        #expect(p.unusedFieldsAreNaN)
        #expect(p.encoded() == (try Hex.parse(Self.minimal)))
        #expect(IntermediateCuffPressure(unit: .mmHg, currentCuffPressure: SFloat(bitPattern: 0x0096)).encoded() == p.encoded())
        #expect(p.json["characteristic"] == .string("0x2A36"))
        #expect(p.json["currentCuffPressure"] == .number(150))
        #expect(p.json["diastolicUnused"] == .string("NaN"))
    }

    @Test func decodesEveryOptionalField() throws {
        let p = try IntermediateCuffPressure(bytes: try Hex.parse(Self.full))
        #expect(p.unit == .kPa)
        #expect(p.currentCuffPressure.value == 20)
        #expect(p.timeStamp?.description == "2025-03-14T09:26:40")
        #expect(p.pulseRate?.value == 70)
        #expect(p.userID == 2)
        #expect(p.status?.setNames == ["Body movement during measurement"])
        #expect(p.encoded() == (try Hex.parse(Self.full)))
        #expect(p.json["timeStamp"] == .string("2025-03-14T09:26:40"))
        #expect(p.json["unit"] == .string("kPa"))
    }

    @Test func filledUnusedPlacesAreKeptAndVisible() throws {
        // A device that sends 0 instead of NaN in the unused places still decodes; the flag says so.
        let p = try IntermediateCuffPressure(bytes: try Hex.parse("00 9600 0000 0000"))
        #expect(!p.unusedFieldsAreNaN)
        #expect(p.json["diastolicUnused"] == .number(0))
    }

    @Test func truncationSweepUsesIntermediateCuffPressureNames() throws {
        let full = try Hex.parse(Self.full)
        let expected: [Int: (String, Int)] = [
            0: ("Flags", 0), 1: ("Current Cuff Pressure", 1), 2: ("Current Cuff Pressure", 1),
            3: ("Diastolic (unused)", 3), 4: ("Diastolic (unused)", 3), 5: ("Mean Arterial Pressure (unused)", 5),
            6: ("Mean Arterial Pressure (unused)", 5), 7: ("Time Stamp.year", 7), 8: ("Time Stamp.year", 7),
            9: ("Time Stamp.month", 9), 10: ("Time Stamp.day", 10), 11: ("Time Stamp.hours", 11),
            12: ("Time Stamp.minutes", 12), 13: ("Time Stamp.seconds", 13), 14: ("Pulse Rate", 14),
            15: ("Pulse Rate", 14), 16: ("User ID", 16), 17: ("Measurement Status", 17), 18: ("Measurement Status", 17),
        ]
        #expect(expected.count == full.count)
        for n in 0..<full.count {
            do {
                _ = try IntermediateCuffPressure(bytes: Array(full[0..<n]))
                Issue.record("a \(n)-byte prefix decoded")
            } catch {
                #expect(error.reason.isTruncation)
                #expect(error.entity == IntermediateCuffPressure.entity)
                #expect(error.field == expected[n]?.0, "prefix \(n)")
                #expect(error.offset == expected[n]?.1, "prefix \(n)")
            }
        }
    }

    @Test func trailingBytesAreRejected() throws {
        #expect { try IntermediateCuffPressure(bytes: try Hex.parse("00 9600 FF07 FF07 00")) } throws: { e in
            (e as? WireError)?.entity == IntermediateCuffPressure.entity && (e as? WireError)?.reason == .trailingBytes(1)
        }
    }
}
