import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import Testing
import VitalsTransport
import VitalsTransportLinux
import VitalsWire

struct SimLinkTests {
    func tempSocket() -> String { FileManager.default.temporaryDirectory.appendingPathComponent("t-\(UUID().uuidString.prefix(8)).sock").path }

    @Test func seqPacketKeepsFrameBoundariesAndIsPrivate() throws {
        let path = tempSocket()
        let listener = try SeqPacketListener(path: path)
        let attrs = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attrs[.posixPermissions] as? Int).map { $0 & 0o077 } == 0, "socket must be reachable by its owner only")
        let client = try SeqPacketSocket.connect(path: path)
        let server = try listener.accept()
        try client.send([1, 2, 3])
        try client.send([4])
        #expect(try server.receive() == [1, 2, 3])
        #expect(try server.receive() == [4])
        client.shutdown()
        #expect(try server.receive() == nil, "the peer's close reads as the end")
    }

    @Test func connectionDeliversFramesAndReportsMalformedOnesWithoutStopping() async throws {
        let path = tempSocket()
        let listener = try SeqPacketListener(path: path)
        let client = try SeqPacketSocket.connect(path: path)
        let server = try listener.accept()
        let conn = SimLinkConnection(socket: server, capacity: 2, logger: Logger(label: "t"))
        try client.send(SimFrame.scanStart.encoded())
        try client.send([0x99, 0x00])
        try client.send(SimFrame.disconnect(link: 0x40, reason: 0x13).encoded())
        client.shutdown()
        var got: [String] = []
        for try await e in conn.events {
            conn.consumed()
            switch e {
            case .frame(let f): got.append("\(f)")
            case .malformed(let err, let bytes):
                got.append("malformed:\(err.field)")
                #expect(bytes == [0x99, 0x00])
            case .tick: break
            }
        }
        #expect(got == ["scanStart", "malformed:Frame Type", "disconnect(link: 64, reason: 19)"])
    }

    /// A peer that sends a long burst before it reads (firmware-sim advertising 1,000 devices) while this end answers
    /// each frame as it reads it (the hub connecting): with sends that block the consumer, both ends stopped with
    /// their socket buffers full. Sends are queued for a writer thread, so the burst and the answers all get through.
    @Test(.timeLimit(.minutes(1))) func answeringWhileThePeerBurstsDoesNotDeadlock() async throws {
        let path = tempSocket()
        let listener = try SeqPacketListener(path: path)
        let peer = try SeqPacketSocket.connect(path: path)
        let conn = SimLinkConnection(socket: try listener.accept(), capacity: 4, logger: Logger(label: "t"))
        let burst = 3000
        let address = BLEAddress(string: "C0:FF:EE:00:00:01")!
        // The peer, like the simulator's loop: it sends its whole burst (blocking when the buffer is full), then reads.
        let answers = Task.detached { () throws -> Int in
            for i in 0..<burst { try peer.send(SimFrame.disconnect(link: UInt16(i % 0x0EFF), reason: 0x13).encoded()) }
            var n = 0
            while n < burst, try peer.receive() != nil { n += 1 }
            peer.shutdown()
            return n
        }
        var seen = 0
        for try await e in conn.events {
            conn.consumed()
            guard case .frame = e else { continue }
            seen += 1
            try conn.send(.connectRequest(address: address))
            if seen == burst { break }
        }
        #expect(seen == burst)
        #expect(try await answers.value == burst, "every answer reaches the peer, in order, once it reads")
        conn.close()
    }

    @Test func connectToMissingSocketNamesThePath() {
        #expect { try SeqPacketSocket.connect(path: "/nonexistent/openvitals.sock") } throws: { e in
            "\(e)".contains("/nonexistent/openvitals.sock") && "\(e)".contains("connect")
        }
    }

    @Test func hostLibrariesAnswer() {
        #expect(HostLibraries.libusbVersion().hasPrefix("1."))
        #expect(HostLibraries.normaliseBluetoothAddress("c0:ff:ee:00:00:01") == "C0:FF:EE:00:00:01")
        #expect(HostLibraries.normaliseBluetoothAddress("nonsense") == nil)
    }
}

struct SimLinkLimitsTests {
    func tempPath(_ suffix: String) -> String { FileManager.default.temporaryDirectory.appendingPathComponent("t-\(UUID().uuidString.prefix(8)).\(suffix)").path }

    @Test func oversizedRecordIsReportedNotPassedOnCutShort() async throws {
        let path = tempPath("sock")
        let listener = try SeqPacketListener(path: path)
        let client = try SeqPacketSocket.connect(path: path)
        let conn = SimLinkConnection(socket: try listener.accept(), logger: Logger(label: "t"))
        // Raise the send buffer so the kernel accepts one record over the frame limit.
        var size: Int32 = 1 << 20
        setsockopt(client.fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        try client.send([UInt8](repeating: 0x30, count: SeqPacketSocket.maxFrame + 10))
        try client.send(SimFrame.scanStop.encoded())
        client.shutdown()
        var got: [String] = []
        for try await e in conn.events {
            conn.consumed()
            switch e {
            case .frame(let f): got.append("\(f)")
            case .malformed(let err, _): got.append(err.reason.description)
            case .tick: break
            }
        }
        #expect(got.count == 2)
        #expect(got.first?.contains("exceeds the 65536-byte limit") == true)
        #expect(got.last == "scanStop")
    }

    @Test func listenerNeverDeletesAFileThatIsNotASocket() throws {
        let path = tempPath("txt")
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: SocketError.self) { try SeqPacketListener(path: path) }
        #expect(FileManager.default.contents(atPath: path) == Data("keep me".utf8))
    }
}
