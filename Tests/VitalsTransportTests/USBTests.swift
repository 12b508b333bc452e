import Logging
import Testing
import VitalsTransport
import VitalsTransportLinux
import VitalsWire

/// The host side of USB: what can be checked without a USB device (the vm-test attaches one through
/// USB/IP and runs the bulk path for real).
struct USBTests {
    @Test func interfaceSummaryReadsPHDCDescriptors() throws {
        let i = USBInterfaceDescriptor(
            number: 0, interfaceClass: 0x0F, extra: [0x04, 0x20, 0x02, 0x00, 0x06, 0x30, 0x00, 0x01, 0x07, 0x10],
            endpoints: [USBEndpointDescriptor(address: 0x81, type: .bulk, maxPacketSize: 512), USBEndpointDescriptor(address: 0x01, type: .bulk, maxPacketSize: 512)])
        let s = USBInterfaceSummary(i)
        #expect(s.isPHDC11073 && s.phdcSummary == "PHDC 11073-20601" && s.phdcSpecializations == [0x1007])
        #expect(s.endpoints.map(\.transferType) == ["bulk", "bulk"])
        let device = USBDeviceSummary(bus: 3, address: 12, vendorID: 0x1209, productID: 0x0001, interfaces: [s])
        #expect(device.vidPid == "1209:0001" && device.location == "003:012" && device.phdc11073Interface == s)

        var broken = i
        broken.extra = [0x04, 0x20, 0x02]
        let b = USBInterfaceSummary(broken)
        #expect(b.isPHDC && !b.isPHDC11073 && b.phdcError?.contains("bLength") == true)
        let vendor = USBInterfaceSummary(USBInterfaceDescriptor(number: 1, interfaceClass: 0xFF, endpoints: []))
        #expect(vendor.phdcSummary == nil)
    }

    @Test func enumerationAnswersWithOrWithoutABus() throws {
        // Build machines often have no USB bus: the list may be empty, but libusb must answer.
        let devices = try LinuxUSB.devices()
        #expect(devices == devices.sorted { ($0.bus, $0.address) < ($1.bus, $1.address) })
    }

    @Test(arguments: [false, true])
    func monitorReportsPresentDevicesAndStopsCleanly(forcePolling: Bool) async throws {
        let monitor = try LinuxUSBMonitor(pollInterval: .milliseconds(200), forcePolling: forcePolling, logger: Logger(label: "t"))
        #expect(monitor.usesHotplugCallbacks == (!forcePolling && LinuxUSB.hasHotplug))
        let present = try LinuxUSB.devices().count
        await monitor.firstEnumeration()
        monitor.stop()
        var arrived = 0
        for await e in monitor.events {
            if case .arrived = e { arrived += 1 }
        }
        // The stream finished (the loop ended) and reported what was there.
        #expect(arrived == present)
    }

    @Test func linkErrorsRead() {
        #expect("\(USBLinkError.disconnected)" == "USB device disconnected")
        #expect("\(USBLinkError.stalled(endpoint: 0x81))" == "USB endpoint 0x81 stalled")
    }
}
