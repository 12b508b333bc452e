import Foundation
import Synchronization
import VitalsWire

/// An IEEE 11073-20601 agent as a USB PHDC device, for the USB/IP server: interface class 0x0F with a
/// Class Function descriptor (data code 11073-20601) and an 11073 Function descriptor naming its
/// specialisation, bulk OUT 0x01 and bulk IN 0x81. APDUs travel one per bulk transfer.
public final class PHDAgentUSBFunction: SimulatedUSBFunction {
    public let usbDescriptor: SimulatedUSBDescriptor
    let agent: Mutex<PHDAgent>

    public init(agent: PHDAgent, vendorID: UInt16 = 0x1209, productID: UInt16, serialNumber: String) {
        self.agent = Mutex(agent)
        let qos = PHDCDescriptor.qos(encodingVersion: 1, latencyReliability: 0x08).encoded()
        usbDescriptor = SimulatedUSBDescriptor(
            vendorID: vendorID, productID: productID, manufacturer: agent.manufacturer, product: agent.model, serialNumber: serialNumber,
            interfaceClass: USBInterfaceDescriptor.phdcClass,
            classDescriptors: PHDCDescriptor.classFunction(dataCode: PHDCDescriptor.dataCode11073_20601, capability: 0).encoded()
                + PHDCDescriptor.function11073(specializations: [agent.specialization.profile]).encoded(),
            endpoints: [
                USBEndpointDescriptor(address: 0x01, type: .bulk, maxPacketSize: 512, extra: qos),
                USBEndpointDescriptor(address: 0x81, type: .bulk, maxPacketSize: 512, extra: qos),
            ])
    }

    /// The agent from a scenario's `phd-*` device of this type (the first one).
    public static func fromScenario(_ scenario: Scenario, type: String, now: Date = Date()) -> PHDAgentUSBFunction? {
        let core = SimulatorCore(scenario: scenario, now: now)
        guard let specialization = Scenario.phdTypes[type],
            let (link, entry) = core.agents.sorted(by: { $0.key < $1.key }).first(where: { $0.value.agent.specialization == specialization })
        else { return nil }
        return PHDAgentUSBFunction(agent: entry.agent, productID: entry.productID, serialNumber: "OV-PHD-\(link)")
    }

    /// A new session: the agent (if it still has something to do) asks to associate.
    public func configured() -> [[UInt8]] {
        agent.withLock { a in
            if a.isFinished { return [] }
            a.detached()
            return a.start()
        }
    }

    public func bulkOut(_ data: [UInt8]) -> [[UInt8]] { agent.withLock { $0.receive(data) } }

    public var acknowledged: Int { agent.withLock { $0.acknowledged } }
    public var isFinished: Bool { agent.withLock { $0.isFinished } }
}
