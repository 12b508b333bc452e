import FirmwareSimKit
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import Testing
import VitalsWire

/// A USB/IP client for tests: what vhci-hcd and the usbip tool send, over a real TCP socket.
final class USBIPTestClient {
    let fd: Int32

    init(port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else { throw ClientError(message: "connect: \(String(cString: strerror(errno)))") }
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    struct ClientError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    func send(_ b: [UInt8]) {
        _ = b.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, b.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Exactly n bytes, or nil at the end of the stream (or after the receive timeout).
    func read(_ n: Int) -> [UInt8]? {
        var buf = [UInt8](repeating: 0, count: n)
        var got = 0
        while got < n {
            let r = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, n - got, 0) }
            guard r > 0 else { return nil }
            got += r
        }
        return buf
    }

    /// Whether anything arrives within `ms`.
    func quiet(ms: Int32) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, ms) == 0
    }

    func readAll() -> [UInt8] {
        var out: [UInt8] = []
        while let b = read(1) { out += b }
        return out
    }

    /// The next URB reply: RET_SUBMIT (with data when `isIn`) or RET_UNLINK.
    enum Reply: Equatable {
        case submit(USBIPRetSubmit)
        case unlink(USBIPRetUnlink)
    }

    func reply(isIn: (UInt32) -> Bool) throws -> Reply? {
        guard let h = read(48) else { return nil }
        let basic = try USBIPBasicHeader(bytes: Array(h.prefix(20)))
        if basic.command == USBIPBasicHeader.Command.returnUnlink { return .unlink(try USBIPRetUnlink(bytes: h)) }
        let n = try USBIPRetSubmit.payloadLength(header: h, isIn: isIn(basic.seqnum))
        return .submit(try USBIPRetSubmit(bytes: h + (n > 0 ? read(n) ?? [] : []), isIn: isIn(basic.seqnum)))
    }

    static func control(seq: UInt32, _ setup: USBSetupPacket, data: [UInt8] = []) -> [UInt8] {
        USBIPCmdSubmit(seqnum: seq, devid: 0x0001_0002, direction: setup.isDeviceToHost ? 1 : 0, ep: 0,
                       transferBufferLength: UInt32(setup.length), setup: setup.encoded(), data: data).encoded()
    }
}

struct USBIPServerTests {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    func start(faults: USBIPFaults = .init()) throws -> USBIPServer {
        let server = try USBIPServer(function: USBLoopbackFunction(), port: 0, busID: "1-1", faults: faults, logger: logger)
        let t = Thread { server.run() }
        t.start()
        return server
    }

    func getDescriptor(_ type: UInt8, _ index: UInt8 = 0, length: UInt16) -> USBSetupPacket {
        USBSetupPacket(requestType: 0x80, request: USBSetupPacket.Request.getDescriptor, value: UInt16(type) << 8 | UInt16(index), index: 0, length: length)
    }

