import Foundation
import Testing
import VitalsCore
@testable import VitalsWire

/// Vectors written by hand from the Device Information, Current Time and Battery Service field tables,
/// IEEE 11073-20601's RegCertDataList, and Polar's PMD layout; not produced by our encoders.
struct DeviceInformationStringTests {
    @Test func nulPaddingIsKeptButNotPartOfTheText() throws {
        // Model Number String (0x2A24) "BP-42" = 42 50 2D 34 32, then three NULs from a fixed-size buffer.
        let bytes: [UInt8] = [0x42, 0x50, 0x2D, 0x34, 0x32, 0x00, 0x00, 0x00]
        let s = try DeviceInformationString(uuid: BluetoothUUID(0x2A24), bytes: bytes)
        #expect(s.kind == .modelNumber)
        #expect(s.value == "BP-42")
        #expect(s.isNulPadded && s.afterTerminator.count == 3)
        #expect(s.encoded() == bytes)
        #expect(s.json["modelNumber"] == .string("BP-42"))
        #expect(s.json["characteristic"] == .string("0x2A24"))
        #expect(s.json["nulPadding"] == .int(3))
    }

    @Test func utf8IsDecoded() throws {
        // Manufacturer Name String "Zürich": Z 5A, ü C3 BC, r 72, i 69, c 63, h 68.
        let bytes: [UInt8] = [0x5A, 0xC3, 0xBC, 0x72, 0x69, 0x63, 0x68]
        let s = try DeviceInformationString(kind: .manufacturerName, bytes: bytes)
        #expect(s.value == "Zürich")
        #expect(s.afterTerminator.isEmpty)
        #expect(s.encoded() == bytes)
        #expect(DeviceInformationString(kind: .manufacturerName, value: "Zürich").encoded() == bytes)
    }

    @Test func invalidUTF8NamesTheByte() {
        // "AB", then 0xFF (never valid in UTF-8), then "C".
        #expect { try DeviceInformationString(kind: .manufacturerName, bytes: [0x41, 0x42, 0xFF, 0x43]) } throws: { e in
            let e = e as? WireError
            return e?.entity == "Manufacturer Name String (0x2A29)" && e?.field == "Manufacturer Name String"
                && e?.offset == 2 && e?.reason.isTruncation == false
        }
    }

    @Test func everyPrefixEndingInsideACharacterFails() throws {
        // "Zü" = 5A C3 BC: cutting after C3 leaves half a character, at offset 1.
        let full: [UInt8] = [0x5A, 0xC3, 0xBC]
        for n in 0...full.count {
            let prefix = Array(full[0..<n])
            if n == 2 {
                #expect { try DeviceInformationString(kind: .serialNumber, bytes: prefix) } throws: { e in
                    (e as? WireError)?.offset == 1 && (e as? WireError)?.field == "Serial Number String"
                }
            } else {
                #expect(try DeviceInformationString(kind: .serialNumber, bytes: prefix).encoded() == prefix)
            }
        }
    }

    @Test func theSixCharacteristicsAndNoOthers() throws {
        let expected: [(UInt16, DeviceInformationString.Kind, String)] = [
            (0x2A29, .manufacturerName, "Manufacturer Name String"), (0x2A24, .modelNumber, "Model Number String"),
            (0x2A25, .serialNumber, "Serial Number String"), (0x2A27, .hardwareRevision, "Hardware Revision String"),
            (0x2A26, .firmwareRevision, "Firmware Revision String"), (0x2A28, .softwareRevision, "Software Revision String"),
        ]
        for (short, kind, name) in expected {
            #expect(DeviceInformationString.Kind(uuid: BluetoothUUID(short)) == kind)
            #expect(kind.name == name)
            #expect(kind.uuid == BluetoothUUID(short))
        }
        #expect(DeviceInformationString.uuids.count == 6)
        #expect { try DeviceInformationString(uuid: BluetoothUUID(0x2A23), bytes: [0x41]) } throws: { e in
            (e as? WireError)?.entity == DeviceInformationString.entity
        }
        // An empty value is an empty string, and text after a NUL that is not padding is kept as sent.
        #expect(try DeviceInformationString(kind: .softwareRevision, bytes: []).value == "")
        let odd = try DeviceInformationString(kind: .hardwareRevision, bytes: [0x31, 0x00, 0x32])
        #expect(odd.value == "1" && odd.afterTerminator == [0x00, 0x32] && !odd.isNulPadded)
        #expect(odd.encoded() == [0x31, 0x00, 0x32])
    }
}

