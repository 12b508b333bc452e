import VitalsWire

/// Faults a USB/IP-served device can play.
public struct USBIPFaults: Hashable, Sendable {
    /// Halt this endpoint (address, bit 7 for IN) once `stallAfterTransfers` bulk transfers have completed:
    /// its transfers fail with a stall until the host clears the halt (CLEAR_FEATURE ENDPOINT_HALT). Once.
    public var stallEndpoint: UInt8?
    public var stallAfterTransfers: Int
    /// Drop the connection (the device disappears from the host) after this many completed bulk transfers.
    public var disconnectAfterTransfers: Int?

    public init(stallEndpoint: UInt8? = nil, stallAfterTransfers: Int = 0, disconnectAfterTransfers: Int? = nil) {
        self.stallEndpoint = stallEndpoint
        self.stallAfterTransfers = stallAfterTransfers
        self.disconnectAfterTransfers = disconnectAfterTransfers
    }
}

/// What the core asks the server to do.
public enum USBIPOutput: Hashable, Sendable {
    /// Send these bytes (one encoded RET_SUBMIT or RET_UNLINK).
    case send([UInt8])
    /// Close the connection: the device is unplugged.
    case disconnect
}

/// One imported USB/IP device, pure: URB commands in, replies out. It answers the standard control requests
/// on endpoint 0 from the function's descriptors, passes bulk OUT data to the function, and holds bulk IN
/// submissions until the function has data for them (or the host unlinks them). Interrupt IN submissions are
/// held until unlinked (the loopback function never has "data waiting" to signal).
public struct USBIPDeviceCore: Sendable {
    public let function: any SimulatedUSBFunction
    public let busID: String
    public let faults: USBIPFaults
    public private(set) var configuration: UInt8 = 0
    /// Submissions waiting for data, in arrival order: seqnum, endpoint address, transfer_buffer_length.
    public private(set) var pendingIn: [(seqnum: UInt32, endpoint: UInt8, length: Int)] = []
    /// Data the function produced, one bulk IN transfer per element, not yet asked for.
    public private(set) var inQueue: [[UInt8]] = []
    public private(set) var halted: Set<UInt8> = []
    public private(set) var bulkTransfers = 0
    public private(set) var disconnected = false
    var stallPlayed = false

    /// Linux errno values USB/IP carries as URB status.
    public enum Status {
        public static let stall: Int32 = -32  // EPIPE
        public static let unlinked: Int32 = -104  // ECONNRESET
    }

    public init(function: any SimulatedUSBFunction, busID: String = "1-1", faults: USBIPFaults = .init()) {
        self.function = function
        self.busID = busID
        self.faults = faults
    }

    var descriptor: SimulatedUSBDescriptor { function.usbDescriptor }

    /// The device as OP_REP_DEVLIST and OP_REP_IMPORT describe it.
    public func deviceInfo() -> USBIPDeviceInfo {
        let d = descriptor
        let parts = busID.split(separator: "-")
        let bus = parts.first.flatMap { UInt32($0) } ?? 1
        let dev = parts.last.flatMap { UInt32($0.split(separator: ".").last ?? "") } ?? 2
        return USBIPDeviceInfo(
            path: "/sys/devices/openvitals/usbip/\(busID)", busID: busID, busNumber: bus, deviceNumber: dev, speed: 3,
            vendorID: d.vendorID, productID: d.productID, bcdDevice: d.bcdDevice, configurationValue: configuration,
            numConfigurations: 1, numInterfaces: 1,
            interfaces: [.init(interfaceClass: d.interfaceClass, interfaceSubClass: d.interfaceSubClass, interfaceProtocol: d.interfaceProtocol)])
    }

    func ret(_ seqnum: UInt32, status: Int32 = 0, length: Int = 0, data: [UInt8] = []) -> USBIPOutput {
        .send(USBIPRetSubmit(seqnum: seqnum, status: status, actualLength: UInt32(data.isEmpty ? length : data.count), data: data).encoded())
    }

    /// Handles one CMD_SUBMIT.
    public mutating func submit(_ c: USBIPCmdSubmit) -> [USBIPOutput] {
        guard !disconnected else { return [] }
        if c.ep == 0 { return control(c) }
        let address = UInt8(c.ep & 0x0F) | (c.isIn ? 0x80 : 0)
        guard let ep = descriptor.endpoint(address) else { return [ret(c.seqnum, status: Status.stall)] }
        if halted.contains(address) { return [ret(c.seqnum, status: Status.stall)] }
        if c.isIn {
            pendingIn.append((c.seqnum, address, Int(c.transferBufferLength)))
            return ep.transferType == .bulk ? drain() : []
        }
        var out = [ret(c.seqnum, length: c.data.count)]
        inQueue += function.bulkOut(c.data)
        out += completed()
        out += drain()
        return out
    }

