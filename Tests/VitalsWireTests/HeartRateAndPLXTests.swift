import Testing
import VitalsCore
@testable import VitalsWire

/// Runs `decode` on every proper prefix of `full`. A prefix listed in `valid` must decode; every other prefix
/// must throw a truncation `WireError` of `entity`, naming the field and offset in `expected` where listed.
func sweepEveryPrefix<T>(
    _ full: [UInt8], entity: String, expected: [Int: (String, Int)], valid: Set<Int> = [],
    sourceLocation: SourceLocation = #_sourceLocation, _ decode: ([UInt8]) throws(WireError) -> T
) {
    for n in 0..<full.count {
        do {
            _ = try decode(Array(full[0..<n]))
            if !valid.contains(n) { Issue.record("a \(n)-byte prefix decoded", sourceLocation: sourceLocation) }
        } catch {
            if valid.contains(n) { Issue.record("a \(n)-byte prefix failed: \(error)", sourceLocation: sourceLocation) }
            #expect(error.reason.isTruncation, "prefix \(n): \(error)", sourceLocation: sourceLocation)
            #expect(error.entity == entity, "prefix \(n)", sourceLocation: sourceLocation)
            if let (field, offset) = expected[n] {
                #expect(error.field == field, "prefix \(n)", sourceLocation: sourceLocation)
                #expect(error.offset == offset, "prefix \(n)", sourceLocation: sourceLocation)
            }
        }
    }
}

/// Vectors written by hand from the Heart Rate Service field table, not produced by our encoder.
struct HeartRateMeasurementTests {
    // Flags 0x1F = 0x01 (value is uint16) | 0x06 (bits 1–2 = 3: sensor contact supported and detected)
    //            | 0x08 (Energy Expended present) | 0x10 (RR-Interval present).
    // Heart rate 72 bpm as uint16 LE: 48 00. Energy Expended 291 kJ = 0x0123: 23 01.
    // RR-Intervals 820/1024 s = 0x0334: 34 03, and 768/1024 s = 0x0300: 00 03.
    static let full = "1F 4800 2301 3403 0003"

