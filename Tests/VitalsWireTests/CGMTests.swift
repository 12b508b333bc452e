import Testing
import VitalsCore
@testable import VitalsWire

/// Vectors written by hand from the Continuous Glucose Monitoring Service field tables, not produced by our
/// encoder. The E2E-CRC octets were computed separately with CRC-16/MCRF4XX (a textbook MSB-first 0x1021
/// register with reflected input and output, seed 0xFFFF), whose check value is asserted below.

/// Runs `decode` on every proper prefix of `full` and checks that each one throws a truncation naming the
/// expected field and offset. `expected` maps a prefix length to (field, offset); every length must be listed.
private func sweep(
    _ full: [UInt8], entity: String, _ expected: [Int: (String, Int)],
    sourceLocation: SourceLocation = #_sourceLocation, _ decode: ([UInt8]) throws(WireError) -> Void
) {
    #expect(expected.count == full.count, "every prefix length needs an expectation", sourceLocation: sourceLocation)
    for n in 0..<full.count {
        do {
            try decode(Array(full[0..<n]))
            Issue.record("a \(n)-byte prefix decoded", sourceLocation: sourceLocation)
        } catch {
            #expect(error.reason.isTruncation, "prefix \(n): \(error)", sourceLocation: sourceLocation)
            #expect(error.entity == entity, sourceLocation: sourceLocation)
            if let (field, offset) = expected[n] {
                #expect(error.field == field, "prefix \(n): \(error)", sourceLocation: sourceLocation)
                #expect(error.offset == offset, "prefix \(n): \(error)", sourceLocation: sourceLocation)
            }
        }
    }
}

struct CRC16MCRF4XXTests {
    @Test func checkValue() {
        // The catalogue check value of CRC-16/MCRF4XX.
        #expect(CRC16MCRF4XX.checksum(Array("123456789".utf8)) == 0x6F91)
        // No bytes: the seed, untouched (no final XOR).
        #expect(CRC16MCRF4XX.checksum([UInt8]()) == 0xFFFF)
    }

    @Test func writerAppendsLittleEndian() {
        var w = ByteWriter()
        w.append(Array("123456789".utf8))
        w.e2eCRC()
        #expect(Array(w.bytes.suffix(2)) == [0x91, 0x6F])
    }
}

struct CGMMeasurementTests {
    // One record with every optional field:
    // 0F        Size 15 = 6 (Size, Flags, Concentration, Time Offset) + 3 annunciation octets + 2 trend + 2 quality + 2 CRC
    // E3        Flags: 0x01 trend, 0x02 quality, 0x20 Warning-Octet, 0x40 Cal/Temp-Octet, 0x80 Status-Octet
    // 78 00     CGM Glucose Concentration 120 mg/dL (SFLOAT mantissa 120, exponent 0 = 0x0078)
    // A0 05     Time Offset 1440 min (0x05A0)
    // 02        Status-Octet: bit 1 Device Battery Low          (annunciation bit 1)
    // 04        Cal/Temp-Octet: bit 2 Calibration recommended    (annunciation bit 10)
    // 01        Warning-Octet: bit 0 lower than Patient Low      (annunciation bit 16)
    // F1 FF     CGM Trend Information -1.5 (mg/dL)/min: mantissa -15 (0xFF1), exponent -1 (0xF) = 0xFFF1
    // 5F 00     CGM Quality 95 %
    // 21 C7     E2E-CRC 0xC721 over the 13 octets above
    static let full = "0F E3 7800 A005 02 04 01 F1FF 5F00 21C7"

