import Foundation
import Testing
import VitalsTestSupport
import VitalsCore
@testable import VitalsProfiles
import VitalsWire

/// Choosing a profile by what the device says about itself after connecting (Device Information).
struct ProfileRefinementTests {
    static let reg = ",\"regulatory\":[{\"type\":\"fda-510k\",\"reference\":\"K1\",\"source\":\"https://example.org\"}]"
    static let val = ",\"validation\":[{\"type\":\"iso-81060-2\",\"reference\":\"paper\",\"source\":\"https://example.org\"}]"

    /// A BLS cuff profile: `recognise` as given, the rest fixed.
    func cuff(_ id: String, recognise: String, protocol proto: String = "bls", transport: String = "ble", extra: String = "") throws -> DeviceProfile {
        let json = """
            {"id":"\(id)","manufacturer":"M","model":"\(id)","kind":"blood-pressure-monitor","transport":"\(transport)","recognise":\(recognise),"protocol":"\(proto)","site":"upper-arm","intendedUse":"home"\(extra)}
            """
        return try ProfileCatalogue.parse(Data(json.utf8), file: "\(id).json")
    }

    func refuse(_ recognise: String, transport: String = "ble") -> ProfileError? {
        do {
            _ = try cuff("x", recognise: recognise, transport: transport)
            return nil
        } catch { return error as? ProfileError }
    }

