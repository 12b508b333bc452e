/// Continuous Glucose Monitoring Service (0x181F).
public enum CGMService {
    public static let service = BluetoothUUID(0x181F)
}