    @Test func decodesEveryField() throws {
        let m = try CGMMeasurement(bytes: try Hex.parse(Self.full))
        #expect(m.glucoseConcentration.value == 120)
        #expect(m.timeOffsetMinutes == 1440)
        #expect(m.sensorStatus.status == 0x02)
        #expect(m.sensorStatus.calTemp == 0x04)
        #expect(m.sensorStatus.warning == 0x01)
        #expect(
            m.sensorStatus.setNames == [
                "Device Battery Low", "Calibration recommended", "Sensor result lower than the Patient Low level",
            ])
        #expect(m.trend?.value == -1.5)
        #expect(m.quality?.value == 95)
        #expect(m.hasE2ECRC)
        #expect(m.e2eCRC == 0xC721)
        #expect(m.size == 15)
        #expect(m.flags == 0xE3)
        #expect(m.encoded() == (try Hex.parse(Self.full)))
        // The same with the CRC announced by CGM Feature.
        #expect(try CGMMeasurement(bytes: try Hex.parse(Self.full), crcExpected: true) == m)
    }

    @Test func annunciationOctetsGoStatusCalTempWarning() throws {
        // Only the Warning-Octet (flag 0x20): 0x80 = bit 23, higher than the device can process.
        let w = try CGMMeasurement(bytes: try Hex.parse("07 20 7800 0000 80"))
        #expect(w.sensorStatus == CGMSensorStatusAnnunciation(warning: 0x80))
        #expect(w.sensorStatus.setNames == ["Sensor result higher than the device can process"])
        // Status-Octet and Warning-Octet (flags 0xA0): the Status-Octet comes first on the wire.
        let sw = try CGMMeasurement(bytes: try Hex.parse("08 A0 7800 0000 01 40"))
        #expect(sw.sensorStatus.status == 0x01)
        #expect(sw.sensorStatus.warning == 0x40)
        #expect(sw.sensorStatus.setNames == ["Session Stopped", "Sensor result lower than the device can process"])
        #expect(sw.encoded() == (try Hex.parse("08 A0 7800 0000 01 40")))
    }

    @Test func minimalRecordWithoutCRC() throws {
        // 06 Size, 00 Flags, 5A 00 = 90 mg/dL, 05 00 = 5 min.
        let bytes = try Hex.parse("06 00 5A00 0500")
        let m = try CGMMeasurement(bytes: bytes)
        #expect(m.glucoseConcentration.value == 90)
        #expect(m.timeOffsetMinutes == 5)
        #expect(m.sensorStatus.isAbsent && m.trend == nil && m.quality == nil && !m.hasE2ECRC)
        #expect(m.encoded() == bytes)
        #expect(try CGMMeasurement(bytes: bytes, crcExpected: false) == m)
    }

    @Test func severalRecordsInOneNotification() throws {
        // Record A: 08 Size, 00 Flags, 90 mg/dL, 5 min, CRC 0x5E28.
        // Record B: 0A Size, 01 Flags (trend), 95 mg/dL, 10 min, trend +2 (mg/dL)/min, CRC 0x577C.
        let notification = try Hex.parse("08 00 5A00 0500 285E  0A 01 5F00 0A00 0200 7C57")
        let records = try CGMMeasurement.decodeRecords(bytes: notification, crcExpected: true)
        #expect(records.count == 2)
        #expect(records.map { $0.glucoseConcentration.value } == [90, 95])
        #expect(records.map(\.timeOffsetMinutes) == [5, 10])
        #expect(records[1].trend?.value == 2)
        #expect(CGMMeasurement.encode(records: records) == notification)

        // Without CRCs (CGM Feature says unsupported): three records of Size 6.
        let plain = try Hex.parse("06 00 5A00 0500 06 00 5F00 0A00 06 00 6400 0F00")
        let three = try CGMMeasurement.decodeRecords(bytes: plain, crcExpected: false)
        #expect(three.map { $0.glucoseConcentration.value } == [90, 95, 100])
        #expect(three.map(\.timeOffsetMinutes) == [5, 10, 15])
    }

    @Test func badCRCNamesTheFieldAndItsOffset() throws {
        // Record B's CRC changed from 7C 57 to 7D 57; it sits at 8 (record A) + 8 = offset 16.
        let notification = try Hex.parse("08 00 5A00 0500 285E  0A 01 5F00 0A00 0200 7D57")
        #expect { try CGMMeasurement.decodeRecords(bytes: notification, crcExpected: true) } throws: { e in
            let w = e as? WireError
            return w?.field == "E2E-CRC" && w?.offset == 16 && w?.reason.isTruncation == false
                && w?.entity == CGMMeasurement.entity
        }
        // A single record: the CRC of the full vector with its last octet changed, at offset 13.
        var bad = try Hex.parse(Self.full)
        bad[14] ^= 0x01
        #expect { try CGMMeasurement(bytes: bad) } throws: { e in
            (e as? WireError)?.field == "E2E-CRC" && (e as? WireError)?.offset == 13
        }
    }

    @Test func crcPresenceMustMatchTheFeature() throws {
        // Size 6 record but CGM Feature says E2E-CRC is supported: the Size is wrong for that.
        #expect { try CGMMeasurement.decodeRecords(bytes: try Hex.parse("06 00 5A00 0500"), crcExpected: true) } throws: {
            e in (e as? WireError)?.field == "Size" && (e as? WireError)?.offset == 0
        }
        // A record with a CRC when the Feature says unsupported.
        #expect { try CGMMeasurement.decodeRecords(bytes: try Hex.parse("08 00 5A00 0500 285E"), crcExpected: false) } throws: {
            e in (e as? WireError)?.field == "Size"
        }
    }

    @Test func badSizes() throws {
        // Size 5 is below the minimum of 6.
        #expect { try CGMMeasurement(bytes: try Hex.parse("05 00 5A00 05")) } throws: { e in
            (e as? WireError)?.field == "Size" && (e as? WireError)?.offset == 0
        }
        // Size 6 but the Flags announce a trend (8 octets); all 6 octets are there, so the Size is wrong.
        #expect { try CGMMeasurement(bytes: try Hex.parse("06 01 5A00 0500 0200")) } throws: { e in
            (e as? WireError)?.field == "Size" && (e as? WireError)?.offset == 0
                && (e as? WireError)?.reason.isTruncation == false
        }
        // In a notification, the second record's bad Size is reported at its own offset (6).
        #expect { try CGMMeasurement.decodeRecords(bytes: try Hex.parse("06 00 5A00 0500 03 00 5A"), crcExpected: false) } throws: {
            e in (e as? WireError)?.field == "Size" && (e as? WireError)?.offset == 6
        }
        // One record given to the single-record decoder, followed by another.
        #expect { try CGMMeasurement(bytes: try Hex.parse("06 00 5A00 0500 06 00 5A00 0500")) } throws: { e in
            (e as? WireError)?.offset == 6
        }
        // An empty notification.
        #expect { try CGMMeasurement.decodeRecords(bytes: [], crcExpected: false) } throws: { e in
            (e as? WireError)?.field == "Size" && (e as? WireError)?.offset == 0
        }
    }

    @Test func truncationSweep() throws {
        let full = try Hex.parse(Self.full)
        let expected: [Int: (String, Int)] = [
            0: ("Size", 0), 1: ("Flags", 1), 2: ("CGM Glucose Concentration", 2), 3: ("CGM Glucose Concentration", 2),
            4: ("Time Offset", 4), 5: ("Time Offset", 4), 6: ("Sensor Status Annunciation.Status-Octet", 6),
            7: ("Sensor Status Annunciation.Cal/Temp-Octet", 7), 8: ("Sensor Status Annunciation.Warning-Octet", 8),
            9: ("CGM Trend Information", 9), 10: ("CGM Trend Information", 9), 11: ("CGM Quality", 11),
            12: ("CGM Quality", 11), 13: ("E2E-CRC", 13), 14: ("E2E-CRC", 13),
        ]
        sweep(full, entity: CGMMeasurement.entity, expected) { b throws(WireError) in _ = try CGMMeasurement(bytes: b) }
        sweep(full, entity: CGMMeasurement.entity, expected) { b throws(WireError) in
            _ = try CGMMeasurement.decodeRecords(bytes: b, crcExpected: true)
        }
    }

    @Test func secondRecordCutShortIsATruncationAtItsOffset() throws {
        // Record B (10 octets from offset 8) cut after its trend: the CRC at 16 is missing.
        let cut = try Hex.parse("08 00 5A00 0500 285E  0A 01 5F00 0A00 0200")
        #expect { try CGMMeasurement.decodeRecords(bytes: cut, crcExpected: true) } throws: { e in
            (e as? WireError)?.field == "E2E-CRC" && (e as? WireError)?.offset == 16
                && (e as? WireError)?.reason.isTruncation == true
        }
    }

    @Test func jsonUsesSpecificationNamesAndUnits() throws {
        let j = try CGMMeasurement(bytes: try Hex.parse(Self.full)).json
        #expect(j["cgmGlucoseConcentration"] == .number(120))
        #expect(j["cgmGlucoseConcentrationUnit"] == .string("mg/dL"))
        #expect(j["timeOffsetUnit"] == .string("min"))
        #expect(j["cgmTrendInformationUnit"] == .string("mg/dL/min"))
        #expect(j["cgmQualityUnit"] == .string("%"))
        #expect(j["e2eCRC"] == .string("0xC721"))
        #expect(j["sensorStatusAnnunciation"]?["set"] == .array([
            .string("Device Battery Low"), .string("Calibration recommended"),
            .string("Sensor result lower than the Patient Low level"),
        ]))
    }
}