    @Test func decodesEveryFieldOfTheFullVector() throws {
        let bytes = try Hex.parse(Self.full)
        let m = try HeartRateMeasurement(bytes: bytes)
        #expect(m.valueFormat == .uint16)
        #expect(m.heartRate == 72)
        #expect(m.sensorContact == .supportedDetected)
        #expect(m.sensorContactBits == 3)
        #expect(m.energyExpended == 291)
        #expect(m.rrIntervals == [820, 768])
        #expect(m.rrIntervalsSeconds == [0.80078125, 0.75])
        #expect(m.encoded() == bytes)
        #expect(m.json["heartRateMeasurementValue"] == .int(72))
        #expect(m.json["heartRateMeasurementValueUnit"] == .string("/min"))
        #expect(m.json["energyExpendedUnit"] == .string("kJ"))
        #expect(m.json["rrIntervalsSeconds"] == .array([.number(0.80078125), .number(0.75)]))
        #expect(
            m.json["flags"]?["set"]
                == .array([
                    .string("Heart Rate Value Format is set to UINT16"),
                    .string("Sensor Contact feature is supported and contact is detected"),
                    .string("Energy Expended field is present"),
                    .string("One or more RR-Interval values are present"),
                ]))
    }

    @Test func uint8ValueWithNothingElse() throws {
        // Flags 0x00: uint8 value, sensor contact not supported; 60 bpm = 0x3C.
        let m = try HeartRateMeasurement(bytes: [0x00, 0x3C])
        #expect(m.valueFormat == .uint8 && m.heartRate == 60)
        #expect(m.sensorContact == .notSupported)
        #expect(m.energyExpended == nil && m.rrIntervals.isEmpty)
        #expect(m.encoded() == [0x00, 0x3C])
    }

    @Test(arguments: [
        (UInt8(0x00), HeartRateMeasurement.SensorContact.notSupported),
        (0x02, .notSupported),  // bits 1–2 = 1: also "not supported in the current connection"
        (0x04, .supportedNotDetected),  // bits 1–2 = 2
        (0x06, .supportedDetected),  // bits 1–2 = 3
    ])
    func sensorContactStatusIsATwoBitField(flags: UInt8, contact: HeartRateMeasurement.SensorContact) throws {
        let m = try HeartRateMeasurement(bytes: [flags, 0x48])
        #expect(m.sensorContact == contact)
        #expect(m.encoded() == [flags, 0x48])  // value 1 is kept, not normalised to 0
    }

    @Test func rrIntervalsWithoutEnergyExpended() throws {
        // Flags 0x10: uint8 value 72, one RR-Interval of 1024/1024 s = 0x0400.
        let m = try HeartRateMeasurement(bytes: [0x10, 0x48, 0x00, 0x04])
        #expect(m.rrIntervals == [1024])
        #expect(m.rrIntervalsSeconds == [1.0])
    }

    @Test func rrFlagWithNoIntervalIsTruncated() {
        // "One or more" RR-Interval values: the flag with none is a short value.
        #expect { try HeartRateMeasurement(bytes: [0x10, 0x48]) } throws: { e in
            let e = e as? WireError
            return e?.field == "RR-Interval[0]" && e?.offset == 2 && e?.reason.isTruncation == true
        }
    }

    @Test func anOddTrailingByteIsAShortRRInterval() {
        #expect { try HeartRateMeasurement(bytes: [0x10, 0x48, 0x00, 0x04, 0x01]) } throws: { e in
            (e as? WireError)?.field == "RR-Interval[1]" && (e as? WireError)?.offset == 4
        }
    }

    @Test func trailingBytesWithoutRRAreRejected() {
        #expect { try HeartRateMeasurement(bytes: [0x00, 0x48, 0x00]) } throws: { e in
            (e as? WireError)?.reason == .trailingBytes(1) && (e as? WireError)?.offset == 2
        }
    }

    @Test func energyExpendedAtItsMaximumIsFlagged() throws {
        // Flags 0x08: uint8 value 72, Energy Expended 0xFFFF (the counter has stopped at its maximum).
        let m = try HeartRateMeasurement(bytes: [0x08, 0x48, 0xFF, 0xFF])
        #expect(m.energyExpended == 0xFFFF)
        #expect(m.json["energyExpendedAtMaximum"] == .bool(true))
    }

    @Test func reservedFlagBitsSurviveARoundTrip() throws {
        let m = try HeartRateMeasurement(bytes: [0xE0, 0x48])
        #expect(m.reservedFlags == 0xE0)
        #expect(m.encoded() == [0xE0, 0x48])
    }

    @Test func encoderPicksUint16AboveTwoHundredFiftyFive() {
        // 300 bpm = 0x012C does not fit uint8, so Flags bit 0 is set.
        #expect(HeartRateMeasurement(heartRate: 300).encoded() == [0x01, 0x2C, 0x01])
        #expect(
            HeartRateMeasurement(heartRate: 72, sensorContact: .supportedNotDetected, rrIntervals: [512]).encoded()
                == [0x14, 0x48, 0x00, 0x02])
    }

    @Test func truncationSweep() throws {
        let full = try Hex.parse(Self.full)
        // A prefix that ends between RR-Intervals is itself a valid notification with fewer intervals.
        sweepEveryPrefix(
            full, entity: HeartRateMeasurement.entity,
            expected: [
                0: ("Flags", 0), 1: ("Heart Rate Measurement Value", 1), 2: ("Heart Rate Measurement Value", 1),
                3: ("Energy Expended", 3), 4: ("Energy Expended", 3), 5: ("RR-Interval[0]", 5), 6: ("RR-Interval[0]", 5),
                8: ("RR-Interval[1]", 7),
            ], valid: [7]
        ) { b throws(WireError) in try HeartRateMeasurement(bytes: b) }
        #expect(try HeartRateMeasurement(bytes: Array(full[0..<7])).rrIntervals == [820])
    }
}