    @Test func badPatternsAreRefusedWithFileAndField() {
        #expect(refuse(#"{"serviceUUIDs":["1810"],"modelNumberPattern":"^BP7000"}"#) == nil)
        let bad = refuse(#"{"serviceUUIDs":["1810"],"modelNumberPattern":"BP(7000"}"#)
        #expect(bad?.file == "x.json" && bad?.field == "recognise.modelNumberPattern" && bad?.reason.contains("regular expression") == true)
        #expect(refuse(#"{"serviceUUIDs":["1810"],"manufacturerNamePattern":"[Omron"}"#)?.field == "recognise.manufacturerNamePattern")
        // Device Information is read only after the advertisement matched, and only over BLE.
        #expect(refuse(#"{"modelNumberPattern":"^BP7000"}"#)?.field == "recognise.modelNumberPattern")
        #expect(refuse(#"{"usbVendorID":"0x0590","modelNumberPattern":"^BP7000"}"#, transport: "usb")?.field == "recognise.modelNumberPattern")
        #expect(refuse(#"{"serviceUUIDs":["1810"],"serialPattern":"1"}"#)?.field == "recognise.serialPattern")
    }

    @Test func theModelNumberChoosesTheProfileAfterConnecting() throws {
        let generic = try cuff("generic-bls", recognise: #"{"serviceUUIDs":["1810"]}"#)
        let bp7000 = try cuff("cuff-bp7000", recognise: #"{"serviceUUIDs":["1810"],"modelNumberPattern":"\\bBP7000\\b"}"#, extra: Self.reg + Self.val)
        let c = ProfileCatalogue(profiles: [generic, bp7000])
        // Before connecting the advertisement cannot tell the model: the medical profile is not chosen.
        let ad = AdvertisingData(services: [GATTAssigned.bloodPressureService], localName: "BLESmart_0000")
        let first = try #require(c.match(advertisement: ad, transport: .ble))
        #expect(first.id == "generic-bls" && first.grade == .unverified)
        // After connecting, the model number says which it is.
        let refined = c.refine(current: first, manufacturer: "OMRON HEALTHCARE", model: "BP7000", transport: .ble)
        #expect(refined.id == "cuff-bp7000" && refined.grade == .medical)
        #expect(c.refine(current: first, manufacturer: nil, model: "OMRON BP7000-Z", transport: .ble).id == "cuff-bp7000")
        // Another model, a near miss, or no model string at all: the generic profile stays.
        #expect(c.refine(current: first, manufacturer: "OMRON HEALTHCARE", model: "BP7250", transport: .ble).id == "generic-bls")
        #expect(c.refine(current: first, manufacturer: nil, model: "BP70001", transport: .ble).id == "generic-bls")
        #expect(c.refine(current: first, manufacturer: "OMRON HEALTHCARE", model: nil, transport: .ble).id == "generic-bls")
    }

    @Test func refinementNeverLeavesWhatTheAdvertisementEstablished() throws {
        let generic = try cuff("generic-bls", recognise: #"{"serviceUUIDs":["1810"]}"#)
        // Another protocol, a service the advertisement did not show, a name never checked, a simulated profile
        // on a real radio: none is chosen, whatever the model number says.
        let otherProtocol = try cuff("meter", recognise: #"{"serviceUUIDs":["1810"],"modelNumberPattern":"^X1"}"#, protocol: "gls")
        let moreServices = try cuff("vendor", recognise: #"{"serviceUUIDs":["1810","FEF5"],"modelNumberPattern":"^X1"}"#)
        let named = try cuff("named", recognise: #"{"serviceUUIDs":["1810"],"namePattern":"^X","modelNumberPattern":"^X1"}"#)
        let simulated = try cuff("sim", recognise: #"{"serviceUUIDs":["1810"],"modelNumberPattern":"^X1"}"#, transport: "sim-ble")
        let c = ProfileCatalogue(profiles: [generic, otherProtocol, moreServices, named, simulated])
        #expect(c.refine(current: generic, manufacturer: "M", model: "X1", transport: .ble).id == "generic-bls")
        // The simulator link may play a real model, and a simulated one.
        #expect(c.refine(current: generic, manufacturer: "M", model: "X1", transport: .simBLE).id == "sim")
    }

    @Test func patternsMustAllMatchAndTiesNeverPromote() throws {
        let generic = try cuff("generic-bls", recognise: #"{"serviceUUIDs":["1810"]}"#)
        let both = try cuff("both", recognise: #"{"serviceUUIDs":["1810"],"modelNumberPattern":"^X1$","manufacturerNamePattern":"^Acme"}"#, extra: Self.reg + Self.val)
        let cleared = try cuff("cleared", recognise: #"{"serviceUUIDs":["1810"],"modelNumberPattern":"^X"}"#, extra: Self.reg)
        let plain = try cuff("plain", recognise: #"{"serviceUUIDs":["1810"],"modelNumberPattern":"^X"}"#)
        let c = ProfileCatalogue(profiles: [generic, both, cleared, plain])
        // Model and manufacturer both match: the most specific profile.
        #expect(c.refine(current: generic, manufacturer: "Acme Health", model: "X1", transport: .ble).id == "both")
        // The manufacturer does not match, so `both` is out; `cleared` and `plain` tie and the least-trusted wins.
        #expect(c.refine(current: generic, manufacturer: "Other", model: "X1", transport: .ble).id == "plain")
        // The shipped catalogue has no profile whose model pattern is only a vendor name.
        let shipped = try ProfileCatalogue.load(directory: repoRoot.appendingPathComponent("device-profiles"))
        for p in shipped.profiles where p.recognise.needsDeviceInformation {
            #expect(p.recognise.modelNumberPattern != nil, "\(p.id) is told apart by its model number")
        }
    }

    @Test func shippedProfilesAreChosenByTheirModelNumbers() throws {
        let c = try ProfileCatalogue.load(directory: repoRoot.appendingPathComponent("device-profiles"))
        let cuff = try #require(c.match(advertisement: AdvertisingData(services: [GATTAssigned.bloodPressureService], localName: "BLESmart_00000000"), transport: .ble))
        let meter = try #require(c.match(advertisement: AdvertisingData(services: [GATTAssigned.glucoseService], localName: "meter"), transport: .ble))
        #expect(cuff.id == "generic-bls" && meter.id == "generic-gls")
        func refined(_ p: DeviceProfile, _ model: String) -> String { c.refine(current: p, manufacturer: nil, model: model, transport: .ble).id }
        #expect(refined(cuff, "BP7000") == "omron-evolv-bp7000" && c.profile(id: "omron-evolv-bp7000")?.grade == .medical)
        #expect(refined(cuff, "EVOLV") == "omron-evolv-bp7000")
        #expect(refined(cuff, "BP5250") == "generic-bls")
        #expect(refined(meter, "Accu-Chek Guide") == "roche-accu-chek-guide")
        #expect(refined(meter, "GUIDE") == "roche-accu-chek-guide")
        #expect(refined(meter, "Guide Me") == "generic-gls", "another model")
        #expect(refined(meter, "Contour Next One") == "ascensia-contour-next-one")
        #expect(refined(meter, "Contour Next") == "generic-gls")
        let cgm = try #require(c.match(advertisement: AdvertisingData(services: [CGMService.service], localName: "sensor"), transport: .ble))
        #expect(cgm.id == "generic-cgm", "the CGM Service alone ties with the SmartGuide; the least trusted wins")
        #expect(refined(cgm, "Accu-Chek SmartGuide") == "roche-accu-chek-smartguide" && c.profile(id: "roche-accu-chek-smartguide")?.grade == .medical)
        #expect(refined(cgm, "SMART GUIDE CGM") == "roche-accu-chek-smartguide")
        #expect(refined(cgm, "SmartGuide 2") == "generic-cgm", "another model")
        #expect(refined(meter, "Accu-Chek SmartGuide") == "generic-gls", "the CGM's name does not make a meter a CGM")
        #expect(refined(cgm, "Accu-Chek Guide") == "generic-cgm")
        // A model number never moves a device to another protocol's profile.
        #expect(refined(meter, "BP7000") == "generic-gls")
        // The simulator link may play a real model; a real radio never gets the simulated one.
        #expect(refined(cuff, "SIM-BP-7") == "generic-bls")
        #expect(c.refine(current: cuff, manufacturer: nil, model: "SIM-BP-7", transport: .simBLE).id == "sim-bp-cuff-by-model")
    }
}