struct CGMFeatureTests {
    // 03 90 01  CGM Feature 0x019003: bit 0 Calibration, bit 1 Patient High/Low Alerts, bit 12 E2E-CRC,
    //           bit 15 CGM Trend Information, bit 16 CGM Quality
    // 59        CGM Type 9 Interstitial Fluid (low nibble), Sample Location 5 Subcutaneous tissue (high nibble)
    // 09 79     E2E-CRC 0x7909 over the 4 octets above
    static let full = "039001 59 0979"

    @Test func decodes() throws {
        let f = try CGMFeature(bytes: try Hex.parse(Self.full))
        #expect(f.features == 0x01_9003)
        #expect(f.e2eCRCSupported && f.cgmTrendInformationSupported && f.cgmQualitySupported)
        #expect(
            f.supportedNames == [
                "Calibration Supported", "Patient High/Low Alerts supported", "E2E-CRC supported",
                "CGM Trend Information supported", "CGM Quality supported",
            ])
        #expect(f.type == .interstitialFluid)
        #expect(f.sampleLocation == .subcutaneous)
        #expect(f.e2eCRC == 0x7909)
        #expect(f.encoded() == (try Hex.parse(Self.full)))
        #expect(CGMFeature(features: 0x01_9003, type: .interstitialFluid, sampleLocation: .subcutaneous) == f)
    }

    @Test func crcNotSupportedIsFFFF() throws {
        // Bits 0–1 only; E2E-CRC field 0xFFFF, not checked.
        let f = try CGMFeature(bytes: try Hex.parse("030000 59 FFFF"))
        #expect(!f.e2eCRCSupported)
        #expect(f.e2eCRC == CGMFeature.crcNotSupported)
        #expect(f.json["e2eCRC"] == .string("not supported (0xFFFF)"))
        #expect(CGMFeature(features: 3, type: .interstitialFluid, sampleLocation: .subcutaneous).encoded() == f.encoded())
    }

    @Test func badCRC() throws {
        #expect { try CGMFeature(bytes: try Hex.parse("039001 59 0A79")) } throws: { e in
            (e as? WireError)?.field == "E2E-CRC" && (e as? WireError)?.offset == 4
        }
    }

    @Test func truncationSweep() throws {
        sweep(
            try Hex.parse(Self.full), entity: CGMFeature.entity,
            [
                0: ("CGM Feature", 0), 1: ("CGM Feature", 0), 2: ("CGM Feature", 0), 3: ("CGM Type-Sample Location", 3),
                4: ("E2E-CRC", 4), 5: ("E2E-CRC", 4),
            ]
        ) { b throws(WireError) in _ = try CGMFeature(bytes: b) }
    }
}

