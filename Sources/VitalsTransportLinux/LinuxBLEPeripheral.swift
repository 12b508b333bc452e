import CBlueZ
import Foundation
import Logging
import VitalsTransport
import VitalsWire

/// A BLE peripheral on a Linux HCI adapter: legacy advertising through HCI LE commands, and an L2CAP listening
/// socket on the ATT fixed channel (CID 4). firmware-sim uses it to put a simulated device on a real radio.
///
/// Run it on an adapter bluetoothd does not manage: bluetoothd takes the ATT channel on its adapters.
public final class LinuxBLEPeripheral: @unchecked Sendable {
    let deviceID: Int32
    let hci: Int32
    let listener: Int32
    public let address: BLEAddress
    let logger: Logger

    public struct PeripheralError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    static func failure(_ what: String) -> PeripheralError { PeripheralError(message: "\(what): \(String(cString: strerror(errno)))") }

    public init(adapter: Int32, logger: Logger) throws {
        let dd = hci_open_dev(adapter)
        guard dd >= 0 else { throw Self.failure("cannot open hci\(adapter)") }
        var ba = bdaddr_t()
        guard hci_devba(adapter, &ba) == 0 else {
            hci_close_dev(dd)
            throw Self.failure("cannot read the address of hci\(adapter)")
        }
        let fd = socket(PF_BLUETOOTH, Int32(SOCK_SEQPACKET.rawValue), BTPROTO_L2CAP)
        guard fd >= 0 else {
            hci_close_dev(dd)
            throw Self.failure("L2CAP socket")
        }
        var local = sockaddr_l2()
        local.l2_family = sa_family_t(AF_BLUETOOTH)
        local.l2_bdaddr = ba
        local.l2_cid = UInt16(4).littleEndian
        local.l2_bdaddr_type = UInt8(BDADDR_LE_PUBLIC)
        let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_l2>.size)) } }
        guard bound == 0, listen(fd, 1) == 0 else {
            let e = Self.failure("listen on the ATT channel of hci\(adapter)")
            Glibc.close(fd)
            hci_close_dev(dd)
            throw e
        }
        deviceID = adapter
        hci = dd
        listener = fd
        let bytes = withUnsafeBytes(of: ba.b) { Array($0) }
        address = BLEAddress(bytes: bytes.reversed())
        self.logger = logger
    }

    deinit {
        Glibc.close(listener)
        hci_close_dev(hci)
    }

    /// Sends one LE controller command and checks its status.
    func command(_ ocf: Int32, _ parameters: [UInt8], _ name: String) throws {
        var params = parameters
        var status: UInt8 = 0xFF
        let rc = params.withUnsafeMutableBytes { p in
            withUnsafeMutablePointer(to: &status) { s in
                var rq = hci_request()
                rq.ogf = UInt16(OGF_LE_CTL)
                rq.ocf = UInt16(ocf)
                rq.cparam = p.baseAddress
                rq.clen = Int32(p.count)
                rq.rparam = UnsafeMutableRawPointer(s)
                rq.rlen = 1
                return hci_send_req(hci, &rq, 2000)
            }
        }
        guard rc >= 0 else { throw Self.failure("\(name) on hci\(deviceID)") }
        guard status == 0 else { throw PeripheralError(message: "\(name) on hci\(deviceID): controller status 0x\(String(status, radix: 16))") }
    }

    /// Starts connectable undirected advertising (ADV_IND, 100 ms) with `data`.
    public func advertise(_ data: AdvertisingData) throws {
        _ = try? command(OCF_LE_SET_ADVERTISE_ENABLE, [0x00], "LE Set Advertising Enable (off)")
        // Interval min/max 0x00A0 (100 ms), ADV_IND, public own address, no peer, all three channels, no filter.
        try command(OCF_LE_SET_ADVERTISING_PARAMETERS, [0xA0, 0x00, 0xA0, 0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0x07, 0x00], "LE Set Advertising Parameters")
        let ad = data.encoded()
        guard ad.count <= 31 else { throw PeripheralError(message: "advertising data is \(ad.count) bytes; at most 31 fit") }
        try command(OCF_LE_SET_ADVERTISING_DATA, [UInt8(ad.count)] + ad + [UInt8](repeating: 0, count: 31 - ad.count), "LE Set Advertising Data")
        try command(OCF_LE_SET_ADVERTISE_ENABLE, [0x01], "LE Set Advertising Enable")
    }

    public func stopAdvertising() { _ = try? command(OCF_LE_SET_ADVERTISE_ENABLE, [0x00], "LE Set Advertising Enable (off)") }

    /// Blocks until a central connects; returns the ATT socket and the central's address.
    public func accept() throws -> (SeqPacketSocket, BLEAddress) {
        var peer = sockaddr_l2()
        var len = socklen_t(MemoryLayout<sockaddr_l2>.size)
        let fd = withUnsafeMutablePointer(to: &peer) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(listener, $0, &len) } }
        guard fd >= 0 else { throw Self.failure("accept on the ATT channel") }
        let bytes = withUnsafeBytes(of: peer.l2_bdaddr.b) { Array($0) }
        return (SeqPacketSocket(adopting: fd), BLEAddress(bytes: bytes.reversed()))
    }
}