    func imported(_ server: USBIPServer) throws -> USBIPTestClient {
        let c = try USBIPTestClient(port: server.port)
        c.send(USBIPOperation.requestImport(busID: "1-1").encoded())
        let reply = try USBIPOperation(bytes: try #require(c.read(0x140)))
        guard case .importReply(0, let d?) = reply else { throw USBIPTestClient.ClientError(message: "import refused: \(reply)") }
        #expect(d.vendorID == 0x1209 && d.productID == 0x0001 && d.busID == "1-1" && d.speed == 3)
        return c
    }

    @Test func deviceListOverTCP() throws {
        let server = try start()
        defer { server.stop() }
        let c = try USBIPTestClient(port: server.port)
        c.send(USBIPOperation.requestDeviceList.encoded())
        let list = try USBIPOperation(bytes: c.readAll())
        guard case .deviceList(let devices) = list else { Issue.record("not a device list: \(list)"); return }
        #expect(devices.count == 1)
        #expect(devices.first?.interfaces == [.init(interfaceClass: 0x0F, interfaceSubClass: 0, interfaceProtocol: 0)])
        // An import of another bus id is refused.
        let other = try USBIPTestClient(port: server.port)
        other.send(USBIPOperation.requestImport(busID: "9-9").encoded())
        #expect(try USBIPOperation(bytes: other.readAll()) == .importReply(status: 1, device: nil))
    }

    @Test func importDescriptorsConfigurationAndBulkRoundTripOverTCP() throws {
        let server = try start()
        defer { server.stop() }
        let c = try imported(server)
        let isIn: (UInt32) -> Bool = { [1, 2, 3, 4, 10, 12].contains($0) }

        c.send(USBIPTestClient.control(seq: 1, getDescriptor(1, length: 18)))
        guard case .submit(let r1)? = try c.reply(isIn: isIn) else { Issue.record("no device descriptor"); return }
        let dev = try USBDeviceDescriptor(bytes: r1.data)
        #expect(r1.seqnum == 1 && dev.vendorID == 0x1209 && dev.productIndex == 2)

        // The configuration header first (9 bytes), then all of it, as the kernel asks.
        c.send(USBIPTestClient.control(seq: 2, getDescriptor(2, length: 9)))
        guard case .submit(let r2)? = try c.reply(isIn: isIn) else { Issue.record("no configuration header"); return }
        let total = UInt16(r2.data[2]) | UInt16(r2.data[3]) << 8
        c.send(USBIPTestClient.control(seq: 3, getDescriptor(2, length: total)))
        guard case .submit(let r3)? = try c.reply(isIn: isIn) else { Issue.record("no configuration"); return }
        let config = try USBConfigurationDescriptor(bytes: r3.data)
        let phdc = try #require(try config.interfaces[0].phdc())
        #expect(phdc.is11073_20601 && phdc.qos.count == 3)

        c.send(USBIPTestClient.control(seq: 4, getDescriptor(3, 2, length: 255)))
        guard case .submit(let r4)? = try c.reply(isIn: isIn) else { Issue.record("no product string"); return }
        #expect(try USBStringDescriptor(bytes: r4.data).text == "PHDC loopback test device")

        c.send(USBIPTestClient.control(seq: 5, USBSetupPacket(requestType: 0x00, request: USBSetupPacket.Request.setConfiguration, value: 1, index: 0, length: 0)))
        #expect(try c.reply(isIn: isIn) == .submit(USBIPRetSubmit(seqnum: 5, actualLength: 0)))

        // A bulk IN waits for data; the bulk OUT that follows answers it with the echo.
        c.send(USBIPCmdSubmit(seqnum: 10, direction: 1, ep: 1, transferBufferLength: 512).encoded())
        #expect(c.quiet(ms: 200), "the IN is held until the function has data")
        let message = Array("hello 11073".utf8)
        c.send(USBIPCmdSubmit(seqnum: 11, direction: 0, ep: 1, transferBufferLength: UInt32(message.count), data: message).encoded())
        #expect(try c.reply(isIn: isIn) == .submit(USBIPRetSubmit(seqnum: 11, actualLength: UInt32(message.count))))
        #expect(try c.reply(isIn: isIn) == .submit(USBIPRetSubmit(seqnum: 10, actualLength: UInt32(message.count), data: message)))

        // A held IN that the host unlinks is answered by RET_UNLINK -ECONNRESET and never by RET_SUBMIT.
        c.send(USBIPCmdSubmit(seqnum: 12, direction: 1, ep: 1, transferBufferLength: 512).encoded())
        c.send(USBIPCmdUnlink(seqnum: 13, unlinkSeqnum: 12).encoded())
        #expect(try c.reply(isIn: isIn) == .unlink(USBIPRetUnlink(seqnum: 13, status: -104)))
        // Unlinking what was already answered gets status 0.
        c.send(USBIPCmdUnlink(seqnum: 14, unlinkSeqnum: 10).encoded())
        #expect(try c.reply(isIn: isIn) == .unlink(USBIPRetUnlink(seqnum: 14, status: 0)))
        #expect(c.quiet(ms: 200))
    }

    @Test func disconnectFaultDropsTheConnection() throws {
        let server = try start(faults: USBIPFaults(disconnectAfterTransfers: 2))
        defer { server.stop() }
        let c = try imported(server)
        c.send(USBIPCmdSubmit(seqnum: 1, direction: 0, ep: 1, transferBufferLength: 1, data: [0x42]).encoded())
        #expect(try c.reply(isIn: { _ in false }) == .submit(USBIPRetSubmit(seqnum: 1, actualLength: 1)))
        c.send(USBIPCmdSubmit(seqnum: 2, direction: 1, ep: 1, transferBufferLength: 64).encoded())
        #expect(try c.reply(isIn: { _ in true }) == .submit(USBIPRetSubmit(seqnum: 2, actualLength: 1, data: [0x42])))
        #expect(c.read(1) == nil, "after the second transfer the device is unplugged")
    }
}

/// The device core alone: faults and the standard requests, without sockets.
struct USBIPDeviceCoreTests {
    func replies(_ out: [USBIPOutput], isIn: Bool) throws -> [USBIPRetSubmit] {
        try out.map { o in
            guard case .send(let b) = o else { throw USBIPTestClient.ClientError(message: "not a send: \(o)") }
            return try USBIPRetSubmit(bytes: b, isIn: isIn)
        }
    }