struct SystemIDTests {
    // The specification's example: OUI 0x123456, company-assigned 0x9ABCDE from a Bluetooth address, so the
    // System ID is 0x123456FFFE9ABCDE: Manufacturer Identifier (40 bits) 0xFFFE9ABCDE, then OUI 0x123456,
    // each least significant octet first: DE BC 9A FE FF | 56 34 12.
    static let full: [UInt8] = [0xDE, 0xBC, 0x9A, 0xFE, 0xFF, 0x56, 0x34, 0x12]

    @Test func decodesTheSpecificationExample() throws {
        let id = try SystemID(bytes: Self.full)
        #expect(id.manufacturerIdentifier == 0xFF_FE9A_BCDE)
        #expect(id.organizationallyUniqueIdentifier == 0x12_3456)
        #expect(id.value == 0x1234_56FF_FE9A_BCDE)
        #expect(id.description == "12:34:56:FF:FE:9A:BC:DE")
        #expect(id.derivedBluetoothAddress == 0x1234_569A_BCDE)
        #expect(id.encoded() == Self.full)
        #expect(SystemID(value: 0x1234_56FF_FE9A_BCDE).encoded() == Self.full)
        #expect(id.json["organizationallyUniqueIdentifier"] == .string("0x123456"))
        #expect(id.json["manufacturerIdentifier"] == .string("0xFFFE9ABCDE"))
        #expect(id.json["derivedFromBluetoothAddress"] == .string("12:34:56:9A:BC:DE"))
    }