    /// Handles one CMD_UNLINK: a held submission is dropped (-ECONNRESET, and it gets no RET_SUBMIT);
    /// one already answered gets status 0.
    public mutating func unlink(_ c: USBIPCmdUnlink) -> [USBIPOutput] {
        guard !disconnected else { return [] }
        if let i = pendingIn.firstIndex(where: { $0.seqnum == c.unlinkSeqnum }) {
            pendingIn.remove(at: i)
            return [.send(USBIPRetUnlink(seqnum: c.seqnum, status: Status.unlinked).encoded())]
        }
        return [.send(USBIPRetUnlink(seqnum: c.seqnum, status: 0).encoded())]
    }

    /// Answers held bulk IN submissions from the queue.
    mutating func drain() -> [USBIPOutput] {
        var out: [USBIPOutput] = []
        while !disconnected, !inQueue.isEmpty,
              let i = pendingIn.firstIndex(where: { descriptor.endpoint($0.endpoint)?.transferType == .bulk && !halted.contains($0.endpoint) }) {
            let p = pendingIn.remove(at: i)
            var message = inQueue.removeFirst()
            if message.count > p.length {
                // More than the host asked for: hand over what fits, keep the rest for the next IN.
                inQueue.insert(Array(message[p.length...]), at: 0)
                message = Array(message.prefix(p.length))
            }
            out.append(ret(p.seqnum, data: message))
            out += completed()
        }
        return out
    }

    /// Counts a completed bulk transfer and plays the faults that wait on the count.
    mutating func completed() -> [USBIPOutput] {
        bulkTransfers += 1
        var out: [USBIPOutput] = []
        if let ep = faults.stallEndpoint, !stallPlayed, bulkTransfers >= faults.stallAfterTransfers {
            stallPlayed = true
            halted.insert(ep)
            // Submissions already waiting on the endpoint fail now.
            for p in pendingIn where p.endpoint == ep { out.append(ret(p.seqnum, status: Status.stall)) }
            pendingIn.removeAll { $0.endpoint == ep }
        }
        if let n = faults.disconnectAfterTransfers, bulkTransfers >= n {
            disconnected = true
            out.append(.disconnect)
        }
        return out
    }

    /// The standard requests on endpoint 0.
    mutating func control(_ c: USBIPCmdSubmit) -> [USBIPOutput] {
        guard let setup = try? USBSetupPacket(bytes: c.setup) else { return [ret(c.seqnum, status: Status.stall)] }
        let limit = Int(min(setup.length, UInt16(clamping: c.transferBufferLength)))
        func reply(_ data: [UInt8]) -> [USBIPOutput] { [ret(c.seqnum, data: Array(data.prefix(limit)))] }
        let ack = [ret(c.seqnum, length: c.isIn ? 0 : c.data.count)]
        let stall = [ret(c.seqnum, status: Status.stall)]
        typealias R = USBSetupPacket.Request
        if setup.kind == 1 {
            // PHDC class requests: GET_STATUS answers "no data pending"; SET/CLEAR_FEATURE (metadata) are accepted.
            return setup.isDeviceToHost ? (setup.request == R.getStatus ? reply([0, 0]) : stall) : ack
        }
        guard setup.kind == 0 else { return stall }
        switch setup.request {
        case R.getDescriptor:
            let index = UInt8(setup.value & 0xFF)
            switch UInt8(setup.value >> 8) {
            case USBDeviceDescriptor.descriptorType: return reply(descriptor.deviceDescriptor.encoded())
            case USBConfigurationDescriptor.descriptorType: return reply(descriptor.configurationDescriptor.encoded())
            case USBStringDescriptor.descriptorType:
                guard let s = descriptor.string(index) else { return stall }
                return reply(s.encoded())
            default: return stall  // device qualifier, BOS…: a full/high-speed-only device without them
            }
        case R.setConfiguration:
            configuration = UInt8(setup.value & 0xFF)
            pendingIn.removeAll()
            inQueue.removeAll()
            halted.removeAll()
            if configuration != 0 { inQueue += function.configured() }
            return ack
        case R.getConfiguration: return reply([configuration])
        case R.setInterface, R.setAddress, R.setFeature: return ack
        case R.getInterface: return reply([0])
        case R.getStatus:
            if setup.recipient == 2 { return reply([halted.contains(UInt8(setup.index & 0xFF)) ? 1 : 0, 0]) }
            return reply([0, 0])
        case R.clearFeature:
            if setup.recipient == 2 && setup.value == 0 {  // ENDPOINT_HALT
                halted.remove(UInt8(setup.index & 0xFF))
            }
            return ack + drain()
        default: return stall
        }
    }
}