struct CGMStatusTests {
    // 30 00     Time Offset 48 min
    // 01 01 20  CGM Status, least significant octet first: Status-Octet 0x01 (Session Stopped, bit 0),
    //           Cal/Temp-Octet 0x01 (time synchronization required, bit 8), Warning-Octet 0x20 (Rate of Increase, bit 21)
    // 5F 86     E2E-CRC 0x865F
    static let full = "3000 010120 5F86"

    @Test func decodes() throws {
        let s = try CGMStatus(bytes: try Hex.parse(Self.full))
        #expect(s.timeOffsetMinutes == 48)
        #expect(s.status.rawValue == 0x20_0101)
        #expect(
            s.status.setNames == [
                "Session Stopped", "Time synchronization between sensor and collector required",
                "Sensor Rate of Increase exceeded",
            ])
        #expect(s.hasE2ECRC)
        #expect(s.encoded() == (try Hex.parse(Self.full)))
        // Without the CRC (5 octets).
        let plain = try CGMStatus(bytes: try Hex.parse("3000 010120"), crcExpected: false)
        #expect(plain.status == s.status && !plain.hasE2ECRC)
        #expect(plain.encoded() == (try Hex.parse("3000 010120")))
    }

    @Test func badCRCAndMissingCRC() throws {
        #expect { try CGMStatus(bytes: try Hex.parse("3000 010120 5F87")) } throws: { e in
            (e as? WireError)?.field == "E2E-CRC" && (e as? WireError)?.offset == 5
        }
        #expect { try CGMStatus(bytes: try Hex.parse("3000 010120 5F86"), crcExpected: false) } throws: { e in
            (e as? WireError)?.reason == .trailingBytes(2)
        }
    }

    @Test func truncationSweep() throws {
        sweep(
            try Hex.parse(Self.full), entity: CGMStatus.entity,
            [
                0: ("Time Offset", 0), 1: ("Time Offset", 0), 2: ("CGM Status", 2), 3: ("CGM Status", 2), 4: ("CGM Status", 2),
                5: ("E2E-CRC", 5), 6: ("E2E-CRC", 5),
            ]
        ) { b throws(WireError) in _ = try CGMStatus(bytes: b, crcExpected: true) }
    }
}