    @Test func notDerivedFromAnAddress() throws {
        let id = try SystemID(bytes: [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(id.manufacturerIdentifier == 0x05_0403_0201 && id.organizationallyUniqueIdentifier == 0x08_0706)
        #expect(id.derivedBluetoothAddress == nil)
    }

    @Test func truncationSweepAndTrailingBytes() {
        sweepEveryPrefix(
            Self.full, entity: SystemID.entity,
            expected: [
                0: ("Manufacturer Identifier", 0), 4: ("Manufacturer Identifier", 0),
                5: ("Organizationally Unique Identifier", 5), 7: ("Organizationally Unique Identifier", 5),
            ]
        ) { b throws(WireError) in try SystemID(bytes: b) }
        #expect { try SystemID(bytes: Self.full + [0]) } throws: { ($0 as? WireError)?.reason == .trailingBytes(1) }
    }
}

struct RegulatoryCertificationDataListTests {
    /// A certified class must name the specialization in use and the transport it arrived on.
    @Test func certificationMustMatchSpecializationAndTransport() {
        typealias C = RegulatoryCertificationDataList.CertifiedDeviceClass
        let usbBP = [C(rawValue: 0x2007)], bleThermometer = [C(rawValue: 0x8008)]
        #expect(RegulatoryCertificationDataList.certifies(usbBP, specialization: 7, over: .usb))
        #expect(RegulatoryCertificationDataList.certifies(usbBP, specialization: 7, over: .simUSB))
        #expect(!RegulatoryCertificationDataList.certifies(usbBP, specialization: 7, over: .ble), "a USB certification says nothing of BLE")
        #expect(RegulatoryCertificationDataList.certifies(bleThermometer, specialization: 8, over: .ble))
        #expect(!RegulatoryCertificationDataList.certifies(bleThermometer, specialization: 7, over: .ble), "another specialization")
        #expect(RegulatoryCertificationDataList.certifies([C(rawValue: 0x8008), C(rawValue: 0x8007)], specialization: 7, over: .ble))
        #expect(RegulatoryCertificationDataList.certifies([], specialization: 7, over: .ble), "no claim, no mismatch")
        // Transport code 0 (0x0007: "Blood Pressure, Continua v1.0, no transport" in the HL7 PHD IG's
        // ContinuaPersonalAreaNetworkCodes) certifies the specialization whatever the transport.
        #expect(RegulatoryCertificationDataList.certifies([C(rawValue: 0x0007)], specialization: 7, over: .usb))
        #expect(RegulatoryCertificationDataList.certifies([C(rawValue: 0x0007)], specialization: 7, over: .ble))
        #expect(!RegulatoryCertificationDataList.certifies([C(rawValue: 0x0007)], specialization: 8, over: .ble))
        #expect(C(rawValue: 0x0007).description.hasSuffix("over no transport (Continua v1.0)"))
    }

    typealias List = RegulatoryCertificationDataList

    // MDER, big-endian. RegCertDataList count 2 (00 02), length 20 (00 14) = 14 + 6 bytes of entries.
    // Entry 0: auth-body 2 continua (02), struc type 1 continua-version-struct (01), auth-body-data length 10
    //   (00 0A): major-IG-version 1 (01), minor-IG-version 5 (05), certified-device-class-list count 2 (00 02),
    //   length 4 (00 04), classes 0x8007 = transport code 4 × 8192 + 7 (10407 blood pressure) and
    //   0x2007 = transport code 1 × 8192 + 7.
    // Entry 1: continua (02), continua-reg-struct (02), length 2 (00 02), regulation-bit-field 0x8000: ASN.1 bit 0
    //   (the most significant bit), unregulated-device.
    static let full = "0002 0014  02 01 000A 01 05 0002 0004 8007 2007  02 02 0002 8000"

    @Test func decodesContinuaStructures() throws {
        let bytes = try Hex.parse(Self.full)
        let l = try List(bytes: bytes)
        #expect(l.entries.count == 2)
        #expect(l.entries[0].authBody == .continua && l.entries[0].authBodyStrucType == 1)
        let v = try #require(l.entries[0].continuaVersion)
        #expect(v.majorIGVersion == 1 && v.minorIGVersion == 5)
        #expect(v.certifiedDeviceClasses.map(\.rawValue) == [0x8007, 0x2007])
        #expect(v.certifiedDeviceClasses.map(\.specialization) == [7, 7])
        #expect(v.certifiedDeviceClasses.map(\.transportCode) == [4, 1])
        #expect(v.certifiedDeviceClasses[0].specializationStandard == "IEEE 11073-10407")
        #expect(v.certifiedDeviceClasses[0].specializationName == "Blood pressure monitor")
        #expect(l.entries[1].continuaRegulation?.isUnregulatedDevice == true)
        #expect(l.isUnregulatedDevice == true)
        #expect(l.certifiedDeviceClasses.count == 2)
        #expect(l.encoded() == bytes)
        let json = l.json
        #expect(json["count"] == .int(2) && json["length"] == .int(20))
        guard case .array(let entries)? = json["entries"] else { Issue.record("no entries"); return }
        #expect(entries[0]["authBody"]?["name"] == .string("auth-body-continua"))
        #expect(entries[0]["authBodyStrucType"]?["name"] == .string("continua-version-struct"))
        #expect(entries[0]["continuaVersionStruct"]?["minorIGVersion"] == .int(5))
        #expect(entries[1]["continuaRegStruct"]?["unregulatedDevice"] == .bool(true))
        #expect(entries[1]["continuaRegStruct"]?["set"] == .array([.string("unregulated-device")]))
    }

    @Test func encoderBuildsTheSameBytesFromTypedEntries() throws {
        let l = List(entries: [
            .continua(
                List.ContinuaVersion(
                    majorIGVersion: 1, minorIGVersion: 5,
                    certifiedDeviceClasses: [.init(transportCode: 4, specialization: 7), .init(transportCode: 1, specialization: 7)])),
            .continua(List.ContinuaRegulation(unregulated: true)),
        ])
        #expect(l.encoded() == (try Hex.parse(Self.full)))
    }

    @Test func aSingleThermometerClass() throws {
        // count 1, length 12; continua (02), version struct (01), data length 8: IG 1.5, one class (00 01,
        // length 00 02), 0x8008 = transport code 4, specialization 8 (IEEE 11073-10408 thermometer).
        let l = try List(bytes: try Hex.parse("0001 000C 02 01 0008 01 05 0001 0002 8008"))
        #expect(l.certifiedDeviceClasses == [.init(rawValue: 0x8008)])
        #expect(l.certifiedDeviceClasses.first?.specializationName == "Thermometer")
        #expect(l.isUnregulatedDevice == nil)
    }

    @Test func regulatedDeviceClearsTheBit() throws {
        let l = try List(bytes: try Hex.parse("0001 0006 02 02 0002 0000"))
        #expect(l.isUnregulatedDevice == false)
    }

    @Test func emptyListAndUnknownBodies() throws {
        #expect(try List(bytes: [0, 0, 0, 0]).entries.isEmpty)
        // count 1, length 7: auth-body 254 experimental (FE), struc type 5, data length 3: AA BB CC, kept raw.
        let bytes = try Hex.parse("0001 0007 FE 05 0003 AABBCC")
        let l = try List(bytes: bytes)
        #expect(l.entries[0].authBody == .experimental)
        #expect(l.entries[0].content == .unparsed)
        #expect(l.entries[0].authBodyData == [0xAA, 0xBB, 0xCC])
        #expect(l.encoded() == bytes)
        // A Continua entry with a struc type this build does not know is kept raw too.
        #expect(try List(bytes: try Hex.parse("0001 0005 02 09 0001 00")).entries[0].content == .unparsed)
    }

    @Test func lengthMustMatchTheEntries() {
        // length 16 (00 10) but the one entry takes 6 bytes.
        #expect { try List(bytes: try Hex.parse("0001 0010 02 02 0002 0000")) } throws: { e in
            (e as? WireError)?.field == "length" && (e as? WireError)?.offset == 2
                && (e as? WireError)?.reason.isTruncation == false
        }
    }

    @Test func malformedContinuaStructuresNameTheField() {
        // Class list count 1 but length 4: offset 12 (after count, length, auth-body, struc type, data length,
        // major, minor, class count).
        #expect { try List(bytes: try Hex.parse("0001 000A 02 01 0006 01 00 0001 0004")) } throws: { e in
            (e as? WireError)?.field
                == "RegCertData[0].auth-body-data.continua-version-struct.certified-device-class-list.length"
                && (e as? WireError)?.offset == 12
        }
        // A version struct whose octet string (length 2) ends before its class list starts.
        #expect { try List(bytes: try Hex.parse("0001 0006 02 01 0002 01 05")) } throws: { e in
            (e as? WireError)?.field
                == "RegCertData[0].auth-body-data.continua-version-struct.certified-device-class-list.count"
                && (e as? WireError)?.offset == 10 && (e as? WireError)?.reason.isTruncation == true
        }
        // A reg struct with a byte too many inside its octet string.
        #expect { try List(bytes: try Hex.parse("0001 0007 02 02 0003 0000 FF")) } throws: { e in
            (e as? WireError)?.reason == .trailingBytes(1) && (e as? WireError)?.offset == 10
        }
    }

    @Test func truncationSweep() throws {
        sweepEveryPrefix(
            try Hex.parse(Self.full), entity: List.entity,
            expected: [
                0: ("count", 0), 1: ("count", 0), 2: ("length", 2), 3: ("length", 2), 4: ("RegCertData[0].auth-body", 4),
                5: ("RegCertData[0].auth-body-struc-type", 5), 6: ("RegCertData[0].auth-body-data.length", 6),
                7: ("RegCertData[0].auth-body-data.length", 6), 8: ("RegCertData[0].auth-body-data", 8),
                17: ("RegCertData[0].auth-body-data", 8), 18: ("RegCertData[1].auth-body", 18),
                19: ("RegCertData[1].auth-body-struc-type", 19), 20: ("RegCertData[1].auth-body-data.length", 20),
                22: ("RegCertData[1].auth-body-data", 22), 23: ("RegCertData[1].auth-body-data", 22),
            ]
        ) { b throws(WireError) in try List(bytes: b) }
    }
}

