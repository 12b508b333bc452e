import Testing
@testable import VitalsWire

/// USB standard descriptors (USB 2.0 §9.6) and the PHDC class descriptors (PHDC 1.0 §5).
struct USBDescriptorTests {
    // A PHDC 11073 configuration, descriptor by descriptor:
    // config 09 02 wTotalLength=0x0042 01 interface, value 1, iConfiguration 0, bus-powered, 100 mA
    // interface 09 04 #0 alt0 3 endpoints class 0F/00/00
    // PHDC Class Function 04 20 02(11073-20601) 00; 11073 Function Extension 06 30 00 01 1007 (blood pressure)
    // bulk IN 0x81 512 + QoS 04 21 01 08; bulk OUT 0x01 512 + QoS 04 21 01 08 + Metadata 05 22 AA BB CC;
    // interrupt IN 0x82 64 interval 8 + QoS 04 21 01 01
    static let config = """
        09 02 42 00 01 01 00 80 32
        09 04 00 00 03 0F 00 00 00
        04 20 02 00
        06 30 00 01 07 10
        07 05 81 02 00 02 00  04 21 01 08
        07 05 01 02 00 02 00  04 21 01 08  05 22 AA BB CC
        07 05 82 03 40 00 08  04 21 01 01
        """

    @Test func phdcConfigurationDecodesAndEncodesBack() throws {
        let bytes = try Hex.parse(Self.config)
        #expect(bytes.count == 0x42)
        let c = try USBConfigurationDescriptor(bytes: bytes)
        #expect(c.configurationValue == 1 && c.maxPower == 0x32 && c.interfaces.count == 1)
        let i = c.interfaces[0]
        #expect(i.interfaceClass == 0x0F && i.endpoints.map(\.address) == [0x81, 0x01, 0x82])
        #expect(i.endpoints.map(\.transferType) == [.bulk, .bulk, .interrupt])
        #expect(i.endpoints[2].maxPacketSize == 64 && i.endpoints[2].interval == 8)
        let p = try #require(try i.phdc())
        #expect(p.is11073_20601 && p.summary == "PHDC 11073-20601" && !p.metadataPreamble)
        #expect(p.deviceSpecializations == [0x1007])
        #expect(p.qos == [0x81: 0x08, 0x01: 0x08, 0x82: 0x01])
        #expect(p.metadata == [0x01: [0xAA, 0xBB, 0xCC]])
        #expect(c.encoded() == bytes)
    }

    @Test func eachPHDCDescriptor() throws {
        #expect(try PHDCDescriptor(bytes: [0x04, 0x20, 0x02, 0x01]) == .classFunction(dataCode: 2, capability: 1))
        #expect(try PHDCDescriptor(bytes: [0x04, 0x21, 0x01, 0x3F]) == .qos(encodingVersion: 1, latencyReliability: 0x3F))
        #expect(try PHDCDescriptor(bytes: [0x03, 0x22, 0x7E]) == .metadata([0x7E]))
        #expect(try PHDCDescriptor(bytes: [0x08, 0x30, 0x00, 0x02, 0x07, 0x10, 0x11, 0x10]) == .function11073(specializations: [0x1007, 0x1011]))
        for d: PHDCDescriptor in [.classFunction(dataCode: 2, capability: 0), .qos(encodingVersion: 1, latencyReliability: 8), .metadata([1, 2]), .function11073(specializations: [0x1004])] {
            #expect(try PHDCDescriptor(bytes: d.encoded()) == d)
        }
    }

    @Test func badPHDCDescriptorsNameFieldAndOffset() throws {
        #expect { try PHDCDescriptor(bytes: [0x04, 0x21, 0x02, 0x08]) } throws: { e in
            (e as? WireError)?.field == "bQoSEncodingVersion" && (e as? WireError)?.offset == 2
        }
        #expect { try PHDCDescriptor(bytes: [0x06, 0x30, 0x00, 0x02, 0x07, 0x10]) } throws: { e in
            (e as? WireError)?.field == "bNumDevSpecs" && (e as? WireError)?.offset == 3
        }
        #expect { try PHDCDescriptor(bytes: [0x05, 0x20, 0x02, 0x00]) } throws: { e in
            (e as? WireError)?.field == "bLength" && (e as? WireError)?.reason.isTruncation == true
        }
        // Inside a run of descriptors the offset is the place in the run.
        #expect { try PHDCDescriptor.decodeAll([0x04, 0x20, 0x02, 0x00, 0x04, 0x21, 0x09, 0x00]) } throws: { e in
            (e as? WireError)?.field == "bQoSEncodingVersion" && (e as? WireError)?.offset == 6
        }
        // A PHDC interface without its Class Function descriptor.
        #expect { try PHDCInterface(interfaceExtra: [0x06, 0x30, 0x00, 0x01, 0x07, 0x10], endpoints: []) } throws: { e in
            (e as? WireError)?.field == "PHDC Class Function descriptor (0x20)"
        }
    }

    @Test func badConfigurationsNameFieldAndOffset() throws {
        var bytes = try Hex.parse(Self.config)
        #expect { try USBConfigurationDescriptor(bytes: Array(bytes.prefix(40))) } throws: { e in
            (e as? WireError)?.field == "wTotalLength" && (e as? WireError)?.offset == 2
        }
        bytes[13] = 4  // the interface claims 4 endpoints
        #expect { try USBConfigurationDescriptor(bytes: bytes) } throws: { e in
            (e as? WireError)?.field == "bNumEndpoints" && (e as? WireError)?.offset == 13
        }
    }

    @Test func deviceStringAndSetup() throws {
        let d = USBDeviceDescriptor(vendorID: 0x1209, productID: 0x0001, manufacturerIndex: 1, productIndex: 2, serialNumberIndex: 3)
        let b = d.encoded()
        #expect(b == [0x12, 0x01, 0x00, 0x02, 0, 0, 0, 0x40, 0x09, 0x12, 0x01, 0x00, 0x00, 0x01, 1, 2, 3, 1])
        #expect(try USBDeviceDescriptor(bytes: b) == d)
        #expect(USBStringDescriptor("OV").encoded() == [0x06, 0x03, 0x4F, 0x00, 0x56, 0x00])
        #expect(try USBStringDescriptor(bytes: [0x06, 0x03, 0x4F, 0x00, 0x56, 0x00]).text == "OV")
        #expect(USBStringDescriptor(languages: [0x0409]).encoded() == [0x04, 0x03, 0x09, 0x04])
        // GET_DESCRIPTOR(device), 18 bytes.
        let s = try USBSetupPacket(bytes: [0x80, 0x06, 0x00, 0x01, 0x00, 0x00, 0x12, 0x00])
        #expect(s.isDeviceToHost && s.request == USBSetupPacket.Request.getDescriptor && s.value == 0x0100 && s.length == 18)
        #expect(s.encoded() == [0x80, 0x06, 0x00, 0x01, 0x00, 0x00, 0x12, 0x00])
    }
}