struct CGMSessionStartTimeTests {
    // E9 07 03 0E 08 00 00  Session Start Time 2025-03-14 08:00:00 (year 0x07E9)
    // 04                    Time Zone +4 × 15 min = +1 h
    // 04                    DST Offset 4 = Daylight Time (+1 h)
    // 04 DF                 E2E-CRC 0xDF04
    static let full = "E907 03 0E 08 00 00 04 04 04DF"

    @Test func decodes() throws {
        let s = try CGMSessionStartTime(bytes: try Hex.parse(Self.full))
        #expect(s.sessionStartTime.description == "2025-03-14T08:00:00")
        #expect(s.timeZone == 4 && s.timeZoneMinutes == 60)
        #expect(s.dstOffset == 4 && s.dstOffsetMinutes == 60)
        #expect(s.utcOffsetMinutes == 120)
        #expect(s.iso8601 == "2025-03-14T08:00:00+02:00")
        #expect(s.json["sessionStartTime"] == .string("2025-03-14T08:00:00+02:00"))
        #expect(s.hasE2ECRC)
        #expect(s.encoded() == (try Hex.parse(Self.full)))
    }

    @Test func unknownAndNegativeZones() throws {
        // Time Zone -128 (0x80) not known, DST 255 not known, no CRC: no offset in the ISO string.
        let unknown = try CGMSessionStartTime(bytes: try Hex.parse("E907 03 0E 08 00 00 80 FF"))
        #expect(unknown.timeZoneMinutes == nil && unknown.dstOffsetMinutes == nil)
        #expect(unknown.iso8601 == "2025-03-14T08:00:00")
        #expect(unknown.dstOffsetDescription == "DST is not known")
        // Time Zone -20 (0xEC) = -5 h, DST 0 standard time.
        let ny = try CGMSessionStartTime(bytes: try Hex.parse("E907 01 02 03 04 05 EC 00"))
        #expect(ny.iso8601 == "2025-01-02T03:04:05-05:00")
        // Time Zone 0, DST 0: UTC.
        let utc = try CGMSessionStartTime(bytes: try Hex.parse("E907 01 02 03 04 05 00 00"))
        #expect(utc.iso8601 == "2025-01-02T03:04:05Z")
    }

    @Test func truncationSweep() throws {
        sweep(
            try Hex.parse(Self.full), entity: CGMSessionStartTime.entity,
            [
                0: ("Session Start Time.year", 0), 1: ("Session Start Time.year", 0), 2: ("Session Start Time.month", 2),
                3: ("Session Start Time.day", 3), 4: ("Session Start Time.hours", 4), 5: ("Session Start Time.minutes", 5),
                6: ("Session Start Time.seconds", 6), 7: ("Time Zone", 7), 8: ("DST Offset", 8), 9: ("E2E-CRC", 9),
                10: ("E2E-CRC", 9),
            ]
        ) { b throws(WireError) in _ = try CGMSessionStartTime(bytes: b, crcExpected: true) }
    }

    @Test func badCRC() throws {
        #expect { try CGMSessionStartTime(bytes: try Hex.parse("E907 03 0E 08 00 00 04 04 05DF")) } throws: { e in
            (e as? WireError)?.field == "E2E-CRC" && (e as? WireError)?.offset == 9
        }
    }
}

struct CGMSessionRunTimeTests {
    // 50 01  CGM Session Run Time 336 h (14 days); C6 32  E2E-CRC 0x32C6.
    static let full = "5001 C632"

