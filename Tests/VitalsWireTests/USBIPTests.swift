import Testing
@testable import VitalsWire

/// USB/IP messages, from Linux Documentation/usb/usbip_protocol.rst: its field tables (offsets) and the
/// captured HID exchange in its EXAMPLE section.
struct USBIPTests {
    // The EXAMPLE section: an interrupt IN and an interrupt OUT submission and their returns.
    static let cmdIntrIN = "00000001 00000d05 0001000f 00000001 00000001 00000200 00000040 ffffffff 00000000 00000004 00000000 00000000"
    static let cmdIntrOUT = "00000001 00000d06 0001000f 00000000 00000001 00000000 00000040 ffffffff 00000000 00000004 00000000 00000000"
        + " ffffffff860008a784ce5ae212376300000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    static let retIntrOut = "00000003 00000d06 00000000 00000000 00000000 00000000 00000040 ffffffff 00000000 00000000 00000000 00000000"
    static let retIntrIn = "00000003 00000d05 00000000 00000000 00000000 00000000 00000040 ffffffff 00000000 00000000 00000000 00000000"
        + " ffffffff860011a784ce5ae2123763612891b1020100000400000000000000000000000000000000000000000000000000000000000000000000000000000000"

    @Test func documentedInterruptINSubmission() throws {
        let bytes = try Hex.parse(Self.cmdIntrIN)
        #expect(try USBIPCmdSubmit.payloadLength(header: bytes) == 0, "IN carries no data")
        let c = try USBIPCmdSubmit(bytes: bytes)
        #expect(c.seqnum == 0xD05 && c.devid == 0x0001_000F && c.isIn && c.ep == 1)
        #expect(c.transferFlags == 0x200 && c.transferBufferLength == 0x40 && c.interval == 4)
        #expect(c.setup == [UInt8](repeating: 0, count: 8))
        #expect(c.encoded() == bytes)
    }

    @Test func documentedInterruptOUTSubmissionCarriesItsData() throws {
        let bytes = try Hex.parse(Self.cmdIntrOUT)
        #expect(try USBIPCmdSubmit.payloadLength(header: Array(bytes.prefix(48))) == 64)
        let c = try USBIPCmdSubmit(bytes: bytes)
        #expect(!c.isIn && c.seqnum == 0xD06)
        #expect(c.data.count == 64 && Array(c.data.prefix(6)) == [0xFF, 0xFF, 0xFF, 0xFF, 0x86, 0x00])
        #expect(c.encoded() == bytes)
    }

    @Test func documentedReturnsDependOnTheSubmissionsDirection() throws {
        let out = try Hex.parse(Self.retIntrOut)
        let r1 = try USBIPRetSubmit(bytes: out, isIn: false)
        #expect(r1.seqnum == 0xD06 && r1.status == 0 && r1.actualLength == 0x40 && r1.data.isEmpty)
        #expect(r1.encoded() == out)
        let inBytes = try Hex.parse(Self.retIntrIn)
        #expect(try USBIPRetSubmit.payloadLength(header: Array(inBytes.prefix(48)), isIn: true) == 64)
        let r2 = try USBIPRetSubmit(bytes: inBytes, isIn: true)
        #expect(r2.seqnum == 0xD05 && r2.data.count == 64 && r2.data[6] == 0x11)
        #expect(r2.encoded() == inBytes)
    }

    @Test func unlinkAndItsReturn() throws {
        // CMD_UNLINK: seqnum 7 cancels submission 5; RET_UNLINK: -ECONNRESET (-104 = 0xFFFFFF98) at 0x14.
        let cmd = try Hex.parse("00000002 00000007 00010002 00000000 00000000 00000005" + String(repeating: "00", count: 24))
        let u = try USBIPCmdUnlink(bytes: cmd)
        #expect(u.seqnum == 7 && u.unlinkSeqnum == 5 && u.devid == 0x0001_0002)
        #expect(u.encoded() == cmd)
        let ret = USBIPRetUnlink(seqnum: 7, status: -104).encoded()
        #expect(ret.count == 48)
        #expect(Array(ret[0..<4]) == [0, 0, 0, 4] && Array(ret[0x14..<0x18]) == [0xFF, 0xFF, 0xFF, 0x98])
        #expect(try USBIPRetUnlink(bytes: ret).status == -104)
    }