struct BodySensorLocationTests {
    @Test(arguments: [
        (UInt8(0), "Other"), (1, "Chest"), (2, "Wrist"), (3, "Finger"), (4, "Hand"), (5, "Ear Lobe"), (6, "Foot"),
        (7, "Reserved (7)"), (255, "Reserved (255)"),
    ])
    func everyValueByName(raw: UInt8, name: String) throws {
        let l = try BodySensorLocation(bytes: [raw])
        #expect(l.description == name)
        #expect(l.isReserved == (raw > 6))
        #expect(l.encoded() == [raw])
    }

    @Test func lengthIsExactlyOneByte() {
        #expect { try BodySensorLocation(bytes: []) } throws: { ($0 as? WireError)?.field == "Body Sensor Location" }
        #expect { try BodySensorLocation(bytes: [1, 0]) } throws: { ($0 as? WireError)?.reason == .trailingBytes(1) }
        #expect(BodySensorLocation.chest.json["bodySensorLocation"]?["name"] == .string("Chest"))
    }
}

/// Vectors written by hand from the Pulse Oximeter Service field tables, not produced by our encoder.
struct PLXSpotCheckMeasurementTests {
    // Flags 0x1F: Timestamp (0x01), Measurement Status (0x02), Device and Sensor Status (0x04), Pulse Amplitude
    // Index (0x08) present, and Device Clock is Not Set (0x10).
    // SpO2 97 % = SFLOAT 0x0061: 61 00. PR 72 bpm = 0x0048: 48 00.
    // Timestamp 2025-03-14 09:26:53: year 0x07E9 (E9 07), 03, 0E, 09, 1A, 35.
    // Measurement Status 0x4080 = bit 7 Validated Data + bit 14 Questionable Measurement Detected: 80 40.
    // Device and Sensor Status 0x002020 = bit 5 Low Perfusion + bit 13 Sensor Displaced: 20 20 00.
    // Pulse Amplitude Index 2.5 % = mantissa 25, exponent -1 = 0xF019: 19 F0.
    static let full = "1F 6100 4800 E907 03 0E 09 1A 35 8040 202000 19F0"

    @Test func decodesEveryField() throws {
        let bytes = try Hex.parse(Self.full)
        let m = try PLXSpotCheckMeasurement(bytes: bytes)
        #expect(m.spO2PR.spO2.value == 97)
        #expect(m.spO2PR.pulseRate.value == 72)
        #expect(m.timestamp?.description == "2025-03-14T09:26:53")
        #expect(m.deviceClockIsNotSet)
        #expect(m.measurementStatus == [.validatedData, .questionableMeasurementDetected])
        #expect(m.measurementStatus?.setNames == ["Validated Data", "Questionable Measurement Detected"])
        #expect(m.deviceAndSensorStatus == [.lowPerfusionDetected, .sensorDisplaced])
        #expect(m.deviceAndSensorStatus?.setNames == ["Low Perfusion Detected", "Sensor Displaced"])
        #expect(m.pulseAmplitudeIndex?.value == 2.5)
        #expect(m.encoded() == bytes)
        #expect(m.json["timestamp"] == .string("2025-03-14T09:26:53"))
        #expect(m.json["flags"]?["deviceClockIsNotSet"] == .bool(true))
        #expect(m.json["spO2PRSpotCheck"]?["spO2Unit"] == .string("%"))
        #expect(m.json["measurementStatus"]?["questionableMeasurementDetected"] == .bool(true))
        #expect(m.json["deviceAndSensorStatus"]?["lowPerfusionDetected"] == .bool(true))
        #expect(m.json["pulseAmplitudeIndexUnit"] == .string("%"))
    }

    @Test func mandatoryFieldsOnly() throws {
        // Flags 0x00; SpO2 NaN (0x07FF, e.g. no finger), PR NaN.
        let m = try PLXSpotCheckMeasurement(bytes: [0x00, 0xFF, 0x07, 0xFF, 0x07])
        #expect(m.spO2PR.spO2.state == .notANumber && m.spO2PR.pulseRate.state == .notANumber)
        #expect(m.timestamp == nil && m.measurementStatus == nil && m.deviceAndSensorStatus == nil)
        #expect(m.pulseAmplitudeIndex == nil && !m.deviceClockIsNotSet)
        #expect(m.json["spO2PRSpotCheck"]?["spO2"] == .string("NaN"))
    }