    @Test func decodes() throws {
        let s = try CGMSessionRunTime(bytes: try Hex.parse(Self.full))
        #expect(s.runTimeHours == 336 && s.hasE2ECRC)
        #expect(s.encoded() == (try Hex.parse(Self.full)))
        #expect(s.json["cgmSessionRunTimeUnit"] == .string("h"))
        #expect(s.json["cgmSessionRunTimeDuration"] == .string("PT336H"))
        let plain = try CGMSessionRunTime(bytes: [0x50, 0x01], crcExpected: false)
        #expect(plain.runTimeHours == 336 && !plain.hasE2ECRC)
    }

    @Test func truncationSweepAndBadCRC() throws {
        sweep(
            try Hex.parse(Self.full), entity: CGMSessionRunTime.entity,
            [0: ("CGM Session Run Time", 0), 1: ("CGM Session Run Time", 0), 2: ("E2E-CRC", 2), 3: ("E2E-CRC", 2)]
        ) { b throws(WireError) in _ = try CGMSessionRunTime(bytes: b, crcExpected: true) }
        #expect { try CGMSessionRunTime(bytes: try Hex.parse("5001 C633")) } throws: { e in
            (e as? WireError)?.field == "E2E-CRC" && (e as? WireError)?.offset == 2
        }
    }
}

struct CGMSpecificOpsControlPointTests {
    // Set Glucose Calibration Value with E2E-CRC:
    // 04        Op Code 4
    // 6E 00     Glucose Concentration of Calibration 110 mg/dL
    // 3C 00     Calibration Time 60 min
    // 11        Calibration Type 1 capillary whole blood (low nibble), Sample Location 1 finger (high nibble)
    // D0 02     Next Calibration Time 720 min
    // 01 00     Calibration Data Record Number 1
    // 00        Calibration Status: nothing set
    // A7 DE     E2E-CRC 0xDEA7
    static let setCalibration = "04 6E00 3C00 11 D002 0100 00 A7DE"

    @Test func sessionRequestsAndResponses() throws {
        // Start the Session = Op Code 26 (0x1A), no operand; Stop = 27 (0x1B).
        #expect(CGMSpecificOpsControlPoint.startSession().encoded() == [0x1A])
        #expect(CGMSpecificOpsControlPoint.stopSession().encoded() == [0x1B])
        // With E2E-CRC: 0xB05C over the single octet 0x1A.
        #expect(CGMSpecificOpsControlPoint.startSession(hasE2ECRC: true).encoded() == [0x1A, 0x5C, 0xB0])
        let start = try CGMSpecificOpsControlPoint(bytes: [0x1A, 0x5C, 0xB0])
        #expect(start.opCode == .startSession && start.operand.isEmpty && start.hasE2ECRC)

        // Response Code (28 = 0x1C): request op code 26, response 1 Success.
        let ok = try CGMSpecificOpsControlPoint(bytes: [0x1C, 0x1A, 0x01])
        #expect(ok.responseCodeValue?.request == .startSession)
        #expect(ok.responseCodeValue?.code == .success)
        #expect(ok.json["responseCodeValue"]?["name"] == .string("Success"))
        #expect(ok.encoded() == [0x1C, 0x1A, 0x01])
        #expect(CGMSpecificOpsControlPoint.response(to: .startSession, .success).encoded() == [0x1C, 0x1A, 0x01])
        // The same with CRC 0x606D.
        let okCRC = try CGMSpecificOpsControlPoint(bytes: [0x1C, 0x1A, 0x01, 0x6D, 0x60], crcExpected: true)
        #expect(okCRC.responseCodeValue?.code == .success && okCRC.hasE2ECRC)
    }