    @Test func operationRequests() throws {
        #expect(USBIPOperation.requestDeviceList.encoded() == [0x01, 0x11, 0x80, 0x05, 0, 0, 0, 0])
        #expect(try USBIPOperation(bytes: [0x01, 0x11, 0x80, 0x05, 0, 0, 0, 0]) == .requestDeviceList)
        let imp = USBIPOperation.requestImport(busID: "3-2").encoded()
        #expect(imp.count == 40)
        #expect(Array(imp[0..<11]) == [0x01, 0x11, 0x80, 0x03, 0, 0, 0, 0, 0x33, 0x2D, 0x32] && imp[11...].allSatisfy { $0 == 0 })
        #expect(try USBIPOperation(bytes: imp) == .requestImport(busID: "3-2"))
        #expect(try USBIPOperation.requestBodyLength(header: Array(imp.prefix(8))) == 32)
    }

    static let device = USBIPDeviceInfo(
        path: "/sys/devices/pci0000:00/0000:00:1d.1/usb3/3-2", busID: "3-2", busNumber: 3, deviceNumber: 2, speed: 3,
        vendorID: 0x1209, productID: 0x0001, bcdDevice: 0x0100, configurationValue: 1, numConfigurations: 1, numInterfaces: 1,
        interfaces: [.init(interfaceClass: 0x0F, interfaceSubClass: 0, interfaceProtocol: 0)])

    @Test func deviceListFieldsSitAtTheDocumentedOffsets() throws {
        let b = USBIPOperation.deviceList([Self.device]).encoded()
        #expect(b.count == 0x144 + 4)
        #expect(Array(b[0..<12]) == [0x01, 0x11, 0x00, 0x05, 0, 0, 0, 0, 0, 0, 0, 1])
        #expect(Array(b[0x0C..<0x0C + 5]) == Array("/sys/".utf8))
        #expect(Array(b[0x10C..<0x10F]) == Array("3-2".utf8) && b[0x10F] == 0)
        #expect(Array(b[0x12C..<0x134]) == [0, 0, 0, 3, 0, 0, 0, 2])
        #expect(Array(b[0x138..<0x13C]) == [0x12, 0x09, 0x00, 0x01])
        #expect(b[0x141] == 1 && b[0x143] == 1)
        #expect(Array(b[0x144..<0x148]) == [0x0F, 0, 0, 0])
        #expect(try USBIPOperation(bytes: b) == .deviceList([Self.device]))
        #expect(try USBIPOperation(bytes: USBIPOperation.deviceList([]).encoded()) == .deviceList([]))
    }

    @Test func importReplyFieldsSitAtTheDocumentedOffsets() throws {
        let b = USBIPOperation.importReply(status: 0, device: Self.device).encoded()
        #expect(b.count == 0x140)
        #expect(Array(b[0x108..<0x10B]) == Array("3-2".utf8))
        #expect(Array(b[0x134..<0x138]) == [0x12, 0x09, 0x00, 0x01])
        var withoutInterfaces = Self.device
        withoutInterfaces.interfaces = []
        #expect(try USBIPOperation(bytes: b) == .importReply(status: 0, device: withoutInterfaces))
        let refused = USBIPOperation.importReply(status: 1, device: nil).encoded()
        #expect(refused == [0x01, 0x11, 0x00, 0x03, 0, 0, 0, 1])
        #expect(try USBIPOperation(bytes: refused) == .importReply(status: 1, device: nil))
    }

    @Test func malformedMessagesNameFieldAndOffset() throws {
        #expect { try USBIPOperation(bytes: [0x01, 0x06, 0x80, 0x05, 0, 0, 0, 0]) } throws: { e in
            let w = e as? WireError
            return w?.field == "version" && w?.offset == 0
        }
        // A device count the bytes cannot hold.
        #expect { try USBIPOperation(bytes: [0x01, 0x11, 0x00, 0x05, 0, 0, 0, 0, 0, 0, 0, 9]) } throws: { e in
            (e as? WireError)?.field == "number of exported devices" && (e as? WireError)?.offset == 8
        }
        let cut = Array(try Hex.parse(Self.cmdIntrOUT).prefix(60))
        #expect { try USBIPCmdSubmit(bytes: cut) } throws: { e in
            (e as? WireError)?.field == "transfer_buffer" && (e as? WireError)?.offset == 0x30
        }
        var badDirection = try Hex.parse(Self.cmdIntrIN)
        badDirection[15] = 2
        #expect { try USBIPCmdSubmit(bytes: badDirection) } throws: { e in
            (e as? WireError)?.field == "direction" && (e as? WireError)?.offset == 0x0C
        }
        #expect { try USBIPCmdUnlink(bytes: try Hex.parse(Self.cmdIntrIN)) } throws: { e in (e as? WireError)?.field == "command" }
    }
}