struct CurrentTimeTests {
    // Date Time 2025-03-14 09:26:53: year 0x07E9 (E9 07), 03, 0E, 09, 1A, 35; Day of Week 5 Friday (05);
    // Fractions256 0x80 = 128/256 s = 0.5 s (80); Adjust Reason 0x03 = manual time update (bit 0) + external
    // reference time update (bit 1).
    static let full = "E907 03 0E 09 1A 35 05 80 03"

    @Test func decodesEveryField() throws {
        let bytes = try Hex.parse(Self.full)
        let t = try CurrentTime(bytes: bytes)
        #expect(t.dateTime.description == "2025-03-14T09:26:53")
        #expect(t.dayOfWeek == 5 && t.dayOfWeekName == "Friday")
        #expect(t.fractions256 == 128 && t.fractionOfSecond == 0.5)
        #expect(t.adjustReason == [.manualTimeUpdate, .externalReferenceTimeUpdate])
        #expect(t.adjustReason.setNames == ["Manual time update", "External reference time update"])
        #expect(t.isoString == "2025-03-14T09:26:53.500")
        #expect(t.encoded() == bytes)
        #expect(t.json["currentTime"] == .string("2025-03-14T09:26:53.500"))
        #expect(t.json["adjustReason"]?["changeOfTimeZone"] == .bool(false))
        #expect(t.json["exactTime256"]?["dayOfWeek"]?["name"] == .string("Friday"))
    }

    @Test func adjustReasonBitsByName() throws {
        for (bit, name) in [(0, "Manual time update"), (1, "External reference time update"), (2, "Change of time zone"),
                            (3, "Change of DST (daylight savings time)")] {
            let t = try CurrentTime(bytes: try Hex.parse("E907 03 0E 09 1A 35 05 00") + [UInt8(1 << bit)])
            #expect(t.adjustReason.setNames == [name])
        }
        // Bits 4–7 are reserved: kept, never named.
        let r = try CurrentTime(bytes: try Hex.parse("E907 03 0E 09 1A 35 05 00 F0"))
        #expect(r.adjustReason.setNames.isEmpty && r.adjustReason.reservedBits == 0xF0)
        #expect(r.encoded().last == 0xF0)
    }