    @Test func clockNotSetWithoutTimestamp() throws {
        // Flags 0x10 only: the device says its clock is not set and sends no time stamp.
        let m = try PLXSpotCheckMeasurement(bytes: [0x10, 0x61, 0x00, 0x48, 0x00])
        #expect(m.deviceClockIsNotSet && m.timestamp == nil)
        #expect(m.encoded() == [0x10, 0x61, 0x00, 0x48, 0x00])
    }

    @Test(arguments: Array(zip(PLXMeasurementStatus.namedBits.map(\.bit), PLXMeasurementStatus.namedBits.map(\.name))))
    func everyMeasurementStatusBitByName(bit: Int, name: String) throws {
        let raw = UInt16(1) << UInt16(bit)
        // Flags 0x02 (Measurement Status present), SpO2 97, PR 72, then the status LE.
        let m = try PLXSpotCheckMeasurement(bytes: [0x02, 0x61, 0x00, 0x48, 0x00, UInt8(raw & 0xFF), UInt8(raw >> 8)])
        #expect(m.measurementStatus?.setNames == [name])
    }

    @Test func measurementStatusBitNamesAreTheSpecificationsAtTheirPositions() {
        let expected: [(UInt16, String)] = [
            (0x0020, "Measurement Ongoing"), (0x0040, "Early Estimated Data"), (0x0080, "Validated Data"),
            (0x0100, "Fully Qualified Data"), (0x0200, "Data from Measurement Storage"),
            (0x0400, "Data for Demonstration"), (0x0800, "Data for Testing"), (0x1000, "Calibration Ongoing"),
            (0x2000, "Measurement Unavailable"), (0x4000, "Questionable Measurement Detected"),
            (0x8000, "Invalid Measurement Detected"),
        ]
        for (mask, name) in expected { #expect(PLXMeasurementStatus(rawValue: mask).setNames == [name]) }
        #expect(PLXMeasurementStatus.dataForDemonstration.rawValue == 0x0400)
        #expect(PLXMeasurementStatus.dataForTesting.rawValue == 0x0800)
        // Bits 0–4 are reserved: kept, never named.
        let reserved = PLXMeasurementStatus(rawValue: 0x001F)
        #expect(reserved.setNames.isEmpty && reserved.reservedBits == 0x1F)
    }

    @Test func deviceAndSensorStatusBitNamesAreTheSpecificationsAtTheirPositions() throws {
        let expected = [
            "Extended Display Update Ongoing", "Equipment Malfunction Detected",
            "Signal Processing Irregularity Detected", "Inadequate Signal Detected", "Poor Signal Detected",
            "Low Perfusion Detected", "Erratic Signal Detected", "Nonpulsatile Signal Detected",
            "Questionable Pulse Detected", "Signal Analysis Ongoing", "Sensor Interference Detected",
            "Sensor Unconnected to User", "Unknown Sensor Connected", "Sensor Displaced", "Sensor Malfunctioning",
            "Sensor Disconnected",
        ]
        for (bit, name) in expected.enumerated() {
            let raw = UInt32(1) << UInt32(bit)
            // Flags 0x04 (Device and Sensor Status present), SpO2 97, PR 72, then the 24-bit status LE.
            let m = try PLXSpotCheckMeasurement(bytes: [
                0x04, 0x61, 0x00, 0x48, 0x00, UInt8(raw & 0xFF), UInt8((raw >> 8) & 0xFF), UInt8(raw >> 16),
            ])
            #expect(m.deviceAndSensorStatus?.setNames == [name], "bit \(bit)")
        }
        // Bits 16–23 are reserved: a 24-bit value with only those set names nothing.
        let m = try PLXSpotCheckMeasurement(bytes: [0x04, 0x61, 0x00, 0x48, 0x00, 0x00, 0x00, 0xFF])
        #expect(m.deviceAndSensorStatus?.setNames == [] && m.deviceAndSensorStatus?.reservedBits == 0xFF_0000)
        #expect(m.encoded().suffix(3) == [0x00, 0x00, 0xFF])
    }

    @Test func truncationSweep() throws {
        sweepEveryPrefix(
            try Hex.parse(Self.full), entity: PLXSpotCheckMeasurement.entity,
            expected: [
                0: ("Flags", 0), 1: ("SpO2PR-Spot-Check.SpO2", 1), 2: ("SpO2PR-Spot-Check.SpO2", 1),
                3: ("SpO2PR-Spot-Check.PR", 3), 4: ("SpO2PR-Spot-Check.PR", 3), 5: ("Timestamp.year", 5),
                6: ("Timestamp.year", 5), 7: ("Timestamp.month", 7), 8: ("Timestamp.day", 8), 9: ("Timestamp.hours", 9),
                10: ("Timestamp.minutes", 10), 11: ("Timestamp.seconds", 11), 12: ("Measurement Status", 12),
                13: ("Measurement Status", 12), 14: ("Device and Sensor Status", 14), 15: ("Device and Sensor Status", 14),
                16: ("Device and Sensor Status", 14), 17: ("Pulse Amplitude Index", 17), 18: ("Pulse Amplitude Index", 17),
            ]
        ) { b throws(WireError) in try PLXSpotCheckMeasurement(bytes: b) }
    }

    @Test func trailingBytesAreRejected() {
        #expect { try PLXSpotCheckMeasurement(bytes: [0x00, 0x61, 0x00, 0x48, 0x00, 0x00]) } throws: { e in
            (e as? WireError)?.reason == .trailingBytes(1) && (e as? WireError)?.offset == 5
        }
    }
}