    @Test func unknownCodesAreKeptRaw() throws {
        // Response to an unknown request 99 with an unknown response code 42.
        let r = try CGMSpecificOpsControlPoint(bytes: [0x1C, 0x63, 0x2A])
        #expect(r.responseCodeValue?.request.description == "Reserved (99)")
        #expect(r.responseCodeValue?.code.description == "Reserved (42)")
        // Unknown op code 0x40: the rest is its operand.
        let u = try CGMSpecificOpsControlPoint(bytes: [0x40, 0xAA, 0xBB])
        #expect(u.opCode.rawValue == 0x40 && u.opCode.description == "Reserved (64)")
        #expect(u.operand == [0xAA, 0xBB] && !u.hasE2ECRC)
        #expect(u.encoded() == [0x40, 0xAA, 0xBB])
        #expect(u.json["operand"]?["hex"] == .string("AA BB"))
        // With the CRC expected, the last two octets are the CRC (0x6692) and are checked.
        let uc = try CGMSpecificOpsControlPoint(bytes: [0x40, 0xAA, 0xBB, 0x92, 0x66], crcExpected: true)
        #expect(uc.operand == [0xAA, 0xBB] && uc.hasE2ECRC)
        #expect(uc.encoded() == [0x40, 0xAA, 0xBB, 0x92, 0x66])
        #expect { try CGMSpecificOpsControlPoint(bytes: [0x40, 0xAA, 0xBB, 0x92, 0x67], crcExpected: true) } throws: { e in
            (e as? WireError)?.field == "E2E-CRC" && (e as? WireError)?.offset == 3
        }
    }

    @Test func operands() throws {
        // Set CGM Communication Interval (1) to 5 min.
        let ci = try CGMSpecificOpsControlPoint(bytes: [0x01, 0x05])
        #expect(ci.communicationIntervalMinutes == 5)
        #expect(CGMSpecificOpsControlPoint.setCommunicationInterval(minutes: 5).encoded() == [0x01, 0x05])
        // Set Hypo Alert Level (13 = 0x0D) to 70 mg/dL (0x0046).
        let hypo = try CGMSpecificOpsControlPoint(bytes: [0x0D, 0x46, 0x00])
        #expect(hypo.alertLevel?.value == 70)
        #expect(hypo.json["hypoAlertLevelValueUnit"] == .string("mg/dL"))
        // Get Glucose Calibration Value (5), record 0xFFFF.
        let get = try CGMSpecificOpsControlPoint(bytes: [0x05, 0xFF, 0xFF])
        #expect(get.calibrationDataRecordNumber == 0xFFFF)
    }

    @Test func calibrationValue() throws {
        let bytes = try Hex.parse(Self.setCalibration)
        let c = try CGMSpecificOpsControlPoint(bytes: bytes)
        #expect(c.opCode == .setGlucoseCalibrationValue && c.hasE2ECRC)
        let v = try #require(c.calibrationValue)
        #expect(v.glucoseConcentration.value == 110)
        #expect(v.calibrationTimeMinutes == 60)
        #expect(v.type == .capillaryWholeBlood && v.sampleLocation == .finger)
        #expect(v.nextCalibrationTimeMinutes == 720)
        #expect(v.recordNumber == 1)
        #expect(v.statusNames.isEmpty)
        #expect(c.encoded() == bytes)
        #expect(CGMSpecificOpsControlPoint.setGlucoseCalibrationValue(v, hasE2ECRC: true).encoded() == bytes)
    }

    @Test func truncationSweepAndBadCRC() throws {
        let bytes = try Hex.parse(Self.setCalibration)
        sweep(
            bytes, entity: CGMSpecificOpsControlPoint.entity,
            [
                0: ("Op Code", 0), 1: ("Operand.Glucose Concentration of Calibration", 1),
                2: ("Operand.Glucose Concentration of Calibration", 1), 3: ("Operand.Calibration Time", 3),
                4: ("Operand.Calibration Time", 3), 5: ("Operand.Calibration Type-Sample Location", 5),
                6: ("Operand.Next Calibration Time", 6), 7: ("Operand.Next Calibration Time", 6),
                8: ("Operand.Calibration Data Record Number", 8), 9: ("Operand.Calibration Data Record Number", 8),
                10: ("Operand.Calibration Status", 10), 11: ("E2E-CRC", 11), 12: ("E2E-CRC", 11),
            ]
        ) { b throws(WireError) in _ = try CGMSpecificOpsControlPoint(bytes: b, crcExpected: true) }
        var bad = bytes
        bad[12] = 0xDF
        #expect { try CGMSpecificOpsControlPoint(bytes: bad) } throws: { e in
            (e as? WireError)?.field == "E2E-CRC" && (e as? WireError)?.offset == 11
        }
        // A Response Code with one operand octet.
        #expect { try CGMSpecificOpsControlPoint(bytes: [0x1C, 0x1A]) } throws: { e in
            (e as? WireError)?.field == "Operand.Response Code Value" && (e as? WireError)?.offset == 2
        }
    }
}