    @Test func unknownDayAndTimeAndFractionRounding() throws {
        // Year 0 and month 0 mean "not known"; Day of Week 0 "not known"; 255/256 s = 996 ms.
        let t = try CurrentTime(bytes: try Hex.parse("0000 00 00 00 00 00 00 FF 00"))
        #expect(t.isoString == nil)
        #expect(t.dayOfWeekName == "Day of week is not known")
        #expect(t.json["currentTime"] == .string("invalid(0000-00-00T00:00:00)"))
        let late = try CurrentTime(bytes: try Hex.parse("E907 03 0E 09 1A 35 05 FF 00"))
        #expect(late.isoString == "2025-03-14T09:26:53.996")
        #expect(try CurrentTime(bytes: try Hex.parse("E907 03 0E 09 1A 35 09 00 00")).dayOfWeekName == "Reserved (9)")
    }

    @Test func truncationSweep() throws {
        let dt = "Exact Time 256.Day Date Time.Date Time"
        sweepEveryPrefix(
            try Hex.parse(Self.full), entity: CurrentTime.entity,
            expected: [
                0: ("\(dt).year", 0), 1: ("\(dt).year", 0), 2: ("\(dt).month", 2), 3: ("\(dt).day", 3),
                4: ("\(dt).hours", 4), 5: ("\(dt).minutes", 5), 6: ("\(dt).seconds", 6),
                7: ("Exact Time 256.Day Date Time.Day of Week", 7), 8: ("Exact Time 256.Fractions256", 8),
                9: ("Adjust Reason", 9),
            ]
        ) { b throws(WireError) in try CurrentTime(bytes: b) }
        #expect { try CurrentTime(bytes: try Hex.parse(Self.full + " 00")) } throws: { e in
            (e as? WireError)?.reason == .trailingBytes(1) && (e as? WireError)?.offset == 10
        }
    }
}

struct BatteryLevelTests {
    @Test func levelsInRange() throws {
        // 0x55 = 85 %.
        let b = try BatteryLevel(bytes: [0x55])
        #expect(b.percent == 85 && b.encoded() == [0x55])
        #expect(b.json["batteryLevel"] == .int(85) && b.json["batteryLevelUnit"] == .string("%"))
        #expect(try BatteryLevel(bytes: [0]).percent == 0)
        #expect(try BatteryLevel(bytes: [100]).percent == 100)
    }

    @Test(arguments: [UInt8(101), 200, 255])
    func aboveOneHundredIsInvalid(raw: UInt8) {
        #expect { try BatteryLevel(bytes: [raw]) } throws: { e in
            let e = e as? WireError
            return e?.entity == BatteryLevel.entity && e?.field == "Battery Level" && e?.offset == 0
                && e?.reason.isTruncation == false && e?.reason != .trailingBytes(0)
        }
        #expect(BatteryLevel(percent: raw) == nil)
    }

    @Test func lengthIsExactlyOneByte() {
        #expect { try BatteryLevel(bytes: []) } throws: { ($0 as? WireError)?.reason.isTruncation == true }
        #expect { try BatteryLevel(bytes: [50, 0]) } throws: { ($0 as? WireError)?.reason == .trailingBytes(1) }
    }
}

struct PolarPMDControlPointTests {
    typealias Request = PolarPMDControlPointRequest
    typealias Response = PolarPMDControlPointResponse

    // The H10 ECG start: op code 02 (request measurement start), measurement type 00 (ECG, online);
    // setting 00 (sample rate), count 01, 130 Hz = 0x0082 LE (82 00);
    // setting 01 (resolution), count 01, 14 bits = 0x000E LE (0E 00).
    static let h10Start: [UInt8] = [0x02, 0x00, 0x00, 0x01, 0x82, 0x00, 0x01, 0x01, 0x0E, 0x00]

    @Test func uuids() {
        #expect(PolarPMD.serviceUUID.description == "FB005C80-02E7-F387-1CAD-8ACD2D8DF0C8")
        #expect(Request.uuid.description == "FB005C81-02E7-F387-1CAD-8ACD2D8DF0C8")
        #expect(PolarECGFrame.uuid.description == "FB005C82-02E7-F387-1CAD-8ACD2D8DF0C8")
        #expect(PolarPMD.dataUUID.short == nil)
    }

    @Test func theH10StartCommandIsExact() throws {
        #expect(Request.startECG().encoded() == Self.h10Start)
        #expect(Request.start(.ecg, settings: [.sampleRate(130), .resolution(14)]).encoded() == Self.h10Start)
        let r = try Request(bytes: Self.h10Start)
        #expect(r.opCode == .requestMeasurementStart && r.measurementType == .ecg)
        #expect(r.settings == [.sampleRate(130), .resolution(14)])
        #expect(r.encoded() == Self.h10Start)
        guard case .array(let settings)? = r.json["settings"] else { Issue.record("no settings"); return }
        #expect(settings[0]["unit"] == .string("Hz") && settings[0]["values"] == .array([.int(130)]))
        #expect(settings[1]["unit"] == .string("bit"))
    }