struct PLXContinuousMeasurementTests {
    // Flags 0x1F: SpO2PR-Fast (0x01), SpO2PR-Slow (0x02), Measurement Status (0x04), Device and Sensor Status
    // (0x08) and Pulse Amplitude Index (0x10) present.
    // Normal: SpO2 98 % (62 00), PR 65 bpm (41 00). Fast: 97 % (61 00), 66 bpm (42 00).
    // Slow: 98 % (62 00), 64 bpm (40 00). Measurement Status 0x0020, bit 5 Measurement Ongoing (20 00).
    // Device and Sensor Status 0x000200, bit 9 Signal Analysis Ongoing (00 02 00).
    // Pulse Amplitude Index 5.0 % = mantissa 50, exponent -1 = 0xF032 (32 F0).
    static let full = "1F 6200 4100 6100 4200 6200 4000 2000 000200 32F0"

    @Test func decodesEveryField() throws {
        let bytes = try Hex.parse(Self.full)
        let m = try PLXContinuousMeasurement(bytes: bytes)
        #expect(m.normal.spO2.value == 98 && m.normal.pulseRate.value == 65)
        #expect(m.fast?.spO2.value == 97 && m.fast?.pulseRate.value == 66)
        #expect(m.slow?.spO2.value == 98 && m.slow?.pulseRate.value == 64)
        #expect(m.measurementStatus == .measurementOngoing)
        #expect(m.deviceAndSensorStatus == .signalAnalysisOngoing)
        #expect(m.pulseAmplitudeIndex?.value == 5.0)
        #expect(m.encoded() == bytes)
        #expect(m.json["spO2PRFast"]?["pulseRate"] == .number(66))
        #expect(m.json["measurementStatus"]?["set"] == .array([.string("Measurement Ongoing")]))
    }

    @Test func slowWithoutFastKeepsTheOrder() throws {
        // Flags 0x02: only SpO2PR-Slow follows SpO2PR-Normal.
        let m = try PLXContinuousMeasurement(bytes: try Hex.parse("02 6200 4100 6200 4000"))
        #expect(m.fast == nil)
        #expect(m.slow?.pulseRate.value == 64)
        #expect(m.measurementStatus == nil && m.deviceAndSensorStatus == nil && m.pulseAmplitudeIndex == nil)
    }

    @Test func demonstrationAndTestDataAreNamed() throws {
        // Flags 0x04; Measurement Status 0x0C00 = bit 10 Data for Demonstration + bit 11 Data for Testing.
        let m = try PLXContinuousMeasurement(bytes: try Hex.parse("04 6200 4100 000C"))
        #expect(m.measurementStatus?.setNames == ["Data for Demonstration", "Data for Testing"])
        #expect(m.measurementStatus?.contains(.dataForDemonstration) == true)
    }

