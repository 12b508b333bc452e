// libFuzzer entry for the wire decoders (`make fuzz`; a short run in `make test`). One binary, one target per
// decoder, chosen by $FUZZ_TARGET; each target has its own seed corpus under fuzz/corpus/<target>. A decoder may
// throw on bad input (that is its job); it must never crash, trap or read out of bounds (AddressSanitizer).
// Built outside SwiftPM by scripts/fuzz.sh, with -sanitize=fuzzer,address, over VitalsCore, VitalsWire and VitalsECG.
import Foundation
import VitalsCore
import VitalsECG
import VitalsWire

let targets: [String: ([UInt8]) -> Void] = [
    // Every BLE characteristic the hub decodes: the first byte picks the characteristic, the rest is its value.
    "characteristic": { b in
        guard let first = b.first else { return }
        let list = CharacteristicDecoder.supported
        let uuid = list[Int(first) % list.count].0
        _ = try? CharacteristicDecoder.decode(uuid: uuid, bytes: Array(b.dropFirst()), options: .init(cgmCRC: first & 0x80 != 0))
    },
    "att": { b in _ = try? ATTPDU(bytes: b) },
    "advertising": { b in _ = try? AdvertisingData(bytes: b); _ = try? HCILEAdvertisingReport(packet: b) },
    // A management packet, then its parameters as the event and as the command it would be (IRK, passkey, LTK).
    "mgmt": { b in
        guard let packet = try? MgmtPacket(bytes: b) else { return }
        _ = try? MgmtEvent(packet)
        _ = try? MgmtCommand(packet)
    },
    "phd-apdu": { b in
        guard let apdu = try? PHDAPDU(bytes: b) else { return }
        _ = apdu.json()
        _ = apdu.bytes
    },
    "phd-scan-report": { b in
        guard b.count >= 2 else { return }
        var r = ByteReader(Array(b.dropFirst(2)), entity: "fuzz")
        _ = try? ScanReport(eventType: UInt16(b[0]) << 8 | UInt16(b[1]), reader: &r)
        var c = ByteReader(b, entity: "fuzz")
        _ = try? ConfigReport(mder: &c)
    },
    "astm-frame": { b in _ = try? ASTMFrame(bytes: b); _ = try? ContourHIDReport(bytes: b) },
    "astm-message": { b in _ = try? ASTMMessage.messages(text: b) },
    "usb-descriptors": { b in
        _ = try? USBDeviceDescriptor(bytes: b)
        _ = try? USBConfigurationDescriptor(bytes: b)
        _ = try? USBEndpointDescriptor(bytes: b)
        _ = try? USBStringDescriptor(bytes: b)
        _ = try? USBSetupPacket(bytes: b)
        _ = try? PHDCDescriptor.decodeAll(b)
    },
    "usbip": { b in
        _ = try? USBIPBasicHeader(bytes: b)
        _ = try? USBIPOperation(bytes: b)
        _ = try? USBIPCmdSubmit(bytes: b)
        _ = try? USBIPRetSubmit(bytes: b, isIn: b.first.map { $0 & 1 == 1 } ?? false)
        _ = try? USBIPCmdUnlink(bytes: b)
        _ = try? USBIPRetUnlink(bytes: b)
    },
    "sim-frame": { b in _ = try? SimFrame(bytes: b) },
    "wfdb-header": { b in _ = try? WFDBHeader.parse(String(decoding: b, as: UTF8.self), file: "fuzz.hea") },
    "wfdb-signal": { b in
        guard b.count >= 2 else { return }
        let format = [212, 16, 8, 80, 61, 310, 311][Int(b[0]) % 7]
        let signals = Int(b[1] % 4) + 1
        let data = Array(b.dropFirst(2))
        _ = try? WFDBSignalFile.decode(data, format: format, signalCount: signals, sampleCount: data.count, file: "fuzz.dat")
    },
    "wfdb-annotations": { b in _ = try? WFDBAnnotationFile.decode(b, file: "fuzz.atr") },
]

let selected: ([UInt8]) -> Void = {
    let name = ProcessInfo.processInfo.environment["FUZZ_TARGET"] ?? ""
    guard let t = targets[name] else {
        FileHandle.standardError.write(Data("FUZZ_TARGET must be one of: \(targets.keys.sorted().joined(separator: ", "))\n".utf8))
        exit(2)
    }
    return t
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    selected(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