    @Test func getSettingsAndStop() throws {
        #expect(Request.getSettings(.ecg).encoded() == [0x01, 0x00])
        #expect(Request.stop(.ecg).encoded() == [0x03, 0x00])
        #expect(try Request(bytes: [0x03, 0x00]) == .stop(.ecg))
        #expect { try Request(bytes: [0x03, 0x00, 0x00]) } throws: { ($0 as? WireError)?.reason == .trailingBytes(1) }
        // Op codes this build does not lay out keep their parameters raw.
        let other = try Request(bytes: [0x05, 0x00])
        #expect(other.measurementTypeByte == nil && other.otherParameters == [0x00] && other.encoded() == [0x05, 0x00])
    }

    @Test func startRequestTruncationSweep() {
        // [02 00] alone is a start with no settings, and a prefix that ends between settings is a shorter list.
        sweepEveryPrefix(
            Self.h10Start, entity: Request.entity,
            expected: [
                0: ("Op Code", 0), 1: ("Measurement Type", 1), 3: ("Settings[0].Count", 3),
                4: ("Settings[0].Values[0]", 4), 5: ("Settings[0].Values[0]", 4), 7: ("Settings[1].Count", 7),
                8: ("Settings[1].Values[0]", 8), 9: ("Settings[1].Values[0]", 8),
            ], valid: [2, 6]
        ) { b throws(WireError) in try Request(bytes: b) }
    }

    @Test func unknownSettingTypeIsInvalid() {
        #expect { try Request(bytes: [0x02, 0x00, 0x07, 0x01, 0x00]) } throws: { e in
            (e as? WireError)?.field == "Settings[0].Setting Type" && (e as? WireError)?.offset == 2
                && (e as? WireError)?.reason.isTruncation == false
        }
    }

    // Get-settings response for ECG: F0 (response), 01 (get measurement settings), 00 (ECG), 00 (success),
    // 00 (More = 0, complete); parameters: 00 01 82 00 (sample rate, one value, 130 Hz),
    // 01 01 0E 00 (resolution, one value, 14 bits).
    static let settingsResponse: [UInt8] = [0xF0, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x82, 0x00, 0x01, 0x01, 0x0E, 0x00]

    @Test func getSettingsResponse() throws {
        let r = try Response(bytes: Self.settingsResponse)
        #expect(r.opCode == .getMeasurementSettings && r.measurementType == .ecg && r.status == .success)
        #expect(r.moreByte == 0 && !r.more)
        #expect(r.settings == [.sampleRate(130), .resolution(14)])
        #expect(r.encoded() == Self.settingsResponse)
        #expect(
            Response(opCode: .getMeasurementSettings, measurementType: .ecg, status: .success,
                     settings: [.sampleRate(130), .resolution(14)]).encoded() == Self.settingsResponse)
        #expect(r.json["status"]?["name"] == .string("Success"))
    }

    @Test func aSettingWithSeveralValues() throws {
        // ACC (02) sample rates: type 00, count 4: 25 (19 00), 50 (32 00), 100 (64 00), 200 (C8 00).
        let r = try Response(bytes: try Hex.parse("F0 01 02 00 00 00 04 1900 3200 6400 C800"))
        #expect(r.measurementType == .acc)
        #expect(r.settings == [PolarPMD.Setting(type: .sampleRate, values: [25, 50, 100, 200])])
    }

    @Test func errorResponsesAndMore() throws {
        // F0 02 00 06: start ECG answered "already in state", with no More byte.
        let e = try Response(bytes: [0xF0, 0x02, 0x00, 0x06])
        #expect(e.status == .alreadyInState && e.status.description == "Already in state")
        #expect(e.moreByte == nil && e.parameters.isEmpty && e.settings.isEmpty)
        #expect(e.encoded() == [0xF0, 0x02, 0x00, 0x06])
        // More = 1: the parameters continue in the next indication, so they are not parsed yet.
        let first = try Response(bytes: [0xF0, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x82])
        #expect(first.more && first.settings.isEmpty && first.parameters == [0x00, 0x01, 0x82])
        let joined = first.parameters + [0x00, 0x01, 0x01, 0x0E, 0x00]
        #expect(try PolarPMD.parseSettings(bytes: joined) == [.sampleRate(130), .resolution(14)])
    }

    @Test func notAResponse() {
        // 0x01 is the sensor's own "online measurement stopped" message, not a response.
        #expect { try Response(bytes: [0x01, 0x00]) } throws: { e in
            (e as? WireError)?.field == "Response Code" && (e as? WireError)?.offset == 0
        }
    }

    @Test func responseTruncationSweep() {
        // Without the More byte (4 bytes) a response is complete; with More = 0 and nothing after (5 bytes) too.
        sweepEveryPrefix(
            Self.settingsResponse, entity: Response.entity,
            expected: [
                0: ("Response Code", 0), 1: ("Op Code", 1), 2: ("Measurement Type", 2), 3: ("Status", 3),
                6: ("Parameters[0].Count", 6), 7: ("Parameters[0].Values[0]", 7), 8: ("Parameters[0].Values[0]", 7),
                10: ("Parameters[1].Count", 10), 11: ("Parameters[1].Values[0]", 11), 12: ("Parameters[1].Values[0]", 11),
            ], valid: [4, 5, 9]
        ) { b throws(WireError) in try Response(bytes: b) }
    }
}

