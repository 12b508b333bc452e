import VitalsCore
import VitalsProfiles
import VitalsWire

/// What each protocol needs from a device, and how its session starts.
public enum ProfileDrivers {
    /// What every session also reads when the device has it: Device Information (manufacturer, model, serial,
    /// the IEEE 11073-20601 regulatory certification list), the device clock (Current Time) and the battery.
    public static let deviceInformation: [GATTRequirements.Wanted] = [
        .init(service: GATTAssigned.deviceInformationService, characteristic: GATTAssigned.manufacturerName, read: true, required: false),
        .init(service: GATTAssigned.deviceInformationService, characteristic: GATTAssigned.modelNumber, read: true, required: false),
        .init(service: GATTAssigned.deviceInformationService, characteristic: GATTAssigned.serialNumber, read: true, required: false),
        .init(service: GATTAssigned.deviceInformationService, characteristic: RegulatoryCertificationDataList.uuid, read: true, required: false),
        .init(service: GATTAssigned.deviceInformationService, characteristic: UDIForMedicalDevices.uuid, read: true, required: false),
        .init(service: BluetoothUUID(0x1805), characteristic: CurrentTime.uuid, read: true, required: false),
        .init(service: BluetoothUUID(0x180F), characteristic: BatteryLevel.uuid, read: true, required: false),
    ]

    /// Blood Pressure Service: indications of 0x2A35; the feature 0x2A49 is read when present.
    public static let bloodPressure = GATTRequirements(wanted: [
        .init(service: GATTAssigned.bloodPressureService, characteristic: GATTAssigned.bloodPressureMeasurement, subscription: .indicate, required: true),
        .init(service: GATTAssigned.bloodPressureService, characteristic: GATTAssigned.bloodPressureFeature, read: true, required: false),
    ])

    /// Glucose Service: notifications of 0x2A18 (and 0x2A34 when present), indications of the RACP 0x2A52.
    public static let glucose = GATTRequirements(wanted: [
        .init(service: GATTAssigned.glucoseService, characteristic: GATTAssigned.glucoseMeasurement, subscription: .notify, required: true),
        .init(service: GATTAssigned.glucoseService, characteristic: GATTAssigned.glucoseMeasurementContext, subscription: .notify, required: false),
        .init(service: GATTAssigned.glucoseService, characteristic: GATTAssigned.recordAccessControlPoint, subscription: .indicate, required: true),
        .init(service: GATTAssigned.glucoseService, characteristic: GATTAssigned.glucoseFeature, read: true, required: false),
    ])

    /// Continuous Glucose Monitoring: notifications of 0x2AA7; the Feature 0x2AA8 (whether records carry an
    /// E2E-CRC) and the Session Start Time 0x2AAA are read first.
    public static let cgm = GATTRequirements(wanted: [
        .init(service: CGMService.service, characteristic: CGMMeasurement.uuid, subscription: .notify, required: true),
        .init(service: CGMService.service, characteristic: CGMFeature.uuid, read: true, required: true),
        .init(service: CGMService.service, characteristic: CGMSessionStartTime.uuid, read: true, required: false),
    ])

    /// Polar Measurement Data: indications of the control point and notifications of the data characteristic,
    /// then "start ECG" written to the control point (130 Hz, 14-bit, as the H10 takes).
    public static let polarPMD = GATTRequirements(wanted: [
        .init(service: PolarPMD.serviceUUID, characteristic: PolarPMD.controlPointUUID, subscription: .indicate, required: true),
        .init(service: PolarPMD.serviceUUID, characteristic: PolarPMD.dataUUID, subscription: .notify, required: true),
    ])

    /// Heart Rate Service: notifications of 0x2A37; the Body Sensor Location 0x2A38 is read when present.
    public static let heartRate = GATTRequirements(wanted: [
        .init(service: BluetoothUUID(0x180D), characteristic: HeartRateMeasurement.uuid, subscription: .notify, required: true),
        .init(service: BluetoothUUID(0x180D), characteristic: BodySensorLocation.uuid, read: true, required: false),
    ])

    /// Pulse Oximeter Service: the PLX Features 0x2A60, spot-checks 0x2A5E by indication and continuous
    /// measurements 0x2A5F by notification, whichever the device has.
    public static let pulseOximeter = GATTRequirements(wanted: [
        .init(service: BluetoothUUID(0x1822), characteristic: PLXFeatures.uuid, read: true, required: true),
        .init(service: BluetoothUUID(0x1822), characteristic: PLXSpotCheckMeasurement.uuid, subscription: .indicate, required: false),
        .init(service: BluetoothUUID(0x1822), characteristic: PLXContinuousMeasurement.uuid, subscription: .notify, required: false),
    ])

    /// A session for a profile's protocol, or nil when there is none (always for `unsupported`). For glucose, `lastSequence` is the last record already stored:
    /// the meter is asked only for records after it.
    public static func session(for profile: DeviceProfile, lastSequence: UInt32?) -> BLEDeviceSession? {
        var session = baseSession(for: profile, lastSequence: lastSequence)
        session?.addRequirements(deviceInformation)
        return session
    }

    static func baseSession(for profile: DeviceProfile, lastSequence: UInt32?) -> BLEDeviceSession? {
        switch profile.protocol {
        case "bls": return BLEDeviceSession(requirements: bloodPressure)
        case "gls":
            // First how many records are new (for progress), then the records themselves.
            if let last = lastSequence, last < 0xFFFF {
                let from = UInt16(last + 1)
                return BLEDeviceSession(requirements: glucose, procedures: [.reportNumberOfRecords(fromSequence: from), .reportRecords(fromSequence: from)])
            }
            return BLEDeviceSession(requirements: glucose, procedures: [.reportNumberOfAllRecords(), .reportAllRecords()])
        case "cgm": return BLEDeviceSession(requirements: cgm)
        case "hrs": return BLEDeviceSession(requirements: heartRate)
        case "plxs": return BLEDeviceSession(requirements: pulseOximeter)
        case "polar-pmd":
            return BLEDeviceSession(requirements: polarPMD, controlWrites: [(PolarPMD.controlPointUUID, PolarPMDControlPointRequest.startECG().encoded())])
        case DeviceProfile.unsupportedProtocol: return nil  // documented, never talked to
        default: return nil
        }
    }
}
