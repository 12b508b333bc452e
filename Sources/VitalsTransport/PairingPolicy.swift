import Foundation
import VitalsWire

/// What the agent does with an event: a pure function, so it is tested without a kernel.
///
/// Just Works is accepted. Numeric comparison is refused: the hub has no display on which a person could
/// compare two numbers, and accepting unseen would throw away the protection the method gives. Passkey
/// entry is answered with the device's configured fixed PIN (`PasskeyBook`), and refused without one.
public enum PairingPolicy {
    public enum Answer: Equatable, Sendable {
        case reply(MgmtCommand)
        case store(MgmtLongTermKey)
        /// An Identity Resolving Key to keep: from now on the device is known by `key.device`, its identity
        /// address, even while it advertises from `randomAddress` or another resolvable private address.
        case storeIdentity(MgmtIdentityResolvingKey, randomAddress: BLEAddress)
        case failed(MgmtAddress, status: UInt8)
        case commandFailed(UInt16, status: UInt8)
        case none
    }

    /// The IO capability the agent declares (Set IO Capability): NoInputNoOutput (3) when no passkey is
    /// configured, so every pairing is Just Works or refused; KeyboardOnly (2) when one is, so the kernel's
    /// SMP picks passkey entry (the hub "types" the PIN) for a device that displays or types one and asks for
    /// MITM protection. A device that does not ask for MITM protection still pairs with Just Works (the
    /// method is chosen from the IO capabilities only when one side asks for it; Core Vol 3 Part H 2.3.5.1).
    /// The setting is adapter-wide.
    public static func ioCapability(passkeys: PasskeyBook) -> UInt8 { passkeys.isEmpty ? 3 : 2 }

    public static func answer(to event: MgmtEvent, passkeys: PasskeyBook = PasskeyBook()) -> Answer {
        switch event {
        case .userConfirmationRequest(let device, let hint, _):
            // Hint 1 is a plain yes/no (Just Works). Hint 0 asks a person to compare two six-digit numbers:
            // accepting that unseen would defeat the protection it gives, so it is refused.
            return .reply(hint == 1 ? .userConfirmationReply(device) : .userConfirmationNegativeReply(device))
        case .userPasskeyRequest(let device):
            if let passkey = passkeys.passkey(for: device.address) {
                return .reply(.userPasskeyReply(device, passkey: passkey))
            }
            return .reply(.userPasskeyNegativeReply(device))
        case .newLongTermKey(let hint, let key):
            return hint == 1 ? .store(key) : .none
        case .newIdentityResolvingKey(let hint, let random, let key):
            // Hint 0: a device that pairs from its identity address and keeps the key for itself; it is not
            // to be stored (mgmt-api.txt, New Identity Resolving Key).
            return hint == 1 ? .storeIdentity(key, randomAddress: random) : .none
        case .authenticationFailed(let device, let status):
            return .failed(device, status: status)
        case .commandComplete(let command, let status, _) where status != 0:
            return .commandFailed(command, status: status)
        case .commandStatus(let command, let status) where status != 0:
            return .commandFailed(command, status: status)
        default:
            return .none
        }
    }
}