struct PolarECGFrameTests {
    // Measurement type 00 (ECG). Time stamp 2019-01-01T00:00:00Z, the H10's unset-clock default: 19 years from
    // 2000 with 5 leap days = 6940 days × 86 400 s × 10⁹ = 599 616 000 000 000 000 ns = 0x0852_4393_39A4_0000,
    // LE 00 00 A4 39 93 43 52 08. Frame type 00. Samples, 24-bit signed LE µV: -1 (FF FF FF), 1000 = 0x0003E8
    // (E8 03 00), -8 388 608 = 0x800000 (00 00 80), 8 388 607 = 0x7FFFFF (FF FF 7F).
    static let full: [UInt8] = [
        0x00, 0x00, 0x00, 0xA4, 0x39, 0x93, 0x43, 0x52, 0x08, 0x00,
        0xFF, 0xFF, 0xFF, 0xE8, 0x03, 0x00, 0x00, 0x00, 0x80, 0xFF, 0xFF, 0x7F,
    ]
    static let ts: UInt64 = 599_616_000_000_000_000

    @Test func decodesEveryField() throws {
        let f = try PolarECGFrame(bytes: Self.full)
        #expect(f.measurementType == .ecg)
        #expect(f.timestamp == Self.ts)
        #expect(f.isoTimestamp == "2019-01-01T00:00:00.000000000Z")
        #expect(f.date == Date(timeIntervalSince1970: 1_546_300_800))
        #expect(f.samples == [-1, 1000, -8_388_608, 8_388_607])
        #expect(f.encoded() == Self.full)
        #expect(PolarECGFrame(timestamp: Self.ts, samples: [-1, 1000, -8_388_608, 8_388_607]).encoded() == Self.full)
        #expect(f.json["timeStamp"] == .string("2019-01-01T00:00:00.000000000Z"))
        #expect(f.json["samplesUnit"] == .string("uV"))
        #expect(f.json["sampleCount"] == .int(4))
    }

    @Test func perSampleTimestampsFromTheSampleRate() throws {
        let f = try PolarECGFrame(bytes: Self.full)
        // 130 Hz: 10⁹/130 = 7 692 307.69 ns apart, counted back from the last sample.
        #expect(
            f.sampleTimestamps(sampleRate: 130)
                == [Self.ts - 23_076_923, Self.ts - 15_384_615, Self.ts - 7_692_308, Self.ts])
        // With the previous frame's stamp the 4 samples share the 40 ms since it evenly.
        let prev = Self.ts - 40_000_000
        #expect(
            f.sampleTimestamps(sampleRate: 130, previousFrameTimestamp: prev)
                == [prev + 10_000_000, prev + 20_000_000, prev + 30_000_000, Self.ts])
        // A previous stamp that is not earlier is ignored; no usable rate gives nothing.
        #expect(f.sampleTimestamps(sampleRate: 130, previousFrameTimestamp: Self.ts) == f.sampleTimestamps(sampleRate: 130))
        #expect(f.sampleTimestamps(sampleRate: 0).isEmpty)
    }

    @Test func aTypicalH10FrameOf73Samples() throws {
        let f = PolarECGFrame(timestamp: Self.ts, samples: Array(repeating: 0, count: 73))
        let decoded = try PolarECGFrame(bytes: f.encoded())
        #expect(decoded.samples.count == 73 && f.encoded().count == 10 + 73 * 3)
        let t = decoded.sampleTimestamps(sampleRate: 130)
        #expect(t.count == 73 && t.last == Self.ts)
        #expect(Self.ts - t[0] == 553_846_154)  // 72 × 10⁹/130, rounded
    }

    @Test func isoTextAcrossLeapDays() {
        #expect(PolarPMD.isoString(nanosecondsSince2000: 0) == "2000-01-01T00:00:00.000000000Z")
        // 2024-02-29T12:34:56.789000001Z = 762 525 296 789 000 001 ns after 2000-01-01.
        #expect(PolarPMD.isoString(nanosecondsSince2000: 762_525_296_789_000_001) == "2024-02-29T12:34:56.789000001Z")
        // 2100 is not a leap year: 2100-03-01 follows 2100-02-28.
        #expect(PolarPMD.isoString(nanosecondsSince2000: 3_160_857_600_000_000_000) == "2100-03-01T00:00:00.000000000Z")
        #expect(
            PolarPMD.isoString(nanosecondsSince2000: 3_160_857_600_000_000_000 - 1_000_000_000)
                == "2100-02-28T23:59:59.000000000Z")
    }

    @Test func otherMeasurementAndFrameTypesAreRejected() {
        var acc = Self.full
        acc[0] = 0x02
        #expect { try PolarECGFrame(bytes: acc) } throws: { e in
            (e as? WireError)?.field == "Measurement Type" && (e as? WireError)?.offset == 0
                && (e as? WireError)?.reason.isTruncation == false
        }
        var compressed = Self.full
        compressed[9] = 0x80
        #expect { try PolarECGFrame(bytes: compressed) } throws: { e in
            (e as? WireError)?.field == "Frame Type" && (e as? WireError)?.offset == 9
        }
    }

    @Test func encoderClampsToTwentyFourBits() {
        let bytes = PolarECGFrame(timestamp: 0, samples: [9_000_000, -9_000_000]).encoded()
        #expect(Array(bytes.suffix(6)) == [0xFF, 0xFF, 0x7F, 0x00, 0x00, 0x80])
    }

    @Test func truncationSweep() {
        // A frame needs at least one sample; a prefix that ends between samples is a shorter frame.
        sweepEveryPrefix(
            Self.full, entity: PolarECGFrame.entity,
            expected: [
                0: ("Measurement Type", 0), 1: ("Time Stamp", 1), 8: ("Time Stamp", 1), 9: ("Frame Type", 9),
                10: ("Samples[0]", 10), 12: ("Samples[0]", 10), 14: ("Samples[1]", 13), 18: ("Samples[2]", 16),
                20: ("Samples[3]", 19), 21: ("Samples[3]", 19),
            ], valid: [13, 16, 19]
        ) { b throws(WireError) in try PolarECGFrame(bytes: b) }
    }
}