    @Test func truncationSweep() throws {
        sweepEveryPrefix(
            try Hex.parse(Self.full), entity: PLXContinuousMeasurement.entity,
            expected: [
                0: ("Flags", 0), 1: ("SpO2PR-Normal.SpO2", 1), 3: ("SpO2PR-Normal.PR", 3), 4: ("SpO2PR-Normal.PR", 3),
                5: ("SpO2PR-Fast.SpO2", 5), 7: ("SpO2PR-Fast.PR", 7), 9: ("SpO2PR-Slow.SpO2", 9),
                11: ("SpO2PR-Slow.PR", 11), 13: ("Measurement Status", 13), 14: ("Measurement Status", 13),
                15: ("Device and Sensor Status", 15), 17: ("Device and Sensor Status", 15),
                18: ("Pulse Amplitude Index", 18), 19: ("Pulse Amplitude Index", 18),
            ]
        ) { b throws(WireError) in try PLXContinuousMeasurement(bytes: b) }
    }
}

struct PLXFeaturesTests {
    // Supported Features 0x004B = bit 0 Measurement Status support present, bit 1 Device and Sensor Status support
    // present, bit 3 Timestamp supported, bit 6 Pulse Amplitude Index supported: 4B 00.
    // Measurement Status Support 0xFFE0: every named bit (5–15) supported: E0 FF.
    // Device and Sensor Status Support 0x00FFFF: bits 0–15 supported: FF FF 00.
    static let full = "4B00 E0FF FFFF00"

    @Test func decodesEveryField() throws {
        let bytes = try Hex.parse(Self.full)
        let f = try PLXFeatures(bytes: bytes)
        #expect(f.supportedFeatures == 0x004B)
        #expect(f.timestampSupported && f.pulseAmplitudeIndexSupported)
        #expect(!f.measurementStorageSupported && !f.spO2PRFastSupported && !f.spO2PRSlowSupported)
        #expect(!f.multipleBondsSupported)
        #expect(f.measurementStatusSupport?.setNames.count == 11)
        #expect(f.deviceAndSensorStatusSupport?.setNames.count == 16)
        #expect(f.encoded() == bytes)
        #expect(
            f.supportedNames == [
                "Measurement Status support is present", "Device and Sensor Status support is present",
                "Timestamp for Spot-check measurements is supported", "Pulse Amplitude Index field is supported",
            ])
        #expect(f.json["measurementStatusSupport"]?["dataForTestingSupported"] == .bool(true))
        #expect(f.json["deviceAndSensorStatusSupport"]?["sensorDisconnectedSupported"] == .bool(true))
    }

    @Test func supportFieldsFollowOnlyTheirBits() throws {
        // 0x000C: storage and timestamp supported, no support fields.
        let a = try PLXFeatures(bytes: [0x0C, 0x00])
        #expect(a.measurementStorageSupported && a.timestampSupported)
        #expect(a.measurementStatusSupport == nil && a.deviceAndSensorStatusSupport == nil)
        // 0x0002: only the Device and Sensor Status Support field, 0x000021 = bits 0 and 5.
        let b = try PLXFeatures(bytes: [0x02, 0x00, 0x21, 0x00, 0x00])
        #expect(b.measurementStatusSupport == nil)
        #expect(b.deviceAndSensorStatusSupport?.setNames == ["Extended Display Update Ongoing", "Low Perfusion Detected"])
        #expect(b.encoded() == [0x02, 0x00, 0x21, 0x00, 0x00])
    }

    @Test func truncationSweep() throws {
        sweepEveryPrefix(
            try Hex.parse(Self.full), entity: PLXFeatures.entity,
            expected: [
                0: ("Supported Features", 0), 1: ("Supported Features", 0), 2: ("Measurement Status Support", 2),
                3: ("Measurement Status Support", 2), 4: ("Device and Sensor Status Support", 4),
                5: ("Device and Sensor Status Support", 4), 6: ("Device and Sensor Status Support", 4),
            ]
        ) { b throws(WireError) in try PLXFeatures(bytes: b) }
    }
}
