import _CryptoExtras
import Crypto
import VitalsWire

/// Tells which bonded device a resolvable private address belongs to, from the devices' Identity Resolving
/// Keys (Bluetooth Core Vol 6 Part B 1.3.2.3, "Private device address resolution"; the function `ah` in
/// Vol 3 Part H 2.2.2).
///
/// A resolvable private address is a random address whose two most significant bits are 0b01. Its upper
/// 24 bits are `prand`, its lower 24 bits `hash = ah(IRK, prand)`: the least significant 24 bits of
/// AES-128 with the IRK as key over 13 zero octets followed by `prand`. An address whose hash matches a
/// key's belongs to that key's device, whose identity (public or static random) address is in the key.
///
/// The kernel resolves the same way once the keys are loaded, and from then on connects to a bonded
/// device by its identity address; so the hub must name the device by it too.
public struct IdentityResolver: Sendable {
    public private(set) var keys: [MgmtIdentityResolvingKey]

    public init(keys: [MgmtIdentityResolvingKey] = []) { self.keys = keys }

    /// Adds `key`, replacing an older key for the same identity.
    public mutating func add(_ key: MgmtIdentityResolvingKey) {
        keys.removeAll { $0.device == key.device }
        keys.append(key)
    }

    /// Whether `address` (most significant octet first), if random, is a resolvable private one.
    public static func isResolvable(_ address: BLEAddress) -> Bool { address.bytes[0] & 0xC0 == 0x40 }

    /// The identity of the bonded device using `address`, or nil: when the address is not random
    /// (`random` false), not resolvable, or no key resolves it.
    public func identity(of address: BLEAddress, random: Bool) -> MgmtAddress? {
        guard random, Self.isResolvable(address) else { return nil }
        let prand = Array(address.bytes[0..<3])
        let hash = Array(address.bytes[3..<6])
        return keys.first { Self.ah(irk: $0.value, prand: prand) == hash }?.device
    }

    /// `ah(k, r)`: `irk` as the management interface carries it (least significant octet first), `prand`
    /// and the result most significant octet first, as they appear in a written address.
    public static func ah(irk: [UInt8], prand: [UInt8]) -> [UInt8] {
        precondition(irk.count == 16 && prand.count == 3, "ah takes a 16-octet key and a 24-bit prand")
        // AES in the specification takes the key and the block most significant octet first.
        var block = [UInt8](repeating: 0, count: 13) + prand
        do {
            try AES.permute(&block, key: SymmetricKey(data: Array(irk.reversed())))
        } catch {
            // Only wrong sizes throw, and the sizes are fixed above.
            preconditionFailure("AES-128 refused a 16-octet key and block: \(error)")
        }
        return Array(block[13..<16])
    }
}