/// UDI for Medical Devices (0x2BFF), written from the GATT Specification Supplement's field table: Flags, then
/// each present field (label, device identifier, issuer, authority) as UTF-8 ended by NUL.
struct UDIForMedicalDevicesTests {
    @Test func labelAndDeviceIdentifier() throws {
        // Flags 0x03; "(01)00000000000017" NUL; "00000000000017" NUL.
        let bytes: [UInt8] = [0x03] + Array("(01)00000000000017".utf8) + [0] + Array("00000000000017".utf8) + [0]
        let udi = try UDIForMedicalDevices(bytes: bytes)
        #expect(udi.label == "(01)00000000000017" && udi.deviceIdentifier == "00000000000017")
        #expect(udi.issuer == nil && udi.authority == nil)
        #expect(udi.encoded() == bytes)
    }

    @Test func allFourFieldsAndALastFieldWithoutItsNUL() throws {
        let bytes: [UInt8] = [0x0F] + Array("L".utf8) + [0] + Array("D".utf8) + [0] + Array("1.3.160".utf8) + [0] + Array("2.16.840".utf8)
        let udi = try UDIForMedicalDevices(bytes: bytes)
        #expect(udi.label == "L" && udi.deviceIdentifier == "D" && udi.issuer == "1.3.160" && udi.authority == "2.16.840")
        #expect(udi.encoded() == bytes + [0])
        #expect(try UDIForMedicalDevices(bytes: [0x00]) == UDIForMedicalDevices())
    }

    @Test func errorsNameFieldAndOffset() throws {
        // Label and DI flagged, but only one NUL-less string follows: the label has no end before the DI.
        #expect { try UDIForMedicalDevices(bytes: [0x03, 0x41, 0x42]) } throws: {
            ($0 as? WireError)?.field == "UDI Label" && ($0 as? WireError)?.offset == 1
        }
        // DI flagged but the value ends after the label.
        #expect { try UDIForMedicalDevices(bytes: [0x03, 0x41, 0x00]) } throws: {
            ($0 as? WireError)?.field == "UDI Device Identifier" && ($0 as? WireError)?.offset == 3
        }
        // Reserved flag bits are ignored: the fields still decode.
        #expect(try UDIForMedicalDevices(bytes: [0x11, 0x41, 0x00]).label == "A")
        // Not UTF-8.
        #expect { try UDIForMedicalDevices(bytes: [0x01, 0xFF, 0x00]) } throws: { ($0 as? WireError)?.field == "UDI Label" }
        // Bytes after the last flagged field.
        #expect { try UDIForMedicalDevices(bytes: [0x01, 0x41, 0x00, 0x42]) } throws: { ($0 as? WireError)?.offset == 3 }
    }
}