    @Test func stalledEndpointFailsUntilTheHostClearsTheHalt() throws {
        var core = USBIPDeviceCore(function: USBLoopbackFunction(), faults: USBIPFaults(stallEndpoint: 0x81, stallAfterTransfers: 1))
        // The first OUT completes; the stall fault fires after it.
        let out1 = core.submit(USBIPCmdSubmit(seqnum: 1, direction: 0, ep: 1, transferBufferLength: 2, data: [1, 2]))
        #expect(try replies(out1, isIn: false).map(\.status) == [0])
        let in1 = core.submit(USBIPCmdSubmit(seqnum: 2, direction: 1, ep: 1, transferBufferLength: 64))
        #expect(try replies(in1, isIn: true).map(\.status) == [-32])
        #expect(core.halted == [0x81])
        // GET_STATUS(endpoint 0x81) says halted; CLEAR_FEATURE(ENDPOINT_HALT) clears it.
        let status = core.submit(USBIPCmdSubmit(seqnum: 3, direction: 1, ep: 0, transferBufferLength: 2,
                                                setup: USBSetupPacket(requestType: 0x82, request: 0x00, value: 0, index: 0x81, length: 2).encoded()))
        #expect(try replies(status, isIn: true).first?.data == [1, 0])
        _ = core.submit(USBIPCmdSubmit(seqnum: 4, direction: 0, ep: 0, transferBufferLength: 0,
                                       setup: USBSetupPacket(requestType: 0x02, request: 0x01, value: 0, index: 0x81, length: 0).encoded()))
        #expect(core.halted.isEmpty)
        // The echo queued before the stall is still there.
        let in2 = core.submit(USBIPCmdSubmit(seqnum: 5, direction: 1, ep: 1, transferBufferLength: 64))
        #expect(try replies(in2, isIn: true).map(\.data) == [[1, 2]])
    }

    @Test func unknownRequestsAndDescriptorsStall() throws {
        var core = USBIPDeviceCore(function: USBLoopbackFunction())
        // Device qualifier (type 6): not a high-speed-capable-at-full-speed device.
        let q = core.submit(USBIPCmdSubmit(seqnum: 1, direction: 1, ep: 0, transferBufferLength: 10,
                                           setup: USBSetupPacket(requestType: 0x80, request: 0x06, value: 0x0600, index: 0, length: 10).encoded()))
        #expect(try replies(q, isIn: true).map(\.status) == [-32])
        // A string the device does not have.
        let s = core.submit(USBIPCmdSubmit(seqnum: 2, direction: 1, ep: 0, transferBufferLength: 255,
                                           setup: USBSetupPacket(requestType: 0x80, request: 0x06, value: 0x0309, index: 0x0409, length: 255).encoded()))
        #expect(try replies(s, isIn: true).map(\.status) == [-32])
        // An endpoint the device does not have.
        let e = core.submit(USBIPCmdSubmit(seqnum: 3, direction: 1, ep: 5, transferBufferLength: 64))
        #expect(try replies(e, isIn: true).map(\.status) == [-32])
        // A message longer than the IN buffer comes in pieces.
        _ = core.submit(USBIPCmdSubmit(seqnum: 4, direction: 0, ep: 1, transferBufferLength: 5, data: [1, 2, 3, 4, 5]))
        let a = core.submit(USBIPCmdSubmit(seqnum: 5, direction: 1, ep: 1, transferBufferLength: 3))
        let b = core.submit(USBIPCmdSubmit(seqnum: 6, direction: 1, ep: 1, transferBufferLength: 3))
        #expect(try replies(a + b, isIn: true).map(\.data) == [[1, 2, 3], [4, 5]])
    }
}
